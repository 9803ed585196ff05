"""Fetching: the Scrapy adapter that turns a job's sources into article pages.

Owns: the spider (`spider`), the source kinds (`sources`, one class per kind, dispatching to `discover`:
feeds, listings, homepages, and `sitemaps`, which both build on `found` and never on each other), the
monitoring rules (`conditional`: validators and their honesty; `revisit`: change capture; `polling`:
adaptive poll times; `docstate`: their values; all pure), URL
canonicalisation (`urls`, pure), downloader middlewares (robots, politeness, offsite redirects) and the
item pipeline that hands pages to the process pool and the store writer (`pipelines`).
May import: `crawler.extract`, `crawler.match`, `crawler.run.work` (the page worker), `crawler.models`,
`crawler.outcomes`. Scrapy and Twisted appear only here and in `crawler.run.crawl`.
"""
