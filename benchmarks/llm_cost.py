"""LLM cost of one weekly digest vs a one-call-per-paper summarizer, on the bundled real week.

    python -m benchmarks.llm_cost

A loopback OpenAI-compatible server answers every call (a valid cited answer) and
counts requests and prompt sizes; no real model is called. hub makes one call per
digest story plus one for the lead; the baseline makes one call per paper of the week.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import tempfile
import threading
from pathlib import Path

from hub.analysis import llm
from hub.config import load_config
from hub.core import make_hub
from hub.demo import extract_snapshot


class Counter:
    calls = 0
    chars = 0


def _server() -> tuple[http.server.ThreadingHTTPServer, int]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            text = " ".join(m["content"] for m in body["messages"])
            Counter.calls += 1
            Counter.chars += len(text)
            ids = re.findall(r'"id": "([^"]+)"', body["messages"][1]["content"])
            answer = {"sentences": [{"text": "A cited sentence.", "cites": ids[:1]}]}
            out = json.dumps(
                {
                    "id": "x",
                    "object": "chat.completion",
                    "created": 1,
                    "model": "m",
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": json.dumps(answer)},
                        }
                    ],
                    "usage": {
                        "prompt_tokens": len(text) // 4,
                        "completion_tokens": 20,
                        "total_tokens": len(text) // 4 + 20,
                    },
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args: object) -> None:
            return

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1]


def main() -> None:
    srv, port = _server()
    os.environ["HUB_BENCH_KEY"] = "not-a-secret"
    env = {
        "HUB_LLM__ENABLED": "true",
        "HUB_LLM__BASE_URL": f'"http://127.0.0.1:{port}/v1"',
        "HUB_LLM__API_KEY_ENV": '"HUB_BENCH_KEY"',
        "HUB_LLM__MODEL": '"bench"',
        "HUB_BENCH_KEY": "x",
    }
    with (
        tempfile.TemporaryDirectory() as tmp,
        make_hub(load_config(None, env=env, workspace=Path(tmp))) as hub,
    ):
        hub.import_paths(extract_snapshot(Path(tmp) / "snap"))
        digest = hub.digest("2025-W16")
        usage = hub.store.llm_usage()
        start, end = digest.start, digest.end
        papers = [
            it
            for it in hub.store.items()
            if it.kind == "paper" and it.published_at and start <= it.published_at.date() <= end
        ]
        base_tokens = sum(
            llm.estimate_tokens(llm.SYSTEM) + llm.estimate_tokens(it.title + it.text[:1200]) for it in papers
        )
        hub.digest("2025-W16")
        rerun = hub.store.llm_usage()["calls"] - usage["calls"]
    srv.shutdown()
    print("LLM cost of one weekly digest (2025-W16, bundled real week; loopback model)")
    print(f"{'summarizer':<28}{'calls':>7}{'input tokens':>14}{'output tokens':>15}")
    print(
        f"{'hub (per story + lead)':<28}{usage['calls']:>7}{usage['tokens_in']:>14}{usage['tokens_out']:>15}"
    )
    print(f"{'one call per paper':<28}{len(papers):>7}{base_tokens:>14}{20 * len(papers):>15}")
    print(
        f"ratio calls {usage['calls'] / len(papers):.3f}, "
        f"input tokens {usage['tokens_in'] / base_tokens:.3f}; "
        f"calls on an unchanged re-run: {rerun}; server saw {Counter.calls} requests"
    )


if __name__ == "__main__":
    main()
