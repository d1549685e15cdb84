"""RSS 2.0, Atom (feedgen) and JSON Feed 1.1 for the weekly digest and for each topic.

Written into docs_dir/feeds/ so MkDocs copies them into the built site. With
`site.url` set, links and ids are absolute URLs (a digest's page; a story's anchor on
it); without it every link is relative to the feed file (readers resolve them against
the feed's own address) and ids are `tag:` URIs, so nothing in the built site names a
host. Dates are timezone-aware (the digest's last day, 12:00 UTC). Every text is one
line without the characters XML cannot carry (`hub.safetext.one_line`; the HTML content
is made by `hub.digest.html`, which escapes each string the same way).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from feedgen.feed import FeedGenerator

from hub.config import Config
from hub.digest.html import digest_html, story_html
from hub.digest.render import article_url, shown_topic, slug
from hub.files import write_atomic
from hub.safetext import one_line
from hub.types import Digest, DigestStory

FEEDS_DIR = "feeds"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


def _published(d: Digest) -> dt.datetime:
    return dt.datetime.combine(d.end, dt.time(12), tzinfo=dt.UTC)


class Where:
    """Links and ids of one feed: absolute from site.url, else relative to the feed file."""

    def __init__(self, site_url: str, feed_path: str) -> None:
        self.site_url, self.feed_path = site_url, feed_path
        self.base = site_url or "../" * feed_path.count("/")

    def page(self, week: str) -> str:
        return f"{self.base}digests/{slug(week)}.html"

    def id(self, week: str, anchor: str = "") -> str:
        if self.site_url:
            return self.page(week) + (f"#{anchor}" if anchor else "")
        return f"tag:hub,2025:digests/{slug(week)}" + (f"/{anchor}" if anchor else "")

    def feed_id(self) -> str:
        return f"{self.site_url}{self.feed_path}" if self.site_url else f"tag:hub,2025:{self.feed_path}"

    def self_url(self, ext: str) -> str:
        if self.site_url:
            return f"{self.site_url}{self.feed_path}{ext}"
        return self.feed_path.rsplit("/", 1)[-1] + ext  # the feed file itself, relative


def _generator(where: Where, title: str, subtitle: str) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(where.feed_id())
    fg.title(one_line(title))
    fg.subtitle(one_line(subtitle or title))
    # self first: feedgen uses the last link() as the channel <link>
    fg.link(href=where.self_url(".atom.xml"), rel="self")
    fg.link(href=where.base or "./", rel="alternate")
    fg.language("en")
    return fg


def digest_feed(digests: Sequence[Digest], *, title: str, description: str, site_url: str) -> FeedGenerator:
    where = Where(site_url, f"{FEEDS_DIR}/digest")
    fg = _generator(where, title, description)
    for d in sorted(digests, key=lambda d: d.week):
        entry = fg.add_entry()  # newest ends up first
        entry.id(where.id(d.week))
        entry.guid(where.id(d.week), permalink=bool(site_url))
        entry.title(one_line(f"{title} — week {d.week}"))
        entry.link(href=where.page(d.week))
        entry.published(_published(d))
        entry.updated(_published(d))
        entry.summary(one_line(d.lead) or f"Week {d.week}")
        entry.content(digest_html(d, page_url=where.page(d.week)), type="CDATA")
    if digests:
        fg.updated(max(_published(d) for d in digests))
    return fg


def topic_feed(
    topic: str, name: str, entries: Sequence[tuple[Digest, DigestStory]], *, site_title: str, site_url: str
) -> FeedGenerator:
    where = Where(site_url, f"{FEEDS_DIR}/topics/{slug(topic)}")
    fg = _generator(where, f"{site_title} — {name}", f"Stories about {name}, week by week")
    for d, s in sorted(entries, key=lambda e: (e[0].week, -e[1].rank)):
        guid = where.id(d.week, s.story_id)
        entry = fg.add_entry()
        entry.id(guid)
        entry.guid(guid, permalink=False)
        entry.title(one_line(s.title))
        entry.link(href=article_url(s) or where.page(d.week))
        entry.published(_published(d))
        entry.updated(_published(d))
        entry.content(story_html(s, where.page(d.week)), type="CDATA")
    if entries:
        fg.updated(max(_published(d) for d, _ in entries))
    return fg


def json_feed(fg: FeedGenerator, where: Where, items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """JSON Feed 1.1 (jsonfeed.org/version/1.1) with the same entries as the RSS/Atom pair."""
    doc: dict[str, Any] = {"version": JSON_FEED_VERSION, "title": fg.title(), "description": fg.subtitle()}
    if where.site_url:  # only absolute URLs belong here
        doc["home_page_url"] = where.site_url
        doc["feed_url"] = f"{where.site_url}{where.feed_path}.json"
    doc["language"] = "en"
    doc["items"] = list(items)
    return doc


def _json_items(fg: FeedGenerator) -> list[dict[str, Any]]:
    out = []
    for e in fg.entry():  # newest first, as in the XML feeds
        item = {"id": e.id(), "url": e.link()[0]["href"], "title": e.title()}
        item["content_html"] = e.content()["content"]
        if e.summary():
            item["summary"] = e.summary()["summary"] if isinstance(e.summary(), dict) else e.summary()
        item["date_published"] = e.published().isoformat()
        out.append(item)
    return out


def write_feeds(
    config: Config, digests: Sequence[Digest], topics: Sequence[tuple[str, str]] | None = None
) -> list[Path]:
    """digest.{rss.xml,atom.xml,json} and topics/<id>.{rss.xml,atom.xml,json} under docs_dir/feeds/.

    topics: (slug, name) of the topics to write (default: every shown topic with a digest story)."""
    out_dir = config.docs_dir / FEEDS_DIR
    url, title = config.site.url, config.site.title
    fg = digest_feed(digests, title=title, description=config.site.description, site_url=url)
    written = _write_all(fg, Where(url, f"{FEEDS_DIR}/digest"), out_dir / "digest")
    by_topic: dict[str, list[tuple[Digest, DigestStory]]] = defaultdict(list)
    names: dict[str, str] = {}
    for d in digests:
        for s in d.stories:
            if shown_topic(s.topic):
                by_topic[slug(s.topic)].append((d, s))
                names.setdefault(slug(s.topic), s.topic_name)
    wanted = dict(topics) if topics is not None else names
    for topic in sorted(wanted):
        fg = topic_feed(topic, wanted[topic], by_topic.get(topic, []), site_title=title, site_url=url)
        written += _write_all(fg, Where(url, f"{FEEDS_DIR}/topics/{topic}"), out_dir / "topics" / topic)
    return written


def _write_all(fg: FeedGenerator, where: Where, stem: Path) -> list[Path]:
    rss, atom, js = (stem.with_name(stem.name + ext) for ext in (".rss.xml", ".atom.xml", ".json"))
    write_atomic(rss, fg.rss_str(pretty=True))
    write_atomic(atom, fg.atom_str(pretty=True))
    doc = json_feed(fg, where, _json_items(fg))
    write_atomic(js, json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    return [rss, atom, js]
