"""A best-effort sandbox for graded code, and the warm kernel server that makes grading fast.

Every submission runs in a kernel of its own. Kernels are not started from scratch: a *kernel server*
(a "zygote") imports ipykernel and the modules the course notebooks use once, then forks one
sandboxed kernel per submission, so a kernel is ready in a fraction of a second instead of paying
several seconds of imports. jupyter_client and nbclient drive the forked kernel exactly as any other
(see ``kernels.SandboxedKernelManager``): a tiny launcher process stands in for the kernel, forwards
interrupts and exits when the kernel exits.

What is protected (Linux; ``KernelServer.protections`` says which items are active on this machine,
and ``course cohort grade`` prints it):

- **Resource limits** (``setrlimit``) in the kernel: CPU seconds, address space (memory), size of any
  file it writes, no core dumps; the number of processes only when the kernel runs under a user of its
  own (the limit counts per user, and root ignores it). A cell that runs too long is interrupted at
  nbgrader's per-cell timeout; the CPU limit ends a kernel that ignores interrupts.
- **A scratch working directory** per submission, outside the cohort workspace, holding a copy of
  the submission; it is deleted after grading. ``HOME`` and ``TMPDIR`` point into it.
- **An environment without the instructor's secrets**: the kernel server itself is started with only
  ``PATH``, ``LANG``/``LC_*``, ``TZ`` and ``PYTHONPATH``, so neither ``os.environ`` nor
  ``/proc/self/environ`` of a kernel holds anything else.
- **Out of reach, where the OS allows it** (Linux, running as root or with ``CAP_SYS_ADMIN``): each
  kernel gets private mount, PID and network namespaces. The cohort workspace (gradebook, sources,
  submissions, exchange), Jupyter's runtime directory (other kernels' connection keys) and the usual
  secret folders in the instructor's home (``.ssh``, ``.aws``, ``.config`` ...) are covered by empty
  read-only mounts; ``/tmp``, ``/var/tmp`` and ``/dev/shm`` are empty and private to the kernel (its own
  scratch folder is the only thing in them, other kernels' are out of sight); ``/proc`` shows only the
  kernel's own processes; there is no network (the kernel talks to the grader over Unix sockets in its
  scratch folder).
- **No privileges**: kernels drop every Linux capability and cannot gain any (``no_new_privs``), so a
  kernel that is still root cannot undo its mounts or become root again through a setuid program.
- **Another user, where possible**: when grading runs as root and the ``nobody`` user can read the
  Python installation, the kernel drops to ``nobody``; it can then read only world-readable files and
  cannot signal the grader.

What is *not* protected:

- Without those namespaces (macOS, unprivileged containers, an ordinary user account) graded code runs
  as the instructor's user: it can read and write whatever that user can, **including the gradebook if
  it knows or finds the path** (the path is not in its working directory, environment or arguments, but
  it can be found by searching the disk or the kernel's memory), and the network is open.
- Kernels graded at the same time run as the same user and could signal each other.
- This is not a security boundary against a determined attacker. For untrusted cohorts run grading in a
  container or VM (e.g. the Kubernetes deployment), where a broken-out kernel finds nothing of value.
"""
from __future__ import annotations

import atexit
import ctypes
import errno
import json
import os
import pwd
import resource
import selectors
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path

from ..validation import whole_number

#: The folder that holds the ``course`` package; launcher processes put it on ``sys.path`` explicitly
#: because they run in isolated mode (``-I``), so a file in the scratch folder cannot shadow ``course``.
PACKAGE_PARENT = Path(__file__).resolve().parents[2]
_BOOT = (f"import sys; sys.path.insert(0, {str(PACKAGE_PARENT)!r}); "
         "from course.cohort.sandbox import main; main(sys.argv[1:])")

#: Environment variables a kernel keeps; everything else is dropped.
KEPT_ENV = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ")
#: Folders and files in the instructor's home that commonly hold credentials; hidden from kernels.
SECRET_HOME_ENTRIES = (".ssh", ".aws", ".azure", ".gnupg", ".config", ".docker", ".kube", ".netrc",
                       ".git-credentials", ".pypirc", ".jupyter", ".local/share/jupyter")

_CLONE_NEWNS, _CLONE_NEWPID, _CLONE_NEWNET = 0x00020000, 0x20000000, 0x40000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 4096, 16384, 1 << 18
_PR_SET_PDEATHSIG, _PR_CAPBSET_DROP, _PR_SET_NO_NEW_PRIVS = 1, 24, 38
_CAP_VERSION_3 = 0x20080522


