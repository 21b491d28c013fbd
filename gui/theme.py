"""Dark (default) and light themes: one palette for Qt widgets, charts and heat colours.

The theme in use lives in the application's ``ThemeManager`` (``manager()``), whose
``changed`` signal tells every chart to restyle itself; there is no module-level state."""
from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QColor, QPalette, QPen
from PySide6.QtWidgets import QApplication

AMBER = "#f0b400"           # the "watch" light, the same in both themes


@dataclass(frozen=True)
class Theme:
    name: str
    window: str
    base: str
    text: str
    muted: str
    grid: str
    up: str
    down: str
    accent: str
    badge: str
    series: tuple[str, ...]

    def heat(self, value: float, scale: float) -> QColor:
        """Background for a number: green up / red down, stronger as |value| nears ``scale``."""
        if scale <= 0 or value != value:  # NaN
            return QColor(self.base)
        strength = min(abs(value) / scale, 1.0)
        top = QColor(self.up if value > 0 else self.down)
        base = QColor(self.base)
        mix = 0.15 + 0.55 * strength
        return QColor(round(base.red() + (top.red() - base.red()) * mix),
                      round(base.green() + (top.green() - base.green()) * mix),
                      round(base.blue() + (top.blue() - base.blue()) * mix))


# Colour-blind-friendly series (Okabe-Ito based), bright enough on dark backgrounds.
DARK = Theme(
    name="dark", window="#15181d", base="#1d2128", text="#e6e9ef", muted="#8b93a1",
    grid="#3a404b", up="#2ecc71", down="#ff5c5c", accent="#4aa3ff", badge="#d9480f",
    series=("#f0f0f0", "#56b4e9", "#e69f00", "#009e73", "#f0e442", "#cc79a7", "#d55e00",
            "#0072b2", "#9edae5", "#ff9896", "#c5b0d5", "#8c564b", "#bcbd22"),
)
LIGHT = Theme(
    name="light", window="#f4f5f7", base="#ffffff", text="#1b1f24", muted="#5b6472",
    grid="#d3d7de", up="#1e8e4e", down="#d62828", accent="#1b6ed6", badge="#d9480f",
    series=("#1b1f24", "#0072b2", "#e69f00", "#009e73", "#b8a100", "#cc79a7", "#d55e00",
            "#56b4e9", "#17becf", "#d62728", "#9467bd", "#8c564b", "#7f7f7f"),
)
THEMES = {t.name: t for t in (DARK, LIGHT)}


class ThemeManager(QObject):
    """The application's theme: ``set_theme`` applies it to the palette, the style sheet and
    pyqtgraph's defaults, then emits ``changed(theme)``."""

    changed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("themeManager")
        self.theme = DARK

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        _apply(theme)
        self.changed.emit(theme)


def manager() -> ThemeManager:
    """The theme manager of the running QApplication (created on first use, its child)."""
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("the theme needs a QApplication")
    found = app.findChild(ThemeManager, "themeManager",
                          Qt.FindChildOption.FindDirectChildrenOnly)
    return found if found is not None else ThemeManager(app)


def current() -> Theme:
    """The theme in use (dark before any QApplication exists)."""
    return manager().theme if QCoreApplication.instance() is not None else DARK


def apply_theme(theme: Theme) -> None:
    """Switch the application to ``theme`` (``ThemeManager.set_theme``)."""
    manager().set_theme(theme)


