"""Running kernels for one submission: the trainee's notebook in kernel A, the instructor's tests in kernel B.

This is the worker side of grading (one long-lived worker process per core, so nbgrader's imports are paid
once). For each notebook of a submission:

1. **Kernel A** (sandboxed, the trainee's user) runs the prepared notebook through nbgrader's autograde
   preprocessors up to ``SaveAutoGrades`` (``Execute``, ``IgnorePattern``, ``ClearMetadata``, ``LimitOutput``),
   with every test cell's source blanked: trainee code never runs next to a test, visible or hidden. A last
   cell the grader adds asks A for each answer by name (``answers.report``) and for a picture of the kernel
   (``tampering.PROBE``).
2. **Kernel B** (sandboxed too, a fresh kernel the trainee's code never touched) runs the *source* notebook's
   code cells in order: locked cells as the instructor wrote them, each answer cell replaced by the answers A
   reported (as data: ``answers.inject``), each test cell with its hidden tests. Figure and widget cells are
   skipped. B's outcome is the grade: a test cell whose reply is not "ok", or that shows an error or writes
   to stderr, keeps that error as its first output, so nbgrader scores it 0.
3. The autograded notebook is A's, with each test cell's source restored and B's outputs in it; the grading
   process then runs nbgrader's ``SaveAutoGrades`` and the rest on it (see ``grading.py``).
"""

from __future__ import annotations

import ast
import json
import os
import secrets
import signal
import stat
import threading
from pathlib import Path

import nbformat

from .answers import MAX_BYTES, BadAnswers, parse_report
from .outputs import (
    LIMITS,
    NBGRADER_MARK,
    NOTE_PATTERN,
    LimitOutputSize,
    Limits,
    add_notes,
    bounded,
    human,
    output_text,
)
from .sandbox import die_with_parent
from .statuses import describe_exit
from .tampering import PROBE, compare

_WORKER: dict = {}
_TIMEOUT_ERROR = "CellTimeoutError"  # nbgrader's Execute.error_on_timeout
#: The grader's report cell in kernel A prints the answers (up to answers.MAX_BYTES) on one line: room for them,
#: outside the notebook's output budget (a trainee who printed too much still has their answers read).
REPORT_LIMITS = Limits(text=2 * MAX_BYTES, data=LIMITS.data, cell=4 * MAX_BYTES, notebook=LIMITS.notebook)


def start_worker(course: str, launcher: list, notebook_timeout: int, log_dir: str) -> None:
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is handled once, by the grading process
    configure_worker(course, launcher, notebook_timeout, log_dir)


def configure_worker(course: str, launcher: list, notebook_timeout: int, log_dir: str) -> None:
    """Build this process's preprocessors (nbgrader's, up to SaveAutoGrades) from the course's config.

    ``launcher`` is the kernel server's launcher command with ``{log}`` where each kernel's log file goes
    (in ``log_dir``, a folder no kernel can reach)."""
    # loaded in the grading worker process only (the parent process never needs it)
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import Execute
    from traitlets.config.loader import PyFileConfigLoader
    from traitlets.utils.importstring import import_item

    config = PyFileConfigLoader("nbgrader_config.py", path=course).load_config()
    converter = Autograde(coursedir=CourseDirectory(config=config), config=config)
    classes = [import_item(pp) if isinstance(pp, str) else pp for pp in converter.autograde_preprocessors]
    names = [cls.__name__ for cls in classes]
    if "SaveAutoGrades" not in names:
        raise RuntimeError("Autograde.autograde_preprocessors must include SaveAutoGrades.")
    classes = classes[: names.index("SaveAutoGrades")]
    if not any(issubclass(cls, Execute) for cls in classes):
        raise RuntimeError("Autograde.autograde_preprocessors must include Execute.")
    if not any(issubclass(cls, LimitOutputSize) for cls in classes):  # a cohort made before outputs were bounded
        classes.append(LimitOutputSize)
    # kernel A's outputs are bounded as they arrive, and its widget state is not kept (see outputs.py)
    preprocessors = [bounded(cls)(config=config) if issubclass(cls, Execute) else cls(config=config) for cls in classes]
    for pp in preprocessors:
        if isinstance(pp, Execute):
            pp.store_widget_state = False

    class TrustedExecute(Execute):
        """nbgrader's Execute for kernel B, remembering each cell's reply status."""

        def on_cell_executed(self, **kw):
            super().on_cell_executed(**kw)
            self.replies[kw["cell_index"]] = kw["execute_reply"]["content"].get("status")

    _WORKER.update(
        preprocessors=preprocessors,
        trusted=TrustedExecute(config=config),
        launcher=launcher,
        notebook_timeout=notebook_timeout,
        log_dir=log_dir,
        count=0,
    )


