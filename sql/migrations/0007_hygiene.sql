-- 0007: schema hygiene. Indexed foreign keys; a CHECK for every enumeration, named once in a function
-- so that a later migration extends the vocabulary with CREATE OR REPLACE instead of re-creating
-- constraints; URL keys that survive URLs longer than a B-tree entry allows; an inlinable scope.

-- Foreign keys that joins and ON DELETE actions follow.
CREATE INDEX articles_source_id_idx ON articles (source_id) WHERE source_id IS NOT NULL;
CREATE INDEX stories_first_article_id_idx ON stories (first_article_id) WHERE first_article_id IS NOT NULL;

-- The outcome vocabulary (crawler/outcomes.py, Outcome). tests/test_outcomes.py keeps both in step.
CREATE FUNCTION mm_outcomes() RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ARRAY[
        'discovered', 'skipped_known', 'skipped_seen', 'skipped_offsite', 'skipped_old', 'skipped_pattern',
        'skipped_limit', 'skipped_robots', 'skipped_long_url', 'skipped_claimed', 'not_modified', 'fetched',
        'extracted', 'not_html', 'too_large', 'empty', 'not_article', 'extract_failed', 'bad_encoding',
        'off_topic', 'stored', 'duplicate_url', 'duplicate_content', 'updated', 'revisited_unchanged', 'revised',
        'error_http', 'error_gone', 'error_timeout', 'error_connection', 'error_redirect', 'error_source',
        'error_db', 'date_rejected'
    ]::text[]
$$;

-- Where a publication date came from (crawler/extract/dates.py, SOURCE_ORDER).
CREATE FUNCTION mm_date_sources() RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ARRAY['jsonld', 'meta', 'text', 'time', 'url', 'feed', 'sitemap', 'headline', 'htmldate']::text[]
$$;

ALTER TABLE crawl_seen ADD CONSTRAINT crawl_seen_outcome_check CHECK (outcome = ANY (mm_outcomes()));
ALTER TABLE crawl_errors ADD CONSTRAINT crawl_errors_outcome_check CHECK (outcome = ANY (mm_outcomes()));
ALTER TABLE articles ADD CONSTRAINT articles_date_source_check
    CHECK (date_source IS NULL OR date_source = ANY (mm_date_sources()));

-- Run statuses: `partial` = some sources could not be read (see README, "Run status").
ALTER TABLE crawl_runs DROP CONSTRAINT crawl_runs_status_check;
ALTER TABLE crawl_runs ADD CONSTRAINT crawl_runs_status_check
    CHECK (status IN ('running', 'succeeded', 'partial', 'failed', 'interrupted', 'skipped'));
ALTER TABLE crawl_runs ADD CONSTRAINT crawl_runs_trigger_check
    CHECK (trigger IN ('cli', 'service', 'demo', 'worker'));

-- URL keys. A B-tree entry holds at most about 2.7 kB, so a unique index on a URL text column makes
-- every longer URL fail its insert. Uniqueness moves to a SHA-256 of the URL (a generated column:
-- writers still write only the URL); equality lookups use hash indexes, which take any length.
-- convert_to() is STABLE only because it depends on the database encoding, which never changes
-- after CREATE DATABASE: declaring the key function IMMUTABLE is sound, and generated columns need it.
CREATE FUNCTION mm_url_key(url text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT sha256(convert_to(url, 'UTF8'))
$$;
ALTER TABLE articles ADD COLUMN canonical_key bytea
    GENERATED ALWAYS AS (mm_url_key(canonical_url)) STORED;
ALTER TABLE articles DROP CONSTRAINT articles_canonical_url_key;
ALTER TABLE articles ADD CONSTRAINT articles_canonical_key_key UNIQUE (canonical_key);
CREATE INDEX articles_canonical_url_hash_idx ON articles USING hash (canonical_url);

ALTER TABLE article_urls ADD COLUMN url_key bytea GENERATED ALWAYS AS (mm_url_key(url)) STORED;
ALTER TABLE article_urls DROP CONSTRAINT article_urls_pkey;
ALTER TABLE article_urls ADD CONSTRAINT article_urls_pkey PRIMARY KEY (url_key);
CREATE INDEX article_urls_url_hash_idx ON article_urls USING hash (url);

ALTER TABLE crawl_seen ADD COLUMN url_key bytea GENERATED ALWAYS AS (mm_url_key(url)) STORED;
ALTER TABLE crawl_seen DROP CONSTRAINT crawl_seen_pkey;
ALTER TABLE crawl_seen ADD CONSTRAINT crawl_seen_pkey PRIMARY KEY (job, url_key);
CREATE INDEX crawl_seen_url_hash_idx ON crawl_seen USING hash (url);

ALTER TABLE sources ADD COLUMN url_key bytea GENERATED ALWAYS AS (mm_url_key(url)) STORED;
ALTER TABLE sources DROP CONSTRAINT sources_job_url_key;
ALTER TABLE sources ADD CONSTRAINT sources_job_url_key UNIQUE (job, url_key);

-- "The articles of a job, with a topic" as a set-returning SQL function whose body is one SELECT:
-- unlike mm_in_scope() (0004), whose EXISTS sub-selects keep the planner from inlining it, this one
-- is inlined into the calling query (EXPLAIN shows index scans on article_topics / crawl_seen, no
-- Function Scan). Callers handle "no topic and no job" (no restriction) themselves.
CREATE FUNCTION mm_scope(topic text, job text) RETURNS TABLE (article_id bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT t.article_id FROM article_topics t
    WHERE mm_scope.topic IS NOT NULL AND t.topic = mm_scope.topic
      AND (mm_scope.job IS NULL OR t.job = mm_scope.job)
    UNION
    SELECT t.article_id FROM article_topics t
    WHERE mm_scope.topic IS NULL AND t.job = mm_scope.job
    UNION
    SELECT s.article_id FROM crawl_seen s
    WHERE mm_scope.topic IS NULL AND s.job = mm_scope.job AND s.article_id IS NOT NULL
$$;

GRANT EXECUTE ON FUNCTION mm_scope(text, text), mm_outcomes(), mm_date_sources(), mm_url_key(text) TO mediamon_reader;

-- The byline date next to the headline ('headline') is a printed date, usually day-only, like 'text':
-- it does not count as a reliable time for "who published first" (0002 predates that date source).
CREATE OR REPLACE FUNCTION article_first_time(published_at timestamptz, date_source text, first_seen_at timestamptz)
RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN published_at IS NOT NULL AND coalesce(date_source, '') NOT IN ('url', 'htmldate', 'text', 'headline')
            THEN LEAST(published_at, first_seen_at)
        ELSE first_seen_at
    END
$$;
