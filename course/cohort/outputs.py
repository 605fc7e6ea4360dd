"""Outputs of graded notebooks, bounded by size as well as by lines.

nbgrader's ``LimitOutput`` counts lines, so one printed line of 50 MB passes it whole (a 31 KB submission was graded
into a 62 MB notebook). Here every output is bounded by size, in the autograded notebook (so in what formgrader
shows) and in feedback:

- **a text** (a stream, an error's message or traceback, ``text/plain``) longer than ``Limits.text`` characters keeps
  its beginning and ends with a plain note: ``[output truncated: 49.9 MB cut]``;
- **a value that cannot be cut** (HTML, an image, a figure's JSON) larger than ``Limits.text`` (text) or
  ``Limits.data`` bytes (pictures, JSON) turns its whole output into the note, with the plain text beside it (cut);
- **a cell** keeps at most ``Limits.cell`` bytes of outputs and **a notebook** ``Limits.notebook``; outputs past
  that are dropped and the cell ends with the note. The output nbgrader scores a test cell by (its first error,
  output on stderr or result) is never dropped, only cut, so bounding never changes a score;
- **saved widget state** (notebook metadata) is not kept: the trainee's kernel wrote it, it is not an output a reader
  needs (widgets do not run outside JupyterLab), and the course's own widgets save about 10 MB of it.

``BoundedOutputs`` applies the same limits *while* kernel A runs (see ``running.py``): an output is cut as it
arrives and outputs past a cell's or the notebook's budget are never stored, so a kernel printing without end costs
the grader a bounded amount of memory, not a copy of everything it printed. ``LimitOutputSize`` is the nbgrader
preprocessor (in the cohort's ``Autograde.autograde_preprocessors``, after ``LimitOutput``); ``feedback.HideTests``
bounds again, for notebooks graded elsewhere.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer


@dataclass(frozen=True)
class Limits:
    text: int = 100_000  # characters of one text
    data: int = 1_000_000  # bytes of one picture or JSON value (a plotly figure of the course: ~65 kB)
    cell: int = 2_000_000  # bytes of all outputs of one cell
    notebook: int = 10_000_000  # bytes of all outputs of a notebook


LIMITS = Limits()
NOTE = "output truncated: {size} cut"
#: Finds the notes (and nbgrader's own ``LimitOutput`` marker) in an output's text.
NOTE_PATTERN = re.compile(r"output truncated: ([0-9.]+) (MB|kB|bytes) cut")
_NOTE_LINE = re.compile(r"\n?\[output truncated: [0-9.]+ (?:MB|kB|bytes) cut\]\n?")
NBGRADER_MARK = "... Output truncated ..."
_UNITS = {"MB": 1_000_000, "kB": 1_000, "bytes": 1}
_TEXT_MIMES = ("text/", "image/svg+xml", "application/javascript")
_MAX_METADATA = 10_000
_MAX_NAME = 200
#: Characters a cut text keeps free for its note.
_NOTE_ROOM = 64


def human(size: int) -> str:
    """A size as people read it: ``49.9 MB``, ``312 kB``, ``80 bytes`` (decimal units)."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    if size >= 1_000:
        return f"{size / 1_000:.0f} kB"
    return f"{size} bytes"


def note(cut: int) -> str:
    return f"[{NOTE.format(size=human(cut))}]"


def _noted(text: str) -> int:
    """The bytes the notes in ``text`` count."""
    if "output truncated" not in text:
        return 0
    return sum(round(float(number) * _UNITS[unit]) for number, unit in NOTE_PATTERN.findall(text))


def _without_notes(text: str) -> str:
    return _NOTE_LINE.sub(lambda m: "" if m.end() == len(text) or m.start() == 0 else "\n", text)


def cut_sizes(text: str) -> int:
    """The bytes the notes in ``text`` say were cut (nbgrader's own marker counts as 1 byte: it names no size)."""
    return _noted(text) + text.count(NBGRADER_MARK)


def _size(value) -> int:
    """Bytes of a value as the notebook's JSON stores it (text counted as UTF-8)."""
    if isinstance(value, str):
        return len(value) if value.isascii() else len(value.encode("utf-8", "replace"))
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return sum(_size(v) for v in value)
    try:
        return len(json.dumps(value))
    except (TypeError, ValueError, RecursionError):
        return 0


def cut_text(text, limit: int) -> tuple[str, int]:
    """``text`` (a string, or a list of lines as nbformat may keep it) kept to at most ``limit`` characters, with one
    note at its end that counts what this and earlier cuts (their notes) took; (text, bytes cut now). Cutting a cut
    text again changes nothing."""
    if isinstance(text, list):
        text = "".join(t for t in text if isinstance(t, str))
    if not isinstance(text, str):
        return "", 0
    earlier = _noted(text)
    if earlier:  # joined streams that were cut before: one note for all
        text = _without_notes(text)
    if len(text) <= limit and not earlier:
        return text, 0
    kept = text if len(text) <= limit - _NOTE_ROOM else text[: max(0, limit - _NOTE_ROOM)]
    cut = _size(text) - _size(kept)
    return kept + ("" if not kept or kept.endswith("\n") else "\n") + note(cut + earlier) + "\n", cut


