"""Every number on screen is true: each panel rendered for five scenarios (the simulated crash
day, a simulated calm day, the simulated last day with its option chains, the real members +
ETF files on 2026-02-04 when ../shared is present, a sparse file with missing baskets) shows
what snapshot.json holds, with the same sign and the same value at the displayed precision;
missing data reads "n/a", never "nan", "inf" or "+0.00%"; every "best/worst ... since" agrees
in sign with the number it describes."""
from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtWidgets import QLabel, QTableWidget

from analytics import formatting as fmt
from gui.panels import PANELS
from gui.widgets.heat_table import SORT_ROLE, HeatTable
from models.state import default_compute

SCENARIOS = ("demo crash", "demo calm", "demo live", "real 2026-02-04", "sparse file")
CALM_DAY = "2025-09-15"
TAGS = re.compile(r"<[^>]+>")
SPARSE_DROP = ("Rare earths", "Unprofitable tech")      # themes with no prices in the file


def sparse_market(demo_market, universe, folder):
    """A small price file: SPY, 60 constituents, the sector ETFs, some regions' ETFs only (no
    index), two themes and one pair's short leg with no prices at all, and gaps."""
    from models.sources.files import FileSource

    close = demo_market.close
    drop = {t for name in SPARSE_DROP for t in universe.themes[name]}
    drop |= set(universe.theme_etfs.get("Rare earths", []))
    pair = universe.pairs[0]
    drop |= set(pair.short)
    keep = [universe.benchmark, *universe.constituents[:60], *universe.cross_asset.sectors,
            *(r.etf for r in universe.regions if r.etf)]
    keep += [t for name, members in universe.themes.items() if name not in SPARSE_DROP
             for t in members[:3]]
    keep += list(pair.long)
    keep = [t for t in dict.fromkeys(keep) if t in close.columns and t not in drop]
    frame = close[keep].copy()
    rng = np.random.default_rng(3)
    holes = rng.random(frame.shape) < 0.01
    holes[-1, :] = False
    frame = frame.mask(holes)
    path = folder / "sparse.csv"
    frame.rename_axis("date").to_csv(path)
    return FileSource(path).load(universe)


@pytest.fixture(scope="module")
def scenarios(universe, demo_market, tmp_path_factory):
    from tests.conftest import REALDATA

    out = {"demo crash": default_compute(demo_market.until("2026-02-04"), universe),
           "demo calm": default_compute(demo_market.until(CALM_DAY), universe),
           "demo live": default_compute(demo_market, universe),
           "sparse file": default_compute(
               sparse_market(demo_market, universe, tmp_path_factory.mktemp("sparse")),
               universe)}
    if REALDATA.is_dir():
        from models.sources.files import FileSource

        folder = REALDATA / "yf_adjclose_2026"
        real = FileSource((folder / "sp500_members_adjclose_wide.csv.gz",
                           folder / "etfs_adjclose_wide.csv.gz")).load(universe)
        out["real 2026-02-04"] = default_compute(real.until("2026-02-04"), universe)
    return out


def snapshot_for(scenarios, name):
    if name not in scenarios:
        pytest.skip("../shared/realdata is not present")
    return scenarios[name]


def texts(widget) -> list[str]:
    """Every string the widget shows: labels (rich text stripped) and table cells/headers."""
    out = [TAGS.sub("", label.text()).replace("&nbsp;", " ")
           for label in widget.findChildren(QLabel) if label.isVisibleTo(widget)]
    for table in widget.findChildren(QTableWidget):
        for c in range(table.columnCount()):
            header = table.horizontalHeaderItem(c)
            out.append(header.text() if header else "")
        for r in range(table.rowCount()):
            out += [table.item(r, c).text() for c in range(table.columnCount())
                    if table.item(r, c) is not None]
    return out


def cells(table: QTableWidget) -> dict[tuple[str, str], str]:
    """(row key, header) -> cell text."""
    headers = [table.horizontalHeaderItem(c).text().replace("\n", " ")   # two-line headers
               for c in range(table.columnCount())]
    return {(table.item(r, 0).text(), headers[c]): table.item(r, c).text()
            for r in range(table.rowCount()) for c in range(table.columnCount())
            if table.item(r, c) is not None}


def rendered(qtbot, snapshot):
    panels = {}
    for cls in PANELS:
        panel = cls()
        qtbot.addWidget(panel)
        panel.show_snapshot(snapshot)
        panels[cls.panel_id] = panel
    return panels


def judged(text: str) -> str | None:
    """'best' / 'worst' when the text judges a figure ('... since', '... on record')."""
    match = re.search(r"\b(best|worst)\b[^;,]*?\b(since|on record)\b", text)
    return match.group(1) if match else None


