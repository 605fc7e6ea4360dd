"""Load on the workshop hub: N trainees at once on the real JupyterHub of deploy/vm, while an instructor grades.

    sudo .venv/bin/python benchmarks/hub_load.py [--trainees 10] [--module 01-assessment] [--json out.json]

As root (it creates throw-away Linux users, as tests/hub does, with the same harness: tests/hub/hub_harness.py).
It starts the hub on 127.0.0.1 with N trainees and an instructor, makes the cohort with `course cohort new` and
releases the module with `course cohort release`, then:

1. every trainee at the same time logs in through the hub's login form (PAM), starts a server, fetches the
   module from the Assignment List's server API, types the model answers into it, saves and submits;
2. the instructor collects (`course cohort collect`, as root);
3. every trainee at the same time opens the module's notebook in a kernel of their server and runs each of its
   code cells in turn through Jupyter's kernel protocol (as Run All does), while the instructor runs
   `course cohort grade` (as root: each graded kernel a user of its own, in bubblewrap) on the N submissions.

It prints the time from the spawn request to a ready server and the time to run the whole notebook (p50, p95,
max), each trainee's memory (server and kernel, RSS from /proc, after the run), the hub's own processes, the
grading time and statuses, and every failure (a login, spawn, fetch, submit or cell that did not succeed).
Users, processes and folders are removed at the end, whatever happens. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "hub")]

from conftest import typed_in  # noqa: E402  (the tests' way of typing answers into a release)
from hub_harness import descendants, owned_by, rss_mib, run_in_kernel, running_hub  # noqa: E402

from course.data.syllabus import module as syllabus_module  # noqa: E402
from course.lessons import source_notebook  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = share * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def spread(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50": round(percentile(values, 0.5), 1),
        "p95": round(percentile(values, 0.95), 1),
        "max": round(max(values), 1) if values else float("nan"),
    }


def start_and_submit(hub, trainee: str, module_id: str, notebook: str, source) -> dict:
    """Log in, spawn, fetch, answer, save and submit; what happened and how long each step took."""
    result = {"trainee": trainee}
    started = time.monotonic()
    hub.sign_in(trainee)
    result["login_s"] = time.monotonic() - started
    result["spawn_s"] = hub.spawn(trainee)
    hub.assignments(trainee, "fetch", module_id)
    path = f"{hub.cohort}/{module_id}/{notebook}"
    released = hub.get(trainee, f"/user/{trainee}/api/contents/{path}").json()["content"]
    with tempfile.TemporaryDirectory() as tmp:
        nbformat.write(nbformat.from_dict(released), Path(tmp) / notebook)
        answered = typed_in(Path(tmp) / notebook, source)
    saved = hub.put(
        trainee,
        f"/user/{trainee}/api/contents/{path}",
        json={"type": "notebook", "format": "json", "content": answered},
    )
    assert saved.ok, saved.text
    hub.assignments(trainee, "submit", module_id)
    result["notebook"] = answered
    return result


def run_module(hub, trainee: str, answered) -> dict:
    """Run every code cell of the trainee's answered notebook in a kernel of their server."""
    codes = [cell.source for cell in answered.cells if cell.cell_type == "code"]
    started = time.monotonic()
    replies, kernel = run_in_kernel(hub, trainee, codes, timeout=900)
    seconds = time.monotonic() - started
    errors = [r["error"] for r in replies if r["status"] != "ok"]
    server = hub.server_pid(trainee)
    return {
        "trainee": trainee,
        "run_s": seconds,
        "cells": len(codes),
        "cell_errors": errors,
        "server_mib": rss_mib(server),
        "kernel_mib": rss_mib(kernel),
    }


