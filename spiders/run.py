"""Child-process entry point: `python -m spiders.run PLAN.json`.

Opens the store (this process is its only writer while it runs), starts one spider
per source kind in the plan, and prints one JSON event per line on stdout.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess

from hub.store import Store
from spiders.kinds import SPIDERS
from spiders.pipelines import UNRECORDED, emit
from spiders.settings import scrapy_settings


def main(plan_path: str, stop_file: str | None = None) -> int:
    plan = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    plan["settings"]["stop_file"] = stop_file
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for source in plan["sources"]:
        by_kind[source["kind"]].append(source)
    emit(
        {
            "event": "start",
            "requests": sum(len(s["requests"]) for s in plan["sources"]),
            "sources": [s["name"] for s in plan["sources"]],
        }
    )
    store = Store(plan["db"])
    try:
        process = CrawlerProcess(scrapy_settings(plan["settings"]), install_root_handler=False)
        for kind, plans in by_kind.items():
            process.crawl(
                SPIDERS[kind], plans=plans, store=store, run_id=plan["run_id"], crawl=plan["settings"]
            )
        process.start()
    finally:
        store.close()
    emit({"event": "done"})
    if UNRECORDED:
        more = f" (and {len(UNRECORDED) - 1} more)" if len(UNRECORDED) > 1 else ""
        print(f"error: a fetch could not be stored nor recorded: {UNRECORDED[0]}{more}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
