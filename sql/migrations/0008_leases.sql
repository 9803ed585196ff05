-- 0008: job leases (one run per job, surviving reconnects; see README, "Reliability").
--
-- A lease is a row, not a session-level advisory lock: it does not vanish when the connection that
-- took it is cut, and mediamon_reader (SELECT only, and not on this table) cannot take or hold one.
-- The holder renews it (expires_at moves forward) every third of its length; a holder that cannot
-- renew before expires_at stops its run first, so an expired lease is free to take.
CREATE TABLE leases (
    name        text        PRIMARY KEY,          -- 'job:<job name>' (scale-out may add other kinds)
    token       uuid        NOT NULL,             -- this holding; renew and release must present it
    holder_host text        NOT NULL,
    holder_pid  integer     NOT NULL,
    acquired_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    renewed_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    expires_at  timestamptz NOT NULL
);
REVOKE ALL ON leases FROM PUBLIC;
