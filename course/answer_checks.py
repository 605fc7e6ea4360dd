"""What the check cells of the lessons call: plain-language checks of a trainee's answers.

A check that fails raises :class:`CheckFailed` (an ``AssertionError``, so nbgrader scores the cell 0), whose
message says in one or two sentences what to fix, without a library traceback: Jupyter shows only the message.
A check that passes says so, and says that passing the checks you can see is not a grade (hidden tests grade
the answer after submission).

Answers are values a clinician writes: a number, a choice from named options, True or False, a short list or
a dictionary. ``judged`` grades a judgement: every defensible answer passes, and a wrong one is told why.
"""

from __future__ import annotations

import math
import re
import sys

from .cases import play

RED, GREEN, RESET = "\x1b[31m", "\x1b[32m", "\x1b[0m"
NOT_A_GRADE = "Passing the checks you can see is not a grade: hidden tests grade this answer after you submit."


class CheckFailed(AssertionError):
    """A check's plain message, shown without a traceback (IPython calls ``_render_traceback_``)."""

    def _render_traceback_(self) -> list[str]:
        return [f"{RED}✗ {self}{RESET}"]


def _history(namespace: dict) -> str:
    """The code the trainee has run before this cell (IPython keeps it in ``In``; its last entry is the running
    cell), leaving out check cells, which read answers; '' outside IPython."""
    cells = (namespace.get("In") or [])[:-1]
    return "\n".join(c for c in cells if isinstance(c, str) and "answered(" not in c)


def _missing(name: str, namespace: dict) -> CheckFailed:
    assigned = re.compile(rf"^\s*{re.escape(name)}\s*=", re.M)
    if assigned.search(_history(namespace)):
        return CheckFailed(
            f"Your answer cell for `{name}` ran but stopped with an error before `{name}` was set. Look at the red "
            "message under that cell: if it says a name is not defined, a cell above it has not run yet (use "
            "Run ▸ Run All Above Selected Cell), then run your answer cell again and this check after it."
        )
    return CheckFailed(
        f"Not answered yet: `{name}` is not set. Write `{name} = ...` in the answer cell above, "
        "run it (Shift+Enter), then run this check again."
    )


def answered(*names: str):
    """Fetch the trainee's answers by name from the notebook; fail plainly if one is missing."""
    caller = sys._getframe(1).f_globals
    values = []
    for name in names:
        if name not in caller:
            raise _missing(name, caller)
        values.append(caller[name])
    return values[0] if len(values) == 1 else tuple(values)


def expect(condition: bool, message: str) -> None:
    """Fail with ``message`` unless ``condition`` holds."""
    if not condition:
        raise CheckFailed(message)


_KINDS = {
    int: "a whole number such as 12",
    float: "a number such as 0.25",
    bool: "True or False",
    str: 'text in quotes, such as "refer"',
    dict: 'a dictionary such as {"P01": "proceed"}',
    list: 'a list such as ["P01", "P02"]',
}


def expect_type(value, kind, what: str) -> None:
    ok = isinstance(value, kind) and not (kind in (int, float) and isinstance(value, bool))
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        ok = True
    shown = repr(value) if len(repr(value)) < 60 else repr(value)[:57] + "..."
    expect(ok, f"`{what}` should be {_KINDS.get(kind, kind.__name__)}, but it is {shown} ({type(value).__name__}).")


def expect_close(value, expected: float, what: str, tolerance: float = 1e-3, hint: str = "") -> None:
    expect_type(value, float, what)
    expect(
        math.isfinite(value) and abs(value - expected) <= tolerance,
        f"`{what}` is {value:.4g}, which is not right. {hint}".strip(),
    )


def expect_equal(value, expected, what: str, hint: str = "") -> None:
    expect(value == expected, f"`{what}` is {value!r}, which is not right. {hint}".strip())


def expect_one_of(value, options, what: str) -> None:
    """The answer must be one of the named options (text copied exactly)."""
    listed = ", ".join(repr(o) for o in options)
    expect(
        isinstance(value, str) and value in options,
        f"`{what}` is {value!r}; choose one of {listed} (copy it exactly, with the quotes).",
    )


def expect_keys(value, keys, what: str) -> None:
    """A dictionary with exactly these keys."""
    expect_type(value, dict, what)
    expect(
        sorted(map(str, value)) == sorted(map(str, keys)),
        f"`{what}` should have exactly these keys: {', '.join(map(str, keys))}; it has "
        f"{', '.join(map(str, value)) or 'none'}.",
    )


def expect_subset(value, options, what: str) -> None:
    """A list whose items all come from the named options, without repeats."""
    expect_type(value, list, what)
    unknown = [v for v in value if v not in options]
    expect(
        not unknown,
        f"`{what}` holds {', '.join(map(repr, unknown))}, which is not one of the options: "
        f"{', '.join(map(repr, options))}.",
    )
    expect(len(set(value)) == len(value), f"`{what}` names an option twice.")


def judged(value, defensible: dict, what: str, wrong: dict | None = None) -> None:
    """Grade a judgement: pass for every defensible answer; otherwise say why the chosen one is not.

    ``defensible`` maps each acceptable answer to why it is right; ``wrong`` maps tempting wrong answers to why
    they are not (anything else gets a general hint)."""
    if value in defensible:
        return
    reason = (wrong or {}).get(value)
    expect(
        False,
        f"`{what}`: {reason}"
        if reason
        else f"`{what}` is {value!r}, which is not a defensible answer here. Read the case and the section again.",
    )


def judged_each(answers: dict, defensible: dict, what: str, wrong: dict | None = None) -> None:
    """Grade several judgements at once (e.g. a triage decision per patient); every wrong one is named."""
    problems = []
    for key, options in defensible.items():
        value = answers.get(key)
        if value not in options:
            reason = (wrong or {}).get(key, {}).get(value, "look again at this one.")
            problems.append(f"{key}: {reason}")
    expect(not problems, f"`{what}` is not right for " + "; ".join(problems))


def expect_path(case_id: str, choices, what: str):
    """A list of letters that replays a case to one of its endings; returns the run (path, ending, score)."""
    expect_type(choices, list, what)
    try:
        run = play(case_id, choices)
    except ValueError as problem:
        raise CheckFailed(f"`{what}` does not fit the case: {problem}") from None
    expect(
        run.finished,
        f"Your path stops at {run.node.title!r} before the case ends: add the choices for the remaining steps.",
    )
    return run


def passed(question: str) -> None:
    """Say that the visible checks of a question pass, and that this is not a grade."""
    print(f"{GREEN}✓ {question}: the checks you can see pass.{RESET} {NOT_A_GRADE}")
