"""Input checks shared by the course's public functions.

Every check raises ``ValueError`` with a message that says, in plain words, what to fix.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence


def _describe(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def whole_number(value, what: str, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int, or raise ValueError saying what ``what`` must be."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{what} must be a whole number, not {_describe(value)} ({type(value).__name__}).")
    if isinstance(value, float) or not isinstance(value, numbers.Integral):
        value = float(value)
        if math.isnan(value):
            raise ValueError(f"{what} is missing (NaN): fill in a whole number.")
        if not value.is_integer():
            raise ValueError(f"{what} must be a whole number, not {value}.")
    value = int(value)
    if low is not None and high is not None and not low <= value <= high:
        raise ValueError(f"{what} must be between {low} and {high}, not {value}.")
    if low is not None and value < low:
        raise ValueError(f"{what} must be at least {low}, not {value}.")
    if high is not None and value > high:
        raise ValueError(f"{what} must be at most {high}, not {value}.")
    return value


def number(value, what: str, low: float | None = None, high: float | None = None) -> float:
    """Return ``value`` as a finite float in [low, high], or raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{what} must be a number, not {_describe(value)} ({type(value).__name__}).")
    value = float(value)
    if math.isnan(value):
        raise ValueError(f"{what} is missing (NaN): fill in a number.")
    if math.isinf(value):
        raise ValueError(f"{what} must be a finite number, not {value}.")
    if low is not None and high is not None and not low <= value <= high:
        raise ValueError(f"{what} must be between {low:g} and {high:g}, not {value:g}.")
    if low is not None and value < low:
        raise ValueError(f"{what} must be at least {low:g}, not {value:g}.")
    if high is not None and value > high:
        raise ValueError(f"{what} must be at most {high:g}, not {value:g}.")
    return value


def proportion(value, what: str) -> float:
    """A proportion between 0 and 1 (a percentage like 89 is caught with a hint)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and 1 < float(value) <= 100:
        raise ValueError(
            f"{what} must be a proportion between 0 and 1, not {value:g}: write {float(value) / 100:g} for {value:g}%."
        )
    return number(value, what, 0.0, 1.0)


def item_responses(responses, count: int, low: int, high: int, scale: str) -> list[int]:
    """Validate a list of item responses: right length, whole numbers in [low, high]."""
    not_a_list = not isinstance(responses, Sequence) and not hasattr(responses, "__array__")
    if isinstance(responses, (str, bytes, dict)) or not_a_list:
        raise ValueError(
            f"{scale} needs a list of {count} item scores, not {_describe(responses)} ({type(responses).__name__})."
        )
    items = list(responses)
    if len(items) != count:
        raise ValueError(
            f"{scale} has {count} items: got {len(items)} scores. Give one score per item, in questionnaire order."
        )
    return [whole_number(v, f"{scale} item {i} score", low, high) for i, v in enumerate(items, start=1)]


def choice(value, what: str, options) -> str:
    """A value that must be one of ``options``."""
    if value not in options:
        raise ValueError(f"{what} must be one of {', '.join(map(str, options))}; got {_describe(value)}.")
    return value
