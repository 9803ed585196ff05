"""Extraction: HTML bytes + URL -> `Article` or `Rejected(reason)`. Pure and picklable.

Owns: decoding (`decode`), what a page states, read once (`page`: meta, JSON-LD, article types, visible text),
the article verdict (`verdict`), the date stage (`published.choose`, over `dates` and `bylines`), authors
(`authors`), language (`language`), the extractor itself (`extract`) and `mediamon extract` (`cli`).
May import: `crawler.models`, `crawler.outcomes`, `crawler.langtags`, trafilatura, htmldate, lxml. Never the
network, the database or the clock (`now` is passed in; only `cli` reads files and the clock).
"""
