"""Crawl 500 feeds served from loopback: a full crawl, then an unchanged re-crawl.

    python -m benchmarks.crawl [--feeds 500]

The feeds are the real recorded RSS files in tests/data/sources (Ollama's blog feed,
MIT, via Olshansk/rss-feeds), served under 500 URLs. So that every feed contributes its
own items, each copy's entry links get a `?copy=N` suffix (documented replay, not new
data). The server answers conditional GETs (ETag), so the re-crawl measures the 304 path.
"""

from __future__ import annotations

import argparse
import hashlib
import http.server
import os
import resource
import socketserver
import tempfile
import threading
import time
from pathlib import Path

from hub.config import load_config
from hub.core import make_hub

FEED = (Path(__file__).resolve().parents[1] / "tests" / "data" / "sources" / "feed_ollama.xml").read_bytes()


def _server(n: int) -> tuple[socketserver.TCPServer, int]:
    bodies = {f"/f{i}.xml": FEED.replace(b"</link>", f"?copy={i}</link>".encode()) for i in range(n)}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = bodies.get(self.path)
            if body is None:
                self.send_response(404)
                self.end_headers()
                return
            etag = '"' + hashlib.md5(body).hexdigest() + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True

    srv = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--feeds", type=int, default=500)
    args = ap.parse_args()
    srv, port = _server(args.feeds)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "hub.toml"
        lines = ["[crawl]", "delay_s = 0.0", "per_host = 16", "obey_robots = false", "retries = 0"]
        for i in range(args.feeds):
            lines += [
                "[[sources]]",
                f'name = "f{i}"',
                'kind = "feed"',
                f'url = "http://127.0.0.1:{port}/f{i}.xml"',
            ]
        cfg.write_text("\n".join(lines) + "\n")
        rows = []
        with make_hub(load_config(cfg, env={})) as hub:
            for label in ("full crawl", "unchanged re-crawl"):
                t = time.perf_counter()
                result = hub.crawl()
                secs = time.perf_counter() - t
                new = sum(r["new"] for r in result.sources)
                parsed = sum(r["items"] for r in result.sources)
                not_mod = sum(r["not_modified"] for r in result.sources)
                rows.append((label, secs, parsed, new, not_mod))
            items = hub.store.counts()["items"]
    srv.shutdown()
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"crawl benchmark: {args.feeds} loopback feeds, {os.cpu_count()} cores")
    print(f"{'run':<20}{'seconds':>9}{'items parsed':>14}{'new':>8}{'304s':>7}{'items/s':>10}")
    for label, secs, parsed, new, nm in rows:
        print(f"{label:<20}{secs:>9.2f}{parsed:>14}{new:>8}{nm:>7}{parsed / secs:>10.0f}")
    print(
        f"ratio re-crawl/full: {rows[1][1] / rows[0][1]:.2f}; items in store {items}; "
        f"peak RSS of crawler process {peak:.0f} MiB"
    )


if __name__ == "__main__":
    main()
