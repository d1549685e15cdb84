"""Digest -> Markdown: every web string is inert, every story links its sources.

The digests are built from real recorded records (tests/data/render, see PROVENANCE.md);
the hostile strings are written here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import markdown
import pytest
import yaml

from hub.digest import render
from hub.types import Digest, DigestItem, DigestStory, TopicCount

DATA = Path(__file__).parent / "data" / "render"
HN = {r["id"]: r for r in map(json.loads, (DATA / "hn_2025-04-14.jsonl").read_text().splitlines())}
ARXIV = {r["id"]: r for r in map(json.loads, (DATA / "arxiv_2025-04-14.jsonl").read_text().splitlines())}
TOPICS = {
    "training": "Training & fine-tuning",
    "agents": "Agents",
    "inference": "Inference",
    "evals": "Evals",
}
# rank -> (topic, record keys): "hn:<id>" (plus its GitHub/arXiv target) or "arxiv:<id>"
SPEC: list[tuple[str, tuple[str, ...]]] = [
    ("training", ("hn:43674825",)),  # GRPO from scratch -> a GitHub repo
    ("agents", ("arxiv:2504.07981",)),  # ScreenSpot-Pro
    ("training", ("hn:43676837",)),  # NoProp -> an arXiv paper
    ("agents", ("hn:43681287",)),
    ("inference", ("hn:43682088",)),  # DeepSeek inference engine -> GitHub
    ("evals", ("arxiv:2504.07982",)),
    ("agents", ("hn:43676771",)),
    ("inference", ("arxiv:2504.07986",)),
]
PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "</title><script>alert('x')</script> & \"quotes\"",
]
MD_EXTENSIONS = ["admonition", "pymdownx.details", "pymdownx.superfences", "attr_list", "tables", "toc"]


def hn_items(rec: dict) -> list[DigestItem]:
    """The HN thread, plus the paper or repo it points to (what resolve would join)."""
    url = rec.get("url", "")
    thread = DigestItem(
        f"hn:{rec['id']}",
        "thread",
        f"https://news.ycombinator.com/item?id={rec['id']}",
        "hn",
        points=rec["score"],
        comments=rec["descendants"],
        target_url=url,
    )
    if m := re.search(r"arxiv\.org/abs/(\d{4}\.\d{4,5})", url):
        return [DigestItem(f"arxiv:{m[1]}", "paper", url, "arxiv"), thread]
    if m := re.search(r"github\.com/([^/]+/[^/]+)", url):
        return [DigestItem(f"gh:{m[1].lower()}", "repo", url, "github"), thread]
    return [thread]


def real_story(rank: int, topic: str, key: str) -> DigestStory:
    kind, _, rid = key.partition(":")
    if kind == "hn":
        rec = HN[int(rid)]
        items, title = hn_items(rec), rec["title"]
        summary = "" if rec.get("summary", "").startswith("http") else rec.get("summary", "")
        breakdown = {"hn_points": rec["score"] / 500, "hn_comments": rec["descendants"] / 500}
    else:
        rec = ARXIV[rid]
        items = [DigestItem(f"arxiv:{rid}", "paper", rec["abs"], "arxiv", rec["title"])]
        title, summary, breakdown = rec["title"], rec["summary"].split(". ")[0] + ".", {"recency": 0.4}
    return DigestStory(
        rank=rank,
        story_id=f"s{rank}",
        title=title,
        topic=topic,
        topic_name=TOPICS[topic],
        score=sum(breakdown.values()) + 1.0,
        breakdown={**breakdown, "relevance": 1.0, "off_topic_penalty": 0.0},
        summary=summary,
        items=tuple(items),
    )


def real_digest(week: str = "2025-W16", *, lead: str = "", extra: tuple[DigestStory, ...] = ()) -> Digest:
    monday = dt.date.fromisocalendar(int(week[:4]), int(week[-2:]), 1)
    stories = tuple(real_story(n, t, k[0]) for n, (t, k) in enumerate(SPEC, 1)) + extra
    return Digest(
        week=week,
        start=monday,
        end=monday + dt.timedelta(days=6),
        stories=stories,
        lead=lead,
        topic_counts=(
            TopicCount("agents", "Agents", 12, 7),
            TopicCount("training", "Training & fine-tuning", 6, 0),
            TopicCount("inference", "Inference", 4, 5),
            TopicCount("evals", "Evals", 2, 2),
        ),
        stats={
            "items": 1247,
            "papers": 1100,
            "repos": 70,
            "posts": 77,
            "stories": 980,
            "last_week_stories": 40,
        },
    )


def hostile_story(rank: int, payload: str, field: str) -> DigestStory:
    """A story whose `field` (title/summary/source/topic/url) carries the payload."""
    url = payload if field == "url" else "https://example.org/post"
    source = payload if field == "source" else "hn"
    return DigestStory(
        rank=rank,
        story_id=f"x{rank}",
        title=payload if field == "title" else "A title",
        topic="hostile" if field == "topic" else "x",
        topic_name=payload if field == "topic" else "X",
        score=0.5,
        breakdown={payload if field == "signal" else "hn_points": 0.5},
        summary=payload if field == "summary" else "A summary.",
        items=(
            DigestItem("url:x", "post", url, source),
            DigestItem("hn:1", "thread", "javascript:alert(1)", "hn"),
        ),
    )


def to_html(page: str) -> str:
    """The page body as MkDocs would convert it (same extensions as mkdocs.yml)."""
    body = page.split("---\n", 2)[-1] if page.startswith("---\n") else page
    return markdown.markdown(body, extensions=MD_EXTENSIONS)


def front_matter(page: str) -> dict:
    assert page.startswith("---\n")
    return yaml.safe_load(page.split("---\n", 2)[1])


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


# --- content ---------------------------------------------------------------------------


def test_every_story_links_all_its_sources() -> None:
    d = real_digest()
    html = to_html(render.digest_markdown(d, site_title="hub"))
    links = hrefs(html)
    for s in d.stories:
        for it in s.items:
            assert it.url.replace("&", "&amp;") in links or it.url in links, (s.title, it.url)
            if it.id.startswith("arxiv:"):
                assert f"https://arxiv.org/pdf/{it.id[6:]}" in links
        assert html.count(f'id="story-{s.rank}"') == 1
    labels = set(re.findall(r'<a href="[^"]+">(Paper|PDF|Code|HN thread)</a>', html))
    assert labels == {"PDF", "HN thread"}  # the paper's and the repo's own pages are the titles'
    first = HN[43674825]
    assert f"({first['score']} points, {first['descendants']} comments)" in html  # evidence
    assert all(
        h.startswith(("https://", "../topics/", "../archive.md", "../subscribe.md", "#")) for h in links
    )


def test_story_title_links_to_its_first_item_and_shows_real_text() -> None:
    d = real_digest()
    html = to_html(render.digest_markdown(d, site_title="hub"))
    grpo = d.stories[0]
    title = grpo.title.replace("'", "&#x27;")
    assert f'<a href="{grpo.items[0].url}">{title}</a>' in html
    assert "Everything wrong with MCP" in html


def test_topic_sections_are_ordered_by_their_best_story() -> None:
    html = to_html(render.digest_markdown(real_digest(), site_title="hub"))
    sections = re.findall(r"<h2[^>]*>(.*?)<", html)
    assert sections == ["Training &amp; fine-tuning", "Agents", "Inference", "Evals", "The week in numbers"]
    training, agents = (html.index(f'<h2 id="{t}">') for t in ("training-fine-tuning", "agents"))
    assert training < html.index('id="story-1"') < html.index('id="story-3"') < agents


def test_front_matter_is_valid_yaml_with_date_and_topic_tags() -> None:
    page = render.digest_markdown(real_digest(), site_title='A "quoted": title # not a comment')
    meta = front_matter(page)
    assert meta["title"] == "Week 2025-W16"
    assert meta["date"] == "2025-04-20"
    assert "tags" not in meta  # tag chips above the lead pushed the stories down
    assert "A &quot;quoted&quot;: title # not a comment" in meta["description"]


def test_numbers_and_movers() -> None:
    page = render.digest_markdown(real_digest(), site_title="hub")
    html = to_html(page)
    assert "## The week in numbers" in page and "<strong>1,247</strong> items" in html
    assert "last_week" not in page and "<table" in html and "| topic | stories | last week | trend |" in page
    assert page.index("### 8.") < page.index("## The week in numbers")  # the stories come first
    assert "**New topics:** [Training &amp; fine\\-tuning](../topics/training.md)" in page
    assert "**Rising:** [Agents](../topics/agents.md) (7 → 12)" in page
    assert "Inference](../topics/inference.md) (5" not in page  # falling is not rising


def test_no_new_or_rising_when_last_week_was_not_covered() -> None:
    d = real_digest()
    d = Digest(d.week, d.start, d.end, d.stories, topic_counts=d.topic_counts, stats={"last_week_stories": 0})
    page = render.digest_markdown(d, site_title="hub")
    assert "New topics" not in page and "Rising" not in page and "| new |" not in page
    assert "| topic | stories |\n" in page and "last week" not in page and "<svg" not in page


def test_lead_is_kept_or_composed_from_the_data() -> None:
    assert "A real week\\." in render.digest_markdown(real_digest(lead="A real week."), site_title="hub")
    page = render.digest_markdown(real_digest(), site_title="hub")
    assert "8 stories from 1247 items this week. Top topics: Agents, Training &amp; fine\\-tuning" in page


def test_lead_citations_link_the_cited_story_cards() -> None:
    d = real_digest(lead="The week's top story [1]. Not a rank here [99].")
    html = markdown.markdown(render.digest_markdown(d, site_title="hub"), extensions=["attr_list"])
    assert '<a href="#story-1">[1]</a>' in html and "#story-99" not in html and "[99]" in html
    assert 'id="story-1"' in html  # the card it points at


def test_why_this_is_here_lists_nonzero_signals_largest_first() -> None:
    page = render.digest_markdown(real_digest(), site_title="hub")
    block = page[page.index('??? note "Why this is here"') :].split("\n\n###")[0]
    assert "relevance to AI engineering: +1.00" in block and "off-topic" not in block
    values = [float(v) for v in re.findall(r": ([+-]\d+\.\d+)$", block, re.M)]
    assert values == sorted(values, key=abs, reverse=True) and len(values) == 3
    html = to_html(page)
    assert '<details class="note">\n<summary>Why this is here</summary>' in html


def test_index_is_the_latest_digest_or_a_friendly_page() -> None:
    latest = render.index_markdown(real_digest(), site_title="hub")
    assert "[permalink](digests/2025-W16.md)" in latest and "(topics/agents.md)" in latest
    empty = render.index_markdown(None, site_title="<b>hub</b>")
    assert "No digest yet" in empty and "&lt;b&gt;hub&lt;/b&gt;" in empty and "<b>" not in empty


def test_archive_is_newest_first_with_counts_and_top_titles() -> None:
    old, new = real_digest("2025-W15"), real_digest("2025-W16")
    old = Digest(old.week, old.start, old.end, old.stories[:1])
    page = render.archive_markdown([old, new])
    assert page.index("2025-W16") < page.index("2025-W15")
    assert "[Week 2025\\-W16](digests/2025-W16.md)" in page
    assert "8 stories" in page and "1 story" in page
    assert "ScreenSpot\\-Pro" in page.split("2025\\-W15")[0]
    assert "No digests yet" in render.archive_markdown([])


def test_topic_page_groups_by_week_newest_first_linking_back() -> None:
    w15, w16 = real_digest("2025-W15"), real_digest("2025-W16")
    entries = [("2025-W15", w15.stories[0]), ("2025-W16", w16.stories[2]), ("2025-W16", w16.stories[0])]
    page = render.topic_markdown("training", "Training & fine-tuning", entries)
    assert front_matter(page) == {
        "title": "Training &amp; fine-tuning",
        "feed": "topics/training",
    }
    assert 'href="../feeds/topics/training.rss.xml"' in page and "feeds/topics/training.json" in page
    weeks = re.findall(r"^## \[Week (\S+)\]\((\S+)\)$", page, re.M)
    assert weeks == [("2025\\-W16", "../digests/2025-W16.md"), ("2025\\-W15", "../digests/2025-W15.md")]
    w16_part = page.split("## [Week 2025\\-W15]")[0]
    assert w16_part.index("(../digests/2025-W16.md#story-1)") < w16_part.index("#story-3)")
    assert "No story" in render.topic_markdown("t", "T", [])


def test_topics_index_lists_topics_by_story_count() -> None:
    page = render.topics_index_markdown(
        [("evals", "Evals", 1, "2025-W15"), ("agents", "Agents", 5, "2025-W16")]
    )
    assert page.index("[Agents](agents.md)") < page.index("[Evals](evals.md)")
    assert "[2025\\-W16](../digests/2025-W16.md)" in page


# --- security ---------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["title", "summary", "source", "topic", "url", "signal"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_strings_stay_visible_text(payload: str, field: str) -> None:
    d = real_digest(extra=(hostile_story(9, payload, field),))
    pages = [render.digest_markdown(d, site_title=payload), render.index_markdown(d, site_title=payload)]
    pages.append(
        render.topic_markdown(d.stories[-1].topic, d.stories[-1].topic_name, [(d.week, d.stories[-1])])
    )
    pages.append(render.archive_markdown([d]))
    for page in pages:
        html = to_html(page)
        assert "<img" not in html and "<script" not in html and "</title>" not in html
        assert not any(h.lower().startswith(("javascript:", "data:")) for h in hrefs(html))
        assert not re.search(r"<a [^>]*>x</a>", html)  # "[x](javascript:...)" is not a link
        for value in _strings(front_matter(page)):
            assert "<" not in value and ">" not in value  # the theme prints these unescaped
    if field in ("title", "summary", "topic"):
        visible = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        visible = visible.replace('"', "&quot;").replace("'", "&#x27;")
        assert visible in to_html(pages[0])


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


def test_markdown_syntax_in_web_text_is_inert() -> None:
    s = "**bold** _it_ `code` # not a heading | pipe ~tilde~ {: .x} ![img](https://e.org/i.png)"
    html = to_html(render.text(s))
    assert "<strong>" not in html and "<em>" not in html and "<code>" not in html and "<img" not in html
    assert "~tilde~" in html and "\\" not in html  # nothing escaped needlessly
    for block in ('??? note "x"', "!!! danger", "~~~", "```", "# h", "1. item", "- item", "> quote", "==="):
        out = to_html(render.text(block))
        assert out.startswith("<p>") and "<details" not in out and "<div" not in out and "<pre" not in out


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,hi",
        "vbscript:x",
        "//evil.org/x",
        "https:///nohost",
        "",
        "mailto:a@b.org",
    ],
)
def test_only_http_urls_become_links(url: str) -> None:
    assert render.safe_href(url) is None
    assert render.link("x", url) == "x"


def test_urls_are_percent_encoded_inside_links() -> None:
    assert render.link("a)b", "https://e.org/a b(c)") == "[a\\)b](https://e.org/a%20b%28c%29)"
    assert render.safe_href("https://e.org/\"'<>") == "https://e.org/%22%27%3C%3E"
    assert render.safe_href("https://e.org/?q=a&b=%20") == "https://e.org/?q=a&b=%20"


def test_slugs_are_safe_file_names() -> None:
    assert render.slug("2025-W16") == "2025-W16"
    assert render.slug("../../etc/passwd") == "etc-passwd"
    assert render.slug("<x>") == "x" and render.slug("///") == "untitled"


# --- reader first: story cards, topic pages, papers page, subscribe -------------------


def _link_post() -> DigestStory:
    """A recorded HN link post (Everything wrong with MCP -> blog.sshh.io) with a second thread."""
    rec = HN[43676771]
    return DigestStory(
        rank=1,
        story_id="s-link",
        title=rec["title"],
        topic="models",
        topic_name="Model releases",
        score=2.0,
        breakdown={"hn_points": 1.0},
        summary="A summary.",
        items=(
            DigestItem(
                "hn:43676771",
                "thread",
                "https://news.ycombinator.com/item?id=43676771",
                "hn",
                points=rec["score"],
                comments=rec["descendants"],
                target_url=rec["url"],
            ),
            DigestItem("hn:1", "thread", "https://news.ycombinator.com/item?id=1", "hn", points=120),
        ),
    )


def test_a_link_post_title_opens_the_article_and_threads_show_their_evidence() -> None:
    story = _link_post()
    html = to_html(render.story_block(story))
    assert '<a href="https://blog.sshh.io/p/everything-wrong-with-mcp">Everything wrong with MCP</a>' in html
    rec = HN[43676771]
    expected = f">HN thread</a> ({rec['score']} points, {rec['descendants']} comments)"
    assert expected in html
    also = html[html.index("Also discussed") :]
    assert "item?id=1" in also and "(120 points)" in also and "43676771" not in also
    assert html.index("A summary.") < html.index("Also discussed") < html.index("Why this is here")


def test_a_paper_title_opens_its_abstract_page_with_pdf_hf_and_code_beside_it() -> None:
    rid = "2504.07981"
    story = DigestStory(
        1,
        "s-p",
        ARXIV[rid]["title"],
        "agents",
        "Agents",
        1.0,
        {},
        "",
        (
            DigestItem(
                f"arxiv:{rid}", "paper", ARXIV[rid]["abs"], "arxiv", code_url="https://github.com/a/b"
            ),
            DigestItem(f"hf:{rid}", "paper", f"https://huggingface.co/papers/{rid}", "hf", upvotes=42),
        ),
    )
    assert render.article_url(story) == ARXIV[rid]["abs"]
    html = to_html(render.story_block(story))
    assert (
        ">PDF</a>" in html
        and ">HF</a> (42 upvotes)" in html
        and 'href="https://github.com/a/b">Code<' in html
    )


def test_a_paper_known_only_from_hugging_face_opens_on_arxiv_with_its_upvotes() -> None:
    rid = "2504.07981"  # an HF daily paper is an arXiv paper: same id
    hf = DigestItem(f"hf:{rid}", "paper", f"https://huggingface.co/papers/{rid}", "hf", upvotes=4, comments=1)
    story = DigestStory(4, "s-hf", ARXIV[rid]["title"], "agents", "Agents", 1.0, {}, "", (hf,))
    assert render.article_url(story) == f"https://arxiv.org/abs/{rid}"
    main, more = render.story_links(story)
    assert main == [
        ("PDF", f"https://arxiv.org/pdf/{rid}", ""),
        ("HF", f"https://huggingface.co/papers/{rid}", "4 upvotes, 1 comment"),
    ]
    assert more == []


def test_a_self_post_shows_its_points_though_the_title_opens_its_thread() -> None:
    url = "https://news.ycombinator.com/item?id=43782299"  # Ask HN (W17): no article to open
    ask = DigestItem("hn:43782299", "thread", url, "hn", points=177, comments=333)
    story = DigestStory(
        26,
        "s-ask",
        "Ask HN: Share your AI prompt that stumps every model",
        "code",
        "Code",
        1.0,
        {},
        "",
        (ask,),
    )
    assert render.article_url(story) == url
    assert render.story_links(story) == ([("HN thread", url, "177 points, 333 comments")], [])


def test_emerging_and_other_topics_are_neither_shown_nor_linked() -> None:
    d = real_digest()
    odd = DigestStory(
        9, "s9", "A clustered story", "emerging-obi-wetland", "Obi / Wetland / Air", 0.5, {}, "", ()
    )
    counts = (*d.topic_counts, TopicCount("emerging-obi-wetland", "Obi / Wetland / Air", 40, 0))
    d = Digest(d.week, d.start, d.end, (*d.stories, odd), topic_counts=counts, stats=d.stats)
    page = render.digest_markdown(d, site_title="hub", linked={"agents"})
    assert "Obi" not in page and "## More stories" in page
    assert "[Agents](../topics/agents.md)" in page
    assert (
        "(../topics/inference.md)" not in page and "| Inference | 4 | 5 | falling |" in page
    )  # no page: no link
    assert (
        render.topics_index_markdown([("emerging-x", "X / Y", 3, "2025-W16"), ("rag", "RAG", 0, "")]).count(
            "|"
        )
        == 0
    )


def test_topic_page_lists_every_story_of_the_week_then_earlier_digests() -> None:
    w15, w16 = real_digest("2025-W15"), real_digest("2025-W16")
    week = [w16.stories[0], w16.stories[2]]
    entries = [("2025-W15", w15.stories[0]), ("2025-W16", w16.stories[0])]
    page = render.topic_markdown(
        "training", "Training", entries, week="2025-W16", this_week=week, in_digest={"s1": 1}
    )
    assert "## Week 2025\\-W16: 2 stories" in page and page.count("#### ") == 2
    assert "[#1 in the digest](../digests/2025-W16.md#story-1)" in page
    assert page.index("## Earlier digests") > page.index("#### ")
    assert "### [Week 2025\\-W15](../digests/2025-W15.md)" in page
    assert "[Week 2025\\-W16]" not in page  # this week's digest stories are in the full list
    html = to_html(page)
    assert "data-search-exclude" in html  # summaries and papers: found elsewhere, not indexed twice


def test_papers_page_groups_every_paper_by_topic_one_heading_each() -> None:
    d = real_digest()
    page = render.papers_markdown(d.week, d.stories, {"s2": 2})
    papers = [s for s in d.stories if render.is_paper(s)]
    assert page.count("#### ") == len(papers) == 4
    assert front_matter(page)["hide"] == ["toc"]
    assert "## Agents (1)" in page and "[#2 in the digest](../digests/2025-W16.md#story-2)" in page
    assert "Everything wrong with MCP" not in page  # a discussion, not a paper
    assert "No papers this week" in render.papers_markdown("2025-W16", [], {})


def test_subscribe_lists_every_topic_feed_and_installs_from_the_clone() -> None:
    page = render.subscribe_markdown([("agents", "Agents"), ("rag", "RAG & retrieval")])
    for stem in ("digest", "topics/agents", "topics/rag"):
        for ext in (".rss.xml", ".atom.xml", ".json"):
            assert f'href="feeds/{stem}{ext}"' in page
    assert "pip install hub" not in page and "pip install -e ." in page and "git clone" in page
    assert "One-Click" not in page and "by hand" in page
