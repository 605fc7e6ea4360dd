"""The grading loop: every collected submission of a module, in parallel, each ending with a named status.

How one submission is graded (the parts live in their own modules):

1. ``preparing``: checks before nbgrader, a snapshot, nbgrader's own sanitizing step.
2. ``running`` (in a worker process, one per core): kernel A runs the trainee's notebook without its tests and
   reports the answers as data; kernel B, which trainee code never touches, runs the instructor's source
   notebook with those answers and grades every test. Both are forked from the warm kernel server inside
   the sandbox (``sandbox``).
3. This process alone writes to the gradebook (SQLite dislikes concurrent writers): it runs nbgrader's
   ``SaveAutoGrades`` and the preprocessors after it on the autograded notebook, and writes it. A failure
   there is that trainee's status; the run goes on.
4. **Checks after**: cells that timed out or ran out of memory, output cut by ``LimitOutput``, a kernel that
   died, answers that are not values, signs of tampering. The status and the snapshot's checksum go to
   ``grading/MODULE/ID.json`` (``statuses``), written atomically *after* the gradebook, so a run stopped at
   any point resumes without losses, and the gradebook's update-or-create writes leave no duplicates.
"""

from __future__ import annotations

import getpass
import itertools
import json
import os
import shutil
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from ..validation import whole_number
from . import compat
from .files import folder_checksum, submission_files
from .preparing import (
    cell_findings,
    locked_imports,
    read_notebook,
    read_regular,
    snapshot_and_sanitize,
    tampering_findings,
    too_many_cells,
    variant_findings,
)
from .running import answer_names, start_worker, tested_names, timed_out_or_failed_cells
from .sandbox import SCRATCH_PREFIX, KernelServer, remove_stale_scratch
from .statuses import (
    CLEARABLE,
    FINE,
    RANK,
    STATUSES,
    Record,
    current_records,
    now,
    printable,
    records,
    save_record,
    worst,
)
from .workspace import Workspace, nbgrader_logging

#: Files nbgrader's exchange adds to every submission.
NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")


@dataclass
class _Job:
    student: str
    original: Path
    checksum: str
    findings: list
    notebooks: list  # autograded notebook paths
    a_cwd: Path
    b_cwd: Path
    started: float
    on_roster: bool


