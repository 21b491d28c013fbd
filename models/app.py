"""Application-wide paths and logging (platform user dirs via platformdirs)."""
from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

APP_NAME = "FactorDesk"


def log_dir() -> Path:
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP_NAME, appauthor=False))


def setup_logging(level: int = logging.INFO) -> Path:
    """Log to a rotating file in the user log dir; returns the log file path."""
    path = log_dir() / "factordesk.log"
    root = logging.getLogger()
    if any(isinstance(h, logging.handlers.RotatingFileHandler) and
           Path(h.baseFilename) == path for h in root.handlers):
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
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
