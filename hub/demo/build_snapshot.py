"""Re-create hub/demo/w16-2025.tar.xz from the real recorded data (developer tool).

    python -m hub.demo.build_snapshot PATH/TO/shared/data

Copies, byte for byte, only the files whose licence allows redistribution
(see PROVENANCE.md inside the archive): the arXiv daily listings (arXiv metadata),
the Hacker News archive (MIT, jiacai2050/mofish) and the GitHub trending archive
(MIT, bonfy/github-trending) for the week 2025-04-14..2025-04-20 (ISO 2025-W16).
The AINews issues and the ML-Papers-of-the-Week list have no licence and are
never shipped.
"""

from __future__ import annotations

import io
import sys
import tarfile
from pathlib import Path

SHIPPED = ("w1/arxiv", "w1/hackernews", "w1/github_trending")
PROVENANCE = """\
# hub demo snapshot: provenance

A real week (2025-04-14 .. 2025-04-20, ISO 2025-W16), files copied unchanged.

| folder | origin | licence |
|---|---|---|
| arxiv/ | dw-dengwei/daily-arXiv-ai-enhanced, branch data, commit b4c542b7d61bff39f8b999b45b43f62b2bb94f75, data/YYYY-MM-DD.jsonl | repo: Apache-2.0 terms; records are arXiv metadata (CC0) |
| hackernews/ | jiacai2050/mofish, commit d3aeb9205ea43907153b9fb6ac95d8d14768afa9, data/YYYY-MM-DD.json | MIT; items are Hacker News API records |
| github_trending/ | bonfy/github-trending, commit bd97d943a8cafc94d5dd4ee5b82ec552f2cb3133, 2025/YYYY-MM-DD.md | MIT (c) 2022 Kai Chen; descriptions are the repos' own |
"""


def build(data: Path, out: Path) -> Path:
    with tarfile.open(out, "w:xz", preset=9) as tar:
        for folder in SHIPPED:
            for f in sorted((data / folder).iterdir()):
                tar.add(f, arcname=f"{Path(folder).name}/{f.name}", recursive=False)
        blob = PROVENANCE.encode()
        info = tarfile.TarInfo("PROVENANCE.md")
        info.size = len(blob)
        tar.addfile(info, io.BytesIO(blob))
    return out


if __name__ == "__main__":
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
    print(build(src, Path(__file__).with_name("w16-2025.tar.xz")))
