"""Who may use the web view: MEDIAMON_WEB_AUTH parsed, requests checked, and the bind rule."""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
from dataclasses import dataclass

from crawler.errors import MediamonError


class AuthError(MediamonError):
    """MEDIAMON_WEB_AUTH is malformed, or a non-loopback address is asked for without it."""


@dataclass(frozen=True)
class Auth:
    """`kind` is "basic" (user + secret) or "token" (secret sent as `Authorization: Bearer ...`)."""

    kind: str
    secret: str
    user: str = ""

    def challenge(self) -> str:
        """The WWW-Authenticate header of a 401."""
        return 'Basic realm="mediamon", charset="UTF-8"' if self.kind == "basic" else 'Bearer realm="mediamon"'

    def allows(self, authorization: str | None) -> bool:
        """Whether an Authorization header value carries these credentials (constant-time compare)."""
        if not authorization or " " not in authorization:
            return False
        scheme, _, value = authorization.strip().partition(" ")
        value = value.strip()
        if self.kind == "token":
            return scheme.lower() == "bearer" and hmac.compare_digest(value.encode(), self.secret.encode())
        if scheme.lower() != "basic":
            return False
        try:
            user, sep, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        ok_user = hmac.compare_digest(user.encode(), self.user.encode())
        ok_password = hmac.compare_digest(password.encode(), self.secret.encode())
        return bool(sep) and ok_user and ok_password


def parse(value: str | None) -> Auth | None:
    """"basic:USER:PASSWORD" or "token:SECRET" -> Auth; None/empty -> None; anything else -> AuthError."""
    if not value:
        return None
    kind, _, rest = value.partition(":")
    if kind == "token" and len(rest) >= 16:
        return Auth("token", rest)
    if kind == "token":
        raise AuthError("MEDIAMON_WEB_AUTH=token:SECRET: the secret needs at least 16 characters")
    if kind == "basic":
        user, sep, password = rest.partition(":")
        if user and sep and password:
            return Auth("basic", password, user)
        raise AuthError("MEDIAMON_WEB_AUTH=basic:USER:PASSWORD: user and password must both be given")
    raise AuthError("MEDIAMON_WEB_AUTH: use basic:USER:PASSWORD or token:SECRET")


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and "localhost" are loopback; every other name or address is not."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve anywhere


def check_bind(host: str, auth: Auth | None) -> None:
    """Refuse to listen beyond loopback without credentials."""
    if auth is None and not is_loopback(host):
        raise AuthError(
            f"refusing to listen on {host} without MEDIAMON_WEB_AUTH (basic:USER:PASSWORD or token:SECRET): "
            "off loopback anyone could read the data; set it, or bind to 127.0.0.1"
        )
