"""Benchmark syndication dedup: pairwise precision / recall / F1 and story insert rate.

    .venv/bin/python bench/dedup.py [--filler 100000] [--no-db]

1. Pure decisions: every pair of the labelled set (bench/syndication.py) is "same" when the two
   signatures share a lookup key and ``dedup.same_story`` confirms it.
2. Stories in PostgreSQL: every document goes through ``stories.assign_story`` (in a shuffled crawl
   order); a pair is "same" when both end in one story. Insert rate (articles/s, row insert +
   assign_story, commit every 50) with an empty table, then with --filler articles already stored.
   Uses DATABASE_URL if set, else postgresql://postgres@127.0.0.1:5432/postgres, to create the
   scratch database mediamon_bench_dedup, dropped afterwards.
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import random
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import syndication  # noqa: E402
from crawler.store import dedup, migrate, stories  # noqa: E402

ADMIN_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SCRATCH = "mediamon_bench_dedup"
COMMIT_EVERY = 50  # the store commits a batch per transaction; 50 articles is a typical batch
FILLER_WORDS = 250  # filler article length (words): the median Zyte body is ~530


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score(docs: list[syndication.Doc], same: set[tuple[int, int]]) -> tuple[int, int, int, Counter]:
    """(tp, fp, fn, missed pairs by copy kind) against the labels."""
    tp = fp = fn = 0
    missed: Counter = Counter()
    for a, b in itertools.combinations(docs, 2):
        predicted = (a.doc_id, b.doc_id) in same
        if a.label == b.label:
            tp += predicted
            if not predicted:
                fn += 1
                missed["/".join(sorted((a.kind, b.kind)))] += 1
        else:
            fp += predicted
    return tp, fp, fn, missed


def recall_by_kind(docs: list[syndication.Doc], same: set[tuple[int, int]]) -> dict[str, float]:
    """Recall over the same-story pairs that involve at least one copy of each kind."""
    found: Counter = Counter()
    total: Counter = Counter()
    for a, b in itertools.combinations(docs, 2):
        if a.label != b.label:
            continue
        for kind in {a.kind, b.kind} - {"original"}:
            total[kind] += 1
            found[kind] += (a.doc_id, b.doc_id) in same
    return {kind: found[kind] / total[kind] for kind in sorted(total)}


def pure_pairs(docs: list[syndication.Doc], sigs: list[dedup.Signature]) -> set[tuple[int, int]]:
    same = set()
    keys = [set(s.keys()) for s in sigs]
    for i, j in itertools.combinations(range(len(docs)), 2):
        if keys[i] & keys[j] and dedup.same_story(sigs[i], sigs[j]):
            same.add((docs[i].doc_id, docs[j].doc_id))
    return same


def cluster_pairs(docs: list[syndication.Doc], story_of: dict[int, int]) -> set[tuple[int, int]]:
    return {
        (a.doc_id, b.doc_id) for a, b in itertools.combinations(docs, 2) if story_of[a.doc_id] == story_of[b.doc_id]
    }


def report(name: str, docs: list[syndication.Doc], same: set[tuple[int, int]]) -> None:
    tp, fp, fn, missed = score(docs, same)
    p, r, f = prf(tp, fp, fn)
    print(f"{name}: precision {p:.4f}  recall {r:.4f}  F1 {f:.4f}  (tp {tp}, fp {fp}, fn {fn})")
    if missed:
        print("   missed pairs by kind:", ", ".join(f"{k} {v}" for k, v in missed.most_common(6)))
    print("   recall by copy kind:", ", ".join(f"{k} {r:.4f}" for k, r in recall_by_kind(docs, same).items()))
    by_label = {d.doc_id: d for d in docs}
    wrong = Counter()
    for a, b in same:
        da, db = by_label[a], by_label[b]
        if da.label != db.label:
            wrong["same outlet" if da.host == db.host else "other"] += 1
            if "background" in (da.kind, db.kind):
                wrong["with a background-paragraph copy"] += 1
    print("   false merges:", dict(wrong) or "none")


# --- PostgreSQL ----------------------------------------------------------------------------------


def _db_url(dbname: str) -> str:
    return psycopg.conninfo.make_conninfo(ADMIN_URL, dbname=dbname)


def insert_docs(
    conn: psycopg.Connection, docs: list[syndication.Doc], sigs: list[dedup.Signature]
) -> tuple[float, float, dict[int, int]]:
    """Insert the docs through assign_story in a shuffled order.

    Returns (articles/s for the whole insert, articles/s of the dedup stage alone, story per doc). The
    whole insert includes the article row and its indexes (the full-text GIN index of 0003 too); the
    dedup stage is assign_story: signature row, candidate lookup, confirmation, story bookkeeping.
    """
    order = list(range(len(docs)))
    random.Random(7).shuffle(order)
    story_of: dict[int, int] = {}
    in_dedup = 0.0
    start = time.perf_counter()
    for n, i in enumerate(order, 1):
        d, sig = docs[i], sigs[i]
        article_id = conn.execute(
            "INSERT INTO articles (canonical_url, host, title, text, published_at, date_source, content_hash, "
            "first_seen_at) VALUES (%s, %s, %s, %s, %s, 'meta', %s, %s) RETURNING id",
            (d.url, d.host, d.title, d.text, d.published_at, sig.content_hash, d.published_at + timedelta(minutes=20)),
        ).fetchone()[0]
        t = time.perf_counter()
        story_of[d.doc_id] = stories.assign_story(
            conn, article_id, sig, published_at=d.published_at, host=d.host, title=d.title
        )
        in_dedup += time.perf_counter() - t
        if n % COMMIT_EVERY == 0:
            conn.commit()
    conn.commit()
    rate = len(docs) / (time.perf_counter() - start)
    # merges after a doc was placed move it: read the final story of every doc
    final = dict(conn.execute("SELECT canonical_url, story_id FROM articles").fetchall())
    return rate, len(docs) / in_dedup, {d.doc_id: final[d.url] for d in docs}


def _filler(args: tuple[int, list[str], list[float]]) -> tuple[str, str, dedup.Signature]:
    n, vocab, cum = args
    rng = random.Random(n)
    words = rng.choices(vocab, cum_weights=cum, k=FILLER_WORDS)
    text = "\n\n".join(" ".join(words[i : i + 50]) + "." for i in range(0, FILLER_WORDS, 50))
    title = " ".join(rng.choices(vocab, cum_weights=cum, k=8))
    return title, text, dedup.signature(title, text)


def load_filler(conn: psycopg.Connection, n: int, docs: list[syndication.Doc]) -> None:
    """Bulk-load n filler articles (unigram text over the corpus vocabulary), one story each."""
    freq = Counter(w for d in docs if d.kind == "original" for w in d.text.split())
    vocab = list(freq)
    cum = list(itertools.accumulate(freq[w] for w in vocab))
    t = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(os.cpu_count() or 2) as pool:
        rows = pool.map(_filler, ((i, vocab, cum) for i in range(n)), chunksize=500)
    print(f"   filler signatures: {n} in {time.perf_counter() - t:.1f} s")
    base = syndication.T0 - timedelta(days=30)
    with conn.cursor() as cur:
        with cur.copy("COPY stories (id, title, first_published_at, first_host, member_count) FROM STDIN") as cp:
            for i, (title, _, _) in enumerate(rows, 1):
                cp.write_row((i, title, base + timedelta(seconds=20 * i), f"filler{i % 50}.example", 1))
        with cur.copy(
            "COPY articles (id, canonical_url, host, title, text, published_at, content_hash, first_seen_at, story_id)"
            " FROM STDIN"
        ) as cp:
            for i, (title, text, sig) in enumerate(rows, 1):
                when = base + timedelta(seconds=20 * i)
                cp.write_row((i, f"https://filler{i % 50}.example/a/{i}", f"filler{i % 50}.example", title, text,
                              when, sig.content_hash, when, i))
        with cur.copy(
            "COPY article_signatures (article_id, lookup_keys, shingles, n_tokens, short, title_key) FROM STDIN"
        ) as cp:
            cp.set_types(["int8", "int8[]", "bytea", "int4", "bool", "int8"])
            for i, (_, _, sig) in enumerate(rows, 1):
                cp.write_row((i, sig.keys(), sig.shingles, sig.n_tokens, sig.short, sig.title_key))
        cur.execute("UPDATE stories SET first_article_id = id")
        cur.execute("SELECT setval('articles_id_seq', %s), setval('stories_id_seq', %s)", (n, n))
    conn.commit()


def run_db(docs: list[syndication.Doc], sigs: list[dedup.Signature], filler: int) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {SCRATCH}")
    try:
        with psycopg.connect(_db_url(SCRATCH)) as conn:
            migrate.migrate(conn)
            conn.autocommit = False
            empty_rate, empty_dedup, story_of = insert_docs(conn, docs, sigs)
            report("stories (empty table)", docs, cluster_pairs(docs, story_of))
            first_ok = conn.execute(
                "SELECT count(*) FILTER (WHERE first_host = 'wire.example'), count(*) FROM stories"
            ).fetchone()
            print(f"   stories {first_ok[1]} (labels {len({d.label for d in docs})}), "
                  f"first publisher = the wire original in {first_ok[0]}")
            conn.execute("TRUNCATE stories, articles, common_lookup_keys RESTART IDENTITY CASCADE")
            conn.commit()
            load_filler(conn, filler, docs)
            conn.autocommit = True
            conn.execute("VACUUM ANALYZE")  # what autovacuum does on a long-lived database
            conn.autocommit = False
            full_rate, full_dedup, story_of = insert_docs(conn, docs, sigs)
            report(f"stories ({filler} stored)", docs, cluster_pairs(docs, story_of))
            print(f"insert rate, dedup stage (assign_story): empty {empty_dedup:.0f} articles/s, with {filler} stored "
                  f"{full_dedup:.0f} articles/s (ratio {full_dedup / empty_dedup:.3f})")
            print(f"insert rate, whole article insert incl. full-text index: empty {empty_rate:.0f} articles/s, "
                  f"with {filler} stored {full_rate:.0f} articles/s (ratio {full_rate / empty_rate:.3f})")
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filler", type=int, default=100_000, help="articles stored before the second run")
    parser.add_argument("--no-db", action="store_true", help="pure pairwise decisions only")
    args = parser.parse_args()
    if not syndication.ZYTE.is_file():
        parser.error(f"{syndication.ZYTE} not found: the shared corpus is needed (set MEDIAMON_CORPUS to its folder)")
    docs = syndication.build()
    seen: set[str] = set()
    docs = [d for d in docs if not (dedup.content_hash(d.text) in seen or seen.add(dedup.content_hash(d.text)))]
    t = time.perf_counter()
    sigs = [dedup.signature(d.title, d.text) for d in docs]
    ms = (time.perf_counter() - t) / len(docs) * 1000
    kinds = Counter(d.kind for d in docs)
    print(f"set: {len(docs)} docs, {len({d.label for d in docs})} stories, {dict(kinds)}; "
          f"short {sum(s.short for s in sigs)}; signature {ms:.2f} ms/doc")
    report("pure pairwise", docs, pure_pairs(docs, sigs))
    hard = syndication.entity_pairs(docs)
    labels = {d.doc_id: d.label for d in docs}
    same = pure_pairs(docs, sigs)
    hard_fp = sum(1 for a, b in same if (labels[a], labels[b]) in hard or (labels[b], labels[a]) in hard)
    print(f"   {len(hard)} story pairs sharing the most named entities: {hard_fp} false merges")
    if not args.no_db:
        run_db(docs, sigs, args.filler)


if __name__ == "__main__":
    main()
