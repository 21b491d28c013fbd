"""The one formatter every panel, PNG, CSV copy and radar sentence uses."""
from __future__ import annotations

import pandas as pd

from analytics import formatting as fmt


def test_missing_is_never_a_number():
    for value in (None, float("nan"), float("inf"), -float("inf"), "x"):
        assert fmt.missing(value)
        assert fmt.pct(value) == fmt.sigma(value) == fmt.money(value) == "n/a"
        assert fmt.multiple(value) == fmt.percentile(value) == fmt.number(value) == "n/a"
    assert fmt.day(None) == "n/a"


def test_money_keeps_the_sign_before_the_currency():
    assert fmt.money(-9.93e9) == "-$9.93bn" and fmt.money(9.4e8) == "+$0.94bn"
    assert fmt.money(-2.5e6, "m", 1) == "-$2.5m"
    assert fmt.money(15e9, decimals=0, sign=False) == "$15bn"


def test_percent_sigma_multiple():
    assert fmt.pct(0.0123) == "+1.23%" and fmt.pct(-0.0060) == "-0.60%"
    assert fmt.pct(0.75, 0, sign=False) == "75%"
    assert fmt.sigma(-6.41) == "-6.4σ" and fmt.multiple(1.876, 2) == "1.88x"


def test_ordinals_and_percentiles():
    assert [fmt.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 99, 100)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "99th",
         "100th"]
    assert fmt.percentile(0.0) == fmt.percentile(0.99) == "below the 1st pct"
    assert fmt.percentile(1.0) == "1st pct" and fmt.percentile(99.88) == "99th pct"
    assert fmt.percentile(100.0) == "100th pct", "the highest on record"
    assert fmt.percentile(96.5, "percentile") == "96th percentile"


def test_since_takes_the_sign_of_the_number():
    best, worst = pd.Timestamp("2026-01-09"), pd.Timestamp("2025-11-18")
    assert fmt.since(0.0014, best, worst) == "best since 2026-01-09"
    assert fmt.since(-0.04, best, worst, "5 sessions in USD") == \
        "worst 5 sessions in USD since 2025-11-18"
    assert fmt.since(-0.08, best, None, "day", pd.Timestamp("2023-01-25")) == \
        "worst day on record (history since 2023-01-25)"
    assert fmt.since(float("nan"), best, worst) == "n/a"
