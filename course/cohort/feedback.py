"""Feedback for trainees: nbgrader's feedback HTML, without hidden tests or solution code (nbgrader #917), that
teaches and reads offline.

``HideTests`` is an nbgrader preprocessor; the cohort's nbgrader_config.py puts it in
``GenerateFeedback.preprocessors``, so feedback made from formgrader or ``nbgrader generate_feedback``
is cleaned too. It removes ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` and
``### BEGIN SOLUTION`` ... ``### END SOLUTION`` regions from every cell, and replaces any output line that
shows a hidden-test line: a failing hidden test's traceback quotes its code, and a trainee's cell can
print earlier cells (``In``). Failure *messages* stay: they are the hints the tests give.
Scores and the grader's rubric comments come from nbgrader's ``GetGrades`` and its feedback template.

What a page teaches, once the whole submission is graded (no written answer waits in formgrader), never before
and never in the release: under each test cell the plain-language reasons its hidden tests give (their messages,
never their code), and under each written answer the lesson's **model answer** (the text between the source's
BEGIN/END SOLUTION markers). What a page shows offline: outputs bounded by size (``outputs.py``); plotly figures
drawn with plotly.js inlined once per page; a widget as a short note (widgets do not run outside JupyterLab);
maths pre-rendered as MathML by ``FeedbackExporter`` (``GenerateFeedback.exporter_class``), with no MathJax
from a CDN.
"""

from __future__ import annotations

import ast
import html
import re
import textwrap
from dataclasses import dataclass, field

from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import default

from .outputs import bound_notebook
from .statuses import STATUSES, current_records
from .workspace import Workspace

try:  # Jinja 3
    from jinja2 import pass_context
except ImportError:  # pragma: no cover - Jinja 2, as nbconvert allows
    from jinja2 import contextfilter as pass_context

HIDDEN = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
SOLUTION = ("BEGIN SOLUTION", "END SOLUTION")
MARKERS = (*HIDDEN, *SOLUTION)
#: Hidden-test lines shorter than this (``)``, ``else:``) say nothing and are not searched for in outputs.
MIN_SECRET = 8
REDACTED = "[hidden test line]"
#: What a page shows instead of a widget (an ipywidgets view has no life outside a kernel).
WIDGET_NOTE = "An interactive explorer: open the notebook in JupyterLab to use it."
PLOTLY_MIME = "application/vnd.plotly.v1+json"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
#: A hidden test's message counts as a reason when it has at least this many words.
MIN_REASON_WORDS = 4
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def without_regions(source: str, begin: str, end: str) -> tuple[str, list[str]]:
    """``source`` without the lines from ``begin`` to ``end`` (markers included), and the removed lines."""
    kept, removed, inside = [], [], False
    for line in source.split("\n"):
        if begin in line:
            inside = True
        if inside:
            removed.append(line)
        else:
            kept.append(line)
        if end in line:
            inside = False
    return "\n".join(kept), removed


def secret_lines(sources) -> list[str]:
    """The informative lines inside hidden-test regions of the given cell sources (a line that is only prose a
    reason shows, inside a string that spans lines, is no secret)."""
    sources = list(sources)
    lines = []
    for source in sources:
        lines += [
            line.strip()
            for line in without_regions(source, *HIDDEN)[1]
            if len(line.strip()) >= MIN_SECRET and not any(m in line for m in MARKERS)
        ]
    shown = [reason for source in sources for reason in hidden_reasons(source)]
    return sorted({line for line in lines if not any(line in reason for reason in shown)})


def hidden_regions(source: str) -> list[str]:
    """The code between each pair of hidden-test markers of a cell (markers left out)."""
    regions, current = [], None
    for line in source.split("\n"):
        if HIDDEN[0] in line:
            current = []
        elif HIDDEN[1] in line and current is not None:
            regions.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    return regions


