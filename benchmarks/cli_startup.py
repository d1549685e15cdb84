"""Time how long `hub --help` and `hub status` take to answer, in fresh processes.

    python -m benchmarks.cli_startup [--runs 9] [--imports 8]

Each command runs `--runs` times as `python -m hub ...` (what the `hub` script does);
the table shows the median and the fastest run in seconds. `hub status` reads a store
made once by `hub demo` in a temporary folder, then again with the shipped schedules/
beside its hub.toml (status then parses the schedule for the next runs). Then
`python -X importtime -m hub --help` names the slowest imports (cumulative ms), so a
regression points at its cause.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hub.demo import run_demo


def _time(cmd: list[str], runs: int, env: dict[str, str]) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def slowest_imports(env: dict[str, str], top: int) -> list[tuple[int, str]]:
    """(cumulative µs, module) of the slowest imports of `hub --help` (two levels deep)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "hub", "--help"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|")
        depth = (len(name) - len(name.lstrip()) - 1) // 2  # two spaces per level of nesting
        if depth <= 1:  # what the command imports and what those import directly
            rows.append((int(cumulative), "  " * depth + name.strip()))
    return sorted(rows, reverse=True)[:top]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--imports", type=int, default=8, help="slowest imports to list")
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
    print(
        f"hub startup on {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        f", {args.runs} runs"
    )
    print(f"{'command':<20}{'median s':>10}{'min s':>8}")
    for name, times in results.items():
        print(f"{name:<20}{statistics.median(times):>10.3f}{min(times):>8.3f}")
    print("\nslowest imports of `hub --help` (cumulative ms)")
    for micros, module in slowest_imports(env, args.imports):
        print(f"{module:<24}{micros / 1000:>8.1f}")


if __name__ == "__main__":
    main()
