-- 0010: monitoring between runs. Each polled document (a declared feed / sitemap / listing / site, and the
-- child sitemaps and feeds it announced) is a sources row with its validators, body hash and polling state;
-- hosts whose validators lie are remembered; each fetched article page keeps its own validators and the
-- newest date its feed or sitemap gave it, so a known article is fetched again only when it changed.

ALTER TABLE sources DROP CONSTRAINT sources_kind_check;
ALTER TABLE sources ADD CONSTRAINT sources_kind_check
    CHECK (kind IN ('feed', 'sitemap', 'news_sitemap', 'listing', 'site'));

ALTER TABLE sources
    -- the declared source a child document was found through (a sitemap index's sitemaps, a site's feeds)
    ADD COLUMN parent_id         bigint REFERENCES sources (id) ON DELETE CASCADE,
    ADD COLUMN etag              text,
    ADD COLUMN last_modified     text,                 -- as the server sent it (an HTTP date)
    ADD COLUMN body_hash         text,                 -- sha256 of the last full body: unchanged = not parsed
    ADD COLUMN polls             integer NOT NULL DEFAULT 0,
    ADD COLUMN polls_since_audit integer NOT NULL DEFAULT 0,  -- polls since the last unconditional one
    -- adaptive polling (crawler/fetch/polling.py): exponentially weighted new items and hours observed
    ADD COLUMN rate_items        double precision NOT NULL DEFAULT 0,
    ADD COLUMN rate_hours        double precision NOT NULL DEFAULT 0,
    ADD COLUMN rate_profile      double precision[] NOT NULL DEFAULT '{}',  -- per UTC hour: 24 items, 24 hours
    ADD COLUMN error_streak      integer NOT NULL DEFAULT 0,
    ADD COLUMN last_polled_at    timestamptz,
    ADD COLUMN last_new_at       timestamptz,          -- the last poll that found a new item
    ADD COLUMN next_poll_at      timestamptz;
CREATE INDEX sources_parent_id_idx ON sources (parent_id);
CREATE INDEX sources_job_next_poll_idx ON sources (job, next_poll_at);

-- Hosts whose validators were caught not following the content (crawler/fetch/conditional.py):
-- polled by body hash alone from then on.
CREATE TABLE host_validators (
    host        text PRIMARY KEY,
    verdict     text        NOT NULL CHECK (verdict IN ('stale', 'unstable')),
    detail      text,
    url         text,                                  -- the document that showed it
    found_at    timestamptz NOT NULL DEFAULT now()
);

-- Per (job, article page URL): its validators, the newest feed/sitemap date seen for it, the last check.
-- Keyed on the URL's SHA-256 like crawl_seen (0007), so URLs longer than a B-tree entry are stored too.
CREATE TABLE page_checks (
    job             text        NOT NULL,
    url             text        NOT NULL,              -- canonicalised
    url_key         bytea       GENERATED ALWAYS AS (mm_url_key(url)) STORED,
    etag            text,
    last_modified   text,
    hinted_at       timestamptz,                       -- newest feed `updated` / sitemap `lastmod` / news date
    last_checked_at timestamptz NOT NULL,
    checks          integer     NOT NULL DEFAULT 1,
    PRIMARY KEY (job, url_key)
);

GRANT SELECT ON host_validators TO mediamon_reader;
