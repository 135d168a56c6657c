"""The data flows one way: models <- claims <- checks -> result JSON (report.result) -> report.
Read from the import graph of the source files (checks/changed.py), not from a running process."""
from pathlib import Path

import networkx as nx

from checks.changed import import_graph

ROOT = Path(__file__).resolve().parents[1]
GRAPH = import_graph(ROOT)


def _pkg(mod: str) -> str:
    return mod.split(".")[0]


def _edges():
    return {(a, b) for a, deps in GRAPH.items() for b in deps}


def test_models_import_nothing_of_the_upper_layers():
    bad = sorted((a, b) for a, b in _edges() if _pkg(a) == "models" and _pkg(b) != "models")
    assert not bad, bad


def test_report_imports_nothing_of_claims_or_checks():
    bad = sorted((a, b) for a, b in _edges() if _pkg(a) == "report" and _pkg(b) in ("claims", "checks"))
    assert not bad, bad


def test_claims_import_nothing_of_checks_or_report():
    bad = sorted((a, b) for a, b in _edges() if _pkg(a) == "claims" and _pkg(b) in ("checks", "report"))
    assert not bad, bad


def test_no_package_level_cycle():
    g = nx.DiGraph()
    g.add_edges_from((_pkg(a), _pkg(b)) for a, b in _edges() if _pkg(a) != _pkg(b))
    assert nx.is_directed_acyclic_graph(g), list(nx.simple_cycles(g))


def _is_claim_module(mod: str) -> bool:
    parts = mod.split(".")
    return len(parts) == 3 and parts[0] == "claims" and not parts[2].startswith("_")


def test_no_claim_module_imports_another_claim_module():
    bad = sorted((a, b) for a, b in _edges() if _is_claim_module(a) and _is_claim_module(b))
    assert not bad, bad


def test_no_helper_imports_a_claim_module():
    """Helpers (claims/<paper>/_x.py, claims/_x.py) serve claim modules and never import one, not
    even inside a function: otherwise every claim that uses the helper depends on that claim (a
    cycle, and `run --changed` selecting claims a change cannot affect)."""
    def helper(mod):
        parts = mod.split(".")
        return parts[0] == "claims" and parts[-1].startswith("_") and parts[-1] != "__init__"
    bad = sorted((a, b) for a, b in _edges() if helper(a) and _is_claim_module(b))
    assert not bad, bad


def test_no_paper_imports_another_papers_private_helper():
    """claims/<paper>/_x.py belongs to that paper; what papers share lives in claims/_*.py."""
    def paper(mod):
        parts = mod.split(".")
        return parts[1] if len(parts) == 3 and parts[0] == "claims" and not parts[1].startswith("_") else None
    bad = sorted((a, b) for a, b in _edges() if paper(a) and paper(b) and paper(a) != paper(b))
    assert not bad, bad


def test_claim_modules_are_named_after_their_ids():
    """One naming rule (checks.scaffold.module_name): the label's own case, dots and dashes as
    underscores, so ``fpc.lemA.10`` lives in ``claims/fpc/lemA_10.py``."""
    from checks.scaffold import module_name
    from claims import _registry

    _registry.load_all()
    assert not _registry.LOAD_ERRORS, _registry.LOAD_ERRORS
    bad = []
    for claim in _registry.all_claims():
        paper, label = claim.id.split(".", 1)
        if _registry.module_of(claim.id) != f"claims.{paper}.{module_name(label)}":
            bad.append((claim.id, _registry.module_of(claim.id)))
    assert not bad, bad
