"""The MkDocs site: strict offline build, search index, escaping in the built HTML, scaffold."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
import yaml
from test_render import HN, hostile_story, real_digest

from hub.config import Config, SiteConfig, load_config
from hub.exceptions import PublishError
from hub.publishers import site
from hub.types import Digest

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = "<img src=x onerror=alert(1)> Totally normal title"


def _config(tmp_path: Path) -> Config:
    return load_config(None, env={}, workspace=tmp_path / "ws")


def _digests() -> list[Digest]:
    w16 = real_digest("2025-W16", extra=(hostile_story(9, HOSTILE, "title"),))
    evil = hostile_story(10, "<script>alert(1)</script>", "topic")
    return [real_digest("2025-W15", extra=(evil,)), w16]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Path]:
    config = load_config(None, env={}, workspace=tmp_path_factory.mktemp("site"))
    site.write_site(config, _digests())
    result = site.build_site(config)
    print(f"\nbuilt {result.pages} pages in {result.seconds:.2f} s")
    assert result.pages >= 10 and result.seconds > 0
    return config, Path(result.site_dir)


def test_strict_build_has_every_page_and_a_search_index(built: tuple[Config, Path]) -> None:
    _, public = built
    pages = {p.relative_to(public).as_posix() for p in public.rglob("*.html")}
    assert {"index.html", "archive.html", "about.html", "subscribe.html"} <= pages
    assert {
        "digests/2025-W16.html",
        "digests/2025-W15.html",
        "topics/index.html",
        "topics/agents.html",
    } <= pages
    index = json.loads((public / "search" / "search_index.json").read_text())
    text = " ".join(d["title"] + " " + d["text"] for d in index["docs"])
    assert HN[43676771]["title"] in text  # "Everything wrong with MCP"
    assert any(d["location"].startswith("digests/2025-W15.html") for d in index["docs"])


def test_hostile_text_is_escaped_in_every_built_file(built: tuple[Config, Path]) -> None:
    _, public = built
    page = (public / "digests" / "2025-W16.html").read_text()
    assert "&lt;img src=x onerror=alert(1)&gt; Totally normal title" in page
    for path in [*public.rglob("*.html"), public / "search" / "search_index.json"]:
        content = path.read_text()
        assert "<img src=x onerror" not in content, path
        assert "<script>alert(1)" not in content and "\\u003cscript" not in content.lower(), path


def test_links_are_http_or_relative_and_nothing_loads_from_outside(built: tuple[Config, Path]) -> None:
    _, public = built
    for path in public.rglob("*.html"):
        content = path.read_text()
        for href in re.findall(r'href="([^"]*)"', content):
            assert not re.match(r"\s*(javascript|data|vbscript):", href, re.I), (path, href)
        for tag in re.findall(r"<(?:script|img|link|iframe)\b[^>]*>", content):
            if 'rel="canonical"' not in tag:  # the canonical URL is a name, not a download
                assert not re.search(r'(src|href)="(https?:)?//', tag), (path, tag)
        assert "fonts.googleapis" not in content


def test_pages_link_each_other(built: tuple[Config, Path]) -> None:
    _, public = built
    index = (public / "index.html").read_text()
    assert 'href="digests/2025-W16.html"' in index and 'href="archive.html"' in index
    assert 'href="about.html"' in index and 'href="subscribe.html"' in index  # the header tabs
    topic = (public / "topics" / "agents.html").read_text()
    assert topic.index("../digests/2025-W16.html") < topic.index("../digests/2025-W15.html")
    assert 'href="../digests/2025-W16.html#story-2"' in topic
    assert 'id="story-2"' in (public / "digests" / "2025-W16.html").read_text()


def test_a_broken_page_fails_the_strict_build_clearly(tmp_path: Path) -> None:
    config = _config(tmp_path)
    site.write_site(config, _digests()[:1])
    (config.docs_dir / "broken.md").write_text("[dead](missing-page.md)\n")
    with pytest.raises(PublishError, match=r"mkdocs build failed: .*missing-page\.md.*") as e:
        site.build_site(config)
    assert "INFO" not in str(e.value)
    assert site.build_site(config, strict=False).pages > 0


def test_a_fresh_scaffold_builds_before_the_first_digest(tmp_path: Path) -> None:
    config = _config(tmp_path)
    result = site.build_site(config)
    assert "No digest yet" in (Path(result.site_dir) / "index.html").read_text()


def test_stale_pages_are_removed_only_from_generated_folders(tmp_path: Path) -> None:
    config = _config(tmp_path)
    w15, w16 = _digests()
    site.write_site(config, [w15, w16])
    docs = config.docs_dir
    (docs / "notes.md").write_text("# Mine\n")
    (docs / "feeds").mkdir()
    (docs / "feeds" / "digest.xml").write_text("<rss/>")
    assert (docs / "topics" / "hostile.md").is_file()  # only W15 has this topic
    written = site.write_site(config, [w16])
    assert not (docs / "digests" / "2025-W15.md").exists() and not (docs / "topics" / "hostile.md").exists()
    assert (docs / "notes.md").is_file() and (docs / "feeds" / "digest.xml").is_file()
    assert docs / "digests" / "2025-W16.md" in written and docs / "topics" / "index.md" in written
    assert not list(docs.rglob("*.tmp"))


def test_write_digest_page_writes_one_week(tmp_path: Path) -> None:
    config = _config(tmp_path)
    path = site.write_digest_page(config, _digests()[1])
    assert path == config.docs_dir / "digests" / "2025-W16.md"
    assert "# Week 2025\\-W16" in path.read_text()


def test_scaffold_never_overwrites_user_edits(tmp_path: Path) -> None:
    config = _config(tmp_path)
    site.ensure_scaffold(config)
    about, yml = config.docs_dir / "about.md", config.mkdocs_yml
    about.write_text("# Mine\n")
    yml.write_text(yml.read_text().replace("navigation.top", "navigation.footer"))
    site.write_site(config, [])
    site.ensure_scaffold(config)
    assert about.read_text() == "# Mine\n" and "navigation.footer" in yml.read_text()
    assert "No digest yet" in (config.docs_dir / "index.md").read_text()


def test_mkdocs_yml_is_valid_for_any_title_and_layout(tmp_path: Path) -> None:
    title = 'Ann\'s "AI": week # 1 & <b>more</b>'
    config = Config(
        workspace=tmp_path,
        site=SiteConfig(
            title=title, url="https://e.org/hub", docs_dir=Path("docs/src"), site_dir=Path("out")
        ),
    )
    data = yaml.safe_load(site.mkdocs_yml_text(config))
    # the theme prints site_name unescaped: what would open a tag or close an attribute is
    # an entity there, so the browser shows the title as written
    assert data["site_name"] == "Ann's &quot;AI&quot;: week # 1 & &lt;b&gt;more&lt;/b&gt;"
    assert html.unescape(data["site_name"]) == title and data["site_url"] == "https://e.org/hub/"
    assert (data["docs_dir"], data["site_dir"], data["use_directory_urls"]) == ("docs/src", "out", False)
    assert data["theme"]["font"] is False and data["plugins"] == ["search", "tags"]
    assert "content.code.copy" in data["theme"]["features"]


def _without_site_identity(text: str) -> str:
    return re.sub(r"^(site_name|site_url|site_description): .*$", r"\1: ...", text, flags=re.M)


def test_repo_site_is_the_scaffold_for_the_default_config() -> None:
    config = load_config(None, env={}, workspace=ROOT)
    expected = _without_site_identity(site.mkdocs_yml_text(config))
    assert _without_site_identity((ROOT / "mkdocs.yml").read_text()) == expected
    for name in site.SCAFFOLD:
        assert (ROOT / "site" / name).read_bytes() == site._template(name), name
    for name in site.OVERRIDES:
        assert (ROOT / name).read_bytes() == site._template(name), name


def test_no_absolute_url_of_the_site_unless_site_url_is_set(built: tuple[Config, Path]) -> None:
    config, public = built
    assert config.site.url == ""
    for path in [*public.rglob("*.html"), *public.rglob("*.xml"), *public.rglob("*.json")]:
        content = path.read_text()
        assert "127.0.0.1" not in content and "localhost" not in content, path
    footer = (public / "digests" / "2025-W16.html").read_text()
    assert 'href="../feeds/digest.rss.xml"' in footer and 'href="../subscribe.html"' in footer


def test_every_page_announces_the_feeds(built: tuple[Config, Path]) -> None:
    _, public = built
    pages = list(public.rglob("*.html"))
    assert len(pages) >= 10
    for path in pages:
        content = path.read_text()
        for mime in ("application/rss+xml", "application/atom+xml", "application/feed+json"):
            assert re.search(
                rf'<link rel="alternate" type="{re.escape(mime)}"[^>]*href="[^"]*feeds/digest', content
            ), (
                path,
                mime,
            )
    topic = (public / "topics" / "agents.html").read_text()
    assert 'type="application/rss+xml" title="Agents (RSS)" href="../feeds/topics/agents.rss.xml"' in topic


def test_hub_init_asks_for_the_site_url_and_defaults_to_relative(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from hub.cli import app

    runner = CliRunner()
    given = runner.invoke(app, ["init", str(tmp_path / "a.toml"), "--site-url", "https://example.org/ai"])
    assert given.exit_code == 0, given.output
    assert load_config(tmp_path / "a.toml", env={}).site.url == "https://example.org/ai/"
    assert (
        runner.invoke(app, ["init", str(tmp_path / "b.toml")]).exit_code == 0
    )  # not a terminal: no question
    assert load_config(tmp_path / "b.toml", env={}).site.url == ""
    bad = runner.invoke(app, ["init", str(tmp_path / "c.toml"), "--site-url", "ftp://example.org"])
    assert bad.exit_code == 1 and "must start with http" in bad.output and not (tmp_path / "c.toml").exists()


def test_digests_stored_before_the_evidence_fields_still_load() -> None:
    from hub.store import digest_from_json, digest_to_json

    d = _digests()[1]
    raw = json.loads(digest_to_json(d))
    for s in raw["stories"]:  # the shape stored before points/comments/upvotes/stars/target_url/code_url
        s["items"] = [{k: i[k] for k in ("id", "kind", "url", "source", "title")} for i in s["items"]]
    old = digest_from_json(raw)
    assert [s.title for s in old.stories] == [s.title for s in d.stories]
    assert all(i.points is None and i.target_url == "" for s in old.stories for i in s.items)
    assert digest_from_json(digest_to_json(d)) == d


def _week_inputs() -> tuple[list, dict, dict]:  # type: ignore[type-arg]
    """Stories and items of the recorded HN day (tests/data/render), as resolve would keep them."""
    import datetime as dt

    from test_render import ARXIV

    from hub.types import Item, Story

    at = dt.datetime(2025, 4, 14, 12, tzinfo=dt.UTC)
    items = {
        f"hn:{r['id']}": Item(
            f"hn:{r['id']}",
            "thread",
            "hn",
            r["title"],
            f"https://news.ycombinator.com/item?id={r['id']}",
            at,
            extra={"points": r["score"], "comments": r["descendants"], "target_url": r.get("url")},
        )
        for r in HN.values()
    }
    rid = "2504.07981"
    items[f"arxiv:{rid}"] = Item(
        f"arxiv:{rid}",
        "paper",
        "arxiv",
        ARXIV[rid]["title"],
        ARXIV[rid]["abs"],
        at,
        text=ARXIV[rid]["summary"],
    )
    stories = [Story(f"s-{i}", items[i].title, (i,), i) for i in sorted(items)]
    return stories, items, {s.id: ("agents" if "arxiv" in s.id else "tooling", 0.5, 0.9) for s in stories}


def test_week_pages_rank_stored_scores_first_then_attention() -> None:
    from hub.types import Topic

    stories, items, assigned = _week_inputs()
    topics = {"agents": Topic("agents", "Agents"), "tooling": Topic("tooling", "Tooling")}
    digest = _digests()[1]
    low = "s-hn:43676084"  # the fewest points of the day, but scored: first
    week = site.week_pages(digest, stories, items, assigned, topics, {low: 2.0}, {low: "Stored summary."})
    ranked = [s.story_id for s in week.stories]
    assert ranked[0] == low and [s.rank for s in week.stories] == list(range(1, len(stories) + 1))
    points = [items[i.id].extra["points"] for s in week.stories[1:] for i in s.items if i.kind == "thread"]
    assert points == sorted(points, reverse=True)  # unscored: by measured attention
    first = week.stories[0]
    assert first.summary == "Stored summary." and first.breakdown == {} and first.topic_name == "Tooling"
    paper = next(s for s in week.stories if s.story_id.startswith("s-arxiv"))
    assert paper.summary.startswith("Recent advancements")  # no stored summary: the abstract
    thread = next(i for s in week.stories for i in s.items if i.id == "hn:43676771")
    assert thread.target_url == "https://blog.sshh.io/p/everything-wrong-with-mcp" and thread.points == 291


def test_topic_and_papers_pages_from_every_story_of_the_week(tmp_path: Path) -> None:
    from hub.types import Topic

    config = _config(tmp_path)
    stories, items, assigned = _week_inputs()
    topics = {"agents": Topic("agents", "Agents"), "tooling": Topic("tooling", "Tooling")}
    w15, w16 = _digests()
    week = site.week_pages(w16, stories, items, assigned, topics, {}, {})
    site.write_site(config, [w15, w16], week)
    docs = config.docs_dir
    tooling = (docs / "topics" / "tooling.md").read_text()
    assert (
        f"## Week 2025\\-W16: {len(stories) - 1} stories" in tooling and "feed:" not in tooling
    )  # no digest story
    assert "#### 1. [" in tooling
    papers = (docs / "papers" / "2025-W16.md").read_text()
    assert papers.count("#### ") == 1 and "ScreenSpot" in papers
    assert "(../papers/2025-W16.md)" in (docs / "digests" / "2025-W16.md").read_text()
    assert "papers/" not in (docs / "digests" / "2025-W15.md").read_text()
    subscribe = (docs / "subscribe.md").read_text()
    assert "feeds/topics/agents.rss.xml" in subscribe and "feeds/topics/tooling" not in subscribe
    # The next week: W16's papers page stays (its digest does), and its digest page still links it.
    site.write_site(config, [w15, w16], site.WeekPages("2025-W17"))
    assert (docs / "papers" / "2025-W16.md").is_file()
    assert "(../papers/2025-W16.md)" in (docs / "digests" / "2025-W16.md").read_text()
    site.write_site(config, [w15])
    assert not (docs / "papers" / "2025-W16.md").exists()
