"""The MkDocs site: strict offline build, search index, escaping in the built HTML, scaffold."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from hub.config import load_config
from hub.exceptions import PublishError
from hub.publishers import site
from hub.types import Digest, DigestItem, DigestStory

ROOT = Path(__file__).resolve().parents[1]
HN = json.loads((Path(__file__).parent / "data" / "sources" / "hn_2025-04-15.json").read_text())
HOSTILE = "<img src=x onerror=alert(1)> Totally normal title"


def _digest() -> Digest:
    real = [r for r in HN if r.get("url")][:3]
    stories = [
        DigestStory(
            rank=n,
            story_id=f"s-{n}",
            title=r["title"],
            topic="agents",
            topic_name="Agents",
            score=2.0 - n / 10,
            breakdown={"hn_points": 1.0},
            summary=f"{r['score']} points.",
            items=(DigestItem(f"hn:{r['id']}", "thread", r["url"], "hn"),),
        )
        for n, r in enumerate(real, 1)
    ]
    stories.append(
        DigestStory(
            rank=4,
            story_id="s-x",
            title=HOSTILE,
            topic="safety",
            topic_name="Safety & alignment",
            score=0.5,
            breakdown={},
            summary=HOSTILE,
            items=(DigestItem("hn:1", "thread", "javascript:alert(1)", "hn"),),
        )
    )
    return Digest(
        week="2025-W16",
        start=dt.date(2025, 4, 14),
        end=dt.date(2025, 4, 20),
        stories=tuple(stories),
        lead="Lead.",
        stats={"items": 4},
    )


def test_strict_build_has_search_and_escapes(tmp_path: Path) -> None:
    config = load_config(None, env={}, workspace=tmp_path)
    site.write_site(config, [_digest()])
    result = site.build_site(config)
    public = Path(result.site_dir)
    index = json.loads((public / "search" / "search_index.json").read_text())
    assert any(HN[0]["title"][:20] in d["title"] + d["text"] for d in index["docs"])
    assert {"index.html", "archive.html", "about.html", "tags.html"} <= {
        p.name for p in public.glob("*.html")
    }
    page = (public / "digests" / "2025-W16.html").read_text()
    assert "<img src=x onerror" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert 'href="javascript' not in page
    assert (public / "topics" / "safety.html").is_file()
    assert "fonts.googleapis" not in (public / "index.html").read_text()


def test_a_broken_page_fails_the_strict_build_clearly(tmp_path: Path) -> None:
    config = load_config(None, env={}, workspace=tmp_path)
    site.write_site(config, [_digest()])
    (config.docs_dir / "broken.md").write_text("[dead](missing-page.md)\n")
    with pytest.raises(PublishError, match="mkdocs build failed"):
        site.build_site(config)


def test_scaffold_never_overwrites_user_edits(tmp_path: Path) -> None:
    config = load_config(None, env={}, workspace=tmp_path)
    site.ensure_scaffold(config)
    about = config.docs_dir / "about.md"
    about.write_text("# Mine\n")
    site.write_site(config, [])
    assert about.read_text() == "# Mine\n"
    assert "No digest yet" in (config.docs_dir / "index.md").read_text()


def test_repo_site_is_the_scaffold_for_the_default_config() -> None:
    config = load_config(None, env={}, workspace=ROOT)
    assert (ROOT / "mkdocs.yml").read_text() == site.mkdocs_yml_text(config)
    for name in site.SCAFFOLD:
        assert (ROOT / "site" / name).read_bytes() == site._template(name), name
