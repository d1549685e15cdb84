"""The `hub` command: parse arguments, call one Hub method, print the result.

A HubError becomes a one-line `error: ...` on stderr and exit code 1; anything
else keeps its traceback (it is a bug).
"""

# No `from __future__ import annotations` here, unlike the rest of hub: typer reads every
# command's annotations to build the command tree on each start, and evaluating them from
# strings (several times each) was ~20 ms of `hub status`. Names imported only for type
# checking are quoted where an annotation is evaluated.
import contextlib
import dataclasses
import datetime as dt
import gc
import json
import logging
import shlex
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hub.exceptions import HubError

if TYPE_CHECKING:  # imported where used: `hub --help` must not load DuckDB, pydantic or Rich
    from rich.console import Console
    from rich.table import Table

    from hub.config import Config
    from hub.core import Hub

CONFIG_NAME = "hub.toml"  # = hub.config.CONFIG_NAME (a test keeps them equal)

app = typer.Typer(
    name="hub",
    help="Track the AI engineering field: crawl papers, repos and posts into DuckDB, "
    "join and rank them into stories, and publish a weekly digest site.\n\n"
    "Start with `hub demo` (offline, bundled real week) or `hub init`.",
    no_args_is_help=True,
    # Plain help: Rich markup would eat config section names such as [llm] and [email].
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,
)


class _LazyConsole:
    """A Rich console made on first use (importing Rich costs ~60 ms of every start)."""

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def console(self) -> "Console":
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr, soft_wrap=True)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console(), name)


out = _LazyConsole(stderr=False)
err = _LazyConsole(stderr=True)


def escape(text: str) -> str:
    """Rich markup escaped (web text is data, never markup)."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def plural(n: int, word: str, many: str = "") -> str:
    """`1 subscriber`, `2 subscribers`."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def _table(*columns: str) -> "Table":
    from rich.table import Table

    return Table(*columns)


class _State:
    db: Path | None = None
    config_path: Path | None = None
    verbose: bool = False


state = _State()


@contextlib.contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except HubError as e:
        err.print(f"[bold red]error:[/] {escape(str(e))}")
        raise typer.Exit(1) from None


def _config_path() -> Path | None:
    from hub.config import find_config

    return state.config_path or find_config()


def _config() -> "Config":
    from hub.config import load_config

    return load_config(_config_path(), db=state.db)


def _hub(read_only: bool = False, *, existing: bool = False, reads: bool = False) -> "Hub":
    """The configured hub. existing=True (commands that read what is stored): a missing
    database is an error naming where it was looked for, never a new empty file.
    reads=True (a command that only reads, though it would write if it could): a database
    file hub may not write (permissions, a read-only mount) is opened read-only."""
    from hub.core import make_hub

    config = _config()
    if existing and not config.db_path.exists():
        raise HubError(_no_database(config.db_path, _config_path()))
    return make_hub(config, read_only=read_only or (reads and not _writable(config.db_path)))


def _writable(db: Path) -> bool:
    """Whether DuckDB could open the file to write (the file and, for its WAL, its folder)."""
    import os

    return not db.exists() or (os.access(db, os.W_OK) and os.access(db.parent, os.W_OK))


def _no_database(db: Path, config_path: Path | None) -> str:
    from hub.config import config_candidates

    if config_path is not None:
        where = f"config {config_path}"
    else:
        where = "no hub.toml in " + " or ".join(str(p.parent) for p in config_candidates()) + ": defaults"
    hint = ""
    if (Path.cwd() / "hub-demo" / CONFIG_NAME).is_file():
        hint = " — or use the demo's: `cd hub-demo` (or `hub --config hub-demo/hub.toml ...`)"
    return f"no database at {db} ({where}); make one with `hub demo`, `hub import FILES` or `hub crawl`{hint}"


