"""Answers cross from kernel A to kernel B as checked data, with their types; anything else fails plainly."""

import datetime
import json

import numpy as np
import pytest

from course.cohort.answers import MAX_BYTES, BadAnswers, NotReadable, Unreadable, encode, inject, parse_report, report
from course.cohort.running import answer_names, is_display
from course.cohort.running import tested_names as names_read_by_tests
from course.cohort.tampering import compare, scan

VALUES = [
    0,
    -3,
    2**70,
    1.5,
    float("inf"),
    True,
    None,
    "text",
    [1, "a", None],
    (1, (2, 3)),
    {"P01": "proceed"},
    {4: "minimal", 21: "severe"},
    {(1, 2): [3]},
    {1, 2, 3},
    frozenset({"a"}),
    datetime.date(2030, 1, 2),
    datetime.datetime(2030, 1, 2, 3, 4),
    np.int64(7),
    np.float64(0.25),
    np.bool_(True),
    complex(1, 2),
    {"__kap__": 1},
]


def _round_trip(value, capsys):
    report({"x": value}, ["x", "absent"], "M:")
    line = capsys.readouterr().out.strip()
    answers, _ = parse_report(line[2:])
    namespace = {}
    inject(namespace, json.dumps(answers))
    return namespace


@pytest.mark.parametrize("value", VALUES, ids=[type(v).__name__ + str(i) for i, v in enumerate(VALUES)])
def test_plain_values_keep_their_type_and_value(value, capsys):
    namespace = _round_trip(value, capsys)
    assert set(namespace) == {"x"}, "an answer that was never defined stays undefined"
    assert type(namespace["x"]) is type(value) and namespace["x"] == value
    if isinstance(value, dict):
        assert [type(k) for k in namespace["x"]] == [type(k) for k in value]


@pytest.mark.parametrize(
    "value, kind",
    [
        (lambda: 1, "a function"),
        (print, "a function"),
        (object(), "an object of type object"),
        (np.arange(3), "a numpy array"),
        (type("Bands", (dict,), {})(), "an object of type Bands"),
    ],
)
def test_anything_else_fails_the_test_with_a_plain_message(value, kind, capsys):
    x = _round_trip(value, capsys)["x"]
    assert isinstance(x, NotReadable)
    message = f"`x` is not a value the grader can read ({kind}"
    for use in (
        repr,
        str,
        bool,
        len,
        lambda v: v == 1,
        lambda v: v + 1,
        lambda v: v["a"],
        lambda v: v.items(),
        lambda v: f"{v}",
        iter,
        hash,
    ):
        with pytest.raises(AssertionError, match=message.replace("(", r"\(")):
            use(x)


def test_reports_are_checked():
    with pytest.raises(BadAnswers, match="more than"):
        parse_report(json.dumps({"answers": {"x": {"value": "a" * MAX_BYTES}}}))
    for bad in (
        "[]",
        "{",
        '{"answers": {"not a name": {"value": 1}}}',
        '{"answers": {"x": {"value": NaN}}}',
        '{"answers": {"x": {"value": 1, "unreadable": "?"}}}',
    ):
        with pytest.raises(BadAnswers):
            parse_report(bad)
    namespace = {}
    inject(namespace, json.dumps({"x": {"value": {"__kap__": "os.system", "v": "ls"}}}))
    assert isinstance(namespace["x"], NotReadable), "an unknown tag is never built"
    deep = 1
    for _ in range(30):
        deep = [deep]
    with pytest.raises(Unreadable):
        encode(deep)


def test_answer_names_come_from_metadata_or_assignments():
    import nbformat

    cell = nbformat.v4.new_code_cell("a = 1\nb, (c, d) = 2, (3, 4)\ne += 1\ndef f(): pass\nprint(a)")
    assert answer_names(cell) == ["a", "b", "c", "d", "e", "f"]
    cell.metadata["course"] = {"answers": ["a"]}
    assert answer_names(cell) == ["a"]
    shown = nbformat.v4.new_code_cell("widgets.ppv_explorer()")
    assert is_display(shown) and not is_display(nbformat.v4.new_code_cell("x = widgets.ppv_explorer()"))
    shown.metadata["course"] = {"display": False}
    assert not is_display(shown)
    for role, code, skipped in (
        ("display", "widgets.patient_chart(case.patient('P06'), ['items'])", True),
        ("display", "plots.figure(a)\nwidgets.explorer(b)", True),
        ("try", "widgets.patient_chart('P05')", True),
        ("display", "schedule_a = [1, 2]\nplots.schedules_figure(schedule_a)", False),
        ("display", "from course import evaluation\nevaluation.form()", False),
        ("try", "for finding in findings:\n    print(finding)", False),
        ("display", "%matplotlib inline", False),
        ("answer", "widgets.ppv_explorer()", False),
        ("check", "widgets.ppv_explorer()", False),
    ):
        made = nbformat.v4.new_code_cell(code)
        made.metadata["course"] = {"role": role}  # as course.lessons writes it: the role decides, and names a
        assert is_display(made) is skipped, (role, code)  # later cell may read keep a cell in B
    test = nbformat.v4.new_code_cell('y = answered("y")\nexpect(y > z, "m")\nfor row in t:\n    print(row)')
    test.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "t", "points": 1}
    read = set(names_read_by_tests(nbformat.v4.new_notebook(cells=[test])))
    assert {"y", "z", "answered"} <= read and "row" not in read


@pytest.mark.parametrize(
    "code, sign",
    [
        ("answered = lambda *n: 1", "redefines answered"),
        ("import sys\nsys.modules", "import sys"),
        ("f.__code__ = g.__code__", ".__code__"),
        ("get_ipython().events.register('pre_run_cell', f)", "get_ipython"),
        ("exec('1')", "exec"),
        ("x = getattr(o, '__glo' + 'bals__')", "getattr"),
        ("!curl example.org", "!system"),
        ("%%javascript\nalert(1)", "%javascript"),
        ("import ctypes", "import ctypes"),
        ("().__class__.__bases__", ".__class__"),
    ],
)
def test_the_scan_names_the_signs(code, sign):
    assert any(sign in found for found in scan(code, {"answered"})), scan(code, {"answered"})


@pytest.mark.parametrize(
    "code",
    [
        "x = sum(1 for t in trials if t['adequate'])",
        "%timeit x = 1",
        "import math\nx = math.sqrt(2)",
        "class Plan:\n    def __init__(self):\n        pass",
        "table = table[table['gad7'] >= 10]",
    ],
)
def test_ordinary_code_shows_no_sign(code):
    assert scan(code, {"answered", "expect"}) == []


def test_the_kernel_picture_is_compared_with_a_fresh_kernel():
    clean = {
        "input_transformers_cleanup": ["a"],
        "events": {"pre_run_cell": []},
        "replaced": ["_showtraceback"],
        "builtins": [],
        "course": {"course.answer_checks.expect": "1"},
    }
    assert compare(dict(clean), clean) == []
    changed = {
        **clean,
        "input_transformers_cleanup": ["a", "b"],
        "events": {"pre_run_cell": ["x"]},
        "replaced": ["_showtraceback", "kernel.do_execute"],
        "course": {"course.answer_checks.expect": "2"},
    }
    assert len(compare(changed, clean)) == 4
    assert compare(None, clean) == ["the kernel's state could not be read after the notebook ran"]