class Grader:
    """Grade one module of a cohort (see the module docstring)."""

    def __init__(
        self, ws: Workspace, module_id: str, workers: int | None = None, regrade: bool = False, progress: bool = True
    ):
        # start-up cost: imported only where it is needed
        import nbformat
        from nbconvert.writers import FilesWriter
        from nbgrader.converters import Autograde

        compat.check_versions()
        nbgrader_logging()
        self.ws, self.module, self.regrade, self.progress = ws, module_id, regrade, progress
        self.workers = whole_number(workers or _cores(), "the number of workers", 1, 256)
        release = ws.release_dir(module_id)
        if module_id not in ws.released_modules() or not release.is_dir():
            raise ValueError(
                f"{module_id} has not been released in cohort {ws.name}: run "
                f"`course cohort release {ws.name} {module_id}` first."
            )
        self.release = release
        self.released = {p.stem: nbformat.read(p, as_version=4) for p in sorted(release.glob("*.ipynb"))}
        self.release_files = set(submission_files(release)[0])
        self.source_folder = ws.course / "source" / module_id
        self.sources = {p.stem: nbformat.read(p, as_version=4) for p in sorted(self.source_folder.glob("*.ipynb"))}
        self.answers = {
            name: {
                c.metadata["nbgrader"]["grade_id"]: answer_names(c)
                for c in nb.cells
                if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
            }
            for name, nb in self.sources.items()
        }
        self.tested = {name: tested_names(nb) for name, nb in self.sources.items()}
        self.config = ws.config()
        self.snapshots = ws.course / "grading-snapshots"
        coursedir = ws.coursedir(self.config, submitted_directory=self.snapshots.name)
        self.converter = Autograde(coursedir=coursedir, config=self.config)
        self.converter.writer = FilesWriter(parent=self.converter, config=self.config)
        self.converter.exporter = self.converter.exporter_class(parent=self.converter, config=self.config)
        self.saver = self._saving_exporter()
        self.max_bytes = ws.settings.max_submission_mb * 1024 * 1024

    def _saving_exporter(self):
        """nbgrader's autograde preprocessors from SaveAutoGrades on: they run here, the only gradebook writer."""
        # start-up cost: loaded only where this is used
        from traitlets.utils.importstring import import_item

        classes = [import_item(pp) if isinstance(pp, str) else pp for pp in self.converter.autograde_preprocessors]
        first = [cls.__name__ for cls in classes].index("SaveAutoGrades")
        return compat.exporter_with([cls(parent=self.converter) for cls in classes[first:]], self.config)

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
                previous.checksum == (folder_checksum(original) if original.is_dir() else None)
            )
            refused = (self.ws.path / "grading" / self.module / f"{student}.refused").is_file()
            if refused or (previous is not None and previous.status == "refused"):
                unchanged = False  # refused at collection, or collected again since: cheap to look again
            if self.regrade or not unchanged or previous.status == "grading-error":
                todo.append(student)
        return todo, len(students) - len(todo)

    def _original(self, student: str) -> Path:
        return self.ws.course / "submitted" / student / self.module

    # -- running ------------------------------------------------------------------------------------
    def run(self) -> Summary:
        with _only_run(self.ws):
            return self._run()

    def _run(self) -> Summary:
        # start-up cost: imported only where it is needed
        from tqdm import tqdm

        todo, skipped = self.plan()
        _, roster = self.students()
        started = time.time()
        summary = Summary(self.module, skipped=skipped)
        bar = tqdm(total=len(todo), desc=f"grading {self.module}", unit="submission", disable=not self.progress or None)
        remove_stale_scratch(Path(tempfile.gettempdir()))
        scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
        logs = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-logs-"))  # kernels never see it
        try:
            if todo:
                summary.protections = self._grade(todo, roster, scratch, logs, summary, bar)
        finally:
            bar.close()
            shutil.rmtree(scratch, ignore_errors=True)
            shutil.rmtree(logs, ignore_errors=True)
            shutil.rmtree(self.snapshots, ignore_errors=True)
        summary.seconds = time.time() - started
        summary.records = current_records(self.ws, self.module)  # with manual grades given since
        return summary

    def _grade(self, todo, roster, scratch, logs, summary, bar) -> dict:
        settings = self.ws.settings
        server = KernelServer(
            scratch,
            settings.limits,
            switch_user=bool(settings.kernel_user),
            preload=[*settings.preload, *locked_imports(self.sources.values())],
            isolate=settings.isolate,
        )
        launcher = server.kernel_command([], "{log}")
        with (
            server,
            ProcessPoolExecutor(
                self.workers,
                mp_context=get_context("spawn"),
                initializer=start_worker,
                initargs=(str(self.ws.course), launcher, settings.notebook_timeout, str(logs)),
            ) as pool,
        ):
            queue, running, numbers = list(todo), {}, itertools.count(1)
            try:
                while queue or running:
                    while queue and len(running) < 2 * self.workers:  # prepare ahead, bounded
                        job = self._prepare(queue.pop(0), roster, server, next(numbers))
                        if isinstance(job, Record):
                            self._finish_record(job, summary, bar)
                        else:
                            running[pool.submit(_execute, self._work(job))] = job
                    if running:
                        done, _ = wait(running, return_when=FIRST_COMPLETED)
                        for future in done:
                            job = running.pop(future)
                            self._finish_record(self._complete(job, future, server), summary, bar)
            except KeyboardInterrupt:
                server.__exit__(None, None, None)  # ends every kernel, so running jobs return at once
                pool.shutdown(wait=False, cancel_futures=True)
                summary.interrupted = True
        return server.protections

    def _work(self, job: _Job) -> dict:
        return {
            "a_cwd": str(job.a_cwd),
            "b_cwd": str(job.b_cwd),
            "trainee": job.student,  # nbgrader's student id
            "notebooks": [
                {
                    "path": str(p),
                    "source": str(self.source_folder / p.name) if p.stem in self.sources else None,
                    "answers": self.answers.get(p.stem, {}),
                    "tested": self.tested.get(p.stem, []),
                }
                for p in job.notebooks
            ],
        }

    def _finish_record(self, record: Record, summary: Summary, bar) -> None:
        save_record(self.ws, record)
        summary.graded_now += 1
        bar.update(1)

    # -- one submission -----------------------------------------------------------------------------
    def _prepare(self, student: str, roster: set, server: KernelServer, number: int):
        """Check a submission and hand it to nbgrader; a Record if it cannot be graded, else a _Job."""
        try:
            return self._check_and_hand_over(student, roster, server, number)
        except Exception as exc:  # e.g. a file that vanished while it was read: this trainee's status only
            return Record(
                student,
                self.module,
                "grading-error",
                [["grading-error", f"{type(exc).__name__}: {exc}"[:500]]],
                on_roster=student in roster,
            )

    def _check_and_hand_over(self, student: str, roster: set, server: KernelServer, number: int):
        started = time.time()
        original = self._original(student)

        def record(status, detail, checksum=None, findings=()):
            return Record(
                student,
                self.module,
                status,
                [*findings, [status, detail]],
                checksum,
                on_roster=student in roster,
                seconds=round(time.time() - started, 2),
            )

        refused = self.ws.path / "grading" / self.module / f"{student}.refused"
        if refused.is_file():  # collect found links, devices or others' files in the inbound folder
            return record("refused", refused.read_text()[:500])
        if not original.is_dir():
            return record("missing", "no submission collected")
        files, others = submission_files(original)
        checksum = folder_checksum(original, files)
        size = sum((original / f).lstat().st_size for f in files)
        limit = self.ws.settings.max_submission_mb
        if size > limit * 1024 * 1024:
            return record("too-large", f"{size / 1024 / 1024:.1f} MB; the limit is {limit} MB", checksum)
        found = {Path(f).stem for f in files if "/" not in f and f.endswith(".ipynb")}
        present, unknown = sorted(found & set(self.released)), sorted(found - set(self.released))
        expected = ", ".join(f"{n}.ipynb" for n in self.released)
        if not present:
            if unknown:
                return record(
                    "unknown-notebook",
                    f"found {', '.join(u + '.ipynb' for u in unknown)}; expected {expected}",
                    checksum,
                )
            return record("missing", f"the folder holds no notebook; expected {expected}", checksum)
        findings = []
        for name in present:
            crowded = _too_many_cells(original / f"{name}.ipynb", self.released[name], self.max_bytes)
            if crowded:
                return record("too-many-cells", f"{name}.ipynb: {crowded}", checksum)
            nb = read_notebook(original / f"{name}.ipynb", self.max_bytes)
            if nb is None:
                return record("corrupt-notebook", f"{name}.ipynb cannot be read as a notebook", checksum)
            findings += cell_findings(nb, self.released[name])
            findings += tampering_findings(nb, self.released[name])
            findings += variant_findings(nb, self.module, student)
        missing = sorted(set(self.released) - found)
        if missing:
            findings.append(["notebook-missing", ", ".join(f"{m}.ipynb" for m in missing)])
        extra = [f for f in files if f not in self.release_files and f not in NBGRADER_FILES] + [
            f"{o} (link, not copied)" for o in others
        ]
        if extra:
            findings.append(["extra-files", ", ".join(extra[:10]) + (" ..." if len(extra) > 10 else "")])
        try:
            autograded = snapshot_and_sanitize(
                self.converter,
                self.module,
                student,
                original,
                files,
                present,
                self.snapshots,
                self.ws.course,
                self.max_bytes,
            )
            prepared, _ = submission_files(autograded)
            a_cwd = server.kernel_folder(f"kernel-{number}-a", autograded, prepared)
            release_files = [f for f in submission_files(self.release)[0] if not f.endswith(".ipynb")]
            b_cwd = server.kernel_folder(f"kernel-{number}-b", self.release, release_files)
        except Exception as exc:
            return record(
                "grading-error", f"nbgrader could not prepare it: {type(exc).__name__}: {exc}"[:500], checksum, findings
            )
        return _Job(
            student,
            original,
            checksum,
            findings,
            [autograded / f"{name}.ipynb" for name in present],
            a_cwd,
            b_cwd,
            started,
            student in roster,
        )

    def _complete(self, job: _Job, future, server: KernelServer) -> Record:
        """Save the grades of an executed submission (this process is the gradebook's only writer)."""
        # start-up cost: imported only where it is needed
        import nbformat

        findings = list(job.findings)
        try:
            results = future.result()
        except Exception as exc:  # e.g. a worker process that died
            results = [{"error": "grading-error", "detail": f"{type(exc).__name__}: {exc}"[:500], "notebook": None}]
        for cwd in (job.a_cwd, job.b_cwd):
            server.remove_kernel_folder(cwd)
        failed = [r for r in results if r["error"]]
        compat.autograding_step(self.converter)
        try:
            for path, result in zip(job.notebooks, results):
                if result["notebook"] is None:
                    continue
                nb = nbformat.from_dict(json.loads(result["notebook"]))
                resources = self.converter.init_single_notebook_resources(str(path))
                if result["error"]:  # keep the run up to the failure for formgrader; save no scores
                    output, resources["output_extension"] = nbformat.writes(nb), ".ipynb"
                else:
                    output, resources = self.saver.from_notebook_node(nb, resources)
                    findings += timed_out_or_failed_cells(nb)
                self.converter.write_single_notebook(output, resources)
                if result.get("tampering"):
                    findings.append(["tampering", "; ".join(result["tampering"])[:500]])
                if result.get("unreadable"):
                    findings.append(["unreadable-answer", ", ".join(result["unreadable"])[:300]])
            self.converter.set_permissions(self.module, job.student)
        except Exception as exc:  # nbgrader refused to save (e.g. partial credit above the maximum)
            failed.append(
                {
                    "error": "grading-error",
                    "detail": f"nbgrader could not save the grades: {type(exc).__name__}: {exc}"[:500],
                }
            )
        if failed and failed[0]["error"] == "kernel-died" and failed[0].get("log"):
            failed[0]["detail"] += f"; its last words: ...{failed[0]['log']}"
        try:
            score, max_score, needs_manual = self._scores(job.student, findings, send_all_to_manual=bool(failed))
        except Exception as exc:
            score = max_score = None
            needs_manual = False
            failed.append({"error": "grading-error", "detail": f"the gradebook has no scores for it: {exc}"[:300]})
        if folder_checksum(job.original) != job.checksum:
            findings.append(["grading-error", "the submission changed while it was graded; grading it again"])
        if failed:
            findings.append([failed[0]["error"], failed[0]["detail"]])
        status = worst(findings, "needs-manual-grading" if needs_manual else "graded")
        keep = STATUSES[status].graded or status in CLEARABLE  # a cleared submission gets its scores back
        return Record(
            job.student,
            self.module,
            status,
            findings,
            job.checksum,
            score if keep else None,
            max_score if keep else None,
            job.on_roster,
            round(time.time() - job.started, 2),
        )

    def _scores(self, student, findings, send_all_to_manual: bool) -> tuple[float, float, bool]:
        """(score, max score, whether it needs manual grading) from the gradebook; deleted graded cells (or all
        cells, if the kernel died) are sent to manual grading first."""
        deleted = {
            part.split(" (")[0] for code, detail in findings if code == "cell-deleted" for part in detail.split(", ")
        }
        with self.ws.gradebook() as gb:
            submission = gb.find_submission(self.module, student)
            for nb in submission.notebooks:
                for grade in nb.grades:
                    if send_all_to_manual or grade.name in deleted:
                        grade.needs_manual_grade = True
            gb.db.commit()
            return float(submission.score), float(submission.max_score), bool(submission.needs_manual_grade)


