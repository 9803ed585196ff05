"""Scale-out on procrastinate: the task queue (`queue`), the scheduling leader and hot standbys
(`leader`), `mediamon worker` (`worker`) and its long-lived crawl processes (`hostcrawl`), URL
claims (`claims`), queue figures for status and /metrics (`observe`), the worker command (`cli`).

May import: `crawler.run` (the crawl it runs per task), `crawler.service` (the scheduler it extends),
`crawler.fetch`, `crawler.store`, `crawler.jobs`.
"""
