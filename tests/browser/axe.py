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

from course import ROOT

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
            const el = document.querySelector(n.target[0]);
            return {target: n.target.join(' '), html: n.html.slice(0, 300), summary: n.failureSummary,
                    course: !!(el && el.closest(content))};
        }),
    }));
}"""


@dataclass
class Audit:
    """axe's violations on one page, split into the course's and JupyterLab's."""
    where: str
    violations: list[dict] = field(default_factory=list)

    def _by(self, course: bool) -> list[dict]:
        return [{**v, "nodes": [n for n in v["nodes"] if n["course"] is course]} for v in self.violations
                if any(n["course"] is course for n in v["nodes"])]

    @property
    def course(self) -> list[dict]:
        return self._by(True)

    @property
    def jupyterlab(self) -> list[dict]:
        return self._by(False)

    def course_serious(self) -> list[dict]:
        return [v for v in self.course if v["impact"] in SERIOUS]

    def describe(self, violations: list[dict]) -> str:
        return "\n".join(f"- {v['id']} ({v['impact']}): {v['help']}; " + "; ".join(
            f"{n['target']}: {n['html']}" for n in v["nodes"][:3]) for v in violations)


def audit(page, where: str, artifacts: Path | None = None) -> Audit:
    """Run axe-core's WCAG 2.1 A/AA rules on ``page`` (a LabPage); report JupyterLab's violations."""
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: `make test` installs axe-core (or run `make browser-tools`).")
    page.page.add_script_tag(path=str(AXE))
    result = Audit(where, page.page.evaluate(_RUN_JS, [WCAG_21_AA, COURSE_CONTENT]))
    if artifacts is not None:
        artifacts.mkdir(parents=True, exist_ok=True)
        (artifacts / "axe.json").write_text(json.dumps(result.violations, indent=1))
    if result.jupyterlab:
        rules = ", ".join(f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes)" for v in result.jupyterlab)
        warnings.warn(f"axe on {where}: violations from JupyterLab itself, not the course: {rules}", stacklevel=2)
    return result
