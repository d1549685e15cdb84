"""The digest's lead paragraph (extractive): built only from the digest's own data. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hub.types import DigestStory, TopicCount


def compose_lead(
    stories: Sequence[DigestStory], counts: Sequence[TopicCount], stats: Mapping[str, int]
) -> str:
    """An extractive lead built only from the digest's own data."""
    if not stories:
        return "No stories this week."
    top = ", ".join(s.title for s in stories[:3])
    parts = [
        f"{stats.get('items', 0)} new items this week ({stats.get('papers', 0)} papers, "
        f"{stats.get('repos', 0)} repositories, {stats.get('posts', 0)} posts and threads) "
        f"joined into {stats.get('stories', 0)} stories.",
        f"Leading: {top}.",
    ]
    rising = [c for c in counts if c.topic != "other" and c.this_week > c.last_week > 0]
    if counts and counts[0].topic != "other":
        parts.append(f"Busiest topic: {counts[0].name} ({counts[0].this_week} stories).")
    if rising:
        best = max(rising, key=lambda c: c.this_week / max(c.last_week, 1))
        parts.append(f"Rising: {best.name} ({best.last_week} → {best.this_week}).")
    return " ".join(parts)
