"""``python -m checks run --changed REF``: only the claims a change can affect.

A claim is selected when its module, or any project module it imports directly or through
other project modules (the import graph, read with ``ast`` from the files), differs between
the git ref REF and the working tree, committed or not (untracked files count as changed).
This is what a pull request's CI runs with REF = the target branch.
"""
from __future__ import annotations

import ast
import subprocess
from pathlib import Path

from .errors import BadRef

PACKAGES = ("claims", "models", "checks", "report")


def repo_root() -> Path:
    """The folder holding the project's packages (claims/, checks/, models/, report/)."""
    return Path(__file__).resolve().parents[1]


def _git(root: Path, *args: str) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BadRef(args[-1], f"git could not run ({exc})") from exc
    if out.returncode != 0:
        raise BadRef(args[-1], out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "git failed")
    return out.stdout


def changed_files(root: Path, ref: str) -> set[str]:
    """Paths (relative to ``root``) that differ between ``ref`` and the working tree."""
    _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    diff = _git(root, "diff", "--name-only", ref, "--")
    untracked = _git(root, "ls-files", "--others", "--exclude-standard")
    return {p for p in (diff + untracked).splitlines() if p.endswith(".py")}


def module_of(root: Path, path: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, module: str) -> set[str]:
    """Project modules imported by the file (absolute and relative imports)."""
    try:
        tree = ast.parse(path.read_bytes())            # bytes: a coding line is honoured
    except (OSError, SyntaxError, ValueError):       # unreadable, not Python, or not in its coding
        return set()
    pkg = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = pkg.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            out.add(base)
            out |= {f"{base}.{a.name}" for a in node.names}
    return {m for m in out if m.split(".")[0] in PACKAGES}


def module_files(root: Path) -> dict[str, Path]:
    """module -> its source file, for every ``.py`` file of the project's packages (a package is its
    ``__init__.py``)."""
    return {module_of(root, p): p for pkg in PACKAGES for p in (root / pkg).rglob("*.py")}


def import_graph(root: Path, files: dict[str, Path] | None = None) -> dict[str, set[str]]:
    """module -> project modules it imports (only modules that exist as files); ``files`` is
    :func:`module_files` of ``root`` where the caller has it already."""
    files = module_files(root) if files is None else files
    graph = {}
    for mod, path in files.items():
        deps = set()
        for m in _imports(path, mod):
            while m and m not in files:          # `from models.data import DataConfig` -> models.data
                m = m.rsplit(".", 1)[0] if "." in m else ""
            if m and m != mod:
                deps.add(m)
        graph[mod] = deps
    return graph


def closure(graph: dict[str, set[str]], start: str) -> set[str]:
    """``start`` and every module it imports, transitively; importing ``a.b.c`` runs ``a`` and ``a.b``
    (their ``__init__``) too, and what those import."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        mod = todo.pop()
        parts = mod.split(".")
        for m in [".".join(parts[:i]) for i in range(1, len(parts))] + [mod]:
            if m not in seen:
                seen.add(m)
                todo.append(m)
        todo.extend(dep for dep in graph.get(mod, ()) if dep not in seen)
    return seen


def select(claims, root: Path, ref: str) -> tuple[list[str], set[str]]:
    """(ids of the claims a change between ``ref`` and the working tree can affect, changed files)."""
    changed = changed_files(root, ref)
    changed_mods = {module_of(root, root / p) for p in changed if p.split("/")[0] in PACKAGES}
    graph = import_graph(root)
    from claims import _registry
    chosen = []
    for c in claims:
        mod = _registry.module_of(c.id) or ""
        if mod and closure(graph, mod) & changed_mods:
            chosen.append(c.id)
    return chosen, changed
