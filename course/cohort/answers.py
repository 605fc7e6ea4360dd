"""Answers cross from the trainee's kernel (A) to the grader's kernel (B) as data, never as code.

Kernel A calls ``report`` after the notebook has run: it writes, on one line of its output, each named
answer in a small tagged JSON encoding. The grader checks that line with ``decode`` (size, depth and an
allow-list of types) and kernel B rebuilds exactly these values with ``inject``: numbers (also numpy's),
text, booleans, None, lists, tuples, dictionaries (any keys of these types), sets, frozensets and dates.
Anything else (a function, a table, an object) becomes a ``NotReadable`` value in B, which fails the test
that uses it with a plain message. Nothing from A is ever executed or unpickled in B.

Import-light on purpose: kernel A imports this module after the trainee's code has run.
"""

from __future__ import annotations

import datetime as _dt
import json
import math

import numpy

#: Total size of one notebook's encoded answers (characters).
MAX_BYTES = 1_000_000
#: Nesting depth of one answer.
MAX_DEPTH = 20
TAG = "__kap__"
_NUMPY_SCALARS = (
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "bool_",
    "bool",
    "str_",
)
_KINDS = {
    "function": "a function",
    "method": "a function",
    "builtin_function_or_method": "a function",
    "type": "a class",
    "module": "a module",
    "DataFrame": "a table (DataFrame)",
    "Series": "a pandas Series",
    "ndarray": "a numpy array",
    "generator": "a generator",
    "Figure": "a figure",
    "FigureWidget": "a figure",
}


class Unreadable(Exception):
    """A value that is not plain data (raised while encoding in A)."""


def describe(value) -> str:
    name = type(value).__name__
    return _KINDS.get(name, f"an object of type {name}")


