"""Where hub may send a request: the one check for every URL it is asked to fetch.

`fetch_refusal` is called by `hub sources add`, OPML import and the crawler before each
request (spiders/middlewares.py), so a source list from elsewhere (an OPML file, a page's
links) never reaches a link-local address or a cloud metadata endpoint unless hub.toml says
`[crawl] allow_link_local = true`. Loopback and private addresses stay allowed: a feed
served from this machine or the LAN is a normal source (and what the tests serve).
Hosts are judged as written, without DNS.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit, urlunsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# 0.0.0.0/8 "this network": Linux connects 0.0.0.0 to the local host, and newer kernels
# route the rest of the block as unicast.
THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
# Cloud instance metadata (credentials live there) outside 169.254/16: the names GCP and
# AWS answer to, Alibaba's 100.100.100.200, AWS's IPv6 endpoint, Azure's wire server.
METADATA_HOSTS = frozenset(
    {"metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal"}
)
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("100.100.100.200", "fd00:ec2::254", "168.63.129.16")
)
ALLOW_SETTING = "[crawl] allow_link_local = true"


def host_address(host: str) -> IPAddress | None:
    """The IP address a URL host is written as, None for a DNS name (never looked up).

    An IPv4 address counts in every form the system resolver takes without DNS
    (inet_aton: 2852039166, 0xa9fea9fe, 0251.0376.0251.0376, 169.254.43518), and an
    IPv4-mapped IPv6 address ([::ffff:169.254.169.254]) as the IPv4 address it maps.
    """
    host = host.rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def address_kind(host: str) -> tuple[str, str] | None:
    """(kind, address) of a URL host that is not a public address, else None.

    Kinds: "loopback" (127/8, ::1, `localhost`), "unspecified", "link-local",
    "multicast", "reserved", and "private" for every other non-global address (RFC 1918,
    ULA fc00::/7, site-local, shared 100.64/10, documentation ranges). A DNS name other
    than `localhost` is None: judged as written, not resolved.
    """
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):  # RFC 6761: always loopback
        return "loopback", "localhost"
    ip = host_address(host)
    if ip is None:
        return None
    site_local = isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local
    kinds = (  # loopback first: ::1 is also "reserved"
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified or ip in THIS_NETWORK),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private or not ip.is_global or site_local),
    )
    shown = str(ip).split("%", 1)[0]  # without an IPv6 zone id: no attacker text in errors
    return next(((kind, shown) for kind, matches in kinds if matches), None)


def fetch_refusal(url: str, *, allow_link_local: bool = False) -> str | None:
    """Why hub does not fetch `url` (for an error message), None when it may.

    Refused unless allowed: a link-local host (169.254/16 with the metadata endpoint
    169.254.169.254, fe80::/10, in any spelling `host_address` reads) and the cloud
    metadata names and addresses above.
    """
    if allow_link_local:
        return None
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    ip = host_address(host)
    if host in METADATA_HOSTS or (ip is not None and ip in METADATA_ADDRESSES):
        return f"a cloud metadata host ({ip or host})"
    found = address_kind(host)
    if found is not None and found[0] == "link-local":
        return f"a link-local address ({found[1]})"
    return None


def refusal_message(url: str, why: str) -> str:
    """The one line a refused URL gets: what it is and how to allow it."""
    host = urlsplit(url).hostname or "?"
    return f"{host[:80]} is {why}: not fetched (to allow it, set {ALLOW_SETTING} in hub.toml)"


def canonical_url(url: str) -> str:
    """An http(s) URL as stored: scheme and host in lower case (`HTTP://Example.ORG/Feed` is
    `http://example.org/Feed`), path and query as given; other text unchanged."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return url
    netloc = parts.netloc.rpartition("@")
    host = netloc[2].lower()
    return urlunsplit(
        (parts.scheme.lower(), netloc[0] + netloc[1] + host, parts.path, parts.query, parts.fragment)
    )
