"""Signs that a submission tried to reach into the grader, Jupyter or the course's checks.

The grade never depends on them (tests run in kernel B, which trainee code never touches); they give the
submission the status "tampering suspected", so a person looks before it counts. Two kinds:

- ``scan``: a static look at the code the trainee wrote (answer cells and added cells), after IPython's
  own transformation of magics, for the tools such tricks need.
- ``PROBE`` (run in kernel A after the notebook, by ``answers.report``'s cell) and ``compare``: what the
  notebook changed in the running kernel (input transformers, event callbacks, exception handlers,
  ``showtraceback``, ``do_execute``, the course's functions, builtins), compared with a fresh kernel B.
  A determined trainee can hide from the probe in A; the scan and kernel B are what hold.
"""

from __future__ import annotations

import ast

#: Modules whose import is a sign (they reach the interpreter, the kernel or the machine's internals).
MODULES = (
    "IPython",
    "ipykernel",
    "sys",
    "builtins",
    "ctypes",
    "gc",
    "inspect",
    "importlib",
    "jupyter_client",
    "zmq",
    "traitlets",
    "comm",
    "types",
    "code",
    "codeop",
    "marshal",
    "pickle",
    "dis",
    "_thread",
)
#: Names whose use is a sign.
NAMES = (
    "get_ipython",
    "exec",
    "eval",
    "compile",
    "setattr",
    "delattr",
    "globals",
    "vars",
    "__import__",
    "__builtins__",
)
#: Special names ordinary code uses.
PLAIN_DUNDERS = (
    "__init__",
    "__name__",
    "__doc__",
    "__main__",
    "__version__",
    "__file__",
    "__len__",
    "__repr__",
    "__str__",
    "__eq__",
)
#: Attributes whose use is a sign.
ATTRIBUTES = (
    "modules",
    "input_transformers_cleanup",
    "input_transformers_post",
    "input_transformer_manager",
    "ast_transformers",
    "events",
    "set_custom_exc",
    "custom_exceptions",
    "showtraceback",
    "showsyntaxerror",
    "do_execute",
    "execute_request",
    "shell_handlers",
    "excepthook",
    "displayhook",
    "display_pub",
    "run_cell",
    "run_cell_async",
    "user_ns",
    "f_globals",
    "f_locals",
    "f_back",
    "gi_frame",
    "tb_frame",
    "settrace",
    "setprofile",
)
#: Magics that run shell commands, other languages or JavaScript in the browser.
MAGICS = (
    "system",
    "sx",
    "bash",
    "sh",
    "script",
    "perl",
    "ruby",
    "python",
    "python2",
    "python3",
    "pypy",
    "javascript",
    "js",
    "html",
    "svg",
    "latex",
    "markdown",
    "writefile",
    "run",
    "load",
    "load_ext",
    "reload_ext",
    "prun",
    "debug",
    "pdb",
    "env",
    "set_env",
    "config",
    "alias",
    "unalias",
    "rehashx",
    "cd",
    "pushd",
    "popd",
    "bookmark",
    "store",
    "capture",
    "logstart",
    "autocall",
    "macro",
    "killbgscripts",
    "getoutput",
)


def _ipython_source(source: str) -> tuple[str, list[str]]:
    """Python code for a cell as IPython would run it, and the signs found while transforming magics."""
    # start-up cost: loaded only where this is used
    from IPython.core.inputtransformer2 import TransformerManager

    signs = []
    try:
        code = TransformerManager().transform_cell(source)
    except Exception:  # IPython could not transform it; the kernel could not run it either
        return source, signs
    return code, signs


def scan(source: str, protected=()) -> list[str]:
    """The signs in one cell's code, in plain words (empty for ordinary code). ``protected``: names the notebook's
    locked cells import (the course's checks and modules); redefining one is a sign too."""
    code, signs = _ipython_source(source)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return signs  # code that cannot be parsed cannot run
    for node in ast.walk(tree):
        bound = (
            [node.name]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            else [n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))]
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete))
            else [(a.asname or a.name).split(".")[0] for a in node.names]
            if isinstance(node, (ast.Import, ast.ImportFrom))
            else []
        )
        for name in bound:
            if name in protected:
                signs.append(f"redefines {name}")
        if isinstance(node, ast.Call) and _is_magic_call(node):
            kind = node.func.attr
            name = (
                node.args[0].value
                if kind != "system"
                and kind != "getoutput"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                else kind
            )
            if kind in ("system", "getoutput") or name.split()[0] in MAGICS:
                signs.append(f"the magic {'!' if kind in ('system', 'getoutput') else '%'}{name.split()[0]}")
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in names:
                if name.split(".")[0] in MODULES:
                    signs.append(f"import {name}")
        elif isinstance(node, ast.Name) and node.id in NAMES:
            if not _is_magic_getter(node, tree):
                signs.append(node.id)
        elif isinstance(node, ast.Attribute):
            if node.attr in ATTRIBUTES or (
                node.attr.startswith("__") and node.attr.endswith("__") and node.attr not in PLAIN_DUNDERS
            ):
                signs.append(f".{node.attr}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) > 1
            and not (isinstance(node.args[1], ast.Constant) and not str(node.args[1].value).startswith("__"))
        ):
            signs.append("getattr with a computed or special name")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.startswith("__")
            and node.value.endswith("__")
            and len(node.value) > 4
            and node.value not in PLAIN_DUNDERS
        ):
            signs.append(f"the name {node.value!r}")
    return list(dict.fromkeys(signs))