def execute_submission(job: dict) -> list[dict]:
    """Run each prepared notebook of one submission in kernels A and B (see the module docstring)."""
    return [execute_notebook(notebook, job["a_cwd"], job["b_cwd"], job.get("trainee")) for notebook in job["notebooks"]]


def execute_notebook(job: dict, a_cwd: str, b_cwd: str | None, trainee: str | None = None) -> dict:
    """One notebook: ``job`` has ``path`` (prepared by nbgrader), ``source`` (the instructor's notebook, or None
    to run the tests in A as plain nbgrader does) and ``answers`` ({answer cell id: [names]}). ``trainee``: the
    submitting trainee's id as nbgrader knows it (the submission's folder), given to both kernels as
    ``KAP_TRAINEE``, so each computes that trainee's own variant (``course.variants``)."""
    nb = nbformat.read(job["path"], as_version=4)
    tests = {i: cell.source for i, cell in enumerate(nb.cells) if _is_test(cell)}
    marker = f"KAP-GRADER-{secrets.token_hex(8)}:"
    if job.get("source"):
        for i in tests:
            nb.cells[i].source = ""  # kernel A never sees a test
        names = sorted({n for names in job["answers"].values() for n in names})
        nb.cells.append(nbformat.v4.new_code_cell(_report_cell(names, marker)))
    outcome = {"error": None, "detail": "", "tampering": [], "unreadable": [], "log": ""}
    execute = next(pp for pp in _WORKER["preprocessors"] if _is_execute(pp))
    execute.kap_reset({len(nb.cells) - 1: REPORT_LIMITS} if job.get("source") else {})
    resources = {"metadata": {"path": a_cwd}}
    nb, error = _run(execute, nb, resources, "A", trainee)
    add_notes(nb, execute.kap_dropped)
    outcome.update(error)
    if not job.get("source"):
        return {"notebook": json.dumps(_rest(nb, resources, execute)), **outcome}
    report_cell = nb.cells.pop()
    for i, source in tests.items():
        nb.cells[i].source = source
        nb.cells[i].outputs = []
    if outcome["error"]:
        return {"notebook": json.dumps(_rest(nb, resources, execute)), **outcome}

    reported = _reported(report_cell, marker)
    if isinstance(reported, str):
        answers, seen = {}, None
        outcome["tampering" if reported.startswith("the notebook") else "unreadable"].append(reported)
    else:
        answers, seen = reported
        tested = set(job.get("tested", answers))
        outcome["unreadable"] = sorted(n for n, e in answers.items() if "unreadable" in e and n in tested)
    b_nb, test_cells, clean = _run_b(job, answers, b_cwd, trainee)
    if test_cells is None:  # B failed: the grader's own kernel, not the trainee's fault
        outcome.update(b_nb)
        return {"notebook": json.dumps(_rest(nb, resources, execute)), **outcome}
    if clean is not None and not isinstance(reported, str):
        outcome["tampering"] += compare(seen, clean)
    by_id = {gid: b_nb.cells[i] for gid, i in test_cells.items()}
    for i in tests:
        gid = nb.cells[i].metadata.get("nbgrader", {}).get("grade_id")
        graded = by_id.get(gid)
        nb.cells[i].outputs = (
            graded.outputs if graded is not None else [_error("NotGraded", "the grader's kernel did not run this test")]
        )
        nb.cells[i].execution_count = graded.execution_count if graded is not None else None
    return {"notebook": json.dumps(_rest(nb, resources, execute)), **outcome}


def _rest(nb, resources, execute):
    for pp in _WORKER["preprocessors"]:
        if pp is not execute:
            nb, resources = pp(nb, resources)
    return nb


