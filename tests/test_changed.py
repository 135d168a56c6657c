"""``run --changed REF`` follows the import graph; ``--allow-violations`` runs a control."""
import subprocess
from pathlib import Path

import pytest

from checks import changed
from checks.cli import main
from claims import _registry

ROOT = Path(__file__).resolve().parents[1]


def test_import_graph_follows_helpers_and_models():
    g = changed.import_graph(ROOT)
    c = changed.closure(g, _registry.module_of("fpc.thm4.1"))
    assert {"claims._base", "models.data", "claims.fpc._common"} <= c
    assert "claims.tlc._common" not in c


def test_closure_follows_what_a_package_init_imports():
    # importing claims.p.k runs claims/__init__.py and claims/p/__init__.py, and what they import
    graph = {"claims.p.k": {"models.a"}, "claims.p": {"claims.p._x"}, "claims.p._x": {"models.b"},
             "claims": set(), "models.a": set(), "models.b": set(), "models.c": set()}
    assert changed.closure(graph, "claims.p.k") == {"claims", "claims.p", "claims.p.k", "claims.p._x", "models",
                                                    "models.a", "models.b"}


def test_select_picks_claims_whose_imports_changed(monkeypatch):
    claims = _registry.all_claims()
    monkeypatch.setattr(changed, "changed_files", lambda root, ref: {"models/probe.py"})
    chosen, _ = changed.select(claims, ROOT, "HEAD")
    assert "tlc.tab1" in chosen and "fpc.eq3.2" not in chosen
    monkeypatch.setattr(changed, "changed_files", lambda root, ref: {"claims/fpc/eq3_2.py"})
    assert changed.select(claims, ROOT, "HEAD")[0] == ["fpc.eq3.2"]
    monkeypatch.setattr(changed, "changed_files", lambda root, ref: {"README.md"})
    assert changed.select(claims, ROOT, "HEAD")[0] == []


@pytest.mark.skipif(subprocess.run(["git", "-C", str(ROOT), "rev-parse"], capture_output=True).returncode != 0,
                    reason="not a git checkout")
def test_unknown_ref_is_a_usage_error(tmp_path, capsys):
    assert main(["run", "--changed", "no-such-ref-xyz", "--results", str(tmp_path)]) == 2
    assert "no-such-ref-xyz" in capsys.readouterr().err


def test_allow_violations_on_the_cli_runs_a_marked_control(tmp_path, capsys):
    argv = ["run", "--claim", "fpc.def3.1", "--set", "init_scale=0.1", "--results", str(tmp_path)]
    assert main(argv) == 2 and "--allow-violations" in capsys.readouterr().err
    main(argv + ["--allow-violations"])
    import json
    r = json.loads((tmp_path / "fpc.def3.1.json").read_text())
    assert r["assumption_violations"] and r["verdict"] == "fails"


def test_imports_of_a_file_with_a_coding_line_are_read(tmp_path):
    f = tmp_path / "k.py"
    f.write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\nfrom models import c\n")
    assert "models.c" in changed._imports(f, "claims.p.k")
