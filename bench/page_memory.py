"""Peak memory of one extraction worker per page size, with the parser's input bound (work.MAX_PARSE_BYTES)
and, for comparison, without it.

Each measurement runs `work.process_page` on one generated page (an article followed by reader comments)
in a fresh process and reads that process's peak RSS (VmHWM) from /proc.

    .venv/bin/python bench/page_memory.py [--sizes 1,5,20] [--uncut 1,5]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _page(size: int) -> bytes:
    paras = "".join(
        f"<p>Cuba and Venezuela signed clause {i} of a new oil agreement in Havana, officials said, extending "
        f"shipments that began {i + 2} decades ago.</p>\n" for i in range(12))
    head = f"<!DOCTYPE html><html><head><title>Oil deal</title></head><body><article><h1>Oil deal</h1>{paras}</article>"
    filler = '<div class="comment"><span>reader</span><p>' + "lorem ipsum dolor sit amet " * 8 + "</p></div>\n"
    return (head + filler * max(0, (size - len(head)) // len(filler)) + "</body></html>").encode()


def _measure(size: int, cut: bool, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from crawler import models
    from crawler.jobs import jobs
    from crawler.match import topics
    from crawler.run import work

    matcher = topics.compile_topics([jobs.Topic(name="cuba", query="cuba")])
    config = work.WorkerConfig(matcher=matcher, store_off_topic=False, min_text_chars=200, max_page_bytes=10**9,
                               memory_limit=None, max_parse_bytes=work.MAX_PARSE_BYTES if cut else 10**9)
    work.init_worker(config)
    body = _page(size)
    page = work.Fetched(body=body, url="http://a.test/news/x", content_type="text/html", hints=models.Hints(),
                        aliases=(("http://a.test/news/x", "fetched"),), source_id=None, now=datetime.now(UTC))
    result = work.process_page(page)
    hwm = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
               if line.startswith("VmHWM:"))
    out.put((type(result).__name__, getattr(result, "outcome", "page"), hwm / 1024))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,5,20", help="page sizes in MB, parser input bound (default 1,5,20)")
    parser.add_argument("--uncut", default="1,5", help="page sizes in MB, whole page parsed (default 1,5)")
    args = parser.parse_args()
    ctx = multiprocessing.get_context("spawn")
    runs = [(float(s), True) for s in args.sizes.split(",") if s]
    runs += [(float(s), False) for s in args.uncut.split(",") if s]
    print(f"{'page MB':>8} {'parser input':>14} {'result':>10} {'peak RSS MB':>12}")
    for mb, cut in runs:
        queue = ctx.Queue()
        proc = ctx.Process(target=_measure, args=(int(mb * 1_000_000), cut, queue))
        proc.start()
        kind, outcome, peak = queue.get()
        proc.join()
        print(f"{mb:>8.1f} {'first 1 MB' if cut else 'whole page':>14} {outcome:>10} {peak:>12.0f}")


if __name__ == "__main__":
    main()
