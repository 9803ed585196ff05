-- 0013: alerts and digests. Subscriptions come from the job files' [[alerts]]; alert events go to a
-- durable outbox in the same transaction that stores the article (crawler.alerts.outbox), and a
-- deliverer sends them (crawler.alerts.deliver) recording every attempt.

-- A job file's [[alerts]] entry as last synced. `spec` holds topics, languages, schedule and the
-- channel templates: secrets are referenced by environment variable name (${NAME}), never stored.
CREATE TABLE alert_subscriptions (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job         text        NOT NULL,
    name        text        NOT NULL,
    mode        text        NOT NULL CHECK (mode IN ('immediate', 'digest', 'spike')),
    topics      text[]      NOT NULL,
    languages   text[]      NOT NULL DEFAULT '{}',   -- empty: every language
    spec        jsonb       NOT NULL,
    active      boolean     NOT NULL DEFAULT true,   -- false once the entry left its job file
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (job, name)
);

-- One message to one channel. The idempotency key is subscription + story + window: the database,
-- not the deliverer, guarantees that a story alerts a subscription's channel once per window.
CREATE TABLE alert_outbox (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id  bigint      NOT NULL REFERENCES alert_subscriptions (id) ON DELETE CASCADE,
    channel          text        NOT NULL,            -- stable id of the channel (hash of its template)
    channel_kind     text        NOT NULL,            -- metrics label: mailto, json, webhook, slack...
    kind             text        NOT NULL CHECK (kind IN ('immediate', 'grew', 'digest', 'spike', 'test')),
    story_id         bigint,                           -- NULL for a spike
    article_id       bigint,                           -- the stored article that caused the event
    topics           text[]      NOT NULL DEFAULT '{}',
    window_key       text        NOT NULL,            -- 'now', a digest's delivery time, a spike's bucket
    idempotency_key  text        NOT NULL,
    status           text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         integer     NOT NULL DEFAULT 0,
    due_at           timestamptz NOT NULL,             -- not before (a digest's window end, quiet hours)
    next_attempt_at  timestamptz NOT NULL,
    payload          jsonb,                            -- the message as first rendered; retries resend it
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    UNIQUE (idempotency_key, channel)
);
CREATE INDEX alert_outbox_pending_idx ON alert_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX alert_outbox_subscription_idx ON alert_outbox (subscription_id, status);

-- Every delivery attempt of an outbox row (a digest's attempt is recorded on each of its rows).
CREATE TABLE alert_attempts (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    outbox_id    bigint      NOT NULL REFERENCES alert_outbox (id) ON DELETE CASCADE,
    attempt      integer     NOT NULL,
    attempted_at timestamptz NOT NULL,
    ok           boolean     NOT NULL,
    error        text,
    UNIQUE (outbox_id, attempt)
);
