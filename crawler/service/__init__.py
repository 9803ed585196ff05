"""The long-running service: the APScheduler loop (`service`), recovery of runs left running
(`staleruns`), Prometheus metrics (`metrics`) and the status/runs commands (`cli`).

May import: `crawler.run` (it starts crawl runs), `crawler.store`, `crawler.jobs`.
"""
