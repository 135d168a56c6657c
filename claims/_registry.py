"""The claim catalogue: a plain dict filled by :func:`register` (cf. Gymnasium's
``envs/registration.py``). Claim modules are discovered by importing every module under
``claims.<paper>``; a module registers its claim at import time.
"""
from __future__ import annotations

import importlib
import pkgutil
import re

from models.errors import (AmbiguousClaim, DuplicateClaim, InvalidClaimId, UnknownClaim,
                           UnknownPaper)

from ._base import PAPERS, Claim

ID_PATTERN = r"^(?P<paper>[a-z]+)\.(?P<label>[a-z][A-Za-z0-9]*(?:[.\-][A-Za-z0-9]+)*)$"
_ID_RE = re.compile(ID_PATTERN)

_REGISTRY: dict[str, Claim] = {}
LOAD_ERRORS: dict[str, str] = {}   # module -> why it could not be imported
_loaded = False


def register(claim: Claim) -> Claim:
    """Add ``claim`` to the catalogue; its id must match the grammar and be new."""
    m = _ID_RE.match(claim.id)
    if not m:
        raise InvalidClaimId(claim.id, ID_PATTERN)
    if m["paper"] not in PAPERS:
        raise UnknownPaper(m["paper"], PAPERS)
    if claim.source.paper != m["paper"]:
        raise InvalidClaimId(claim.id, f"{ID_PATTERN} with paper {claim.source.paper!r} (from its source)")
    if claim.id.lower() in {c.lower() for c in _REGISTRY}:
        raise DuplicateClaim(claim.id)
    _REGISTRY[claim.id] = claim
    return claim


def load_all() -> None:
    """Import every claim module once (``claims/<paper>/*.py``, skipping ``_`` modules)."""
    global _loaded
    if _loaded:
        return
    for paper in PAPERS:
        pkg = importlib.import_module(f"claims.{paper}")
        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
            if not info.name.startswith("_"):
                name = f"claims.{paper}.{info.name}"
                try:
                    importlib.import_module(name)
                except Exception as exc:  # one broken claim module must not hide the others
                    LOAD_ERRORS[name] = f"{type(exc).__name__}: {exc}"
    _loaded = True


def all_claims(paper: str | None = None) -> list[Claim]:
    load_all()
    if paper is not None and paper not in PAPERS:
        raise UnknownPaper(paper, PAPERS)
    return sorted((c for c in _REGISTRY.values() if paper is None or c.paper == paper),
                  key=lambda c: (c.paper, _natural(c.label)))


def resolve(claim_id: str) -> str:
    """Full id for ``claim_id``; a bare label resolves when it is unique across papers."""
    load_all()
    key = claim_id.strip().lower()
    by_lower = {cid.lower(): cid for cid in _REGISTRY}
    if key in by_lower:
        return by_lower[key]
    if "." in key and key.split(".", 1)[0] in PAPERS:
        raise UnknownClaim(claim_id, _REGISTRY)
    candidates = [cid for cid in _REGISTRY if cid.split(".", 1)[1].lower() == key]
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        raise AmbiguousClaim(claim_id, candidates)
    raise UnknownClaim(claim_id, _REGISTRY)


def get(claim_id: str) -> Claim:
    return _REGISTRY[resolve(claim_id)]


def _natural(label: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", label)]
