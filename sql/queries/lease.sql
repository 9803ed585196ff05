-- Leases (crawler/store/lease.py): a named, expiring, renewable claim held by one process.

-- name: acquire
-- Free when absent, expired, or held under `steal` (a holding whose process is known to be dead).
INSERT INTO leases (name, token, holder_host, holder_pid, expires_at)
VALUES (%(name)s, %(token)s, %(host)s, %(pid)s, clock_timestamp() + make_interval(secs => %(seconds)s))
ON CONFLICT (name) DO UPDATE
SET token = EXCLUDED.token, holder_host = EXCLUDED.holder_host, holder_pid = EXCLUDED.holder_pid,
    acquired_at = clock_timestamp(), renewed_at = clock_timestamp(), expires_at = EXCLUDED.expires_at
WHERE leases.expires_at < clock_timestamp() OR leases.token = %(steal)s
RETURNING token;

-- name: holder
SELECT token, holder_host, holder_pid, expires_at < clock_timestamp() AS expired FROM leases WHERE name = %(name)s;

-- name: renew
UPDATE leases SET renewed_at = clock_timestamp(), expires_at = clock_timestamp() + make_interval(secs => %(seconds)s)
WHERE name = %(name)s AND token = %(token)s AND expires_at >= clock_timestamp()
RETURNING token;

-- name: release
DELETE FROM leases WHERE name = %(name)s AND token = %(token)s;
