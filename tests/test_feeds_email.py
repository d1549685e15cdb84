"""RSS/Atom feeds parse back cleanly; the email digest reaches a loopback SMTP server once."""

from __future__ import annotations

import email
import email.policy
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import feedparser
import pytest
from aiosmtpd.controller import Controller

from hub.config import load_config
from hub.core import Hub, make_hub
from hub.demo import DemoResult, run_demo
from hub.digest import render
from hub.digest.html import sections, subject
from hub.exceptions import PublishError
from hub.publishers import email as mail
from hub.publishers.feeds import write_feeds


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    return run_demo(tmp_path_factory.mktemp("demo") / "hub-demo")


def test_digest_and_topic_feeds_parse_back(demo: DemoResult) -> None:
    feeds = demo.workdir / "site" / "feeds"
    d = demo.digest
    for fmt in ("rss", "atom"):
        parsed = feedparser.parse((feeds / f"digest.{fmt}.xml").read_bytes())
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        (entry,) = parsed.entries
        assert entry.id == f"tag:hub,2025:digests/{d.week}"  # no site.url: no host named anywhere
        assert entry.link == f"../digests/{d.week}.html"  # relative to the feed file
        assert entry.published_parsed[:3] == (d.end.year, d.end.month, d.end.day)
        assert d.stories[0].title.split()[0] in entry.content[0].value
    topics = {s.topic for s in d.stories if render.shown_topic(s.topic)}
    assert {p.name.split(".")[0] for p in (feeds / "topics").glob("*.rss.xml")} == topics
    for topic in topics:
        parsed = feedparser.parse((feeds / "topics" / f"{topic}.atom.xml").read_bytes())
        assert parsed.bozo == 0
        ids = [e.id for e in parsed.entries]
        assert len(ids) == sum(s.topic == topic for s in d.stories) == len(set(ids))
        doc = json.loads((feeds / "topics" / f"{topic}.json").read_text())
        assert [i["id"] for i in doc["items"]] == ids
    built = demo.build_dir / "feeds" / "digest.rss.xml"
    assert built.is_file(), "feeds are published with the site"


def test_json_feed_1_1_beside_rss_and_atom(demo: DemoResult, tmp_path: Path) -> None:
    doc = json.loads((demo.workdir / "site" / "feeds" / "digest.json").read_text())
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert "home_page_url" not in doc and "feed_url" not in doc  # only absolute URLs go there
    (item,) = doc["items"]
    assert item["url"] == f"../digests/{demo.digest.week}.html" and item["title"].endswith(demo.digest.week)
    assert item["date_published"].startswith(demo.digest.end.isoformat()) and item["content_html"]
    env = {"HUB_SITE__URL": '"https://example.org/ai"'}
    config = load_config(None, env=env, workspace=tmp_path)
    write_feeds(config, [demo.digest])
    doc = json.loads((config.docs_dir / "feeds" / "digest.json").read_text())
    assert doc["home_page_url"] == "https://example.org/ai/"
    assert doc["feed_url"] == "https://example.org/ai/feeds/digest.json"
    assert doc["items"][0]["id"] == f"https://example.org/ai/digests/{demo.digest.week}.html"
    rss = feedparser.parse((config.docs_dir / "feeds" / "digest.rss.xml").read_bytes())
    assert rss.entries[0].link == f"https://example.org/ai/digests/{demo.digest.week}.html"


def test_feed_guids_are_stable_and_hostile_titles_are_escaped(demo: DemoResult, tmp_path: Path) -> None:
    config = load_config(None, env={}, workspace=tmp_path)
    evil = replace(
        demo.digest.stories[0], title="<script>alert(1)</script> & co", summary="<img src=x onerror=alert(1)>"
    )
    digest = replace(demo.digest, stories=(evil, *demo.digest.stories[1:]))
    write_feeds(config, [digest])
    first = (config.docs_dir / "feeds" / "digest.rss.xml").read_text()
    write_feeds(config, [digest])
    assert (config.docs_dir / "feeds" / "digest.rss.xml").read_text() == first
    parsed = feedparser.parse(first)
    content = parsed.entries[0].content[0].value
    assert "<script>" not in content and "&lt;script&gt;" in content
    assert "<img" not in content


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _mail_hub(demo: DemoResult, port: int) -> Hub:
    cfg = demo.workdir / "hub.toml"
    env = {
        "HUB_EMAIL__SMTP_HOST": '"127.0.0.1"',
        "HUB_EMAIL__SMTP_PORT": str(port),
        "HUB_EMAIL__SECURITY": '"none"',
        "HUB_EMAIL__FROM_ADDR": '"digest@example.org"',
    }
    return make_hub(load_config(cfg, env=env))


