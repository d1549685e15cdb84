"""What an installed hub carries: every package, and the default schedule, which lives in the
top-level schedules/ folder and is shipped inside the package as hub/schedules/."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _setuptools() -> dict:  # type: ignore[type-arg]
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_package_folder_is_listed() -> None:
    """pyproject.toml lists its packages (so that schedules/ can be mapped into hub): a new
    package folder must be listed too, or an installed hub would lack it."""
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("hub", "spiders")
        for init in (ROOT / top).rglob("__init__.py")
    }
    config = _setuptools()
    assert set(config["packages"]) == found | {"hub.schedules"}
    assert config["package-dir"] == {"hub.schedules": "schedules"}
    assert (ROOT / "schedules" / "default.yml").is_file()


@pytest.mark.slow
def test_an_installed_hub_finds_its_default_schedule_without_the_repository(tmp_path: Path) -> None:
    """Build the package as a wheel would hold it (setuptools' build_py from a copy of the
    sources), then, from elsewhere, import hub from that build alone: the shipped schedule is
    found inside it and `hub schedule init` writes it."""
    src = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in ("hub", "spiders", "schedules"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src)
    lib = tmp_path / "lib"
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from setuptools import setup; setup()",
            "-q",
            "build_py",
            "--build-lib",
            str(lib),
        ],
        cwd=src,
        check=True,
        capture_output=True,
    )
    assert (lib / "hub" / "schedules" / "default.yml").is_file()
    code = (
        f"import sys; sys.path.insert(0, {str(lib)!r}); from pathlib import Path; import hub.scheduler as s; "
        f"assert s.__file__.startswith({str(lib)!r}), s.__file__; "
        "folder = s.shipped_schedules(); print(folder); "
        "print(sorted(j.name for j in s.load_schedules(Path(str(folder))))); "
        "print([p.name for p in s.write_default_schedules(Path('ws') / 'schedules')])"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    folder, jobs, written = run.stdout.splitlines()
    assert folder == str(lib / "hub" / "schedules")
    assert jobs == "['crawl-daily', 'crawl-hourly', 'weekly']" and written == "['default.yml']"
    shipped = (elsewhere / "ws" / "schedules" / "default.yml").read_text(encoding="utf-8")
    assert shipped == (ROOT / "schedules" / "default.yml").read_text(encoding="utf-8")
