"""A small static SVG chart of topic volume, this week against last week. Pure.

Inline SVG (no JavaScript, no external assets): it renders in the site, offline,
and in dark mode (colors come from Material's CSS variables with fallbacks).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from hub.types import TopicCount

BAR_H, GAP, LABEL_W, WIDTH = 14, 8, 170, 560


def topic_volume_svg(counts: Sequence[TopicCount], *, compared: bool, limit: int = 12) -> str:
    rows = [c for c in counts if c.topic != "other" and (c.this_week or c.last_week)][:limit]
    if not rows:
        return ""
    peak = max(max(c.this_week, c.last_week if compared else 0) for c in rows) or 1
    span = WIDTH - LABEL_W - 50
    height = len(rows) * (BAR_H + GAP) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" style="max-width:{WIDTH}px" aria-label="Stories per topic, this week'
        f'{" and last week" if compared else ""}">'
    ]
    for n, c in enumerate(rows):
        y = 4 + n * (BAR_H + GAP)
        w = max(1.0, span * c.this_week / peak)
        parts.append(
            f'<text x="{LABEL_W - 8}" y="{y + BAR_H - 3}" text-anchor="end" font-size="12" '
            f'fill="var(--md-default-fg-color, #333)">{html.escape(c.name)}</text>'
        )
        parts.append(
            f'<rect x="{LABEL_W}" y="{y}" width="{w:.1f}" height="{BAR_H}" rx="2" '
            f'fill="var(--md-primary-fg-color, #3f51b5)"/>'
        )
        if compared:
            x = LABEL_W + span * c.last_week / peak
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 2}" y2="{y + BAR_H + 2}" '
                f'stroke="var(--md-accent-fg-color, #e91e63)" stroke-width="2"/>'
            )
        parts.append(
            f'<text x="{LABEL_W + w + 6:.1f}" y="{y + BAR_H - 3}" font-size="12" '
            f'fill="var(--md-default-fg-color--light, #666)">{c.this_week}</text>'
        )
    legend = "bars: stories this week" + (" · marks: last week" if compared else "")
    parts.append(
        f'<text x="{LABEL_W}" y="{height - 4}" font-size="11" '
        f'fill="var(--md-default-fg-color--light, #666)">{legend}</text></svg>'
    )
    return "".join(parts)
