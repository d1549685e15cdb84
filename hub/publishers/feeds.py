"""RSS 2.0 and Atom feeds (feedgen) for the weekly digest and for each topic.

Written into docs_dir/feeds/ so MkDocs copies them into the built site. GUIDs are
permanent URLs (a digest's page; a story's anchor on it); links are absolute from
the configured site URL; dates are timezone-aware (the digest's last day, 12:00 UTC).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from feedgen.feed import FeedGenerator

from hub.config import Config
from hub.digest.html import digest_html, story_html
from hub.types import Digest, DigestStory

FEEDS_DIR = "feeds"


def _published(d: Digest) -> dt.datetime:
    return dt.datetime.combine(d.end, dt.time(12), tzinfo=dt.UTC)


def _generator(feed_id: str, title: str, subtitle: str, site_url: str, self_url: str) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(title)
    fg.subtitle(subtitle or title)
    fg.link(href=self_url, rel="self")  # first: feedgen uses the last link() as the channel <link>
    fg.link(href=site_url, rel="alternate")
    fg.language("en")
    return fg


def digest_feed(digests: Sequence[Digest], *, title: str, description: str, site_url: str) -> FeedGenerator:
    fg = _generator(
        f"{site_url}{FEEDS_DIR}/digest",
        title,
        description,
        site_url,
        f"{site_url}{FEEDS_DIR}/digest.atom.xml",
    )
    for d in sorted(digests, key=lambda d: d.week):
        page = f"{site_url}digests/{d.week}.html"
        entry = fg.add_entry()  # newest ends up first
        entry.id(page)
        entry.guid(page, permalink=True)
        entry.title(f"{title} — week {d.week}")
        entry.link(href=page)
        entry.published(_published(d))
        entry.updated(_published(d))
        entry.summary(" ".join(d.lead.split()))
        entry.content(digest_html(d, site_url=site_url), type="CDATA")
    if digests:
        fg.updated(max(_published(d) for d in digests))
    return fg


def topic_feed(
    topic: str, name: str, entries: Sequence[tuple[Digest, DigestStory]], *, site_title: str, site_url: str
) -> FeedGenerator:
    fg = _generator(
        f"{site_url}{FEEDS_DIR}/topics/{topic}",
        f"{site_title} — {name}",
        f"Stories about {name}, week by week",
        site_url,
        f"{site_url}{FEEDS_DIR}/topics/{topic}.atom.xml",
    )
    for d, s in sorted(entries, key=lambda e: (e[0].week, -e[1].rank)):
        page = f"{site_url}digests/{d.week}.html"
        guid = f"{page}#{s.story_id}"
        entry = fg.add_entry()
        entry.id(guid)
        entry.guid(guid, permalink=False)
        entry.title(" ".join(s.title.split()))
        entry.link(href=s.items[0].url if s.items else page)
        entry.published(_published(d))
        entry.updated(_published(d))
        entry.content(story_html(s, page), type="CDATA")
    if entries:
        fg.updated(max(_published(d) for d, _ in entries))
    return fg


def write_feeds(config: Config, digests: Sequence[Digest]) -> list[Path]:
    """digest.rss.xml/.atom.xml and topics/<id>.rss.xml/.atom.xml under docs_dir/feeds/."""
    out_dir = config.docs_dir / FEEDS_DIR
    (out_dir / "topics").mkdir(parents=True, exist_ok=True)
    url, title = config.site.url, config.site.title
    written = _write_pair(
        digest_feed(digests, title=title, description=config.site.description, site_url=url),
        out_dir / "digest",
    )
    by_topic: dict[str, list[tuple[Digest, DigestStory]]] = defaultdict(list)
    names: dict[str, str] = {}
    for d in digests:
        for s in d.stories:
            by_topic[s.topic].append((d, s))
            names[s.topic] = s.topic_name
    for topic, entries in sorted(by_topic.items()):
        fg = topic_feed(topic, names[topic], entries, site_title=title, site_url=url)
        written += _write_pair(fg, out_dir / "topics" / topic)
    return written


def _write_pair(fg: FeedGenerator, stem: Path) -> list[Path]:
    rss, atom = stem.with_name(stem.name + ".rss.xml"), stem.with_name(stem.name + ".atom.xml")
    fg.rss_file(str(rss), pretty=True)
    fg.atom_file(str(atom), pretty=True)
    return [rss, atom]
