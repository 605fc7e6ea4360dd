"""Cohort workspaces: where a cohort lives, its settings, and handles on its nbgrader course.

A workspace sits outside the repository, by default in ``~/kap-cohorts/NAME`` (``--home`` or the
``KAP_COHORTS_HOME`` variable choose another folder; several cohorts live side by side)::

    NAME/
      cohort.json          settings (see ``Settings``)
      roster.csv           the current roster
      course/              the nbgrader course directory: nbgrader_config.py, gradebook.db (default),
                           source/, release/, submitted/, autograded/, feedback/
      exchange/            the nbgrader exchange (unless --exchange puts it elsewhere)
      grading/MODULE/ID.json   grading state, one file per submission (lets grading resume)
      provider.yaml        the program's provider file, when `new --provider` gave one
      activity/            needs-and-objectives.html, disclosures.html and the cohort's start-here.ipynb
      reports/ exports/ certificates/ boosters/
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sys
import tempfile
import warnings
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path

from ..data.provider import Provider, load_provider
from ..nbcourse import CELL_TIMEOUT, write_config
from ..paths import CHECKOUT
from ..validation import number, whole_number
from . import roster as rosters
from .sandbox import Limits

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
HOME_VARIABLE = "KAP_COHORTS_HOME"
#: Modules the kernel server imports once (on top of what the modules' own locked cells import).
DEFAULT_PRELOAD = ("numpy", "pandas", "nbformat", "plotly.graph_objects", "plotly.io", "ipywidgets")

_EXTRA_CONFIG = """
# Added by `course cohort new`.
c.CourseDirectory.root = {root!r}
c.Exchange.root = {exchange!r}
# Collect copies without following trainees' links (see course/cohort/exchange.py, SafeCollect).
c.ExchangeFactory.collect = "course.cohort.exchange.SafeCollect"
# Outputs bounded by size as well as by lines, by `course cohort grade` and `nbgrader autograde` alike: nbgrader's
# own list with LimitOutputSize after LimitOutput (see course/cohort/outputs.py).
c.Autograde.autograde_preprocessors = [
    "nbgrader.preprocessors.Execute", "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor", "nbgrader.preprocessors.LimitOutput",
    "course.cohort.outputs.LimitOutputSize", "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties", "nbgrader.preprocessors.CheckCellMetadata"]
# Feedback never shows hidden tests or solution regions (nbgrader issue #917); see course/cohort/feedback.py.
c.GenerateFeedback.preprocessors = ["nbgrader.preprocessors.GetGrades", "course.cohort.feedback.HideTests",
                                    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]
# Feedback pages read offline: maths as MathML, no MathJax from a CDN (plotly.js is inlined once by HideTests).
c.GenerateFeedback.exporter_class = "course.cohort.feedback.FeedbackExporter"
"""


@dataclass
class Settings:
    """A cohort's settings, kept in ``cohort.json`` (edit that file to change them)."""

    name: str
    db_url: str
    exchange: str
    pass_fraction: float = 0.7  # share of a module's points needed to pass it
    notebook_timeout: int = 900  # seconds for a whole notebook (cells have nbgrader's own limit)
    max_submission_mb: int = 20  # larger submissions are not graded ("too large")
    cpu_seconds: int = 900
    memory_mb: int = 4096
    file_size_mb: int = 200
    processes: int = 256
    scratch_mb: int = 256  # each kernel's writable folder (a tmpfs where grading runs as root)
    kernel_user: str = "nobody"  # "" keeps kernels as the grading user; any other value: kernels become
    # users of their own (high numeric uids) when grading runs as root
    isolate: bool = True  # the bubblewrap sandbox for kernels
    preload: list = field(default_factory=lambda: list(DEFAULT_PRELOAD))
    created: str = ""

    def __post_init__(self):
        check_name(self.name)
        number(self.pass_fraction, "pass_fraction", 0, 1)
        whole_number(self.notebook_timeout, "notebook_timeout (seconds)", 10, 86_400)
        whole_number(self.max_submission_mb, "max_submission_mb", 1, 10_000)
        _ = self.limits  # building them checks them
        if not isinstance(self.isolate, bool):
            raise ValueError("isolate must be true or false.")
        if not isinstance(self.preload, list) or not all(isinstance(m, str) for m in self.preload):
            raise ValueError("preload must be a list of module names.")

    @property
    def limits(self) -> Limits:
        return Limits(self.cpu_seconds, self.memory_mb, self.file_size_mb, self.processes, self.scratch_mb)


