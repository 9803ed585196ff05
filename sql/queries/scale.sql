-- Scale-out: URL claims, task bookkeeping and queue figures (crawler/scale). Parameters are named.

-- name: claim_urls
-- Take every free URL (or one this holder already had, or an expired claim); return those now held.
INSERT INTO url_claims (url, holder, worker, expires_at)
SELECT u, %(holder)s, %(worker)s, now() + make_interval(secs => %(ttl)s)
FROM unnest(%(urls)s::text[]) AS u
ON CONFLICT (url_key) DO UPDATE
SET holder = EXCLUDED.holder, worker = EXCLUDED.worker, claimed_at = now(), expires_at = EXCLUDED.expires_at
WHERE url_claims.holder = EXCLUDED.holder OR url_claims.expires_at < now()
RETURNING url;

-- name: release_claims
DELETE FROM url_claims WHERE holder = %(holder)s;

-- name: task_started
INSERT INTO task_runs (task_id, run_id, worker, host) VALUES (%(task_id)s, %(run_id)s, %(worker)s, %(host)s)
ON CONFLICT (task_id) DO UPDATE
SET run_id = EXCLUDED.run_id, worker = EXCLUDED.worker, host = EXCLUDED.host, started_at = now();

-- name: task_finished
DELETE FROM task_runs WHERE task_id = %(task_id)s;

-- name: task_run
SELECT run_id, worker FROM task_runs WHERE task_id = %(task_id)s;

-- name: has_queue
SELECT to_regclass('procrastinate_jobs') IS NOT NULL;

-- name: queue_depth
-- Tasks waiting, by task name (todo; scheduled_at in the future counts too).
SELECT task_name, count(*) FROM procrastinate_jobs WHERE status = 'todo' GROUP BY task_name ORDER BY task_name;

-- name: running_per_worker
SELECT t.worker, count(*) FROM task_runs t
JOIN procrastinate_jobs j ON j.id = t.task_id AND j.status = 'doing'
GROUP BY t.worker ORDER BY t.worker;

-- name: task_totals
-- Finished tasks by status, and tasks that ran more than once (retried after a stall, a hand-back or an error).
SELECT
    count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
    count(*) FILTER (WHERE status = 'failed') AS failed,
    count(*) FILTER (WHERE attempts > 0) AS retried,
    coalesce(sum(attempts), 0) AS retries
FROM procrastinate_jobs;

-- name: stalled_count
SELECT count(*) FROM task_stalls;

-- name: record_stall
INSERT INTO task_stalls (task_id, worker, action) VALUES (%(task_id)s, %(worker)s, %(action)s);

-- name: host_lock_waits
-- Per host lock: tasks waiting behind a running task of the same host, and how long the oldest has waited.
SELECT w.lock, count(*), extract(epoch FROM now() - min(e.at))::float8
FROM procrastinate_jobs w
JOIN procrastinate_events e ON e.job_id = w.id AND e.type = 'deferred'
WHERE w.status = 'todo' AND w.lock IS NOT NULL
  AND EXISTS (SELECT 1 FROM procrastinate_jobs d WHERE d.lock = w.lock AND d.status = 'doing')
GROUP BY w.lock ORDER BY w.lock;
