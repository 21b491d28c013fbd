"""The trader's screen: the Morning layout at 1920x1080 and the Laptop layout at 1280x800
stay within the screen after every panel has been shown; saved layouts round-trip through
QSettings; Ctrl+1..9 bring a panel to the front; tables copy as tab-separated text."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

SCREENS = {"Morning": (1920, 1080), "Laptop": (1280, 800)}
VISIBLE = {"Morning": ("radar", "momentum", "flows", "regions"), "Laptop": ("radar", "momentum")}


def shown(window) -> set[str]:
    return {pid for pid, dock in window.docks.items() if not dock.visibleRegion().isEmpty()}


@pytest.mark.parametrize("name", SCREENS)
def test_layout_fits_its_screen_after_every_panel_is_shown(make_window, qtbot, crash, name):
    width, height = SCREENS[name]
    window = make_window()
    window.resize(width, height - 30)          # a title bar and a task bar
    window.show()
    qtbot.waitExposed(window)
    window.apply_layout(name)
    window.render_snapshot(crash)
    qtbot.waitUntil(lambda: not window.rendering, timeout=20_000)
    assert set(VISIBLE[name]) <= shown(window), f"{name} shows {sorted(shown(window))}"
    for panel_id in window.docks:
        window.go_to(panel_id)
        QApplication.processEvents()
    window.apply_layout(name)
    QApplication.processEvents()
    need = window.minimumSizeHint()
    assert need.width() <= width and need.height() <= height - 30, \
        f"{name}: the window cannot get smaller than {need.width()}x{need.height()}"
    assert window.width() <= width and window.height() <= height
    for panel_id, table in (("radar", window.panels["radar"].table),
                            ("regions", window.panels["regions"].table),
                            ("themes", window.panels["themes"].table),
                            ("flows", window.panels["flows"].funds),
                            ("flows", window.panels["flows"].underlyings)):
        if panel_id in VISIBLE[name] or panel_id == "themes":
            window.go_to(panel_id)
            QApplication.processEvents()
            assert not table.horizontalScrollBar().isVisible(), f"{panel_id} scrolls sideways"
    window.go_to("radar")
    QApplication.processEvents()
    assert window.panels["radar"].table.verticalScrollBar().maximum() == 0, \
        f"{name}: every radar row is in view"


def test_saved_layouts_round_trip_through_qsettings(make_window, settings):
    window = make_window()
    window.apply_layout("Laptop")
    window.save_layout("Desk")
    with pytest.raises(ValueError):
        window.save_layout("Morning")
    window.rename_layout("Desk", "Desk 2")
    settings.sync()
    again = make_window()
    assert again.settings.layout_names() == ["Desk 2"]
    again.apply_layout("Morning")
    again.apply_layout("Desk 2")
    tabbed = {pid for pid, dock in again.docks.items()
              if again.tabifiedDockWidgets(again.docks["radar"]) and
              dock in again.tabifiedDockWidgets(again.docks["radar"])}
    assert {"dispersion", "crowding", "flows"} <= tabbed, "the Laptop arrangement came back"
    again.delete_layout("Desk 2")
    assert again.settings.layout_names() == []


def test_ctrl_number_brings_a_panel_to_the_front(make_window, qtbot):
    window = make_window()
    window.show()
    qtbot.waitExposed(window)
    window.apply_layout("Laptop")
    actions = {a.shortcut().toString(): a for a in window.findChildren(type(window.refresh_action))
               if a.shortcut().toString().startswith("Ctrl+") and a.text().startswith("Go to")}
    assert sorted(actions) == [f"Ctrl+{n}" for n in range(1, 10)]
    actions["Ctrl+3"].trigger()                # the third panel: dispersion, behind the radar
    QApplication.processEvents()
    assert "dispersion" in shown(window) and "radar" not in shown(window)


def test_tables_copy_tab_separated_with_headers(qtbot, crash):
    from gui.panels.themes import ThemesPanel

    panel = ThemesPanel()
    qtbot.addWidget(panel)
    panel.show_snapshot(crash)
    table = panel.table
    table.clearSelection()
    text = table.copy(headers=True)
    lines = text.splitlines()
    assert lines[0].split("\t")[:3] == ["Basket", "Kind", "1d"]
    assert len(lines) == table.rowCount() + 1
    assert QApplication.clipboard().text() == text
    table.selectRow(0)
    assert table.copy().splitlines() == [lines[1]], "Ctrl+C copies the selected rows"


def test_every_table_header_defines_its_column(qtbot, crash):
    """A header tooltip for every column of every heat table, never the fallback."""
    from gui.panels import PANELS
    from gui.widgets.heat_table import HeatTable

    missing = []
    for cls in PANELS:
        panel = cls()
        qtbot.addWidget(panel)
        panel.show_snapshot(crash)
        for table in panel.findChildren(HeatTable):
            for column in range(table.columnCount()):
                item = table.horizontalHeaderItem(column)
                if item is not None and item.toolTip().endswith("click to sort"):
                    missing.append(f"{cls.panel_id}: {item.text()!r}")
    assert not missing, missing


def test_selected_row_keeps_its_colours_with_an_outline(qtbot):
    """Selecting a row outlines it: heat cells keep their colour and text cells their plain
    background, never Qt's selection fill."""
    import pandas as pd
    from PySide6.QtCore import QPoint

    from gui import theme
    from gui.widgets.heat_table import Fmt, HeatTable

    table = HeatTable()
    qtbot.addWidget(table)
    table.set_frame(pd.DataFrame({"Kind": ["theme", "pair"], "1d": [-0.05, 0.01]},
                                 index=["AI", "Metals"]), {"1d": Fmt("{:+.2f}%", 100, 2.0)})
    table.resize(400, 200)
    table.show()
    qtbot.waitExposed(table)

    def pixel(image, column: int, offset: QPoint):
        rect = table.visualItemRect(table.item(0, column))
        corner = rect.topRight() if column == 1 else rect.topLeft()    # away from the text
        return image.pixelColor(table.viewport().mapTo(table, corner + offset))

    before = table.grab().toImage()
    table.selectRow(0)
    QApplication.processEvents()
    after = table.grab().toImage()
    highlight = table.palette().highlight().color()
    inside = {1: QPoint(-3, 6), 2: QPoint(3, 6)}        # the text cell "Kind", the heat cell
    for column, offset in inside.items():
        assert pixel(after, column, offset) == pixel(before, column, offset) != highlight, \
            f"column {column} took the selection fill"
    assert pixel(after, 2, QPoint(3, 1)).name() == theme.current().accent.lower(), "outlined"


