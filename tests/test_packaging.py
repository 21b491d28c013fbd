"""The package metadata agrees with the requirement files, and the version has one place."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def requirements(name: str) -> list[str]:
    lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith(("#", "-r"))]


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_dependencies_match_the_requirement_files():
    assert project()["dependencies"] == requirements("requirements.txt")
    assert project()["optional-dependencies"]["dev"] == requirements("requirements-dev.txt")


def test_the_version_comes_from_pyproject():
    from models.app import version

    assert version() == project()["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version())


def test_shipped_files_are_package_data():
    import resources

    for name in ("universe.toml", "icon.png", "icon.svg"):
        assert resources.path(name).is_file(), name
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = data["tool"]["setuptools"]["package-data"]["resources"]
    assert {"*.toml", "*.png", "*.svg"} <= set(patterns)
