-- Alerts: subscriptions, the outbox and delivery attempts (crawler/alerts/outbox.py, deliver.py).

-- name: upsert_subscription
INSERT INTO alert_subscriptions (job, name, mode, topics, languages, spec)
VALUES (%(job)s, %(name)s, %(mode)s, %(topics)s, %(languages)s, %(spec)s)
ON CONFLICT (job, name) DO UPDATE
SET mode = EXCLUDED.mode, topics = EXCLUDED.topics, languages = EXCLUDED.languages, spec = EXCLUDED.spec,
    active = true,
    updated_at = CASE WHEN (alert_subscriptions.mode, alert_subscriptions.topics, alert_subscriptions.languages,
                            alert_subscriptions.spec, alert_subscriptions.active)
                           IS DISTINCT FROM (EXCLUDED.mode, EXCLUDED.topics, EXCLUDED.languages, EXCLUDED.spec, true)
                      THEN now() ELSE alert_subscriptions.updated_at END
RETURNING id;

-- name: deactivate_missing
UPDATE alert_subscriptions SET active = false, updated_at = now()
WHERE job = %(job)s AND active AND NOT (name = ANY(%(names)s::text[]));

-- name: job_subscriptions
SELECT id, name, mode, topics, languages, spec FROM alert_subscriptions WHERE job = %(job)s AND active ORDER BY id;

-- name: subscription_by_name
SELECT id, job, name, mode, topics, languages, spec FROM alert_subscriptions
WHERE name = %(name)s AND (%(job)s::text IS NULL OR job = %(job)s) AND active ORDER BY job;

