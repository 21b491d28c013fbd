"""Route Qt's own warnings to the log file instead of stderr."""
from __future__ import annotations

import logging

from PySide6.QtCore import QtMsgType, qInstallMessageHandler

log = logging.getLogger("qt")
_LEVELS = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
           QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
           QtMsgType.QtFatalMsg: logging.CRITICAL}
# Harmless notices of the offscreen platform used by headless export.
_IGNORED = ("This plugin does not support propagateSizeHints()",)


def _handler(kind, _context, message: str) -> None:
    if message in _IGNORED:
        return
    log.log(_LEVELS.get(kind, logging.WARNING), message)


def route_qt_messages_to_log() -> None:
    qInstallMessageHandler(_handler)
