"""Parallel autograding on top of nbgrader, with a named status for every submission.

How one submission is graded, and why its scores equal ``nbgrader autograde``'s:

1. **Checks before nbgrader** read the collected folder: missing, too large, corrupt or renamed
   notebooks, deleted or edited test and locked cells (compared with the *release*, so hidden tests do
   not raise false alarms, nbgrader #1961), extra files. A submission that cannot be graded gets its
   status and is not passed on.
2. A **snapshot** of the folder (regular files only) is what gets graded; the original is checksummed
   before and after and never written to.
3. nbgrader's own ``Autograde`` converter prepares the snapshot exactly as ``nbgrader autograde`` does
   (``init_assignment``: student, submission, timestamp, files; then the sanitizing preprocessors).
4. A **worker process** (one per core, long-lived, so nbgrader's imports are paid once) runs nbgrader's
   autograde preprocessors up to ``SaveAutoGrades`` (``Execute``, ``IgnorePattern``, ``ClearMetadata``,
   ``LimitOutput``) in a sandboxed kernel forked from the warm kernel server (``sandbox.py``).
5. This process alone writes to the gradebook (SQLite dislikes concurrent writers): it runs
   ``SaveAutoGrades`` and the preprocessors after it, and writes the autograded notebook.
6. **Checks after**: cells that timed out or ran out of memory, output cut by ``LimitOutput``, a kernel
   that died. The status and the snapshot's checksum go to ``grading/MODULE/ID.json``, written
   atomically *after* the gradebook, so a run stopped at any point resumes without losses, and the
   gradebook's update-or-create writes leave no duplicates.
"""
from __future__ import annotations

import ast
import itertools
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from multiprocessing import get_context
from pathlib import Path

from ..validation import whole_number
from .files import folder_checksum, submission_files, write_atomically
from .sandbox import KernelServer, die_with_parent
from .workspace import Workspace, quiet_nbgrader


@dataclass(frozen=True)
class Status:
    code: str
    label: str
    graded: bool      # whether the gradebook holds a score for the submission
    advice: str


#: Every status a submission can end with, worst first (a submission shows its worst finding).
STATUSES = {s.code: s for s in (
    Status("missing", "missing", False, "Nothing was collected: remind the trainee to submit, then collect again."),
    Status("too-large", "too large", False, "Bigger than max_submission_mb (cohort.json): ask for a resubmission "
                                            "with large outputs cleared."),
    Status("corrupt-notebook", "corrupt notebook", False, "The file is not a readable notebook: ask for a "
                                                          "resubmission."),
    Status("unknown-notebook", "renamed or unknown notebook", False, "The module's notebook is not there but another "
                                                                     "is (renamed?): rename it in submitted/ or ask "
                                                                     "for a resubmission, then grade again."),
    Status("kernel-died", "kernel died", False, "The trainee's code ended the kernel (a crash, an exit or a sandbox "
                                                "limit): its grades wait for you in formgrader."),
    Status("stuck", "stuck kernel", False, "The code could not be interrupted at the time limit and was stopped: its "
                                           "grades wait for you in formgrader."),
    Status("grading-error", "grading error", False, "Grading failed for another reason (see the detail); "
                                                    "`grade` tries again."),
    Status("notebook-missing", "a notebook is missing", True, "One of the module's notebooks was not submitted; "
                                                              "nbgrader scored it 0."),
    Status("cell-deleted", "test cell deleted", True, "A test, answer or locked cell was deleted; deleted graded "
                                                      "cells wait for you in formgrader."),
    Status("cell-edited", "test or locked cell edited", True, "A test or locked cell was changed; nbgrader graded "
                                                              "with the original cell."),
    Status("timed-out", "timed out", True, "A cell ran past the cell time limit and was stopped; it scored 0."),
    Status("memory-limit", "memory limit", True, "A cell ran out of memory in the sandbox; it scored 0."),
    Status("output-truncated", "output truncated", True, "A cell printed so much that nbgrader cut its output."),
    Status("extra-files", "extra files", True, "Files that are not in the release were submitted (kept, not graded; "
                                               "links are not copied)."),
    Status("needs-manual-grading", "needs manual grading", True, "Written answers wait for a grader in formgrader."),
    Status("graded", "graded", True, "Fully graded."),
)}
_RANK = {code: i for i, code in enumerate(STATUSES)}
#: Files nbgrader's exchange adds to every submission.
NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")
_TIMEOUT_ERROR = "CellTimeoutError"        # nbgrader's Execute.error_on_timeout
_TRUNCATED = "... Output truncated ..."    # nbgrader's LimitOutput


