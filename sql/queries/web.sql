-- Named queries of the web view (crawler/web/data.py). It runs as mediamon_reader, read-only; every
-- value is a bound parameter. "published" is the article's date, else when mediamon first saw it
-- (as in the views of 0003); "a topic's articles" are those tagged with it by any job.

-- name: reader_session
-- Every pooled session: the read-only role, read-only transactions, and a bound on any one statement.
SET ROLE mediamon_reader;
SET default_transaction_read_only = on;
SET statement_timeout = '20s';

-- name: session_role
SELECT current_user::text;

-- name: topics
-- Every topic with its jobs, its articles in all and in the window, and when it was last tagged.
-- Totals come from article_topics alone (index-only on its topic index); the window's counts from
-- the articles in the window (index-only on the published index), not from a join of every tag.
WITH totals AS (
    SELECT topic, array_agg(DISTINCT job ORDER BY job) AS jobs, count(DISTINCT article_id)::integer AS articles,
           max(tagged_at) AS last_tagged
    FROM article_topics
    GROUP BY topic
),
recent AS (
    SELECT t.topic, count(DISTINCT t.article_id)::integer AS recent,
           max(coalesce(a.published_at, a.first_seen_at)) AS newest
    FROM articles a
    JOIN article_topics t ON t.article_id = a.id
    WHERE coalesce(a.published_at, a.first_seen_at) >= %(since)s::timestamptz
    GROUP BY t.topic
)
SELECT totals.topic, totals.jobs, totals.articles, coalesce(recent.recent, 0) AS recent, recent.newest,
       totals.last_tagged
FROM totals
LEFT JOIN recent ON recent.topic = totals.topic
ORDER BY totals.topic;

-- name: topic_jobs
SELECT array_agg(DISTINCT job ORDER BY job), count(DISTINCT article_id)::integer, max(tagged_at)
FROM article_topics WHERE topic = %(topic)s::text;

-- name: topic_window
-- One pass over the topic's articles in the window: per day (articles, stories), per outlet and per
-- language. grouping() tells the three sets apart.
SELECT grouping(day, host, language)                           AS set_id,
       day, host, language,
       count(*)::integer                                       AS articles,
       count(DISTINCT coalesce(story_id, -id))::integer        AS stories
FROM (
    SELECT a.id, a.story_id, a.host, coalesce(a.language, 'und') AS language,
           (coalesce(a.published_at, a.first_seen_at) AT TIME ZONE 'UTC')::date AS day
    FROM articles a
    WHERE coalesce(a.published_at, a.first_seen_at) >= %(since)s::timestamptz
      AND coalesce(a.published_at, a.first_seen_at) < %(until)s::timestamptz
      AND EXISTS (SELECT 1 FROM article_topics t WHERE t.article_id = a.id AND t.topic = %(topic)s::text)
) w
GROUP BY GROUPING SETS ((day), (host), (language));

-- name: topic_stories
-- The newest stories with at least one copy tagged with the topic (newest first publication first),
-- with every outlet that carried them (copies and exact-copy aliases). Also the Atom feed's entries.
SELECT s.id, s.title, s.first_host, s.first_published_at, s.member_count, s.updated_at, f.canonical_url,
       f.description,
       ARRAY(SELECT m.host FROM articles m WHERE m.story_id = s.id
             UNION SELECT u.host FROM articles m JOIN article_urls u ON u.article_id = m.id
                   WHERE m.story_id = s.id AND u.via = 'same_content'
             ORDER BY 1) AS hosts
FROM stories s
LEFT JOIN articles f ON f.id = s.first_article_id
WHERE EXISTS (SELECT 1 FROM articles a JOIN article_topics t ON t.article_id = a.id
              WHERE a.story_id = s.id AND t.topic = %(topic)s::text)
ORDER BY s.first_published_at DESC, s.id DESC  -- the order of stories_first_published_at_idx (0002)
LIMIT %(limit)s;

-- name: story
SELECT s.id, s.title, s.first_article_id, s.first_published_at, s.first_host, s.member_count,
       s.created_at, s.updated_at
FROM stories s WHERE s.id = %(story_id)s;

