"""Bad [[alerts]] input fails at `mediamon validate`, naming file, line and field, not at the first send."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler import cli

JOB = """name = "desk"
[[topics]]
name = "cuba"
query = "cuba"
[[sources]]
name = "feed"
kind = "feed"
url = "http://127.0.0.1:9/feed.rss"

[[alerts]]
name = "cuba-now"
{alert}
"""
GOOD_CHANNEL = 'channels = ["json://127.0.0.1:9/hook"]'


def _validate(tmp_path: Path, alert: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = tmp_path / "desk.toml"
    path.write_text(JOB.format(alert=alert), encoding="utf-8")
    code = cli.main(["validate", str(path)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_valid_alert_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _validate(tmp_path, f'topics = ["cuba"]\n{GOOD_CHANNEL}', capsys)
    assert code == 0 and "1 alerts" in out


@pytest.mark.parametrize(
    ("alert", "expected"),
    [
        (f'topics = ["cuba", "sports"]\n{GOOD_CHANNEL}',
         "desk.toml:12: alerts[0].topics[1]: unknown topic 'sports' (this job's topics: cuba)"),
        ('topics = ["cuba"]\nchannels = ["nosuchservice://x/y"]',
         "desk.toml:13: alerts[0].channels[0]: not a valid apprise URL (scheme 'nosuchservice')"),
        ('topics = ["cuba"]\nchannels = ["mailtos://u:${MM_TEST_UNSET_PW}@smtp.example.org?to=a@example.org"]',
         "desk.toml:13: alerts[0].channels[0]: environment variable MM_TEST_UNSET_PW is not set"),
        (f'topics = ["cuba"]\n{GOOD_CHANNEL}\n[[alerts.webhooks]]\nurl = "https://h.example.org/x"\n'
         'secret_env = "MM_TEST_UNSET_KEY"',
         "desk.toml:16: alerts[0].webhooks[0].secret_env: environment variable MM_TEST_UNSET_KEY is not set"),
        (f'topics = ["cuba"]\nmode = "digest"\ndigest = "daily 8am"\n{GOOD_CHANNEL}',
         "desk.toml:14: alerts[0].digest: 'daily 8am' is not a digest schedule"),
        (f'topics = ["cuba"]\nmode = "digest"\n{GOOD_CHANNEL}',
         "alerts[0]: a digest needs digest ="),
        (f'topics = ["cuba"]\nquiet_hours = "22-7"\n{GOOD_CHANNEL}',
         "desk.toml:13: alerts[0].quiet_hours: '22-7' is not a span of hours"),
        (f'topics = ["cuba"]\nmode = "spike"\nspike = {{ stories = 0 }}\n{GOOD_CHANNEL}',
         "desk.toml:14: alerts[0].spike.stories: Input should be greater than or equal to 1"),
        ('topics = ["cuba"]', "alerts[0]: an alert needs at least one channel"),
        (f'query = "(cuba OR havana"\n{GOOD_CHANNEL}', "desk.toml:12: alerts[0].query: column 0: missing ')'"),
        (GOOD_CHANNEL, "alerts[0]: an alert needs topics = [...] (topics of this job), a query, or both"),
        (f'topics = ["cuba"]\nmode = "digest"\ndigest = "hourly"\ngrew_to = 3\n{GOOD_CHANNEL}',
         "alerts[0]: grew_to is an update to an immediate alert"),
    ],
    ids=["unknown-topic", "bad-apprise-url", "missing-secret", "missing-webhook-key", "bad-digest",
         "digest-without-schedule", "bad-quiet-hours", "bad-spike", "no-channel", "bad-query", "no-topic-no-query",
         "grew-to-on-digest"],
)
def test_bad_alert_is_a_validation_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], alert: str,
                                         expected: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MM_TEST_UNSET_PW", raising=False)
    monkeypatch.delenv("MM_TEST_UNSET_KEY", raising=False)
    code, out = _validate(tmp_path, alert, capsys)
    assert code == 2
    assert expected in out
    assert "Traceback" not in out