def _run(execute, nb, resources, which: str, trainee: str | None = None):
    """Execute ``nb`` with ``execute`` in a new sandboxed kernel (for ``trainee``); (notebook, {error, detail, log})."""
    # loaded in the grading worker process only (the parent process never needs it)
    from jupyter_core.utils import run_sync
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    # loaded in the grading worker process only (the parent process never needs it)
    from .kernels import SandboxedKernelManager

    _WORKER["count"] += 1
    log = Path(_WORKER["log_dir"]) / f"{os.getpid()}-{_WORKER['count']}-{which}.log"
    km = SandboxedKernelManager(
        launcher=[str(log) if part == "{log}" else part for part in _WORKER["launcher"]],
        trainee=trainee,
        kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
    )
    outcome = {"error": None, "detail": ""}

    def time_up():
        outcome["time_up"] = True
        km.kill_now()

    watchdog = threading.Timer(_WORKER["notebook_timeout"], time_up)
    watchdog.start()
    try:
        if execute.enabled:
            nb, resources = execute.preprocess(nb, resources, km=km)
    except (DeadKernelError, CellTimeoutError) as exc:
        if outcome.get("time_up"):
            limit = _WORKER["notebook_timeout"]
            outcome.update(error="stuck", detail=f"stopped at the notebook time limit ({limit} s)")
        elif isinstance(exc, CellTimeoutError):
            outcome.update(error="stuck", detail="a cell ran past the time limit and ignored the interrupt")
        else:
            outcome.update(error="kernel-died", detail=describe_exit(km.exit_code()))
    except Exception as exc:  # anything else is reported, never fatal for the other submissions
        if which == "A":  # e.g. forked processes garbling the kernel's messages
            outcome.update(
                error="kernel-died",
                detail=f"the kernel's connection to the grader broke ({type(exc).__name__}: {exc})"[:500],
            )
        else:
            outcome.update(error="grading-error", detail=f"{type(exc).__name__}: {exc}"[:500])
    finally:
        watchdog.cancel()
        if getattr(execute, "kc", None) is not None:  # nbclient leaves the channels of a kernel it does not own open
            execute.kc.stop_channels()
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:
            km.kill_now()
    outcome.pop("time_up", None)
    outcome["log"] = read_log(log)
    return nb, outcome


def read_log(path: Path, size: int = 300) -> str:
    """The end of a kernel's error output, as its launcher saved it: a regular file, no link, read to a bound."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return ""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return ""
        data = os.read(fd, 4 * size)
    finally:
        os.close(fd)
        Path(path).unlink(missing_ok=True)
    text = data.decode(errors="replace").strip()[-size:]
    return "".join(ch if ch.isprintable() else " " for ch in text)  # it is the trainee's output too


def _report_cell(names: list[str], marker: str) -> str:
    return (
        PROBE + "\nfrom course.cohort.answers import report as _kap_report\n"
        f"_kap_report(globals(), {names!r}, {marker!r}, _kap_probe)\n"
    )


def _reported(cell, marker: str):
    """(answers, probe facts) from the report cell's output, or the reason there are none."""
    text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
    lines = [line[len(marker) :] for line in text.split("\n") if line.startswith(marker)]
    if len(lines) != 1:
        return "the notebook kept the grader from reading its answers"
    try:
        return parse_report(lines[0])
    except BadAnswers as exc:
        return f"its answers could not be read ({exc})"


# --------------------------------------------------------------------------------------------------
# Kernel B


def _run_b(job: dict, answers: dict, b_cwd: str, trainee: str | None = None):
    """Run the source notebook with ``answers`` in a fresh kernel: (notebook, {grade id: cell index}, probe facts)
    or ({error, detail}, None, None) when the grader's own kernel failed."""
    source = nbformat.read(job["source"], as_version=4)
    cells, tests = [], {}
    for cell in source.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id")
        if meta.get("solution"):
            names = job["answers"].get(gid, [])
            given = {n: answers[n] for n in names if n in answers}
            cells.append(
                nbformat.v4.new_code_cell(
                    "from course.cohort.answers import inject as _kap_inject\n"
                    f"_kap_inject(globals(), {json.dumps(given)!r})\ndel _kap_inject"
                )
            )
        elif _is_test(cell):
            tests[gid] = len(cells)
            cells.append(nbformat.v4.new_code_cell(cell.source, metadata=cell.metadata))
        elif not is_display(cell):
            cells.append(nbformat.v4.new_code_cell(cell.source))
    marker = f"KAP-GRADER-{secrets.token_hex(8)}:"
    cells.append(nbformat.v4.new_code_cell(PROBE + f"\nimport json as _j\nprint({marker!r} + _j.dumps(_kap_probe()))"))
    b_nb = nbformat.v4.new_notebook(cells=cells, metadata=source.metadata)
    trusted = _WORKER["trusted"]
    trusted.replies = {}
    b_nb, outcome = _run(trusted, b_nb, {"metadata": {"path": b_cwd}}, "B", trainee)
    if outcome["error"]:
        return (
            {
                "error": "grading-error",
                "detail": f"the grader's kernel: {outcome['detail']}"
                + (f"; its last words: ...{outcome['log']}" if outcome["log"] else ""),
            },
            None,
            None,
        )
    for i in tests.values():
        _zero_if_failed(b_nb.cells[i], trusted.replies.get(i))
    text = "".join(o.get("text", "") for o in b_nb.cells[-1].get("outputs", []))
    clean = next((json.loads(line[len(marker) :]) for line in text.split("\n") if line.startswith(marker)), None)
    return b_nb, tests, clean


