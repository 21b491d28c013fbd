"""Application-wide paths and logging (platform user dirs via platformdirs)."""
from __future__ import annotations

import functools
import logging
import logging.handlers
import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

APP_NAME = "FactorDesk"


def log_dir() -> Path:
    """The user log dir, or $FACTORDESK_LOG_DIR (the test suite points it at a temporary one)."""
    override = os.environ.get("FACTORDESK_LOG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP_NAME, appauthor=False))


@functools.cache
def version() -> str:
    """FactorDesk's version, from its one place: pyproject.toml beside the sources in a
    checkout or a bundle, else the installed package's metadata."""
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        with pyproject.open("rb") as file:
            return str(tomllib.load(file)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("factordesk")
    except PackageNotFoundError:
        return "unknown"


def source_line(source: str, simulated: bool, notes, log_path: Path | None) -> str:
    """The one line FactorDesk prints on stderr when data is first shown and after an export:
    which data is on screen and why (auto's reason when it fell back), and the log file."""
    why = next((n for n in notes if n.startswith("Yahoo unavailable")), None)
    if why is not None:
        shown = why.replace("the simulated market", "the SIMULATED market")
    else:
        shown = f"showing the SIMULATED market ({source})" if simulated else f"showing {source}"
    return f"FactorDesk {version()}: {shown} · log: {log_path or 'n/a'}"


def _as_bool(value) -> bool:
    text = str(value).strip().lower()
    if text not in ("true", "false"):
        raise ValueError(f"{value!r} is not true/false")
    return text == "true"


def read_setting(settings, key: str, default, valid: Callable[[Any], bool] | None = None):
    """A saved setting as the type of ``default`` (bool, int, float or str), checked by
    ``valid``; anything unreadable gives ``default`` and one logged warning, never an error
    (a hand-edited or corrupted settings file must not stop the app from starting)."""
    value = settings.value(key)
    if value is None:
        return default
    try:
        kind = type(default)
        converted = _as_bool(value) if kind is bool else kind(value)
        if valid is not None and not valid(converted):
            raise ValueError("out of range")
    except (TypeError, ValueError) as exc:
        logging.getLogger(__name__).warning("setting %s=%r is unusable (%s); using %r", key,
                                            value, exc, default)
        return default
    return converted


def setup_logging(level: int = logging.INFO) -> Path:
    """Log to a rotating file in the user log dir; returns the log file path."""
    path = log_dir() / "factordesk.log"
    root = logging.getLogger()
    if any(isinstance(h, logging.handlers.RotatingFileHandler) and
           Path(h.baseFilename) == path for h in root.handlers):
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # User-readable only: the log names files and folders the user opened.
        os.close(os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600))
        os.chmod(path, 0o600)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3,
                                                       encoding="utf-8")
    except OSError as exc:
        logging.basicConfig(level=level)
        logging.getLogger(__name__).warning("cannot write the log file %s: %s", path, exc)
        return path
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    return path