def agrees(word: str | None, value: float) -> bool:
    return word is None or fmt.missing(value) or (word == "best") == (value > 0)


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_panel_agrees_with_the_snapshot(qtbot, scenarios, name):
    snapshot = snapshot_for(scenarios, name)
    head = snapshot.headline()
    panels = rendered(qtbot, snapshot)

    # Nothing reads nan / inf; a missing number in a heat table reads n/a.
    for panel_id, panel in panels.items():
        for text in texts(panel):
            assert not re.search(r"\b(nan|inf)\b", text, re.IGNORECASE), (panel_id, text)
        for table in panel.findChildren(HeatTable):
            for r in range(table.rowCount()):
                for c in range(table.columnCount()):
                    item = table.item(r, c)
                    number = item.data(SORT_ROLE) if item is not None else None
                    if isinstance(number, float) and not np.isfinite(number):
                        assert item.text() == "n/a", (panel_id, r, c, item.text())

    # Momentum: the headline figure and its judgement.
    mom = head.get("momentum")
    if mom is not None:
        text = TAGS.sub("", panels["momentum"].headline.text())
        assert fmt.pct(mom["long_short_1d"]) in text and fmt.sigma(mom["sigma"]) in text
        assert agrees(judged(text), mom["long_short_1d"]), text
        radar = cells(panels["radar"].table)
        row = radar[("Momentum σ-move", "Today")]
        assert fmt.pct(mom["long_short_1d"]) in row and agrees(judged(row), mom["long_short_1d"])

    # Themes: the 1d judgement has the 1d figure's sign; dropped baskets are named.
    if snapshot.baskets is not None:
        table = snapshot.baskets.table
        shown = cells(panels["themes"].table)
        for basket in table.index:
            assert shown[(basket, "1d")] == (fmt.pct(table.loc[basket, "1d"]))
            assert agrees(judged(shown[(basket, "1d vs history")]), table.loc[basket, "1d"])
        for missing in snapshot.baskets.missing:
            assert missing in panels["themes"].missing.text()

    # Regions: the week judgement is about the 1w $ figure beside it (same sign, same key).
    if head.get("regions"):
        shown = cells(panels["regions"].table)
        for region in head["regions"]:
            cell = shown[(region["name"], "1w $")]
            assert cell == fmt.pct(region["ret_1w_usd"]), (region["name"], cell)
            words = shown[(region["name"], "1w $ vs history")]
            assert words == region["best_week_since"]
            assert agrees(judged(words), region["ret_1w_usd"]), (region["name"], words, cell)
        headline = panels["regions"].headline.text()
        assert "last 5 sessions in USD" in headline or "n/a" in headline

    # Leveraged ETFs: the total and each underlying, in the panel's units.
    letf = head.get("letf")
    if letf is not None and letf["rebalance_total_usd"] is not None:
        assert fmt.money(letf["rebalance_total_usd"]) in panels["flows"].headline.text()
        shown = cells(panels["flows"].underlyings)
        for underlying, usd in letf["by_underlying"].items():
            assert shown[(underlying, "Rebalance $m")] == f"{usd / 1e6:+,.0f}"
        gamma = snapshot.flows.by_underlying["letf_gamma_usd_per_pct"]
        for underlying, value in gamma.items():
            cell = shown[(underlying, "LETF gamma $m per 1%")]
            assert cell == "n/a" or cell.startswith("-") or round(value / 1e6) == 0, cell

    # Dealer gamma: one sign convention in the panel and the snapshot.
    for underlying, g in (head.get("gamma") or {}).items():
        panel = panels["gamma"]
        panel.choice.setCurrentText(underlying)
        detail = panel.detail.text()
        assert f"dealer GEX {fmt.money(g['dealer_gex_usd_per_pct'])}" in detail
        if g["letf_gamma_usd_per_pct"] is not None:
            assert g["letf_gamma_usd_per_pct"] < 0
            assert f"leveraged-ETF gamma {fmt.money(g['letf_gamma_usd_per_pct'])}" in detail
        assert f"net {fmt.money(g['net_usd_per_pct'])}" in detail

    # Dispersion and breadth: the percentile reads the same in the panel and the radar.
    disp = head.get("dispersion")
    if disp is not None:
        words = fmt.percentile(disp["percentile"], "percentile")
        assert words in panels["dispersion"].ratio_text.text()
        radar = cells(panels["radar"].table)
        assert fmt.percentile(disp["percentile"]) in radar[("Dispersion percentile", "Today")]
        fraction = head["breadth"]["fraction_beating_benchmark"]
        assert fmt.pct(fraction, 0, sign=False) in radar[("Breadth vs index", "Today")]

    # Radar: the verdict, every light, and a row for every signal (n/a says why).
    radar = head.get("radar")
    if radar is not None:
        panel = panels["radar"]
        assert radar["verdict"] in TAGS.sub("", panel.verdict.text())
        states = panel.states()
        for signal, value in radar["signals"].items():
            assert signal in states
            assert (states[signal] == "n/a") == (value["state"] == "n/a")
        for signal in ("Dealer net gamma ($bn/1%)", "LETF flow % of ADV"):
            assert signal in states, f"{signal} row missing"
        shown = cells(panel.table)
        for (signal, column), text in shown.items():
            if column == "Today" and states.get(signal) == "n/a":
                assert text.startswith("n/a"), (signal, text)

    # Events: the headline counts what the table scores.
    events = head.get("events")
    if events is not None and events["count_with_21d"]:
        shown = TAGS.sub("", panels["events"].headline.text())
        assert f"{events['count_with_21d']} event" in shown
        table = cells(panels["events"].table)
        assert table[("21 days", "Events")] == str(events["count_with_21d"])


def test_sparse_file_names_what_is_missing(scenarios):
    snapshot = scenarios["sparse file"]
    assert set(SPARSE_DROP) <= set(snapshot.baskets.missing)
    assert any(name in snapshot.baskets.missing for name in
               (p for p in snapshot.baskets.missing if "leg" in snapshot.baskets.missing[p]))
    assert any(n.startswith("left out of themes & pairs") for n in snapshot.notes)
    regions = snapshot.regions.table
    assert regions.loc["Korea", "index"] == "EWY (ETF, USD)", \
        "the Index column names the series the level comes from"


def test_calm_day_headline_is_not_red(qtbot, scenarios):
    snapshot = scenarios["demo calm"]
    assert snapshot.radar.verdict.startswith("Calm")
    assert snapshot.radar.tone != "red"


def test_replay_names_the_missing_gamma(scenarios):
    signal = scenarios["demo crash"].radar.signals["Dealer net gamma ($bn/1%)"]
    assert signal.state == "n/a" and "no option chain quoted on 2026-02-04" in signal.value