def check_name(name) -> str:
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ValueError(
            f"A cohort name may use letters, digits, '_', '.' and '-' (up to 64, starting with a "
            f"letter or digit), not {name!r}."
        )
    return name


def cohorts_home(home: Path | str | None = None) -> Path:
    """Where cohorts live: ``home``, else $KAP_COHORTS_HOME, else ~/kap-cohorts (never inside the repository)."""
    home = Path(home or os.environ.get(HOME_VARIABLE) or Path.home() / "kap-cohorts").expanduser().resolve()
    if home == CHECKOUT or CHECKOUT in home.parents:
        raise ValueError(
            f"Keep cohorts outside the repository (not in {home}): they hold trainees' work and "
            f"grades. Use --home or {HOME_VARIABLE}."
        )
    return home


class Workspace:
    """One cohort's workspace."""

    def __init__(self, path: Path):
        self.path = Path(path)
        settings_file = self.path / "cohort.json"
        if not settings_file.is_file():
            raise ValueError(
                f"There is no cohort at {self.path} (no cohort.json). Create it with "
                "`course cohort new NAME --roster roster.csv`."
            )
        try:
            data = json.loads(settings_file.read_text())
        except json.JSONDecodeError as exc:
            raise ValueError(f"{settings_file} is not valid JSON ({exc}); fix it by hand.") from None
        unknown = set(data) - {f.name for f in fields(Settings)}
        if unknown:
            raise ValueError(
                f"{settings_file} has settings this version does not know: {', '.join(sorted(unknown))} "
                f"(known: {', '.join(f.name for f in fields(Settings))})."
            )
        self.settings = Settings(**data)

    # -- where things are -------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def course(self) -> Path:
        return self.path / "course"

    @property
    def exchange(self) -> Path:
        return Path(self.settings.exchange)

    @property
    def roster_file(self) -> Path:
        return self.path / "roster.csv"

    @property
    def provider_file(self) -> Path:
        return self.path / "provider.yaml"

    def provider(self) -> Provider:
        """The program's provider (``provider.yaml``), or the default one, which claims no accreditation."""
        return load_provider(self.provider_file if self.provider_file.is_file() else None)

    def preface(self, module_id: str) -> str | None:
        """What a released notebook shows before its lesson: the disclosures, in the first modules a trainee opens
        (the pre-test and module 00), when the program gave a provider file."""
        if not self.provider_file.is_file() or module_id not in ("pre-test", "00-orientation"):
            return None
        return self.provider().disclosures_markdown()

    def folder(self, name: str) -> Path:
        """A folder of the workspace (``grading``, ``reports``, ``exports``, ``certificates``), created on demand."""
        path = self.path / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def sqlite_file(self) -> Path | None:
        url = self.settings.db_url
        return Path(url[len("sqlite:///") :]) if url.startswith("sqlite:///") else None

    # -- creating and opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, name: str, home: Path | str | None = None) -> Workspace:
        return cls(cohorts_home(home) / check_name(name))

    @classmethod
    def create(
        cls,
        name: str,
        roster_csv: Path,
        home: Path | str | None = None,
        db_url: str | None = None,
        exchange: Path | str | None = None,
        timeout: int = CELL_TIMEOUT,
        pass_fraction: float = 0.7,
        provider: Path | str | None = None,
    ) -> Workspace:
        """Make a new cohort workspace. Everything is checked first; a failure leaves nothing behind."""
        check_name(name)
        whole_number(timeout, "the cell timeout (seconds)", 1, 3600)
        trainees = rosters.read_roster(roster_csv)
        program = load_provider(provider)
        home = cohorts_home(home)
        final = home / name
        if final.exists():
            raise ValueError(f"A cohort named {name!r} already exists at {final}.")
        exchange = Path(exchange).expanduser().resolve() if exchange else final / "exchange"
        settings = Settings(
            name=name,
            db_url=db_url or f"sqlite:///{final / 'course' / 'gradebook.db'}",
            exchange=str(exchange),
            pass_fraction=pass_fraction,
            created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )
        _check_db_url(settings.db_url)
        home.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=f".{name}-creating-", dir=home))
        try:
            course = building / "course"
            write_config(course, course_id=name, db_url=settings.db_url, timeout=timeout)
            with open(course / "nbgrader_config.py", "a") as config:
                config.write(_EXTRA_CONFIG.format(root=str(final / "course"), exchange=str(exchange)))
            for sub in ("source", "release", "submitted", "autograded", "feedback"):
                (course / sub).mkdir()
            (building / "cohort.json").write_text(json.dumps(asdict(settings), indent=2) + "\n")
            rosters.write_roster(building / "roster.csv", trainees)
            if provider is not None:
                shutil.copyfile(provider, building / "provider.yaml")
            _write_activity(building / "activity", program, pass_fraction)
            db_url_now = f"sqlite:///{course / 'gradebook.db'}" if db_url is None else settings.db_url
            with gradebook_at(db_url_now, name) as gb:
                rosters.sync_gradebook(gb, trainees)
            os.rename(building, final)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        if exchange == final / "exchange":
            exchange.mkdir()
        return cls(final)

    # -- nbgrader handles -------------------------------------------------------------------------------
    def config(self):
        """The course's nbgrader configuration (its nbgrader_config.py), as a traitlets Config."""
        # start-up cost: imported only where it is needed
        from traitlets.config.loader import PyFileConfigLoader

        return PyFileConfigLoader("nbgrader_config.py", path=str(self.course)).load_config()

    def coursedir(self, config=None, **traits):
        # start-up cost: imported only where it is needed
        from nbgrader.coursedir import CourseDirectory

        coursedir = CourseDirectory(config=config or self.config())
        for key, value in traits.items():
            setattr(coursedir, key, value)
        return coursedir

    def api(self):
        """nbgrader's own high-level API on this course (release, collect, feedback ...)."""
        # start-up cost: imported only where it is needed
        from nbgrader.apps.api import NbGraderAPI

        nbgrader_logging()
        alembic_on_path()
        config = self.config()
        return NbGraderAPI(coursedir=self.coursedir(config), config=config)

    def gradebook(self):
        return gradebook_at(self.settings.db_url, self.name)

    def roster(self) -> list[rosters.Trainee]:
        return rosters.read_roster(self.roster_file)

    def release_dir(self, module_id: str) -> Path:
        return self.course / "release" / module_id

    def released_modules(self) -> list[str]:
        """Released modules, in course order (then any other assignment the gradebook knows)."""
        # start-up cost: imported only where it is needed
        from ..data.syllabus import modules as syllabus_modules

        with self.gradebook() as gb:
            known = {a.name for a in gb.assignments}
        order = [m.id for m in syllabus_modules() if m.id in known]
        return order + sorted(known - set(order))


