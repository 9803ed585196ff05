"""Send one message to one channel: any apprise URL (e-mail, JSON webhooks, Slack, Matrix, ntfy...) or
mediamon's own JSON webhook signed with HMAC-SHA256 over the body.

Secrets are filled in from the environment at the moment of sending and scrubbed from every error
text, so neither logs nor alert_outbox.last_error can carry them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from crawler.alerts import render, subscriptions
from crawler.errors import MediamonError

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 15.0  # one send; the outbox row stays locked meanwhile
SIGNATURE_HEADER = "X-Mediamon-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
EMAIL_KEY_HEADER = "X-Mediamon-Idempotency-Key"  # apprise sets Message-ID itself
USER_AGENT = "mediamon-alerts/0.1"


class DeliveryError(MediamonError):
    """A channel refused or could not take the message (the text holds no secret)."""


def signature(secret: str, body: bytes) -> str:
    """The X-Mediamon-Signature value: ``sha256=<hex HMAC-SHA256 of the raw body>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does: recompute the HMAC over the raw body and compare in constant time."""
    return hmac.compare_digest(signature(secret, body), header)


def body_of(message: render.Message) -> bytes:
    """The webhook body: the message's JSON payload, compact, keys sorted (what the signature covers)."""
    return json.dumps(message.payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _secrets(channel: dict[str, Any]) -> list[str]:
    names = subscriptions.env_refs(channel.get("url", ""))
    if channel.get("secret_env"):
        names.append(channel["secret_env"])
    return [os.environ[n] for n in names if os.environ.get(n)]


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret value (and its URL-quoted form) replaced by ***."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) >= 3:
            text = text.replace(secret, "***").replace(quote(secret, safe=""), "***")
    return text


def send(channel: dict[str, Any], message: render.Message, key: str) -> None:
    """Deliver `message` to `channel` (an entry of alert_subscriptions.spec.channels); DeliveryError on failure."""
    secrets = _secrets(channel)
    try:
        if channel["kind"] == "webhook":
            _webhook(channel, message, key)
        else:
            _apprise(channel, message, key)
    except subscriptions.SecretMissing as exc:
        raise DeliveryError(str(exc)) from None
    except DeliveryError as exc:
        raise DeliveryError(scrub(str(exc), secrets)) from None
    except (OSError, ValueError) as exc:  # sockets, TLS, URL errors raised below us
        raise DeliveryError(scrub(f"{type(exc).__name__}: {exc}", secrets)) from None


def _webhook(channel: dict[str, Any], message: render.Message, key: str) -> None:
    secret = subscriptions.fill("${" + channel["secret_env"] + "}")
    body = body_of(message)
    request = urllib.request.Request(channel["url"], data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: signature(secret, body),
        IDEMPOTENCY_HEADER: key,
    })
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} from {channel['url']}") from None
    except urllib.error.URLError as exc:
        raise DeliveryError(f"cannot reach {channel['url']}: {exc.reason}") from None


def _apprise(channel: dict[str, Any], message: render.Message, key: str) -> None:
    import apprise

    url = subscriptions.fill(channel["url"])
    header = EMAIL_KEY_HEADER if channel["kind"] in ("mailto", "mailtos") else IDEMPOTENCY_HEADER
    url += ("&" if "?" in url else "?") + f"+{header}={quote(key, safe='')}"
    notifier = apprise.Apprise()
    if not notifier.add(url):
        raise DeliveryError(f"apprise does not accept this {channel['kind']}:// URL")
    with apprise.LogCapture(level=apprise.logging.WARNING, fmt="%(message)s") as captured:  # type: ignore[no-untyped-call]
        ok = notifier.notify(body=message.html, title=message.title, body_format=apprise.NotifyFormat.HTML)
    if not ok:
        detail = " ".join(captured.getvalue().split())[:500] or "no detail"
        raise DeliveryError(f"{channel['kind']} delivery failed: {detail}")
