"""A bare Scrapy crawl of one loopback host: 10 requests queued at once, CONCURRENT_REQUESTS_PER_DOMAIN=1.

Run as a script (a Twisted reactor cannot restart inside the test process):
    python tests/burst_crawl.py BASE_URL [DOWNLOADER]
Nothing in the middleware chain suspends, so all 10 reach the downloader's slot queue in one tick.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess


class BurstSpider(scrapy.Spider):
    name = "burst"

    def __init__(self, base: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base = base

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for i in range(10):
            yield scrapy.Request(f"{self.base}/p{i}", callback=self.parse)

    def parse(self, response: Any) -> None:
        pass


def main(base: str, downloader: str | None) -> None:
    settings: dict[str, Any] = {
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1, "DOWNLOAD_DELAY": 0, "ROBOTSTXT_OBEY": False, "LOG_LEVEL": "ERROR",
        "TELNETCONSOLE_ENABLED": False,
    }
    if downloader:
        settings["DOWNLOADER"] = downloader
    process = CrawlerProcess(settings)
    process.crawl(BurstSpider, base=base)
    process.start()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
