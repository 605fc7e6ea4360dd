"""How long a trainee waits for a figure after moving a control, measured in a real browser.

For every control of every widget of the released modules (or those named with ``--modules``),
the control is changed from the keyboard ``--changes`` times. Each latency runs from the input
event that commits the change (the key press on a slider, the ``change`` event of a dropdown) to
the last change of the widget's plotly figure before it is still for 300 ms: the round trip to the
kernel, the Python callback, the figure update messages and plotly's redraw. Prints p50 and p95 per
control against the target p95 < 150 ms, the median time to the figure's *first* change (the
redraw has begun), and how many presses left the figure as it was ("same": a choice the widget
refuses, or a text-only control). Not part of ``make test``.

    .venv/bin/python benchmarks/widget_latency.py [--modules 01-assessment] [--changes 40]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import nbformat
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the browser-test helpers (tests/browser/lab.py)

from browser.lab import (  # noqa: E402
    LabPage,
    control_label,
    controls,
    jupyter_lab,
    launch_chromium,
    let_run_all_continue,
    marker,
    press_to_change,
    release_path,
    released_modules,
    stripped,
)

TARGET_P95_MS = 150
QUIET_MS = 300
NO_CHANGE_AFTER_MS = 3000

#: JavaScript: note the time of every input event and of every change inside the view's figures.
WATCH_JS = """(view) => {
    const s = window.__latency = {input: 0, first: 0, last: 0, changes: 0};
    const reset = () => { s.input = performance.now(); s.first = s.last = 0; s.changes = 0; };
    for (const type of ['keydown', 'change', 'input', 'click']) document.addEventListener(type, reset, true);
    const inFigure = (node) => (node.nodeType === 1 ? node : node.parentElement)?.closest('.js-plotly-plot');
    new MutationObserver((records) => {
        if (!records.some(r => inFigure(r.target))) return;
        s.last = performance.now();
        if (!s.changes++) s.first = s.last;
    }).observe(view, {subtree: true, childList: true, attributes: true, characterData: true});
}"""
SETTLED_JS = f"() => window.__latency.changes > 0 && performance.now() - window.__latency.last >= {QUIET_MS}"


def measure(page: LabPage, kind: str, box, changes: int) -> tuple[list[tuple[float, float]], int]:
    """(first figure change, updated figure) latencies in ms for ``changes`` keyboard changes of one
    control, and how many presses left the figure as it was (a dropdown that reached a choice the
    widget refuses, say); gives up after ``changes`` such presses."""
    timings, unchanged = [], 0
    while len(timings) < changes and unchanged < changes:
        page.page.evaluate("() => { window.__latency.changes = 0; }")
        press_to_change(page, kind, box)
        try:
            page.page.wait_for_function(SETTLED_JS, timeout=NO_CHANGE_AFTER_MS, polling=20)
        except PlaywrightTimeout:
            unchanged += 1
            continue
        timings.append(
            tuple(
                page.page.evaluate(
                    "() => [window.__latency.first - window.__latency.input, "
                    "window.__latency.last - window.__latency.input]"
                )
            )
        )
    return timings, unchanged


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", nargs="*", help="module ids (default: every released module)")
    parser.add_argument("--changes", type=int, default=40, help="changes per control (at least 30)")
    args = parser.parse_args(argv)
    if args.changes < 30:
        parser.error("--changes must be at least 30 for a meaningful p95")
    modules = [m for m in released_modules() if not args.modules or m.id in args.modules]
    if not modules:
        parser.error(f"no released module among {args.modules}")

    rows = []
    with tempfile.TemporaryDirectory(prefix="widget-latency-") as tmp, sync_playwright() as playwright:
        root = Path(tmp) / "root"
        root.mkdir()
        server = jupyter_lab(root, Path(tmp) / "scratch")
        browser = launch_chromium(playwright)
        try:
            for module in modules:
                nb = let_run_all_continue(stripped(nbformat.read(release_path(module), as_version=4)))
                nbformat.write(nb, root / module.notebook)
                page = LabPage(browser, server, Path(tmp) / "shots")
                page.open(module.notebook)
                try:
                    page.run_all(marker(module.id))
                except AssertionError as exc:
                    print(f"{module.id}: not measured: {str(exc).splitlines()[0]}", file=sys.stderr)
                    page.close()
                    continue
                page.wait_widgets_rendered()
                for i in range(page.widget_views.count()):
                    view = page.widget_views.nth(i)
                    if view.locator(".js-plotly-plot").count() == 0:
                        continue
                    view.evaluate(WATCH_JS)
                    for kind, box in controls(view):
                        timings, unchanged = measure(page, kind, box, args.changes)
                        rows.append((module.id, i, f"{kind} '{control_label(kind, box)}'", timings, unchanged))
                        print(f"  {module.id} widget {i} {rows[-1][2]}: {len(timings)} changes timed", file=sys.stderr)
                page.close()
        finally:
            browser.close()
            server.stop()

    print(
        f"{'module':<15} {'widget':>6}  {'control':<34} {'n':>3} {'same':>4} {'first p50':>9} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'max ms':>7}  p95 < {TARGET_P95_MS} ms"
    )
    verdicts = []
    for module_id, widget, control, timings, unchanged in rows:
        if not timings:
            print(f"{module_id:<15} {widget:>6}  {control[:34]:<34}   (does not change the figure)")
            continue
        first, updated = [t[0] for t in timings], [t[1] for t in timings]
        p95 = percentile(updated, 95)
        verdicts.append(p95 < TARGET_P95_MS)
        print(
            f"{module_id:<15} {widget:>6}  {control[:34]:<34} {len(updated):>3} {unchanged:>4} "
            f"{statistics.median(first):>9.0f} {statistics.median(updated):>7.0f} {p95:>7.0f} {max(updated):>7.0f}  "
            f"{'yes' if verdicts[-1] else 'NO'}"
        )
    return 0 if verdicts and all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
