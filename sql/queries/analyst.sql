-- Named queries of the analyst commands: search (crawler/search.py), export (crawler/export.py),
-- retag (crawler/retag.py). Every value arrives as a parameter; `%(x)s::type IS NULL OR ...` is an
-- optional filter (planned with the actual values, so an absent filter costs nothing).

-- name: language_config
SELECT mm_search_config(%(language)s::text)::text;

-- name: stories_exist
SELECT EXISTS (
    SELECT 1 FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = 'articles' AND column_name = 'story_id'
) AND EXISTS (
    SELECT 1 FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_name = 'stories'
);

-- name: query_lexemes
-- How many tsquery nodes the positive part of a query leaves (0: only stop words or punctuation).
SELECT numnode(mm_query_any(%(language)s::text, %(rank_ops)s::text[], %(rank_words)s::text[],
                            %(rank_prefixes)s::boolean[], %(rank_title_only)s::boolean[]));

-- name: search
-- The query arrives parsed, as two postfix programs (migration 0016): the whole query, and its
-- positive part (without NOT branches) that ranks and highlights, because ts_rank gives 0 to every
-- row of a query with a negation. Candidates come through the GIN index (mm_query_any); each is
-- then held to the query in its own language's configuration, ranked (title A 1.0, description
-- B 0.4, body C 0.1: a body that repeats a word must not outrank a headline) and only the top rows
-- pay for ts_headline. With one_per_story, only the best-ranked article of each story is kept (an
-- article without a story is its own).
WITH configs AS (
    SELECT config,
           mm_query(config, %(ops)s::text[], %(words)s::text[], %(prefixes)s::boolean[],
                    %(title_only)s::boolean[]) AS q,
           mm_query(config, %(rank_ops)s::text[], %(rank_words)s::text[], %(rank_prefixes)s::boolean[],
                    %(rank_title_only)s::boolean[]) AS rank_q
    FROM unnest('{mm_english,mm_spanish,mm_portuguese,mm_french,mm_simple}'::regconfig[]) AS config
),
ranked AS (
    SELECT a.id, a.title, a.text, a.language, a.host, a.canonical_url, a.story_id,
           coalesce(a.published_at, a.first_seen_at) AS published,
           CASE WHEN a.published_at IS NOT NULL THEN a.published_offset END AS published_offset,
           c.config, c.rank_q,
           ts_rank('{0.05, 0.1, 0.4, 1.0}', a.search, c.rank_q) AS rank
    FROM articles a
    JOIN configs c ON c.config = mm_search_config(a.language)
    WHERE a.search @@ mm_query_any(%(language)s::text, %(ops)s::text[], %(words)s::text[], %(prefixes)s::boolean[],
                                   %(title_only)s::boolean[])
      AND a.search @@ c.q
      AND (%(language)s::text IS NULL
           OR lower(split_part(replace(coalesce(a.language, ''), '_', '-'), '-', 1)) = %(language)s::text)
      AND (%(since)s::timestamptz IS NULL OR coalesce(a.published_at, a.first_seen_at) >= %(since)s::timestamptz)
      AND (num_nonnulls(%(topic)s::text, %(job)s::text) = 0
           OR a.id IN (SELECT article_id FROM mm_scope(%(topic)s::text, %(job)s::text)))
),
best AS (
    SELECT DISTINCT ON (CASE WHEN %(one_per_story)s::boolean THEN coalesce(story_id, -id) ELSE id END) *
    FROM ranked
    ORDER BY CASE WHEN %(one_per_story)s::boolean THEN coalesce(story_id, -id) ELSE id END,
             rank DESC, published DESC, id
),
top AS (
    SELECT * FROM best ORDER BY rank DESC, published DESC, id LIMIT %(limit)s
)
SELECT id, rank, published, language, host, title, canonical_url,
       ts_headline(config, text, rank_q, %(headline)s::text) AS snippet,
       -- every outlet that ran this text (migration 0012), the article's own host included
       coalesce((SELECT array_agg(DISTINCT ap.host ORDER BY ap.host) FROM article_appearances ap
                 WHERE ap.article_id = top.id), ARRAY[host]) AS outlets,
       published_offset
FROM top
ORDER BY rank DESC, published DESC, id;

-- name: topic_in_use
-- Whether any article carries the topic (of the job, when given): --topic names are checked.
SELECT EXISTS (SELECT 1 FROM article_topics
               WHERE topic = %(topic)s::text AND (%(job)s::text IS NULL OR job = %(job)s::text));

