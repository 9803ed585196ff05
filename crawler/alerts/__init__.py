"""Alerts and digests: subscriptions from job files, a durable outbox, a deliverer and its channels.

Pure: ``subscriptions`` (job-file models), ``windows`` (digest times, quiet hours, spikes, backoff),
``render`` (messages and webhook payloads); they import no crawler package and no I/O, so the
store and the job model may use them. I/O: ``channels`` (apprise and the signed webhook), ``deliver``
(the deliverer) and ``cli``, which may import `crawler.store` (db, named SQL, `outbox`: the outbox
writer that runs in the store's batch transaction), `crawler.jobs` and `crawler.run` (migrations).
"""