def _is_magic_call(node: ast.Call) -> bool:
    """``get_ipython().run_line_magic(...)`` and the like, as IPython writes magics in Python."""
    func = node.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr in ("run_line_magic", "run_cell_magic", "system", "getoutput")
        and isinstance(func.value, ast.Call)
        and isinstance(func.value.func, ast.Name)
        and func.value.func.id == "get_ipython"
        and not func.value.args
    )


def _is_magic_getter(name: ast.Name, tree) -> bool:
    if name.id != "get_ipython":
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _is_magic_call(node) and node.func.value.func is name:
            return True
    return False


def imported_names(sources) -> set[str]:
    """Names that import statements in ``sources`` (the release's locked cells) bind."""
    names = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def scan_cells(cells, protected=()) -> list[str]:
    """``"cell: sign, sign"`` for each cell (name, source) that shows signs."""
    found = []
    for name, source in cells:
        signs = scan(source, protected)
        if signs:
            found.append(f"{name}: {', '.join(signs[:5])}" + (" ..." if len(signs) > 5 else ""))
    return found


#: Run in a kernel (A after the notebook, B before anything): a picture of what code can change in it.
PROBE = r"""
def _kap_probe():
    import builtins, hashlib, sys
    ip = get_ipython()
    def name(f):
        f = getattr(f, "__func__", f)
        return f"{getattr(f, '__module__', '?')}.{getattr(f, '__qualname__', type(f).__name__)}"
    def digest(code):
        parts = [code.co_code, code.co_names, code.co_varnames]
        parts += [digest(c) if hasattr(c, "co_code") else repr(c) for c in code.co_consts]
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]
    def own(obj, attr):
        return attr in getattr(obj, "__dict__", {})
    facts = {
        "input_transformers_cleanup": [name(t) for t in ip.input_transformers_cleanup],
        "input_transformers_post": [name(t) for t in ip.input_transformers_post],
        "line_transforms": [name(t) for t in ip.input_transformer_manager.line_transforms],
        "token_transformers": [name(t) for t in ip.input_transformer_manager.token_transformers],
        "ast_transformers": [name(t) for t in ip.ast_transformers],
        "events": {e: [name(c) for c in cs] for e, cs in ip.events.callbacks.items()},
        "custom_exceptions": [getattr(e, "__name__", "?") for e in ip.custom_exceptions],
        "replaced": sorted(a for a in ("showtraceback", "showsyntaxerror", "run_cell", "run_cell_async",
                                       "run_ast_nodes", "run_code", "_showtraceback", "set_custom_exc")
                           if own(ip, a)) + sorted("kernel." + a for a in ("do_execute", "execute_request",
                                                                           "send_response")
                                                   if own(ip.kernel, a)),
        "excepthook": name(sys.excepthook), "displayhook": name(sys.displayhook),
        "builtins": sorted(k for k, v in vars(builtins).items()
                           if getattr(v, "__module__", "builtins") not in ("builtins", None, "sys")
                           and not k.startswith("_")),
        "course": {},
    }
    for modname in ("course.answer_checks", "course.validation", "course.scales", "course.screening"):
        module = sys.modules.get(modname)
        for key, value in sorted(vars(module).items()) if module else ():
            code = getattr(value, "__code__", None)
            if code is not None:
                facts["course"][f"{modname}.{key}"] = digest(code)
    return facts
"""

_LABELS = {
    "input_transformers_cleanup": "IPython input transformers",
    "input_transformers_post": "IPython input transformers",
    "line_transforms": "IPython line transformers",
    "token_transformers": "IPython token transformers",
    "ast_transformers": "IPython AST transformers",
    "custom_exceptions": "custom exception handlers",
    "excepthook": "sys.excepthook",
    "displayhook": "sys.displayhook",
}


def compare(seen: dict, clean: dict) -> list[str]:
    """What kernel A's probe shows changed, against a fresh kernel's (B's) probe, in plain words."""
    if not isinstance(seen, dict):
        return ["the kernel's state could not be read after the notebook ran"]
    found = []
    for key, label in _LABELS.items():
        if seen.get(key) != clean.get(key):
            found.append(f"{label} changed")
    events, clean_events = seen.get("events"), clean.get("events", {})
    if not isinstance(events, dict):
        found.append("IPython event callbacks unreadable")
    else:
        changed = sorted(e for e in set(events) | set(clean_events) if events.get(e) != clean_events.get(e))
        if changed:
            found.append("IPython event callbacks added (" + ", ".join(str(e) for e in changed)[:80] + ")")
    replaced = [r for r in seen.get("replaced") or [] if r not in clean.get("replaced", [])]
    if replaced:
        found.append("replaced " + ", ".join(str(r) for r in replaced)[:80])
    if seen.get("builtins") != clean.get("builtins"):
        found.append("builtins replaced")
    course, clean_course = seen.get("course"), clean.get("course", {})
    if not isinstance(course, dict):
        found.append("the course's functions unreadable")
    else:
        patched = sorted(k for k in clean_course if k in course and course[k] != clean_course[k])
        if patched:
            found.append("the course's functions patched (" + ", ".join(patched)[:80] + ")")
    return list(dict.fromkeys(found))
