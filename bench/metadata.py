"""Titles, authors, publication days and body text on news pages from many countries: mediamon vs trafilatura.

The ground truth is the parser test data of Fundus (https://github.com/flairNLP/fundus, MIT): about 250 news
pages from about 180 publishers in 40 countries, each with the title, authors, publishing date and body that
Fundus's hand-written per-publisher parsers extract, reviewed by its maintainers. Nothing of it is committed
here: check out Fundus and point `--fundus` at the checkout (or at its `tests/resources/parser/test_data`).

mediamon runs its production path (`mediamon extract`: a page rejected as a non-article gets nothing), with
the fetch time set to the page's crawl date. Halves A/B split by *publisher* (a fixed hash), so a rule written
while looking at one half is checked on publishers it never saw.

Scores: title exact (whitespace squashed), author F1 (micro, on lower-cased names), publication day (the day in
the offset each side states; the ground truth is often normalised to UTC, so +-1 day is shown too), body F1
(the Zyte benchmark's 4-gram scorer on the summary + paragraphs).
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import statistics
import sys
import time
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from _common import arg_parser, half, scorer

from crawler.extract import cli as extract_cli


@dataclass(frozen=True)
class Page:
    key: str
    publisher: str
    url: str
    crawled: datetime
    html: bytes
    title: str
    authors: tuple[str, ...]
    published: datetime | None
    body: str


def test_data(root: Path) -> Path:
    for candidate in (root, root / "tests" / "resources" / "parser" / "test_data"):
        if any(candidate.glob("*/meta.info")):
            return candidate
    raise SystemExit(f"{root}: not a Fundus checkout (no tests/resources/parser/test_data/*/meta.info): "
                     "clone https://github.com/flairNLP/fundus and pass --fundus PATH")


def load(root: Path) -> tuple[list[Page], int]:
    """Every page whose publisher's versions pair one to one with its HTML files (sorted by date); skipped count."""
    pages, skipped = [], 0
    for meta_path in sorted(test_data(root).glob("*/meta.info")):
        country = meta_path.parent
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        by_publisher: dict[str, list[str]] = {}
        for name in sorted(meta):
            by_publisher.setdefault(re.sub(r"_\d{4}_\d{2}_\d{2}\.html\.gz$", "", name), []).append(name)
        for publisher, files in by_publisher.items():
            truth_path = country / f"{publisher}.json"
            if not truth_path.exists():
                skipped += len(files)
                continue
            truth = json.loads(truth_path.read_text(encoding="utf-8"))
            if len(truth) != len(files):
                skipped += len(files)
                continue
            for name, version in zip(files, sorted(truth), strict=True):
                t = truth[version]
                body = t.get("body") or {}
                parts = [*body.get("summary", [])]
                for section in body.get("sections", []):
                    parts += [*section.get("headline", []), *section.get("paragraphs", [])]
                published = datetime.fromisoformat(t["publishing_date"]) if t.get("publishing_date") else None
                pages.append(Page(
                    key=f"{country.name}/{name}", publisher=f"{country.name}/{publisher}", url=meta[name]["url"],
                    crawled=datetime.fromisoformat(meta[name]["crawl_date"]),
                    html=gzip.decompress((country / name).read_bytes()), title=t.get("title") or "",
                    authors=tuple(t.get("authors") or ()), published=published, body="\n".join(parts),
                ))
    return pages, skipped



