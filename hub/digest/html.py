"""Digest -> self-contained HTML (feeds, email) and plain text (email). Pure.

Every string from the web is HTML-escaped; only http(s) URLs become links. The
email HTML carries its light-scheme CSS inline (clients drop <style> blocks) and one
small <style> block with the dark scheme (a media query cannot be inline); both
schemes keep text and links at a contrast of at least 4.5:1.
The email opens on the stories, in sections: top stories, tools and repos, papers,
more stories; no raw scores (they mean nothing to a reader).
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence
from urllib.parse import urlsplit

from hub.digest.render import article_url, evidence, is_paper, item_label, shown_topic, story_links
from hub.safetext import one_line, xml_safe
from hub.types import Digest, DigestStory

TOP = 5  # stories in the "Top stories" section
SUBJECT_MAX = 80
# Light scheme (inline): contrast on #ffffff: text 17.7:1, links 6.7:1, muted 7.6:1.
_BG, _FG, _LINK, _MUTED_FG = "#ffffff", "#111827", "#1d4ed8", "#4b5563"
_A = f"color:{_LINK};text-decoration:underline"
_MUTED = f"color:{_MUTED_FG};font-size:13px"
_FONT = "font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif"
# Dark scheme: contrast on #111827: text 14.3:1, links 9.8:1, muted 7.0:1.
_DARK_CSS = (
    "@media (prefers-color-scheme: dark) {"
    " .hub-mail, body { background:#111827 !important; color:#e5e7eb !important; }"
    " .hub-mail a { color:#93c5fd !important; }"
    " .hub-mail .hub-muted { color:#9ca3af !important; }"
    " .hub-mail hr { border-top-color:#4b5563 !important; } }"
)


def esc(s: str) -> str:
    """One line of escaped HTML text (the one way a string enters the feeds' and emails' HTML)."""
    return html.escape(one_line(s), quote=True)


def http_url(url: str) -> str | None:
    url = url.strip()
    return url if urlsplit(url).scheme.lower() in ("http", "https") and " " not in url else None


def _link(text: str, url: str, style: str = _A) -> str:
    href = http_url(url)
    return f'<a href="{esc(href)}" style="{style}">{esc(text)}</a>' if href else esc(text)


def _href(text: str, url: str) -> str:
    """A link to a page of the site: relative when site.url is empty (feeds), else absolute."""
    return f'<a href="{esc(url)}" style="{_A}">{esc(text)}</a>' if url else ""


def _kind(s: DigestStory) -> str:
    if is_paper(s):
        return "papers"
    if any(it.kind in ("repo", "release") for it in s.items):
        return "tools"
    return "more"


SECTIONS = (
    ("top", "Top stories"),
    ("tools", "Tools and repos"),
    ("papers", "Papers"),
    ("more", "More stories"),
)


def sections(stories: Sequence[DigestStory], top: int = TOP) -> list[tuple[str, list[DigestStory]]]:
    """(heading, stories) in rank order: the best `top`, then the rest by kind; empty ones left out."""
    ordered = sorted(stories, key=lambda s: s.rank)
    groups: dict[str, list[DigestStory]] = {key: [] for key, _ in SECTIONS}
    groups["top"] = ordered[:top]
    for s in ordered[top:]:
        groups[_kind(s)].append(s)
    return [(title, groups[key]) for key, title in SECTIONS if groups[key]]


def _meta_line(s: DigestStory) -> str:
    main, _ = story_links(s)
    parts = [esc(s.topic_name)] if shown_topic(s.topic) else []
    parts += [_link(label, url) + (f" ({esc(ev)})" if ev else "") for label, url, ev in main]
    return " · ".join(parts)


def story_html(s: DigestStory, page_url: str = "") -> str:
    title = _link(s.title, article_url(s) or page_url)
    return (
        f'<div style="margin:0 0 22px 0">'
        f'<div style="font-size:17px;font-weight:600;line-height:1.35">{s.rank}. {title}</div>'
        f'<div class="hub-muted" style="{_MUTED};margin:2px 0 6px 0">{_meta_line(s)}</div>'
        f'<div style="font-size:15px;line-height:1.5;margin:0 0 6px 0">{esc(s.summary)}</div></div>'
    )


def digest_html(d: Digest, *, page_url: str = "", limit: int | None = None) -> str:
    """The digest as an HTML fragment in sections (feed entry content, email body)."""
    out = [f'<p style="font-size:15px;line-height:1.5">{esc(d.lead)}</p>'] if d.lead.strip() else []
    for title, group in sections(d.stories[:limit]):
        out.append(f'<h2 style="font-size:19px;margin:26px 0 12px 0">{esc(title)}</h2>')
        out += [story_html(s, page_url) for s in group]
    if page_url:
        out.append(
            f'<p class="hub-muted" style="{_MUTED}">{_href("Read this digest on the site", page_url)}</p>'
        )
    return "".join(out)


def subject(d: Digest, brand: str, limit: int = SUBJECT_MAX) -> str:
    """'<top headline> and N more · <brand>', at most `limit` characters: the headline is
    what an inbox shows first, so it goes first and is cut (with …) only when it must be."""
    if not d.stories:
        return f"No stories this week · {brand}"[:limit]
    top = " ".join(sorted(d.stories, key=lambda s: s.rank)[0].title.split())
    more = f" and {len(d.stories) - 1} more" if len(d.stories) > 1 else ""
    tail = f"{more} · {brand}"
    room = limit - len(tail)
    if room < 12:  # a brand too long to fit: keep the headline
        tail, room = more, limit - len(more)
    if len(top) > room:
        top = top[: room - 1].rstrip(" ,;:–—-") + "…"
    return top + tail


def email_html(d: Digest, *, site_title: str, page_url: str, unsubscribe_url: str) -> str:
    body = digest_html(d, page_url=page_url)
    box = f"background:{_BG};color:{_FG};max-width:640px;margin:0 auto;padding:24px 16px;{_FONT}"
    dates = f"week {esc(d.week)} · {d.start:%b %d} – {d.end:%b %d, %Y}"
    unsub = _link("Unsubscribe", unsubscribe_url) if http_url(unsubscribe_url) else _mailto(unsubscribe_url)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark"><meta name="supported-color-schemes" content="light dark">
<title>{esc(site_title)} {esc(d.week)}</title>
<style>{_DARK_CSS}</style></head>
<body style="margin:0;padding:0;background:{_BG};color:{_FG}">
<div class="hub-mail" style="{box}">
<div class="hub-muted" style="{_MUTED};margin:0 0 4px 0">{esc(site_title)} · {dates}</div>
{body}
<hr style="border:none;border-top:1px solid #9ca3af;margin:24px 0 12px 0">
<p class="hub-muted" style="{_MUTED}">You receive this because you subscribed to {esc(site_title)}.
{unsub}.</p>
</div></body></html>
"""


