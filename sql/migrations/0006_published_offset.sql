-- 0006: the publisher's time zone. timestamptz keeps the instant, not the offset the page stated, so
-- "2024-03-01T23:30:00-05:00" would read as March 2nd in UTC. published_offset is that offset (stated
-- by the page, or derived from its own local clock time or URL day); NULL when the page gave only a
-- day or a time without zone. published_local in articles_latest is the publisher's wall-clock time:
-- for a day-only date, that day at 00:00.
ALTER TABLE articles ADD COLUMN published_offset interval
    CHECK (published_offset BETWEEN interval '-14 hours' AND interval '14 hours');

CREATE OR REPLACE VIEW articles_latest AS
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
       (SELECT count(*) FROM article_urls u WHERE u.article_id = a.id)::integer AS url_count,
       a.published_offset,
       (a.published_at AT TIME ZONE 'UTC') + coalesce(a.published_offset, interval '0') AS published_local
FROM articles a
LEFT JOIN LATERAL (
    SELECT array_agg(DISTINCT at.topic ORDER BY at.topic) AS topics,
           array_agg(DISTINCT at.job ORDER BY at.job)     AS jobs
    FROM article_topics at
    WHERE at.article_id = a.id
) t ON true;
