"""The sandbox that graded code runs in (bubblewrap), and the warm kernel server that makes grading fast.

Every submission runs in kernels of its own. Kernels are not started from scratch: a *kernel server* (a
"zygote") imports ipykernel and the modules the course notebooks use once, then forks one kernel per
request, so a kernel is ready in a fraction of a second. jupyter_client and nbclient drive a forked kernel
exactly as any other (``kernels.SandboxedKernelManager``): a small launcher process, outside the sandbox,
stands in for the kernel, forwards interrupts, passes the kernel a pipe for its error output (so the kernel's
log never lives in a file the kernel can reach) and exits with the kernel's exit code.

**The sandbox** is bubblewrap (``bwrap``, Debian's package, the sandbox Flatpak uses). The kernel server runs
inside it, so every kernel it forks is inside too:

- a new root filesystem, read-only, holding only what a kernel needs: ``/usr`` (and the ``/bin``, ``/lib``
  links), a few files of ``/etc``, the Python installation and the virtual environment, the ``course``
  package's folder and ``datasets/``. Not the repository (no ``solutions/``, ``tests/``, ``.git``), not the
  cohort workspace, not the exchange, not the instructor's home; ``/tmp`` is empty and read-only;
- the run's scratch folder, where each kernel has a folder of its own (mode 700, owned by the kernel's
  user): the only place a kernel can write. Where the grader can mount (root), each kernel's folder is a
  tmpfs of ``scratch_mb``; elsewhere it is a plain folder and only the file-size limit applies;
- private PID, network (none: no network at all), IPC, UTS and cgroup namespaces; its own ``/proc``
  (``/proc/sys`` read-only), a minimal ``/dev``, no ``/sys``; a new session; it dies with the grader. As root
  this is ``--unshare-all`` without the user namespace: a user namespace made by bubblewrap maps a single uid,
  so kernels could not become users of their own. Parents of bound folders are made 0755 (bubblewrap makes
  them 0700, which would keep kernels' users from reaching Python under ``/root``).

**Users.** When grading runs as root, the server keeps only CAP_SETUID and CAP_SETGID, and each forked
kernel becomes a user of its own (a high numeric uid, unique within the run, in no group) before it runs
anything: no capabilities, ``no_new_privs``, so it cannot become root again. Without root, bubblewrap runs
in a user namespace and kernels keep the grading user's uid (still inside the read-only sandbox).

**Limits.** Where the cgroup v1 hierarchies are writable (root), each kernel gets cgroups of its own, made
for the run and removed after it: memory (``memory_mb``, tmpfs pages included, so the kernel and all its
children together), processes (``processes``) and CPU (one core). Always, in each kernel: CPU seconds,
address space, file size, no core dumps, and the process limit of its own user.

``KernelServer.protections`` says which of these are active on this machine; ``course cohort grade`` prints it.
Without bubblewrap (not installed, or ``isolate`` false in cohort.json) kernels run with the limits and a
clean environment only, as the grader's user, and the summary says so.
"""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import pwd
import resource
import selectors
import shutil
import signal
import socket
import stat
import subprocess
import sys
import sysconfig
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path

from ..paths import datasets
from ..validation import whole_number

#: The folder that holds the ``course`` package; launcher processes put it on ``sys.path`` explicitly
#: because they run in isolated mode (``-I``), so a file in the scratch folder cannot shadow ``course``.
PACKAGE_PARENT = Path(__file__).resolve().parents[2]
_BOOT = (
    f"import sys; sys.path.insert(0, {str(PACKAGE_PARENT)!r}); "
    "from course.cohort.sandbox import main; main(sys.argv[1:])"
)

