"""The `hub` command: parse arguments, call one Hub method, print the result.

A HubError becomes a one-line `error: ...` on stderr and exit code 1; anything
else keeps its traceback (it is a bug).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import logging
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

    def console(self) -> Console:
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


def _table(*columns: str) -> Table:
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


def _config() -> Config:
    from hub.config import find_config, load_config

    path = state.config_path or find_config()
    return load_config(path, db=state.db)


def _hub(read_only: bool = False) -> Hub:
    from hub.core import make_hub

    return make_hub(_config(), read_only=read_only)


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
        typer.Option("--config", "-c", envvar="HUB_CONFIG", help="hub.toml to read (default: ./hub.toml)."),
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
    path: Annotated[Path, typer.Argument(help="Where to write the config.")] = Path(CONFIG_NAME),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented hub.toml with sensible defaults (sources, topics, LLM, email, site)."""
    from hub.config import write_default

    with _errors():
        written = write_default(path, force=force)
    out.print(f"wrote {written} — edit it, then `hub import` / `hub crawl` and `hub digest`")


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
    limit: Annotated[int | None, typer.Option(min=1, help="Stories in the digest (default: config).")] = None,
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
) -> None:
    """Rank the week's stories, summarize them, print the digest and write its page under site/.

    Summaries are extractive (sentences from the sources) unless an LLM is configured:
    then one call per story, cached by content, within [llm] max_tokens_per_run; any
    invalid or uncited answer falls back to the extractive summary.
    """
    if llm_dry_run:
        with _errors(), _hub() as hub:
            calls = hub.plan_llm_calls(week, limit)
        for c in calls:
            out.print(f"{c['story']}  ~{c['tokens_in']} tokens in  {escape(c['title'][:70])}")
        out.print(f"{len(calls)} calls, ~{sum(c['tokens_in'] for c in calls)} input tokens (nothing sent)")
        return
    with _errors(), _hub() as hub, _progress(not as_json) as progress:
        d = hub.digest(week, limit=limit, progress=progress, use_llm=use_llm)
        report = hub.llm_report
    if report and not as_json:
        stop = " — token budget reached, the rest are extractive" if report["budget_stop"] else ""
        err.print(
            f"LLM: {report['calls']} calls, {report['cached']} cached, "
            f"{report['fallbacks']} fell back to extractive{stop}"
        )
    if as_json:
        print(json.dumps(d.to_json(), ensure_ascii=False, indent=2))
        return
    _print_digest(d)


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
    limit: Annotated[int, typer.Option(help="How many of the week's top stories to enrich.")] = 60,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Fetch what the week's top stories point at: the article each post links (main text),
    repos' READMEs, and arXiv papers that posts link but the database lacks.

    Through the same polite crawler as `hub crawl`. Each URL is fetched once (a re-run
    fetches nothing new); a paywalled or failed page is stored with its reason and no text,
    and its story is summarized from the post's own text.
    """
    with _errors(), _hub() as hub, _crawl_progress(not as_json) as on_event:
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
        rows = hub.sync_sources()
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
        hub.sync_sources()
        src = hub.add_source(name, kind, url, tag or ())
    out.print(f"added {escape(src['name'])} ({src['kind']})")


@sources_app.command("remove")
def sources_remove(name: Annotated[str, typer.Argument(help="The source's name.")]) -> None:
    """Remove a source you added, or disable one that hub.toml lists."""
    with _errors(), _hub() as hub:
        hub.sync_sources()
        hub.remove_source(name)
    out.print(f"removed {escape(name)}")


@sources_app.command("import")
def sources_import(
    path: Annotated[Path, typer.Argument(help="An OPML file exported by a feed reader.")],
    tag: Annotated[list[str] | None, typer.Option(help="Tag for the imported feeds.")] = None,
) -> None:
    """Import feeds from OPML (what feed-reader users bring)."""
    from hub.sources.opml import read_opml

    with _errors(), _hub() as hub:
        added, skipped = hub.import_feeds(read_opml(path), tag or ())
    note = f" ({skipped} already present)" if skipped else ""
    out.print(f"imported {added} feeds from {escape(str(path))}{note}")


@sources_app.command("export")
def sources_export() -> None:
    """Print the feed sources as OPML."""
    from hub.sources.opml import write_opml

    with _errors(), _hub() as hub:
        rows = hub.sync_sources()
    print(write_opml([r for r in rows if r["kind"] == "feed" and r["enabled"]]))


subscribers_app = typer.Typer(help="Manage the email newsletter's subscribers.", no_args_is_help=True)
app.add_typer(subscribers_app, name="subscribers")


@subscribers_app.command("add")
def subscribers_add(addresses: Annotated[list[str], typer.Argument(help="Email addresses.")]) -> None:
    """Subscribe addresses (validated; stored in the database)."""
    with _errors(), _hub() as hub:
        for raw in addresses:
            email, new = hub.add_subscriber(raw)
            out.print(f"{'added' if new else 'already subscribed'}: {escape(email)}")


@subscribers_app.command("remove")
def subscribers_remove(address: Annotated[str, typer.Argument(help="Email address.")]) -> None:
    """Unsubscribe an address (kept as inactive, so it is never mailed again by mistake)."""
    with _errors(), _hub() as hub:
        email = hub.remove_subscriber(address)
    out.print(f"removed: {escape(email)}")


@subscribers_app.command("list")
def subscribers_list(as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False) -> None:
    """Active subscribers."""
    with _errors(), _hub() as hub:
        rows = hub.subscribers()
    if as_json:
        print(json.dumps([{"email": r["email"], "added_at": r["added_at"]} for r in rows], default=str))
        return
    for r in rows:
        out.print(escape(r["email"]))
    out.print(f"[dim]{len(rows)} subscribers[/]")


@app.command()
def send(
    week: Annotated[str | None, typer.Option(help="ISO week of a stored digest (default: latest).")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Write .eml files to ./outbox, send nothing.")
    ] = False,
) -> None:
    """Email the digest (HTML + text, List-Unsubscribe) over SMTP, once per subscriber.

    SMTP host/port/security come from hub.toml [email]; user and password from the
    environment variables it names. Re-running never sends twice; failures are retried.
    """
    with _errors(), _hub() as hub:
        report = hub.send(week, dry_run=dry_run)
    if dry_run:
        out.print(f"dry run: wrote {len(report.written)} messages")
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
        raise HubError(f"no schedules folder at {folder}")
    return config, Path(config_path).resolve(), load_schedules(folder)


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
        out.print(f"scheduler: {len(specs)} jobs from {folder or 'schedules'}; Ctrl-C to stop")
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
    with _errors(), _hub(read_only=True) as hub:
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
    with _errors(), _hub() as hub, _progress(not as_json) as progress:
        rows = hub.search(query, kind=kind, topic=topic, since=when, limit=limit, progress=progress)
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


def _marked(snippet: str, highlights: list[list[int]]) -> str:
    """A search hit's snippet as Rich markup, the query's words in bold."""
    parts, at = [], 0
    for a, b in highlights:
        parts += [escape(snippet[at:a]), f"[bold]{escape(snippet[a:b])}[/bold]"]
        at = b
    return "".join([*parts, escape(snippet[at:])])


@app.command()
def build() -> None:
    """Write all digest/topic pages and build the site with MkDocs (strict mode)."""
    with _errors(), _hub() as hub:
        result = hub.build_site()
    out.print(f"built {result.pages} pages in {result.seconds:.1f}s → {result.site_dir}/index.html")


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8000,
) -> None:
    """Serve the site locally (MkDocs dev server with live reload)."""
    with _errors(), _hub() as hub:
        hub.serve_site(port=port)


@app.command()
def status(as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False) -> None:
    """What the database holds, recent runs and failures, next scheduled runs, source health."""
    with _errors(), _hub(read_only=True) as hub:
        info = hub.status()
        info["sources"] = hub.source_health()
        info["next_runs"] = _next_runs()
    if as_json:
        print(json.dumps(info, default=str, indent=2))
        return
    out.print(
        f"database: {info['db']}\ncoverage: {info['coverage']}\ndigests: {', '.join(info['weeks']) or 'none'}"
    )
    table = _table("table", "rows")
    for k, v in info["counts"].items():
        table.add_row(k, str(v))
    out.print(table)
    _print_runs(info["runs"], info["next_runs"])
    _print_health(info["sources"])


def _next_runs() -> list[dict[str, Any]]:
    """Next runs of the jobs in ./schedules (empty when there is no schedule)."""
    from hub.scheduler import load_schedules, next_runs

    config = _config()
    folder = config.workspace / "schedules"
    if not folder.is_dir():
        return []
    return [
        {"job": s.name, "next_run": n.isoformat() if n else None}
        for s, n in next_runs(load_schedules(folder))
    ]


def _print_runs(runs: list[dict[str, Any]], upcoming: list[dict[str, Any]]) -> None:
    if runs:
        table = _table("run", "job", "started", "status", "error")
        for r in runs:
            style = "red" if r["status"] == "error" else "green" if r["status"] == "ok" else "yellow"
            table.add_row(
                str(r["id"]),
                escape(r["job"]),
                f"{r['started_at']:%Y-%m-%d %H:%M}",
                f"[{style}]{r['status']}[/]",
                escape((r["error"] or "")[:70]),
            )
        out.print(table)
    for u in upcoming:
        out.print(f"next: {u['job']} at {u['next_run'] or 'disabled'}")


def _print_health(rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    table = _table("source", "kind", "healthy", "items", "last success", "last error", "median")
    for r in rows:
        healthy = {True: "[green]yes[/]", False: "[red]no[/]", None: "[dim]never crawled[/]"}[r["healthy"]]
        table.add_row(
            escape(r["name"]),
            r["kind"],
            healthy,
            str(r["items"]),
            f"{r['last_success']:%Y-%m-%d %H:%M}" if r["last_success"] else "—",
            escape((r["last_error"] or "—")[:60]),
            f"{r['median_ms']:.0f} ms" if r["median_ms"] is not None else "—",
        )
    out.print(table)


@app.command()
def demo(
    dir: Annotated[Path, typer.Option("--dir", help="Work folder for the demo hub.")] = Path("hub-demo"),
) -> None:
    """Build a digest and the site from a bundled real week (2025-W16), offline, no API key."""
    from hub.demo import run_demo

    start = time.perf_counter()
    out.print(f"hub demo: real recorded week 2025-04-14..20 → {dir}/")
    with _errors(), _progress() as progress:
        result = run_demo(dir, progress=progress)
    total = time.perf_counter() - start
    items = sum(r.items for r in result.imports)
    out.print(
        f"loaded {len(result.imports)} files: {items} item records, "
        f"{sum(r.new for r in result.imports)} distinct items"
    )
    _print_digest_head(result.digest)
    timing = ", ".join(f"{k} {v:.1f}s" for k, v in result.seconds.items())
    out.print(f"\n[green]done in {total:.1f}s[/] ({timing})")
    out.print(f"open  [bold]{result.index_html}[/]")
    out.print(f"or    hub --config {result.workdir / CONFIG_NAME} serve   (search works best served)")


def _print_digest_head(d: Any) -> None:
    out.print(f"\n[bold]{d.week}[/]: {len(d.stories)} stories. Top 5:")
    for s in d.stories[:5]:
        out.print(f"  {s.rank}. {escape(s.title)} [dim]({escape(s.topic_name)}, {s.score:.2f})[/]")


def main() -> None:
    app()
