"""Zyte article-extraction benchmark: mediamon's extractor vs plain trafilatura, P/R/F1 and ms/page."""

from __future__ import annotations

import gzip
import json
import logging
import statistics
from datetime import UTC, datetime
from pathlib import Path

from _common import arg_parser, scorer, timed

from crawler import models
from crawler.extract import extract


def main() -> None:
    parser = arg_parser(__doc__ or "")
    parser.add_argument("--out-dir", type=Path, help="write predictions and per-page scores here")
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages (quick runs)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # trafilatura logs every discarded page

    import trafilatura

    zyte = args.corpus / "zyte"
    truth_full = json.loads((zyte / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth_full)[: args.limit or None]
    truth = {k: truth_full[k]["articleBody"] for k in ids}
    pages = {k: gzip.decompress((zyte / "html" / f"{k}.html.gz").read_bytes()) for k in ids}
    now = datetime.now(UTC)

    def run_mediamon(key: str) -> str | None:
        result = extract.extract_article(pages[key], truth_full[key]["url"], content_type="text/html", now=now)
        if isinstance(result, models.Rejected):
            rejected[key] = f"{result.reason}: {result.detail}"
            return None
        return result.text

    def run_trafilatura(key: str) -> str | None:
        # the benchmark's own runners read the pages as UTF-8 text; default settings
        return trafilatura.extract(pages[key].decode("utf-8", errors="replace"), url=truth_full[key]["url"])

    def run_trafilatura_no_comments(key: str) -> str | None:
        # the published trafilatura run on this benchmark; shows what comes from settings alone
        html = pages[key].decode("utf-8", errors="replace")
        return trafilatura.extract(html, url=truth_full[key]["url"], include_comments=False)

    rejected: dict[str, str] = {}
    score_mod = scorer(args.corpus, "score_extraction")
    methods = {
        "trafilatura (defaults)": run_trafilatura,
        "trafilatura (no comments)": run_trafilatura_no_comments,
        "mediamon": run_mediamon,
    }
    for fn in methods.values():  # warm-up: imports and model loading are not per-page costs
        fn(ids[0])
    rows = []
    for name, fn in methods.items():
        preds, ms, cpu = {}, [], []
        for key in ids:
            preds[key], elapsed, cpu_ms = timed(lambda: fn(key))
            ms.append(elapsed)
            cpu.append(cpu_ms)
        metrics, per_item = score_mod.score(truth, preds, n_boot=200)
        rows.append((name, metrics, statistics.mean(ms), statistics.mean(cpu)))
        if args.out_dir:
            args.out_dir.mkdir(parents=True, exist_ok=True)
            slug = name.replace(" ", "").replace("(", "-").replace(")", "")
            (args.out_dir / f"{slug}.json").write_text(json.dumps(preds, ensure_ascii=False), encoding="utf-8")
            (args.out_dir / f"{slug}-per-item.json").write_text(json.dumps(per_item, indent=1), encoding="utf-8")

    print(f"Zyte article-extraction benchmark, {len(ids)} pages, one core")
    print(f"{'method':<26} {'F1':>6} {'±':>5} {'P':>6} {'R':>6} {'acc':>6} {'empty':>6} {'ms/page':>8} {'CPU ms':>7}")
    for name, m, mean_ms, cpu_ms in rows:
        print(f"{name:<26} {m['f1']:6.3f} {m.get('f1_std', 0):5.3f} {m['precision']:6.3f} {m['recall']:6.3f} {m['accuracy']:6.3f} "
              f"{m['n_empty_predictions']:6d} {mean_ms:8.1f} {cpu_ms:7.1f}")
    for key, why in sorted(rejected.items()):
        print(f"mediamon rejected {key[:12]}: {why}")


if __name__ == "__main__":
    main()
