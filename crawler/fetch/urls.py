"""URL canonicalization and site rules: which URLs are the same article, which hosts a job may visit.

Pure functions, no network. w3lib does the heavy lifting (percent-encoding, IDNA, query sorting,
dot segments); this module adds what w3lib leaves alone: tracking parameters, default ports,
trailing dots in hosts, and the same-site rules used for `rel=canonical` and offsite filtering.

Same-site rule (used by `allowed` and `choose_canonical`): a leading ``www.`` is ignored on both
sides, then a host belongs to a site when it equals the site host or is a subdomain of it. So
``www.x.com``, ``x.com`` and ``news.x.com`` all belong to site ``x.com`` (and to ``www.x.com``),
while ``x.com.evil.net`` and ``notx.com`` do not. Ports are ignored unless the site entry names one
(``127.0.0.1:8001``), in which case the URL must use that port: this keeps two loopback sites apart.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus, urldefrag, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

log = logging.getLogger(__name__)

HTTP_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}

#: Query parameters that only track the click, never select content (compared case-insensitively).
#: Sources: Google Analytics / Ads, Meta, Microsoft, Yandex, Mailchimp, HubSpot, Marketo, Matomo,
#: Piwik, AT Internet, comScore (BBC), NYT and Guardian share links, Twitter/X, TikTok, Instagram.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "ttclid", "igshid", "igsh", "li_fat_id", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc",
        "_hsmi", "mkt_tok", "ref_src", "ref_url", "oly_anon_id", "oly_enc_id", "vero_id",
        "vero_conv", "xtor", "ocid", "smid", "smtyp", "cmp", "ns_mchannel", "ns_source",
        "ns_campaign", "ns_linkname", "ns_fee", "at_medium", "at_campaign", "__twitter_impression",
    }
)  # fmt: skip
#: Parameter-name prefixes that are tracking by convention (utm_source, pk_kwd, mtm_cid, hsa_acc...).
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")


def is_tracking_param(name: str) -> bool:
    """True when a query parameter name is click tracking (see TRACKING_PARAMS / TRACKING_PREFIXES)."""
    lowered = name.strip().lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """The canonical form of an http(s) URL; other or unparsable input comes back stripped, unchanged."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in HTTP_SCHEMES or not parts.hostname:
            return url
        # Filter raw "k=v" pieces: decoding and re-encoding would corrupt non-UTF-8 (e.g. Latin-1) queries.
        query = "&".join(p for p in parts.query.split("&") if p and not is_tracking_param(_param_name(p)))
        # w3lib: lowercases scheme/host, IDNA, percent-encoding, sorts the query, drops the fragment.
        cleaned = canonicalize_url(urlunsplit((scheme, parts.netloc, parts.path, query, "")))
        out = urlsplit(cleaned)
        netloc = _netloc(out.scheme, out.netloc, out.hostname or "", out.port)
    except ValueError:  # bad port, bad IPv6 literal, IDNA failure
        log.debug("unparsable url", extra={"url": url})
        return url
    return urlunsplit((out.scheme, netloc, out.path or "/", out.query, ""))


def _param_name(piece: str) -> str:
    """The decoded name of one raw "name=value" query piece."""
    return unquote_plus(piece.partition("=")[0])


def _netloc(scheme: str, netloc: str, hostname: str, port: int | None) -> str:
    """Rebuild a netloc without the default port and without a trailing dot on the host."""
    userinfo = netloc.rpartition("@")[0]
    hostpart = f"[{hostname}]" if ":" in hostname else hostname.rstrip(".")
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        hostpart = f"{hostpart}:{port}"
    return f"{userinfo}@{hostpart}" if userinfo else hostpart


def host(url: str) -> str:
    """Lowercased, IDNA-encoded hostname of a URL, without port or trailing dot; "" when there is none."""
    try:
        return (urlsplit(canonical_url(url)).hostname or "").rstrip(".")
    except ValueError:
        return ""


def _site(url: str) -> tuple[str, int | None]:
    """(host without "www.", non-default port or None) of an http(s) URL; ("", None) otherwise."""
    try:
        parts = urlsplit(canonical_url(url))
        port = parts.port
    except ValueError:
        return "", None
    if parts.scheme not in HTTP_SCHEMES:
        return "", None
    name = (parts.hostname or "").rstrip(".")
    return name.removeprefix("www."), port


def _entry_site(entry: str) -> tuple[str, int | None]:
    """Parse an allowed-hosts entry ("x.com", "www.x.com", "127.0.0.1:8001" or a full URL)."""
    entry = entry.strip()
    return _site(entry if "://" in entry else f"http://{entry}")


def _belongs(name: str, site: str) -> bool:
    """True when host `name` is `site` or one of its subdomains (both without "www.")."""
    return bool(name) and bool(site) and (name == site or name.endswith("." + site))


def allowed(url: str, hosts: frozenset[str]) -> bool:
    """True when url is http(s) and its host belongs to one of `hosts` (same-site rule in the module doc)."""
    name, _ = _site(url)
    if not name:
        return False
    for entry in hosts:
        site, site_port = _entry_site(entry)
        if _belongs(name, site) and (site_port is None or site_port == _effective_port(url)):
            return True
    return False


def _effective_port(url: str) -> int | None:
    """The port a request to url would use (explicit, else the scheme default)."""
    try:
        parts = urlsplit(url.strip())
        return parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return None


def same_site(a: str, b: str) -> bool:
    """True when either URL's host belongs to the other's site and their non-default ports agree."""
    (ha, pa), (hb, pb) = _site(a), _site(b)
    return pa == pb and (_belongs(ha, hb) or _belongs(hb, ha))


def choose_canonical(fetched_url: str, page_canonical: str | None) -> str:
    """Canonical URL of a fetched page: its rel=canonical/og:url when trustworthy, else the fetched URL."""
    fetched = canonical_url(fetched_url)
    if not page_canonical or not page_canonical.strip():
        return fetched
    # Relative canonicals are legal (RFC 6596); resolve them against the page URL.
    candidate = canonical_url(urljoin(fetched_url.strip(), page_canonical.strip()))
    if urlsplit(candidate).scheme not in HTTP_SCHEMES or not same_site(fetched, candidate):
        return fetched
    # A CMS bug points every page's canonical at the home page: that would merge all articles into one.
    if urlsplit(candidate).path == "/" and not urlsplit(candidate).query and urlsplit(fetched).path != "/":
        return fetched
    return candidate


_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def absolute(base: str, href: str) -> str | None:
    """href resolved against base when the result is http(s); None for javascript:, mailto:, etc."""
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    if _SCHEME_RE.match(href) and href.split(":", 1)[0].lower() not in HTTP_SCHEMES:
        return None
    try:
        resolved = urljoin(base, href)
        parts = urlsplit(resolved)
    except ValueError:
        return None
    if parts.scheme.lower() not in HTTP_SCHEMES or not parts.hostname:
        return None
    return urldefrag(resolved).url  # a fragment is never sent to the server
