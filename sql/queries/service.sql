-- The service's reads and writes (scheduler, status, history), by name. Parameters are named.

-- name: ping
SELECT 1;

-- name: running_runs
SELECT id, job, trigger, pid, host, started_at FROM crawl_runs WHERE status = 'running' ORDER BY id;

-- name: last_runs
-- The newest run of every job that actually ran (a 'skipped' row only says another replica had it).
SELECT DISTINCT ON (job)
       job, id, status, trigger, started_at, finished_at, fetched, stored, duplicates, errors,
       errors_by_kind, message
FROM crawl_runs
WHERE status <> 'skipped'
ORDER BY job, started_at DESC, id DESC;

-- name: last_success
SELECT job, max(finished_at) FROM crawl_runs WHERE status IN ('succeeded', 'partial') GROUP BY job;

-- name: run_history
SELECT id, status, trigger, started_at, finished_at, host, pid, fetched, stored, duplicates, errors,
       errors_by_kind, message
FROM crawl_runs
WHERE job = %(job)s
ORDER BY started_at DESC, id DESC
LIMIT %(limit)s;