@contextlib.contextmanager
def _progress(enabled: bool = True) -> Iterator[Any]:
    """A Rich progress display fed by the library's progress(stage, done, total) callback."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bars = Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err.console(),
        transient=True,
        disable=not enabled,
    )
    tasks: dict[str, Any] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bars.add_task(stage, total=total)
        bars.update(tasks[stage], completed=done, total=total)

    with bars:
        yield update


@app.callback()
def _main(
    db: Annotated[
        Path | None,
        typer.Option("--db", envvar="HUB_DB", help="DuckDB file to use (default: from hub.toml)."),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            envvar="HUB_CONFIG",
            help="hub.toml to read. Default: the first found of $HUB_CONFIG, ./hub.toml, and hub.toml "
            "in the user config folder (~/.config/hub/ on Linux; `hub init --user` writes it). "
            "Relative paths in it (the database, site) are relative to its folder.",
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens.")] = False,
) -> None:
    state.db, state.config_path, state.verbose = db, config, verbose
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@app.command()
def init(
    path: Annotated[
        Path | None, typer.Argument(help="Where to write the config (default: ./hub.toml).")
    ] = None,
    user: Annotated[
        bool,
        typer.Option(
            "--user",
            help="Write it to the user config folder (~/.config/hub/hub.toml on Linux), where hub "
            "finds it from any folder; the database then lives beside it.",
        ),
    ] = False,
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
    site_url: Annotated[
        str | None,
        typer.Option(
            "--site-url",
            help="Where the site will be published (https://...). Asked when run in a terminal; "
            "empty: relative links, the site works on any host and from disk.",
        ),
    ] = None,
) -> None:
    """Write a commented hub.toml with sensible defaults (sources, topics, LLM, email, site)."""
    from hub.config import user_config_path, write_default

    if site_url is None and sys.stdin.isatty():
        site_url = typer.prompt(
            "Site URL where the digest will be published (Enter: none, links stay relative)",
            default="",
            show_default=False,
        )
    with _errors():
        if user and path is not None:
            raise HubError("give a PATH or --user, not both")
        target = user_config_path() if user else path or Path(CONFIG_NAME)
        written = write_default(target, force=force, site_url=site_url or "")
    out.print(
        f"wrote {escape(str(written))} — edit it, then `hub import` / `hub crawl` and `hub digest` "
        "(`hub schedule init` adds the default schedule)"
    )


# Examples only: listing every registered format would import every parser at each start.
# A wrong name is answered with the full list.
FORMAT_EXAMPLES = ("arxiv-jsonl", "arxiv-atom", "feed", "hn-algolia", "github-trending-md")


def _format_help() -> str:
    return (
        f"Force the input format instead of detecting it, e.g. {', '.join(FORMAT_EXAMPLES)} "
        "(a wrong name lists them all)."
    )


@app.command("import")
def import_(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of recorded data.")],
    format: Annotated[str | None, typer.Option("--format", "-f", help=_format_help())] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
) -> None:
    """Load recorded data (arXiv JSONL/Atom, HN, GitHub trending/REST, feeds, HF, Reddit).

    The format is detected from the content. Every file is parsed before anything is
    written: one broken file stops the import and leaves the database unchanged.
    """
    with _errors(), _hub() as hub, _progress(not as_json) as progress:
        results = hub.import_paths(paths, format=format, progress=progress)
    if as_json:
        out.print_json(json.dumps([r.__dict__ for r in results]))
        return
    table = _table("file", "format", "records", "items", "new", "observations")
    for r in results:
        table.add_row(
            escape(Path(r.path).name), r.format, str(r.records), str(r.items), str(r.new), str(r.observations)
        )
    out.print(table)


@app.command()
def digest(
    week: Annotated[
        str | None, typer.Option(help="ISO week, e.g. 2025-W16 (default: latest with data).")
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, max=500, help="Stories in the digest, up to 500 (default: config).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the digest as JSON (stable keys).")] = False,
    use_llm: Annotated[
        bool | None,
        typer.Option(
            "--llm/--no-llm",
            help="Summarize with the configured LLM (default: when [llm] is enabled and its key is set).",
        ),
    ] = None,
    llm_dry_run: Annotated[
        bool,
        typer.Option(
            "--llm-dry-run",
            help="Print the LLM calls and estimated tokens a digest would make; send nothing.",
        ),
    ] = False,
    save: Annotated[
        bool | None,
        typer.Option(
            "--save/--preview",
            help="Store this digest and write its page, or only print it "
            "(default: store it when made with the configured --limit and LLM, else preview).",
        ),
    ] = None,
) -> None:
    """Rank the week's stories, summarize them, print the digest and write its page under site/.

    The stored digest is what `hub build` and `hub send` publish. A digest made with other
    settings (a different --limit, --no-llm while [llm] is on) is a preview: printed,
    not stored; --save stores it anyway, --preview never stores.

    Summaries are extractive (sentences from the sources) unless an LLM is configured:
    then one call per story, cached by content, within [llm] max_tokens_per_run; any
    invalid or uncited answer falls back to the extractive summary.
    """
    if llm_dry_run:
        with _errors(), _hub(existing=True) as hub:
            calls = hub.plan_llm_calls(week, limit)
        for c in calls:
            out.print(f"{c['story']}  ~{c['tokens_in']} tokens in  {escape(c['title'][:70])}")
        tokens = sum(c["tokens_in"] for c in calls)
        out.print(f"{plural(len(calls), 'call')}, ~{tokens} input tokens (nothing sent)")
        return
    with _errors(), _hub(existing=True, reads=save is not True) as hub, _progress(not as_json) as progress:
        keep = digest_saves(save, limit, hub.config.digest.limit, use_llm, hub.llm is not None)
        if hub.store.read_only:
            keep = _read_only_preview(keep, use_llm)
            use_llm = False
        d = hub.digest(week, limit=limit, progress=progress, use_llm=use_llm, save=keep)
        report = hub.llm_report
    if report and not as_json:
        stop = " — token budget reached, the rest are extractive" if report["budget_stop"] else ""
        err.print(
            f"LLM: {report['calls']} calls, {report['cached']} cached, "
            f"{report['fallbacks']} fell back to extractive{stop}"
        )
    if as_json:
        print(json.dumps(d.to_json(), ensure_ascii=False, indent=2))
    else:
        _print_digest(d)
    _print_saved(d.week, keep)


def _read_only_preview(keep: bool, use_llm: bool | None) -> bool:
    """On a database hub may not write, `hub digest` can only preview, extractively (an LLM
    call must be logged): anything else is refused up front."""
    if keep or use_llm:
        what = "store a digest" if keep else "log LLM calls"
        raise HubError(
            f"the database is read-only (file permissions or a read-only disk), so hub cannot {what}: "
            "`hub digest --preview --no-llm` shows the digest from what is stored"
        )
    err.print("[yellow]note:[/] read-only database: a preview from the stored analysis; nothing cached")
    return False


def _print_saved(week: str, saved: bool) -> None:
    if saved:
        err.print(f"\n[dim]saved the {week} digest and its page (`hub build` publishes it)[/]")
    else:
        err.print(
            f"\n[yellow]preview:[/] not saved — the stored {week} digest (what `hub build` and "
            "`hub send` publish) is unchanged; add --save to store this one"
        )


def digest_saves(
    save: bool | None, limit: int | None, default_limit: int, use_llm: bool | None, llm_on: bool
) -> bool:
    """Whether `hub digest` stores what it makes. The configured digest is stored (it is what
    gets published); one made with other settings is a preview unless --save says so."""
    if save is not None:
        return save
    other_limit = limit is not None and limit != default_limit
    other_llm = use_llm is False and llm_on
    return not (other_limit or other_llm)


def _print_digest(d: Any) -> None:
    out.rule(f"[bold]hub digest {d.week}[/] ({d.start} – {d.end})")
    out.print(escape(d.lead), style="italic")
    for s in d.stories:
        out.print(
            f"\n[bold]{s.rank:>2}. {escape(s.title)}[/]  [dim]{escape(s.topic_name)} · score {s.score:.2f}[/]"
        )
        if s.summary:
            out.print(f"    {escape(s.summary)}", highlight=False)
        for it in s.items:
            out.print(f"    [cyan]{it.kind}[/] [link={it.url}]{escape(it.url)}[/link]", highlight=False)


def _parse_since(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2025-04-14") from None
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


@app.command()
def crawl(
    source: Annotated[
        str | None, typer.Option(help="Crawl only this source (see `hub sources list`).")
    ] = None,
    tag: Annotated[str | None, typer.Option(help="Crawl only sources with this tag or kind.")] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Oldest date to fetch, e.g. 2025-04-14 (default: [crawl] since_days ago)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Fetch new papers, repos and posts from the configured sources into the database.

    Polite (robots.txt, per-host delay, conditional GET, Retry-After) and resumable:
    every fetch is committed with its items, so an interrupted crawl loses nothing
    and a re-run adds no duplicates. One failing source never stops the others.
    """
    when = _parse_since(since)
    with _errors(), _hub() as hub, _crawl_progress(not as_json) as on_event:
        result = hub.crawl(source=source, tag=tag, since=when, on_event=on_event)
    if as_json:
        print(
            json.dumps(
                {
                    "run_id": result.run_id,
                    "sources": list(result.sources),
                    "skipped": list(result.skipped),
                    "seconds": round(result.seconds, 2),
                }
            )
        )
        return
    table = _table("source", "fetched", "new", "updated", "not modified", "errors", "time")
    for r in result.sources:
        table.add_row(
            escape(r["source"]),
            str(r["fetched"]),
            str(r["new"]),
            str(r["updated"]),
            str(r["not_modified"]),
            f"[red]{r['errors']}[/]" if r["errors"] else "0",
            f"{r['ms'] / 1000:.1f}s",
        )
    out.print(table)
    for name in result.skipped:
        out.print(f"[yellow]skipped[/] {escape(name)}")
    out.print(f"crawl #{result.run_id} took {result.seconds:.1f}s — `hub status` shows source health")


