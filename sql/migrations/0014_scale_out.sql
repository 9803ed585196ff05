-- Scale-out bookkeeping (procrastinate's own tables are applied by its schema manager: crawler/scale/queue.py).

-- A URL is fetched by one worker only: a claim is taken before the request and released when the task
-- ends. `holder` is the task key (job@host): a retried task re-takes its own claims at once, any other
-- holder only after `expires_at` (a dead worker's claims expire).
CREATE TABLE url_claims (
    url         text        NOT NULL,
    url_key     bytea       GENERATED ALWAYS AS (mm_url_key(url)) STORED PRIMARY KEY,
    holder      text        NOT NULL,
    worker      text        NOT NULL,   -- host:pid of the worker process that took it
    claimed_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX url_claims_holder_idx ON url_claims (holder);

-- The task a worker is running: procrastinate job -> crawl_runs row, worker and host. A row left by a
-- killed worker lets the stall sweeper close that run as failed when it retries the task.
CREATE TABLE task_runs (
    task_id     bigint      PRIMARY KEY,  -- procrastinate_jobs.id
    run_id      bigint      NOT NULL REFERENCES crawl_runs (id) ON DELETE CASCADE,
    worker      text        NOT NULL,
    host        text        NOT NULL,     -- the crawled host (the task's per-host lock)
    started_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX task_runs_run_id_idx ON task_runs (run_id);

-- A task found stalled (its worker's heartbeat stopped) and what was done with it.
CREATE TABLE task_stalls (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id     bigint      NOT NULL,
    worker      text,                   -- the dead worker, when known (task_runs)
    action      text        NOT NULL CHECK (action IN ('retried', 'failed')),
    detected_at timestamptz NOT NULL DEFAULT now()
);