def attempt(failures: list, step: str, trainee: str, action, *args):
    try:
        return action(*args)
    except Exception as exc:  # a load test counts failures and goes on
        failures.append({"step": step, "trainee": trainee, "error": f"{type(exc).__name__}: {str(exc)[:300]}"})
        return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trainees", type=int, default=10, help="trainees working at once (10)")
    parser.add_argument("--module", default="01-assessment", help="the module they run (01-assessment)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    args = parser.parse_args(argv)
    # `kill` or a time limit: end like Ctrl-C, so that the users, processes and folders are removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if os.geteuid() != 0:
        print("hub_load.py creates throw-away Linux users: run it as root (sudo).", file=sys.stderr)
        return 2
    notebook = syllabus_module(args.module).notebook
    source = source_notebook(args.module)
    failures: list[dict] = []
    figures: dict = {
        "trainees": args.trainees,
        "module": args.module,
        "cpus": os.cpu_count(),
        "load_before": os.getloadavg(),
    }
    with running_hub(args.trainees, cohort="kap-load", prefix="kapload", sign_in=False) as hub:
        figures["hub_start_s"] = hub.measured["hub_start_s"]
        hub.cohort_as_root("release", hub.cohort, args.module)
        print(
            f"hub up in {hub.measured['hub_start_s']} s; {args.trainees} trainees log in, spawn, fetch and "
            "submit at once ...",
            flush=True,
        )
        with ThreadPoolExecutor(args.trainees) as pool:
            started = [
                r
                for r in pool.map(
                    lambda t: attempt(
                        failures,
                        "log in, spawn, fetch, submit",
                        t,
                        start_and_submit,
                        hub,
                        t,
                        args.module,
                        notebook,
                        source,
                    ),
                    hub.trainees,
                )
                if r
            ]
        collected = hub.cohort_as_root("collect", hub.cohort, args.module, expect=(0, 3))
        figures["collect"] = collected.stdout.splitlines()[0]
        print(
            f"{len(started)} submitted; {figures['collect']}\nall run the module while the instructor grades ...",
            flush=True,
        )

        def grade():
            begun = time.monotonic()
            done = hub.cohort_as_root("grade", hub.cohort, args.module, expect=(0, 3))
            return time.monotonic() - begun, done.stdout

        with ThreadPoolExecutor(len(started) + 1) as pool:
            grading = pool.submit(attempt, failures, "grade", "instructor", grade)
            runs = [
                r
                for r in pool.map(
                    lambda s: attempt(
                        failures, "run the module", s["trainee"], run_module, hub, s["trainee"], s["notebook"]
                    ),
                    started,
                )
                if r
            ]
            graded = grading.result()
        pids = descendants(hub.proc.pid)
        figures.update(
            spawn_s=spread([s["spawn_s"] for s in started]),
            login_s=spread([s["login_s"] for s in started]),
            run_s=spread([r["run_s"] for r in runs]),
            cells=runs[0]["cells"] if runs else 0,
            server_mib=spread([r["server_mib"] for r in runs]),
            kernel_mib=spread([r["kernel_mib"] for r in runs]),
            trainee_total_mib=spread([r["server_mib"] + r["kernel_mib"] for r in runs]),
            hub_mib=round(rss_mib(hub.proc.pid)),
            formgrader_service_mib=round(rss_mib(hub.service_pid())),
            proxy_mib=round(sum(map(rss_mib, owned_by(pids, "root", "configurable-http-proxy")))),
            load_after=os.getloadavg(),
        )
        for run in runs:
            failures += [{"step": "cell", "trainee": run["trainee"], "error": e} for e in run["cell_errors"]]
        if graded:
            figures["grade_s"] = round(graded[0], 1)
            figures["grade_summary"] = [
                line for line in graded[1].splitlines() if line.startswith(("  ", f"{args.module}:"))
            ][:12]
    figures["failures"] = failures
    print(report(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 1 if failures else 0


def report(f: dict) -> str:
    def row(name, s, unit):
        return f"| {name} | {s['n']} | {s['p50']} {unit} | {s['p95']} {unit} | {s['max']} {unit} |"

    lines = [
        f"\n{f['trainees']} trainees, {f['module']}, {f['cpus']} cores; load average before "
        f"{f['load_before'][0]:.1f}, after {f['load_after'][0]:.1f}"
        if "load_after" in f
        else "",
        "",
        "| what | n | p50 | p95 | max |",
        "|---|---|---|---|---|",
    ]
    if "spawn_s" in f:
        lines += [
            row("log in (PAM), all at once", f["login_s"], "s"),
            row("spawn: request to ready server, all at once", f["spawn_s"], "s"),
            row(f"run the module ({f['cells']} code cells) while grading", f["run_s"], "s"),
            row("trainee server (JupyterLab) RSS after the run", f["server_mib"], "MiB"),
            row("trainee kernel RSS after the run", f["kernel_mib"], "MiB"),
            row("trainee server + kernel", f["trainee_total_mib"], "MiB"),
        ]
        lines.append(
            f"\nhub {f['hub_mib']} MiB, proxy {f['proxy_mib']} MiB, formgrader service "
            f"{f['formgrader_service_mib']} MiB; hub start {f['hub_start_s']} s"
        )
    if "grade_s" in f:
        lines.append(
            f"instructor: `course cohort grade` of {f['trainees']} submissions took {f['grade_s']} s "
            "while the trainees ran the module:"
        )
        lines += [f"    {line.strip()}" for line in f["grade_summary"]]
    lines.append(f"failures: {len(f['failures'])}")
    lines += [f"  {x['step']} ({x['trainee']}): {x['error']}" for x in f["failures"]]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
