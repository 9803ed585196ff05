"""robots.txt rules of one origin, decided from its fetch result as RFC 9309 says (pure; protego parses).

- 2xx: the file's rules (protego, the parser Scrapy uses).
- 4xx (except 429): "unavailable": no rules, everything may be crawled.
- 429, 5xx, or no answer at all (connection refused, timeout, too large): "unreachable": nothing on
  that origin is crawled in this run, and each request says why (not final: the next run tries again).
"""

from __future__ import annotations

from dataclasses import dataclass

from protego import Protego

from crawler import outcomes


@dataclass(frozen=True)
class Rules:
    """What robots.txt allows on one origin. `unreachable` is the reason nothing is allowed, if so, and
    `outcome` what the blocked requests end in (not final: the next run asks again)."""

    parser: Protego | None = None
    unreachable: str | None = None
    outcome: str = outcomes.ERROR_HTTP

    def allowed(self, url: str, user_agent: str) -> bool:
        if self.unreachable is not None:
            return False
        return self.parser is None or bool(self.parser.can_fetch(url, user_agent))

    def crawl_delay(self, user_agent: str) -> float | None:
        """The Crawl-delay for `user_agent` (seconds), or None."""
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(user_agent)
        return float(delay) if delay else None


def from_response(status: int, body: bytes) -> Rules:
    """Rules from the robots.txt answer's status and body."""
    if 200 <= status < 300:
        return Rules(parser=Protego.parse(body.decode("utf-8", errors="ignore")))
    if status == 429 or status >= 500:
        return Rules(unreachable=f"robots.txt answered HTTP {status}")
    return Rules()  # 3xx left over after redirects, 4xx: no rules apply


def unreachable(reason: str, outcome: str) -> Rules:
    """Rules when robots.txt could not be fetched at all: nothing allowed, with the reason and outcome."""
    return Rules(unreachable=f"robots.txt unreachable: {reason}", outcome=outcome)