#: Environment variables a kernel keeps; everything else is dropped.
KEPT_ENV = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ")
#: The submitting trainee's id in a kernel's environment (``course.variants.trainee_id`` reads it). The grader gives
#: it to the launcher, the launcher puts it in its request, the server checks it and sets it in the forked kernel.
TRAINEE_VARIABLE = "KAP_TRAINEE"
#: Files and folders of /etc a kernel may read (the dynamic linker's cache, time zones, names of users ...).
ETC = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "timezone",
    "passwd",
    "group",
    "nsswitch.conf",
    "hosts",
    "mime.types",
    "ssl",
    "fonts",
    "alternatives",
    "matplotlibrc",
)
#: cgroup v1 controllers a kernel gets a group of its own in, and where they are mounted.
CGROUP_ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "pids", "cpu")
#: Inside the sandbox, the run's cgroups appear here (only root, before it becomes the kernel's user, writes).
CGROUP_MOUNT = "/run/kap-cgroups"
#: Kernels' users: FIRST_UID + run offset + kernel number (far above any real account).
FIRST_UID = 2_000_000_000
SCRATCH_PREFIX = "kap-grade-"
LOG_TAIL = 4096  # bytes of a kernel's error output kept (its last words when it dies)

_PR_SET_PDEATHSIG, _PR_SET_NO_NEW_PRIVS = 1, 38


@dataclass(frozen=True)
class Limits:
    """Resource limits for one kernel."""

    cpu_seconds: int = 900
    memory_mb: int = 4096
    file_size_mb: int = 200
    processes: int = 256  # tasks (processes and threads) one kernel may run at once
    scratch_mb: int = 256  # size of its writable folder (where the grader can mount a tmpfs)

    def __post_init__(self):
        whole_number(self.cpu_seconds, "the kernel CPU limit (seconds)", 1, 86_400)
        whole_number(self.memory_mb, "the kernel memory limit (MB)", 256, 1_048_576)
        whole_number(self.file_size_mb, "the kernel file size limit (MB)", 1, 1_048_576)
        whole_number(self.processes, "the kernel process limit", 8, 100_000)
        whole_number(self.scratch_mb, "the kernel scratch folder size (MB)", 16, 1_048_576)


# --------------------------------------------------------------------------------------------------
# The grader's side: the kernel server, and a folder (with its user and cgroups) per kernel.