@contextlib.contextmanager
def _crawl_progress(enabled: bool) -> Iterator[Any]:
    with _progress(enabled) as update:
        state = {"total": 0, "done": 0}

        def on_event(event: dict[str, Any]) -> None:
            if event.get("event") == "start":
                state["total"] = int(event.get("requests", 0))
            elif event.get("event") == "fetch":
                state["done"] += 1
                state["total"] = max(state["total"], state["done"])
            update("crawl", state["done"], state["total"])

        yield on_event


@app.command()
def enrich(
    week: Annotated[
        str | None, typer.Option(help="ISO week, e.g. 2025-W16 (default: the latest with data).")
    ] = None,
    limit: Annotated[
        int, typer.Option(min=1, max=500, help="How many of the week's top stories to enrich.")
    ] = 60,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Fetch what the week's top stories point at: the article each post links (main text),
    repos' READMEs, and arXiv papers that posts link but the database lacks.

    Through the same polite crawler as `hub crawl`. Each URL is fetched once (a re-run
    fetches nothing new); a paywalled or failed page is stored with its reason and no text,
    and its story is summarized from the post's own text.
    """
    with _errors(), _hub(existing=True) as hub, _crawl_progress(not as_json) as on_event:
        r = hub.enrich(week, limit=limit, on_event=on_event)
    keys = ("week", "stories", "fetched", "texts", "cached", "skipped", "papers", "outcomes", "errors")
    if as_json:
        print(json.dumps({k: getattr(r, k) for k in keys} | {"seconds": round(r.seconds, 2)}))
        return
    table = _table("outcome", "URLs")
    for status, n in r.outcomes.items():
        table.add_row(escape(status), str(n))
    out.print(table)
    out.print(
        f"enrich {r.week}: {r.stories} stories, {r.fetched} URLs fetched, {r.texts} with text, "
        f"{r.cached} fetched before, {r.skipped} links skipped, {r.papers} arXiv papers added "
        f"({r.seconds:.1f}s)"
    )


sources_app = typer.Typer(
    help="List, add, remove, import (OPML) and export the crawled sources.", no_args_is_help=True
)
app.add_typer(sources_app, name="sources")


@sources_app.command("list")
def sources_list(as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False) -> None:
    """Every source: kind, URL, tags, enabled, and where it comes from (config or user)."""
    with _errors(), _hub() as hub:
        rows = hub.sources().sync()
    if as_json:
        print(json.dumps(rows, default=str, indent=2))
        return
    table = _table("name", "kind", "url", "tags", "enabled", "origin")
    for r in rows:
        table.add_row(
            escape(r["name"]),
            r["kind"],
            escape(r["url"]),
            ", ".join(r["tags"]),
            "yes" if r["enabled"] else "no",
            r["origin"],
        )
    out.print(table)


@sources_app.command("add")
def sources_add(
    name: Annotated[str, typer.Argument(help="A short unique name.")],
    url: Annotated[str, typer.Argument(help="Feed URL (or API base URL for other kinds).")] = "",
    kind: Annotated[str, typer.Option(help="feed, arxiv, hn, github, reddit or hf.")] = "feed",
    tag: Annotated[list[str] | None, typer.Option(help="Tag (repeatable).")] = None,
) -> None:
    """Add a source (stored in the database; hub.toml is left as you wrote it)."""
    with _errors(), _hub() as hub:
        hub.sources().sync()
        src = hub.sources().add(name, kind, url, tag or ())
    out.print(f"added {escape(src['name'])} ({src['kind']})")


@sources_app.command("remove")
def sources_remove(name: Annotated[str, typer.Argument(help="The source's name.")]) -> None:
    """Remove a source you added, or disable one that hub.toml lists."""
    with _errors(), _hub() as hub:
        hub.sources().sync()
        hub.sources().remove(name)
    out.print(f"removed {escape(name)}")


@sources_app.command("import")
def sources_import(
    path: Annotated[Path, typer.Argument(help="An OPML file exported by a feed reader.")],
    tag: Annotated[list[str] | None, typer.Option(help="Tag for the imported feeds.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Import feeds from OPML (what feed-reader users bring); its folders become tags."""
    from hub.sources.opml import read_opml

    with _errors(), _hub() as hub:
        added, skipped = hub.sources().import_feeds(read_opml(path), tag or ())
    if as_json:
        print(json.dumps({"added": added, "already_present": skipped}))
        return
    note = f" ({skipped} already present)" if skipped else ""
    out.print(f"imported {plural(added, 'feed')} from {escape(str(path))}{note}")


@sources_app.command("export")
def sources_export() -> None:
    """Print the feed sources as OPML."""
    from hub.sources.opml import write_opml

    with _errors(), _hub() as hub:
        rows = hub.sources().sync()
    print(write_opml([r for r in rows if r["kind"] == "feed" and r["enabled"]]))


subscribers_app = typer.Typer(help="Manage the email newsletter's subscribers.", no_args_is_help=True)
app.add_typer(subscribers_app, name="subscribers")


@subscribers_app.command("add")
def subscribers_add(addresses: Annotated[list[str], typer.Argument(help="Email addresses.")]) -> None:
    """Subscribe addresses (validated; stored in the database). All or none: one invalid
    address stores none of them."""
    with _errors(), _hub() as hub:
        added = hub.add_subscribers(addresses)
    for email, new in added:
        out.print(f"{'added' if new else 'already subscribed'}: {escape(email)}")


@subscribers_app.command("remove")
def subscribers_remove(address: Annotated[str, typer.Argument(help="Email address.")]) -> None:
    """Unsubscribe an address (kept as inactive, so it is never mailed again by mistake)."""
    with _errors(), _hub(existing=True) as hub:
        email = hub.remove_subscriber(address)
    out.print(f"removed: {escape(email)}")


@subscribers_app.command("list")
def subscribers_list(as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False) -> None:
    """Active subscribers."""
    with _errors(), _hub(existing=True, reads=True) as hub:
        rows = hub.store.subscribers()
    if as_json:
        print(json.dumps([{"email": r["email"], "added_at": r["added_at"]} for r in rows], default=str))
        return
    for r in rows:
        out.print(escape(r["email"]))
    out.print(f"[dim]{plural(len(rows), 'subscriber')}[/]")


@app.command()
def send(
    week: Annotated[str | None, typer.Option(help="ISO week of a stored digest (default: latest).")] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Write .eml files to outbox/ in the hub's folder (beside hub.toml), send nothing.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Email the digest (HTML + text, List-Unsubscribe) over SMTP, once per subscriber.

    SMTP host/port/security come from hub.toml [email]; user and password from the
    environment variables it names. Re-running never sends twice; failures are retried.
    """
    with _errors(), _hub(existing=True) as hub:
        report = hub.send(week, dry_run=dry_run)
    if as_json:
        print(json.dumps(dataclasses.asdict(report), indent=2))
        raise typer.Exit(1 if report.failed else 0)
    if dry_run:
        out.print(f"dry run: wrote {plural(len(report.written), 'message')}")
        for path in report.written:
            out.print(f"  {escape(path)}")
        return
    out.print(
        f"{report.week}: sent {len(report.sent)}, already sent {len(report.skipped)}, "
        f"failed {len(report.failed)}"
    )
    for email, why in report.failed.items():
        err.print(f"[red]failed[/] {escape(email)}: {escape(why)} (retried on the next run)")
    for email in report.uncertain:
        err.print(f"[yellow]not re-sent[/] {escape(email)}: an earlier run stopped while sending")
    if report.failed:
        raise typer.Exit(1)


schedule_app = typer.Typer(
    help="Run hub by itself: the jobs in schedules/*.yml (APScheduler).", no_args_is_help=True
)
app.add_typer(schedule_app, name="schedule")
SchedulesDir = Annotated[Path | None, typer.Option("--dir", help="Folder of *.yml (default: ./schedules).")]


def _schedules(folder: Path | None) -> tuple[Any, Path, list[Any]]:
    from hub.config import find_config, load_config
    from hub.scheduler import load_schedules

    config_path = state.config_path or find_config()
    if config_path is None:
        raise HubError("scheduling needs a hub.toml (run `hub init`): jobs re-read it on every run")
    config = load_config(config_path, db=state.db)
    folder = folder or config.workspace / "schedules"
    if not folder.is_dir():
        raise HubError(f"no schedules folder at {folder} (`hub schedule init` writes the default one)")
    return config, Path(config_path).resolve(), load_schedules(folder)


@schedule_app.command("init")
def schedule_init(
    folder: Annotated[
        Path | None, typer.Option("--dir", help="Folder to write (default: schedules/ beside hub.toml).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite existing files.")] = False,
) -> None:
    """Write the default schedule (schedules/default.yml: hourly and daily crawls, the Monday digest)."""
    from hub.scheduler import write_default_schedules

    with _errors():
        written = write_default_schedules(folder or _config().workspace / "schedules", force=force)
    for path in written:
        out.print(f"wrote {escape(str(path))} — `hub schedule list` shows its next runs")


@schedule_app.command("list")
def schedule_list(
    folder: SchedulesDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Jobs, their cron and timezone, and when each runs next."""
    from hub.scheduler import next_runs

    with _errors():
        _, _, specs = _schedules(folder)
    rows: list[dict[str, Any]] = [
        {
            "name": s.name,
            "job": s.job,
            "cron": s.cron,
            "timezone": s.timezone,
            "args": s.args,
            "next_run": n.isoformat() if n else None,
        }
        for s, n in next_runs(specs)
    ]
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = _table("job", "runs", "cron", "timezone", "args", "next run")
    for r in rows:
        table.add_row(
            r["name"], r["job"], r["cron"], r["timezone"], json.dumps(r["args"]), r["next_run"] or "disabled"
        )
    out.print(table)


@schedule_app.command("run")
def schedule_run(folder: SchedulesDir = None) -> None:
    """Run the scheduler in the foreground until SIGTERM/Ctrl-C (one per hub).

    Missed runs (the machine was off) run once at start; each job runs one at a time;
    the database is opened only while a job runs. Logs one line per job event.
    """
    from hub.scheduler import run_daemon

    logging.getLogger("hub").setLevel(logging.INFO)
    with _errors():
        config, config_path, specs = _schedules(folder)
        out.print(f"scheduler: {plural(len(specs), 'job')} from {folder or 'schedules'}; Ctrl-C to stop")
        run_daemon(config, config_path, specs)
    out.print("scheduler stopped")


@schedule_app.command("run-once")
def schedule_run_once(
    job: Annotated[str, typer.Argument(help="A job name from `hub schedule list`.")],
    folder: SchedulesDir = None,
) -> None:
    """Run one job now, in the foreground (recorded in `runs` like a scheduled run)."""
    from hub.scheduler import run_job

    with _errors():
        _, config_path, specs = _schedules(folder)
        spec = next((s for s in specs if s.name == job), None)
        if spec is None:
            raise HubError(f"no job named {job!r} (one of: {', '.join(s.name for s in specs)})")
        result = run_job(str(config_path), spec.name, spec.job, spec.args)
    out.print(json.dumps(result, default=str))


@app.command()
def explain(
    ident: Annotated[str, typer.Argument(help="A story id (s-…) or an item id (arxiv:…, hn:…, gh:…).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Why a story is here: its items, how each join was found, its topic and score breakdown."""
    with _errors(), _hub(read_only=True, existing=True) as hub:
        info = hub.explain(ident)
    story = info["story"]
    if as_json:
        print(
            json.dumps(
                {
                    "story": {"id": story.id, "title": story.title, "lead_item": story.lead_item},
                    "items": [
                        {"id": i.id, "kind": i.kind, "source": i.source, "title": i.title, "url": i.url}
                        for i in info["items"]
                    ],
                    "links": [dataclasses.asdict(ln) for ln in info["links"]],
                    "topic": info["topic"],
                    "scores": info["scores"],
                    "digests": info["digests"],
                },
                default=str,
                indent=2,
            )
        )
        return
    out.print(f"[bold]{escape(story.title)}[/]  ({story.id})")
    for it in info["items"]:
        out.print(f"  {it.kind:<7} {escape(it.id):<32} {escape(it.url)}", highlight=False)
    for ln in info["links"]:
        out.print(
            f"  {ln.relation}: {escape(ln.src)} → {escape(ln.dst)} by {ln.method} "
            f"[dim]({escape(ln.evidence[:80])})[/]",
            highlight=False,
        )
    if t := info["topic"]:
        out.print(f"  topic: {t['id']} (similarity {t['confidence']:.2f}, AI relevance {t['relevance']:.2f})")
    for sc in info["scores"]:
        parts = ", ".join(
            f"{k} {v:+.2f}" for k, v in sorted(sc["breakdown"].items(), key=lambda kv: -abs(kv[1]))
        )
        out.print(f"  {sc['week']}: rank {sc['rank']}, score {sc['total']:.2f} = {parts}")
    for d in info["digests"]:
        joined = f", one event with {escape(', '.join(d['with']))}" if d["with"] else ""
        out.print(f"  in the {d['week']} digest: #{d['rank']} ({d['story_id']}){joined}", highlight=False)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to find in titles, abstracts and summaries.")],
    kind: Annotated[str | None, typer.Option(help="paper, repo, post, thread or release.")] = None,
    topic: Annotated[str | None, typer.Option(help="A topic id, e.g. agents or rag.")] = None,
    since: Annotated[str | None, typer.Option(help="Only items published since, e.g. 2025-04-14.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="Results to show.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
) -> None:
    """Search everything hub has stored, offline (a tantivy index, BM25): words, "phrases",
    AND/OR/NOT, title:word; each hit shows a snippet with the words found."""
    when = _parse_since(since)
    with _errors(), _search_hub() as hub, _progress(not as_json) as progress:
        rows = hub.search(query, kind=kind, topic=topic, since=when, limit=limit, progress=progress)
        state = hub.store.search_index_state()
    if notice := _index_notice(state, hub.store.path):  # on stderr: --json output stays clean
        err.print(f"[yellow]note:[/] {escape(notice)}", highlight=False)
    if as_json:
        print(json.dumps(rows, default=str, indent=2))
        return
    if not rows:
        out.print("no results")
        return
    table = _table("title", "date", "source", "topic", "link")
    for r in rows:
        date = f"{r['published_at']:%Y-%m-%d}" if r["published_at"] else ""
        title = escape(r["title"][:80])
        if r["snippet"] and r["snippet"] != r["title"]:
            title += f"\n[dim]{_marked(r['snippet'], r['highlights'])}[/]"
        table.add_row(title, date, escape(r["source"]), r["topic"] or "—", escape(r["url"]))
    out.print(table)


def _index_notice(state: str, db: Path) -> str | None:
    """What a read-only search says about an index that is not fresh, and why it was read-only."""
    if _writable(db):
        why, until = "another hub process has the database open: searched read-only", "that process is done"
    else:
        why, until = "the database file is read-only: searched as it is", "hub may write the database"
    if state == "stale":
        return (
            "the search index is older than the database, so the newest changes may be missing "
            f"({why}); `hub search` updates the index once {until}"
        )
    if state == "missing":
        return (
            f"no search index yet, so this was plain substring matching ({why}); `hub search` "
            f"builds the index once {until}"
        )
    return None


def _search_hub() -> "Hub":
    """Write access when no other process has the database open: a stale index is then
    brought up to date before the search. Else read-only at once (other readers, such as
    `hub sql` or `hub export`, do not make a search wait): the index as it is."""
    from hub.core import make_hub
    from hub.exceptions import StoreLockedError

    config = _config()
    if not config.db_path.exists():
        raise HubError(_no_database(config.db_path, _config_path()))
    if not _writable(config.db_path):
        return make_hub(config, read_only=True)
    no_wait = config.model_copy(update={"store": config.store.model_copy(update={"lock_wait_s": 0.0})})
    try:
        return make_hub(no_wait)
    except StoreLockedError:  # a writer holding it makes this wait lock_wait_s as usual
        return make_hub(config, read_only=True)


def _marked(snippet: str, highlights: list[list[int]]) -> str:
    """A search hit's snippet as Rich markup, the query's words in bold."""
    parts, at = [], 0
    for a, b in highlights:
        parts += [escape(snippet[at:a]), f"[bold]{escape(snippet[a:b])}[/bold]"]
        at = b
    return "".join([*parts, escape(snippet[at:])])


@app.command()
def build(as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False) -> None:
    """Write all digest/topic pages and build the site with MkDocs (strict mode)."""
    with _errors(), _hub(existing=True) as hub:
        result = hub.build_site()
    if as_json:
        print(json.dumps(dataclasses.asdict(result) | {"seconds": round(result.seconds, 2)}))
        return
    out.print(f"built {result.pages} pages in {result.seconds:.1f}s → {result.site_dir}/index.html")


@app.command()
def sql(
    query: Annotated[
        str,
        typer.Argument(help='One read-only statement, e.g. "SELECT kind, count(*) FROM items GROUP BY 1".'),
    ],
    limit: Annotated[int, typer.Option(min=0, help="Rows to print at most (0: all).")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print rows as a JSON list of objects.")] = False,
) -> None:
    """Query the database with DuckDB SQL, read-only (`SHOW TABLES` lists the tables).

    One statement that reads: SELECT, WITH, SHOW, DESCRIBE, SUMMARIZE or EXPLAIN. Writes are
    refused, and the database is opened read-only.
    """
    with _errors(), _hub(read_only=True, existing=True) as hub:
        columns, rows = hub.store.read_query(query, max_rows=limit + 1 if limit else None)
    more = bool(limit) and len(rows) > limit
    rows = rows[:limit] if limit else rows
    if as_json:
        print(json.dumps([dict(zip(columns, r, strict=True)) for r in rows], default=str, indent=2))
        return
    table = _table(*(escape(c) for c in columns))
    for r in rows:
        table.add_row(*(escape("" if v is None else str(v)) for v in r))
    out.print(table)
    note = f"first {plural(limit, 'row')} shown (--limit 0 for all)" if more else plural(len(rows), "row")
    err.print(f"[dim]{note}[/]")


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="parquet, csv or jsonl.")] = "parquet",
    table: Annotated[
        str, typer.Option(help="The table to export (`hub sql 'SHOW TABLES'` lists them).")
    ] = "items",
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", help="The file to write (default: ./<table>.<format>).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Export one table of the database to a Parquet, CSV or JSON-lines file (DuckDB COPY).

    For pandas, polars, DuckDB itself or a spreadsheet. The database is opened read-only.
    """
    target = out_path or Path(f"{table}.{fmt}")
    with _errors(), _hub(read_only=True, existing=True) as hub:
        n = hub.store.export_table(table, fmt, target)
    if as_json:
        print(json.dumps({"table": table, "format": fmt, "path": str(target), "rows": n}))
        return
    out.print(f"wrote {plural(n, 'row')} of {escape(table)} to {escape(str(target))}")


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8000,
) -> None:
    """Serve the site locally (MkDocs dev server with live reload)."""
    with _errors(), _hub(existing=True) as hub:
        hub.serve_site(port=port)


@app.command()
def status(as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False) -> None:
    """What the database holds, recent runs and failures, next scheduled runs, source health.

    Next runs come from schedules/*.yml beside hub.toml (read, no scheduler started); sources
    listed in hub.toml but never crawled show as such.
    """
    from hub.status import read_status, render

    with _errors():
        config = _config()
        if not config.db_path.exists():
            raise HubError(_no_database(config.db_path, _config_path()))
        info = read_status(config)  # no stage is loaded: status answers at once
    # Plain print, no Rich: status is the command people run to see if all is well, so it is
    # kept fast (benchmarks/cli_startup.py).
    sys.stdout.write(json.dumps(info, default=str, indent=2) + "\n" if as_json else render(info))


@app.command()
def demo(
    dir: Annotated[Path, typer.Option("--dir", help="Work folder for the demo hub.")] = Path("hub-demo"),
) -> None:
    """Build a digest and the site from a bundled real week (2025-W16), offline, no API key."""
    from hub.demo import next_commands, run_demo, shown_path

    start = time.perf_counter()
    out.print(f"hub demo: real recorded week 2025-04-14..20 → {dir}/")
    with _errors(), _progress() as progress:
        result = run_demo(dir, progress=progress)
    total = time.perf_counter() - start
    items = sum(r.items for r in result.imports)
    out.print(
        f"loaded {plural(len(result.imports), 'file')}: {plural(items, 'item record')}, "
        f"{sum(r.new for r in result.imports)} distinct items"
    )
    _print_digest_head(result.digest)
    timing = ", ".join(f"{k} {v:.1f}s" for k, v in result.seconds.items())
    out.print(f"\n[green]done in {total:.1f}s[/] ({timing})")
    out.print(f"open  [bold]{result.index_html}[/]\n\nnext, try:")
    steps = next_commands(result.workdir, result.digest, Path.cwd())
    width = max(len(cmd) for cmd, _ in steps)
    for cmd, why in steps:
        out.print(f"  {escape(cmd):<{width}}  [dim]# {escape(why)}[/]", highlight=False)
    config = shlex.quote(shown_path(result.workdir / CONFIG_NAME, Path.cwd()))
    out.print(f"[dim](or stay here and add --config {escape(config)} after `hub`)[/]")


def _print_digest_head(d: Any) -> None:
    out.print(f"\n[bold]{d.week}[/]: {plural(len(d.stories), 'story', 'stories')}. Top 5:")
    for s in d.stories[:5]:
        out.print(f"  {s.rank}. {escape(s.title)} [dim]({escape(s.topic_name)}, {s.score:.2f})[/]")


def main() -> None:
    try:
        app()
    finally:
        # Leaving: the objects still alive (typer's, pydantic's, the modules') go to the
        # permanent generation, so the interpreter's last collection does not walk them
        # again: ~40 ms of every short command (`hub status`). Nothing is skipped: atexit
        # handlers, finalizers and module teardown run as before.
        gc.freeze()