def _write_activity(folder: Path, provider: Provider, pass_fraction: float) -> None:
    """The activity's pages and the cohort's start page (disclosures before module 00)."""
    # start-up cost: imported only where it is needed (nbformat and the start page only when a cohort is made)
    import nbformat

    from ..startpage import start_page
    from .activity import write_activity_pages

    write_activity_pages(folder, provider, pass_fraction)
    page = start_page(provider=provider, pass_fraction=pass_fraction, cohort=True)
    nbformat.write(page, folder / "start-here.ipynb")


def gradebook_at(db_url: str, course_id: str):
    # start-up cost: imported only where it is needed
    from nbgrader.api import Gradebook

    alembic_on_path()
    return Gradebook(db_url, course_id)


def alembic_on_path() -> None:
    """nbgrader runs ``alembic`` by name when it creates a gradebook: put this environment's bin folder on PATH."""
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def _check_db_url(url: str) -> None:
    # start-up cost: imported only where it is needed
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(url)
    except ArgumentError:
        raise ValueError(
            f"{url!r} is not a database URL; use e.g. sqlite:////path/gradebook.db or "
            "postgresql://user@host/db (see SQLAlchemy's engine URLs)."
        ) from None


def nbgrader_logging() -> None:
    """Show nbgrader's warnings and errors (an owner mismatch at collect, a file it could not copy ...), not its
    step-by-step information. Two known false alarms are dropped: the changed-checksum warning for every test
    cell with hidden tests (nbgrader #1961; ``preparing.cell_findings`` compares with the release instead) and
    SQLAlchemy 2's autoflush warnings from nbgrader's gradebook."""
    # start-up cost: imported only where it is needed
    from sqlalchemy.exc import SAWarning

    logger = logging.getLogger("traitlets")
    logger.setLevel(logging.WARNING)
    if not any(isinstance(f, _KnownFalseAlarms) for f in logger.filters):
        logger.addFilter(_KnownFalseAlarms())
    warnings.filterwarnings("ignore", category=SAWarning)


class _KnownFalseAlarms(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Checksum for grade cell")


def list_cohorts(home: Path | str | None = None) -> list[Workspace]:
    home = cohorts_home(home)
    if not home.is_dir():
        return []
    return [Workspace(p) for p in sorted(home.iterdir()) if (p / "cohort.json").is_file()]
