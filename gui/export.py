"""PNG export of a panel: rendered offscreen at the requested size or larger, never squeezed,
with a footer (title, source, as-of) and a diagonal SIMULATED watermark when the data is
simulated.

Tables are laid out scroll-free (every row shown) and the image grows to the panel's minimum
content size: scaling a widget's pixels down drops whole rows of them (minus signs first)."""
from __future__ import annotations

import datetime as dt
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QImageWriter, QPainter
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QSplitter, QTableWidget, QWidget
from shiboken6 import Shiboken

from gui import theme
from models.app import version

FOOTER_HEIGHT = 30
# Qt maps PNG quality q to zlib level (100 - q) * 9 / 91: 80 is level 1, half the encoding
# time of the default level for files 7% larger (a 1600x900 chart: 66 vs 124 ms, 287 vs 267 KB).
# The image is opaque RGB (no alpha channel): a quarter less to filter and deflate (momentum
# 37 -> 29 ms, events 69 -> 56 ms, files 10% smaller).
PNG_QUALITY = 80


def footer_text(title: str, snapshot) -> str:
    app = f"FactorDesk {version()}"
    if snapshot is None:
        return f"{app} · {title} · no data"
    label = " · SIMULATED DATA" if snapshot.simulated else ""
    proxy = f" · benchmark: {snapshot.benchmark_proxy}" if snapshot.benchmark_proxy else ""
    return (f"{app} · {title} · source: {snapshot.source} · as of "
            f"{snapshot.as_of_words()}{proxy} · exported {dt.datetime.now():%Y-%m-%d %H:%M}"
            f"{label}")


def _fit_tables(widget: QWidget) -> None:
    """Every table shows all its rows and columns: no scroll bars, a minimum size that holds
    them (the image grows instead)."""
    for table in widget.findChildren(QTableWidget):
        if not table.isVisibleTo(widget):
            continue
        table.resizeRowsToContents()
        header = table.horizontalHeader()
        rows = table.verticalHeader().length()
        head = header.sizeHint().height() if header.isVisible() else 0
        side = table.verticalHeader().width() if table.verticalHeader().isVisible() else 0
        table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustIgnored)
        table.setMinimumHeight(rows + head + 2 * table.frameWidth() + 2)
        table.setMinimumWidth(header.length() + side + 2 * table.frameWidth() + 2)
    for splitter in widget.findChildren(QSplitter):   # a splitter caches its children's
        splitter.refresh()                              # minimum sizes: make it re-read them


def layout_for_export(panel, width: int, height: int, snapshot=None) -> QWidget:
    """A fresh, offscreen copy of ``panel`` (same view state) showing ``snapshot`` (default:
    the panel's own), laid out at least ``width`` x ``height - FOOTER_HEIGHT`` and at least its
    minimum content size with every table row visible. The caller closes it."""
    snapshot = snapshot if snapshot is not None else panel.snapshot
    clone = type(panel)()
    clone.apply_view_state(panel.view_state())
    return _lay_out(clone, width, height, snapshot)


def _lay_out(clone, width: int, height: int, snapshot) -> QWidget:
    """``clone`` (a fresh panel) shown offscreen with ``snapshot`` and grown to fit.

    Updates stay off while it settles: the events processed here would otherwise paint its
    charts (each up to three times) only for ``grab`` to paint them again."""
    clone.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    clone.setUpdatesEnabled(False)
    clone.resize(width, height - FOOTER_HEIGHT)
    clone.show()
    if snapshot is not None:
        clone.show_snapshot(snapshot)
    QApplication.processEvents()
    _fit_tables(clone)
    for _ in range(2):              # wrapped labels change their height with the width
        clone.layout().activate()
        need = clone.minimumSizeHint()
        size = (max(width, need.width()), max(height - FOOTER_HEIGHT, need.height()))
        if (clone.width(), clone.height()) != size:
            clone.resize(*size)
            QApplication.processEvents()
    clone.setUpdatesEnabled(True)
    return clone