-- name: story_members
-- Every stored copy in publication order ("first time" as stories use it: reliable dates only).
SELECT a.id, a.host, a.canonical_url, a.title, a.published_at, a.date_source, a.first_seen_at,
       article_first_time(a.published_at, a.date_source, a.first_seen_at) AS first_time,
       a.language, a.site_name, length(a.text) AS text_chars,
       (SELECT count(*) FROM article_revisions r WHERE r.article_id = a.id)::integer AS revisions
FROM articles a
WHERE a.story_id = %(story_id)s
ORDER BY article_first_time(a.published_at, a.date_source, a.first_seen_at), a.first_seen_at, a.id
LIMIT %(limit)s;

-- name: aliases
-- Other URLs carrying exactly the same text as an article (exact copies, stored as aliases).
SELECT u.article_id, u.url, u.host, u.first_seen_at
FROM article_urls u
WHERE u.article_id = ANY(%(ids)s::bigint[]) AND u.via = 'same_content'
ORDER BY u.first_seen_at, u.url;

-- name: texts
SELECT id, title, text FROM articles WHERE id = ANY(%(ids)s::bigint[]);

-- name: article
SELECT a.id, a.canonical_url, a.host, a.title, a.text, a.authors, a.published_at, a.date_source,
       a.published_offset, a.modified_at, a.language, a.site_name, a.description, a.image_url,
       a.first_seen_at, a.last_seen_at, a.fetched_at, a.story_id, s.member_count AS story_members,
       src.job AS source_job, src.name AS source_name
FROM articles a
LEFT JOIN stories s ON s.id = a.story_id
LEFT JOIN sources src ON src.id = a.source_id
WHERE a.id = %(article_id)s;

-- name: article_topics
SELECT job, topic, terms, score, matched_in, tagged_at
FROM article_topics WHERE article_id = %(article_id)s ORDER BY topic, job;

-- name: article_urls
SELECT url, host, via, first_seen_at FROM article_urls WHERE article_id = %(article_id)s
ORDER BY (via = 'canonical') DESC, first_seen_at, url;

-- name: article_revisions
-- Oldest first: each revision's text was replaced by the next one (the last by the current text).
SELECT id, title, text, fetched_at, replaced_at, diff_chars
FROM article_revisions WHERE article_id = %(article_id)s ORDER BY replaced_at, id;

-- name: relation_exists
SELECT to_regclass(%(name)s::text) IS NOT NULL AND has_table_privilege(%(name)s::text, 'SELECT');

-- name: appearances
-- Every outlet's appearance of this text (migration 0012); the page checks the table exists first.
SELECT url, host, outlet, title, published_at, date_source, first_seen_at
FROM article_appearances WHERE article_id = %(article_id)s
ORDER BY first_seen_at, url
LIMIT 200;

-- name: runs
-- The newest runs of every job (window function: at most `per_job` each).
SELECT id, job, status, trigger, started_at, finished_at, host, discovered, fetched, skipped_known, stored,
       duplicates, off_topic, errors, errors_by_kind, message
FROM (SELECT r.*, row_number() OVER (PARTITION BY r.job ORDER BY r.started_at DESC, r.id DESC) AS n
      FROM crawl_runs r) r
WHERE n <= %(per_job)s
ORDER BY job, started_at DESC, id DESC;

-- name: run_errors
-- The newest errors of the given runs.
SELECT run_id, url, outcome, detail, at
FROM (SELECT e.*, row_number() OVER (PARTITION BY e.run_id ORDER BY e.at DESC, e.id DESC) AS n
      FROM crawl_errors e WHERE e.run_id = ANY(%(ids)s::bigint[])) e
WHERE n <= %(per_run)s
ORDER BY run_id, at DESC;

-- name: sources
-- Every declared source with its statistics; to_jsonb(src) carries columns later migrations add
-- (e.g. a next poll time), shown when present.
SELECT to_jsonb(src) AS source, st.articles, st.articles_7d, st.last_article_at
FROM sources src
JOIN source_stats st ON st.source_id = src.id
ORDER BY src.job, src.name, src.id;

-- name: outlets
SELECT host, count(*)::integer FROM articles GROUP BY host ORDER BY host;

-- name: languages
SELECT DISTINCT lower(split_part(replace(language, '_', '-'), '-', 1)) FROM articles
WHERE language IS NOT NULL ORDER BY 1;

-- name: topic_names
SELECT DISTINCT topic FROM article_topics ORDER BY 1;
