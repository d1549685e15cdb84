"""AI relevance on hand-labelled Hacker News titles: precision, recall, F1, overall and per week.

    python -m benchmarks.relevance [--data ../shared/data] [--quiet]

`benchmarks/labels/relevance.json` holds every HN story of the three recorded weeks
(w1 = 2025-W16, w17, w18), each labelled by hand `ai: true|false` from its title (and,
where the title was unclear, the page it links). The items are parsed from the recorded
files as `hub import` parses them (title and text), scored by
`hub.analysis.relevance.item_relevance`, and called AI at >= 0.5. The classifier is a
lexicon, not trained on these labels, so there is no train/test split to report; the
per-week figures show how much it varies between weeks. Beside it, a baseline that is
trained on the labels: a bag-of-words logistic regression over titles (scikit-learn),
measured leave-one-week-out (trained on two weeks, tested on the third); and a held-out
check on 110 GitHub trending repos of the same weeks (`labels/relevance_repos.json`,
labelled after the lexicon was final and never tuned on). Also printed:
every misclassified title with its score and the cues found, and the throughput.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from hub import sources
from hub.analysis import relevance
from hub.types import Item

LABELS = Path(__file__).parent / "labels" / "relevance.json"
# 110 GitHub trending repos of the same weeks, labelled by hand after the lexicon was done:
# a sample the lexicon was never adjusted on.
REPO_LABELS = Path(__file__).parent / "labels" / "relevance_repos.json"
WEEKS = ("w1", "w17", "w18")


def load_items(data: Path, source: str = "hackernews") -> dict[str, Item]:
    items: dict[str, Item] = {}
    for week in WEEKS:
        for f in sorted((data / week / source).glob("*.*")):
            for it in sources.parse(f.read_bytes(), f.name).items:
                items.setdefault(it.id, it)
    return items


def prf(pairs: list[tuple[bool, bool]]) -> tuple[float, float, float, int]:
    """(predicted, true) pairs -> precision, recall, F1, count."""
    tp = sum(p and t for p, t in pairs)
    fp = sum(p and not t for p, t in pairs)
    fn = sum(t and not p for p, t in pairs)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, len(pairs)


def trained_baseline(labels: list[dict]) -> dict[str, list[tuple[bool, bool]]]:  # type: ignore[type-arg]
    """Leave-one-week-out (predicted, true) pairs of a logistic regression over title words."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    out = {}
    for week in WEEKS:
        train = [lab for lab in labels if lab["week"] != week]
        test = [lab for lab in labels if lab["week"] == week]
        model = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            LogisticRegression(class_weight="balanced", max_iter=1000),
        )
        model.fit([lab["title"] for lab in train], [lab["ai"] for lab in train])
        predicted = model.predict([lab["title"] for lab in test])
        out[week] = [(bool(p), lab["ai"]) for p, lab in zip(predicted, test, strict=True)]
    return out


def _table(title: str, rows: dict[str, list[tuple[bool, bool]]]) -> None:
    print(title)
    print(f"{'week':<8}{'precision':>10}{'recall':>8}{'F1':>7}{'titles':>8}")
    for week, pairs in [*rows.items(), ("all", [p for v in rows.values() for p in v])]:
        p, r, f, n = prf(pairs)
        print(f"{week:<8}{p:>10.3f}{r:>8.3f}{f:>7.3f}{n:>8}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    ap.add_argument("--quiet", action="store_true", help="no list of misclassified titles")
    args = ap.parse_args()
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    items = load_items(Path(args.data))
    start = time.perf_counter()
    scores = {lab["id"]: relevance.item_relevance(items[lab["id"]]) for lab in labels}
    seconds = time.perf_counter() - start
    rows: dict[str, list[tuple[bool, bool]]] = {w: [] for w in WEEKS}
    wrong = []
    for lab in labels:
        predicted = scores[lab["id"]] >= 0.5
        rows[lab["week"]].append((predicted, lab["ai"]))
        if predicted != lab["ai"]:
            wrong.append(lab)
    n_ai = sum(lab["ai"] for lab in labels)
    _table(f"AI relevance on {len(labels)} hand-labelled HN titles ({n_ai} AI), called AI at >= 0.5", rows)
    _table("\nbaseline: logistic regression over title words, leave-one-week-out", trained_baseline(labels))
    repos = json.loads(REPO_LABELS.read_text(encoding="utf-8"))
    repo_items = load_items(Path(args.data), "github_trending")
    pairs = [(relevance.item_relevance(repo_items[lab["id"]]) >= 0.5, lab["ai"]) for lab in repos]
    held_out = f"\nheld out: {len(repos)} GitHub trending repos (name + description), never tuned on"
    _table(held_out, {"repos": pairs})
    start = time.perf_counter()
    for lab in labels:
        relevance.text_relevance(lab["title"])
    titles_only = time.perf_counter() - start
    print(
        f"throughput (one process): {len(labels) / seconds:,.0f} items/s (title + text), "
        f"{len(labels) / titles_only:,.0f} titles/s (title only)"
    )
    if not args.quiet:
        print(f"\nmisclassified ({len(wrong)}):")
        for lab in wrong:
            it = items[lab["id"]]
            cues = relevance.evidence(it.title)
            kind = "missed AI" if lab["ai"] else "false AI "
            print(f"  {kind} {scores[lab['id']]:.2f} {lab['title']}  {cues}")


if __name__ == "__main__":
    main()