def _execute(job: dict) -> list[dict]:
    # start-up cost: loaded only where this is used
    from .running import execute_submission

    return execute_submission(job)


def _too_many_cells(path: Path, released, max_bytes: int) -> str | None:
    """Count cells before nbformat reads (and validates) them: 20,000 cells would keep a worker busy for minutes."""
    try:
        data = json.loads(read_regular(path, max_bytes))
        cells = data.get("cells") if isinstance(data, dict) else None
    except (OSError, ValueError, RecursionError):
        return None  # read_notebook says what is wrong with it
    return too_many_cells(len(cells), released) if isinstance(cells, list) else None


@contextmanager
def _only_run(ws: Workspace):
    """Hold the cohort's grading lock: two runs at once would grade the same submissions twice."""
    # start-up cost: imported only where it is needed
    import fcntl

    with open(ws.folder("grading") / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(
                f"Another `course cohort grade` is running for cohort {ws.name}; wait for it to finish."
            ) from None
        yield


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
        return dict(sorted(counts.items(), key=lambda kv: RANK[kv[0]]))

    def needs_a_look(self) -> list[Record]:
        return [r for r in self.records.values() if r.status not in (*FINE, "missing")]

    def text(self) -> str:
        lines = [
            f"{self.module}: checked {self.graded_now} submission(s) in {self.seconds:.1f} s"
            + (f"; {self.skipped} unchanged since the last run" if self.skipped else "")
        ]
        if self.interrupted:
            lines.append("INTERRUPTED: run the same command again to grade the rest.")
        for code, count in self.counts().items():
            lines.append(f"  {STATUSES[code].label:<28} {count:>4}")
        problems = [r for r in self.records.values() if r.status not in FINE]
        if problems:
            lines.append("Submissions to look at:")
            for r in sorted(problems, key=lambda r: (RANK[r.status], r.student)):
                lines.append(f"  {r.student}: {STATUSES[r.status].label} - {r.detail()}")
                lines.append(f"      what to do: {STATUSES[r.status].advice}")
        strangers = sorted(r.student for r in self.records.values() if not r.on_roster)
        if strangers:
            lines.append(
                "Not on the roster (graded anyway; add them with `course cohort roster`): " + ", ".join(strangers)
            )
        if self.protections:
            lines.append(protections_text(self.protections))
        return "\n".join(lines)


def protections_text(p: dict) -> str:
    limits = p["limits"]
    return (
        f"Sandbox: {p['isolation_note']}; {p['user_note']}; {p['scratch_note']}; {p['cgroup_note']}; per "
        f"kernel at most {limits['cpu_seconds']} s of CPU, {limits['memory_mb']} MB of memory, "
        f"{limits['processes']} processes, files of {limits['file_size_mb']} MB. Tests run in a kernel of "
        "their own that the trainee's code never touches."
    )


def grade(
    ws: Workspace, module_id: str, workers: int | None = None, regrade: bool = False, progress: bool = True
) -> Summary:
    """Grade every collected submission of ``module_id`` that is new or changed since the last run."""
    return Grader(ws, module_id, workers, regrade, progress).run()


def clear(ws: Workspace, module_id: str, student: str, who: str | None = None) -> Record:
    """An instructor has looked at a submission with "tampering suspected" or "another trainee's variant" and lets
    its scores count (the scores the grader's kernel gave it, against the trainee's own variant)."""
    current = records(ws, module_id).get(student)
    if current is None or current.status not in CLEARABLE:
        status = "no grading record" if current is None else f"its status is {STATUSES[current.status].label}"
        names = " or ".join(f"'{STATUSES[code].label}'" for code in CLEARABLE)
        raise ValueError(
            f"{student}'s {module_id} is not waiting to be cleared ({status}); only a submission with "
            f"the status {names} can be cleared."
        )
    cleared = current.status
    findings = [f for f in current.findings if f[0] != cleared]
    with ws.gradebook() as gb:
        submission = gb.find_submission(module_id, student)
        score, max_score = float(submission.score), float(submission.max_score)
        needs_manual = bool(submission.needs_manual_grade)
    current.status = worst(findings, "needs-manual-grading" if needs_manual else "graded")
    current.cleared.append(
        [who or _user(), now(), printable("; ".join(d for c, d in current.findings if c == cleared))[:500]]
    )
    current.findings = findings
    current.score, current.max_score = score, max_score
    save_record(ws, current, stamp=False)
    return current


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return str(os.getuid())
