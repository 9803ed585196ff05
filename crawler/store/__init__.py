"""Storage: everything that touches PostgreSQL at crawl time, plus the pure dedup keys.

Owns: connections and the embedded server (`db`), migrations (`migrate`), named SQL (`sqlfiles`), the crawl-time
writer (`store`), near-duplicate signatures (`dedup`, pure: imports no psycopg), stories/revisions
(`stories`), the alert outbox (`outbox`) and the monitoring state (`monitor`: polled documents, host
validators, article checks, due sources and revisits). May import: `crawler.models`, `crawler.outcomes`,
`crawler.extract.dates`, `crawler.match` (alert queries), the pure `crawler.alerts.windows` and
`crawler.alerts.render`, and the pure `crawler.fetch` modules `urls`, `conditional`, `polling`, `docstate`.
"""
