"""hub.toml -> one frozen, typed Config.

Resolution order for every value: built-in defaults (hub/default_hub.toml) <
hub.toml < HUB_<SECTION>__<KEY> environment variables < explicit overrides (e.g.
`--db`). hub.toml is `--config`, else $HUB_CONFIG, else ./hub.toml, else hub.toml in
the user's config folder (`find_config`). Relative paths are resolved against the
folder holding hub.toml (the workspace). Secrets never live here: only the names of
the environment variables that hold them.
"""

from __future__ import annotations

import contextlib
import json
import os
import tomllib
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from hub.exceptions import ConfigError, HubError
from hub.safetext import one_line

CONFIG_NAME = "hub.toml"
MAX_CONFIG_BYTES = 1024 * 1024


class _Frozen(BaseModel):
    # defer_build: the validators are made on first use (`load_config`: Config's one schema
    # holds the sections), not one per class at import, which was ~10 % of `hub status`.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class StoreConfig(_Frozen):
    db: Path = Path("data/hub.duckdb")
    lock_wait_s: float = Field(10.0, ge=0)


class SiteConfig(_Frozen):
    title: str = "hub — the AI engineering week"
    description: str = ""
    url: str = ""  # empty: every link in the site is relative (works on any host, from disk)
    docs_dir: Path = Path("site")
    site_dir: Path = Path("public")
    mkdocs_yml: Path = Path("mkdocs.yml")

    @field_validator("title", "description")
    @classmethod
    def _one_line(cls, v: str) -> str:
        # printed in every page's header, feed and email: one line, only characters they carry
        return one_line(v)

    @field_validator("url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        if not v.strip():
            return ""
        if not v.startswith(("http://", "https://")):
            raise ValueError("site.url must be empty or start with http:// or https://")
        return v if v.endswith("/") else v + "/"


DIGEST_MAX_STORIES = 500  # a digest's stories at most (`limit`, `hub digest --limit`)


class DigestConfig(_Frozen):
    limit: int = Field(30, ge=1, le=DIGEST_MAX_STORIES)
    per_topic: int = Field(8, ge=1, le=100)
    # Optional bounds on the papers of a digest. By default none: every kind is ranked on
    # one scale, so the mix follows the evidence.
    min_papers: int = Field(0, ge=0, le=DIGEST_MAX_STORIES)
    max_papers: int = Field(DIGEST_MAX_STORIES, ge=0, le=DIGEST_MAX_STORIES)

    @model_validator(mode="after")
    def _paper_bounds(self) -> DigestConfig:
        if self.min_papers > self.max_papers:
            raise ValueError(f"min_papers ({self.min_papers}) is more than max_papers ({self.max_papers})")
        return self


class LLMConfig(_Frozen):
    enabled: bool = False
    base_url: str = "https://api.openai.com/v1"
    model: str = "gpt-4o-mini"
    api_key_env: str = "OPENAI_API_KEY"
    max_concurrency: int = Field(4, ge=1, le=64)
    timeout_s: float = Field(60.0, gt=0)
    retries: int = Field(2, ge=0, le=10)
    max_tokens_per_run: int = Field(200_000, ge=0)
    # Topic embeddings from the same endpoint (e.g. text-embedding-3-small, nomic-embed-text);
    # empty = TF-IDF, offline.
    embeddings_model: str = ""

    def api_key(self) -> str | None:
        return os.environ.get(self.api_key_env)


class EmailConfig(_Frozen):
    from_addr: str = "hub@example.org"
    smtp_host: str = "localhost"
    smtp_port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username_env: str = "HUB_SMTP_USER"
    password_env: str = "HUB_SMTP_PASSWORD"


class CrawlConfig(_Frozen):
    user_agent: str = "hub/0.1 (AI field digest; polite crawler; +https://pypi.org/project/hub/)"
    obey_robots: bool = True
    timeout_s: float = Field(30.0, gt=0)
    max_bytes: int = Field(20 * 1024 * 1024, ge=1024)
    delay_s: float = Field(1.0, ge=0)
    per_host: int = Field(2, ge=1, le=16)
    retries: int = Field(2, ge=0, le=10)
    backoff_s: float = Field(1.0, ge=0)
    retry_after_cap_s: float = Field(60.0, ge=0)
    max_redirects: int = Field(5, ge=0, le=20)
    github_token_env: str = "GITHUB_TOKEN"
    arxiv_delay_s: float = Field(3.0, ge=0)
    since_days: int = Field(7, ge=1, le=365)
    # Link-local and cloud metadata addresses are never fetched unless this says so.
    allow_link_local: bool = False


class InterestsConfig(_Frozen):
    boost_keywords: tuple[str, ...] = ()
    mute_keywords: tuple[str, ...] = ()
    boost_authors: tuple[str, ...] = ()
    boost_topics: tuple[str, ...] = ()
    mute_topics: tuple[str, ...] = ()


class RankConfig(_Frozen):
    weights: dict[str, float] = Field(default_factory=dict)


class TopicConfig(_Frozen):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    description: str = ""
    keywords: tuple[str, ...] = ()
    # The reader's priority for this topic, 0..1 (the `topic` ranking signal).
    weight: float = Field(1.0, ge=0, le=1)


class SourceConfig(_Frozen):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    kind: str
    url: str = ""
    tags: tuple[str, ...] = ()
    params: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True

    @field_validator("url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        # The crawler refuses other schemes too; saying so here names the source up front.
        if v and not v.lower().startswith(("http://", "https://")):
            raise ValueError(f"source url must start with http:// or https:// (got {v.split(':', 1)[0]}:)")
        return v


class Config(_Frozen):
    """Everything hub needs to know, resolved: paths are absolute."""

    workspace: Path = Path(".")
    store: StoreConfig = Field(default_factory=StoreConfig)
    site: SiteConfig = Field(default_factory=SiteConfig)
    digest: DigestConfig = Field(default_factory=DigestConfig)
    llm: LLMConfig = Field(default_factory=LLMConfig)
    email: EmailConfig = Field(default_factory=EmailConfig)
    crawl: CrawlConfig = Field(default_factory=CrawlConfig)
    interests: InterestsConfig = Field(default_factory=InterestsConfig)
    rank: RankConfig = Field(default_factory=RankConfig)
    topics: tuple[TopicConfig, ...] = ()
    sources: tuple[SourceConfig, ...] = ()

    def secrets(self) -> tuple[str, ...]:
        """The values of the secrets this config names (LLM key, GitHub token, SMTP password),
        read from the environment: what text from a remote party must never carry into the
        store, a log or the terminal (`hub.safetext.redact`)."""
        names = (self.llm.api_key_env, self.crawl.github_token_env, self.email.password_env)
        return tuple(v for name in names if name and (v := os.environ.get(name)))

    @field_validator("topics", "sources")
    @classmethod
    def _unique(cls, v: tuple[Any, ...], info: ValidationInfo) -> tuple[Any, ...]:
        # ids and names are keys in the store: a second one would be a database error later
        key, what = ("id", "topic id") if info.field_name == "topics" else ("name", "source name")
        seen: set[str] = set()
        for entry in v:
            value = getattr(entry, key)
            if value.casefold() in seen:
                raise ValueError(f"duplicate {what} {value!r} (each must be unique, ignoring case)")
            seen.add(value.casefold())
        return v

    @property
    def db_path(self) -> Path:
        return self._abs(self.store.db)

    @property
    def docs_dir(self) -> Path:
        return self._abs(self.site.docs_dir)

    @property
    def site_dir(self) -> Path:
        return self._abs(self.site.site_dir)

    @property
    def mkdocs_yml(self) -> Path:
        return self._abs(self.site.mkdocs_yml)

    def _abs(self, p: Path) -> Path:
        return p if p.is_absolute() else (self.workspace / p).resolve()


def default_toml() -> str:
    """The commented hub.toml that `hub init` writes; also the source of defaults."""
    return resources.files("hub").joinpath("default_hub.toml").read_text(encoding="utf-8")


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and k != "params":
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _env_overrides(env: dict[str, str]) -> dict[str, Any]:
    """HUB_SECTION__KEY=value -> {"section": {"key": value}} (TOML value syntax allowed)."""
    out: dict[str, Any] = {}
    for name, raw in env.items():
        if not name.startswith("HUB_") or "__" not in name:
            continue
        section, _, key = name[4:].lower().partition("__")
        try:
            value: Any = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        out.setdefault(section, {})[key] = value
    return out


def user_config_path() -> Path:
    """hub.toml in the user's config folder (platformdirs: ~/.config/hub on Linux)."""
    from platformdirs import user_config_dir  # only when no ./hub.toml or $HUB_CONFIG answers

    return Path(user_config_dir("hub", appauthor=False)) / CONFIG_NAME


def config_candidates(start: Path | None = None) -> list[Path]:
    """Where hub looks for hub.toml, first match wins: $HUB_CONFIG, ./hub.toml, the user's
    config folder. No walking up the tree: explicit is better."""
    env = os.environ.get("HUB_CONFIG")
    return [*([Path(env)] if env else []), (start or Path.cwd()) / CONFIG_NAME, user_config_path()]


def find_config(start: Path | None = None) -> Path | None:
    """$HUB_CONFIG (even if missing: load_config then says so), else the first hub.toml that
    exists in the current folder or the user's config folder; None = built-in defaults."""
    if env := os.environ.get("HUB_CONFIG"):
        return Path(env)
    candidate = (start or Path.cwd()) / CONFIG_NAME
    if candidate.is_file():
        return candidate
    user = user_config_path()
    return user if user.is_file() else None


def load_config(
    path: Path | None = None,
    *,
    db: Path | str | None = None,
    env: dict[str, str] | None = None,
    workspace: Path | None = None,
) -> Config:
    """Read hub.toml (or the defaults alone when there is none) into a frozen Config."""
    env = dict(os.environ) if env is None else env
    data = tomllib.loads(default_toml())
    if path is not None:
        user = _read_toml(Path(path))
        # Lists of tables replace the defaults instead of merging into them.
        data = _merge(data, user)
    data = _merge(data, _env_overrides(env))
    db = db or env.get("HUB_DB")
    if db:
        data.setdefault("store", {})["db"] = str(db)
    root = workspace or (Path(path).resolve().parent if path else Path(env.get("HUB_HOME", ".")))
    data["workspace"] = root.resolve()
    try:
        with no_pydantic_plugins():
            return Config.model_validate(data)
    except ValidationError as e:
        raise ConfigError(f"{path or 'config'}: {field_error(e.errors()[0])}") from e


@contextlib.contextmanager
def no_pydantic_plugins() -> Iterator[None]:
    """Build hub's validators (config, schedules) without pydantic's plugins: finding them
    reads the entry points of every installed distribution (~10 ms of each start, for
    plugins hub does not use). Typer does the same for its adapters; the environment is
    restored after."""
    previous = os.environ.get("PYDANTIC_DISABLE_PLUGINS")
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "1"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["PYDANTIC_DISABLE_PLUGINS"]
        else:
            os.environ["PYDANTIC_DISABLE_PLUGINS"] = previous


def _read_toml(path: Path) -> dict[str, Any]:
    """hub.toml's tables: a bounded read of a regular file (byte-order mark allowed)."""
    from hub.files import read_bounded, to_utf8

    if not path.exists() and not path.is_symlink():
        raise ConfigError(f"{path}: no such config file (run `hub init`)")
    try:
        return tomllib.loads(to_utf8(read_bounded(path, MAX_CONFIG_BYTES), str(path)).decode("utf-8"))
    except HubError as e:
        raise ConfigError(str(e)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from e


def field_error(err: Any) -> str:
    """One pydantic error as `section.key: what is wrong`."""
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {str(err['msg']).removeprefix('Value error, ')}"


def write_default(path: Path, *, force: bool = False, site_url: str = "") -> Path:
    """The commented default hub.toml; `site_url` (validated like [site] url) fills in
    where the site will be published (empty: relative links)."""
    if path.is_dir():
        raise ConfigError(f"{path} is a directory: give the file to write, e.g. {path / CONFIG_NAME}")
    if path.exists() and not force:
        raise ConfigError(f"{path} already exists (use --force to overwrite)")
    text = default_toml()
    if site_url.strip():
        try:
            with no_pydantic_plugins():
                url = SiteConfig(url=site_url.strip()).url
        except ValidationError as e:
            raise ConfigError(f"site URL {site_url!r}: must start with http:// or https://") from e
        text = text.replace('\nurl = ""\n', f"\nurl = {json.dumps(url)}\n", 1)
    from hub.files import write_atomic

    return write_atomic(path, text)  # WriteError (one line) on a read-only folder or a full disk
