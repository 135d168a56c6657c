"""Contributors' workflow in a temporary copy of the repository: `checks new` scaffolds a claim
of a new paper touching no existing file; two real claims of a new paper run; a plugin package
installed next to the suite contributes its claims through the `mlclaims.claims` entry points."""
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    dst = tmp_path_factory.mktemp("clone") / "repo"
    files = _git(ROOT, "ls-files", "-co", "--exclude-standard").splitlines()
    for f in files:
        src = ROOT / f
        if src.is_file() and not f.startswith("tests/"):
            (dst / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / f)
    _git(dst, "init", "-q")
    _git(dst, "-c", "user.email=t@t", "-c", "user.name=t", "add", "-A")
    _git(dst, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "base")
    return dst


def _checks(repo, *args, env=None):
    e = {**os.environ, "PYTHONPATH": str(repo), **(env or {})}
    return subprocess.run([sys.executable, "-m", "checks", *args], cwd=repo, env=e,
                          capture_output=True, text=True, timeout=600)


def _only_new_files(repo):
    status = _git(repo, "status", "--porcelain", "--untracked-files=all").splitlines()
    assert status and all(line.startswith("??") for line in status), status
    return [line[3:] for line in status]


def test_new_scaffolds_a_claim_of_a_new_paper(repo, tmp_path):
    r = _checks(repo, "new", "demo.thm1", "--title", "A demo paper", "--kind", "theorem")
    assert r.returncode == 0, r.stderr
    new = _only_new_files(repo)
    assert set(new) == {"claims/demo/__init__.py", "claims/demo/thm1.py", "tests/test_demo_thm1.py"}
    r = _checks(repo, "list", "--paper", "demo", "--json")
    assert r.returncode == 0 and [c["id"] for c in json.loads(r.stdout)] == ["demo.thm1"]
    r = _checks(repo, "run", "--claim", "demo.thm1", "--results", str(tmp_path / "res"))
    assert r.returncode == 0 and "check not written yet" in r.stdout and "skipped" in r.stdout
    again = _checks(repo, "new", "demo.thm1")
    assert again.returncode == 2 and "already exists" in again.stderr


def test_new_paper_needs_a_title_and_bad_ids_exit_2(repo):
    r = _checks(repo, "new", "other.lem1")
    assert r.returncode == 2 and "--title" in r.stderr
    r = _checks(repo, "new", "Bad.id!")
    assert r.returncode == 2 and "not a claim id" in r.stderr


def test_undeclared_paper_folder_is_a_clear_error(repo):
    (repo / "claims" / "ghost").mkdir()
    (repo / "claims" / "ghost" / "x.py").write_text("")
    try:
        r = _checks(repo, "list")
        assert r.returncode == 2 and "claims/ghost/__init__.py" in r.stderr
    finally:
        shutil.rmtree(repo / "claims" / "ghost")


REAL_CLAIMS = {
    "claims/twin/__init__.py": '''
        from claims import Paper
        PAPER = Paper(short="twin", title="Two real claims", authors="A. Author", reference="a test")
    ''',
    "claims/twin/eq1.py": '''
        from dataclasses import dataclass
        import sympy as sp
        from claims import Claim, Derivation, Measurement, Prediction, Source, register
        from claims._sym import identity

        @dataclass(frozen=True)
        class Config:
            x: float = 0.3

        def derive(cfg):
            t = sp.symbols("t", real=True)
            return Derivation((identity("pyth", sp.sin(t) ** 2 + sp.cos(t) ** 2, sp.Integer(1), "sin^2 + cos^2 = 1"),))

        def check(cfg, ctx):
            import math
            return Measurement({"residual": abs(math.sin(cfg.x) ** 2 + math.cos(cfg.x) ** 2 - 1)})

        CLAIM = register(Claim(id="twin.eq1", title="Pythagoras", kind="equation", statement="sin^2 + cos^2 = 1",
                               source=Source("twin", "Eq. 1", "sin squared plus cos squared is one"),
                               config=Config, deterministic=True, derive=derive, check=check,
                               predictions=lambda c: (Prediction("residual", "identity at x", "<=", 1e-12),)))
    ''',
    "claims/twin/lln.py": '''
        from dataclasses import dataclass
        import numpy as np
        from claims import Claim, Measurement, Prediction, Source, register

        @dataclass(frozen=True)
        class Config:
            n: int = 20000

        def check(cfg, ctx):
            x = np.random.default_rng(ctx.seed).uniform(size=cfg.n)
            return Measurement({"mean_error": abs(float(x.mean()) - 0.5)})

        CLAIM = register(Claim(id="twin.lln", title="Sample means converge", kind="theorem",
                               statement="the mean of n uniforms is within 0.02 of 1/2",
                               source=Source("twin", "Thm 2", "the mean converges"), config=Config,
                               profiles={"quick": {}, "full": {"n": 10**6}}, check=check,
                               not_algebraic="a statement about samples",
                               predictions=lambda c: (Prediction("mean_error", "close to 1/2", "<=", 0.02),)))
    ''',
}


def test_adding_a_paper_with_two_real_claims_touches_no_existing_file(repo, tmp_path):
    for rel, text in REAL_CLAIMS.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(textwrap.dedent(text))
    r = _checks(repo, "run", "--paper", "twin", "--results", str(tmp_path / "res"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("holds") >= 2
    assert all(p.startswith(("claims/twin/", "claims/demo/", "tests/test_demo")) for p in _only_new_files(repo))
    res = json.loads((tmp_path / "res" / "twin.lln.json").read_text())
    assert res["paper_title"] == "Two real claims" and res["numeric"]["replicates"] == 3


def test_plugin_package_contributes_claims_through_entry_points(repo, tmp_path):
    pkg = tmp_path / "plugin"
    (pkg / "plugclaims").mkdir(parents=True)
    (pkg / "plugclaims" / "__init__.py").write_text(textwrap.dedent('''
        from claims import Paper
        PAPER = Paper(short="plug", title="A paper shipped as a plugin", reference="a test")
    '''))
    (pkg / "plugclaims" / "eq1.py").write_text(textwrap.dedent(REAL_CLAIMS["claims/twin/eq1.py"])
                                               .replace("twin", "plug"))
    (pkg / "pyproject.toml").write_text(textwrap.dedent('''
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "plugclaims"
        version = "0.1"
        [project.entry-points."mlclaims.claims"]
        plug = "plugclaims"
        [tool.setuptools]
        packages = ["plugclaims"]
    '''))
    target = tmp_path / "site"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                          "--no-index", "--target", str(target), str(pkg)], capture_output=True, text=True)
    assert pip.returncode == 0, pip.stderr
    env = {"PYTHONPATH": f"{repo}{os.pathsep}{target}"}
    r = _checks(repo, "list", "--paper", "plug", "--json", env=env)
    assert r.returncode == 0, r.stderr
    assert [c["id"] for c in json.loads(r.stdout)] == ["plug.eq1"]
    r = _checks(repo, "run", "--claim", "plug.eq1", "--results", str(tmp_path / "res"), env=env)
    assert r.returncode == 0 and "holds" in r.stdout, r.stdout + r.stderr
