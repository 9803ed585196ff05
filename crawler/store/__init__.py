"""Storage: everything that touches PostgreSQL at crawl time, plus the pure dedup keys.

Owns: connections and the embedded server (`db`), migrations (`migrate`), named SQL (`sqlfiles`), the crawl-time
writer (`store`), near-duplicate signatures (`dedup`, pure: imports no psycopg), stories/revisions
(`stories`) and the alert outbox (`outbox`). May import: `crawler.models`, `crawler.outcomes`,
`crawler.extract.dates`, `crawler.fetch.urls`, `crawler.match` (alert queries), the pure
`crawler.alerts.windows` and `crawler.alerts.render`.
"""
