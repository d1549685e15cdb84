"""Time how long `hub --help` and `hub status` take to answer, in fresh processes.

    python -m benchmarks.cli_startup [--runs 9] [--imports 8]

Each command runs `--runs` times as `python -m hub ...` (what the `hub` script does);
the table shows the median and the fastest run in seconds, wall clock and CPU (user +
system of the child: on a busy machine the wall clock waits for a core, the CPU time
much less). `hub status` reads a store made once by `hub demo` in a temporary folder,
then again with the shipped schedules/ beside its hub.toml (status then parses the
schedule for the next runs). Then `python -X importtime` names the slowest imports
(cumulative ms) of `hub --help` and of `hub status` with the schedule, so a regression
points at its cause.
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


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(cmd: list[str], runs: int, env: dict[str, str]) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each run."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), _cpu()
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall.append(time.perf_counter() - start)
        cpu.append(_cpu() - start_cpu)
    return wall, cpu


def slowest_imports(args: list[str], env: dict[str, str], top: int) -> list[tuple[int, str]]:
    """(cumulative µs, module) of the `top` slowest imports of `hub ARGS`, each followed by
    its own slowest direct imports (indented)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "hub", *args],
        env=env,
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--imports", type=int, default=5, help="slowest imports to list")
    args = ap.parse_args()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "COLUMNS": "100"}
    env.pop("HUB_CONFIG", None)
    env.pop("HUB_DB", None)
    with tempfile.TemporaryDirectory() as tmp:
        demo = run_demo(Path(tmp) / "hub-demo")
        config = str(demo.workdir / "hub.toml")
        hub = [sys.executable, "-m", "hub"]
        commands = {"hub --help": [*hub, "--help"], "hub status": [*hub, "--config", config, "status"]}
        results = {name: _time(cmd, args.runs, env) for name, cmd in commands.items()}
        # the same with the shipped schedule beside hub.toml: status then reads its next runs
        shutil.copytree(Path(__file__).resolve().parents[1] / "schedules", demo.workdir / "schedules")
        results["hub status +sched"] = _time(commands["hub status"], args.runs, env)
        imports = {
            "hub --help": slowest_imports(["--help"], env, args.imports),
            "hub status +sched": slowest_imports(["--config", config, "status"], env, args.imports),
        }
    print(
        f"hub startup on {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        f", {args.runs} runs, load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'command':<20}{'median s':>10}{'min s':>8}{'cpu median s':>14}{'cpu min s':>11}")
    for name, (wall, cpu) in results.items():
        print(
            f"{name:<20}{statistics.median(wall):>10.3f}{min(wall):>8.3f}"
            f"{statistics.median(cpu):>14.3f}{min(cpu):>11.3f}"
        )
    for name, rows in imports.items():
        print(f"\nslowest imports of `{name}` (cumulative ms)")
        for micros, module in rows:
            print(f"{module:<36}{micros / 1000:>8.1f}")


if __name__ == "__main__":
    main()