-- name: known_topics
SELECT DISTINCT topic FROM article_topics WHERE %(job)s::text IS NULL OR job = %(job)s::text ORDER BY topic;

-- name: job_in_use
-- Whether the job has runs, sources or tags: --job names are checked.
SELECT EXISTS (SELECT 1 FROM crawl_runs WHERE job = %(job)s::text)
    OR EXISTS (SELECT 1 FROM sources WHERE job = %(job)s::text)
    OR EXISTS (SELECT 1 FROM article_topics WHERE job = %(job)s::text);

-- name: known_jobs
SELECT job FROM crawl_runs UNION SELECT job FROM sources UNION SELECT job FROM article_topics ORDER BY job;

-- name: export_try_lock
-- One export per watermark name at a time (held until the transaction ends).
SELECT pg_try_advisory_xact_lock(hashtext('mediamon.export:' || %(name)s::text));

-- name: export_cutoff
-- Rows get first_seen_at = their transaction's start time but become visible at commit, so a row
-- still being written could later appear *behind* a watermark. Export only up to the start of the
-- oldest transaction still open in this database: everything before it has committed.
SELECT least(statement_timestamp(), (
    SELECT min(xact_start) FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
      AND backend_type = 'client backend' AND xact_start IS NOT NULL
));

-- name: watermark_get
SELECT last_first_seen_at, last_id FROM export_watermarks WHERE name = %(name)s::text;

-- name: watermark_advance
INSERT INTO export_watermarks (name, last_first_seen_at, last_id, exported)
VALUES (%(name)s, %(last_first_seen_at)s, %(last_id)s, %(exported)s)
ON CONFLICT (name) DO UPDATE
SET last_first_seen_at = EXCLUDED.last_first_seen_at, last_id = EXCLUDED.last_id,
    exported = export_watermarks.exported + EXCLUDED.exported, updated_at = now();

-- name: export_articles
-- In (first_seen_at, id) order, the watermark's order; topics restricted to --job when given.
SELECT a.id, a.canonical_url, a.host, a.site_name, a.title, a.description, a.text, a.authors,
       a.language, a.published_at, a.date_source, a.first_seen_at,
       coalesce((SELECT array_agg(DISTINCT t.topic ORDER BY t.topic) FROM article_topics t
                 WHERE t.article_id = a.id AND (%(job)s::text IS NULL OR t.job = %(job)s::text)), '{}') AS topics,
       -- every outlet that ran this text (migration 0012), the article's own host included
       coalesce((SELECT array_agg(DISTINCT ap.host ORDER BY ap.host) FROM article_appearances ap
                 WHERE ap.article_id = a.id), ARRAY[a.host]) AS outlets,
       a.published_offset  -- not exported: published_at is written in this offset
FROM articles a
WHERE (%(since)s::timestamptz IS NULL OR a.first_seen_at >= %(since)s::timestamptz)
  AND (%(after_seen)s::timestamptz IS NULL
       OR (a.first_seen_at, a.id) > (%(after_seen)s::timestamptz, %(after_id)s::bigint))
  AND (%(until)s::timestamptz IS NULL OR a.first_seen_at < %(until)s::timestamptz)
  AND (num_nonnulls(%(topic)s::text, %(job)s::text) = 0
       OR a.id IN (SELECT article_id FROM mm_scope(%(topic)s::text, %(job)s::text)))
ORDER BY a.first_seen_at, a.id;

-- name: job_articles
-- The next batch of a job's stored articles (seen by one of its runs, or tagged for it), by id.
SELECT a.id, a.title, a.text, a.language
FROM articles a
WHERE a.id > %(after_id)s::bigint
  AND a.id IN (SELECT s.article_id FROM crawl_seen s WHERE s.job = %(job)s::text AND s.article_id IS NOT NULL
               UNION
               SELECT t.article_id FROM article_topics t WHERE t.job = %(job)s::text)
ORDER BY a.id
LIMIT %(limit)s;

-- name: job_tags
SELECT article_id, topic, terms, score, matched_in
FROM article_topics
WHERE job = %(job)s::text AND article_id = ANY(%(ids)s::bigint[]);

-- name: tag_delete
DELETE FROM article_topics WHERE article_id = %(article_id)s AND job = %(job)s AND topic = %(topic)s;
