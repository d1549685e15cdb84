"""Network faults while crawling, each beside a good source in the same crawl (no network).

A connection reset mid-response, a server that trickles bytes slower than the timeout,
a host that can never resolve, redirects to non-http(s) schemes and redirects to
link-local (cloud metadata) or unspecified addresses: each is recorded as that source's
error, nothing partial is stored, and the good source keeps every item.
The faulty bodies are a different recorded feed than the good one, so a partial body
that slipped through would show up as an item that should not exist.
"""

from __future__ import annotations

import base64
import socket
import socketserver
import struct
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
from pytest_httpserver import HTTPServer
from test_crawl import FEED, _errors, _hub
from test_hostile import SUMMARY

from hub import sources as parsers
from hub.core import Hub
from hub.exceptions import HubError

DATA = Path(__file__).parent / "data" / "sources"
# The faulty servers send this recorded Atom feed (one arXiv entry), not the good FEED.
OTHER = (DATA / "arxiv_api_2016.xml").read_bytes()
OTHER_IDS = {i.id for i in parsers.parse(OTHER, "http://127.0.0.1/feed.xml", "feed").items}
GOOD_LINKS = {e.link for e in feedparser.parse(FEED).entries}


class RawServer(socketserver.ThreadingTCPServer):
    """A loopback HTTP/1.1 server speaking raw bytes, so it can misbehave on the wire.

    `mode` picks what /feed.xml does: "reset", "trickle" or "ok"; /robots.txt is a 404.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, mode: str) -> None:
        super().__init__(("127.0.0.1", 0), _RawHandler)
        self.mode = mode
        self.stopping = threading.Event()
        self.feed_requests = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class _RawHandler(socketserver.StreamRequestHandler):
    server: RawServer

    def handle(self) -> None:
        head = b""
        while b"\r\n\r\n" not in head and (chunk := self.request.recv(4096)):
            head += chunk
        path = head.split(b" ", 2)[1].decode() if head.count(b" ") >= 2 else "/"
        if path != "/feed.xml":
            self.wfile.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        self.server.feed_requests += 1
        getattr(self, f"_{self.server.mode}")()

    def _ok(self) -> None:
        self.wfile.write(_head(len(OTHER)) + OTHER)

    def _reset(self) -> None:
        """Every byte but the closing tag (the whole entry is in), then a TCP RST."""
        self.wfile.write(_head(len(OTHER)) + OTHER[: OTHER.rindex(b"</feed>")])
        self.wfile.flush()
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.request.close()

    def _trickle(self) -> None:
        """No Content-Length: the body ends when the server closes, which it never does.
        The whole entry goes at once, then one space per 0.2 s until the client hangs up."""
        self.wfile.write(_head(None) + OTHER[: OTHER.rindex(b"</feed>")])
        self.wfile.flush()
        try:
            while not self.server.stopping.wait(0.2):
                self.wfile.write(b" ")
                self.wfile.flush()
        except OSError:
            return  # the crawler gave up and closed the connection


def _head(length: int | None) -> bytes:
    lines = ["HTTP/1.1 200 OK", "Content-Type: application/atom+xml", "Connection: close"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@pytest.fixture
def raw_server(request: pytest.FixtureRequest) -> Iterator[RawServer]:
    srv = RawServer(request.param)
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.stopping.set()
    srv.shutdown()
    srv.server_close()
    thread.join()


def _good(server: HTTPServer) -> dict[str, Any]:
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/feed.xml").respond_with_data(FEED, content_type="application/rss+xml")
    return {"name": "good", "kind": "feed", "url": server.url_for("/feed.xml")}


def _fetches(hub: Hub, source: str) -> list[tuple[Any, ...]]:
    return hub.store.fetchall("SELECT status, items FROM fetches WHERE source = ? ORDER BY id", [source])


def test_the_faulty_body_is_a_distinct_recorded_feed() -> None:
    assert OTHER_IDS and not {f"url:{u}" for u in GOOD_LINKS} & OTHER_IDS


def _item_ids(hub: Hub) -> set[str]:
    return {r[0] for r in hub.store.fetchall("SELECT id FROM items")}


def _nothing_stored_for(hub: Hub, source: str) -> None:
    fetches = _fetches(hub, source)
    assert fetches and all(status is None and not items for status, items in fetches), fetches


def _good_kept_everything(hub: Hub, result: Any, fault: str) -> None:
    """(e) the good source beside the fault: every entry of its recorded feed, nothing else."""
    by = {r["source"]: r for r in result.sources}
    assert by["good"]["items"] == len(GOOD_LINKS) and by["good"]["errors"] == 0
    assert {r[0] for r in hub.store.fetchall("SELECT url FROM items")} == GOOD_LINKS
    assert not OTHER_IDS & _item_ids(hub), "a partial body of the faulty source was stored"
    SUMMARY[f"kept: good source in the same crawl as {fault}"] += 1


@pytest.mark.parametrize("raw_server", ["reset"], indirect=True)
def test_connection_reset_mid_response(tmp_path: Path, server: HTTPServer, raw_server: RawServer) -> None:
    sources = [_good(server), {"name": "reset", "kind": "feed", "url": raw_server.url("/feed.xml")}]
    with _hub(tmp_path, server, sources) as hub:
        result = hub.crawl()
        error = _errors(hub)["reset"]
        assert error.startswith("ResponseDataLossError: the connection ended before the whole response")
        assert raw_server.feed_requests == 2  # retried once (retries = 1), then recorded
        _nothing_stored_for(hub, "reset")
        _good_kept_everything(hub, result, "a connection reset")
        health = {h["name"]: h for h in hub.store.source_health()}
        assert health["reset"]["healthy"] is False and health["reset"]["last_error"] == error
        assert health["good"]["healthy"] is True

        raw_server.mode = "ok"  # the server recovers: the next crawl fetches the source
        second = {r["source"]: r for r in hub.crawl().sources}
        assert second["reset"]["new"] == len(OTHER_IDS) and second["reset"]["errors"] == 0
        assert second["good"]["items"] == len(GOOD_LINKS) and second["good"]["new"] == 0
        assert _item_ids(hub) >= OTHER_IDS
        assert hub.store.counts()["items"] == len(GOOD_LINKS) + len(OTHER_IDS)  # no duplicates
        assert {h["name"]: h for h in hub.store.source_health()}["reset"]["healthy"] is True
    SUMMARY["recorded: connection reset mid-response (crawl; re-run fetches it)"] += 1


@pytest.mark.parametrize("raw_server", ["trickle"], indirect=True)
def test_slow_trickle_is_a_timeout(tmp_path: Path, server: HTTPServer, raw_server: RawServer) -> None:
    # The trickle never ends, so a timeout is the only possible outcome (no race with the clock).
    sources = [_good(server), {"name": "trickle", "kind": "feed", "url": raw_server.url("/feed.xml")}]
    with _hub(tmp_path, server, sources, timeout_s=1.0) as hub:
        result = hub.crawl()
        error = _errors(hub)["trickle"]
        assert error.startswith("DownloadTimeoutError: ") and "took longer than 1.0 seconds" in error
        assert raw_server.feed_requests == 2
        _nothing_stored_for(hub, "trickle")  # the whole entry had arrived: still nothing kept
        _good_kept_everything(hub, result, "a slow trickle")
    SUMMARY["recorded: body trickled slower than the timeout (crawl)"] += 1


def test_unresolvable_host_fails_without_a_lookup(tmp_path: Path, server: HTTPServer) -> None:
    nowhere = {"name": "nowhere", "kind": "feed", "url": "http://feeds.nonexistent.invalid/feed.xml"}
    with _hub(tmp_path, server, [_good(server), nowhere]) as hub:
        result = hub.crawl()
        # the crawler's own refusal, not the resolver's "no results": no DNS query was sent
        assert _errors(hub)["nowhere"] == (
            "CannotResolveHostError: DNS lookup failed: feeds.nonexistent.invalid is a reserved "
            "name that never resolves (RFC 6761/7686), not looked up"
        )
        _nothing_stored_for(hub, "nowhere")
        _good_kept_everything(hub, result, "an unresolvable host")
        assert {h["name"]: h for h in hub.store.source_health()}["nowhere"]["healthy"] is False
    SUMMARY["recorded: unresolvable host, no DNS query (crawl)"] += 1


@pytest.fixture
def second_server() -> Iterator[HTTPServer]:
    srv = HTTPServer(host="127.0.0.1", port=0)
    srv.start()
    yield srv
    srv.clear()
    srv.stop()


def test_redirects_to_other_schemes_are_never_followed(
    tmp_path: Path, server: HTTPServer, second_server: HTTPServer
) -> None:
    # file: and data: targets hold a recorded feed: following either would store OTHER_IDS
    local = tmp_path / "recorded.xml"
    local.write_bytes(OTHER)
    second_server.expect_request("/robots.txt").respond_with_data("", status=404)
    second_server.expect_request("/moved.xml").respond_with_data(FEED, content_type="application/rss+xml")
    targets = {
        "to-passwd": ("file:///etc/passwd", "file"),
        "to-file": (local.as_uri(), "file"),
        "to-ftp": (f"ftp://127.0.0.1:{second_server.port}/moved.xml", "ftp"),
        "to-js": ("javascript:alert(document.cookie)", "javascript"),
        "to-data": ("data:application/atom+xml;base64," + base64.b64encode(OTHER).decode(), "data"),
    }
    sources = [_good(server)]
    for name, (location, _) in targets.items():
        server.expect_request(f"/{name}").respond_with_data("", status=302, headers={"Location": location})
        sources.append({"name": name, "kind": "feed", "url": server.url_for(f"/{name}")})
    # the control: a 301 to another loopback http server is followed
    server.expect_request("/moved").respond_with_data(
        "", status=301, headers={"Location": second_server.url_for("/moved.xml")}
    )
    sources.append({"name": "moved", "kind": "feed", "url": server.url_for("/moved")})
    with _hub(tmp_path, server, sources) as hub:
        # hub.toml and `hub sources add` refuse a file: URL up front (tests/test_config.py);
        # a row an older version stored still meets the crawler's own guard.
        with pytest.raises(HubError, match="http:// or https://"):
            hub.sources().add("configured-file", "feed", local.as_uri())
        hub.store.add_source({"name": "configured-file", "kind": "feed", "url": local.as_uri(), "tags": []})
        result = hub.crawl()
        errors = _errors(hub)
        for name, (_, scheme) in targets.items():
            assert errors[name] == (
                f"RefusedURL: HTTP 302 redirect to a {scheme}: URL not followed (only http and https)"
            )
            _nothing_stored_for(hub, name)
            SUMMARY[f"refused: redirect to a {scheme}: URL (crawl)"] += 1
        assert errors["configured-file"] == "RefusedURL: file: URL not fetched (only http and https)"
        _nothing_stored_for(hub, "configured-file")
        SUMMARY["refused: a configured file: source (crawl)"] += 1
        moved = {r["source"]: r for r in result.sources}["moved"]
        assert moved["items"] == len(GOOD_LINKS) and moved["errors"] == 0 and "moved" not in errors
        assert [r.path for r, _ in second_server.log] == ["/robots.txt", "/moved.xml"]
        _good_kept_everything(hub, result, "redirects to other schemes")


METADATA = "a link-local address (169.254.169.254)"  # the cloud metadata endpoint
# name: (Location or meta-refresh target, 3xx status or None for a meta refresh, refused as).
# Nothing may connect to any of them: each refusal must be the policy's, before any request.
ADDRESS_TARGETS = {
    "to-metadata": ("http://169.254.169.254/latest/meta-data/", 302, METADATA),
    "to-mapped": ("http://[::ffff:169.254.169.254]/latest/meta-data/", 301, METADATA),
    "to-decimal": ("http://2852039166/latest/meta-data/", 307, METADATA),
    "to-fe80": ("http://[fe80::1]/feed.xml", 308, "a link-local address (fe80::1)"),
    # 0.0.0.0 would reach the second loopback server, whose log would show it
    "to-unspecified": ("http://0.0.0.0:{port}/unspecified.xml", 302, "an unspecified address (0.0.0.0)"),
    "meta-refresh": ("http://169.254.169.254/latest/meta-data/", None, METADATA),
}


def test_redirects_to_link_local_and_unspecified_addresses_are_never_followed(
    tmp_path: Path, server: HTTPServer, second_server: HTTPServer
) -> None:
    second_server.expect_request("/robots.txt").respond_with_data("", status=404)
    second_server.expect_request("/unspecified.xml").respond_with_data(
        OTHER, content_type="application/atom+xml"
    )
    second_server.expect_request("/hop").respond_with_data(
        "", status=302, headers={"Location": second_server.url_for("/moved.xml")}
    )
    second_server.expect_request("/moved.xml").respond_with_data(FEED, content_type="application/rss+xml")
    sources = [_good(server)]
    for name, (target, status, _) in ADDRESS_TARGETS.items():
        target = target.format(port=second_server.port)
        if status is None:
            page = f'<html><head><meta http-equiv="refresh" content="0; url={target}"></head></html>'
            server.expect_request(f"/{name}").respond_with_data(page, content_type="text/html")
        else:
            server.expect_request(f"/{name}").respond_with_data(
                "", status=status, headers={"Location": target}
            )
        sources.append({"name": name, "kind": "feed", "url": server.url_for(f"/{name}")})
    # the control: within loopback, a two-hop redirect is followed (a self-hosted source)
    server.expect_request("/within").respond_with_data(
        "", status=302, headers={"Location": second_server.url_for("/hop")}
    )
    sources.append({"name": "within", "kind": "feed", "url": server.url_for("/within")})
    with _hub(tmp_path, server, sources) as hub:
        result = hub.crawl()
        errors = _errors(hub)
        for name, (_, status, what) in ADDRESS_TARGETS.items():
            # the policy's refusal, before any request: not a timeout or a refused connection
            reason = f"HTTP {status}" if status else "meta refresh"
            assert errors[name] == f"RefusedURL: {reason} redirect to {what} refused", name
            _nothing_stored_for(hub, name)
            SUMMARY[f"refused: {reason} redirect to {what.split(' (')[0]} (crawl)"] += 1
        within = {r["source"]: r for r in result.sources}["within"]
        assert within["items"] == len(GOOD_LINKS) and within["errors"] == 0 and "within" not in errors
        # nothing reached 0.0.0.0:port (not even its robots.txt): only the control's requests
        assert [r.path for r, _ in second_server.log] == ["/robots.txt", "/hop", "/moved.xml"]
        _good_kept_everything(hub, result, "redirects to link-local and unspecified addresses")


LOOPBACK_SOURCE = "http://127.0.0.1:8080/feed.xml"
PUBLIC_SOURCE = "https://example.org/feed"


@pytest.mark.parametrize(
    ("chain", "target", "refusal"),
    [
        # never, whatever the source: link-local (cloud metadata), unspecified, multicast, reserved
        ([LOOPBACK_SOURCE], "http://169.254.169.254/latest/meta-data/", f"to {METADATA}"),
        ([PUBLIC_SOURCE], "http://169.254.169.254/", f"to {METADATA}"),
        ([LOOPBACK_SOURCE], "http://[::ffff:169.254.169.254]/", f"to {METADATA}"),
        ([LOOPBACK_SOURCE], "http://[::ffff:a9fe:a9fe]/", f"to {METADATA}"),
        ([LOOPBACK_SOURCE], "http://2852039166/", f"to {METADATA}"),
        ([LOOPBACK_SOURCE], "http://0xa9fea9fe/", f"to {METADATA}"),
        ([LOOPBACK_SOURCE], "http://0251.0376.0251.0376/", f"to {METADATA}"),
        ([LOOPBACK_SOURCE], "http://169.254.43518/", f"to {METADATA}"),
        ([LOOPBACK_SOURCE], "http://169.254.169.254./", f"to {METADATA}"),
        ([LOOPBACK_SOURCE], "http://[fe80::1%25eth0]/", "to a link-local address (fe80::1)"),
        ([LOOPBACK_SOURCE], "http://0.0.0.0:8080/", "to an unspecified address (0.0.0.0)"),
        ([LOOPBACK_SOURCE], "http://0/", "to an unspecified address (0.0.0.0)"),
        ([LOOPBACK_SOURCE], "http://[::]/", "to an unspecified address (::)"),
        ([LOOPBACK_SOURCE], "http://224.0.0.251/", "to a multicast address (224.0.0.251)"),
        ([LOOPBACK_SOURCE], "http://[ff02::1]/", "to a multicast address (ff02::1)"),
        ([LOOPBACK_SOURCE], "http://240.0.0.1/", "to a reserved address (240.0.0.1)"),
        # from a public host: no loopback or private address either
        ([PUBLIC_SOURCE], "http://10.0.0.1/", "from a public host to a private address (10.0.0.1)"),
        ([PUBLIC_SOURCE], "http://localhost/", "from a public host to a loopback address (localhost)"),
        ([PUBLIC_SOURCE], "http://LOCALHOST.:8000/", "from a public host to a loopback address (localhost)"),
        ([PUBLIC_SOURCE], "http://127.0.0.1:8080/", "from a public host to a loopback address (127.0.0.1)"),
        ([PUBLIC_SOURCE], "http://2130706433/", "from a public host to a loopback address (127.0.0.1)"),
        ([PUBLIC_SOURCE], "http://0x7f.1/", "from a public host to a loopback address (127.0.0.1)"),
        ([PUBLIC_SOURCE], "http://[::1]/", "from a public host to a loopback address (::1)"),
        (
            [PUBLIC_SOURCE],
            "http://[::ffff:192.168.1.1]/",
            "from a public host to a private address (192.168.1.1)",
        ),
        (
            [PUBLIC_SOURCE],
            "http://[fd00:ec2::254]/",
            "from a public host to a private address (fd00:ec2::254)",
        ),
        (
            ["http://93.184.215.14/feed"],
            "http://172.16.0.1/",
            "from a public host to a private address (172.16.0.1)",
        ),
        # a public hop anywhere in the chain counts, even from a loopback source
        (
            [LOOPBACK_SOURCE, "https://example.org/hop"],
            "http://10.0.0.1/",
            "from a public host to a private address (10.0.0.1)",
        ),
        # followed: public targets, and loopback/private ones from a loopback/private chain
        ([PUBLIC_SOURCE], "https://example.com/", None),
        ([PUBLIC_SOURCE], "http://93.184.215.14/", None),
        ([PUBLIC_SOURCE], "https://[2606:4700:4700::1111]/", None),
        ([LOOPBACK_SOURCE], "http://10.0.0.1/", None),
        ([LOOPBACK_SOURCE, "http://192.168.1.2/feed"], "http://localhost:8000/", None),
        (["http://[fd12::1]/feed"], "http://[::1]/", None),
    ],
)
def test_redirect_address_policy(chain: list[str], target: str, refusal: str | None) -> None:
    from spiders.middlewares import redirect_refusal

    assert redirect_refusal(chain, target) == refusal
    if refusal is not None:
        SUMMARY[f"refused: redirect {refusal.split(' (')[0]} (policy)"] += 1
