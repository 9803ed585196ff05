-- 0003: full-text search, analyst views, export watermarks and the read-only role mediamon_reader.

-- Text search configurations that fold accents (unaccent) before stemming, so "Díaz-Canel",
-- "diaz canel" and "DÍAZ CANEL" give the same lexemes. asciiword needs no unaccent.
CREATE TEXT SEARCH CONFIGURATION mm_english (COPY = english);
ALTER TEXT SEARCH CONFIGURATION mm_english
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
CREATE TEXT SEARCH CONFIGURATION mm_spanish (COPY = spanish);
ALTER TEXT SEARCH CONFIGURATION mm_spanish
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, spanish_stem;
CREATE TEXT SEARCH CONFIGURATION mm_portuguese (COPY = portuguese);
ALTER TEXT SEARCH CONFIGURATION mm_portuguese
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, portuguese_stem;
CREATE TEXT SEARCH CONFIGURATION mm_french (COPY = french);
ALTER TEXT SEARCH CONFIGURATION mm_french
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
-- Every other language: no stemming, no stop words, accents still folded.
CREATE TEXT SEARCH CONFIGURATION mm_simple (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION mm_simple
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;

-- The configuration for an article language ('es', 'es-VE', 'pt_BR', NULL...). SQL-standard
-- bodies are parsed here, so the configuration names are bound now, not via each session's search_path.
CREATE FUNCTION mm_search_config(language text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE lower(split_part(replace(coalesce(language, ''), '_', '-'), '-', 1))
    WHEN 'en' THEN 'mm_english'::regconfig
    WHEN 'es' THEN 'mm_spanish'::regconfig
    WHEN 'pt' THEN 'mm_portuguese'::regconfig
    WHEN 'fr' THEN 'mm_french'::regconfig
    ELSE 'mm_simple'::regconfig
END;

-- Title weighs A, description B, body C (ts_rank's default weights: A 1.0, B 0.4, C 0.2).
-- The body is cut at 100,000 characters: a tsvector may not exceed 1 MB, and an article
-- (~15,000 words) never needs more; one huge page must not make its insert fail.
CREATE FUNCTION mm_article_vector(title text, description text, body text, language text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN setweight(to_tsvector(mm_search_config(language), coalesce(title, '')), 'A')
    || setweight(to_tsvector(mm_search_config(language), coalesce(description, '')), 'B')
    || setweight(to_tsvector(mm_search_config(language), left(coalesce(body, ''), 100000)), 'C');

-- A websearch query ("quoted phrases", or, -not) in one configuration. A hyphen inside a word
-- becomes a space, so the query "Díaz-Canel" also finds "Díaz Canel" (the parser would
-- otherwise require the hyphenated compound itself).
CREATE FUNCTION mm_tsquery(config regconfig, query text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN websearch_to_tsquery(config, regexp_replace(query, '([^[:space:]-])-(?=[^[:space:]-])', '\1 ', 'g'));

-- The query for articles in `language`; NULL = any language: the union of every configuration's
-- query, which the GIN index can use. Recheck a row with mm_tsquery(mm_search_config(a.language), q)
-- to hold each article to its own language's stemming (crawler/search.py does).
CREATE FUNCTION mm_search_query(language text, query text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN language IS NULL THEN
        mm_tsquery('mm_english', query) || mm_tsquery('mm_spanish', query) || mm_tsquery('mm_portuguese', query)
        || mm_tsquery('mm_french', query) || mm_tsquery('mm_simple', query)
    ELSE mm_tsquery(mm_search_config(language), query)
END;

-- A trigger rather than a generated column: touch_article updates last_seen_at on every sighting
-- of a known article, and only changes of these four columns should re-parse the text.
ALTER TABLE articles ADD COLUMN search tsvector;
CREATE FUNCTION articles_search_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search := mm_article_vector(NEW.title, NEW.description, NEW.text, NEW.language);
    RETURN NEW;
END
$$;
CREATE TRIGGER articles_search
    BEFORE INSERT OR UPDATE OF title, description, text, language ON articles
    FOR EACH ROW EXECUTE FUNCTION articles_search_trigger();
UPDATE articles SET search = mm_article_vector(title, description, text, language);
CREATE INDEX articles_search_idx ON articles USING gin (search);

-- Export order / watermark (first_seen_at, id), and "articles of a job" through crawl_seen.
CREATE INDEX articles_first_seen_id_idx ON articles (first_seen_at, id);
CREATE INDEX crawl_seen_article_id_idx ON crawl_seen (article_id) WHERE article_id IS NOT NULL;

-- `mediamon export --since-last-export NAME`: the last (first_seen_at, id) delivered under NAME.
CREATE TABLE export_watermarks (
    name                text        PRIMARY KEY,
    last_first_seen_at  timestamptz NOT NULL,
    last_id             bigint      NOT NULL,
    exported            bigint      NOT NULL DEFAULT 0,   -- articles delivered under this name, in total
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- ------------------------------------------------------------------------------------------------
-- Views for analysts. published = the article's date when known, else when we first saw it.

-- One row per article with its topics (all jobs) and URL count, without the full text.
CREATE VIEW articles_latest AS
SELECT a.id,
       a.canonical_url,
       a.host,
       a.site_name,
       a.title,
       a.description,
       a.language,
       a.authors,
       coalesce(a.published_at, a.first_seen_at)                      AS published,
       a.published_at,
       a.date_source,
       a.first_seen_at,
       a.last_seen_at,
       length(a.text)                                                 AS text_chars,
       coalesce(t.topics, '{}')                                       AS topics,
       coalesce(t.jobs, '{}')                                         AS jobs,
       (SELECT count(*) FROM article_urls u WHERE u.article_id = a.id)::integer AS url_count
FROM articles a
LEFT JOIN LATERAL (
    SELECT array_agg(DISTINCT at.topic ORDER BY at.topic) AS topics,
           array_agg(DISTINCT at.job ORDER BY at.job)     AS jobs
    FROM article_topics at
    WHERE at.article_id = a.id
) t ON true;

-- Articles per job, topic, language and day (UTC) of publication.
CREATE VIEW topic_daily_counts AS
SELECT at.job,
       at.topic,
       (coalesce(a.published_at, a.first_seen_at) AT TIME ZONE 'UTC')::date AS day,
       coalesce(a.language, 'und')                                         AS language,
       count(*)::integer                                                   AS articles,
       count(DISTINCT a.host)::integer                                     AS outlets,
       round(avg(at.score)::numeric, 2)                                    AS avg_score
FROM article_topics at
JOIN articles a ON a.id = at.article_id
GROUP BY 1, 2, 3, 4;

-- Per declared source: articles it brought, how recent, and its last fetch status.
CREATE VIEW source_stats AS
SELECT s.id                                       AS source_id,
       s.job,
       s.name,
       s.kind,
       s.url,
       s.host,
       s.last_fetched_at,
       s.last_status,
       s.last_error,
       count(a.id)::integer                        AS articles,
       count(a.id) FILTER (WHERE a.first_seen_at > now() - interval '7 days')::integer AS articles_7d,
       max(a.first_seen_at)                        AS last_article_at,
       count(DISTINCT a.language)::integer         AS languages
FROM sources s
LEFT JOIN articles a ON a.source_id = s.id
GROUP BY s.id;

-- ------------------------------------------------------------------------------------------------
-- mediamon_reader: read-only role for analysts and dashboards. Roles are cluster-wide (shared by
-- every database on the server, e.g. many test databases), so it is created idempotently and a
-- concurrent creator in another database is tolerated. NOLOGIN: grant it to a login role
-- (`CREATE ROLE alice LOGIN IN ROLE mediamon_reader`).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mediamon_reader') THEN
        CREATE ROLE mediamon_reader NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;  -- created meanwhile by a migration in another database
END
$$;

GRANT USAGE ON SCHEMA public TO mediamon_reader;
GRANT SELECT ON articles, article_urls, article_topics, sources, crawl_runs, crawl_errors,
                articles_latest, topic_daily_counts, source_stats
      TO mediamon_reader;
GRANT EXECUTE ON FUNCTION mm_search_config(text), mm_tsquery(regconfig, text), mm_search_query(text, text),
                          mm_article_vector(text, text, text, text)
      TO mediamon_reader;

-- Story tables and views come from 0002; grant them when they are there.
DO $$
DECLARE
    rel text;
BEGIN
    FOREACH rel IN ARRAY ARRAY['stories', 'article_revisions', 'story_overview', 'story_members'] LOOP
        IF to_regclass(rel) IS NOT NULL THEN
            EXECUTE format('GRANT SELECT ON %I TO mediamon_reader', rel);
        END IF;
    END LOOP;
END
$$;

-- Migration bookkeeping, crawl internals and watermarks stay private. Tables created by later
-- migrations are NOT readable until that migration grants them: there is deliberately no
-- ALTER DEFAULT PRIVILEGES ... GRANT SELECT, so nothing becomes readable by accident.
REVOKE ALL ON schema_migrations FROM PUBLIC, mediamon_reader;
REVOKE ALL ON crawl_seen, export_watermarks FROM PUBLIC, mediamon_reader;
