"""Checks used by the test cells of the module notebooks.

Each check fails with an ``AssertionError`` whose message tells a clinician what is wrong and what
to do, in plain words, without giving the answer away.
"""
from __future__ import annotations

import math
import sys

_NOT_ANSWERED = ("You have not answered this question yet: `{name}` does not exist. Write your answer "
                 "in the answer cell above (replace the `raise NotImplementedError` line), run that cell, "
                 "then run this check again.")


def answered(*names: str):
    """Fetch the trainee's answers by name from the notebook; fail plainly if one is missing."""
    caller = sys._getframe(1).f_globals
    values = []
    for name in names:
        if name not in caller:
            raise AssertionError(_NOT_ANSWERED.format(name=name))
        values.append(caller[name])
    return values[0] if len(values) == 1 else tuple(values)


def expect(condition: bool, message: str) -> None:
    """Fail with ``message`` unless ``condition`` holds."""
    if not condition:
        raise AssertionError(message)


def expect_type(value, kind, what: str) -> None:
    names = {int: "a whole number", float: "a number", bool: "True or False", str: "text in quotes",
             dict: "a dictionary like {'P01': 'proceed'}", list: "a list like ['P01', 'P02']"}
    ok = isinstance(value, kind) and not (kind in (int, float) and isinstance(value, bool))
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        ok = True
    expect(ok, f"{what} should be {names.get(kind, kind.__name__)}, but it is {value!r} "
               f"({type(value).__name__}).")


def expect_close(value, expected: float, what: str, tolerance: float = 1e-3, hint: str = "") -> None:
    expect_type(value, float, what)
    expect(math.isfinite(value) and abs(value - expected) <= tolerance,
           f"{what} is {value:.4g}, which is not right. {hint}".strip())


def expect_equal(value, expected, what: str, hint: str = "") -> None:
    expect(value == expected, f"{what} is {value!r}, which is not right. {hint}".strip())