def discard(widgets) -> None:
    """Close and delete ``widgets`` now rather than at the next event-loop turn: headless
    export has no event loop, and Qt objects left for interpreter shutdown can crash it."""
    for widget in widgets:
        if Shiboken.isValid(widget):        # not already deleted
            widget.close()
            widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _render(clone: QWidget, title: str, width: int, height: int, snapshot) -> QImage:
    """The laid-out ``clone`` grabbed (then deleted) and composed with footer and watermark."""
    pixmap = clone.grab()
    discard([clone])
    content = pixmap.toImage()
    return compose(content, max(width, content.width()),
                   max(height, content.height() + FOOTER_HEIGHT), footer_text(title, snapshot),
                   simulated=bool(snapshot is not None and snapshot.simulated))


def write_png(image: QImage, path: str | Path) -> Path:
    """``image`` to ``path`` at ``PNG_QUALITY``; an OSError names the file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = QImageWriter(str(path), QByteArray(b"png"))
    writer.setQuality(PNG_QUALITY)
    if not writer.write(image):
        raise OSError(f"cannot write {path}: {writer.errorString()}")
    return path


class PngWriter:
    """Encodes PNGs on one background thread while the caller renders the next panel (Qt
    encodes without the interpreter lock; images are implicitly shared and never changed
    after ``submit``). ``close`` waits for every file and raises the first error."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="png")
        self._pending: list[Future] = []

    def submit(self, image: QImage, path: str | Path) -> Path:
        self._pending.append(self._pool.submit(write_png, image, path))
        return Path(path)

    def close(self) -> None:
        try:
            for job in self._pending:
                job.result()
        finally:
            self._pool.shutdown(wait=True)

    def __enter__(self) -> PngWriter:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        else:                       # the error in flight is the one to report
            self._pool.shutdown(wait=True)


def export_panel(panel, path: str | Path, width: int = 1600, height: int = 900,
                 snapshot=None, writer: PngWriter | None = None) -> Path:
    """Render ``layout_for_export(panel, ...)`` to ``path`` as PNG: ``width`` x ``height``, or
    larger when the panel's content needs more room (it is never scaled down). With a
    ``writer`` the file is encoded in the background (done when the writer closes).

    Works for hidden or floating panels: the copy is never shown on screen.
    """
    snapshot = snapshot if snapshot is not None else panel.snapshot
    image = _render(layout_for_export(panel, width, height, snapshot), panel.title, width,
                    height, snapshot)
    return write_png(image, path) if writer is None else writer.submit(image, path)


def export_panels(panels, folder: str | Path, width: int, height: int, snapshot) -> list[Path]:
    """Headless export of fresh, never shown ``panels`` to ``folder/<panel_id>.png``, each
    laid out offscreen (encoding overlaps the next panel's layout). Every panel is deleted
    by the time it returns or raises."""
    folder = Path(folder)
    paths: list[Path] = []
    try:
        with PngWriter() as writer:
            for panel in panels:
                image = _render(_lay_out(panel, width, height, snapshot), panel.title, width,
                                height, snapshot)
                paths.append(writer.submit(image, folder / f"{panel.panel_id}.png"))
    finally:
        discard(panels[len(paths):])
    return paths


def compose(content: QImage, width: int, height: int, footer: str, simulated: bool) -> QImage:
    """Content on top at its own size (never scaled), footer strip below, optional diagonal
    watermark across everything."""
    t = theme.current()
    image = QImage(width, height, QImage.Format.Format_RGB32)   # opaque: an RGB PNG
    image.fill(QColor(t.window))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.drawImage(0, 0, content)
    painter.setPen(QColor(t.grid))
    painter.drawLine(0, height - FOOTER_HEIGHT, width, height - FOOTER_HEIGHT)
    painter.setPen(QColor(t.muted))
    font = QFont()
    font.setPointSize(9)
    painter.setFont(font)
    painter.drawText(QRect(10, height - FOOTER_HEIGHT, width - 20, FOOTER_HEIGHT),
                     Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
                     | Qt.TextFlag.TextWordWrap, footer)
    if simulated:
        draw_watermark(painter, width, height)
    painter.end()
    return image


def draw_watermark(painter: QPainter, width: int, height: int) -> None:
    painter.save()
    colour = QColor(theme.current().badge)
    colour.setAlpha(60)
    painter.setPen(colour)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(max(24, min(width, height) // 7))
    painter.setFont(font)
    painter.translate(width / 2, height / 2)
    painter.rotate(-25)
    painter.drawText(QRect(-width, -height // 4, 2 * width, height // 2), Qt.AlignmentFlag.AlignCenter,
                     "SIMULATED")
    painter.restore()
