"""Digest -> self-contained HTML (feeds, email) and plain text (email). Pure.

Every string from the web is HTML-escaped; only http(s) URLs become links. The
email HTML carries its CSS inline (clients drop <style> blocks) and declares
`color-scheme: light dark` with colors that read on either background.
"""

from __future__ import annotations

import html
import textwrap
from urllib.parse import urlsplit

from hub.types import Digest, DigestItem, DigestStory

_LABELS = {"hn": "HN thread", "reddit": "Reddit", "hf": "Hugging Face", "github": "Code"}
_A = "color:#3f51b5;text-decoration:underline"
_MUTED = "color:#6b7280;font-size:13px"
_FONT = "font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif"


def esc(s: str) -> str:
    return html.escape(" ".join(s.split()), quote=True)


def http_url(url: str) -> str | None:
    url = url.strip()
    return url if urlsplit(url).scheme.lower() in ("http", "https") and " " not in url else None


def label(item: DigestItem) -> str:
    if item.kind == "paper" and item.source == "arxiv":
        return "Paper"
    if item.kind == "release":
        return "Release"
    if item.source.startswith("feed:"):
        return "Blog"
    return _LABELS.get(item.source, item.source or item.kind)


def _link(text: str, url: str, style: str = _A) -> str:
    href = http_url(url)
    return f'<a href="{esc(href)}" style="{style}">{esc(text)}</a>' if href else esc(text)


def story_links(story: DigestStory) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for it in story.items:
        out.append((label(it), it.url))
        if it.id.startswith("arxiv:"):
            out.append(("PDF", f"https://arxiv.org/pdf/{it.id.removeprefix('arxiv:')}"))
    return list(dict.fromkeys(out))


def story_html(s: DigestStory, page_url: str) -> str:
    first = s.items[0].url if s.items else page_url
    links = " · ".join(_link(t, u) for t, u in story_links(s))
    return (
        f'<div style="margin:0 0 22px 0">'
        f'<div style="font-size:17px;font-weight:600;line-height:1.35">'
        f"{s.rank}. {_link(s.title, first)}</div>"
        f'<div style="{_MUTED};margin:2px 0 6px 0">{esc(s.topic_name)} · score {s.score:.2f}</div>'
        f'<div style="font-size:15px;line-height:1.5;margin:0 0 6px 0">{esc(s.summary)}</div>'
        f'<div style="font-size:14px">{links}</div></div>'
    )


def digest_html(d: Digest, *, site_url: str, limit: int | None = None) -> str:
    """The digest as an HTML fragment (used as feed entry content)."""
    page = f"{site_url}digests/{d.week}.html"
    stories = "".join(story_html(s, page) for s in d.stories[:limit])
    return (
        f'<p style="font-size:15px;line-height:1.5">{esc(d.lead)}</p>{stories}'
        f'<p style="{_MUTED}">{_link("Read this digest on the site", page)}</p>'
    )


def email_html(d: Digest, *, site_title: str, site_url: str, unsubscribe_url: str) -> str:
    body = digest_html(d, site_url=site_url)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark"><meta name="supported-color-schemes" content="light dark">
<title>{esc(site_title)} {esc(d.week)}</title></head>
<body style="margin:0;padding:0">
<div style="max-width:640px;margin:0 auto;padding:24px 16px;{_FONT}">
<h1 style="font-size:22px;margin:0 0 4px 0">{esc(site_title)}</h1>
<div style="{_MUTED};margin:0 0 18px 0">Week {esc(d.week)} · {d.start:%b %d} – {d.end:%b %d, %Y}</div>
{body}
<hr style="border:none;border-top:1px solid #9ca3af;margin:24px 0 12px 0">
<p style="{_MUTED}">You receive this because you subscribed to {esc(site_title)}.
{_link("Unsubscribe", unsubscribe_url, _A)}.</p>
</div></body></html>
"""


def digest_text(d: Digest, *, site_title: str, site_url: str, unsubscribe_url: str) -> str:
    """The plain-text part: readable in any client, links spelled out."""
    lines = [
        f"{site_title} — week {d.week} ({d.start:%b %d} – {d.end:%b %d, %Y})",
        "",
        textwrap.fill(" ".join(d.lead.split()), 78),
        "",
    ]
    for s in d.stories:
        lines.append(f"{s.rank}. {' '.join(s.title.split())}  [{s.topic_name}]")
        if s.summary:
            lines.append(textwrap.indent(textwrap.fill(" ".join(s.summary.split()), 74), "   "))
        lines += [f"   {t}: {u}" for t, u in story_links(s) if http_url(u)]
        lines.append("")
    lines += [f"On the web: {site_url}digests/{d.week}.html", f"Unsubscribe: {unsubscribe_url}"]
    return "\n".join(lines) + "\n"
