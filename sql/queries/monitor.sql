-- Monitoring between runs (crawler/store/monitor.py): polled documents, host validator verdicts, article checks.

-- name: add_child
-- A document a declared source announced (a sitemap index's sitemap, a site's feed): polled on its own.
INSERT INTO sources (job, name, kind, url, host, parent_id)
VALUES (%(job)s, %(name)s, %(kind)s, %(url)s, %(host)s, %(parent_id)s)
ON CONFLICT (job, url_key) DO UPDATE SET parent_id = COALESCE(sources.parent_id, EXCLUDED.parent_id)
RETURNING id;

-- name: documents
-- Every document of a job with its polling state; root_url is the declared source it belongs to.
SELECT s.id, s.url, s.kind, COALESCE(p.url, s.url) AS root_url, s.etag, s.last_modified, s.body_hash,
       s.polls_since_audit, s.rate_items, s.rate_hours, s.error_streak, s.last_polled_at, s.last_new_at,
       s.next_poll_at, h.verdict, s.rate_profile, s.last_status, s.last_error
FROM sources s
LEFT JOIN sources p ON p.id = s.parent_id
LEFT JOIN host_validators h ON h.host = s.host
WHERE s.job = %(job)s
ORDER BY s.parent_id NULLS FIRST, s.id;

-- name: record_poll
UPDATE sources
SET etag = %(etag)s, last_modified = %(last_modified)s, body_hash = %(body_hash)s,
    polls = polls + 1,
    polls_since_audit = CASE WHEN %(audited)s THEN 0 ELSE polls_since_audit + 1 END,
    rate_items = %(rate_items)s, rate_hours = %(rate_hours)s, rate_profile = %(rate_profile)s,
    error_streak = %(error_streak)s,
    last_polled_at = %(last_polled_at)s, last_new_at = %(last_new_at)s, next_poll_at = %(next_poll_at)s,
    last_fetched_at = now(), last_status = %(status)s, last_error = %(error)s
WHERE id = %(id)s;

-- name: set_host_verdict
INSERT INTO host_validators (host, verdict, detail, url)
VALUES (%(host)s, %(verdict)s, %(detail)s, %(url)s)
ON CONFLICT (host) DO UPDATE SET verdict = EXCLUDED.verdict, detail = EXCLUDED.detail, url = EXCLUDED.url,
    found_at = now();

-- name: known_pages
-- The URLs this job already finished, with what is needed to decide whether to check them again.
SELECT s.url, s.article_id, s.first_seen_at, c.hinted_at, c.last_checked_at, c.etag, c.last_modified
FROM crawl_seen s
LEFT JOIN page_checks c ON c.job = s.job AND c.url_key = s.url_key
WHERE s.job = %(job)s AND s.url = ANY(%(urls)s);

-- name: record_check
INSERT INTO page_checks (job, url, etag, last_modified, hinted_at, last_checked_at)
VALUES (%(job)s, %(url)s, %(etag)s, %(last_modified)s, %(hinted_at)s, %(now)s)
ON CONFLICT (job, url_key) DO UPDATE
SET etag = COALESCE(EXCLUDED.etag, page_checks.etag),
    last_modified = COALESCE(EXCLUDED.last_modified, page_checks.last_modified),
    hinted_at = GREATEST(page_checks.hinted_at, EXCLUDED.hinted_at),
    last_checked_at = EXCLUDED.last_checked_at,
    checks = page_checks.checks + 1;

-- name: due_revisits
-- Young articles of the job with a revisit offset passed since their last check (one row per article:
-- its canonical URL). Offsets are intervals after first sight, e.g. {1 hour, 6 hours, 24 hours}.
SELECT s.url, s.article_id, c.etag, c.last_modified
FROM crawl_seen s
JOIN articles a ON a.id = s.article_id AND a.canonical_url = s.url
LEFT JOIN page_checks c ON c.job = s.job AND c.url_key = s.url_key
WHERE s.job = %(job)s
  AND s.first_seen_at > %(now)s - %(horizon)s
  AND EXISTS (SELECT 1 FROM unnest(%(offsets)s::interval[]) o
              WHERE s.first_seen_at + o <= %(now)s
                AND COALESCE(c.last_checked_at, s.first_seen_at) < s.first_seen_at + o)
ORDER BY s.first_seen_at DESC
LIMIT %(limit)s;

-- name: retry_urls
-- Article URLs whose fetch failed and that never reached a final outcome: retried even when the feed that
-- listed them answers 304, until their first failure is older than the job's max age.
SELECT e.url
FROM crawl_errors e
WHERE e.job = %(job)s
  AND e.outcome IN ('error_http', 'error_timeout', 'error_connection', 'extract_failed')
  AND NOT EXISTS (SELECT 1 FROM crawl_seen s WHERE s.job = e.job AND s.url = e.url)
  AND NOT EXISTS (SELECT 1 FROM sources src WHERE src.job = e.job AND src.url = e.url)
GROUP BY e.url
HAVING min(e.at) > %(since)s
ORDER BY max(e.at) DESC
LIMIT %(limit)s;

-- name: polling_status
-- `mediamon status`: each polled document's observed rate, last change and next poll.
SELECT s.job, s.name, s.kind, s.url, s.parent_id IS NOT NULL AS child, s.rate_items, s.rate_hours,
       s.error_streak, s.last_polled_at, s.last_new_at, s.next_poll_at, s.last_status, h.verdict
FROM sources s
LEFT JOIN host_validators h ON h.host = s.host
ORDER BY s.job, COALESCE(s.parent_id, s.id), s.parent_id NULLS FIRST, s.id;