def test_compact_strip_shows_the_verdict_and_eight_lights(make_window, qtbot, crash):
    """View -> Compact swaps the window for an always-on-top strip ~400 px tall with the
    radar's verdict and its eight lights; Esc brings the window back, redrawn."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor

    from gui import theme
    from gui.compact import LIGHTS

    window = make_window()
    window.show()
    qtbot.waitExposed(window)
    window.apply_layout("Laptop")
    window.state.snapshot = crash
    window.compact_action.trigger()
    strip = window.compact
    assert strip is not None and strip.isVisible() and not window.isVisible()
    assert strip.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    assert 360 <= strip.height() <= 440 and strip.width() <= 480
    assert crash.radar.verdict in strip.verdict.text()
    assert "SIMULATED" in strip.source.text()
    shown = strip.lights()
    assert list(shown) == list(LIGHTS) and len(shown) == 8
    t = theme.current()
    colours = {"red": t.down, "amber": theme.AMBER, "green": t.up, "n/a": t.muted}
    for name, (colour, figure) in shown.items():
        state = crash.radar.signals[name].state
        assert QColor(colour) == QColor(colours[state]), name
        assert (figure == "n/a") == (state == "n/a"), f"{name}: {figure}"
    assert shown["Momentum σ-move"][1] == f"{crash.radar.signals['Momentum σ-move'].number:+.1f}σ"
    window.render_snapshot(crash)              # a refresh while compact: the strip follows,
    assert not window.rendering, "the hidden window's panels wait for its return"
    qtbot.keyClick(strip, Qt.Key.Key_Escape)
    assert window.isVisible() and not strip.isVisible()
    assert not window.compact_action.isChecked()
    qtbot.waitUntil(lambda: window.panels["radar"].shown is crash, timeout=5000)


def test_quit_from_the_compact_strip_closes_the_app_and_keeps_the_layout(make_window, qtbot,
                                                                          settings):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QPushButton

    window = make_window()
    window.show()
    qtbot.waitExposed(window)
    window.resize(1300, 900)
    window.compact_action.trigger()
    strip = window.compact
    quit_button = next(b for b in strip.findChildren(QPushButton) if b.text() == "Quit")
    qtbot.mouseClick(quit_button, Qt.MouseButton.LeftButton)
    assert not window.isVisible() and window.compact is None
    settings.sync()
    again = make_window()
    assert (again.width(), again.height()) == (1300, 900)
    assert not again.compact_action.isChecked()


def test_a_narrow_table_hides_columns_in_its_order_instead_of_scrolling(qtbot, crash):
    from gui.panels.themes import NARROW_DROPS, ThemesPanel

    panel = ThemesPanel()
    qtbot.addWidget(panel)
    panel.resize(1100, 600)
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_snapshot(crash)
    table = panel.table
    assert table.hidden_columns() == []
    panel.resize(540, 600)
    QApplication.processEvents()
    hidden = table.hidden_columns()
    assert hidden and hidden == NARROW_DROPS[:len(hidden)], "dropped in the stated order"
    assert not table.horizontalScrollBar().isVisible()
    assert "Hidden for width: Kind" in table.statusTip()
    assert table.copy(headers=True).splitlines()[0].split("\t")[1] == "Kind", "copy keeps them"
    panel.resize(1100, 600)
    QApplication.processEvents()
    assert table.hidden_columns() == [] and table.statusTip() == ""
