"""The kernel manager that grading uses: jupyter_client's, with kernels forked by the kernel server.

nbclient (and so nbgrader's ``Execute`` preprocessor) starts, interrupts, polls and kills kernels through
this class exactly as through jupyter_client's own: the process it starts is the sandbox's launcher,
which asks the kernel server for a sandboxed kernel and lives exactly as long as that kernel. Kernels
talk over Unix sockets in their own folder, so they work without a network.
"""

from __future__ import annotations

import os

from traitlets import List, Unicode

from .compat import launcher_kernel_manager_class
from .sandbox import TRAINEE_VARIABLE, clean_environment


class SandboxedKernelManager(launcher_kernel_manager_class()):
    launcher = List(Unicode(), help="The kernel server's launcher command (KernelServer.kernel_command([])).")
    trainee = Unicode(
        None,
        allow_none=True,
        help="The id of the trainee whose work the kernel runs: the kernel gets "
        "it as KAP_TRAINEE (through the launch request), for variants.",
    )

    def format_kernel_cmd(self, extra_arguments=None):
        return [*self.launcher, *super().format_kernel_cmd(extra_arguments)]

    def before_start(self, kw: dict) -> None:
        self.transport, self.ip = "ipc", os.path.join(kw.get("cwd") or os.getcwd(), "kernel")

    def prepare_launch(self, cmd: list, kw: dict) -> tuple[list, dict]:
        kw["env"] = clean_environment(kw.get("cwd") or os.getcwd())  # the launcher holds no secrets either
        if self.trainee:
            kw["env"][TRAINEE_VARIABLE] = self.trainee  # the launcher puts it in its request to the kernel server
        return cmd, kw

    def exit_code(self) -> int | None:
        """How the kernel ended (the launcher's exit code: 128 + N for signal N), or None while it runs."""
        process = getattr(self.provisioner, "process", None)
        return None if process is None else process.poll()

    def kill_now(self) -> None:
        """Kill the kernel from any thread (the server ends a kernel whose launcher dies)."""
        process = getattr(self.provisioner, "process", None)
        if process is not None and process.poll() is None:
            process.kill()
