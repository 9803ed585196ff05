"""mediamon's SQL, installed as the package data of ``crawler.sql`` (see setup.py): migrations/,
queries/ (named statements) and examples/. Read through importlib.resources by crawler.store.sqlfiles."""
