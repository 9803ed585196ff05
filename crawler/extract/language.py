"""Language of an article: py3langid on the text, falling back to the page's declared language."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from crawler import langtags
from crawler.extract import page

logger = logging.getLogger(__name__)

# Below this many characters of text a statistical guess is noise; trust the declaration instead.
MIN_TEXT_CHARS = 200
# py3langid normalised probability under which the declared language wins a disagreement.
MIN_CONFIDENCE = 0.90
# Enough text for a stable guess; more only costs time.
SAMPLE_CHARS = 1200


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """The py3langid model, loaded once per process."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def normalize_tag(tag: str | None) -> str | None:
    """'es-ES' / 'en_US' / ' EN ' -> 'es' / 'en'; None for anything that is not a language tag."""
    return langtags.iso639_1(tag)


def detect_language(text: str, declared: str | None = None, hint: str | None = None) -> str | None:
    """ISO 639-1 code: detected from text when confident, else the page's declaration, else the hint."""
    fallback = normalize_tag(declared) or normalize_tag(hint)
    sample = (text or "")[:SAMPLE_CHARS]
    # a Hangul or Han character carries about as much as 2.5 Latin ones (page.text_length)
    if page.text_length(sample.strip()) < MIN_TEXT_CHARS:
        return fallback
    code, prob = _identifier().classify(sample)
    code = str(code)
    # py3langid also knows languages without an ISO 639-1 code (e.g. "yue"): the column holds 639-1 only
    if len(code) != 2:
        return fallback
    if prob >= MIN_CONFIDENCE or fallback is None:
        return code
    return fallback
