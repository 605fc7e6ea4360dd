"""``course variant MODULE --trainee ID``: what that trainee's case numbers are, and the answers they lead to.

For an instructor answering a question or grading by hand. The case values come from ``course.variants``; the
expected answers from running the module's source notebook (the model answers) as that trainee, in a kernel.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from .. import scales
from ..lessons import source_notebook
from ..variants import for_module

PATIENT_USE = re.compile(r"""case\.patient\(["'](P\d{2})["']\)""")
PICK_USE = re.compile(r"""case\.pick\(["']([a-z0-9_]+)["'],\s*(\[[^\]]*\])\)""")


def _total(code: str, items) -> int:
    return scales.lsas_total(items["fear"], items["avoidance"]) if code == "lsas" else sum(items)


def case_values(module_id: str, trainee: str) -> list[str]:
    """The variant's numbers for the patients and illustrative values the module uses."""
    nb = source_notebook(module_id)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    variant = for_module(module_id, trainee)
    lines = [f"{module_id}, trainee {trainee}: variant {variant.number} of the module's case numbers"]
    for pid in sorted(set(PATIENT_USE.findall(text))):
        p = variant.patient(pid)
        totals = ", ".join(f"{scales.SCALES[code].name} {_total(code, items)}" for code, items in p["scales"].items())
        v = p["vitals"]
        lines.append(
            f"  {pid} {p['name']}: {totals}; PHQ-9 item 9 = {p['scales']['phq9'][8]}; "
            f"BP {v['sbp']}/{v['dbp']} mmHg, HR {v['hr']}"
        )
    for name, options in sorted(set(PICK_USE.findall(text))):
        lines.append(f"  {name}: {variant.pick(name, json.loads(options))}")
    return lines


def expected_answers(module_id: str, trainee: str, timeout: int = 300) -> dict:
    """The model answers as that trainee's variant makes them (the source notebook run as the trainee)."""
    nb = source_notebook(module_id)
    names = [n for c in nb.cells for n in c.metadata.get("course", {}).get("answers", [])]
    nb.cells = [c for c in nb.cells if c.metadata.get("course", {}).get("role") not in ("display", "try")]
    nb.cells.append(
        nbformat.v4.new_code_cell(
            f"import json\nprint(json.dumps({{n: repr(globals()[n]) for n in {names!r} if n in globals()}}))"
        )
    )
    with tempfile.TemporaryDirectory(prefix="course-variant-") as folder:
        client = NotebookClient(
            nb, timeout=timeout, allow_errors=True, kernel_name="python3", resources={"metadata": {"path": folder}}
        )
        log = Path(folder) / "kernel.log"
        with log.open("w") as stderr:  # the kernel's start-up warnings are not the instructor's business
            client.execute(env={**os.environ, "KAP_TRAINEE": trainee, "NBGRADER_EXECUTION": ""}, stderr=stderr)
        text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
        if not text:
            raise RuntimeError(
                f"the model answers of {module_id} did not run as {trainee}; the kernel said:\n"
                + log.read_text()[-2000:]
            )
    return json.loads(text)


def report(module_id: str, trainee: str) -> str:
    lines = case_values(module_id, trainee)
    lines.append("  expected answers (model answers for this variant):")
    lines += [f"    {name} = {value}" for name, value in expected_answers(module_id, trainee).items()]
    return "\n".join(lines)
