"""Topic assignment on hand-labelled stories: accuracy, confusion by topic, the misses.

    python -m benchmarks.topics_eval [--data ../shared/data]

`benchmarks/labels/topics.json` holds stories of the three recorded weeks (papers, HF
daily papers, repos, HN threads), each `{"id": <an item id of the story>, "title",
"topics": [acceptable topic ids, best first]}`, written by hand. The weeks are imported
into a temporary hub as a user would (arXiv, HN, GitHub trending, HF daily papers), analysed
with the default topics, and each labelled story's assigned topic is looked up by the
story holding that item. An emerging topic counts as "other" (it is what no seed topic fit).
A hit = the assigned topic is among the acceptable ones. Also: how many of the labelled
stories' *best* topics are hit, the confusion table (best label -> assigned), the
misses, and every emerging topic found with its label.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from pathlib import Path

from hub.analysis.topics import OTHER
from hub.config import load_config
from hub.core import make_hub
from hub.digest.build import WeekContext

LABELS = Path(__file__).parent / "labels" / "topics.json"
WEEKS = {"w1": "2025-W16", "w17": "2025-W17", "w18": "2025-W18"}
SOURCES = ("arxiv", "hackernews", "github_trending", "hf_daily_papers")


def load_weeks(data: Path, tmp: Path) -> tuple[dict[str, WeekContext], dict[str, str]]:
    """Import the three weeks into a hub under `tmp`; each week's context, and topic id -> name."""
    files = [f for w in WEEKS for sub in SOURCES for f in sorted((data / w / sub).glob("*.*"))]
    with make_hub(load_config(None, env={}, workspace=tmp)) as hub:
        hub.import_paths(files)
        hub.analyze()
        contexts = {w: hub.builder().week_context(iso) for w, iso in WEEKS.items()}
        names = {t.id: t.name for t in hub.topic_list()}
    return contexts, names


def assigned_topics(contexts: dict[str, WeekContext]) -> dict[str, tuple[str, str]]:
    """item id -> (assigned topic id, story title), over every week."""
    out = {}
    for ctx in contexts.values():
        for s in ctx.stories:
            topic = ctx.assigned.get(s.id, (OTHER.id, 0.0, 0.0))[0]
            for i in s.item_ids:
                out[i] = (topic, s.title)
    return out


def evaluate(labels: list[dict], assigned: dict[str, tuple[str, str]]) -> None:  # type: ignore[type-arg]
    hits = best = 0
    confusion: Counter[tuple[str, str]] = Counter()
    misses = []
    for lab in labels:
        topic = assigned.get(lab["id"], (OTHER.id, "(not found)"))[0]
        topic = OTHER.id if topic.startswith("emerging-") else topic
        hits += topic in lab["topics"]
        best += topic == lab["topics"][0]
        confusion[(lab["topics"][0], topic)] += 1
        if topic not in lab["topics"]:
            misses.append((lab, topic))
    n = len(labels)
    print(f"topic assignment on {n} hand-labelled stories (default topics)")
    print(f"accuracy (assigned topic acceptable): {hits / n:.3f} ({hits}/{n})")
    print(f"best-topic agreement:                {best / n:.3f} ({best}/{n})")
    missed = {lab["id"] for lab, _ in misses}
    for week in WEEKS:
        ids = [lab["id"] for lab in labels if lab.get("week") == week]
        ok = sum(i not in missed for i in ids)
        print(f"  {week:<4} accuracy {ok / max(len(ids), 1):.3f} ({ok}/{len(ids)})")
    print("\nconfusion (best label -> assigned, off-diagonal only):")
    for (want, got), count in sorted(confusion.items(), key=lambda kv: -kv[1]):
        if want != got:
            print(f"  {want:<12} -> {got:<12} {count}")
    print(f"\nmisses ({len(misses)}):")
    for lab, topic in misses:
        print(f"  {lab['id']:<28} got {topic:<12} want {','.join(lab['topics']):<24} {lab['title'][:70]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    args = ap.parse_args()
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        contexts, names = load_weeks(Path(args.data), Path(tmp))
    evaluate(labels, assigned_topics(contexts))
    print("\nemerging topics:")
    for tid, name in names.items():
        if tid.startswith("emerging-"):
            print(f"  {tid:<40} {name}")


if __name__ == "__main__":
    main()
