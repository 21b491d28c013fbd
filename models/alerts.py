"""Alert rules on the snapshot's headline figures, fired once per crossing.

A rule is text: ``<path> <op> <number>``, e.g. ``dispersion.percentile > 95``,
``momentum.sigma <= -3`` or ``gamma.SPY.net_usd_per_pct < 0``; the path names a number in
snapshot.json (see README). A rule fires when its condition becomes true and stays quiet until
the condition has been false again (it re-arms).
"""
from __future__ import annotations

import json
import math
import operator
import re
from dataclasses import dataclass, field

OPS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt,
       "==": operator.eq, "!=": operator.ne}
RULE = re.compile(r"^\s*([A-Za-z0-9_.&/ ()^-]+?)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$")
DEFAULT_RULES = ("momentum.sigma <= -3", "dispersion.percentile > 95",
                 "gamma.SPY.net_usd_per_pct < 0")


def flatten(headline: dict, prefix: str = "") -> dict[str, float]:
    """Numbers of a (nested) headline dict by dotted path; lists and text are skipped."""
    out: dict[str, float] = {}
    for key, value in headline.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, path + "."))
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and \
                value is not None and math.isfinite(value):
            out[path] = float(value)
    return out


@dataclass(frozen=True)
class AlertRule:
    text: str
    path: str
    op: str
    threshold: float

    @classmethod
    def parse(cls, text: str) -> "AlertRule":
        match = RULE.match(text)
        if not match:
            raise ValueError(f"alert rule {text!r}: expected '<figure> <op> <number>', "
                             "e.g. 'momentum.sigma <= -3'")
        return cls(text.strip(), match[1].strip(), match[2], float(match[3]))

    def holds(self, figures: dict[str, float]) -> bool | None:
        """True/False, or None when the figure is not in this snapshot."""
        value = figures.get(self.path)
        return None if value is None else OPS[self.op](value, self.threshold)


@dataclass
class AlertBook:
    """Rules plus their armed state; ``evaluate`` returns the rules that fired now."""

    rules: list[AlertRule] = field(default_factory=list)
    active: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def from_texts(cls, texts) -> "AlertBook":
        return cls([AlertRule.parse(t) for t in texts if t.strip()])

    def evaluate(self, headline: dict) -> list[tuple[AlertRule, float]]:
        figures = flatten(headline)
        fired = []
        for rule in self.rules:
            holds = rule.holds(figures)
            if holds is None:
                continue
            if holds and not self.active.get(rule.text, False):
                fired.append((rule, figures[rule.path]))
            self.active[rule.text] = holds
        return fired

    def to_json(self) -> str:
        return json.dumps({"rules": [r.text for r in self.rules], "active": self.active})

    @classmethod
    def from_json(cls, text: str) -> "AlertBook":
        data = json.loads(text)
        book = cls.from_texts(data.get("rules", []))
        book.active = {k: bool(v) for k, v in data.get("active", {}).items()}
        return book
