-- 0002: syndication-aware dedup. Stories (one per wire story, with its first publisher),
-- near-duplicate signatures looked up through a GIN index, and revisions of updated articles.

-- The time that decides "who published first": a reliable published_at (never later than when we
-- first saw the page: later means a wrong timezone or clock), else first_seen_at. Dates taken from
-- the URL (day only, midnight) or guessed by htmldate would beat every timed copy of the same day,
-- so they are not trusted for ordering.
CREATE FUNCTION article_first_time(published_at timestamptz, date_source text, first_seen_at timestamptz)
RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN published_at IS NOT NULL AND coalesce(date_source, '') NOT IN ('url', 'htmldate', 'text')
            THEN LEAST(published_at, first_seen_at)
        ELSE first_seen_at
    END
$$;

CREATE TABLE stories (
    id                  bigserial PRIMARY KEY,
    title               text        NOT NULL,           -- the first publisher's headline
    first_article_id    bigint      REFERENCES articles (id) ON DELETE SET NULL,
    first_published_at  timestamptz,                    -- article_first_time() of the first article
    first_host          text,
    member_count        integer     NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stories_first_published_at_idx ON stories (first_published_at DESC);

ALTER TABLE articles ADD COLUMN story_id bigint REFERENCES stories (id) ON DELETE SET NULL;
CREATE INDEX articles_story_id_idx ON articles (story_id);

-- What crawler.dedup.Signature needs to find (lookup_keys) and confirm (shingles) near-duplicates.
-- lookup_keys = MinHash LSH band keys + content-sampled anchor keys + title key: a new article's
-- candidates are the rows sharing any key (`lookup_keys && $1`, a GIN index lookup, never a scan).
CREATE TABLE article_signatures (
    article_id   bigint   PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    lookup_keys  int8[]   NOT NULL,
    shingles     bytea    NOT NULL,   -- sorted little-endian uint32 shingle hashes
    n_tokens     integer  NOT NULL,
    short        boolean  NOT NULL,   -- too little text: matched by title only
    title_key    int8
);
-- fastupdate off: a pending list makes every lookup scan all recent inserts (up to 4 MB);
-- lookups happen once per insert, so the tree is updated directly.
CREATE INDEX article_signatures_lookup_keys_idx ON article_signatures USING gin (lookup_keys) WITH (fastupdate = off);

-- Candidate lookup, pinned to the GIN index: the planner's estimate for `int8[] && int8[]` with a
-- hundred rare keys is far too high (half the table), so left alone it picks a scan. SET makes
-- the function opaque (never inlined) and applies only while it runs; ROWS tells the caller's
-- plan to expect a handful of rows (primary-key lookups for the join).
CREATE FUNCTION story_candidate_ids(keys int8[], lim integer) RETURNS SETOF bigint
LANGUAGE sql STABLE ROWS 20 SET enable_seqscan = off AS $$
    SELECT article_id FROM article_signatures WHERE lookup_keys && keys LIMIT lim
$$;

-- Lookup keys seen in several different stories: site boilerplate or stock phrases, not story
-- text. Learned while assigning (crawler.stories) and left out of later lookups, so an outlet's
-- footer does not make every article of that outlet a candidate.
CREATE TABLE common_lookup_keys (
    key       int8        PRIMARY KEY,
    stories   integer     NOT NULL,   -- distinct stories sharing it when it was found
    found_at  timestamptz NOT NULL DEFAULT now()
);

-- Earlier texts of an article whose URL came back with changed text; articles.text is the newest.
CREATE TABLE article_revisions (
    id            bigserial   PRIMARY KEY,
    article_id    bigint      NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    title         text        NOT NULL,
    text          text        NOT NULL,
    content_hash  text        NOT NULL,
    fetched_at    timestamptz NOT NULL,               -- when this (old) text was fetched
    replaced_at   timestamptz NOT NULL DEFAULT now(), -- when the newer text replaced it
    diff_chars    integer     NOT NULL                -- crawler.dedup.diff_chars(old, new)
);
CREATE INDEX article_revisions_article_idx ON article_revisions (article_id, replaced_at);

-- One row per story: who ran it, who was first, when.
CREATE VIEW story_overview AS
SELECT s.id                                   AS story_id,
       s.title,
       s.first_host,
       f.canonical_url                        AS first_url,
       s.first_published_at,
       max(article_first_time(a.published_at, a.date_source, a.first_seen_at)) AS last_published_at,
       array_agg(DISTINCT a.host ORDER BY a.host) AS outlets,
       count(DISTINCT a.host)::integer        AS outlet_count,
       s.member_count,
       s.created_at,
       s.updated_at
FROM stories s
JOIN articles a ON a.story_id = s.id
LEFT JOIN articles f ON f.id = s.first_article_id
GROUP BY s.id, f.canonical_url;

-- Every copy of every story, in publication order, with how often its text changed.
CREATE VIEW story_members AS
SELECT a.story_id,
       a.id                                   AS article_id,
       a.host,
       a.canonical_url,
       a.title,
       a.published_at,
       a.date_source,
       a.first_seen_at,
       article_first_time(a.published_at, a.date_source, a.first_seen_at) AS first_time,
       (a.id = s.first_article_id)            AS is_first,
       (SELECT count(*) FROM article_revisions r WHERE r.article_id = a.id)::integer AS revisions
FROM articles a
JOIN stories s ON s.id = a.story_id;