def _mailto(url: str) -> str:
    """The unsubscribe mailto link (writes the request to the maintainer)."""
    return (
        f'<a href="{esc(url)}" style="{_A}">Unsubscribe</a>' if url.startswith("mailto:") else "Unsubscribe"
    )


def digest_text(d: Digest, *, site_title: str, page_url: str, unsubscribe_url: str) -> str:
    """The plain-text part: readable in any client, links spelled out, same sections."""
    lines = [f"{site_title} — week {d.week} ({d.start:%b %d} – {d.end:%b %d, %Y})", ""]
    if d.lead.strip():
        lines += [textwrap.fill(" ".join(d.lead.split()), 78), ""]
    for title, group in sections(d.stories):
        lines += [title.upper(), ""]
        for s in group:
            lines += _story_text(s)
    if page_url:
        lines.append(f"On the web: {page_url}")
    lines.append(f"Unsubscribe: {unsubscribe_url}")
    return xml_safe("\n".join(lines)) + "\n"


def _story_text(s: DigestStory) -> list[str]:
    lines = [f"{s.rank}. {' '.join(s.title.split())}"]
    if url := http_url(article_url(s)):
        lines.append(f"   {url}")
    if s.summary:
        lines.append(textwrap.indent(textwrap.fill(" ".join(s.summary.split()), 74), "   "))
    main, _ = story_links(s)
    lines += [f"   {label}: {u}" + (f" ({ev})" if ev else "") for label, u, ev in main if http_url(u)]
    return [*lines, ""]


__all__ = ["digest_html", "digest_text", "email_html", "evidence", "item_label", "sections", "subject"]
