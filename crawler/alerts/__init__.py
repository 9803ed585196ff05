"""Alerts and digests: subscriptions from job files, a durable outbox, a deliverer and its channels.

Pure: ``subscriptions`` (job-file models), ``windows`` (digest times, quiet hours, spikes, backoff),
``render`` (messages and webhook payloads). I/O: ``outbox`` (SQL, written in the store's transaction),
``channels`` (apprise and the signed webhook), ``deliver`` (the deliverer), ``cli``.
"""