def is_decisive(output) -> bool:
    """An output nbgrader may score a test cell by: an error, output on stderr, a result."""
    kind = output.get("output_type")
    return kind in ("error", "execute_result") or (kind == "stream" and output.get("name") == "stderr")


def bound_output(output, limits: Limits = LIMITS) -> int:
    """Cut one output (an nbformat output, or a message's content with its ``output_type``) in place to ``limits``;
    returns the bytes cut."""
    kind = output.get("output_type")
    if kind == "stream":
        output["text"], cut = cut_text(output.get("text", ""), limits.text)
        return cut
    if kind == "error":
        return _bound_error(output, limits)
    if kind in ("display_data", "execute_result"):
        return _bound_bundle(output, limits)
    return 0


def _bound_error(output, limits: Limits) -> int:
    cut = 0
    for key, limit in (("ename", _MAX_NAME), ("evalue", limits.text)):
        output[key], c = cut_text(output.get(key, ""), limit)
        cut += c
    lines = output.get("traceback", [])
    lines = [line if isinstance(line, str) else str(line) for line in (lines if isinstance(lines, list) else [lines])]
    kept, room = [], limits.text - _NOTE_ROOM
    for i, line in enumerate(lines):
        if len(line) <= room:
            kept.append(line)
            room -= len(line)
            continue
        head = line[: max(room, 0)]
        rest = _size(line) - _size(head) + sum(_size(x) for x in lines[i + 1 :])
        kept += ([head] if head else []) + [note(rest)]
        cut += rest
        break
    output["traceback"] = kept
    return cut


def _bound_bundle(output, limits: Limits) -> int:
    data = output.get("data", {})
    data = data if isinstance(data, dict) else {}
    too_big = 0
    for mime, value in data.items():
        if mime == "text/plain":
            continue
        size = _size(value)
        limit = limits.text if mime.startswith(_TEXT_MIMES) and isinstance(value, (str, list)) else limits.data
        too_big += size if size > limit else 0
    cut = 0
    if too_big:  # the whole output becomes its plain text (cut) and one note
        plain = data.get("text/plain", "")
        plain = "".join(plain) if isinstance(plain, list) else plain if isinstance(plain, str) else ""
        earlier = _noted(plain)
        plain = _without_notes(plain) if earlier else plain
        keep = plain[: max(0, limits.text - 2 * _NOTE_ROOM)].rstrip("\n")
        cut = _size(plain) - _size(keep) + too_big
        output["data"] = {"text/plain": (keep + "\n" if keep else "") + note(cut + earlier)}
        output["metadata"] = {}
    elif "text/plain" in data:
        data["text/plain"], cut = cut_text(data["text/plain"], limits.text)
    metadata = output.get("metadata", {})
    if _size(metadata) > _MAX_METADATA:
        cut += _size(metadata)
        output["metadata"] = {}
    return cut


def _is_note(output) -> bool:
    """An output that is only a note (kept outside every budget, so bounding twice changes nothing)."""
    if output.get("output_type") != "display_data" or set(output.get("data", {})) != {"text/plain"}:
        return False
    return NOTE_PATTERN.fullmatch(str(output["data"]["text/plain"]).strip().strip("[]")) is not None


def bound_outputs(outputs: list, limits: Limits = LIMITS, room: int | None = None) -> tuple[list, int]:
    """A cell's outputs bounded: consecutive streams of one name joined, each output cut, outputs past the cell's
    budget (or the ``room`` left in the notebook's) dropped, except the first decisive one, with a note saying how
    much; (outputs, bytes of the outputs kept)."""
    joined = []
    for output in outputs:
        previous = joined[-1] if joined else None
        if (
            output.get("output_type") == "stream"
            and previous is not None
            and previous.get("output_type") == "stream"
            and previous.get("name") == output.get("name")
        ):
            previous["text"] = _joined(previous.get("text", ""), output.get("text", ""))
        else:
            joined.append(output)
    budget = limits.cell if room is None else max(0, min(limits.cell, room))
    kept, dropped, used, decided = [], 0, 0, False
    for output in joined:
        if _is_note(output):
            kept.append(output)
            continue
        bound_output(output, limits)
        size = _size(output)
        first_decisive = is_decisive(output) and not decided
        decided = decided or is_decisive(output)
        if used + size > budget and not first_decisive:
            dropped += size
            continue
        kept.append(output)
        used += size
    if dropped:
        kept.append(_note_output(dropped))
    return kept, used


def _joined(a, b) -> str:
    a = "".join(a) if isinstance(a, list) else a
    b = "".join(b) if isinstance(b, list) else b
    return a + b


def output_text(output) -> str:
    """The text an output shows: a stream's text, an error's traceback, or the plain-text form of data."""
    if output.get("output_type") == "stream":
        text = output.get("text", "")
    elif output.get("output_type") == "error":
        text = "\n".join(str(line) for line in output.get("traceback", []))
    else:
        text = output.get("data", {}).get("text/plain", "")
    return text if isinstance(text, str) else ""


