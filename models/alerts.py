"""Alert rules on the snapshot's headline figures, fired once per crossing.

A rule is text: ``<path> <op> <number>``, e.g. ``dispersion.percentile > 95``,
``momentum.sigma <= -3`` or ``gamma.SPY.net_usd_per_pct < 0``; the path names a number in
snapshot.json (see README). A rule fires when its condition becomes true and stays quiet until
the condition has been false again (it re-arms).
"""
from __future__ import annotations

import datetime as dt
import difflib
import json
import math
import operator
import re
from dataclasses import dataclass, field

OPS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt,
       "==": operator.eq, "!=": operator.ne}
OPERATOR = re.compile(r"<=|>=|==|!=|<|>")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
PATH = re.compile(r"[A-Za-z0-9_.&/ ()^-]+")
MAX_RULE_LENGTH = 300
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
    def parse(cls, text: str, known: set[str] | None = None) -> AlertRule:
        """``<figure> <op> <number>`` in linear time; with ``known`` (the figures of the
        current snapshot) a misspelt figure is rejected, naming the nearest known ones."""
        if not isinstance(text, str):
            raise ValueError(f"alert rule {text!r}: not text")
        stripped = text.strip()
        match = OPERATOR.search(stripped) if len(stripped) <= MAX_RULE_LENGTH else None
        path = stripped[:match.start()].strip() if match else ""
        number = stripped[match.end():].strip() if match else ""
        if not (match and PATH.fullmatch(path) and NUMBER.fullmatch(number)):
            raise ValueError(f"alert rule {stripped[:60]!r}: expected '<figure> <op> <number>', "
                             "e.g. 'momentum.sigma <= -3'")
        if known and path not in known:
            near = difflib.get_close_matches(path, sorted(known), n=3, cutoff=0.6)
            hint = f"did you mean {', '.join(near)}?" if near else \
                f"known figures include {', '.join(sorted(known)[:8])}, ..."
            raise ValueError(f"alert rule {stripped!r}: unknown figure {path!r} ({hint})")
        return cls(stripped, path, match[0], float(number))

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
    def from_texts(cls, texts, known: set[str] | None = None) -> AlertBook:
        return cls([AlertRule.parse(t, known) for t in texts
                    if not isinstance(t, str) or t.strip()])

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
    def from_json(cls, text: str) -> AlertBook:
        """The saved book; ValueError for anything that is not {"rules": [text...],
        "active": {text: bool}}."""
        data = json.loads(text)
        if not isinstance(data, dict) or not isinstance(data.get("rules", []), list) or \
                not isinstance(data.get("active", {}), dict):
            raise ValueError("expected {\"rules\": [...], \"active\": {...}}")
        book = cls.from_texts(data.get("rules", []))
        book.active = {str(k): bool(v) for k, v in data.get("active", {}).items()}
        return book


def fired_messages(fired, source: str, as_of) -> list[str]:
    """One line per fired (rule, value): when, the rule, the value now and the data read."""
    return [f"{dt.datetime.now():%Y-%m-%d %H:%M} · {rule.text} (now {value:,.4g}; data "
            f"{source} as of {as_of:%Y-%m-%d})" for rule, value in fired]