@dataclass(frozen=True)
class Limits:
    """Resource limits for one kernel."""
    cpu_seconds: int = 900
    memory_mb: int = 4096
    file_size_mb: int = 200
    processes: int = 256  # tasks (processes and threads) the kernels' user may start beyond what it runs

    def __post_init__(self):
        whole_number(self.cpu_seconds, "the kernel CPU limit (seconds)", 1, 86_400)
        whole_number(self.memory_mb, "the kernel memory limit (MB)", 256, 1_048_576)
        whole_number(self.file_size_mb, "the kernel file size limit (MB)", 1, 1_048_576)
        whole_number(self.processes, "the kernel process limit", 8, 100_000)


# --------------------------------------------------------------------------------------------------
# The grader's side: start and stop the kernel server.

class KernelServer:
    """Run the kernel server for one grading run (a context manager).

    ``scratch`` is a private folder outside the workspace; submissions are copied into folders directly
    inside it, and only those can become a kernel's working directory. ``hide`` lists paths that kernels
    must not see; ``preload`` lists modules to import once in the server.
    """

    def __init__(self, scratch: Path, limits: Limits = Limits(), hide=(), preload=(), drop_to: str | None = "nobody",
                 isolate: bool = True):
        if not isinstance(limits, Limits):
            raise ValueError("limits must be a sandbox.Limits.")
        self.scratch = Path(scratch).resolve()
        if not self.scratch.is_dir():
            raise ValueError(f"The scratch folder {self.scratch} does not exist.")
        self.socket = self.scratch / "kernel-server.sock"
        if drop_to and os.getuid() == 0:
            self.scratch.chmod(0o711)  # another user may pass through to its own folder, not list others
        self.settings = {"scratch": str(self.scratch), "socket": str(self.socket), "limits": asdict(limits),
                         "hide": _hideable([*hide, *_secret_home_entries()], self.scratch),
                         "preload": list(preload), "drop_to": drop_to, "isolate": bool(isolate)}
        self.protections: dict = {}
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> "KernelServer":
        self._process = subprocess.Popen(
            [sys.executable, "-c", _BOOT, "serve"], cwd=self.scratch, env=clean_environment(self.scratch),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, start_new_session=False)
        self._process.stdin.write(json.dumps(self.settings) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            self._process.wait()
            raise RuntimeError("The kernel server did not start (see the messages above).")
        self.protections = json.loads(line)["protections"]
        return self

    def __exit__(self, *exc) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.stdin.close()  # the server stops when its stdin closes, and ends every kernel it forked
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()

    def kernel_command(self, kernel_cmd: list[str]) -> list[str]:
        """The launcher command that asks this server for a kernel running ``kernel_cmd``."""
        return [sys.executable, "-I", "-c", _BOOT, "launch", str(self.socket), "--", *kernel_cmd]


def clean_environment(home: Path) -> dict:
    """The environment kernels get: a few harmless variables, with HOME and TMPDIR in ``home``."""
    env = {k: os.environ[k] for k in KEPT_ENV if k in os.environ}
    env.setdefault("PATH", os.defpath)
    env.setdefault("LANG", "C.UTF-8")
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    env.update(HOME=str(home), TMPDIR=str(home), PYTHONNOUSERSITE="1", MPLBACKEND="agg")
    return env


def _hideable(paths, scratch: Path) -> list[str]:
    """The paths that can be hidden without hiding what kernels need (their folder, Python, ``course``)."""
    needed = [scratch, PACKAGE_PARENT / "course", Path(sys.prefix), Path(sys.base_prefix)]
    keep = []
    for path in sorted({Path(p).resolve() for p in paths}, key=lambda p: len(p.parts)):
        needed_inside = any(n == path or path in n.parents for n in needed)
        already_hidden = any(Path(k) in path.parents for k in keep)
        if not needed_inside and not already_hidden:
            keep.append(str(path))
    return keep


def _secret_home_entries() -> list[str]:
    home = Path(os.path.expanduser("~"))
    return [str(home / entry) for entry in SECRET_HOME_ENTRIES if (home / entry).exists()]


# --------------------------------------------------------------------------------------------------
# Entry points of the helper processes.

def main(argv: list[str]) -> None:
    if argv[:1] == ["serve"]:
        serve()
    elif argv[:1] == ["launch"] and len(argv) > 3 and argv[2] == "--":
        launch(argv[1], argv[3:])
    else:
        raise SystemExit("usage: sandbox serve | sandbox launch SOCKET -- KERNEL-COMMAND...")


def launch(socket_path: str, kernel_cmd: list[str]) -> None:
    """Stand in for a kernel: ask the server to fork it, forward interrupts, exit when it exits."""
    die_with_parent()
    conn = socket.socket(socket.AF_UNIX)
    conn.connect(socket_path)
    conn.sendall((json.dumps({"argv": kernel_cmd, "cwd": os.getcwd()}) + "\n").encode())
    replies = conn.makefile("r")
    pid = json.loads(replies.readline() or '{"pid": 0}')["pid"]
    if not pid:
        raise SystemExit("The kernel server refused to start a kernel here.")

    def forward(signum, _frame):
        try:
            os.killpg(pid, signum)
        except OSError:
            pass

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    line = replies.readline()
    os._exit(json.loads(line)["returncode"] if line else 1)


def serve() -> None:
    """The kernel server: import once, then fork a sandboxed kernel for each launcher that connects."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grader's to handle; it then closes stdin
    settings = json.loads(sys.stdin.readline())
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does; the kernel puts its own working directory back
    preloaded = _preload(settings["preload"])
    drop, drop_note = _drop_target(settings)
    isolated, isolation_note = _probe_isolation(settings)
    limits = Limits(**settings["limits"])
    protections = {
        "limits": asdict(limits), "preloaded": preloaded,
        "isolation": isolated, "isolation_note": isolation_note,
        "user": pwd.getpwuid(drop[0]).pw_name if drop else pwd.getpwuid(os.getuid()).pw_name,
        "user_note": drop_note,
    }
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
    kernels: dict[int, socket.socket] = {}
    try:
        while True:
            for key, _ in selector.select(timeout=0.05):
                if key.data == "accept":
                    conn, _ = listener.accept()
                    pid = _fork_kernel(conn, settings, limits, drop, isolated,
                                       [listener, selector, *kernels.values()])
                    if pid:
                        kernels[pid] = conn
                        selector.register(conn, selectors.EVENT_READ, pid)
                elif key.data == "parent":
                    if not sys.stdin.readline():
                        return  # the grader is done (or gone)
                elif not key.fileobj.recv(64):  # the launcher went away: end its kernel
                    _kill_group(key.data)
            while kernels:
                pid, status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    break
                conn = kernels.pop(pid, None)
                if conn is not None:
                    selector.unregister(conn)
                    _send(conn, {"returncode": _returncode(status)})
                    conn.close()
    finally:
        for pid in kernels:
            _kill_group(pid)


def _fork_kernel(conn, settings, limits, drop, isolated, server_files) -> int:
    """Fork a kernel for the launcher on ``conn``; the child closes the server's files (other kernels' too)."""
    conn.settimeout(10)
    try:
        request = json.loads(conn.makefile("r").readline() or "{}")
    except (OSError, ValueError):
        request = {}
    cwd = Path(request.get("cwd", "/")).resolve()
    if cwd.parent != Path(settings["scratch"]) or not isinstance(request.get("argv"), list):
        _send(conn, {"pid": 0})  # only a folder directly inside the scratch folder can hold a kernel
        conn.close()
        return 0
    pid = os.fork()
    if pid == 0:
        for item in [*server_files, conn]:
            item.close()
        _become_kernel(request["argv"], cwd, settings, limits, drop, isolated)
    _send(conn, {"pid": pid})
    return pid


def _become_kernel(argv, cwd, settings, limits, drop, isolated) -> None:
    """In the forked child: sandbox this process, then run the kernel. Never returns."""
    code = 70
    try:
        os.setsid()
        die_with_parent()
        _redirect_output(cwd / ".kernel.log")
        argv = _private_connection_file(argv, cwd)
        uid = drop[0] if drop else os.getuid()
        tasks = _tasks_of(uid) if uid != 0 else 0  # counted before a PID namespace hides the others
        if isolated:
            _enter_namespaces(settings["hide"], settings["scratch"], cwd)
        _set_limits(limits, uid, tasks)
        if drop:
            _hand_over(cwd, *drop)
        _renounce_privileges()
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(clean_environment(cwd))
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an over-large write fails instead of killing
        code = _run_kernel(argv)
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
        kernelapp.launch_new_instance()
        return 0
    os.execvpe(argv[0], argv, dict(os.environ))  # another kind of kernel: sandboxed, but not warm
    return 70


# --------------------------------------------------------------------------------------------------
# The pieces of the sandbox.

def _private_connection_file(argv: list[str], cwd: Path) -> list[str]:
    """Copy the kernel's connection file into its scratch folder (the original may be hidden or unreadable)."""
    argv = list(argv)
    if "-f" in argv[:-1]:
        i = argv.index("-f") + 1
        private = cwd / ".connection.json"
        private.write_text(Path(argv[i]).read_text())
        argv[i] = str(private)
    return argv


