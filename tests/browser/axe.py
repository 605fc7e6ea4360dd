"""Automated accessibility checks with axe-core (WCAG 2.1 A and AA rules) on a JupyterLab page.

axe-core comes from npm (`make browser-tools`, called by `make test`, installs it in the git-ignored
.browser-tools/). Each violation node is attributed to the course when it lies in what the course
puts on the page (a notebook's outputs and rendered markdown: text, tables, widgets, figures) and
to JupyterLab otherwise (menus, toolbars, editors, panels). The course's serious and critical
violations fail a test; JupyterLab's are reported (a warning naming the rule ids, and a JSON file in
the test's artifacts folder), since the course cannot fix them (JupyterLab's own audit:
jupyterlab#9399).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from course.paths import CHECKOUT as ROOT

AXE = ROOT / ".browser-tools" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SERIOUS = ("serious", "critical")
#: What the course puts on a JupyterLab page: cell outputs and rendered markdown cells.
COURSE_CONTENT = ".jp-OutputArea-output, .jp-MarkdownOutput"

_RUN_JS = """async ([tags, content]) => {
    const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
    return results.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => {
            const el = document.querySelector(n.target[0]), cell = el && el.closest('.jp-Cell');
            return {target: n.target.join(' '), html: n.html.slice(0, 300), summary: n.failureSummary,
                    course: !!(el && el.closest(content)),
                    cell: cell ? Number(cell.getAttribute('data-windowed-list-index')) : null};
        }),
    }));
}"""


#: Violations of the course's own content that only a change to a module's text can remove (the lead
#: rewrites the modules): (module id, cell id, rule id) -> the change. Reported as warnings while they
#: occur; an entry that no longer occurs fails the test, so the list never outlives its reason.
AWAITING_NOTEBOOK_CHANGE: dict[tuple[str, str, str], str] = {}


@dataclass
class Audit:
    """axe's violations on one page, split into the course's and JupyterLab's."""

    where: str
    violations: list[dict] = field(default_factory=list)
    cell_ids: list[str] = field(default_factory=list)  # the notebook's cell ids, in order (to name cells)
    module: str = ""

    def _by(self, course: bool) -> list[dict]:
        return [
            {**v, "nodes": [n for n in v["nodes"] if n["course"] is course]}
            for v in self.violations
            if any(n["course"] is course for n in v["nodes"])
        ]

    @property
    def course(self) -> list[dict]:
        return self._by(True)

    @property
    def jupyterlab(self) -> list[dict]:
        return self._by(False)

    def _cell_id(self, node: dict) -> str | None:
        index = node.get("cell")
        return self.cell_ids[index] if index is not None and index < len(self.cell_ids) else None

    def _awaiting(self, violation: dict, node: dict) -> bool:
        return (self.module, self._cell_id(node), violation["id"]) in AWAITING_NOTEBOOK_CHANGE

    def course_serious(self) -> list[dict]:
        """The course's serious and critical violations, but those awaiting a listed notebook change."""
        found = []
        for v in self.course:
            nodes = [n for n in v["nodes"] if not self._awaiting(v, n)]
            if v["impact"] in SERIOUS and nodes:
                found.append({**v, "nodes": nodes})
        return found

    def awaiting(self) -> set[tuple[str, str, str]]:
        """The entries of AWAITING_NOTEBOOK_CHANGE that occur on this page."""
        return {
            (self.module, self._cell_id(n), v["id"]) for v in self.course for n in v["nodes"] if self._awaiting(v, n)
        }

    def stale_entries(self) -> list[tuple[str, str, str]]:
        """Entries of AWAITING_NOTEBOOK_CHANGE for this module that no longer occur (remove them)."""
        return [key for key in AWAITING_NOTEBOOK_CHANGE if key[0] == self.module and key not in self.awaiting()]

    def describe(self, violations: list[dict]) -> str:
        return "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']}; "
            + "; ".join(f"{n['target']}: {n['html']}" for n in v["nodes"][:3])
            for v in violations
        )


def audit(page, where: str, artifacts: Path | None = None, module: str = "", cell_ids=()) -> Audit:
    """Run axe-core's WCAG 2.1 A/AA rules on ``page`` (a LabPage); report JupyterLab's violations and
    those awaiting a notebook change. ``module`` and ``cell_ids`` (the open notebook's) name cells."""
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: `make test` installs axe-core (or run `make browser-tools`).")
    page.page.add_script_tag(path=str(AXE))
    result = Audit(where, page.page.evaluate(_RUN_JS, [WCAG_21_AA, COURSE_CONTENT]), list(cell_ids), module)
    for key in sorted(result.awaiting()):
        warnings.warn(
            f"axe on {where}: {key[2]} in cell {key[1]}, awaiting a change to the module's text: "
            f"{AWAITING_NOTEBOOK_CHANGE[key]}",
            stacklevel=2,
        )
    if artifacts is not None:
        artifacts.mkdir(parents=True, exist_ok=True)
        (artifacts / "axe.json").write_text(json.dumps(result.violations, indent=1))
    if result.jupyterlab:
        rules = ", ".join(f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes)" for v in result.jupyterlab)
        warnings.warn(f"axe on {where}: violations from JupyterLab itself, not the course: {rules}", stacklevel=2)
    return result