@dataclass
class Record:
    """The outcome of grading one submission (kept in ``grading/MODULE/ID.json``)."""
    student: str
    module: str
    status: str
    findings: list = field(default_factory=list)   # [code, detail] pairs
    checksum: str | None = None                    # of the graded snapshot
    score: float | None = None
    max_score: float | None = None
    on_roster: bool = True
    seconds: float = 0.0
    graded_at: str = ""

    @property
    def graded(self) -> bool:
        return STATUSES[self.status].graded

    def detail(self) -> str:
        text = "; ".join(f"{STATUSES[c].label}: {d}" if d else STATUSES[c].label for c, d in self.findings)
        return "".join(ch if ch.isprintable() else "?" for ch in text)  # file names come from trainees


def worst(findings: list, fallback: str) -> str:
    codes = [code for code, _ in findings] + [fallback]
    return min(codes, key=_RANK.__getitem__)


def records(ws: Workspace, module_id: str) -> dict[str, Record]:
    """The grading records of a module, by trainee id."""
    folder = ws.path / "grading" / module_id
    out = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        record = Record(**json.loads(path.read_text()))
        out[record.student] = record
    return out


def _save(ws: Workspace, record: Record) -> None:
    folder = ws.folder("grading") / record.module
    folder.mkdir(exist_ok=True)
    record.graded_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    write_atomically(folder / f"{record.student}.json", json.dumps(asdict(record), indent=1) + "\n")


# --------------------------------------------------------------------------------------------------
# Checks before and after nbgrader (pure functions of notebooks and folders).

def cell_findings(submitted, released) -> list:
    """Deleted and edited cells of a submitted notebook, compared with the released one."""
    # start-up cost: imported only where it is needed
    from nbgrader.utils import compute_checksum
    present = {}
    for cell in submitted.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        present.setdefault(gid, cell)
    deleted, edited = [], []
    for cell in released.cells:
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id")
        kind = "test" if meta.get("grade") and not meta.get("solution") else \
            "answer" if meta.get("solution") else "locked" if meta.get("locked") else None
        if kind is None:
            continue
        if gid not in present:
            deleted.append(f"{gid} ({kind})")
        elif kind != "answer" and not _same_cell(present[gid], cell, compute_checksum):
            edited.append(f"{gid} ({kind})")
    return ([["cell-deleted", ", ".join(deleted)]] if deleted else []) + \
           ([["cell-edited", ", ".join(edited)]] if edited else [])


def _same_cell(a, b, checksum) -> bool:
    try:
        return checksum(a) == checksum(b)
    except (KeyError, TypeError, ValueError, AttributeError):  # e.g. points edited into text
        return False


def run_findings(nb) -> list:
    """Cells that timed out, ran out of memory or had their output cut, in an executed notebook."""
    found = {"timed-out": [], "memory-limit": [], "output-truncated": []}
    for number, cell in enumerate(nb.cells, start=1):
        name = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {number}"
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == _TIMEOUT_ERROR:
                found["timed-out"].append(name)
            elif output.get("output_type") == "error" and output.get("ename", "").endswith("MemoryError"):
                found["memory-limit"].append(name)
            elif output.get("output_type") == "stream" and _TRUNCATED in output.get("text", ""):
                found["output-truncated"].append(name)
    return [[code, ", ".join(dict.fromkeys(cells))] for code, cells in found.items() if cells]