class KernelServer:
    """Run the kernel server for one grading run (a context manager).

    ``scratch`` is a private, empty folder outside the workspace. ``kernel_folder`` makes a folder for one
    kernel directly inside it (only those can hold a kernel) and ``remove_kernel_folder`` ends whatever is
    left of that kernel and removes the folder. ``preload`` lists modules to import once in the server.
    ``switch_user``: kernels become users of their own when grading runs as root. ``isolate``: use bubblewrap.
    """

    def __init__(
        self, scratch: Path, limits: Limits = Limits(), preload=(), switch_user: bool = True, isolate: bool = True
    ):
        if not isinstance(limits, Limits):
            raise ValueError("limits must be a sandbox.Limits.")
        self.scratch = Path(scratch).resolve()
        if not self.scratch.is_dir():
            raise ValueError(f"The scratch folder {self.scratch} does not exist.")
        self.limits = limits
        self.root = os.getuid() == 0
        self.socket = self.scratch / "kernel-server.sock"
        self.uid_base = run_uids().start - 1 if switch_user and self.root else None
        self.bwrap, bwrap_note = _find_bwrap(isolate)
        self.tmpfs, tmpfs_note = (
            _share_mounts(self.scratch)
            if self.root
            else (False, "kernels' folders are plain folders without a size limit (mounting needs root)")
        )
        self.cgroups, cgroup_note = _make_run_cgroups(self.scratch.name) if self.root else ({}, "not root")
        self._count = 0
        self.protections = {
            "limits": asdict(limits),
            "isolation": self.bwrap is not None,
            "isolation_note": bwrap_note,
            "user": "per-kernel" if self.uid_base and self.bwrap else _user_name(os.getuid()),
            "user_note": _user_note(self.uid_base is not None, self.bwrap is not None, self.root),
            "tmpfs": self.tmpfs,
            "scratch_note": tmpfs_note
            if not self.tmpfs
            else f"each kernel writes only to its own {limits.scratch_mb} MB folder",
            "cgroups": sorted(self.cgroups),
            "cgroup_note": cgroup_note,
        }
        self.settings = {
            "scratch": str(self.scratch),
            "socket": str(self.socket),
            "limits": asdict(limits),
            "preload": list(preload),
            "uid_base": self.uid_base if self.bwrap else None,
            "cgroups": [f"{CGROUP_MOUNT}/{c}" for c in sorted(self.cgroups)]
            if self.bwrap
            else [str(p) for _, p in sorted(self.cgroups.items())],
            "tasks": 0 if self.uid_base else _tasks_of(os.getuid()),
        }
        self._process: subprocess.Popen | None = None

    # -- the server ---------------------------------------------------------------------------------
    def __enter__(self) -> KernelServer:
        self.scratch.chmod(0o711)  # kernels pass through to their own folder; they cannot list the others
        command = [sys.executable, "-c", _BOOT, "serve"]
        if self.bwrap:
            command = [*self.bwrap_command(), "--", *command]
        try:
            self._process = subprocess.Popen(
                command,
                cwd=self.scratch,
                env=clean_environment(self.scratch),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            self._process.stdin.write(json.dumps(self.settings) + "\n")
            self._process.stdin.flush()
            line = self._process.stdout.readline()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        if not line:
            self.__exit__(None, None, None)
            raise RuntimeError("The kernel server did not start (see the messages above).")
        self.protections.update(json.loads(line)["protections"])
        return self

    def __exit__(self, *exc) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.stdin.close()  # the server stops when its stdin closes, and ends every kernel it forked
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()
        for group in self.cgroups.values():
            _remove_cgroup(group)
        if self.tmpfs:
            _unmount_under(self.scratch)

    def bwrap_command(self) -> list[str]:
        """bubblewrap's arguments for the server's sandbox (see the module docstring)."""
        args = [
            self.bwrap,
            "--unshare-ipc",
            "--unshare-pid",
            "--unshare-net",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--die-with-parent",
            "--new-session",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
        ]
        if self.root:
            args += ["--cap-drop", "ALL"] + (
                ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"] if self.uid_base else []
            )
        else:
            args += ["--unshare-user"]
        made = set()

        def parents(path: Path):  # bubblewrap would make missing parents 0700: kernels could not pass
            for parent in reversed(path.parents):
                if str(parent) != "/" and parent not in made:
                    made.add(parent)
                    args.extend(["--perms", "0755", "--dir", str(parent)])

        for name in ("usr",):
            args += ["--ro-bind", f"/{name}", f"/{name}"]
        for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            path = Path("/") / name
            if path.is_symlink():
                args += ["--symlink", os.readlink(path), str(path)]
            elif path.is_dir():
                args += ["--ro-bind", str(path), str(path)]
        for name in ETC:
            if os.path.exists(f"/etc/{name}"):
                parents(Path("/etc") / name)
                args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
        for path in readable_folders():
            parents(path)
            args += ["--ro-bind", str(path), str(path)]
        parents(self.scratch)
        args += ["--bind", str(self.scratch), str(self.scratch)]
        for controller, group in sorted(self.cgroups.items()):
            parents(Path(CGROUP_MOUNT) / controller)
            args += ["--bind", str(group), f"{CGROUP_MOUNT}/{controller}"]
        args += ["--remount-ro", "/", "--chdir", str(self.scratch)]
        return args

    def kernel_command(self, kernel_cmd: list[str], log: Path | str | None = None) -> list[str]:
        """The launcher command that asks this server for a kernel running ``kernel_cmd``; the kernel's last
        words (error output) go to ``log``, a new file in a folder kernels cannot reach."""
        return [sys.executable, "-I", "-c", _BOOT, "launch", str(self.socket), str(log or ""), "--", *kernel_cmd]

    # -- one kernel's folder --------------------------------------------------------------------------
    def kernel_folder(self, name: str, files_from: Path | None = None, files: list[str] | None = None) -> Path:
        """A new folder for one kernel, holding a copy of ``files`` (relative paths) from ``files_from``."""
        self._count += 1
        folder = self.scratch / name
        folder.mkdir(mode=0o700)
        if self.tmpfs:
            _run(
                [
                    "mount",
                    "-t",
                    "tmpfs",
                    "-o",
                    f"size={self.limits.scratch_mb}m,mode=0700,nosuid,nodev",
                    f"kap-{name}",
                    str(folder),
                ]
            )
        for rel in files or []:
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            _copy_regular(Path(files_from) / rel, folder / rel)
        for controller, group in self.cgroups.items():
            _make_cgroup(group / name, controller, self.limits)
        if self.uid_base and self.bwrap:
            uid = self.uid_base + 1 + self._count % 998  # reused only after its kernel and processes are gone
            for path in [folder, *folder.rglob("*")]:
                os.lchown(path, uid, uid)
        return folder

    def remove_kernel_folder(self, folder: Path) -> None:
        """End every process left in the kernel's cgroups, then remove its folder (and its tmpfs)."""
        folder = Path(folder)
        for group in self.cgroups.values():
            _remove_cgroup(group / folder.name)
        if self.tmpfs and os.path.ismount(folder):
            subprocess.run(
                ["umount", "--lazy", str(folder)], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        shutil.rmtree(folder, ignore_errors=True)


def run_uids(pid: int | None = None) -> range:
    """The uids the kernels of grading run ``pid`` (default: this process) become, when grading runs as root."""
    base = FIRST_UID + ((os.getpid() if pid is None else pid) % 100_000) * 1000
    return range(base + 1, base + 1000)


def readable_folders() -> list[Path]:
    """What kernels may read: the Python installation and environment, the ``course`` package, ``datasets/``."""
    folders = {
        Path(sys.prefix).resolve(),
        Path(sys.base_prefix).resolve(),
        Path(os.path.realpath(sys.executable)).parent.parent,
        *(Path(p).resolve() for k, p in sysconfig.get_paths().items() if k.endswith("lib")),
        (PACKAGE_PARENT / "course").resolve(),
        datasets().resolve(),
    }
    folders = {f for f in folders if f.is_dir()}
    return sorted(f for f in folders if not any(other in f.parents for other in folders))


def clean_environment(home: Path) -> dict:
    """The environment kernels get: a few harmless variables, with HOME and TMPDIR in ``home``."""
    env = {k: os.environ[k] for k in KEPT_ENV if k in os.environ}
    env.setdefault("PATH", os.defpath)
    env.setdefault("LANG", "C.UTF-8")
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    env.update(HOME=str(home), TMPDIR=str(home), PYTHONNOUSERSITE="1", MPLBACKEND="agg")
    return env


def _find_bwrap(isolate: bool) -> tuple[str | None, str]:
    if not isolate:
        return None, "NOT ISOLATED: the sandbox is turned off (isolate in cohort.json)"
    if not sys.platform.startswith("linux"):
        return None, "NOT ISOLATED: the sandbox (bubblewrap) needs Linux"
    path = shutil.which("bwrap")
    if path is None:
        return None, "NOT ISOLATED: bubblewrap is not installed (apt-get install bubblewrap)"
    flags = ["--unshare-pid", "--unshare-net"] + ([] if os.getuid() == 0 else ["--unshare-user"])
    probe = subprocess.run(
        [path, *flags, "--ro-bind", "/", "/", "--proc", "/proc", "true"], capture_output=True, text=True, timeout=30
    )
    if probe.returncode != 0:
        return None, f"NOT ISOLATED: bubblewrap cannot run here ({probe.stderr.strip()[:200]})"
    return path, (
        "bubblewrap: read-only root with only Python, the course package and datasets, no network, "
        "private /proc, /tmp and processes"
    )


def _user_note(switch: bool, bwrap: bool, root: bool) -> str:
    if switch and bwrap:
        return "kernels run as users of their own without capabilities"
    if root and not bwrap:
        return "kernels RUN AS ROOT (no sandbox to give them users of their own)"
    if root:
        return "kernels run as root (switching users is turned off: kernel_user in cohort.json)"
    return "kernels run as the grading user"


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _run(command: list[str]) -> None:
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        raise OSError(f"{' '.join(command[:3])} failed: {run.stderr.strip()[:200]}")


def _share_mounts(scratch: Path) -> tuple[bool, str]:
    """Make ``scratch`` a shared mount point, so the tmpfs mounted later for each kernel's folder appears
    inside the sandbox too (bubblewrap's binds are slaves of the host's mounts)."""
    try:
        _run(["mount", "--bind", str(scratch), str(scratch)])
    except OSError as exc:
        return False, f"kernels' folders are plain folders without a size limit ({exc})"
    try:
        _run(["mount", "--make-shared", str(scratch)])
        return True, ""
    except OSError as exc:
        _unmount_under(scratch)
        return False, f"kernels' folders are plain folders without a size limit ({exc})"


def _unmount_under(folder: Path) -> None:
    """Unmount ``folder`` and every mount below it (innermost first)."""
    for mount in sorted(
        (m for m in _mounts() if m == str(folder) or m.startswith(f"{folder}/")), key=len, reverse=True
    ):
        subprocess.run(["umount", "--lazy", mount], check=False, capture_output=True)


def _make_run_cgroups(name: str) -> tuple[dict, str]:
    """A cgroup per controller for this run (kernels get one each inside), where the machine allows."""
    made, missing = {}, []
    for controller in CONTROLLERS:
        parent = CGROUP_ROOT / controller
        if not (parent / "cgroup.procs").exists():
            missing.append(controller)
            continue
        try:
            (parent / name).mkdir()
            made[controller] = parent / name
        except OSError:
            missing.append(controller)
    if missing:
        for group in made.values():
            _remove_cgroup(group)
        return {}, (
            f"no cgroups (cgroup v1 {', '.join(missing)} not writable here): memory and processes are "
            "limited per process only"
        )
    return made, "a cgroup per kernel for memory (its children and tmpfs included), processes and CPU (one core)"


def _make_cgroup(group: Path, controller: str, limits: Limits) -> None:
    group.mkdir()
    values = {
        "memory": {
            "memory.limit_in_bytes": limits.memory_mb * 1024 * 1024,
            "memory.memsw.limit_in_bytes": limits.memory_mb * 1024 * 1024,
        },
        "pids": {"pids.max": limits.processes},
        "cpu": {"cpu.cfs_period_us": 100_000, "cpu.cfs_quota_us": 100_000},
    }[controller]
    for key, value in values.items():
        if (group / key).exists():
            (group / key).write_text(str(value))


def _remove_cgroup(group: Path) -> None:
    """Kill every process in ``group`` (and groups inside it), then remove it."""
    if not group.is_dir():
        return
    for child in [p for p in group.iterdir() if p.is_dir()]:
        _remove_cgroup(child)
    for _ in range(200):
        try:
            pids = [int(p) for p in (group / "cgroup.procs").read_text().split()]
        except OSError:
            pids = []
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            group.rmdir()
            return
        except OSError:
            time.sleep(0.01)


def _copy_regular(source: Path, dest: Path) -> None:
    """Copy a regular file without following links (the grader's own snapshot; checked again here)."""
    fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{source.name} is not a regular file")
        with open(fd, "rb", closefd=False) as src, open(dest, "xb") as out:
            shutil.copyfileobj(src, out)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------------------------------
# Entry points of the helper processes.


def main(argv: list[str]) -> None:
    if argv[:1] == ["serve"]:
        serve()
    elif argv[:1] == ["launch"] and len(argv) > 4 and argv[3] == "--":
        launch(argv[1], argv[2], argv[4:])
    else:
        raise SystemExit("usage: sandbox serve | sandbox launch SOCKET LOG -- KERNEL-COMMAND...")


def launch(socket_path: str, log_path: str, kernel_cmd: list[str]) -> None:
    """Stand in for a kernel: ask the server to fork it, forward interrupts, keep the end of its error output
    (read from a pipe: nothing the kernel can point elsewhere), write it to ``log_path``, exit as it exits."""
    die_with_parent()
    kernel_cmd, connection = _connection_file(kernel_cmd)
    conn = socket.socket(socket.AF_UNIX)
    conn.connect(socket_path)
    read_end, write_end = os.pipe()
    request = (
        json.dumps(
            {
                "argv": kernel_cmd,
                "cwd": os.getcwd(),
                "connection": connection,
                "trainee": os.environ.get(TRAINEE_VARIABLE) or None,
            }
        )
        + "\n"
    )
    socket.send_fds(conn, [request.encode()], [write_end])
    os.close(write_end)
    replies = conn.makefile("r")
    pid = json.loads(replies.readline() or '{"pid": 0}')["pid"]
    if not pid:
        raise SystemExit("The kernel server refused to start a kernel here.")

    def forward(signum, _frame):
        try:
            conn.sendall(f"{signum}\n".encode())
        except OSError:
            pass

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    tail = bytearray()
    os.set_blocking(read_end, False)
    selector = selectors.DefaultSelector()
    selector.register(read_end, selectors.EVENT_READ, "log")
    selector.register(conn, selectors.EVENT_READ, "server")
    returncode = 1
    done = False
    while not done:
        for key, _ in selector.select():
            if key.data == "log":
                tail = _keep_tail(tail, read_end)
            else:
                line = replies.readline()
                returncode = json.loads(line)["returncode"] if line else 1
                done = True
    tail = _keep_tail(tail, read_end)
    if log_path:
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        os.write(fd, bytes(tail))
        os.close(fd)
    os._exit(returncode)


def _keep_tail(tail: bytearray, fd: int) -> bytearray:
    while True:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return tail
        if not chunk:
            return tail
        tail += chunk
        del tail[:-LOG_TAIL]


def _connection_file(argv: list[str]) -> tuple[list[str], str | None]:
    """The kernel's connection file's content (jupyter_client wrote it where kernels cannot look); the
    kernel gets a private copy in its own folder."""
    argv = list(argv)
    if "-f" not in argv[:-1]:
        return argv, None
    i = argv.index("-f") + 1
    content = Path(argv[i]).read_text()
    argv[i] = os.path.join(os.getcwd(), ".connection.json")
    return argv, content


def serve() -> None:
    """The kernel server: import once, then fork a sandboxed kernel for each launcher that connects."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grader's to handle; it then closes stdin
    settings = json.loads(sys.stdin.readline())
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does; the kernel puts its own working directory back
    protections = {"preloaded": _preload(settings["preload"])}
    listener = socket.socket(socket.AF_UNIX)
    if os.path.exists(settings["socket"]):
        os.unlink(settings["socket"])
    listener.bind(settings["socket"])
    os.chmod(settings["socket"], 0o600)
    listener.listen(16)
    print(json.dumps({"protections": protections}), flush=True)

    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, "accept")
    selector.register(sys.stdin, selectors.EVENT_READ, "parent")
    kernels: dict[int, tuple[socket.socket, int]] = {}
    try:
        while True:
            for key, _ in selector.select(timeout=0.05):
                if key.data == "accept":
                    conn, _ = listener.accept()
                    started = _fork_kernel(conn, settings, [listener, selector, *(c for c, _ in kernels.values())])
                    if started:
                        kernels[started[0]] = (conn, started[1])
                        selector.register(conn, selectors.EVENT_READ, started[0])
                elif key.data == "parent":
                    if not sys.stdin.readline():
                        return  # the grader is done (or gone)
                else:
                    message = _recv_line(key.fileobj)
                    if message is None:  # the launcher went away: end its kernel
                        _end_kernel(key.data, kernels[key.data][1])
                    elif message.isdigit() and int(message) in (signal.SIGINT, signal.SIGTERM):
                        _signal_kernel(key.data, kernels[key.data][1], int(message))
            while kernels:
                pid, status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    break
                if pid in kernels:
                    conn, uid = kernels.pop(pid)
                    _end_kernel(pid, uid)  # its children go with it
                    selector.unregister(conn)
                    _send(conn, {"returncode": _returncode(status)})
                    conn.close()
    finally:
        for pid, (_, uid) in kernels.items():
            _end_kernel(pid, uid)


def _recv_line(conn) -> str | None:
    try:
        data = conn.recv(64)
    except OSError:
        return None
    return data.decode(errors="replace").strip().split("\n")[-1] if data else None


def _fork_kernel(conn, settings, server_files) -> tuple[int, int] | None:
    """Fork a kernel for the launcher on ``conn``; the child closes the server's files (other kernels' too)."""
    conn.settimeout(10)
    try:
        data, fds, _, _ = socket.recv_fds(conn, 1 << 20, 1)
        while not data.endswith(b"\n") and len(data) < 1 << 20:
            more = conn.recv(1 << 16)
            if not more:
                break
            data += more
        request = json.loads(data or b"{}")
    except (OSError, ValueError):
        request, fds = {}, []
    conn.settimeout(None)
    cwd = Path(request.get("cwd", "/")).resolve()
    uid = _kernel_uid(cwd, settings)
    if (
        cwd.parent != Path(settings["scratch"])
        or not isinstance(request.get("argv"), list)
        or len(fds) != 1
        or uid is None
        or not trainee_id_ok(request.get("trainee"))
    ):
        _send(conn, {"pid": 0})  # only a folder directly inside the scratch folder can hold a kernel
        conn.close()
        for fd in fds:
            os.close(fd)
        return None
    pid = os.fork()
    if pid == 0:
        for item in [*server_files, conn]:
            item.close()
        _become_kernel(request, cwd, settings, uid, fds[0])
    os.close(fds[0])
    _send(conn, {"pid": pid})
    return pid, uid


def trainee_id_ok(trainee) -> bool:
    """Whether a launch request's trainee id can go into a kernel's environment: none, or printable text."""
    return trainee is None or (isinstance(trainee, str) and 0 < len(trainee) <= 200 and trainee.isprintable())


def _kernel_uid(cwd: Path, settings) -> int | None:
    """The user a kernel in ``cwd`` runs as: the folder's owner, which must be one of the run's kernel users."""
    try:
        owner = os.stat(cwd).st_uid
    except OSError:
        return None
    base = settings["uid_base"]
    if base is None:
        return os.getuid()
    return owner if base < owner < base + 1000 else None


def _become_kernel(request, cwd: Path, settings, uid: int, log_fd: int) -> None:
    """In the forked child: confine this process, become the kernel's user, run the kernel. Never returns."""
    code = 70
    try:
        os.setsid()
        die_with_parent()
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        os.dup2(log_fd, 2)
        os.close(devnull)
        os.close(log_fd)
        for group in settings["cgroups"]:
            with open(f"{group}/{cwd.name}/cgroup.procs", "w") as procs:
                procs.write(str(os.getpid()))
        limits = Limits(**settings["limits"])
        _set_limits(limits, settings["tasks"] if uid == os.getuid() else 0)
        if uid != os.getuid():
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        _prctl(_PR_SET_NO_NEW_PRIVS, 1)
        os.chdir(cwd)
        if request.get("connection"):
            fd = os.open(cwd / ".connection.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            os.write(fd, request["connection"].encode())
            os.close(fd)
        os.environ.clear()
        os.environ.update(clean_environment(cwd))
        if request.get("trainee"):
            os.environ[TRAINEE_VARIABLE] = request["trainee"]
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an over-large write fails instead of killing
        code = _run_kernel(request["argv"])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()
        finally:
            os._exit(code)


def _run_kernel(argv: list[str]) -> int:
    if os.path.abspath(argv[0]) == os.path.abspath(sys.executable) and argv[1:3] == ["-m", "ipykernel_launcher"]:
        # the kernel's own imports happen in the forked child
        from ipykernel import kernelapp

        sys.argv = ["ipykernel_launcher", *argv[3:]]
        _chunked_streams()
        kernelapp.launch_new_instance()
        return 0
    os.execvpe(argv[0], argv, dict(os.environ))  # another kind of kernel: sandboxed, but not warm
    return 70


#: A kernel's stdout and stderr leave it in messages of about this many characters at most.
STREAM_CHUNK = 64_000


def _chunked_streams() -> None:
    """Make ipykernel send printed text once its buffer holds ``STREAM_CHUNK`` characters: it would otherwise gather a
    tight print loop into one message of hundreds of MB between two flushes, which the grader must receive whole
    before it can cut it (outputs.py). Trainee code can undo this; the grader's own bounds hold regardless."""
    # start-up cost: loaded only where this is used
    from ipykernel.iostream import OutStream

    write = OutStream.write

    def chunked(self, string):
        written = write(self, string)
        try:
            pending = sum(buffer.tell() for buffer in list(self._buffers.values()))  # ipykernel 6.2x to 7.x
        except (AttributeError, TypeError, ValueError):
            return written
        if pending > STREAM_CHUNK:
            self.flush()
        return written

    OutStream.write = chunked


def _set_limits(limits: Limits, tasks: int) -> None:
    """Apply ``limits``; the process limit counts all tasks of the kernel's user, ``tasks`` of them elsewhere."""
    mb = 1024 * 1024
    _limit(resource.RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds + 5)
    _limit(resource.RLIMIT_AS, limits.memory_mb * mb)
    _limit(resource.RLIMIT_FSIZE, limits.file_size_mb * mb)
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_NPROC, tasks + limits.processes)  # root ignores it: kernels are root only unsandboxed


def _limit(which: int, soft: int, hard: int | None = None) -> None:
    hard = soft if hard is None else hard
    _, current_hard = resource.getrlimit(which)
    if current_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, current_hard), min(hard, current_hard)
    resource.setrlimit(which, (soft, hard))


