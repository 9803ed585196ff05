"""Content keys and near-duplicate signatures for articles (pure, picklable, no I/O).

How two articles are found to be the same story:

1. ``content_hash``: sha256 of the normalized text; equal hashes are exact duplicates.
2. Candidate keys (stored in PostgreSQL ``int8[]`` with a GIN index, looked up with ``&&``):
   * MinHash LSH bands: 128 permutations as 32 bands x 4 rows over 5-word shingles. A pair with
     shingle Jaccard 0.6 shares a band with probability 1 - (1 - 0.6**4)**32 = 0.985, at 0.7: 0.9996.
   * Anchor keys: shingles are sampled by content (hash mod 8 == 0, so a passage yields the same
     samples in every copy) and each pair of consecutive samples becomes a key. A brief made of
     the first paragraphs of a story shares these keys with the full version even though its
     Jaccard is only ~0.2 (containment-preserving, unlike whole-document MinHash).
   * Title key: the normalized title when it has at least ``TITLE_MIN_TOKENS`` tokens.
3. Confirmation by real similarity on the stored shingle sets (see ``same_story``).

Texts under ``SHORT_TOKENS`` tokens are ``short``: they get no text keys and are matched by an
informative title only, so empty or stub pages never pull unrelated articles together.
"""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
from dataclasses import dataclass

import numpy as np

SHINGLE_K = 5  # words per shingle: 5-grams are rare across different stories (unrelated Jaccard ~0.00)
NUM_PERM = 128  # MinHash permutations ...
BANDS = 32  # ... as 32 bands x 4 rows: catches ~99% of pairs at Jaccard 0.6 (see module docstring)
ROWS = NUM_PERM // BANDS
# sample 1 shingle in 16 (content-defined, so a brief keeps the anchors its full version has): a
# 130-word brief still yields ~8 anchor keys. 1 in 8 gave the same recall on bench/dedup.py with
# ~50% more GIN keys per article and ~15% slower inserts.
ANCHOR_MOD = 16
SHORT_TOKENS = 50  # under this many tokens a text is too short to cluster by text alone
TITLE_MIN_TOKENS = 4  # "Live updates" / "Video" must not become a matching key
# Thresholds measured on bench/syndication.py (Zyte bodies): different stories reach Jaccard 0.11
# and containment 0.52 (a brief vs a copy of another story quoting one of its paragraphs);
# copies of one story mostly score Jaccard > 0.5, and briefs / trimmed copies containment 0.6-1.0.
JACCARD_MIN = 0.5  # same story when shingle Jaccard >= this
CONTAINMENT_MIN = 0.6  # ... or when >= 60% of the smaller text's shingles are in the larger one

_MUL = np.uint64(0x9E3779B97F4A7C15)  # golden-ratio odd constant for polynomial combining


def _u64(label: str) -> int:
    """A stable 64-bit constant derived from a label (no RNG: identical in every process)."""
    return int.from_bytes(hashlib.blake2b(label.encode(), digest_size=8).digest(), "little")


# multiply-shift hash family for MinHash: h_i(x) = (a_i * x + b_i) mod 2**64 >> 32, a_i odd
_PERM_A = np.array([_u64(f"mediamon/minhash/a/{i}") | 1 for i in range(NUM_PERM)], dtype=np.uint64)[:, None]
_PERM_B = np.array([_u64(f"mediamon/minhash/b/{i}") for i in range(NUM_PERM)], dtype=np.uint64)[:, None]
_ANCHOR_SEED = np.uint64(_u64("mediamon/anchor"))

# punctuation, symbols and controls become spaces; combining accents (Latin/Greek/Cyrillic
# diacritics and Arabic harakat, which are optional in running text) are dropped. Marks of
# Indic and other scripts are letters of the word there and are kept.
_ACCENT_RANGES = [(0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F),
                  (0x064B, 0x065F), (0x0670, 0x0670)]


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for cp in range(sys.maxunicode + 1):
        cat = unicodedata.category(chr(cp))
        if cat[0] in "PSZ" or cat in ("Cc", "Cf"):
            table[cp] = " "
    for lo, hi in _ACCENT_RANGES:
        for cp in range(lo, hi + 1):
            table[cp] = None
    return table


_TABLE = _build_table()

# scripts written without spaces between words: every character is a token
_NOSPACE = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(f"[{_NOSPACE}]|[^\\s{_NOSPACE}]+")


@dataclass(frozen=True)
class Signature:
    """Everything needed to find (keys) and confirm (shingles) near-duplicates of one article."""

    content_hash: str
    minhash: bytes  # NUM_PERM little-endian uint32 values
    bands: tuple[int, ...]  # MinHash LSH band keys, signed int64 (PostgreSQL int8)
    anchors: tuple[int, ...]  # containment keys from content-sampled shingle pairs, signed int64
    title_key: int | None  # signed int64 of the normalized title, None when uninformative
    shingles: bytes  # sorted unique little-endian uint32 shingle hashes (for confirmation)
    n_tokens: int
    short: bool

    def keys(self) -> list[int]:
        """All candidate-lookup keys (what goes into the GIN-indexed int8[] column)."""
        keys = list(self.bands) + list(self.anchors)
        if self.title_key is not None:
            keys.append(self.title_key)
        return keys