def encode(value, depth: int = 0):
    """``value`` as JSON-ready data with tags for the types JSON lacks; raises Unreadable otherwise."""
    if depth > MAX_DEPTH:
        raise Unreadable("a value nested too deeply")
    kind = type(value)
    if value is None or kind in (bool, str):
        return value
    if kind is int:
        return value if abs(value) < 2**53 else {TAG: "int", "v": str(value)}
    if kind is float:
        return value if math.isfinite(value) else {TAG: "float", "v": repr(value)}
    if kind is complex:
        return {TAG: "complex", "v": [value.real, value.imag]}
    if kind is list:
        return [encode(v, depth + 1) for v in value]
    if kind in (tuple, set, frozenset):
        items = [encode(v, depth + 1) for v in value]
        if kind is not tuple:
            items.sort(key=lambda v: json.dumps(v, sort_keys=True))
        return {TAG: kind.__name__, "v": items}
    if kind is dict:
        if all(type(k) is str for k in value) and TAG not in value:
            return {k: encode(v, depth + 1) for k, v in value.items()}
        return {TAG: "dict", "v": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    if kind is _dt.date:
        return {TAG: "date", "v": value.isoformat()}
    if kind is _dt.datetime:
        return {TAG: "datetime", "v": value.isoformat()}
    if kind.__module__ == "numpy" and kind.__name__ in _NUMPY_SCALARS:
        return {TAG: f"numpy.{kind.__name__}", "v": encode(value.item(), depth + 1)}
    raise Unreadable(describe(value))


def report(namespace: dict, names: list[str], marker: str, probe=None) -> None:
    """In kernel A: print ``marker`` and the encoded answers named ``names`` (those that exist) on one line,
    with what ``probe`` (``tampering.PROBE``'s function) saw."""
    try:
        facts = probe() if probe else None
    except Exception as exc:  # a kernel the notebook took apart
        facts = {"error": type(exc).__name__}
    out = {}
    for name in names:
        if name in namespace:
            try:
                out[name] = {"value": encode(namespace[name])}
            except Unreadable as exc:
                out[name] = {"unreadable": str(exc)}
            except RecursionError:
                out[name] = {"unreadable": "a value nested too deeply"}
    print(marker + json.dumps({"answers": out, "probe": facts}, allow_nan=False, default=str), flush=True)


def parse_report(text: str) -> tuple[dict, dict | None]:
    """(answers as ``encode`` wrote them, probe facts) from kernel A's report line (after the marker)."""
    if len(text) > MAX_BYTES:
        raise BadAnswers(f"the answers take more than {MAX_BYTES // 1000} kB")
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise BadAnswers("the answers are not readable JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        raise BadAnswers("the answers are not a dictionary")
    decode(json.dumps(data["answers"]))  # checks every entry
    probe = data.get("probe")
    return data["answers"], probe if isinstance(probe, dict) else None


class BadAnswers(ValueError):
    """What kernel A reported is not what ``report`` writes."""


def decode(text: str) -> dict:
    """Check kernel A's report (as ``report`` wrote it) and return {name: value or NotReadable}."""
    if len(text) > MAX_BYTES:
        raise BadAnswers(f"the answers take more than {MAX_BYTES // 1000} kB")
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise BadAnswers("the answers are not readable JSON") from None
    if not isinstance(data, dict):
        raise BadAnswers("the answers are not a dictionary")
    out = {}
    for name, entry in data.items():
        if not name.isidentifier() or not isinstance(entry, dict) or len(entry) != 1:
            raise BadAnswers(f"the answer {name[:40]!r} is malformed")
        if "unreadable" in entry and isinstance(entry["unreadable"], str):
            out[name] = NotReadable(name, entry["unreadable"][:80])
        elif "value" in entry:
            try:
                out[name] = rebuild(entry["value"])
            except (BadAnswers, ValueError, TypeError, OverflowError, RecursionError) as exc:
                out[name] = NotReadable(name, f"malformed ({str(exc)[:60]})")
        else:
            raise BadAnswers(f"the answer {name[:40]!r} is malformed")
    return out


def _no_constant(name):
    raise ValueError(f"{name} is not allowed")


def rebuild(data, depth: int = 0):
    """The value that ``encode`` turned into ``data``; only the allow-listed types are ever built."""
    if depth > MAX_DEPTH + 2:
        raise BadAnswers("nested too deeply")
    if data is None or isinstance(data, (bool, str, int, float)):
        return data
    if isinstance(data, list):
        return [rebuild(v, depth + 1) for v in data]
    if not isinstance(data, dict):
        raise BadAnswers("an unknown kind of value")
    if TAG not in data:
        return {k: rebuild(v, depth + 1) for k, v in data.items()}
    tag, v = data[TAG], data.get("v")
    if set(data) != {TAG, "v"}:
        raise BadAnswers("an unknown tag")
    if tag == "int" and isinstance(v, str) and len(v) < 5000:
        return int(v)
    if tag == "float" and v in ("inf", "-inf", "nan"):
        return float(v)
    if tag == "complex" and isinstance(v, list) and len(v) == 2 and all(type(x) in (int, float) for x in v):
        return complex(*v)
    if tag in ("tuple", "set", "frozenset") and isinstance(v, list):
        items = [rebuild(x, depth + 1) for x in v]
        return {"tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
    if tag == "dict" and isinstance(v, list) and all(isinstance(p, list) and len(p) == 2 for p in v):
        return {rebuild(k, depth + 1): rebuild(x, depth + 1) for k, x in v}
    if tag == "date" and isinstance(v, str):
        return _dt.date.fromisoformat(v)
    if tag == "datetime" and isinstance(v, str):
        return _dt.datetime.fromisoformat(v)
    if isinstance(tag, str) and tag.startswith("numpy.") and tag[6:] in _NUMPY_SCALARS:
        return getattr(numpy, tag[6:])(rebuild(v, depth + 1))
    raise BadAnswers("an unknown tag")


class NotReadable:
    """Stands, in kernel B, for an answer that is not plain data: any use fails the test, plainly."""

    __slots__ = ("message",)

    def __init__(self, name: str, kind: str):
        object.__setattr__(
            self,
            "message",
            f"`{name}` is not a value the grader can read ({kind}): write the "
            "answer as a number, text, list or dictionary.",
        )

    def _fail(self, *args, **kwargs):
        raise AssertionError(object.__getattribute__(self, "message"))

    __repr__ = __str__ = __format__ = __bool__ = __len__ = __iter__ = __contains__ = __hash__ = _fail
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __getitem__ = __call__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _fail
    __float__ = __int__ = __index__ = __round__ = __abs__ = __neg__ = _fail

    def __getattr__(self, name):
        self._fail()


def inject(namespace: dict, text: str) -> None:
    """In kernel B: define the answers of one answer cell (checked JSON written by the grader)."""
    namespace.update(decode(text))
