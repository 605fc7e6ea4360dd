"""The course start page (``start-here.ipynb``), made from the syllabus.

The repository's page links the released notebooks in ``modules/``. A cohort's page (``course cohort new`` writes it
into the workspace's ``activity/`` folder) links the folders the Assignment List fetches into, announces the
cohort's pass mark and shows the program's disclosures and accreditation before module 00.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from .data.provider import Provider
from .data.syllabus import modules, pass_mark
from .paths import checkout

START_PAGE = "start-here.ipynb"

_INTRO = """# KAP for Anxiety: a training course for clinicians

An open, evidence-based course on **ketamine-assisted psychotherapy (KAP) for anxiety disorders**, compared
honestly with conventional care for generalized anxiety disorder (CBT, SSRIs/SNRIs, stepped care).

**Educational, never prescriptive.** Nothing in this course recommends a dose or a treatment for a person.
Every patient is synthetic (invented), and every clinical number carries a reference key from the course's
reference list (`datasets/references.csv`). The evidence for ketamine in anxiety rests on a few very small
trials; the course says so wherever it matters.

### How a module works
1. Open the module from the table below and run the cells from top to bottom (**Run ▸ Run All Cells**).
2. Answer in the cells that say `YOUR ANSWER HERE`; each check cell below an answer tells you in plain words
   what to fix.
3. Press **Validate** in the notebook toolbar to check the whole module, then submit it from the
   **Assignment List** panel if you are in a cohort (or keep it as a self-check if you work alone). Passing the
   checks you can see is not your grade: hidden tests grade your answers after you submit.
4. **You pass a module with {pass_mark:.0%} of its points**, and the course when you have passed every module.
   Written answers are graded by your instructor with the rubric shown beside each question.

Start with the short **pre-test** (it shows what you knew before; it is not counted toward passing) and end with
the **post-test** and the **evaluation**.
"""
_PURPOSE = {
    "pre-test": "Show what you know before the course (no feedback, not counted toward passing)",
    "post-test": "Show what you learned: the same objectives, different questions",
    "evaluation": "Tell the programme how relevant, good and balanced the course was (anonymous)",
}


def start_page(
    repo: Path | None = None, provider: Provider | None = None, pass_fraction: float | None = None, cohort: bool = False
) -> nbformat.NotebookNode:
    """The start page; with ``cohort`` the links point where the Assignment List fetches each module, and a
    ``provider`` adds its facts and disclosures before the modules."""
    repo = Path(repo or checkout())
    rows = ["| | module | you will learn to | time |", "|---|---|---|---|"]
    for m in modules():
        if cohort:
            title = f"[{m.title}]({m.id}/{m.notebook})"
        elif (repo / "modules" / m.id / m.notebook).exists():
            title = f"[{m.title}](modules/{m.id}/{m.notebook})"
        else:
            title = f"{m.title} *(in preparation)*"
        aims = _PURPOSE.get(m.id) or "; ".join(o.text for o in m.objectives)
        rows.append(f"| {m.id[:2] if m.teaching else ''} | {title} | {aims} | ~{m.minutes} min |")
    share = pass_mark() if pass_fraction is None else pass_fraction
    heading = "## Modules\n\n"
    if cohort:
        heading += (
            "Fetch each module from the **Assignment List** panel when your instructor releases it; the links "
            "below work once it is fetched.\n\n"
        )
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(_INTRO.format(pass_mark=share), id="intro")]
    if provider is not None:
        dates = f"{provider.start} to {provider.end}" if provider.start else "self-paced"
        credit = f"{provider.hours:g} {provider.credit_type}" if provider.accredited else "no credit"
        nb.cells.append(
            nbformat.v4.new_markdown_cell(
                f"## Before module 00: about this activity\n\n**Provider:** {provider.name}, {provider.address} "
                f"({provider.contact}). **Dates:** {dates}. **Credit:** {credit}.\n\n{provider.disclosures_markdown()}",
                id="disclosures",
            )
        )
    nb.cells.append(nbformat.v4.new_markdown_cell(heading + "\n".join(rows), id="modules"))
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python"},
    }
    return nb


def write_start_page(repo: Path | None = None, path: Path | None = None) -> Path:
    repo = Path(repo or checkout())
    path = Path(path) if path else repo / START_PAGE
    nbformat.write(start_page(repo), path)
    return path