def _tasks_of(uid: int) -> int:
    """How many processes and threads ``uid`` runs now (RLIMIT_NPROC counts both, per user)."""
    count = 0
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else []:
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))
            except OSError:
                continue
    return count


def _end_kernel(pid: int, uid: int) -> None:
    """End a kernel and every process it started: all processes of its own user, else its process group."""
    if uid == os.getuid():
        _signal_group(pid, signal.SIGKILL)
    else:  # as the kernel's user, kill(-1) reaches exactly that user's processes
        _as_user(uid, lambda: [os.kill(-1, signal.SIGKILL) for _ in range(3)])


def _signal_kernel(pid: int, uid: int, signum: int) -> None:
    if uid == os.getuid():
        _signal_group(pid, signum)
    else:  # the server holds no capability to signal other users' processes: it becomes the kernel's user
        _as_user(uid, lambda: _signal_group(pid, signum))


def _as_user(uid: int, action) -> None:
    """Run ``action`` in a child process that has become ``uid`` (the server stays root)."""
    child = os.fork()
    if child == 0:
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            action()
        except OSError:
            pass
        os._exit(0)
    os.waitpid(child, 0)


def _signal_group(pid: int, signum: int) -> None:
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signum)
            return
        except OSError:
            continue


def _preload(names: list[str]) -> list[str]:
    # start-up cost: imported only where it is needed
    import importlib

    done = []
    for name in ["ipykernel.kernelapp", *names]:
        try:
            importlib.import_module(name)
            done.append(name)
        except Exception:  # a module that fails to import is simply imported later, by the notebook
            continue
    return done


