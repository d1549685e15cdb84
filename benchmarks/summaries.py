"""The summary lint over real weeks: how many summaries a reader could not trust.

    python -m benchmarks.summaries [--data ../shared/data] [--weeks w1 w17 w18] [--examples 3]

For each recorded week (arXiv, Hacker News, GitHub trending and Hugging Face daily papers
of shared/data/<week>, imported into a temporary hub), every story of the week is
summarized as the digest summarizes it (nothing saved) and each summary is
checked by the rules of `hub.analysis.summary_lint`. Prints, per week, the hits per
rule in the published top 30 and over all stories, examples of each kind that remain,
the top 10 summaries and the lead paragraph. Goal: 0 in every top 30, under 2 % overall.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hub.analysis.summarize import extractive_summary
from hub.analysis.summary_lint import RULES, lint
from hub.config import load_config
from hub.core import make_hub
from hub.digest import lead
from hub.types import Digest, DigestStory

SOURCES = ("arxiv", "hackernews", "github_trending", "hf_daily_papers")
WEEKS = {"w1": "2025-W16", "w17": "2025-W17", "w18": "2025-W18"}


@dataclass
class Tally:
    """Hits per rule over a set of summaries, with examples."""

    stories: int = 0
    empty: int = 0
    flagged: int = 0
    hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RULES, 0))
    examples: dict[str, list[str]] = field(default_factory=lambda: {r: [] for r in RULES})
    empty_by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind -> [empty, stories]

    def add(self, title: str, summary: str, kinds: set[str]) -> None:
        self.stories += 1
        self.empty += not summary.strip()
        kind = "paper" if "paper" in kinds else "repo" if kinds == {"repo"} else "post"
        counts = self.empty_by_kind.setdefault(kind, [0, 0])
        counts[0] += not summary.strip()
        counts[1] += 1
        found = lint(summary, title)
        self.flagged += bool(found)
        for rule, snippet in found.items():
            self.hits[rule] += 1
            self.examples[rule].append(f"{title[:50]!r}: {snippet!r}")


def tally(stories: Sequence[DigestStory]) -> Tally:
    out = Tally()
    for s in stories:
        out.add(s.title, s.summary, {i.kind for i in s.items})
    return out


def week_summaries(data: Path, folder: str) -> tuple[Digest, Tally]:
    """The published top 30 of one recorded week, and the lint over every story of the week
    (each summarized the way the digest summarizes it; curated newsletter posts excepted)."""
    dirs = [data / folder / sub for sub in SOURCES if (data / folder / sub).is_dir()]
    files = [f for d in dirs for f in sorted(d.iterdir())]
    everything = Tally()
    with (
        tempfile.TemporaryDirectory() as tmp,
        make_hub(load_config(None, env={}, workspace=Path(tmp))) as hub,
    ):
        hub.import_paths(files)
        top = hub.digest(WEEKS[folder], write_page=False, save=False, use_llm=False)
        ctx = hub.builder().week_context(WEEKS[folder])
        for story in ctx.stories:
            summary = extractive_summary(story, ctx.items, ctx.observations)
            kinds = {ctx.items[i].kind for i in story.item_ids if i in ctx.items}
            everything.add(story.title, summary.text, kinds)
    return top, everything


def _row(name: str, t: Tally) -> str:
    cells = "".join(f"{t.hits[r]:>12}" for r in RULES)
    share = 100 * t.flagged / max(t.stories, 1)
    return f"{name:<16}{t.stories:>8}{t.empty:>7}{cells}{t.flagged:>9}{share:>8.1f}%"


def print_table(rows: Sequence[tuple[str, Tally]]) -> None:
    print(
        f"{'week / set':<16}{'stories':>8}{'empty':>7}"
        + "".join(f"{r:>12}" for r in RULES)
        + f"{'flagged':>9}{'share':>9}"
    )
    for name, t in rows:
        print(_row(name, t))
    print("\nempty summaries by story kind (paper = has a paper; repo = repos only; post = the rest):")
    for name, t in rows:
        parts = ", ".join(f"{k} {e}/{n}" for k, (e, n) in sorted(t.empty_by_kind.items()))
        print(f"  {name:<16}{parts}")


def print_examples(rows: Sequence[tuple[str, Tally]], n: int) -> None:
    for rule in RULES:
        shown = [
            f"  [{name}] {ex}" for name, t in rows if name.endswith("all") for ex in t.examples[rule][:n]
        ]
        if shown:
            print(f"\n{rule}: examples that remain")
            print("\n".join(shown))


def print_digest(folder: str, top: Digest) -> None:
    print(f"\n--- {folder} ({top.week}) lead ---\n{top.lead}")
    for tid, intro in (top.topic_intros or lead.topic_intros(top.stories)).items():
        print(f"  intro [{tid}]: {intro}")
    print(f"--- {folder} top 10 ---")
    for s in top.stories[:10]:
        print(f"{s.rank:>3}. {s.title[:70]}\n     {s.summary or '(no summary)'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    ap.add_argument("--weeks", nargs="*", default=list(WEEKS))
    ap.add_argument("--examples", type=int, default=3)
    ap.add_argument("--quiet", action="store_true", help="only the table")
    args = ap.parse_args()
    rows: list[tuple[str, Tally]] = []
    digests = {}
    for folder in args.weeks:
        start = time.perf_counter()
        top, everything = week_summaries(Path(args.data), folder)
        digests[folder] = top
        rows += [(f"{folder} top 30", tally(top.stories)), (f"{folder} all", everything)]
        took = time.perf_counter() - start
        print(f"{folder}: {everything.stories} stories summarized in {took:.1f} s", flush=True)
    print()
    print_table(rows)
    if not args.quiet:
        print_examples(rows, args.examples)
        for folder, top in digests.items():
            print_digest(folder, top)


if __name__ == "__main__":
    main()