def describe_exit(code: int | None) -> str:
    """Plain words for a kernel's exit code (128 + N means signal N)."""
    if code is None:
        return "the kernel stopped answering"
    if code > 128:
        try:
            name = signal.Signals(code - 128).name
        except ValueError:
            return f"the kernel exited with code {code}"
        why = {"SIGXCPU": " (the CPU time limit)", "SIGKILL": " (killed: out of memory, the notebook time "
               "limit, or the code itself)", "SIGSEGV": " (a crash)", "SIGABRT": " (an abort, often when "
               "memory ran out)"}.get(name, "")
        return f"the kernel was ended by {name}{why}"
    return f"the kernel exited with code {code}"


def locked_imports(notebooks) -> list[str]:
    """Modules imported by the locked code cells of source notebooks (trusted code: safe to preload)."""
    names = []
    for nb in notebooks:
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.cell_type != "code" or meta.get("solution") or not meta.get("locked"):
                continue
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:  # IPython magics: nothing to preload from this cell
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names += [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.append(node.module)
    return list(dict.fromkeys(names))


# --------------------------------------------------------------------------------------------------
# The worker side: execute prepared notebooks in sandboxed kernels.

_WORKER: dict = {}


def _start_worker(course: str, launcher: list, notebook_timeout: int) -> None:
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is handled once, by the grading process
    configure_worker(course, launcher, notebook_timeout)


def configure_worker(course: str, launcher: list, notebook_timeout: int) -> None:
    """Build this process's preprocessors (nbgrader's, up to SaveAutoGrades) from the course's config."""
    quiet_nbgrader()
    # start-up cost: imported only where it is needed
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader
    from traitlets.utils.importstring import import_item
    config = PyFileConfigLoader("nbgrader_config.py", path=course).load_config()
    converter = Autograde(coursedir=CourseDirectory(config=config), config=config)
    classes = [import_item(pp) if isinstance(pp, str) else pp for pp in converter.autograde_preprocessors]
    names = [cls.__name__ for cls in classes]
    if "SaveAutoGrades" not in names:
        raise RuntimeError("Autograde.autograde_preprocessors must include SaveAutoGrades.")
    _WORKER.update(preprocessors=[cls(config=config) for cls in classes[:names.index("SaveAutoGrades")]],
                   launcher=launcher, notebook_timeout=notebook_timeout)


def _execute(job: dict) -> list[dict]:
    """Run each prepared notebook of one submission; return the executed notebooks and what went wrong."""
    return [execute_notebook(path, job["cwd"]) for path in job["notebooks"]]


def execute_notebook(path: str, cwd: str) -> dict:
    """Run one sanitized notebook in a sandboxed kernel with folder ``cwd`` (after ``configure_worker``)."""
    # start-up cost: imported only where it is needed
    import nbformat
    from jupyter_core.utils import run_sync
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from nbgrader.preprocessors import Execute
    from .kernels import SandboxedKernelManager

    nb = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": cwd}}
    execute = next(pp for pp in _WORKER["preprocessors"] if isinstance(pp, Execute))
    km = SandboxedKernelManager(launcher=_WORKER["launcher"],
                                kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"))
    outcome = {"error": None, "detail": ""}

    def time_up():
        outcome["time_up"] = True
        km.kill_now()

    watchdog = threading.Timer(_WORKER["notebook_timeout"], time_up)
    watchdog.start()
    try:
        for pp in _WORKER["preprocessors"]:
            if pp is execute and pp.enabled:
                nb, resources = pp.preprocess(nb, resources, km=km)
            else:
                nb, resources = pp(nb, resources)
    except (DeadKernelError, CellTimeoutError) as exc:
        if outcome.get("time_up"):
            limit = _WORKER["notebook_timeout"]
            outcome.update(error="stuck", detail=f"stopped at the notebook time limit ({limit} s)")
        elif isinstance(exc, CellTimeoutError):
            outcome.update(error="stuck", detail="a cell ran past the time limit and ignored the interrupt")
        else:
            outcome.update(error="kernel-died", detail=describe_exit(km.exit_code()))
    except Exception as exc:  # anything else is reported, never fatal for the other submissions
        outcome["error"] = "grading-error"
        outcome["detail"] = f"{type(exc).__name__}: {exc}"[:500]
    finally:
        watchdog.cancel()
        if getattr(execute, "kc", None) is not None:  # nbclient leaves the channels of a kernel it does not own open
            execute.kc.stop_channels()
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:
            km.kill_now()
    return {"notebook": json.dumps(nb), **outcome}


# --------------------------------------------------------------------------------------------------
# The grading process.

@dataclass
class _Job:
    student: str
    original: Path
    checksum: str
    findings: list
    notebooks: list          # autograded notebook paths
    cwd: Path
    started: float
    on_roster: bool


class Grader:
    """Grade one module of a cohort (see the module docstring)."""

    def __init__(self, ws: Workspace, module_id: str, workers: int | None = None, regrade: bool = False,
                 progress: bool = True):
        # start-up cost: imported only where it is needed
        import nbformat
        from nbgrader.converters import Autograde
        from nbconvert.writers import FilesWriter
        quiet_nbgrader()
        self.ws, self.module, self.regrade, self.progress = ws, module_id, regrade, progress
        self.workers = whole_number(workers or _cores(), "the number of workers", 1, 256)
        release = ws.release_dir(module_id)
        if module_id not in ws.released_modules() or not release.is_dir():
            raise ValueError(f"{module_id} has not been released in cohort {ws.name}: run "
                             f"`course cohort release {ws.name} {module_id}` first.")
        self.released = {p.stem: nbformat.read(p, as_version=4) for p in sorted(release.glob("*.ipynb"))}
        self.release_files = set(submission_files(release)[0])
        self.config = ws.config()
        self.snapshots = ws.course / "grading-snapshots"
        coursedir = ws.coursedir(self.config, submitted_directory=self.snapshots.name)
        self.converter = Autograde(coursedir=coursedir, config=self.config)
        self.converter.writer = FilesWriter(parent=self.converter, config=self.config)
        self.converter.exporter = self.converter.exporter_class(parent=self.converter, config=self.config)
        self.saver = self._saving_exporter()

    def _saving_exporter(self):
        """nbgrader's autograde preprocessors from SaveAutoGrades on: they run here, the only gradebook writer."""
        # start-up cost: imported only where it is needed
        from nbconvert.exporters import NotebookExporter
        from traitlets.utils.importstring import import_item
        classes = [import_item(pp) if isinstance(pp, str) else pp
                   for pp in self.converter.autograde_preprocessors]
        first = [cls.__name__ for cls in classes].index("SaveAutoGrades")
        exporter = NotebookExporter(config=self.config)
        exporter._preprocessors = []
        for cls in classes[first:]:
            exporter.register_preprocessor(cls(parent=self.converter), enabled=True)
        return exporter

    # -- planning -----------------------------------------------------------------------------------
    def students(self) -> tuple[list[str], set[str]]:
        roster = [t.id for t in self.ws.roster()]
        submitted = {p.parent.name for p in (self.ws.course / "submitted").glob(f"*/{self.module}") if p.is_dir()}
        return roster + sorted(submitted - set(roster)), set(roster)

    def plan(self) -> tuple[list[str], int]:
        """(trainees to grade now, how many are already graded with an unchanged submission)."""
        done = records(self.ws, self.module)
        students, _ = self.students()
        todo = []
        for student in students:
            original = self._original(student)
            previous = done.get(student)
            unchanged = previous is not None and (
                previous.checksum == (folder_checksum(original) if original.is_dir() else None))
            if self.regrade or not unchanged or previous.status == "grading-error":
                todo.append(student)
        return todo, len(students) - len(todo)

    def _original(self, student: str) -> Path:
        return self.ws.course / "submitted" / student / self.module

    # -- running ------------------------------------------------------------------------------------
    def run(self) -> "Summary":
        with _only_run(self.ws):
            return self._run()

    def _run(self) -> "Summary":
        # start-up cost: imported only where it is needed
        from tqdm import tqdm
        todo, skipped = self.plan()
        _, roster = self.students()
        started = time.time()
        summary = Summary(self.module, skipped=skipped)
        bar = tqdm(total=len(todo), desc=f"grading {self.module}", unit="submission", disable=not self.progress or None)
        _remove_stale_scratch()
        scratch = Path(tempfile.mkdtemp(prefix=f"{_SCRATCH_PREFIX}{os.getpid()}-"))
        try:
            if todo:
                summary.protections = self._grade(todo, roster, scratch, summary, bar)
        finally:
            bar.close()
            shutil.rmtree(scratch, ignore_errors=True)
            shutil.rmtree(self.snapshots, ignore_errors=True)
        summary.seconds = time.time() - started
        summary.records = records(self.ws, self.module)
        return summary

    def _grade(self, todo, roster, scratch, summary, bar) -> dict:
        settings = self.ws.settings
        sources = self._source_notebooks()
        hide = [self.ws.path, self.ws.exchange] + ([self.ws.sqlite_file] if self.ws.sqlite_file else [])
        server = KernelServer(scratch, settings.limits, hide=hide, drop_to=settings.kernel_user or None,
                              preload=[*settings.preload, *locked_imports(sources)], isolate=settings.isolate)
        with server, ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"), initializer=_start_worker,
                                         initargs=(str(self.ws.course), server.kernel_command([]),
                                                   settings.notebook_timeout)) as pool:
            queue, running, kernel_dirs = list(todo), {}, itertools.count(1)
            try:
                while queue or running:
                    while queue and len(running) < 2 * self.workers:  # prepare ahead, bounded
                        job = self._prepare(queue.pop(0), roster, scratch / f"kernel-{next(kernel_dirs)}")
                        if isinstance(job, Record):
                            self._finish_record(job, summary, bar)
                        else:
                            running[pool.submit(_execute, {"notebooks": [str(p) for p in job.notebooks],
                                                           "cwd": str(job.cwd)})] = job
                    if running:
                        done, _ = wait(running, return_when=FIRST_COMPLETED)
                        for future in done:
                            job = running.pop(future)
                            self._finish_record(self._complete(job, future), summary, bar)
            except KeyboardInterrupt:
                server.__exit__(None, None, None)  # ends every kernel, so running jobs return at once
                pool.shutdown(wait=False, cancel_futures=True)
                summary.interrupted = True
        return server.protections

    def _source_notebooks(self):
        # start-up cost: imported only where it is needed
        import nbformat
        folder = self.ws.course / "source" / self.module
        return [nbformat.read(p, as_version=4) for p in sorted(folder.glob("*.ipynb"))]

    def _finish_record(self, record: Record, summary: "Summary", bar) -> None:
        _save(self.ws, record)
        summary.graded_now += 1
        bar.update(1)

    # -- one submission -----------------------------------------------------------------------------
    def _prepare(self, student: str, roster: set, cwd: Path):
        """Check a submission and hand it to nbgrader; a Record if it cannot be graded, else a _Job."""
        started = time.time()
        original = self._original(student)

        def record(status, detail, checksum=None, findings=()):
            return Record(student, self.module, status, [*findings, [status, detail]], checksum,
                          on_roster=student in roster, seconds=round(time.time() - started, 2))

        if not original.is_dir():
            return record("missing", "no submission collected")
        files, others = submission_files(original)
        checksum = folder_checksum(original, files)
        size = sum((original / f).stat().st_size for f in files)
        limit = self.ws.settings.max_submission_mb
        if size > limit * 1024 * 1024:
            return record("too-large", f"{size / 1024 / 1024:.1f} MB; the limit is {limit} MB", checksum)
        found = {Path(f).stem for f in files if "/" not in f and f.endswith(".ipynb")}
        present, unknown = sorted(found & set(self.released)), sorted(found - set(self.released))
        expected = ", ".join(f"{n}.ipynb" for n in self.released)
        if not present:
            if unknown:
                return record("unknown-notebook", f"found {', '.join(u + '.ipynb' for u in unknown)}; "
                                                  f"expected {expected}", checksum)
            return record("missing", f"the folder holds no notebook; expected {expected}", checksum)
        findings = []
        for name in present:
            nb = _read_notebook(original / f"{name}.ipynb")
            if nb is None:
                return record("corrupt-notebook", f"{name}.ipynb cannot be read as a notebook", checksum)
            findings += cell_findings(nb, self.released[name])
        missing = sorted(set(self.released) - found)
        if missing:
            findings.append(["notebook-missing", ", ".join(f"{m}.ipynb" for m in missing)])
        extra = [f for f in files if f not in self.release_files and f not in NBGRADER_FILES] + \
                [f"{o} (link, not copied)" for o in others]
        if extra:
            findings.append(["extra-files", ", ".join(extra[:10]) + (" ..." if len(extra) > 10 else "")])
        try:
            notebooks = self._hand_to_nbgrader(student, original, files, present, cwd)
        except Exception as exc:
            return record("grading-error", f"nbgrader could not prepare it: {type(exc).__name__}: {exc}"[:500],
                          checksum, findings)
        return _Job(student, original, checksum, findings, notebooks, cwd, started, student in roster)

    def _hand_to_nbgrader(self, student, original, files, present, cwd) -> list[Path]:
        """Snapshot, then nbgrader's init_assignment and sanitizing step; returns the notebooks to execute."""
        # start-up cost: imported only where it is needed
        from nbgrader.converters.base import BaseConverter
        snapshot = self.snapshots / student / self.module
        shutil.rmtree(snapshot, ignore_errors=True)
        for rel in files:
            (snapshot / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(original / rel, snapshot / rel)
        autograded = self.ws.course / "autograded" / student / self.module
        _remove_tree(autograded)
        converter = self.converter
        converter._sanitizing = True  # nbgrader's switch between its two steps: read from the snapshot
        converter.notebooks = [str(snapshot / f"{name}.ipynb") for name in present]
        converter.init_assignment(self.module, student)
        converter._init_preprocessors()
        for path in converter.notebooks:
            BaseConverter.convert_single_notebook(converter, path)
        shutil.copytree(autograded, cwd)
        shutil.rmtree(snapshot.parent)
        return [autograded / f"{name}.ipynb" for name in present]

    def _complete(self, job: _Job, future) -> Record:
        """Save the grades of an executed submission (this process is the gradebook's only writer)."""
        # start-up cost: imported only where it is needed
        import nbformat
        findings = list(job.findings)
        try:
            results = future.result()
        except Exception as exc:  # e.g. a worker process that died
            results = [{"error": "grading-error", "detail": f"{type(exc).__name__}: {exc}"[:500], "notebook": None}]
        failed = [r for r in results if r["error"]]
        self.converter._sanitizing = False
        for path, result in zip(job.notebooks, results):
            if result["notebook"] is None:
                continue
            nb = nbformat.from_dict(json.loads(result["notebook"]))
            resources = self.converter.init_single_notebook_resources(str(path))
            if result["error"]:  # keep the run up to the failure for formgrader; save no scores
                output, resources["output_extension"] = nbformat.writes(nb), ".ipynb"
            else:
                output, resources = self.saver.from_notebook_node(nb, resources)
                findings += run_findings(nb)
            self.converter.write_single_notebook(output, resources)
        self.converter.set_permissions(self.module, job.student)
        if failed and failed[0]["error"] == "kernel-died":
            failed[0]["detail"] += _kernel_log_tail(job.cwd)
        shutil.rmtree(job.cwd, ignore_errors=True)
        score, max_score, needs_manual = self._scores(job.student, findings, send_all_to_manual=bool(failed))
        if folder_checksum(job.original) != job.checksum:
            findings.append(["grading-error", "the submission changed while it was graded; grading it again"])
        if failed:
            findings.append([failed[0]["error"], failed[0]["detail"]])
        status = worst(findings, "needs-manual-grading" if needs_manual else "graded")
        graded = STATUSES[status].graded
        return Record(job.student, self.module, status, findings, job.checksum,
                      score if graded else None, max_score if graded else None, job.on_roster,
                      round(time.time() - job.started, 2))

    def _scores(self, student, findings, send_all_to_manual: bool) -> tuple[float, float, bool]:
        """(score, max score, whether it needs manual grading) from the gradebook; deleted graded cells (or all
        cells, if the kernel died) are sent to manual grading first."""
        deleted = {part.split(" (")[0] for code, detail in findings if code == "cell-deleted"
                   for part in detail.split(", ")}
        with self.ws.gradebook() as gb:
            submission = gb.find_submission(self.module, student)
            for nb in submission.notebooks:
                for grade in nb.grades:
                    if send_all_to_manual or grade.name in deleted:
                        grade.needs_manual_grade = True
            gb.db.commit()
            return float(submission.score), float(submission.max_score), bool(submission.needs_manual_grade)


def _kernel_log_tail(cwd: Path, size: int = 300) -> str:
    """The end of what a dead kernel wrote to its stderr (often the reason it died), if anything."""
    try:
        with open(cwd / ".kernel.log", "rb") as log:
            log.seek(max(0, log.seek(0, os.SEEK_END) - 4 * size))
            text = log.read().decode(errors="replace").strip()
    except OSError:
        return ""
    text = "".join(ch if ch.isprintable() else " " for ch in text[-size:])  # it is the trainee's output too
    return f"; its last words: ...{text}" if text else ""


def _read_notebook(path: Path):
    """The notebook at ``path``, or None if it is not one nbgrader could read."""
    # start-up cost: imported only where it is needed
    import nbformat
    try:
        nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
        return nb if isinstance(nb.get("cells"), list) else None
    except Exception:  # not JSON, not UTF-8, not a notebook: all "corrupt" to the grader
        return None


def _remove_tree(path: Path) -> None:
    """Remove a folder nbgrader made read-only (as ``nbgrader autograde --force`` does)."""
    if path.exists():
        for p in [path, *path.rglob("*")]:
            if p.is_dir() and not p.is_symlink():
                p.chmod(0o755)
        shutil.rmtree(path)


_SCRATCH_PREFIX = "kap-grade-"


@contextmanager
def _only_run(ws: Workspace):
    """Hold the cohort's grading lock: two runs at once would grade the same submissions twice."""
    # start-up cost: imported only where it is needed
    import fcntl
    with open(ws.folder("grading") / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"Another `course cohort grade` is running for cohort {ws.name}; "
                               "wait for it to finish.") from None
        yield


def _remove_stale_scratch() -> None:
    """Remove scratch folders left by grading runs that were killed (their process is gone)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{_SCRATCH_PREFIX}*-*"):
        pid = folder.name[len(_SCRATCH_PREFIX):].split("-")[0]
        if pid.isdigit() and folder.stat().st_uid == os.getuid() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@dataclass
class Summary:
    module: str
    skipped: int = 0
    graded_now: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    protections: dict = field(default_factory=dict)
    records: dict = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        counts = {}
        for record in self.records.values():
            counts[record.status] = counts.get(record.status, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: _RANK[kv[0]]))

    def text(self) -> str:
        lines = [f"{self.module}: checked {self.graded_now} submission(s) in {self.seconds:.1f} s"
                 + (f"; {self.skipped} unchanged since the last run" if self.skipped else "")]
        if self.interrupted:
            lines.append("INTERRUPTED: run the same command again to grade the rest.")
        for code, count in self.counts().items():
            lines.append(f"  {STATUSES[code].label:<28} {count:>4}")
        problems = [r for r in self.records.values() if r.status not in ("graded", "needs-manual-grading")]
        if problems:
            lines.append("Submissions to look at:")
            for r in sorted(problems, key=lambda r: (_RANK[r.status], r.student)):
                lines.append(f"  {r.student}: {STATUSES[r.status].label} - {r.detail()}")
                lines.append(f"      what to do: {STATUSES[r.status].advice}")
        strangers = sorted(r.student for r in self.records.values() if not r.on_roster)
        if strangers:
            lines.append("Not on the roster (graded anyway; add them with `course cohort roster`): "
                         + ", ".join(strangers))
        if self.protections:
            p, limits = self.protections, self.protections["limits"]
            lines.append(f"Sandbox: {p['isolation_note']}; {p['user_note']}; per kernel at most "
                         f"{limits['cpu_seconds']} s of CPU, {limits['memory_mb']} MB of memory, files of "
                         f"{limits['file_size_mb']} MB.")
        return "\n".join(lines)


def grade(ws: Workspace, module_id: str, workers: int | None = None, regrade: bool = False,
          progress: bool = True) -> Summary:
    """Grade every collected submission of ``module_id`` that is new or changed since the last run."""
    return Grader(ws, module_id, workers, regrade, progress).run()