-- name: enqueue_stories
-- One row per (story, channel) for the newly stored articles that carry one of the subscription's topics
-- (any of the job's topics when %(all_topics)s: a subscription by query only).
-- A later copy of an alerted story hits the unique (idempotency_key, channel) and adds nothing.
INSERT INTO alert_outbox (subscription_id, channel, channel_kind, kind, story_id, article_id, topics, window_key,
                          idempotency_key, due_at, next_attempt_at)
SELECT %(subscription_id)s, ch.id, ch.kind, %(kind)s, a.story_id, a.id, coalesce(m.topics, '{}'), %(window)s,
       %(key_prefix)s || coalesce('story:' || a.story_id::text, 'article:' || a.id::text) || ':' || %(window)s,
       %(due)s, %(due)s
FROM articles a
CROSS JOIN LATERAL (SELECT array_agg(t.topic ORDER BY t.topic) AS topics FROM article_topics t
                    WHERE t.article_id = a.id AND t.job = %(job)s
                      AND (%(all_topics)s OR t.topic = ANY(%(topics)s::text[]))) m
CROSS JOIN unnest(%(channel_ids)s::text[], %(channel_kinds)s::text[]) AS ch(id, kind)
WHERE a.id = ANY(%(article_ids)s::bigint[])
  AND (m.topics IS NOT NULL OR %(all_topics)s)
  AND (cardinality(%(languages)s::text[]) = 0 OR a.language = ANY(%(languages)s::text[]))
ON CONFLICT (idempotency_key, channel) DO NOTHING;

-- name: article_texts
SELECT id, title, text, language FROM articles WHERE id = ANY(%(article_ids)s::bigint[]);

-- name: enqueue_grown
-- "Story grew to N outlets": one update per story this subscription already alerted, once the story's
-- outlets (hosts of its articles and of their identical copies) reach %(grew_to)s.
INSERT INTO alert_outbox (subscription_id, channel, channel_kind, kind, story_id, article_id, topics, window_key,
                          idempotency_key, due_at, next_attempt_at)
SELECT %(subscription_id)s, ch.id, ch.kind, 'grew', g.story_id, g.article_id, g.topics, %(window)s,
       %(key_prefix)s || 'story:' || g.story_id::text || ':' || %(window)s, %(due)s, %(due)s
FROM (
    SELECT DISTINCT ON (a.story_id) a.story_id, o.article_id, o.topics
    FROM articles a
    JOIN alert_outbox o ON o.subscription_id = %(subscription_id)s AND o.story_id = a.story_id AND o.kind = 'immediate'
    WHERE a.id = ANY(%(article_ids)s::bigint[]) AND a.story_id IS NOT NULL
      AND (SELECT count(DISTINCT u.host) FROM articles m JOIN article_urls u ON u.article_id = m.id
           WHERE m.story_id = a.story_id AND u.via IN ('canonical', 'same_content')) >= %(grew_to)s
    ORDER BY a.story_id, o.id
) g
CROSS JOIN unnest(%(channel_ids)s::text[], %(channel_kinds)s::text[]) AS ch(id, kind)
ON CONFLICT (idempotency_key, channel) DO NOTHING;

-- name: topics_of_articles
SELECT DISTINCT topic FROM article_topics WHERE article_id = ANY(%(article_ids)s::bigint[]) AND job = %(job)s;

-- name: spike_counts
-- New stories of a topic (stories.created_at) in the last %(hours)s, and in the baseline days before them.
SELECT count(*) FILTER (WHERE s.created_at > %(now)s - make_interval(hours => %(hours)s)) AS recent,
       count(*) FILTER (WHERE s.created_at <= %(now)s - make_interval(hours => %(hours)s)) AS baseline
FROM stories s
WHERE s.created_at > %(now)s - make_interval(hours => %(hours)s) - make_interval(days => %(baseline_days)s)
  AND s.created_at <= %(now)s
  AND EXISTS (SELECT 1 FROM articles a JOIN article_topics t ON t.article_id = a.id
              WHERE a.story_id = s.id AND t.job = %(job)s AND t.topic = %(topic)s);

-- name: enqueue_spike
INSERT INTO alert_outbox (subscription_id, channel, channel_kind, kind, topics, window_key, idempotency_key,
                          due_at, next_attempt_at, payload)
SELECT %(subscription_id)s, ch.id, ch.kind, 'spike', ARRAY[%(topic)s], %(window)s, %(key)s, %(due)s, %(due)s,
       %(payload)s
FROM unnest(%(channel_ids)s::text[], %(channel_kinds)s::text[]) AS ch(id, kind)
ON CONFLICT (idempotency_key, channel) DO NOTHING;

-- name: recent_story_articles
-- The newest stories of a topic (one article each) for a spike message.
SELECT DISTINCT ON (a.story_id) a.id
FROM articles a JOIN article_topics t ON t.article_id = a.id AND t.job = %(job)s AND t.topic = %(topic)s
JOIN stories s ON s.id = a.story_id
WHERE s.created_at > %(now)s - make_interval(hours => %(hours)s)
ORDER BY a.story_id DESC, a.id
LIMIT %(limit)s;

-- name: story_items
-- What a message shows of each article's story (or of the article alone when it has no story):
-- the first publisher's headline, host, URL and time, every outlet, a text start and the links.
WITH picked AS (
    SELECT a.id AS article_id, a.story_id,
           coalesce(s.first_article_id, a.id) AS first_id
    FROM articles a LEFT JOIN stories s ON s.id = a.story_id
    WHERE a.id = ANY(%(article_ids)s::bigint[])
)
SELECT p.article_id, p.story_id, f.title, f.host, f.canonical_url,
       coalesce(s.first_published_at, article_first_time(f.published_at, f.date_source, f.first_seen_at)),
       ARRAY(SELECT DISTINCT u.host FROM articles m JOIN article_urls u ON u.article_id = m.id
             WHERE (m.story_id = p.story_id OR m.id = p.article_id) AND u.via IN ('canonical', 'same_content')
             ORDER BY u.host) AS outlets,
       left(f.text, 2000),
       ARRAY(SELECT u.url FROM articles m JOIN article_urls u ON u.article_id = m.id
             WHERE (m.story_id = p.story_id OR m.id = p.article_id) AND u.via IN ('canonical', 'same_content')
             ORDER BY u.url = f.canonical_url DESC, m.id, u.url) AS links,
       f.language
FROM picked p
JOIN articles f ON f.id = p.first_id
LEFT JOIN stories s ON s.id = p.story_id;

-- name: digest_window_articles
-- `alerts preview`: articles stored since a time that carry one of the topics (one per story).
SELECT DISTINCT ON (coalesce(a.story_id, -a.id)) a.id
FROM articles a JOIN article_topics t ON t.article_id = a.id AND t.job = %(job)s AND t.topic = ANY(%(topics)s::text[])
WHERE a.first_seen_at > %(since)s
  AND (cardinality(%(languages)s::text[]) = 0 OR a.language = ANY(%(languages)s::text[]))
ORDER BY coalesce(a.story_id, -a.id), a.id;

-- name: next_single
-- The next due immediate, spike or test message; a row another deliverer holds is skipped.
SELECT o.id, o.kind, o.channel, o.idempotency_key, o.window_key, o.article_id, o.topics, o.payload, o.attempts,
       s.id, s.job, s.name, s.spec
FROM alert_outbox o JOIN alert_subscriptions s ON s.id = o.subscription_id
WHERE o.status = 'pending' AND o.kind <> 'digest' AND o.due_at <= %(now)s AND o.next_attempt_at <= %(now)s
ORDER BY o.next_attempt_at, o.id
LIMIT 1
FOR UPDATE OF o SKIP LOCKED;

-- name: next_digest_groups
-- Due digest windows: (subscription, channel, window), %(grace)s after their time so that a batch
-- that began before the window closed has committed its rows.
SELECT o.subscription_id, o.channel, o.window_key
FROM alert_outbox o
WHERE o.status = 'pending' AND o.kind = 'digest' AND o.due_at + %(grace)s <= %(now)s
  AND o.next_attempt_at <= %(now)s
GROUP BY o.subscription_id, o.channel, o.window_key
ORDER BY min(o.next_attempt_at), min(o.id)
LIMIT %(limit)s;

-- name: try_group_lock
SELECT pg_try_advisory_xact_lock(hashtextextended(%(key)s, 0));

-- name: lock_digest_group
SELECT o.id, o.article_id, o.topics, o.payload, o.attempts, s.id, s.job, s.name, s.spec
FROM alert_outbox o JOIN alert_subscriptions s ON s.id = o.subscription_id
WHERE o.subscription_id = %(subscription_id)s AND o.channel = %(channel)s AND o.window_key = %(window)s
  AND o.kind = 'digest' AND o.status = 'pending'
ORDER BY o.id
FOR UPDATE OF o;

-- name: store_payload
UPDATE alert_outbox SET payload = %(payload)s WHERE id = ANY(%(ids)s::bigint[]);

-- name: record_sent
UPDATE alert_outbox SET status = 'sent', attempts = attempts + 1, sent_at = %(now)s, last_error = NULL
WHERE id = ANY(%(ids)s::bigint[]);

-- name: record_failure
UPDATE alert_outbox
SET attempts = attempts + 1, last_error = %(error)s, next_attempt_at = %(retry_at)s,
    status = CASE WHEN attempts + 1 >= %(max_attempts)s THEN 'failed' ELSE 'pending' END
WHERE id = ANY(%(ids)s::bigint[])
RETURNING status;

-- name: record_attempts
INSERT INTO alert_attempts (outbox_id, attempt, attempted_at, ok, error)
SELECT o.id, o.attempts, %(now)s, %(ok)s, %(error)s FROM alert_outbox o WHERE o.id = ANY(%(ids)s::bigint[]);

-- name: enqueue_test
INSERT INTO alert_outbox (subscription_id, channel, channel_kind, kind, window_key, idempotency_key, due_at,
                          next_attempt_at, payload)
VALUES (%(subscription_id)s, %(channel)s, %(channel_kind)s, 'test', %(window)s, %(key)s, %(now)s, %(now)s, %(payload)s)
ON CONFLICT (idempotency_key, channel) DO NOTHING
RETURNING id;

-- name: pending_by_channel
SELECT channel_kind, status, count(*) FROM alert_outbox GROUP BY channel_kind, status ORDER BY 1, 2;

-- name: subscription_overview
-- `alerts list`: every subscription with its last delivery and what is pending or failed.
SELECT s.job, s.name, s.mode, s.topics, s.active, s.spec,
       max(o.sent_at) AS last_sent,
       count(*) FILTER (WHERE o.status = 'sent') AS sent,
       count(*) FILTER (WHERE o.status = 'pending') AS pending,
       count(*) FILTER (WHERE o.status = 'failed') AS failed,
       (SELECT o2.last_error FROM alert_outbox o2 WHERE o2.subscription_id = s.id AND o2.last_error IS NOT NULL
        ORDER BY o2.id DESC LIMIT 1) AS last_error
FROM alert_subscriptions s LEFT JOIN alert_outbox o ON o.subscription_id = s.id
GROUP BY s.id
ORDER BY s.job, s.name;

-- name: pending_of_subscription
-- `alerts preview`: one channel's pending events of a subscription (every channel gets the same messages).
SELECT o.kind, o.window_key, o.article_id, o.topics, o.payload
FROM alert_outbox o
WHERE o.subscription_id = %(id)s AND o.status = 'pending'
  AND o.channel = (SELECT min(channel) FROM alert_outbox WHERE subscription_id = %(id)s AND status = 'pending')
ORDER BY o.due_at, o.id;

-- name: digest_window_settled
-- Rows of this digest window already sent or failed: a late row then goes out under a key of its own.
SELECT count(*) FROM alert_outbox
WHERE subscription_id = %(subscription_id)s AND channel = %(channel)s AND window_key = %(window)s
  AND kind = 'digest' AND status <> 'pending';
