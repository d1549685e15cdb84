"""Canonical ids and URL normalization shared by every parser and by resolve.

Canonical ids:
    arxiv:2504.12345      an arXiv paper (no version); old style: arxiv:hep-th/9901001
    hf:2504.12345         its Hugging Face paper page (resolves to the same story)
    gh:owner/repo         a GitHub repository (lower-cased)
    hn:43712345           a Hacker News story
    reddit:t3_xxx         a Reddit post
    url:<normalized url>  anything else (blog posts, pages)
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# New-style ids (0704.0001 onwards, 4+4 or 4+5 digits) and old-style (archive/YYMMNNN).
_NEW_ID = r"(?P<new>\d{4}\.\d{4,5})(?:v\d+)?"
_OLD_ID = r"(?P<old>[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?"
ARXIV_URL_RE = re.compile(r"arxiv\.org/(?:abs|pdf|html)/(?:" + _NEW_ID + "|" + _OLD_ID + r")", re.IGNORECASE)
HF_PAPER_URL_RE = re.compile(r"huggingface\.co/papers/(\d{4}\.\d{4,5})", re.IGNORECASE)
ARXIV_TEXT_RE = re.compile(r"\barXiv:\s?(\d{4}\.\d{4,5})(?:v\d+)?\b", re.IGNORECASE)
GITHUB_URL_RE = re.compile(
    r"(?<![\w.-])(?:www\.)?github\.com/([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/([A-Za-z0-9_.-]{1,100})",
    re.IGNORECASE,
)
_GITHUB_NOT_OWNERS = frozenset(
    {
        "about",
        "apps",
        "blog",
        "collections",
        "contact",
        "enterprise",
        "explore",
        "features",
        "issues",
        "login",
        "marketplace",
        "orgs",
        "pricing",
        "pulls",
        "search",
        "settings",
        "site",
        "sponsors",
        "topics",
        "trending",
        "users",
    }
)
_TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|ref|ref_src|ref_url|source|fbclid|gclid|mc_cid|mc_eid|igshid|si|s|trk|"
    r"_hsenc|_hsmi|mkt_tok)$",
    re.IGNORECASE,
)


def arxiv_id_from_url(url: str) -> str | None:
    """`https://arxiv.org/pdf/2504.12345v2` -> `2504.12345`; None when not an arXiv link."""
    m = ARXIV_URL_RE.search(url) or HF_PAPER_URL_RE.search(url)
    if not m:
        return None
    if m.re is HF_PAPER_URL_RE:
        return m.group(1)
    return m.group("new") or m.group("old")


def arxiv_ids_in_text(text: str) -> list[str]:
    """Every arXiv id mentioned in text, by URL or by `arXiv:NNNN.NNNNN`, in order, unique."""
    found: list[str] = []
    for m in ARXIV_URL_RE.finditer(text):
        found.append(m.group("new") or m.group("old"))
    found += [m.group(1) for m in HF_PAPER_URL_RE.finditer(text)]
    found += [m.group(1) for m in ARXIV_TEXT_RE.finditer(text)]
    return list(dict.fromkeys(found))


def github_repo_from_url(url: str) -> str | None:
    """`https://github.com/Owner/Repo/tree/main/x` -> `owner/repo`; None for non-repo pages."""
    m = GITHUB_URL_RE.search(url)
    if not m:
        return None
    owner, repo = m.group(1).lower(), m.group(2).lower()
    if owner in _GITHUB_NOT_OWNERS:
        return None
    repo = repo.removesuffix(".git").rstrip(".")
    return f"{owner}/{repo}" if repo else None


def github_repos_in_text(text: str) -> list[str]:
    out = [github_repo_from_url(m.group(0)) for m in GITHUB_URL_RE.finditer(text)]
    return list(dict.fromkeys(r for r in out if r))


def arxiv_item_id(arxiv_id: str) -> str:
    return f"arxiv:{strip_version(arxiv_id)}"


def strip_version(arxiv_id: str) -> str:
    return re.sub(r"v\d+$", "", arxiv_id.strip())


def normalize_url(url: str) -> str:
    """Lower-case scheme/host, drop www., default ports, fragments, tracking params, trailing /.

    Two URLs that point at the same page normalize to the same string; this is what
    `url:` ids and the resolver compare.
    """
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return url
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/") or ""
    query = urlencode(
        sorted(
            (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAMS.match(k)
        )
    )
    return urlunsplit(("https", host, path, query, ""))


def canonical_id_for_url(url: str) -> str:
    """The canonical id of the thing a URL points at: a paper, a repo, or the page itself."""
    if aid := arxiv_id_from_url(url):
        return arxiv_item_id(aid)
    if repo := github_repo_from_url(url):
        return f"gh:{repo}"
    return "url:" + normalize_url(url)


def is_http_url(url: str) -> bool:
    return urlsplit(url.strip()).scheme.lower() in ("http", "https")


_ARXIV_ID_FULL = re.compile(r"^(?:" + _NEW_ID + "|" + _OLD_ID + r")$")


def is_arxiv_id(value: str) -> bool:
    """`2504.12345`, `2504.12345v2` or `hep-th/9901001`: a bare arXiv identifier."""
    return bool(_ARXIV_ID_FULL.match(value.strip()))
