"""Logging: human lines by default, one JSON object per line with --log-format json, fields kept."""

from __future__ import annotations

import io
import json
import logging

import pytest

from crawler import logs


@pytest.fixture
def stream():  # type: ignore[no-untyped-def]
    buffer = io.StringIO()
    yield buffer
    logs.setup("INFO", "human")  # leave the root logger as the rest of the session expects


def test_json_lines_carry_job_run_url_and_outcome(stream: io.StringIO) -> None:
    logs.setup("INFO", "json", stream=stream)
    logging.getLogger("crawler.fetch.pipelines").warning(
        "page done", extra={"job": "cuba", "run": 7, "url": "http://a.test/x", "outcome": "error_http"}
    )
    doc = json.loads(stream.getvalue().strip())
    assert doc["msg"] == "page done" and doc["level"] == "WARNING" and doc["logger"] == "crawler.fetch.pipelines"
    assert (doc["job"], doc["run"], doc["url"], doc["outcome"]) == ("cuba", 7, "http://a.test/x", "error_http")


def test_human_lines_show_fields_as_key_value(stream: io.StringIO) -> None:
    logs.setup("INFO", "human", stream=stream)
    logging.getLogger("crawler.run.crawl").info("run started", extra={"job": "cuba", "run": 3})
    line = stream.getvalue().strip()
    assert line.endswith("INFO crawler.run.crawl: run started job=cuba run=3")


def test_scrapy_chatter_is_dropped_below_warning(stream: io.StringIO) -> None:
    logs.setup("INFO", "json", stream=stream)
    logging.getLogger("scrapy.core.engine").info("Spider opened")
    logging.getLogger("scrapy.core.engine").warning("Something to see")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [d["msg"] for d in lines] == ["Something to see"]
