-- 0017: a run's counters live in one place: crawl_runs.counters, every outcome by name (crawler/outcomes.py).
-- The summary columns that `runs`, `status` and the web view print are generated from it, so no writer can
-- update one and not the other (0001 kept both, and a killed run could show 0 fetched beside a full jsonb).
-- Existing rows keep their figures: counters always held every outcome the columns summed.
-- The error outcomes of a run's counters. jsonb_object_agg is STABLE only because it is generic over its
-- argument types; on jsonb it is deterministic, so the function is declared IMMUTABLE for generated columns.
CREATE FUNCTION mm_error_counts(counters jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(jsonb_object_agg(key, value), '{}'::jsonb) FROM jsonb_each(counters)
    WHERE key = ANY (ARRAY[
        'extract_failed', 'bad_encoding', 'error_http', 'error_gone', 'error_timeout', 'error_connection', 'error_redirect',
        'error_source', 'error_db'
    ])
$$;

ALTER TABLE crawl_runs
    DROP COLUMN discovered,
    DROP COLUMN fetched,
    DROP COLUMN skipped_known,
    DROP COLUMN skipped_robots,
    DROP COLUMN extracted,
    DROP COLUMN off_topic,
    DROP COLUMN stored,
    DROP COLUMN duplicates,
    DROP COLUMN errors,
    DROP COLUMN errors_by_kind;

ALTER TABLE crawl_runs
    ADD COLUMN discovered integer NOT NULL GENERATED ALWAYS AS (coalesce((counters ->> 'discovered')::integer, 0)) STORED,
    ADD COLUMN fetched integer NOT NULL GENERATED ALWAYS AS (coalesce((counters ->> 'fetched')::integer, 0)) STORED,
    ADD COLUMN skipped_known integer NOT NULL GENERATED ALWAYS AS (coalesce((counters ->> 'skipped_known')::integer, 0)) STORED,
    ADD COLUMN skipped_robots integer NOT NULL GENERATED ALWAYS AS (coalesce((counters ->> 'skipped_robots')::integer, 0)) STORED,
    ADD COLUMN extracted integer NOT NULL GENERATED ALWAYS AS (coalesce((counters ->> 'extracted')::integer, 0)) STORED,
    ADD COLUMN off_topic integer NOT NULL GENERATED ALWAYS AS (coalesce((counters ->> 'off_topic')::integer, 0)) STORED,
    ADD COLUMN stored integer NOT NULL GENERATED ALWAYS AS (coalesce((counters ->> 'stored')::integer, 0)) STORED,
    ADD COLUMN duplicates integer NOT NULL GENERATED ALWAYS AS (coalesce((counters ->> 'duplicate_url')::integer, 0) + coalesce((counters ->> 'duplicate_content')::integer, 0)) STORED,
    -- the error outcomes: outcomes.ERRORS (tests/test_outcomes.py keeps the two lists in step)
    ADD COLUMN errors integer NOT NULL GENERATED ALWAYS AS (
        coalesce((counters ->> 'extract_failed')::integer, 0)
        + coalesce((counters ->> 'bad_encoding')::integer, 0)
        + coalesce((counters ->> 'error_http')::integer, 0)
        + coalesce((counters ->> 'error_gone')::integer, 0)
        + coalesce((counters ->> 'error_timeout')::integer, 0)
        + coalesce((counters ->> 'error_connection')::integer, 0)
        + coalesce((counters ->> 'error_redirect')::integer, 0)
        + coalesce((counters ->> 'error_source')::integer, 0)
        + coalesce((counters ->> 'error_db')::integer, 0)
    ) STORED,
    ADD COLUMN errors_by_kind jsonb NOT NULL GENERATED ALWAYS AS (mm_error_counts(counters)) STORED;