def hidden_reasons(source: str) -> list[str]:
    """The plain-language reasons a cell's hidden tests give: the messages (string literals of at least
    ``MIN_REASON_WORDS`` words, f-string fields shown as "…") in source order, never their code."""
    found = []
    for region in hidden_regions(source):
        try:
            tree = ast.parse(textwrap.dedent(region))
        except SyntaxError:
            continue
        skip = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                skip |= {id(k) for k in node.keys if k is not None}  # options and labels, not reasons
            elif isinstance(node, ast.JoinedStr):
                skip |= {id(v) for v in node.values}
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
            elif isinstance(node, ast.JoinedStr):
                text = "".join(v.value if isinstance(v, ast.Constant) else "…" for v in node.values)
            else:
                continue
            text = " ".join(text.split())
            head, colon, rest = text.partition(": ")
            if colon and "…" in head and rest:  # "gad7_bands[…] is …: the bands run ..." reads as its reason
                text = rest[:1].upper() + rest[1:]
            if len(text.split()) >= MIN_REASON_WORDS and any(ch.isalpha() for ch in text):
                found.append((node.lineno, node.col_offset, text))
    return list(dict.fromkeys(text for _, _, text in sorted(found)))


def solution_text(source: str) -> str:
    """The text between a cell's BEGIN/END SOLUTION markers (markers left out)."""
    _, removed = without_regions(source, *SOLUTION)
    return "\n".join(line for line in removed if not any(m in line for m in SOLUTION)).strip()


def scrub(text: str, secrets: list[str]) -> str:
    """Replace every line of ``text`` that shows a secret line or a region marker."""

    def shows(line):
        plain = _ANSI.sub("", line)
        return any(m in plain for m in MARKERS) or any(s in plain for s in secrets)

    return "\n".join(REDACTED if shows(line) else line for line in text.split("\n"))


