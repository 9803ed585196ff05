-- 0012: every outlet's appearance of an article's text. Identical text is stored once (one article per
-- content hash), but each outlet that ran it keeps its own URL, title, publication date and first-seen time
-- here, so that story_overview, search and export count every outlet that ran a story.

CREATE TABLE article_appearances (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    article_id        bigint      NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    url               text        NOT NULL,   -- the copy's canonical URL (crawler.fetch.urls.choose_canonical)
    -- keyed on a hash (mm_url_key, 0007): a URL longer than a B-tree entry allows must not fail the insert
    url_key           bytea       GENERATED ALWAYS AS (mm_url_key(url)) STORED,
    host              text        NOT NULL,
    outlet            text        NOT NULL,   -- the page's site name, else its host
    title             text,
    published_at      timestamptz,
    published_offset  interval    CHECK (published_offset BETWEEN interval '-14 hours' AND interval '14 hours'),
    date_source       text,
    named_canonical   text,       -- the canonical URL the page itself names (rel=canonical / og:url), as found
    first_seen_at     timestamptz NOT NULL DEFAULT now(),
    last_seen_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX article_appearances_url_key_idx ON article_appearances (url_key);
CREATE INDEX article_appearances_article_id_idx ON article_appearances (article_id);

-- Existing articles: their own appearance, and the URLs stored as same_content aliases (whose title and
-- date were not kept).
INSERT INTO article_appearances (article_id, url, host, outlet, title, published_at, published_offset, date_source,
                                 first_seen_at, last_seen_at)
SELECT a.id, a.canonical_url, a.host, coalesce(a.site_name, a.host), a.title, a.published_at, a.published_offset,
       a.date_source, a.first_seen_at, a.last_seen_at
FROM articles a
ON CONFLICT DO NOTHING;
INSERT INTO article_appearances (article_id, url, host, outlet, first_seen_at, last_seen_at)
SELECT u.article_id, u.url, u.host, u.host, u.first_seen_at, u.first_seen_at
FROM article_urls u
WHERE u.via = 'same_content'
ON CONFLICT DO NOTHING;

-- story_overview counts outlets over every appearance, not only the articles' own hosts; appearance_count is new.
CREATE OR REPLACE VIEW story_overview AS
SELECT s.id                                   AS story_id,
       s.title,
       s.first_host,
       f.canonical_url                        AS first_url,
       s.first_published_at,
       max(article_first_time(a.published_at, a.date_source, a.first_seen_at)) AS last_published_at,
       o.outlets,
       cardinality(o.outlets)::integer        AS outlet_count,
       s.member_count,
       s.created_at,
       s.updated_at,
       o.appearance_count
FROM stories s
JOIN articles a ON a.story_id = s.id
LEFT JOIN articles f ON f.id = s.first_article_id
CROSS JOIN LATERAL (
    SELECT array_agg(DISTINCT h.host ORDER BY h.host) AS outlets,
           (SELECT count(*) FROM article_appearances ap JOIN articles m ON m.id = ap.article_id
            WHERE m.story_id = s.id)::integer AS appearance_count
    FROM (SELECT m.host FROM articles m WHERE m.story_id = s.id
          UNION
          SELECT ap.host FROM article_appearances ap JOIN articles m ON m.id = ap.article_id
          WHERE m.story_id = s.id) h
) o
GROUP BY s.id, f.canonical_url, o.outlets, o.appearance_count;

GRANT SELECT ON article_appearances TO mediamon_reader;
