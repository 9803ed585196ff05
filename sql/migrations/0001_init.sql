-- 0001: the pipeline's tables. Uniqueness is enforced here; Python only computes the keys.
CREATE EXTENSION IF NOT EXISTS unaccent;

-- One row per (job, discovery source) as declared in the job file.
CREATE TABLE sources (
    id              bigserial PRIMARY KEY,
    job             text        NOT NULL,
    name            text        NOT NULL,
    kind            text        NOT NULL CHECK (kind IN ('feed', 'sitemap', 'listing')),
    url             text        NOT NULL,
    host            text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_fetched_at timestamptz,
    last_status     text,                 -- 'ok' or the error outcome
    last_error      text,
    body_hash       text,                 -- sha256 of the last body: unchanged feeds are skipped cheaply
    UNIQUE (job, url)
);

-- One row per distinct article.
CREATE TABLE articles (
    id             bigserial PRIMARY KEY,
    canonical_url  text        NOT NULL UNIQUE,
    host           text        NOT NULL,
    title          text        NOT NULL,
    text           text        NOT NULL,
    authors        text[]      NOT NULL DEFAULT '{}',
    published_at   timestamptz,
    date_source    text,                  -- jsonld | meta | time | url | feed | sitemap | htmldate
    modified_at    timestamptz,
    language       text,
    site_name      text,
    description    text,
    image_url      text,
    content_hash   text        NOT NULL UNIQUE,  -- sha256 of normalized text: identical text = one article
    source_id      bigint      REFERENCES sources (id) ON DELETE SET NULL,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz NOT NULL DEFAULT now(),
    fetched_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX articles_published_at_idx ON articles (published_at DESC NULLS LAST);
CREATE INDEX articles_first_seen_at_idx ON articles (first_seen_at DESC);
CREATE INDEX articles_host_idx ON articles (host);

-- Every URL that resolved to an article: the canonical one, fetched/redirected URLs, discovered
-- variants (tracking parameters), and other URLs carrying identical text.
CREATE TABLE article_urls (
    url            text        PRIMARY KEY,      -- canonicalised (crawler.urls.canonical_url)
    article_id     bigint      NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    host           text        NOT NULL,
    via            text        NOT NULL CHECK (via IN ('canonical', 'fetched', 'redirect', 'discovered', 'same_content')),
    first_seen_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX article_urls_article_id_idx ON article_urls (article_id);

-- Which job topics an article matched.
CREATE TABLE article_topics (
    article_id  bigint      NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    job         text        NOT NULL,
    topic       text        NOT NULL,
    terms       text[]      NOT NULL DEFAULT '{}',
    score       real        NOT NULL DEFAULT 1,
    matched_in  text[]      NOT NULL DEFAULT '{}',   -- title | lead | body
    tagged_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (article_id, job, topic)
);
CREATE INDEX article_topics_topic_idx ON article_topics (job, topic);

-- One row per run of a job (service or cron). Counters use the names in crawler/outcomes.py.
CREATE TABLE crawl_runs (
    id            bigserial PRIMARY KEY,
    job           text        NOT NULL,
    status        text        NOT NULL DEFAULT 'running'
                  CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted', 'skipped')),
    trigger       text        NOT NULL DEFAULT 'cli',   -- cli | service | demo
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    pid           integer,
    host          text,
    discovered      integer NOT NULL DEFAULT 0,
    fetched         integer NOT NULL DEFAULT 0,
    skipped_known   integer NOT NULL DEFAULT 0,
    skipped_robots  integer NOT NULL DEFAULT 0,
    extracted       integer NOT NULL DEFAULT 0,
    off_topic       integer NOT NULL DEFAULT 0,
    stored          integer NOT NULL DEFAULT 0,
    duplicates      integer NOT NULL DEFAULT 0,
    errors          integer NOT NULL DEFAULT 0,
    errors_by_kind  jsonb   NOT NULL DEFAULT '{}',
    counters        jsonb   NOT NULL DEFAULT '{}',   -- every outcome counter of the run
    message         text
);
CREATE INDEX crawl_runs_job_started_idx ON crawl_runs (job, started_at DESC);

-- Per-job memory of URLs that reached a final outcome, so the next run does not fetch them again.
CREATE TABLE crawl_seen (
    job         text        NOT NULL,
    url         text        NOT NULL,     -- canonicalised
    outcome     text        NOT NULL,
    article_id  bigint      REFERENCES articles (id) ON DELETE SET NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job, url)
);

-- Page-level errors with their URL, for operators (a row the database rejected, a broken feed, ...).
CREATE TABLE crawl_errors (
    id        bigserial PRIMARY KEY,
    run_id    bigint      REFERENCES crawl_runs (id) ON DELETE CASCADE,
    job       text        NOT NULL,
    url       text        NOT NULL,
    outcome   text        NOT NULL,
    detail    text,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX crawl_errors_run_idx ON crawl_errors (run_id);
