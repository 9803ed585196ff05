"""One crawl run: the child process that owns the Scrapy reactor and the run row (`crawl`), the
process-pool page worker (extract -> topics -> dedup keys, `work`), the summary (`report`) and the offline
demo (`demo`).

May import: every stage package below it (`fetch`, `extract`, `match`, `store`, `jobs`).
"""
