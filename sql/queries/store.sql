-- Every crawl-time read and write, by name. Parameters are named (%(name)s); nothing is formatted in.

-- name: upsert_source
INSERT INTO sources (job, name, kind, url, host)
VALUES (%(job)s, %(name)s, %(kind)s, %(url)s, %(host)s)
ON CONFLICT (job, url_key) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind
RETURNING id;

-- name: update_source
UPDATE sources
SET last_fetched_at = now(), last_status = %(status)s, last_error = %(error)s
WHERE id = %(id)s;

-- name: known_urls
SELECT url FROM crawl_seen WHERE job = %(job)s AND url = ANY(%(urls)s);

-- name: article_by_urls
SELECT a.id, a.content_hash
FROM article_urls u JOIN articles a ON a.id = u.article_id
WHERE u.url = ANY(%(urls)s)
ORDER BY (u.url = %(canonical_url)s) DESC, u.first_seen_at
LIMIT 1;

-- name: insert_article
INSERT INTO articles (canonical_url, host, title, text, authors, published_at, published_offset, date_source,
                      modified_at, language, site_name, description, image_url, content_hash, source_id)
VALUES (%(canonical_url)s, %(host)s, %(title)s, %(text)s, %(authors)s, %(published_at)s, %(published_offset)s,
        %(date_source)s, %(modified_at)s, %(language)s, %(site_name)s, %(description)s, %(image_url)s,
        %(content_hash)s, %(source_id)s)
ON CONFLICT DO NOTHING
RETURNING id;

-- name: article_by_content_hash
SELECT id FROM articles WHERE content_hash = %(content_hash)s;

-- name: touch_article
UPDATE articles SET last_seen_at = now() WHERE id = %(id)s;

-- name: insert_alias
INSERT INTO article_urls (url, article_id, host, via)
VALUES (%(url)s, %(article_id)s, %(host)s, %(via)s)
ON CONFLICT (url_key) DO NOTHING;

-- name: upsert_topic
INSERT INTO article_topics (article_id, job, topic, terms, score, matched_in)
VALUES (%(article_id)s, %(job)s, %(topic)s, %(terms)s, %(score)s, %(matched_in)s)
ON CONFLICT (article_id, job, topic) DO UPDATE
SET terms = EXCLUDED.terms, score = EXCLUDED.score, matched_in = EXCLUDED.matched_in, tagged_at = now();

-- name: mark_seen
INSERT INTO crawl_seen (job, url, outcome, article_id)
VALUES (%(job)s, %(url)s, %(outcome)s, %(article_id)s)
ON CONFLICT (job, url_key) DO UPDATE
SET outcome = EXCLUDED.outcome, article_id = COALESCE(EXCLUDED.article_id, crawl_seen.article_id),
    last_seen_at = now();

-- name: record_error
INSERT INTO crawl_errors (run_id, job, url, outcome, detail)
VALUES (%(run_id)s, %(job)s, %(url)s, %(outcome)s, %(detail)s);

-- name: start_run
INSERT INTO crawl_runs (job, trigger, pid, host, status)
VALUES (%(job)s, %(trigger)s, %(pid)s, %(host)s, %(status)s)
RETURNING id;

-- name: finish_run
UPDATE crawl_runs
SET status = %(status)s, finished_at = now(), message = %(message)s, counters = %(counters)s
WHERE id = %(id)s;

-- name: progress_run
UPDATE crawl_runs
SET counters = %(counters)s
WHERE id = %(id)s AND status = 'running';

-- name: fail_stale_runs
-- Runs of a job left 'running' by a process that died; only the holder of the job's lease calls this.
UPDATE crawl_runs SET status = 'failed', finished_at = now(), message = %(message)s
WHERE job = %(job)s AND status = 'running'
RETURNING id;

-- name: close_if_running
UPDATE crawl_runs SET status = %(status)s, finished_at = now(), message = %(message)s
WHERE id = %(id)s AND status = 'running';


-- name: run_status
SELECT status, counters, message FROM crawl_runs WHERE id = %(id)s;

-- name: run_errors
SELECT url, outcome, detail FROM crawl_errors WHERE run_id = %(id)s ORDER BY id LIMIT %(limit)s;

-- name: recent_articles
SELECT a.id, a.published_at, a.date_source, a.language, a.host, a.title,
       COALESCE((SELECT string_agg(t.topic, ',' ORDER BY t.topic) FROM article_topics t WHERE t.article_id = a.id), '') AS topics,
       (SELECT count(*) FROM article_urls u WHERE u.article_id = a.id) AS urls
FROM articles a
ORDER BY a.first_seen_at DESC, a.id DESC
LIMIT %(limit)s;

-- name: run_counters
SELECT counters FROM crawl_runs WHERE id = %(id)s;

-- name: copy_is_earlier
-- Identical text arrived from another URL: was it published first? Same rule as stories' first publisher.
SELECT article_first_time(%(published_at)s, %(date_source)s, now())
       < article_first_time(published_at, date_source, first_seen_at),
       canonical_url, story_id
FROM articles WHERE id = %(id)s;

-- name: promote_copy
-- The earlier copy becomes the article's identity; the text is identical, so only its metadata moves.
UPDATE articles
SET canonical_url = %(canonical_url)s, host = %(host)s, title = %(title)s, authors = %(authors)s,
    published_at = %(published_at)s, published_offset = %(published_offset)s, date_source = %(date_source)s,
    site_name = %(site_name)s,
    description = %(description)s, image_url = %(image_url)s, source_id = %(source_id)s
WHERE id = %(id)s;

-- name: set_alias_via
UPDATE article_urls SET via = %(via)s WHERE url = %(url)s;

-- name: drop_stale_topics
-- A revised article no longer matching a topic of this job loses that tag.
DELETE FROM article_topics WHERE article_id = %(article_id)s AND job = %(job)s AND topic <> ALL(%(topics)s);

-- name: upsert_appearance
-- One row per URL that ran an article's text (migration 0012); a URL seen again refreshes its row.
INSERT INTO article_appearances (article_id, url, host, outlet, title, published_at, published_offset, date_source,
                                 named_canonical)
VALUES (%(article_id)s, %(url)s, %(host)s, %(outlet)s, %(title)s, %(published_at)s, %(published_offset)s,
        %(date_source)s, %(named_canonical)s)
ON CONFLICT (url_key) DO UPDATE
SET article_id = EXCLUDED.article_id, outlet = EXCLUDED.outlet, title = EXCLUDED.title,
    published_at = EXCLUDED.published_at, published_offset = EXCLUDED.published_offset,
    date_source = EXCLUDED.date_source, named_canonical = EXCLUDED.named_canonical, last_seen_at = now();

-- name: names_as_canonical
-- The page stored as the article's identity names this URL as its canonical (an AMP or print copy fetched
-- first): the copy at that URL becomes the identity, whatever the fetch order.
SELECT a.canonical_url, a.story_id
FROM articles a
JOIN article_appearances ap ON ap.article_id = a.id AND ap.url = a.canonical_url
WHERE a.id = %(id)s AND ap.named_canonical = %(url)s AND a.canonical_url <> %(url)s;
