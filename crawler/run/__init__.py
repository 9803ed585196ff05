"""One crawl run: the child process that owns the run row (`crawl`), the engine that runs crawls in the
process's one Scrapy reactor (`engine`: once inline, task after task in a worker's crawl process), the
process-pool page worker (extract -> topics -> dedup keys, `work`), the summary (`report`) and the offline
demo (`demo`).

May import: every stage package below it (`fetch`, `extract`, `match`, `store`, `jobs`).
"""