def _enter_namespaces(hide: list[str], scratch: str, cwd: Path) -> None:
    """New mount, PID and network namespaces: hide ``hide``; give the kernel empty temporary folders of its
    own (the system's, or the scratch folder if it lies elsewhere) holding only its folder ``cwd``; mount a
    /proc that shows only this kernel.

    The process that calls unshare stays outside the new PID namespace, so it forks twice: a small init
    (PID 1, which reaps orphans) and the kernel (PID 2, which can die like any process). Each waiting
    parent exits with its child's status, so the launcher still reports how the kernel ended.
    """
    libc = _libc()
    if libc.unshare(_CLONE_NEWNS | _CLONE_NEWPID | _CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "unshare failed")
    _relay_child()           # this process waits outside; the child is PID 1 in the new namespace
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    _mount("proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
    for path in hide:
        _hide(path)
    own = os.open(cwd, os.O_PATH | os.O_DIRECTORY)  # the kernel's folder, reachable once its parents are covered
    system_tmp = Path(tempfile.gettempdir()).resolve()
    covered = str(system_tmp) if system_tmp in Path(scratch).parents else scratch
    folders = [f for f in dict.fromkeys([covered, "/tmp", "/var/tmp", "/dev/shm"]) if os.path.isdir(f)]
    # The Python environment and the course package may live in a temporary folder (a clone in /tmp, say):
    # keep them reachable, read-only, through the covering.
    needed = {path: os.open(path, os.O_PATH | os.O_DIRECTORY) for path in _runtime_folders()
              if any(Path(f) in Path(path).parents for f in folders)}
    for folder in folders:
        _mount("tmpfs", folder, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=256m,mode=1777")
    for path, fd in needed.items():
        os.makedirs(path, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", path, None, _MS_BIND | _MS_REC)
        _mount(None, path, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY)
        os.close(fd)
    os.makedirs(cwd)
    _mount(f"/proc/self/fd/{own}", cwd, None, _MS_BIND)
    os.close(own)
    _relay_child(reap=True)  # PID 1 waits and reaps; the child becomes the kernel


def _runtime_folders() -> list[str]:
    """Folders a kernel needs to start: the Python environment and the course package's repository."""
    folders = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(sys.executable).resolve().parent,
               PACKAGE_PARENT.resolve()}
    # Keep the outermost of nested folders only (a venv inside the repository is covered by the repository).
    return sorted(str(f) for f in folders if not any(other in f.parents for other in folders))


def _relay_child(reap: bool = False) -> None:
    pid = os.fork()
    if pid == 0:
        die_with_parent()
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # interrupts are for the kernel
    while True:
        try:
            done, status = os.waitpid(-1 if reap else pid, 0)
        except ChildProcessError:
            os._exit(1)
        if done == pid:
            os._exit(_returncode(status))


def _hide(path: str) -> None:
    if os.path.isdir(path):
        _mount("tmpfs", path, "tmpfs", _MS_RDONLY | _MS_NOSUID | _MS_NODEV, "size=16k,mode=0555")
    elif os.path.exists(path):
        _mount("/dev/null", path, None, _MS_BIND)


def _mount(source, target, fstype, flags, data=None) -> None:
    args = [None if x is None else str(x).encode() for x in (source, target, fstype, data)]
    if _libc().mount(args[0], args[1], args[2], flags, args[3]) != 0:
        raise OSError(ctypes.get_errno(), f"mount {target} failed")


def _set_limits(limits: Limits, uid: int, tasks: int) -> None:
    """Apply ``limits``; the process limit counts all of ``uid``'s tasks, so it allows ``tasks`` more."""
    mb = 1024 * 1024
    _limit(resource.RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds + 5)
    _limit(resource.RLIMIT_AS, limits.memory_mb * mb)
    _limit(resource.RLIMIT_FSIZE, limits.file_size_mb * mb)
    _limit(resource.RLIMIT_CORE, 0)
    if uid != 0:  # root ignores RLIMIT_NPROC
        _limit(resource.RLIMIT_NPROC, tasks + limits.processes)


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


def _renounce_privileges() -> None:
    """Linux: drop every capability for good and forbid gaining any (setuid programs, file capabilities), so a
    kernel that is still root cannot undo its mounts, read others' files or signal others' processes."""
    if not sys.platform.startswith("linux"):
        return
    libc = _libc()
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    for capability in range(64):  # EINVAL marks the end of the list; EPERM, an unprivileged user with none
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0 and ctypes.get_errno() == errno.EINVAL:
            break
    if libc.capset(ctypes.byref(_CapHeader(_CAP_VERSION_3, 0)), (_CapData * 2)()) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _hand_over(cwd: Path, uid: int, gid: int) -> None:
    """Give the scratch folder to ``uid`` and become that user (no way back)."""
    for folder, dirs, files in os.walk(cwd):
        for name in [folder, *(os.path.join(folder, f) for f in dirs + files)]:
            os.lchown(name, uid, gid)
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)


def _drop_target(settings) -> tuple[tuple[int, int] | None, str]:
    """The (uid, gid) kernels should run as, or None with the reason they keep the grader's user."""
    name = settings["drop_to"]
    if not name:
        return None, "switching user is turned off"
    if os.getuid() != 0:
        return None, "grading does not run as root, so kernels run as the grading user"
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return None, f"there is no user {name!r} on this machine"
    needed = _paths_kernels_read(settings["scratch"])
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # try it: become the user and look at everything a kernel must read
        code = 1
        try:
            os.setgroups([])
            os.setgid(entry.pw_gid)
            os.setuid(entry.pw_uid)
            unreadable = [path for path, mode in needed if not os.access(path, mode)]
            os.write(write_end, "\n".join(unreadable[:1]).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end) as answer:
        unreadable = answer.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return None, f"could not switch to user {name!r}, so kernels run as root"
    if unreadable:
        return None, f"user {name!r} cannot read {unreadable}, so kernels run as root"
    return (entry.pw_uid, entry.pw_gid), f"kernels run as {name!r}"


def _paths_kernels_read(scratch: str) -> list[tuple[str, int]]:
    """(path, access mode) for what a kernel needs: Python, its packages, ``course``; its scratch folder is
    only passed through (0o711), so listing it is not needed."""
    paths = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    paths |= {p for p in sys.path if p and os.path.isdir(p)}
    paths |= {str(PACKAGE_PARENT), os.path.dirname(os.path.realpath(sys.executable))}
    return [(path, os.R_OK | os.X_OK) for path in sorted(paths)] + [(scratch, os.X_OK)]


def _probe_isolation(settings) -> tuple[bool, str]:
    """Whether this machine lets a child enter private namespaces and hide the paths it must not see."""
    if not settings["isolate"]:
        return False, "private namespaces are turned off (isolate in cohort.json)"
    if not sys.platform.startswith("linux"):
        return False, "private namespaces need Linux"
    probe = Path(settings["scratch"]) / "isolation-probe"
    probe.mkdir()
    pid = os.fork()
    if pid == 0:
        try:
            _enter_namespaces(settings["hide"], settings["scratch"], probe)
            os._exit(0 if os.listdir(settings["scratch"]) == [probe.name] else 1)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    probe.rmdir()
    if os.waitstatus_to_exitcode(status) == 0:
        return True, ("private mount, PID and network namespaces, private /tmp; hidden: "
                      + ", ".join(settings["hide"]))
    return False, "this machine does not allow private namespaces (needs root or CAP_SYS_ADMIN)"


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


def _redirect_output(log: Path) -> None:
    """No input; standard output (ipykernel's start-up banner) to nowhere; errors to ``log``, where a kernel
    that dies leaves its last words (a fatal error, an abort message)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    errors = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.dup2(errors, 2)
    os.close(devnull)
    os.close(errors)


def die_with_parent() -> None:
    """Linux: get SIGKILL when the parent process dies, so nothing outlives an interrupted grading run."""
    if sys.platform.startswith("linux"):
        _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _kill_group(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
            return
        except OSError:
            continue


def _returncode(status: int) -> int:
    """The exit code that stands for wait ``status``: the process's own, or 128 + N for signal N."""
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def _send(conn: socket.socket, message: dict) -> None:
    try:
        conn.sendall((json.dumps(message) + "\n").encode())
    except OSError:
        pass


_LIBC = None


def _libc():
    global _LIBC
    if _LIBC is None:
        _LIBC = ctypes.CDLL(None, use_errno=True)
    return _LIBC
