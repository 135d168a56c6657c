"""The claim catalogue: a plain dict filled by :func:`register` (cf. Gymnasium's
``envs/registration.py``). Claim modules are discovered by importing every module under
``claims.<paper>``; a module registers its claim at import time.

Papers are declared where their claims live: every package ``claims/<short>/`` declares
``PAPER = Paper(...)`` in its ``__init__.py``. Installed packages contribute papers and claims
through the entry-point group ``mlclaims.claims``: each entry point names a package that
declares ``PAPER`` and holds one claim module per claim, exactly like ``claims/<short>/``.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
import sys

from models.errors import SuiteError
from models.util import natural_key

from ._base import Claim, Paper
from .errors import (
    AmbiguousClaim,
    DuplicateClaim,
    InvalidClaimId,
    UndeclaredPaper,
    UnknownClaim,
    UnknownPaper,
)

ENTRY_POINT_GROUP = "mlclaims.claims"

ID_PATTERN = r"^(?P<paper>[a-z]+)\.(?P<label>[a-z][A-Za-z0-9]*(?:[.\-][A-Za-z0-9]+)*)$"
_ID_RE = re.compile(ID_PATTERN)

_REGISTRY: dict[str, Claim] = {}
LOAD_ERRORS: dict[str, str] = {}   # module -> why it could not be imported
_loaded = False
_PAPERS: dict[str, Paper] = {}
_MODULES: dict[str, str] = {}          # claim id -> the module that registered it
_PAPER_PACKAGES: dict[str, str] = {}   # short name -> package holding its claim modules


def _declare(module, where: str) -> Paper:
    paper = getattr(module, "PAPER", None)
    if not isinstance(paper, Paper):
        raise UndeclaredPaper(module.__name__, where)
    if paper.short in _PAPER_PACKAGES and _PAPER_PACKAGES[paper.short] != module.__name__:
        raise DuplicateClaim(f"paper {paper.short!r} (declared by {_PAPER_PACKAGES[paper.short]} "
                             f"and {module.__name__})")
    _PAPERS[paper.short] = paper
    _PAPER_PACKAGES[paper.short] = module.__name__
    return paper


def papers() -> dict[str, Paper]:
    """Every declared paper by short name: the packages under ``claims/`` and the plugins.
    Imports the paper packages only (cheap), not their claim modules."""
    if _PAPERS:
        return dict(_PAPERS)
    from pathlib import Path

    import claims
    root = Path(claims.__file__).parent
    for info in sorted(pkgutil.iter_modules(claims.__path__), key=lambda i: i.name):
        if info.ispkg and not info.name.startswith("_"):
            mod = importlib.import_module(f"claims.{info.name}")
            _declare(mod, str(Path("claims") / info.name / "__init__.py"))
    for d in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        if any(d.glob("*.py")) and not (d / "__init__.py").exists():
            raise UndeclaredPaper(f"claims/{d.name}/", str(Path("claims") / d.name / "__init__.py"))
    for ep in _entry_points():
        try:
            _declare(ep.load(), f"the package of entry point {ep.name!r} ({ep.value})")
        except SuiteError:
            raise
        except Exception as exc:  # a broken plugin must not hide the built-in catalogue
            LOAD_ERRORS[f"plugin {ep.name} ({ep.value})"] = f"{type(exc).__name__}: {exc}"
    return dict(_PAPERS)


def _entry_points():
    from importlib.metadata import entry_points
    return list(entry_points(group=ENTRY_POINT_GROUP))


def paper_title(short: str) -> str:
    p = papers().get(short)
    return p.title if p else short


def register(claim: Claim) -> Claim:
    """Add ``claim`` to the catalogue; its id must match the grammar and be new."""
    m = _ID_RE.match(claim.id)
    if not m:
        raise InvalidClaimId(claim.id, ID_PATTERN)
    known = papers()
    if m["paper"] not in known:
        raise UnknownPaper(m["paper"], known)
    if claim.source.paper != m["paper"]:
        raise InvalidClaimId(claim.id, f"{ID_PATTERN} with paper {claim.source.paper!r} (from its source)")
    if claim.id.lower() in {c.lower() for c in _REGISTRY}:
        raise DuplicateClaim(claim.id)
    _REGISTRY[claim.id] = claim
    module = _registering_module()
    if module is not None:
        _MODULES[claim.id] = module
    return claim


def _registering_module() -> str | None:
    """The claim module on the call stack of :func:`register` (the first caller in a paper's
    package that is not a ``_`` helper), so that a claim module imported before
    :func:`load_all` (by a test, or by a helper) is still recorded as the claim's home."""
    packages = set(_PAPER_PACKAGES.values())
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        package, _, leaf = name.rpartition(".")
        if package in packages and not leaf.startswith("_"):
            return name
        frame = frame.f_back
    return None


def load_all() -> None:
    """Import every claim module once (``claims/<paper>/*.py``, skipping ``_`` modules)."""
    global _loaded
    if _loaded:
        return
    for _paper, package in sorted(_packages().items()):
        pkg = importlib.import_module(package)
        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
            if not info.name.startswith("_"):
                name = f"{package}.{info.name}"
                before = set(_REGISTRY)
                try:
                    importlib.import_module(name)
                except Exception as exc:  # one broken claim module must not hide the others
                    LOAD_ERRORS[name] = f"{type(exc).__name__}: {exc}"
                for cid in set(_REGISTRY) - before:
                    _MODULES[cid] = name
    _loaded = True


def _packages() -> dict[str, str]:
    papers()
    return dict(_PAPER_PACKAGES)


def all_claims(paper: str | None = None) -> list[Claim]:
    load_all()
    if paper is not None and paper not in papers():
        raise UnknownPaper(paper, papers())
    return sorted((c for c in _REGISTRY.values() if paper is None or c.paper == paper),
                  key=lambda c: (c.paper, natural_key(c.label)))


def resolve(claim_id: str) -> str:
    """Full id for ``claim_id``; a bare label resolves when it is unique across papers."""
    load_all()
    key = claim_id.strip().lower()
    by_lower = {cid.lower(): cid for cid in _REGISTRY}
    if key in by_lower:
        return by_lower[key]
    if "." in key and key.split(".", 1)[0] in papers():
        raise UnknownClaim(claim_id, _REGISTRY)
    candidates = [cid for cid in _REGISTRY if cid.split(".", 1)[1].lower() == key]
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        raise AmbiguousClaim(claim_id, candidates)
    raise UnknownClaim(claim_id, _REGISTRY)


def module_of(claim_id: str) -> str | None:
    """The module that registered ``claim_id`` (None for a claim registered outside the catalogue)."""
    load_all()
    return _MODULES.get(claim_id)


def get(claim_id: str) -> Claim:
    return _REGISTRY[resolve(claim_id)]