def _zero_if_failed(cell, status) -> None:
    """Put a failed test's error first (nbgrader scores a cell by the first error or result it meets)."""
    bad = [o for o in cell.outputs if o.output_type == "error" or (o.output_type == "stream" and o.name == "stderr")]
    if status != "ok" and not any(o.output_type == "error" for o in bad):
        bad.insert(0, _error("TestFailed", f"the test's reply was {status!r}, not 'ok'"))
    if bad:
        cell.outputs = bad + [o for o in cell.outputs if o not in bad]


def _error(ename: str, evalue: str):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _is_test(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _is_execute(pp) -> bool:
    # loaded in the grading worker process only (the parent process never needs it)
    from nbgrader.preprocessors import Execute

    return isinstance(pp, Execute)


def is_display(cell) -> bool:
    """A cell that kernel B skips: a figure or widget (``metadata.course.role`` "display", as ``course.lessons`` writes
    it) or the trainee's own cell to explore (role "try"), unless it defines names (a later test may read them: such
    a cell runs). A source notebook without roles: ``metadata.course.display``, else a cell that is one call of
    ``widgets.*`` or ``plots.*`` whose result is not kept."""
    course = cell.get("metadata", {}).get("course", {})
    if isinstance(course, dict) and "role" in course:
        return course["role"] in ("display", "try") and not _defines_names(cell.source)
    if isinstance(course, dict) and "display" in course:
        return bool(course["display"])
    try:
        body = ast.parse(cell.source).body
    except SyntaxError:
        return False
    return (
        len(body) == 1
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Call)
        and isinstance(body[0].value.func, ast.Attribute)
        and isinstance(body[0].value.func.value, ast.Name)
        and body[0].value.func.value.id in ("widgets", "plots")
    )


def _defines_names(source: str) -> bool:
    """Whether code binds any name (assigns, imports, defines, loops); code that cannot be parsed counts as binding."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return True
    return any(
        isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        or isinstance(node, ast.Name)
        and not isinstance(node.ctx, ast.Load)
        for node in ast.walk(tree)
    )


def answer_names(cell) -> list[str]:
    """The names an answer cell of a source notebook defines: ``metadata.course.answers``, or (until every source
    notebook has that) the top-level assignment targets and definitions of its code."""
    course = cell.get("metadata", {}).get("course", {})
    if isinstance(course, dict) and isinstance(course.get("answers"), list):
        return [str(n) for n in course["answers"]]
    try:
        body = ast.parse(cell.source).body
    except SyntaxError:
        return []
    names = []
    for node in body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, (ast.AnnAssign, ast.AugAssign))
            else []
        )
        for target in targets:
            names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
    return list(dict.fromkeys(names))


def tested_names(nb) -> list[str]:
    """Names the test cells of a source notebook read without setting them first, and names they ask ``answered``
    for (an unreadable helper that no test reads is no finding)."""
    names = set()
    for cell in nb.cells:
        if not _is_test(cell):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        stored = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
        names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - stored
        names |= {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    return sorted(names)


def timed_out_or_failed_cells(nb) -> list:
    """Cells that timed out, ran out of memory or had their output cut, in an executed notebook."""
    found = {"timed-out": [], "memory-limit": [], "output-truncated": []}
    cut = {}
    for number, cell in enumerate(nb.cells, start=1):
        name = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {number}"
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == _TIMEOUT_ERROR:
                found["timed-out"].append(name)
            elif output.get("output_type") == "error" and output.get("ename", "").endswith("MemoryError"):
                found["memory-limit"].append(name)
            text = output_text(output)
            sizes = [float(n) * {"MB": 1e6, "kB": 1e3, "bytes": 1}[u] for n, u in NOTE_PATTERN.findall(text)]
            if sizes or NBGRADER_MARK in text:
                found["output-truncated"].append(name)
                cut[name] = cut.get(name, 0) + sum(sizes)
    found["output-truncated"] = [
        f"{name} ({human(round(cut[name]))} cut)" if cut[name] else name  # else: lines
        for name in dict.fromkeys(found["output-truncated"])
    ]
    return [[code, ", ".join(dict.fromkeys(cells))] for code, cells in found.items() if cells]
