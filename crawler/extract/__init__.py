"""Extraction: HTML bytes + URL -> `Article` or `Rejected(reason)`. Pure and picklable.

Owns: decoding (`decode`), the article verdict (`verdict`), dates (`dates`, `bylines`), language
(`language`) and the extractor itself (`extract`). May import: `crawler.models`, `crawler.outcomes`,
trafilatura, htmldate, lxml. Never the network, the database or the clock (`now` is passed in).
"""