def test_send_delivers_once_with_both_parts(demo: DemoResult, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    with _mail_hub(demo, port) as hub:
        hub.add_subscriber("Reader@Example.COM")
        hub.add_subscriber("second@example.org")
        first = hub.send()
        again = hub.send()
        assert sorted(first.sent) == ["reader@example.com", "second@example.org"]
        assert again.sent == [] and sorted(again.skipped) == sorted(first.sent)
        assert {d["status"] for d in hub.store.deliveries(demo.digest.week)} == {"sent"}
    assert len(inbox.messages) == 2
    msg = email.message_from_bytes(inbox.messages[0][2], policy=email.policy.default)
    assert msg["List-Unsubscribe"].strip().startswith("<mailto:digest@example.org?subject=unsubscribe")
    assert msg["List-Unsubscribe-Post"] is None  # no endpoint handles a one-click POST
    assert msg["Subject"].startswith(" ".join(demo.digest.stories[0].title.split())[:30])
    assert msg["Subject"].endswith(" · hub") and len(msg["Subject"]) <= 80
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    top = demo.digest.stories[0]
    article = render.article_url(top)
    assert article in text and "Unsubscribe: mailto:digest@example.org" in text
    assert article.replace("&", "&amp;") in html and "color-scheme" in html
    assert "score" not in html.lower() and "score" not in text.lower()
    assert "TOP STORIES" in text and ">Top stories</h2>" in html
    # Light colors are inline (clients drop <style>); the one <style> holds only the dark scheme.
    (style,) = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert style.strip().startswith("@media (prefers-color-scheme: dark)")


def test_failed_delivery_is_retried_next_run(demo: DemoResult, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    with _mail_hub(demo, _free_port()) as hub:  # nothing listens there
        hub.add_subscriber("late@example.org")
        with pytest.raises(PublishError, match="cannot reach SMTP server"):
            hub.send()
    with _mail_hub(demo, port) as hub:
        hub.store.mark_delivery(demo.digest.week, "late@example.org", "failed", error="boom")
        report = hub.send()
        assert "late@example.org" in report.sent
    assert any("late@example.org" in rcpt for _, rcpt, _ in inbox.messages)


def test_header_injection_is_impossible(demo: DemoResult) -> None:
    config = load_config(demo.workdir / "hub.toml", env={})
    evil = replace(demo.digest.stories[0], title="Hi\r\nBcc: victim@example.org\r\n\r\n<b>x</b>")
    digest = replace(demo.digest, stories=(evil,))
    msg = mail.build_message(digest, "ok@example.org", "tok", config)
    raw = bytes(msg)
    assert b"\nBcc:" not in raw and msg["Bcc"] is None
    assert "\n" not in msg["Subject"]
    for bad in ("a@b.c\r\nBcc: x@y.z", "no-at-sign", "two@@example.org", "x@y", "a b@example.org"):
        with pytest.raises(PublishError, match="not a valid email address"):
            mail.parse_address(bad)


def test_dry_run_writes_eml_files_and_sends_nothing(
    demo: DemoResult, tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    with _mail_hub(demo, port) as hub:
        hub.add_subscriber("dry@example.org")
        report = hub.send(dry_run=True, out_dir=tmp_path / "outbox")
        assert hub.store.delivery_status(demo.digest.week).get("dry@example.org") is None
    assert report.written and all(Path(p).suffix == ".eml" for p in report.written)
    parsed = email.message_from_bytes(Path(report.written[0]).read_bytes(), policy=email.policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert inbox.messages == []


def test_subject_is_the_top_headline_and_the_count_brand_last(demo: DemoResult) -> None:
    d = demo.digest
    top = " ".join(d.stories[0].title.split())
    s = subject(d, "hub")
    assert s.endswith(f" and {len(d.stories) - 1} more · hub") and len(s) <= 80
    assert s.startswith(top[:20])
    long = replace(d, stories=(replace(d.stories[0], title="A " * 60), *d.stories[1:]))
    cut = subject(long, "hub")
    assert len(cut) == 80 and "…" in cut and cut.endswith("more · hub")
    one = replace(d, stories=d.stories[:1])
    assert subject(one, "hub") == f"{top} · hub"[:80] or subject(one, "hub").endswith("… · hub")
    assert subject(replace(d, stories=()), "hub") == "No stories this week · hub"
    assert mail.brand("hub — the AI engineering week") == "hub" and mail.brand("Weekly") == "Weekly"


def test_email_sections_in_rank_order(demo: DemoResult) -> None:
    got = sections(demo.digest.stories)
    assert got[0][0] == "Top stories" and [s.rank for s in got[0][1]] == [1, 2, 3, 4, 5]
    ranks = [s.rank for _, group in got for s in group]
    assert sorted(ranks) == [s.rank for s in demo.digest.stories]
    papers = dict(got).get("Papers", [])
    assert papers and all(render.is_paper(s) for s in papers)


def test_pages_store_reads_the_weeks_scores_and_latest_summaries(demo: DemoResult) -> None:
    d = demo.digest
    with make_hub(load_config(demo.workdir / "hub.toml", env={})) as hub:
        scores = hub.store.week_scores(d.week)
        ids = [s.story_id for s in d.stories]
        summaries = hub.store.story_summaries(ids)
        assert hub.store.week_scores("1999-W01") == {} and hub.store.story_summaries([]) == {}
    assert {s.story_id for s in d.stories} <= set(scores)
    assert all(abs(scores[s.story_id] - s.score) < 1e-9 for s in d.stories)
    with_summary = [s for s in d.stories if s.summary.strip()]
    assert with_summary and all(s.story_id in summaries for s in with_summary)
    topic_pages = sorted((demo.workdir / "site" / "topics").glob("*.md"))
    assert len(topic_pages) >= 5 and not any("emerging-" in p.name for p in topic_pages)
    listed = sum(p.read_text().count("\n#### ") for p in topic_pages)
    assert listed > len(d.stories) * 10  # every story of the week, not only the digest's