def _note_output(cut: int):
    """A note of its own, for outputs dropped whole: display data, not a stream, so nbgrader's ``LimitOutput`` (which
    drops streams past its line limit) keeps it."""
    import nbformat  # start-up cost: only where notebooks are bounded

    return nbformat.v4.new_output("display_data", data={"text/plain": note(cut)})


def bound_notebook(nb, limits: Limits = LIMITS) -> list[tuple[str, int]]:
    """Bound every code cell's outputs (and drop saved widget state) in place; [(cell name, bytes cut)] for each cell
    that lost output (read from the notes, so cuts made while the kernel ran count too)."""
    nb.get("metadata", {}).pop("widgets", None)
    room, cells = limits.notebook, []
    for number, cell in enumerate(nb.cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        cell["outputs"], used = bound_outputs(cell.get("outputs", []), limits, room)
        room -= used
        cut = sum(cut_sizes(output_text(o)) for o in cell["outputs"])
        if cut:
            cells.append((cell_name(cell, number), cut))
    return cells


def cell_name(cell, number: int) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {number}"


class LimitOutputSize(NbGraderPreprocessor):
    """nbgrader preprocessor: bound outputs by size (``bound_notebook``); runs after nbgrader's ``LimitOutput``."""

    max_text = Integer(LIMITS.text, help="characters kept of one text output").tag(config=True)
    max_data = Integer(LIMITS.data, help="bytes of one picture or JSON value").tag(config=True)
    max_cell = Integer(LIMITS.cell, help="bytes of all outputs of one cell").tag(config=True)
    max_notebook = Integer(LIMITS.notebook, help="bytes of all outputs of a notebook").tag(config=True)

    @property
    def limits(self) -> Limits:
        return Limits(self.max_text, self.max_data, self.max_cell, self.max_notebook)

    def preprocess(self, nb, resources):
        bound_notebook(nb, self.limits)
        return nb, resources


# --------------------------------------------------------------------------------------------------
# While the kernel runs


class BoundedOutputs:
    """Mixin for an nbclient ``NotebookClient`` (nbgrader's ``Execute``): each output message is cut as it arrives
    (before nbclient stores it, or an Output widget's hook takes it), and one past its cell's or the notebook's budget
    is counted, not stored (a cell's first decisive output is always stored, cut). ``kap_limits`` maps cell indexes
    to limits of their own (the grader's report cell, outside the notebook's budget); ``kap_dropped`` holds the bytes
    not stored per cell index, for ``add_notes``. Call ``kap_reset`` before each notebook."""

    def kap_reset(self, limits: dict | None = None) -> None:
        self.kap_limits = dict(limits or {})
        self.kap_dropped, self._kap_used, self._kap_total, self._kap_decided = {}, {}, 0, set()

    def output(self, outs, msg, display_id, cell_index):
        if not hasattr(self, "kap_dropped"):
            self.kap_reset()
        own = cell_index in self.kap_limits
        limits = self.kap_limits.get(cell_index, LIMITS)
        if not outs:  # a new cell, or its outputs were cleared
            self._kap_used[cell_index] = 0
        msg_type, content = msg.get("msg_type"), msg.get("content")
        if not isinstance(content, dict) or msg_type not in ("stream", "error", "display_data", "execute_result"):
            return super().output(outs, msg, display_id, cell_index)
        raw = _message_size(msg_type, content)
        probe = {"output_type": msg_type, **content}
        decisive = is_decisive(probe) and cell_index not in self._kap_decided
        expected = min(raw, limits.text + limits.data)
        used = self._kap_used.get(cell_index, 0)
        over = used + expected > limits.cell or (not own and self._kap_total + expected > limits.notebook)
        if over and not decisive:
            self.kap_dropped[cell_index] = self.kap_dropped.get(cell_index, 0) + raw
            return None
        bound_output(probe, limits)
        content.update({k: v for k, v in probe.items() if k != "output_type"})
        size = _size(content)
        self._kap_used[cell_index] = used + size
        self._kap_total += 0 if own else size
        if is_decisive(probe):
            self._kap_decided.add(cell_index)
        return super().output(outs, msg, display_id, cell_index)


def _message_size(msg_type, content) -> int:
    if msg_type == "stream":
        return _size(content.get("text", ""))
    if msg_type == "error":
        return _size(content.get("evalue", "")) + _size(content.get("traceback", []))
    data = content.get("data", {})
    return sum(_size(v) for v in data.values()) if isinstance(data, dict) else 0


def add_notes(nb, dropped: dict) -> None:
    """End each cell that lost outputs while the kernel ran with the note saying how much."""
    for index, cut in dropped.items():
        if 0 <= index < len(nb.cells) and cut:
            nb.cells[index].setdefault("outputs", []).append(_note_output(cut))


def bounded(client_class):
    """``client_class`` (nbgrader's ``Execute`` or a subclass) with ``BoundedOutputs``."""
    return type(f"Bounded{client_class.__name__}", (BoundedOutputs, client_class), {})