def _scrub_value(value, secrets):
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, list):
        return [_scrub_value(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_value(v, secrets) for k, v in value.items()}
    return value


class HideTests(NbGraderPreprocessor):
    """Remove hidden tests and solutions from a graded notebook before it becomes feedback; once the submission is
    fully graded, add the hidden tests' reasons and the model answers; make figures, widgets and outputs readable
    offline (see the module docstring)."""

    def preprocess(self, nb, resources):
        bound_notebook(nb)  # outputs bounded by size, saved widget state dropped
        secrets = secret_lines(cell.source for cell in nb.cells)
        teach = self._fully_graded(resources)
        models = self._model_answers(resources) if teach else {}
        cells = []
        for cell in nb.cells:
            reasons = hidden_reasons(cell.source) if teach and _is_test(cell) else []
            source, _ = without_regions(cell.source, *HIDDEN)
            cell.source, _ = without_regions(source, *SOLUTION)
            for output in cell.get("outputs", []):
                for key in ("text", "evalue", "traceback", "data"):
                    if key in output:
                        output[key] = _scrub_value(output[key], secrets)
            cells.append(cell)
            if reasons:
                cells.append(_note_cell(_reasons_html(reasons)))
            model = models.get(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"))
            if model and cell.cell_type == "markdown":
                cells.append(_note_cell(_model_answer_markdown(model)))
        nb.cells = cells
        readable_offline(nb)
        return nb, resources

    def _fully_graded(self, resources) -> bool:
        """Whether nothing of this submission waits for manual grading (model answers come only then)."""
        info = resources.get("nbgrader", {})
        if not all(info.get(k) for k in ("db_url", "assignment", "student")):
            return False
        # start-up cost: imported only where it is needed
        from nbgrader.api import Gradebook, MissingEntry

        try:
            with Gradebook(info["db_url"]) as gb:
                return not gb.find_submission(info["assignment"], info["student"]).needs_manual_grade
        except MissingEntry:
            return False

    def _model_answers(self, resources) -> dict[str, str]:
        """{grade id: model answer} of the written answers in the source notebook of this feedback's notebook."""
        # start-up cost: imported only where it is needed
        import nbformat
        from nbgrader.coursedir import CourseDirectory

        info = resources.get("nbgrader", {})
        coursedir = CourseDirectory(config=self.config)
        folder = coursedir.format_path(coursedir.source_directory, ".", info.get("assignment", ""))
        path = f"{folder}/{info.get('notebook', '')}.ipynb"
        try:
            source = nbformat.read(path, as_version=4)
        except (OSError, ValueError) as exc:
            self.log.warning("No model answers in feedback: the source notebook %s cannot be read (%s)", path, exc)
            return {}
        return {
            c.metadata["nbgrader"]["grade_id"]: text
            for c in source.cells
            if c.cell_type == "markdown"
            and c.metadata.get("nbgrader", {}).get("solution")
            and c.metadata["nbgrader"].get("grade")
            and (text := solution_text(c.source))
        }


def _is_test(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _note_cell(markdown: str):
    import nbformat  # start-up cost: only where feedback is made

    return nbformat.v4.new_markdown_cell(markdown)


def _reasons_html(reasons: list[str]) -> str:
    items = "".join(f"<li>{html.escape(r)}</li>" for r in reasons)
    return (
        f'<div class="kap-reasons" style="{_BOX.format(colour="#999")}"><p><b>What the hidden tests check</b> '
        f"(their messages for answers that miss):</p><ul>{items}</ul></div>"
    )


def _model_answer_markdown(text: str) -> str:
    heading = "" if text.lstrip("*_ ").lower().startswith("model answer") else "**Model answer.** "
    return f'<div class="kap-model-answer" style="{_BOX.format(colour="#0072B2")}">\n\n{heading}{text}\n\n</div>'


_BOX = "border-left: 4px solid {colour}; background: #f6f8fa; padding: 0.4em 1em; margin: 0.5em 0;"


def readable_offline(nb) -> None:
    """Figures as HTML with plotly.js inlined once (in the first), widgets as a note."""
    first = True
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data")
            if not isinstance(data, dict):
                continue
            if WIDGET_MIME in data:
                output["data"] = {
                    "text/html": f'<p class="kap-widget"><em>{html.escape(WIDGET_NOTE)}</em></p>',
                    "text/plain": WIDGET_NOTE,
                }
            elif PLOTLY_MIME in data:
                figure = _figure_html(data[PLOTLY_MIME], include_plotlyjs=first)
                plain = data.get("text/plain", "")
                output["data"] = {
                    "text/html": figure or "<p><em>A figure that could not be drawn.</em></p>",
                    **({"text/plain": plain} if plain else {}),
                }
                first = first and figure is None


def _figure_html(figure, include_plotlyjs: bool) -> str | None:
    # start-up cost: plotly only when a page has a figure
    import plotly.io as pio

    if not isinstance(figure, dict):
        return None
    try:
        return pio.to_html(
            figure,
            include_plotlyjs=include_plotlyjs,
            full_html=False,
            validate=False,
            config={"displaylogo": False, "responsive": True},
        )
    except Exception:  # a figure the trainee's kernel made: anything can be in it
        return None


# --------------------------------------------------------------------------------------------------
# Maths offline

#: Replaces nbconvert's MathJax macro (which loads MathJax from a CDN): the maths is MathML already, and the page's
#: head gets a little style for it instead.
NO_MATHJAX = (
    "{%- macro mathjax(url='') -%}<style>math { font-size: 1.15em; } math[display=\"block\"] { "
    "font-size: 1.35em; margin: 0.6em 0; }</style>{%- endmacro %}"
)
MAX_TEX = 10_000


def mathml(tex: str, display: str) -> str:
    """LaTeX as MathML, which browsers draw without scripts or network; TeX that cannot be converted is shown as
    code."""
    # start-up cost: imported only where it is needed
    from latex2mathml.converter import convert

    if len(tex) <= MAX_TEX:
        try:
            return convert(tex.strip(), display=display)
        except Exception:  # any TeX a trainee wrote in an answer
            pass
    return f'<code class="tex">{html.escape(tex)}</code>'


class OfflineMath(IPythonRenderer):
    """nbconvert's Markdown renderer with maths as MathML."""

    def block_math(self, body: str) -> str:
        return mathml(body, "block")

    def inline_math(self, body: str) -> str:
        return mathml(body, "inline")

    def latex_environment(self, name: str, body: str) -> str:
        return mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", "block")


class FeedbackExporter(HTMLExporter):
    """nbgrader's feedback page with maths pre-rendered as MathML and no MathJax script (so nothing is fetched)."""

    @default("extra_loaders")
    def _no_mathjax(self):
        # start-up cost: loaded only where this is used
        from jinja2 import DictLoader

        return [DictLoader({"mathjax.html.j2": NO_MATHJAX})]

    @pass_context
    def markdown2html(self, context, source):
        cell = context.get("cell", {})
        renderer = OfflineMath(
            escape=False,
            attachments=cell.get("attachments", {}),
            embed_images=self.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=self.anchor_link_text,
            exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options,
        )
        return MarkdownWithMath(renderer=renderer).render(source)


# --------------------------------------------------------------------------------------------------


@dataclass
class FeedbackRun:
    module: str
    released: list = field(default_factory=list)
    waiting: list = field(default_factory=list)  # still need manual grading
    not_graded: list = field(default_factory=list)  # (id, status) pairs without a grade to report
    not_released: list = field(default_factory=list)  # made, but submitted outside the exchange

    def text(self) -> str:
        lines = [f"feedback for {self.module}: {len(self.released)} released to the exchange"]
        if self.not_released:
            lines.append(
                "  made but not released (not submitted through the exchange; hand these out yourself): "
                + ", ".join(self.not_released)
            )
        if self.waiting:
            lines.append(
                f"  waiting for manual grading in formgrader ({len(self.waiting)}): " + ", ".join(self.waiting)
            )
        if self.not_graded:
            lines.append(
                "  no feedback (not graded): " + ", ".join(f"{s} ({STATUSES[c].label})" for s, c in self.not_graded)
            )
        return "\n".join(lines)


def release_feedback(ws: Workspace, module_id: str, progress: bool = True) -> FeedbackRun:
    """Generate feedback for every fully graded submission, check it hides the tests, release it."""
    # start-up cost: imported only where it is needed
    from tqdm import tqdm

    from .exchange import check_result

    run = FeedbackRun(module_id)
    graded = []
    with ws.gradebook() as gb:
        for student, record in sorted(current_records(ws, module_id).items()):
            if not record.graded:
                if record.status != "missing":
                    run.not_graded.append((student, record.status))
            elif gb.find_submission(module_id, student).needs_manual_grade:
                run.waiting.append(student)
            else:
                graded.append(student)
    api = ws.api()
    secrets = secret_lines(_source_cells(ws, module_id))
    for student in tqdm(graded, desc=f"feedback {module_id}", unit="trainee", disable=not progress or None):
        check_result(api.generate_feedback(module_id, student, force=True), f"make feedback for {student}")
        folder = ws.course / "feedback" / student / module_id
        own = ws.course / "autograded" / student / module_id
        notebooks = {p.stem for p in own.glob("*.ipynb")}
        for path in sorted(folder.rglob("*")):
            if path.is_dir() and not path.is_symlink():
                continue
            rel = path.relative_to(folder)
            page = path.suffix == ".html" and path.stem in notebooks and path.parent == folder
            if path.is_symlink() or not path.is_file() or not (page or _same_file(path, own / rel)):
                path.unlink()
                raise RuntimeError(
                    f"Feedback for {student} holds {rel}, which is neither a page made from their "
                    "own notebook nor a file of their own submission; nothing more was released."
                )
            if not page:
                continue
            found = leaks(path.read_text(encoding="utf-8"), secrets + private_paths(ws))
            if found:
                path.unlink()
                raise RuntimeError(
                    f"Feedback for {student} would show hidden tests, solutions or the grader's "
                    f"folders ({found[0]!r}); nothing more was released. Check the notebook's "
                    "BEGIN/END markers."
                )
        if (ws.course / "autograded" / student / module_id / "submission_secret.txt").is_file():
            check_result(api.release_feedback(module_id, student), f"release feedback to {student}")
            run.released.append(student)
        else:  # nbgrader's exchange can only return feedback for work that came through it
            run.not_released.append(student)
    return run


def _same_file(path, original) -> bool:
    """``path`` is a copy of ``original``, a regular file of the trainee's own graded submission."""
    return original.is_file() and not original.is_symlink() and path.read_bytes() == original.read_bytes()


def private_paths(ws: Workspace) -> list[str]:
    """Folders of the grader's that feedback must never show (a trainee's code could print them)."""
    return [str(ws.path), str(ws.exchange)]


def _source_cells(ws: Workspace, module_id: str) -> list[str]:
    # start-up cost: imported only where it is needed
    import nbformat

    return [
        cell.source
        for path in sorted((ws.course / "source" / module_id).glob("*.ipynb"))
        for cell in nbformat.read(path, as_version=4).cells
    ]


def leaks(html: str, secrets: list[str]) -> list[str]:
    """Markers and secret lines that appear in the visible text of an HTML page."""
    text = html_text(html)
    return [m for m in (*MARKERS, *secrets) if m in text]


def html_text(html: str) -> str:
    """The text of an HTML page as a reader sees it (tags dropped, entities decoded)."""
    # start-up cost: imported only where it is needed
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.parts = []

        def handle_data(self, data):
            self.parts.append(data)

    parser = Text()
    parser.feed(html)
    return "".join(parser.parts)