def _apply(theme: Theme) -> None:
    pg.setConfigOptions(background=theme.base, foreground=theme.text, antialias=True)
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    palette = QPalette()
    roles = {QPalette.ColorRole.Window: theme.window, QPalette.ColorRole.Base: theme.base,
             QPalette.ColorRole.AlternateBase: theme.window,
             QPalette.ColorRole.Text: theme.text, QPalette.ColorRole.WindowText: theme.text,
             QPalette.ColorRole.Button: theme.base, QPalette.ColorRole.ButtonText: theme.text,
             QPalette.ColorRole.ToolTipBase: theme.base,
             QPalette.ColorRole.ToolTipText: theme.text,
             QPalette.ColorRole.Highlight: theme.accent,
             QPalette.ColorRole.HighlightedText: "#ffffff",
             QPalette.ColorRole.PlaceholderText: theme.muted}
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    app.setPalette(palette)
    app.setStyleSheet(
        f"QToolTip {{ color: {theme.text}; background: {theme.base}; border: 1px solid {theme.grid}; }}"
        f"QHeaderView::section {{ background: {theme.window}; color: {theme.text};"
        f" border: 0; border-bottom: 1px solid {theme.grid}; padding: 3px 6px; }}"
        f"QTableView {{ gridline-color: {theme.grid}; }}"
        f"QDockWidget::title {{ background: {theme.window}; padding: 4px; }}"
        f"QLabel#muted {{ color: {theme.muted}; }}"
        f"QLabel#simulatedBadge {{ background: {theme.badge}; color: white; font-weight: bold;"
        f" padding: 1px 8px; border-radius: 3px; }}"
    )


def _over_base(pen: QPen) -> QPen:
    """``pen`` with its translucent colour blended over the theme's background: the same
    colour on screen, drawn opaque."""
    colour = pen.color()
    alpha = colour.alphaF()
    if alpha >= 1.0:
        return pen
    base = QColor(current().base)
    opaque = QPen(pen)
    opaque.setColor(QColor(round(colour.red() * alpha + base.red() * (1 - alpha)),
                           round(colour.green() * alpha + base.green() * (1 - alpha)),
                           round(colour.blue() * alpha + base.blue() * (1 - alpha))))
    return opaque


class GridAxis(pg.AxisItem):
    """An axis whose grid lines are opaque (pyqtgraph's translucent colour blended over the
    background beforehand) and drawn beneath the data. Qt's raster engine draws a translucent
    one-pixel line about 25 times slower than an opaque one (55 grid lines across a 900 px
    chart: 20 ms against 0.8 ms here), and each chart repaints its grid on every refresh.

    Its label space only grows: pyqtgraph measures the tick labels while it paints, and an
    axis whose labels came out narrower resized its chart there and then, so the chart was
    laid out and painted a second time (a refresh's longest stall at 1280x800: 15 -> 8 ms)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.setStyle(autoReduceTextSpace=False)

    def generateDrawSpecs(self, p):  # noqa: N802 - pyqtgraph API
        specs = super().generateDrawSpecs(p)
        if specs is None or self.grid is False:
            return specs
        axis, ticks, texts = specs
        return axis, [(_over_base(pen), start, end) for pen, start, end in ticks], texts


GRID_Z = -200               # axes (and their grid) beneath the view box (-100) and its data


class ThemedPlot(pg.PlotWidget):
    """A pyqtgraph plot that follows the theme: background and axis text restyle themselves
    when the theme changes. Its axes are ``GridAxis``es (any given in ``axisItems`` must be
    one) placed beneath the data, so the opaque grid never covers a curve."""

    def __init__(self, *args, axisItems=None, **kwargs) -> None:  # noqa: N803 - pyqtgraph API
        axes = {side: GridAxis(orientation=side) for side in ("left", "bottom")}
        axes.update(axisItems or {})
        super().__init__(*args, axisItems=axes, **kwargs)
        for side in axes:
            self.getAxis(side).setZValue(GRID_Z)
        self.restyle(current())                 # a panel built after the theme was set
        manager().changed.connect(self.restyle)

    def restyle(self, theme: Theme) -> None:
        self.setBackground(theme.base)
        for side in ("left", "bottom"):
            self.getAxis(side).setTextPen(theme.text)
        legend = self.getPlotItem().legend
        if legend is not None and legend.brush().style() != Qt.BrushStyle.NoBrush:
            legend.setBrush(legend_brush(theme))    # a box kept the first theme's colour


def legend_brush(theme: Theme):
    """A legend's box: the theme's background, slightly translucent over the curves."""
    colour = pg.mkColor(theme.base)
    colour.setAlpha(200)
    return pg.mkBrush(colour)


def colour_for(x, theme: Theme) -> str:
    """The theme's up colour for positive numbers, down for negative, text otherwise."""
    if x is None or x != x or x == 0:
        return theme.text
    return theme.up if x > 0 else theme.down
