"""Time how long `hub --help` and `hub status` take to answer, in fresh processes.

    python -m benchmarks.cli_startup [--runs 9] [--imports 5] [--against DIR]

Each command runs `--runs` times as `python -m hub ...` (what the `hub` script does) after
one warm-up run, with this checkout first on the path; the table shows the median and the
fastest run in seconds, wall clock and CPU (user + system of the child: on a busy machine
the wall clock waits for a core, the CPU time much less). Bytecode is cached (in a
temporary folder) as in an installed hub, even where PYTHONDONTWRITEBYTECODE is set:
otherwise every run would compile hub's modules again (~50 ms of `hub status`).

`hub status` reads a store made once by `hub demo` in a temporary folder, then with the
shipped schedules/ beside its hub.toml (status then parses the schedule for the next
runs), then also with a week of hourly crawls recorded (`add_crawl_history`: source
health, runs and failures to show, as on a hub in use). With `--against DIR` (another
checkout, e.g. `git worktree add ../before <commit>`), each command runs in turn with DIR
and with this checkout, and the table adds DIR's median and the median of the per-pair
ratios, which holds when the machine's speed drifts. Then `python -X importtime` names
the slowest imports (cumulative ms) of `hub --help` and of `hub status` with the schedule,
so a regression points at its cause.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hub.demo import run_demo

ROOT = Path(__file__).resolve().parents[1]


def add_crawl_history(config_path: Path, days: int = 7) -> int:
    """What `days` of hourly crawls leave in the store of `config_path`: each source of its
    hub.toml fetched every hour, one fetch in 20 failing, one run per crawl and each day's
    last run failed. Returns the number of fetches recorded."""
    import datetime as dt

    from hub.config import load_config
    from hub.store import FetchRecord, Store

    config = load_config(config_path)
    end = dt.datetime.now(dt.UTC).replace(minute=7, second=0, microsecond=0)
    n = 0
    with Store(config.db_path) as store, store.transaction():
        store.sync_config_sources([s.model_dump(mode="json") for s in config.sources])
        for hour in range(days * 24):
            at = end - dt.timedelta(hours=days * 24 - hour)
            run = store.start_run("crawl")
            for i, source in enumerate(config.sources):
                error = "HTTP 503: Service Unavailable" if (hour + i) % 20 == 0 else None
                url = source.url or f"https://example.org/{source.name}"
                ms = 100.0 + (hour * 7 + i) % 400
                fetch = FetchRecord(
                    source.name, url, 503 if error else 200, error=error, duration_ms=ms, run_id=run
                )
                store.record_fetch(fetch, items=20, new=0 if error else hour % 3, at=at)
                n += 1
            failed = hour % 24 == 23
            store.finish_run(run, "error" if failed else "ok", error="a source failed" if failed else "")
    return n


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run (in the folder of no checkout: `python -m` puts the
    current folder first on the path, before PYTHONPATH)."""
    start, start_cpu = time.perf_counter(), _cpu()
    subprocess.run(
        cmd, env=env, cwd=env["HUB_HOME"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - start, _cpu() - start_cpu


def _time(cmd: list[str], runs: int, envs: list[dict[str, str]]) -> list[list[tuple[float, float]]]:
    """(wall, CPU) of each run of `cmd` under each of `envs`, taken in turn (A B A B ...)
    after one warm-up run each (it also writes the bytecode cache)."""
    for env in envs:
        _run(cmd, env)
    results: list[list[tuple[float, float]]] = [[] for _ in envs]
    for _ in range(runs):
        for env, result in zip(envs, results, strict=True):
            result.append(_run(cmd, env))
    return results


def slowest_imports(args: list[str], env: dict[str, str], top: int) -> list[tuple[int, str]]:
    """(cumulative µs, module) of the `top` slowest imports of `hub ARGS`, each followed by
    its own slowest direct imports (indented)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "hub", *args],
        env=env,
        cwd=env["HUB_HOME"],
        capture_output=True,
        text=True,
        check=True,
    )
    tops: list[tuple[int, str, list[tuple[int, str]]]] = []
    children: list[tuple[int, str]] = []
    for line in proc.stderr.splitlines():  # a module is listed after what it imported
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|")
        depth = (len(name) - len(name.lstrip()) - 1) // 2  # two spaces per level of nesting
        if depth == 1:
            children.append((int(cumulative), "  " + name.strip()))
        elif depth == 0:
            tops.append((int(cumulative), name.strip(), sorted(children, reverse=True)[:3]))
            children = []
    rows: list[tuple[int, str]] = []
    for micros, name, kids in sorted(tops, reverse=True)[:top]:
        rows += [(micros, name), *kids]
    return rows


def _env(checkout: Path, tmp: Path) -> dict[str, str]:
    """`checkout` first on the path, bytecode cached under `tmp`, run from `tmp` (HUB_HOME)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "COLUMNS": "100", "PYTHONPATH": str(checkout)}
    env |= {"PYTHONPYCACHEPREFIX": str(tmp / "pycache"), "HUB_HOME": str(tmp)}
    for name in ("HUB_CONFIG", "HUB_DB", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    return env


def _print_table(results: dict[str, list[list[tuple[float, float]]]], against: Path | None) -> None:
    head = f"{'command':<27}{'median s':>10}{'min s':>8}{'cpu median s':>14}{'cpu min s':>11}"
    print(head + (f"{'DIR median s':>14}{'ratio':>8}" if against else ""))
    for name, (mine, *other) in results.items():
        wall, cpu = [w for w, _ in mine], [c for _, c in mine]
        line = (
            f"{name:<27}{statistics.median(wall):>10.3f}{min(wall):>8.3f}"
            f"{statistics.median(cpu):>14.3f}{min(cpu):>11.3f}"
        )
        if other:
            theirs = [w for w, _ in other[0]]
            ratio = statistics.median(a / b for a, b in zip(wall, theirs, strict=True))
            line += f"{statistics.median(theirs):>14.3f}{ratio:>8.2f}"
        print(line)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--imports", type=int, default=5, help="slowest imports to list")
    ap.add_argument("--against", type=Path, help="another checkout to time in turn with this one")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        envs = [_env(ROOT, Path(tmp))] + ([_env(args.against.resolve(), Path(tmp))] if args.against else [])
        demo = run_demo(Path(tmp) / "hub-demo")
        config = str(demo.workdir / "hub.toml")
        hub = [sys.executable, "-m", "hub"]
        status = [*hub, "--config", config, "status"]
        results = {
            "hub --help": _time([*hub, "--help"], args.runs, envs),
            "hub status": _time(status, args.runs, envs),
        }
        # with the shipped schedule beside hub.toml: status then reads its next runs
        shutil.copytree(ROOT / "schedules", demo.workdir / "schedules")
        results["hub status +sched"] = _time(status, args.runs, envs)
        add_crawl_history(demo.workdir / "hub.toml")
        results["hub status +sched +crawls"] = _time(status, args.runs, envs)
        imports = {
            "hub --help": slowest_imports(["--help"], envs[0], args.imports),
            "hub status +sched +crawls": slowest_imports(
                ["--config", config, "status"], envs[0], args.imports
            ),
        }
    print(
        f"hub startup on {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        f", {args.runs} runs, load average {os.getloadavg()[0]:.1f}"
        + (f"; ratio = this checkout / {args.against}, pair by pair" if args.against else "")
    )
    _print_table(results, args.against)
    for name, rows in imports.items():
        print(f"\nslowest imports of `{name}` (cumulative ms)")
        for micros, module in rows:
            print(f"{module:<36}{micros / 1000:>8.1f}")


if __name__ == "__main__":
    main()
