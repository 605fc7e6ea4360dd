"""Every use of a private (underscored or undocumented) nbgrader, nbconvert or jupyter_client API, in one place.

Written for, and tested against:

- nbgrader 0.9.6: ``Autograde._sanitizing`` switches its converter between the sanitizing step and the
  autograding step; ``Autograde._init_preprocessors`` registers the step's preprocessors; the grader calls
  ``BaseConverter.convert_single_notebook`` on the Autograde converter to run one step only.
- nbconvert 7.x: ``Exporter._preprocessors`` holds the registered preprocessors (emptied to register our own).
- jupyter_client 8.x: ``KernelManager._async_pre_start_kernel`` returns the kernel command and the keyword
  arguments for starting it (the grader changes the transport, the environment and the launcher's files).
- nbclient 0.10 and 0.11: ``on_cell_executed`` hooks get ``execute_reply``; a client given a kernel manager
  leaves that kernel's client (``kc``) open after ``execute``; every output message passes through
  ``NotebookClient.output(outs, msg, display_id, cell_index)`` before it is stored or handed to an Output
  widget's hook (``outputs.BoundedOutputs`` cuts and counts there).
- nbconvert 7.x: ``HTMLExporter.markdown2html`` builds an ``IPythonRenderer`` for ``MarkdownWithMath`` (its
  ``block_math``/``inline_math``/``latex_environment`` give the TeX), and templates import the ``mathjax`` macro
  from ``mathjax.html.j2``, which ``extra_loaders`` can replace (``feedback.FeedbackExporter``).
- ipykernel 6.2x to 7.x (not checked: the kernel goes on without it): ``OutStream._buffers`` holds the text
  printed since the last flush (``sandbox._chunked_streams`` flushes once it is large).

``check_versions`` (called before every grading run) refuses any other version, loudly: upgrading one of these
means reading this file against the new release, then widening ``SUPPORTED``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

#: Package -> version prefixes this module was written for.
SUPPORTED = {"nbgrader": ("0.9.6",), "jupyter_client": ("8.",), "nbclient": ("0.10.", "0.11."), "nbconvert": ("7.",)}


class UnsupportedVersion(RuntimeError):
    pass


def installed_versions() -> dict[str, str]:
    out = {}
    for package in SUPPORTED:
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    return out


def check_versions(installed: dict[str, str] | None = None) -> None:
    """Raise UnsupportedVersion naming each package whose version this module was not written for."""
    installed = installed_versions() if installed is None else installed
    wrong = [
        f"{package} {installed.get(package, 'not installed')} (written for "
        f"{' or '.join(p + ('x' if p.endswith('.') else '') for p in prefixes)})"
        for package, prefixes in SUPPORTED.items()
        if not str(installed.get(package, "")).startswith(prefixes)
    ]
    if wrong:
        raise UnsupportedVersion(
            "course cohort grade relies on internals of these packages, and this version is not the one it was "
            f"written for: {'; '.join(wrong)}. Install the supported versions (pyproject.toml), or update "
            "course/cohort/compat.py after reading the new release."
        )


# --------------------------------------------------------------------------------------------------
# nbgrader


def sanitize(converter, notebook_paths: list[str], module_id: str, student: str) -> None:
    """nbgrader's first autograde step only (init_assignment, then ClearOutput ... OverwriteCells ... for each
    notebook), writing to ``autograded/``; the second step (execution) is the grader's."""
    # start-up cost: loaded only where this is used
    from nbgrader.converters.base import BaseConverter

    converter._sanitizing = True
    converter.notebooks = list(notebook_paths)
    converter.init_assignment(module_id, student)
    converter._init_preprocessors()
    for path in converter.notebooks:
        BaseConverter.convert_single_notebook(converter, path)


def autograding_step(converter) -> None:
    """Put the converter back into its autograding step (for writing autograded notebooks)."""
    converter._sanitizing = False


def exporter_with(preprocessors, config):
    """A notebook exporter that runs exactly ``preprocessors`` (instances), in order."""
    # start-up cost: loaded only where this is used
    from nbconvert.exporters import NotebookExporter

    exporter = NotebookExporter(config=config)
    exporter._preprocessors = []
    for pp in preprocessors:
        exporter.register_preprocessor(pp, enabled=True)
    return exporter


# --------------------------------------------------------------------------------------------------
# jupyter_client


def launcher_kernel_manager_class():
    """An AsyncKernelManager whose ``prepare_launch(cmd, kw)`` changes the command and Popen arguments."""
    # start-up cost: loaded only where this is used
    from jupyter_client.manager import AsyncKernelManager

    class LauncherKernelManager(AsyncKernelManager):
        def prepare_launch(self, cmd: list, kw: dict) -> tuple[list, dict]:
            return cmd, kw

        async def _async_pre_start_kernel(self, **kw):
            self.before_start(kw)
            cmd, kw = await super()._async_pre_start_kernel(**kw)
            return self.prepare_launch(cmd, kw)

        def before_start(self, kw: dict) -> None:
            pass

    return LauncherKernelManager
