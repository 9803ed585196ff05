"""Zyte article-extraction benchmark: mediamon's production path vs plain trafilatura, P/R/F1, rejections, ms/page.

mediamon runs as a crawl does (`mediamon extract`: extraction plus the job's minimum text length); a rejected page
scores as empty. Title and author checks run wherever the ground truth carries `title` / `authors` (the Zyte set
carries neither, so `--truth` can point at another file of the same shape). Halves A/B split the pages by a fixed
hash: a text rule written on one half must help on the other too.
"""

from __future__ import annotations

import functools
import gzip
import json
import logging
import statistics
from datetime import UTC, datetime
from pathlib import Path

from _common import arg_parser, half, scorer, timed

from crawler.extract import cli as extract_cli


def main() -> None:
    parser = arg_parser(__doc__ or "")
    parser.add_argument("--out-dir", type=Path, help="write predictions and per-page scores here")
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages (quick runs)")
    parser.add_argument("--quick", action="store_true", help="mediamon only, without the trafilatura baselines")
    parser.add_argument("--truth", type=Path, help="ground truth JSON of the Zyte shape (default: the Zyte set's)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # trafilatura logs every discarded page

    import trafilatura

    zyte = args.corpus / "zyte"
    truth_full = json.loads((args.truth or zyte / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth_full)[: args.limit or None]
    truth = {k: truth_full[k]["articleBody"] for k in ids}
    pages = {k: gzip.decompress((zyte / "html" / f"{k}.html.gz").read_bytes()) for k in ids}
    now = datetime.now(UTC)

    def run_mediamon(key: str) -> str | None:
        result = extract_cli.page_result(pages[key], truth_full[key]["url"], content_type="text/html", now=now)
        if result["status"] != "article":
            rejected[key] = result["reason"]
            return None
        fields[key] = result
        return str(result["text"])

    def run_trafilatura_metadata(key: str) -> str | None:
        # the timing reference: trafilatura's text plus its metadata (title, author, date) in one call
        html = pages[key].decode("utf-8", errors="replace")
        doc = trafilatura.bare_extraction(html, url=truth_full[key]["url"], include_comments=False, with_metadata=True)
        return getattr(doc, "text", None)

    def run_trafilatura(key: str) -> str | None:
        # the benchmark's own runners read the pages as UTF-8 text; default settings
        return trafilatura.extract(pages[key].decode("utf-8", errors="replace"), url=truth_full[key]["url"])

    def run_trafilatura_no_comments(key: str) -> str | None:
        # the published trafilatura run on this benchmark; shows what comes from settings alone
        html = pages[key].decode("utf-8", errors="replace")
        return trafilatura.extract(html, url=truth_full[key]["url"], include_comments=False)

    rejected: dict[str, str] = {}
    fields: dict[str, dict[str, object]] = {}
    score_mod = scorer(args.corpus, "score_extraction")
    methods = {
        "trafilatura (defaults)": run_trafilatura,
        "trafilatura (no comments)": run_trafilatura_no_comments,
        "trafilatura (text+meta)": run_trafilatura_metadata,
        "mediamon": run_mediamon,
    }
    if args.quick:
        methods = {k: v for k, v in methods.items() if k.startswith("mediamon")}
    for fn in methods.values():  # warm-up: imports and model loading are not per-page costs
        fn(ids[0])
    rows = []
    for name, fn in methods.items():
        preds, ms, cpu = {}, [], []
        for key in ids:
            preds[key], elapsed, cpu_ms = timed(functools.partial(fn, key))
            ms.append(elapsed)
            cpu.append(cpu_ms)
        metrics, per_item = score_mod.score(truth, preds, n_boot=200)
        halves = {h: score_mod.score({k: v for k, v in truth.items() if half(k) == h}, preds, n_boot=0)[0]["f1"]
                  for h in "AB"}
        rows.append((name, metrics, statistics.mean(ms), statistics.mean(cpu), max(ms), halves))
        if args.out_dir:
            args.out_dir.mkdir(parents=True, exist_ok=True)
            slug = name.replace(" ", "").replace("(", "-").replace(")", "")
            (args.out_dir / f"{slug}.json").write_text(json.dumps(preds, ensure_ascii=False), encoding="utf-8")
            (args.out_dir / f"{slug}-per-item.json").write_text(json.dumps(per_item, indent=1), encoding="utf-8")

    print(f"Zyte article-extraction benchmark, {len(ids)} pages, one core")
    print(f"{'method':<26} {'F1':>6} {'±':>5} {'P':>6} {'R':>6} {'acc':>6} {'empty':>6} {'ms/page':>8} {'CPU ms':>7}"
          f" {'max ms':>7} {'F1 A':>6} {'F1 B':>6}")
    for name, m, mean_ms, cpu_ms, max_ms, halves in rows:
        print(f"{name:<26} {m['f1']:6.3f} {m.get('f1_std', 0):5.3f} {m['precision']:6.3f} {m['recall']:6.3f} "
              f"{m['accuracy']:6.3f} {m['n_empty_predictions']:6d} {mean_ms:8.1f} {cpu_ms:7.1f} {max_ms:7.1f} "
              f"{halves['A']:6.3f} {halves['B']:6.3f}")
    print(f"mediamon rejected {len(rejected)} of {len(ids)} pages (all are articles in this set)")
    for key, why in sorted(rejected.items()):
        print(f"  {key[:12]} [{half(key)}]: {why}")
    _field_checks(truth_full, ids, fields)


def _field_checks(
    truth_full: dict[str, dict[str, object]], ids: list[str], fields: dict[str, dict[str, object]]
) -> None:
    """Title exact match and author-name F1 on the pages whose ground truth carries them."""
    titled = [k for k in ids if isinstance(truth_full[k].get("title"), str)]
    if titled:
        exact = sum(_squash(str(fields.get(k, {}).get("title") or "")) == _squash(str(truth_full[k]["title"]))
                    for k in titled)
        print(f"title exact: {exact / len(titled):.3f} on {len(titled)} pages")
    else:
        print("title exact: n/a (the ground truth carries no titles)")
    authored = [k for k in ids if isinstance(truth_full[k].get("authors"), list)]
    if not authored:
        print("author F1: n/a (the ground truth carries no authors)")
        return
    tp = fp = fn = 0
    for k in authored:
        want = {_squash(str(a)).lower() for a in truth_full[k]["authors"]}  # type: ignore[union-attr]
        got = {_squash(str(a)).lower() for a in fields.get(k, {}).get("authors") or []}  # type: ignore[union-attr]
        tp, fp, fn = tp + len(want & got), fp + len(got - want), fn + len(want - got)
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    print(f"author F1 (names, micro): {f1:.3f} on {len(authored)} pages")


def _squash(text: str) -> str:
    return " ".join(text.split())



if __name__ == "__main__":
    main()