def die_with_parent() -> None:
    """Linux: get SIGKILL when the parent process dies, so nothing outlives an interrupted grading run."""
    if sys.platform.startswith("linux"):
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _prctl(option: int, value: int) -> None:
    """Linux's prctl (Python's standard library has none)."""
    global _LIBC
    if not sys.platform.startswith("linux"):
        return
    if _LIBC is None:
        _LIBC = ctypes.CDLL(None, use_errno=True)
    if _LIBC.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


_LIBC = None


def _returncode(status: int) -> int:
    """The exit code that stands for wait ``status``: the process's own, or 128 + N for signal N."""
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def _send(conn: socket.socket, message: dict) -> None:
    try:
        conn.sendall((json.dumps(message) + "\n").encode())
    except OSError:
        pass


def remove_stale_scratch(tmp: Path) -> None:
    """Remove scratch folders (and cgroups) left by grading runs that were killed (their process is gone)."""
    for folder in Path(tmp).glob(f"{SCRATCH_PREFIX}*-*"):
        pid = folder.name[len(SCRATCH_PREFIX) :].split("-")[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        try:
            if folder.stat().st_uid != os.getuid():
                continue
        except OSError:
            continue
        for mount in sorted(
            (m for m in _mounts() if m == str(folder) or m.startswith(f"{folder}/")), key=len, reverse=True
        ):
            subprocess.run(["umount", "--lazy", mount], check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
        for controller in CONTROLLERS:
            _remove_cgroup(CGROUP_ROOT / controller / folder.name)


def _mounts() -> list[str]:
    try:
        with open("/proc/self/mounts") as mounts:
            return [line.split()[1] for line in mounts]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
