"""The analyst surface: full-text search (`search`), export (`export`), retagging (`retag`) and
their CLI commands (`cli`). Reads through named SQL in `sql/queries/analyst.sql`.

May import: `crawler.store` (connections, named SQL), `crawler.jobs`, `crawler.match`.
"""