@dataclass(frozen=True)
class Decision:
    """A same-story verdict with the rule that decided it; truthy when same."""

    same: bool
    reason: str  # "exact" | "jaccard" | "containment" | "title" | "different" | "short"
    jaccard: float = 0.0
    containment: float = 0.0

    def __bool__(self) -> bool:
        return self.same


def normalize_text(text: str) -> str:
    """NFKC, casefold, strip accents, punctuation to spaces, collapse whitespace."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return unicodedata.normalize("NFC", " ".join(text.translate(_TABLE).split()))


def tokens(text: str) -> list[str]:
    """Word tokens of a text (characters for scripts written without spaces)."""
    return _TOKEN.findall(normalize_text(text))


def content_hash(text: str) -> str:
    """sha256 hex of the normalized text: the exact-duplicate key (articles.content_hash)."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()


def _signed(values: np.ndarray) -> tuple[int, ...]:
    return tuple(values.astype(np.uint64).view(np.int64).tolist())


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64 finalizer: spreads every input bit over the whole 64-bit word."""
    h = h ^ (h >> np.uint64(30))
    h = h * np.uint64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> np.uint64(27))
    h = h * np.uint64(0x94D049BB133111EB)
    mixed: np.ndarray = h ^ (h >> np.uint64(31))
    return mixed


def _shingle_hashes(toks: list[str]) -> np.ndarray:
    """64-bit hashes of the consecutive SHINGLE_K-token windows, in text order."""
    vocab: dict[str, int] = {}
    ids = np.array([vocab.setdefault(t, len(vocab)) for t in toks], dtype=np.int64)
    words = np.array([_u64(t) for t in vocab], dtype=np.uint64)[ids]
    k = min(SHINGLE_K, len(words))
    n = len(words) - k + 1
    h = words[:n].copy()
    for j in range(1, k):
        h = h * _MUL + words[j : j + n]
    return _mix(h)


def _band_keys(mins: np.ndarray) -> tuple[int, ...]:
    rows = mins.reshape(BANDS, ROWS).astype(np.uint64)
    h = np.arange(BANDS, dtype=np.uint64) + np.uint64(_u64("mediamon/band"))
    for r in range(ROWS):
        h = _mix(h * _MUL + rows[:, r])
    return _signed(h)


def _anchor_keys(sh: np.ndarray) -> tuple[int, ...]:
    picked = sh[(sh & np.uint64(ANCHOR_MOD - 1)) == 0]
    if len(picked) < 2:
        return ()
    keys = _mix((picked[:-1] * _MUL + picked[1:]) ^ _ANCHOR_SEED)
    return _signed(np.unique(keys))


def _title_key(title: str) -> int | None:
    toks = tokens(title or "")
    if len(toks) < TITLE_MIN_TOKENS:
        return None
    digest = hashlib.blake2b(" ".join(toks).encode(), digest_size=8, person=b"mm-title").digest()
    return int.from_bytes(digest, "little", signed=True)


def signature(title: str, text: str) -> Signature:
    """Shingles, MinHash, band, anchor and title keys of one article."""
    toks = tokens(text or "")
    title_key = _title_key(title)
    chash = content_hash(text or "")
    if not toks:
        return Signature(chash, b"", (), (), title_key, b"", 0, True)
    sh = _shingle_hashes(toks)
    stored = np.unique((sh >> np.uint64(32)).astype(np.uint32))
    short = len(toks) < SHORT_TOKENS
    mins = ((_PERM_A * sh[None, :] + _PERM_B) >> np.uint64(32)).min(axis=1).astype("<u4")
    bands = () if short else _band_keys(mins)
    anchors = () if short else _anchor_keys(sh)
    return Signature(chash, mins.tobytes(), bands, anchors, title_key, stored.astype("<u4").tobytes(),
                     len(toks), short)


def similarity(a: Signature, b: Signature) -> tuple[float, float]:
    """(Jaccard, containment of the smaller set in the larger) of two articles' shingle sets."""
    sa = np.frombuffer(a.shingles, dtype="<u4")
    sb = np.frombuffer(b.shingles, dtype="<u4")
    if len(sa) == 0 or len(sb) == 0:
        return 0.0, 0.0
    inter = len(np.intersect1d(sa, sb, assume_unique=True))
    return inter / (len(sa) + len(sb) - inter), inter / min(len(sa), len(sb))


def same_story(a: Signature, b: Signature) -> Decision:
    """Whether two articles are copies of one story, and by which rule."""
    if a.short or b.short:
        # too little text to trust (stubs like "Read more on our website" repeat across stories):
        # only an informative identical title links them
        same = a.title_key is not None and a.title_key == b.title_key
        return Decision(same, "title" if same else "short")
    if a.content_hash == b.content_hash:
        return Decision(True, "exact", 1.0, 1.0)
    jac, cont = similarity(a, b)
    if jac >= JACCARD_MIN:
        return Decision(True, "jaccard", jac, cont)
    if cont >= CONTAINMENT_MIN:
        return Decision(True, "containment", jac, cont)
    return Decision(False, "different", jac, cont)


def diff_chars(old: str, new: str) -> int:
    """Size of a revision: characters outside the common prefix and suffix of the two texts."""
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    return max(len(old), len(new)) - prefix - suffix
