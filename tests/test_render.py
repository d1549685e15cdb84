"""Digest -> Markdown: every web string is inert, every story links its sources."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import markdown
import yaml

from hub.digest import render
from hub.types import Digest, DigestItem, DigestStory, TopicCount

HN = json.loads((Path(__file__).parent / "data" / "sources" / "hn_2025-04-15.json").read_text())
PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "<script>alert('x')</script> & \"quotes\"",
    "**bold** _it_ `code` # not a heading | pipe",
]


def _story(rank: int, title: str, url: str, *, topic: str = "agents", summary: str = "") -> DigestStory:
    return DigestStory(
        rank=rank,
        story_id=f"s-{rank}",
        title=title,
        topic=topic,
        topic_name=topic.title(),
        score=1.5,
        breakdown={"hn_points": 0.9, "relevance": 1.0, "off_topic_penalty": 0.0},
        summary=summary,
        items=(
            DigestItem(f"hn:{rank}", "thread", url, "hn", title),
            DigestItem("arxiv:2504.12285", "paper", "https://arxiv.org/abs/2504.12285", "arxiv"),
        ),
    )


def _digest(stories: list[DigestStory]) -> Digest:
    return Digest(
        week="2025-W16",
        start=dt.date(2025, 4, 14),
        end=dt.date(2025, 4, 20),
        stories=tuple(stories),
        lead="A real week.",
        stats={"items": 3, "stories": 2},
        topic_counts=(TopicCount("agents", "Agents", 2, 1),),
    )


def _html(md_text: str) -> str:
    body = md_text.split("---\n", 2)[-1]
    return markdown.markdown(body, extensions=["admonition", "pymdownx.details", "attr_list", "tables"])


def test_real_titles_and_links_render() -> None:
    real = [r for r in HN if r.get("url")][:5]
    d = _digest([_story(n, r["title"], r["url"]) for n, r in enumerate(real, 1)])
    html = _html(render.digest_markdown(d, site_title="hub"))
    for r in real:
        assert f'href="{r["url"].replace("&", "&amp;")}"' in html or r["url"] in html
    assert html.count('href="https://arxiv.org/pdf/2504.12285"') == len(real)


def test_hostile_strings_render_as_visible_text() -> None:
    stories = [_story(n, p, "javascript:alert(1)", summary=p) for n, p in enumerate(PAYLOADS, 1)]
    html = _html(render.digest_markdown(_digest(stories), site_title="<b>site</b>"))
    assert (
        "<img" not in html
        and "<script" not in html
        and "javascript:" not in html.replace("javascript:alert(1))", "")
    )  # the literal text may appear only escaped in link text
    assert 'href="javascript' not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<strong>" not in html and "<code>" not in html and "<em>it</em>" not in html


def test_front_matter_is_valid_yaml() -> None:
    page = render.digest_markdown(
        _digest([_story(1, 'He said "hi": yes', "https://x.org")]), site_title='A "quoted": title'
    )
    meta = yaml.safe_load(page.split("---\n")[1])
    assert meta["title"] == '2025-W16: A "quoted": title'
    assert meta["tags"] == ["Agents"] and meta["date"] == "2025-04-20"


def test_why_this_is_here_lists_nonzero_signals() -> None:
    page = render.digest_markdown(_digest([_story(1, "t", "https://x.org")]), site_title="hub")
    assert '??? note "Why this is here (score 1.50)"' in page
    assert "relevance to AI engineering: +1.00" in page and "off-topic" not in page


def test_topic_and_archive_pages_are_newest_first() -> None:
    old = _digest([_story(1, "old story", "https://x.org/1")])
    old = Digest(week="2025-W15", start=dt.date(2025, 4, 7), end=dt.date(2025, 4, 13), stories=old.stories)
    new = _digest([_story(1, "new story", "https://x.org/2")])
    archive = render.archive_markdown([old, new])
    assert archive.index("2025-W16") < archive.index("2025-W15")
    topic = render.topic_markdown(
        "agents", "Agents", [("2025-W15", old.stories[0]), ("2025-W16", new.stories[0])]
    )
    assert topic.index("new story") < topic.index("old story")
    assert "(../digests/2025-W16.md)" in topic


def test_unsafe_urls_never_become_links() -> None:
    assert render.link("x", "javascript:alert(1)") == "x"
    assert render.link("x", "data:text/html,hi") == "x"
    assert render.link("a)b", "https://e.org/a b(c)") == "[a\\)b](https://e.org/a%20b%28c%29)"