def squash(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def names(values: Any) -> set[str]:
    return {squash(str(v)).lower() for v in values or () if squash(str(v))}


def day_of(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    return value.date() if isinstance(value, datetime) else value if isinstance(value, date) else None


@dataclass
class Tally:
    titles: int = 0
    titled: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    days: int = 0
    near: int = 0
    dated: int = 0

    def add(self, page: Page, title: str | None, authors: set[str], day: date | None) -> None:
        if page.title:
            self.titled += 1
            self.titles += squash(title) == squash(page.title)
        if page.authors:  # pages whose truth names nobody score no author points (as the maintainers' F1)
            want = names(page.authors)
            self.tp, self.fp, self.fn = self.tp + len(want & authors), self.fp + len(authors - want), \
                self.fn + len(want - authors)
        if page.published is not None:
            self.dated += 1
            if day is not None:
                gap = abs((day - page.published.date()).days)
                self.days += gap == 0
                self.near += gap <= 1

    @property
    def author_f1(self) -> float:
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp else 0.0


def main() -> None:
    parser = arg_parser(__doc__ or "")
    parser.add_argument("--fundus", type=Path, required=True, help="a Fundus checkout (or its parser test_data)")
    parser.add_argument("--misses", type=Path, help="write every title/author/date miss of mediamon here (JSON lines)")
    parser.add_argument("--quick", action="store_true", help="mediamon only, without the trafilatura baselines")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    import trafilatura
    from htmldate import find_date

    pages, skipped = load(args.fundus)
    if not pages:
        raise SystemExit("no pages found")
    score_mod = scorer(args.corpus, "score_extraction")
    truth_body = {p.key: p.body for p in pages}
    publisher_of = {p.key: p.publisher for p in pages}
    results: dict[str, dict[str, Tally]] = {m: {"all": Tally(), "A": Tally(), "B": Tally()}
                                            for m in ("mediamon", "trafilatura", "htmldate")}
    bodies: dict[str, dict[str, str | None]] = {"mediamon": {}, "trafilatura": {}}
    cpu: dict[str, list[float]] = {"mediamon": [], "trafilatura": []}
    rejected: list[tuple[str, str]] = []
    misses = []
    extract_cli.page_result(pages[0].html, pages[0].url, now=pages[0].crawled, content_type="text/html")  # warm-up
    for page in pages:
        started = time.process_time()
        got = extract_cli.page_result(page.html, page.url, now=page.crawled, content_type="text/html")
        cpu["mediamon"].append((time.process_time() - started) * 1000)
        if got["status"] != "article":
            rejected.append((page.key, str(got["reason"])))
        bodies["mediamon"][page.key] = got["text"]
        title, authors, day = got["title"], names(got["authors"]), day_of(got["published_at"])
        for part in ("all", half(page.publisher)):
            results["mediamon"][part].add(page, title, authors, day)
        miss = {"key": page.key, "url": page.url}
        if squash(title) != squash(page.title):
            miss["title"] = {"want": page.title, "got": title}
        if page.authors and names(page.authors) != authors:
            miss["authors"] = {"want": list(page.authors), "got": got["authors"]}
        if page.published is not None and day != page.published.date():
            miss["date"] = {"want": page.published.isoformat(), "got": got["published_at"],
                            "source": got["date_source"]}
        if len(miss) > 2:
            misses.append(miss)
        if args.quick:
            continue
        html = page.html.decode("utf-8", errors="replace")
        started = time.process_time()
        doc = trafilatura.bare_extraction(html, url=page.url, include_comments=False, with_metadata=True)
        cpu["trafilatura"].append((time.process_time() - started) * 1000)
        t_authors = {a for a in re.split(r"\s*[;,]\s*", getattr(doc, "author", None) or "") if a}
        bodies["trafilatura"][page.key] = getattr(doc, "text", None)
        for part in ("all", half(page.publisher)):
            results["trafilatura"][part].add(page, getattr(doc, "title", None), names(t_authors),
                                             day_of(getattr(doc, "date", None)))
            h_day = day_of(find_date(html, url=page.url, original_date=True, outputformat="%Y-%m-%d"))
            results["htmldate"][part].add(page, None, set(), h_day)

    n_pub = len({p.publisher for p in pages})
    print(f"Fundus parser test data: {len(pages)} pages from {n_pub} publishers ({skipped} pages skipped: "
          "versions not paired with files); halves by publisher")
    print(f"{'method':<12} {'title':>14} {'author F1':>16} {'day':>14} {'day +-1':>8} {'body F1':>16} {'CPU ms':>7}")
    for method in ("mediamon", "trafilatura", "htmldate"):
        if args.quick and method != "mediamon":
            continue
        r = results[method]
        body = ""
        if method in bodies:
            halves = [score_mod.score({k: v for k, v in truth_body.items() if half(publisher_of[k]) == h},
                                      bodies[method], n_boot=0)[0]["f1"] for h in "AB"]
            overall = score_mod.score(truth_body, bodies[method], n_boot=0)[0]["f1"]
            body = f"{overall:.3f} ({halves[0]:.3f}/{halves[1]:.3f})"
        title = f"{r['all'].titles / r['all'].titled:.3f} ({r['A'].titles / max(r['A'].titled, 1):.2f}/" \
                f"{r['B'].titles / max(r['B'].titled, 1):.2f})" if method != "htmldate" else "-"
        authors = f"{r['all'].author_f1:.3f} ({r['A'].author_f1:.2f}/{r['B'].author_f1:.2f})" \
            if method != "htmldate" else "-"
        day = f"{r['all'].days / r['all'].dated:.3f} ({r['A'].days / max(r['A'].dated, 1):.2f}/" \
              f"{r['B'].days / max(r['B'].dated, 1):.2f})"
        ms = f"{statistics.mean(cpu[method]):7.1f}" if cpu.get(method) else "      -"
        print(f"{method:<12} {title:>14} {authors:>16} {day:>14} {r['all'].near / r['all'].dated:8.3f} {body:>16} {ms}")
    print("(figures in brackets: half A / half B)")
    print(f"mediamon rejected {len(rejected)} of {len(pages)} pages (all are news articles in this set)")
    for key, why in rejected:
        print(f"  {key}: {why}")
    if args.misses:
        args.misses.write_text("".join(json.dumps(m, ensure_ascii=False) + "\n" for m in misses), encoding="utf-8")
        print(f"{len(misses)} pages with a miss written to {args.misses}")


if __name__ == "__main__":
    try:
        main()
    except argparse.ArgumentTypeError as exc:
        sys.exit(str(exc))
