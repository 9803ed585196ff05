"""Publication-date benchmark on dates-dev: mediamon's production path vs plain htmldate, day accuracy and ms/page.

Reports the two halves of dates-dev separately (A and B, a fixed hash split): a rule written on one half must
help on the other too. The production path is `mediamon extract`: a page rejected as a non-article has no date.
"""

from __future__ import annotations

import functools
import gzip
import json
import logging
import statistics
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

from _common import arg_parser, half, scorer, timed

from crawler.extract import cli as extract_cli
from crawler.extract import extract


def main() -> None:
    parser = arg_parser(__doc__ or "")
    parser.add_argument("--out-dir", type=Path, help="write predictions and misses here")
    parser.add_argument("--quick", action="store_true", help="mediamon only, without the htmldate baselines")
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    from htmldate import find_date

    corpus = args.corpus / "dates-dev"
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    urls = {item["file"]: item["url"] for item in json.loads((corpus / "items.json").read_text(encoding="utf-8"))}
    pages = {f: gzip.decompress((corpus / "html" / f).read_bytes()) for f in manifest}
    now = datetime.now(UTC)
    sources: Counter[str] = Counter()

    def run_mediamon(name: str) -> str | None:
        # the production path: what a crawl stores (mediamon extract); a page rejected as a non-article gets no date
        result = extract_cli.page_result(pages[name], urls.get(name, ""), now=now)
        if result["status"] != "article":
            sources["rejected"] += 1
            rejected[name] = result["reason"]
            return None
        sources[result["date_source"] or "none"] += 1
        # the day in the publisher's own offset, as the page states it
        return result["published_at"][:10] if result["published_at"] else None

    def run_mediamon_any_page(name: str) -> str | None:
        # the date rule alone, on every page (rejected or not): shows what the verdict costs
        value, _source = extract.published_date(pages[name], urls.get(name, ""), now=now)
        return value.date().isoformat() if value else None

    methods = {
        "htmldate (extensive)": lambda f: find_date(pages[f], extensive_search=True, url=urls.get(f)),
        "htmldate (+original_date)": lambda f: find_date(
            pages[f], extensive_search=True, original_date=True, url=urls.get(f)),
        "mediamon (date rule alone)": run_mediamon_any_page,
        "mediamon (production)": run_mediamon,
    }
    rejected: dict[str, str] = {}
    if args.quick:
        methods = {k: v for k, v in methods.items() if k.startswith("mediamon")}
    score_mod = scorer(args.corpus, "score_dates")
    rows = []
    for name, fn in methods.items():
        fn(next(iter(manifest)))  # warm-up
        sources.clear()
        preds, ms, cpu = {}, [], []
        for key in manifest:
            preds[key], elapsed, cpu_ms = timed(functools.partial(fn, key))
            ms.append(elapsed)
            cpu.append(cpu_ms)
        metrics, errors = score_mod.score(manifest, preds, date(1995, 1, 1), now.date())
        halves = {h: score_mod.score({k: v for k, v in manifest.items() if half(k) == h}, preds,
                                     date(1995, 1, 1), now.date())[0]["exact_day_accuracy"] for h in "AB"}
        rows.append((name, metrics, statistics.mean(ms), statistics.mean(cpu), halves))
        if args.out_dir:
            args.out_dir.mkdir(parents=True, exist_ok=True)
            slug = name.split()[0] + ("-orig" if "original" in name else "") + ("-any" if "alone" in name else "")
            (args.out_dir / f"{slug}.json").write_text(json.dumps(preds, indent=1), encoding="utf-8")
            (args.out_dir / f"{slug}-errors.json").write_text(json.dumps(errors, indent=1), encoding="utf-8")

    print(f"dates-dev, {len(manifest)} pages, one core")
    print(f"{'method':<28} {'day acc':>7} {'±1 day':>7} {'coverage':>8} {'impossible':>10} {'ms/page':>8} {'CPU ms':>7}"
          f" {'acc A':>6} {'acc B':>6}")
    for name, m, mean_ms, cpu_ms, halves in rows:
        print(f"{name:<28} {m['exact_day_accuracy']:7.3f} {m['pm1_day_accuracy']:7.3f} {m['coverage']:8.3f} "
              f"{m['impossible_dates']:10d} {mean_ms:8.1f} {cpu_ms:7.1f} {halves['A']:6.3f} {halves['B']:6.3f}")
    print("mediamon (production) date sources: " + ", ".join(f"{k} {v}" for k, v in sources.most_common()))
    print(f"mediamon rejected {len(rejected)} pages (no date in production):")
    for name, why in sorted(rejected.items()):
        print(f"  {name} [{half(name)}] expected {manifest[name]}: {why}")



if __name__ == "__main__":
    main()
