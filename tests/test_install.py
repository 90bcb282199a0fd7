"""The package as a user gets it: built into a wheel and an sdist, installed into a fresh venv,
and run from a folder outside the checkout (nothing imported from the source tree).

The venv sees the system's site-packages so the dependencies need no network; the package
itself is installed from the wheel, built from the sdist as ``python -m build`` does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]
SOURCES = ("automation", "templates", "pyproject.toml", "README.md")


def _bin(venv: Path, name: str) -> Path:
    folder = "Scripts" if os.name == "nt" else "bin"
    return venv / folder / (name + (".exe" if os.name == "nt" else ""))


def _outside_env() -> dict[str, str]:
    """The environment without anything pointing Python at the checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONNOUSERSITE"] = "1"
    return env


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """sdist + wheel built from a copy of the sources (the checkout gets no build files)."""
    root = tmp_path_factory.mktemp("build")
    src = root / "src"
    src.mkdir()
    for name in SOURCES:
        path = CHECKOUT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, src / name)
    out = root / "dist"
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(src)],
                   check=True, capture_output=True, timeout=600)
    yield out


def test_wheel_and_sdist_carry_the_templates_and_pass_twine_check(dist: Path) -> None:
    wheel = next(dist.glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {p.relative_to(CHECKOUT).as_posix() for p in (CHECKOUT / "templates").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert shipped and {f"automation/{n}" for n in shipped} <= names
    packages = {p.parent.relative_to(CHECKOUT).as_posix()
                for p in (CHECKOUT / "automation").rglob("__init__.py")}
    assert {f"{p}/__init__.py" for p in packages} <= names, "a subpackage is missing from the wheel"
    check = subprocess.run([sys.executable, "-m", "twine", "check", "--strict",
                            *map(str, dist.iterdir())], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_quick_start_from_an_installed_wheel_outside_the_checkout(
    dist: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                   check=True, timeout=300)
    env = _outside_env()
    wheel = next(dist.glob("*.whl"))
    subprocess.run([str(_bin(venv, "python")), "-m", "pip", "install", "--no-deps",
                    "--ignore-installed", "--no-index", str(wheel)],
                   check=True, capture_output=True, env=env, cwd=tmp_path, timeout=300)
    office = tmp_path / "office"
    office.mkdir()
    where = subprocess.run([str(_bin(venv, "python")), "-c",
                            "import automation; print(automation.__file__)"],
                           capture_output=True, text=True, env=env, cwd=office, check=True)
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout

    automation = str(_bin(venv, "automation"))
    for args in (["init", "demo"], ["run", "--once", "--config", "demo/schedule.toml"],
                 ["status", "--config", "demo/schedule.toml"]):
        done = subprocess.run([automation, *args], capture_output=True, text=True, env=env,
                              cwd=office, timeout=300)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    assert len(list((office / "demo" / "outbox").glob("*.eml"))) >= 10
    assert (office / "demo" / "site" / "index.html").is_file()
    assert (office / "demo" / "site" / "assets" / "site.css").is_file()
