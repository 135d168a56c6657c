"""Declared costs and the run-time projection (checks/estimate.py): fast, no real timing."""
from __future__ import annotations

import dataclasses
import json

import pytest

from checks import cli, estimate
from claims import Claim, Measurement, Source, _registry
from claims._cost import Work


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MLCLAIMS_CACHE", str(tmp_path / "cache"))


def _numerical(paper):
    return [c for c in _registry.all_claims(paper) if c.check is not None and not c.not_checkable]


@pytest.mark.parametrize("paper", ["fpc", "ssl"])
def test_every_numerical_claim_declares_positive_work(paper):
    missing = [c.id for c in _numerical(paper) if c.cost is None]
    assert not missing, f"claims with a numerical check but no cost= (see claims/_cost.py): {missing}"
    for c in _numerical(paper):
        for prof in ("quick", "full"):
            works = estimate.works_of(c, prof)
            assert works, f"{c.id} ({prof}) declares no work"
            for w in works:
                assert isinstance(w, Work) and w.count > 0 and w.points >= 1, (c.id, w)
                json.dumps(w.key())


def test_work_rejects_nonsense():
    with pytest.raises(ValueError, match="module:function"):
        Work("no_colon", {})
    with pytest.raises(ValueError, match="count must be > 0"):
        Work("m:f", {}, count=0)


@dataclasses.dataclass(frozen=True)
class _Cfg:
    steps: int = 100


def _fake(deterministic=False, points=4):
    return Claim(id="demo.fake", title="t", statement="s", source=Source("demo", "here", "q"), config=_Cfg,
                 profiles={"quick": {}, "full": {"steps": 1000}}, deterministic=deterministic,
                 check=lambda cfg, ctx: Measurement({}),
                 cost=lambda cfg: [Work("m:step", {"P": 8}, count=cfg.steps * points, points=points, steps_arg="steps"),
                                   Work("m:call", {"n": 3}, count=2)])


TABLE = {Work("m:step", {"P": 8}, steps_arg="steps").key(): {"step_s": 0.01, "fixed_s": 1.0},
         Work("m:call", {"n": 3}).key(): {"step_s": 0.0, "fixed_s": 5.0}}


def _lookup(w):
    return TABLE.get(w.key())


def test_projection_arithmetic_replicates_and_workers():
    c = _fake()
    # one replicate: step work 4 points x 1 s fixed + 400 steps x 0.01 s = 8 s; call work 2 x 5 s = 10 s
    pr = estimate.project(c, "quick", _lookup, replicates=1, workers=1)
    assert pr.cpu_s == pytest.approx(18.0) and pr.wall_s == pytest.approx(18.0)
    pr = estimate.project(c, "quick", _lookup, workers=2)            # quick: 3 replicates
    assert pr.replicates == 3
    assert pr.cpu_s == pytest.approx(54.0)
    # the 4 step points spread over 2 workers (8 s -> 4 s); the 1-point call work stays 10 s
    assert pr.wall_s == pytest.approx(3 * (4.0 + 10.0))
    full = estimate.project(c, "full", _lookup, workers=1)           # full: 5 replicates, 1000 steps
    assert full.replicates == 5 and full.cpu_s == pytest.approx(5 * (4 + 40 + 10))


def test_projection_deterministic_runs_once_and_reports_missing():
    pr = estimate.project(_fake(deterministic=True), "full", _lookup, replicates=7, workers=1)
    assert pr.replicates == 1
    pr = estimate.project(_fake(), "quick", lambda w: None)
    assert not pr.complete and len(pr.missing) == 2
    assert "not measured yet" in estimate.cpu_line(pr)


def test_an_early_stopping_run_is_shown_as_an_upper_bound():
    bounded = Claim(id="demo.bound", title="t", statement="s", source=Source("demo", "here", "q"), config=_Cfg,
                    check=lambda cfg, ctx: Measurement({}),
                    cost=lambda cfg: [Work("m:step", {"P": 8}, count=100, steps_arg="steps",
                                           upper_bound="runs stop early")])
    line = estimate.cpu_line(estimate.project(bounded, "quick", _lookup, replicates=1, workers=1))
    assert line.startswith("CPU: at most ") and "an upper bound: runs stop early" in line
    assert "upper bound" not in estimate.cpu_line(estimate.project(_fake(), "quick", _lookup, workers=1))
    assert "(bound)" in estimate.render_table({"quick": [estimate.project(bounded, "quick", _lookup)]}, "here")
    assert [w.upper_bound != "" for w in _registry.get("fpc.thm4.1-steps").cost(
        _registry.get("fpc.thm4.1-steps").resolve_config("quick"))] == [True] * 10


def test_measure_fits_and_extrapolates_along_scale(monkeypatch):
    calls = []

    def fake_time_once(work, sizes, clock=None, budget_s=None):       # cost ~ n^2 per step
        calls.append(sizes["n"])
        return 1e-3 * sizes["n"] ** 2, 0.0
    monkeypatch.setattr(estimate, "time_once", fake_time_once)
    w = Work("m:f", {"n": 400}, count=10, steps_arg="steps", scale={"n": None})
    e = estimate.measure(w, budget_s=1.0)
    assert calls == [100, 200] and "extrapolated along n" in e["how"]
    assert e["step_s"] == pytest.approx(1e-3 * 400 ** 2, rel=1e-6)
    calls.clear()
    e = estimate.measure(dataclasses.replace(w, sizes={"n": 8}), budget_s=1e6)   # cheap: measured at size
    assert calls[-1] == 8 and e["how"] == "measured at size"


def test_cache_round_trip_and_key(tmp_path):
    w = Work("m:f", {"P": (1, 2)}, steps_arg="steps")
    key = estimate.cache_key(w, "cpu x2", "2.0")
    assert key != estimate.cache_key(w, "cpu x4", "2.0") != estimate.cache_key(w, "cpu x2", "2.1")
    assert key != estimate.cache_key(w, "cpu x2", "2.0", code="another")     # timed on other code: stale
    assert Work("m:f", {"P": [1, 2]}, steps_arg="steps").key() == w.key()       # tuple vs list
    path = estimate.save_cache({key: {"step_s": 0.5, "fixed_s": 0.1}})
    assert path.is_relative_to(tmp_path)
    assert estimate.load_cache() == {key: {"step_s": 0.5, "fixed_s": 0.1}}
    path.write_text("{not json")
    assert estimate.load_cache() == {}


def test_concurrent_estimates_keep_each_others_timings(tmp_path):
    path = tmp_path / "step_costs.json"
    first = estimate.load_cache(path)                    # two estimates start from the same cache
    second = estimate.load_cache(path)
    first["a"] = {"step_s": 1.0}
    estimate.save_cache(first, path)
    second["b"] = {"step_s": 2.0}
    estimate.save_cache(second, path)                    # the later writer does not drop "a"
    assert estimate.load_cache(path) == {"a": {"step_s": 1.0}, "b": {"step_s": 2.0}}
    assert second == estimate.load_cache(path)


def test_code_version_follows_the_code_the_kernel_imports():
    def closure(kernel):
        return {f.relative_to(estimate._ROOT).as_posix() for f in estimate.code_files(kernel)}
    cl, fpc, check = closure("claims.ssl._common:run_cl"), closure("claims.fpc._thm_f:run_point"), \
        closure("checks.estimate:run_check")
    assert {"claims/ssl/_common.py", "claims/__init__.py", "claims/ssl/__init__.py", "models/contrastive.py",
            "models/data.py"} <= cl
    assert {"claims/fpc/_thm_f.py", "claims/fpc/_common.py", "models/data.py", "models/train.py"} <= fpc
    assert "models/contrastive.py" not in fpc                                # used by contrastive claims only
    assert check >= cl | fpc and "checks/cli.py" in check                   # a check runs whole claims
    fpc_v = estimate.code_version("claims.fpc._thm_f:run_point")
    assert fpc_v != estimate.code_version("claims.ssl._common:run_cl") and len(fpc_v) == 12
    assert estimate.code_files("claims.ssl._common:run_cl") == sorted(estimate.code_files("claims.ssl._common:run_cl"))


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A small fake project at ``tmp_path`` as the code root: call it with {relative path: source}."""
    def write(files):
        for name, text in files.items():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text(text)
        return tmp_path
    monkeypatch.setattr(estimate, "_ROOT", tmp_path)
    estimate.code_version.cache_clear()
    yield write
    estimate.code_version.cache_clear()                                     # no fake versions for later tests


def test_an_edit_to_the_kernels_code_makes_its_timing_stale(project):
    tmp_path = project({
        "models/__init__.py": "",
        "models/a.py": "from . import c\nx = 1\n",            # relative import: models/c.py
        "models/b.py": "y = 1\n",                                # imported by nobody
        "models/c.py": "z = 1\n",
        "models/d.py": "w = 1\n",
        "models/pkg/__init__.py": "v = 1\n",
        "models/pkg/sub.py": "u = 1\n",
        "claims/p/__init__.py": "from ._x import helper\n",     # a package __init__ runs on import
        "claims/p/_x.py": "def helper(): pass\n",
        "claims/p/k.py": "import torch\nimport models.a\nimport models.pkg.sub\nfrom models import missing\n\n\n"
                         "def k(steps):\n    from models import d\n    return d\n",   # imports inside functions count
        "claims/other.py": "t = 1\n",
    })
    (tmp_path / "claims/p/.#k.py").symlink_to(tmp_path / "gone.py")        # an editor's dangling lock link
    assert [f.relative_to(tmp_path).as_posix() for f in estimate.code_files("claims.p.k:k")] == [
        "claims/p/__init__.py", "claims/p/_x.py", "claims/p/k.py", "models/__init__.py", "models/a.py",
        "models/c.py", "models/d.py", "models/pkg/__init__.py", "models/pkg/sub.py"]
    w = Work("claims.p.k:k", {"n": 4}, steps_arg="steps")

    def key():
        estimate.code_version.cache_clear()
        return estimate.cache_key(w, "cpu x2", "2.0")
    before = key()
    for name in ("models/b.py", "claims/other.py"):                         # code the kernel does not import
        (tmp_path / name).write_text("changed = 1\n")
        assert key() == before, name
    (tmp_path / "claims/p/.#k.py").unlink()
    (tmp_path / "claims/p/.#k.py").write_text("an editor's lock file\n")
    assert key() == before
    for name in ("claims/p/k.py", "models/c.py", "claims/p/_x.py", "models/pkg/__init__.py", "models/d.py"):
        (tmp_path / name).write_text((tmp_path / name).read_text() + "# edited\n")
        assert key() != before, name
        before = key()
    assert estimate.gpu_key(w) != w.key()


def test_a_dynamic_import_brings_in_its_whole_folder(project):
    tmp_path = project({
        "claims/q/__init__.py": "",
        "claims/q/k.py": "import importlib\n\n\ndef k(name):\n    return importlib.import_module(name)\n",
        "claims/q/sub/z.py": "z = 1\n",
        "claims/q/y.py": "y = __import__('claims.q.sub.z')\n",
        "claims/r/plain.py": "import claims.q.y\n",
        "claims/other.py": "t = 1\n",
    })
    (tmp_path / "claims/q/.#k.py").symlink_to(tmp_path / "gone.py")        # dot-files are not code
    files = [f.relative_to(tmp_path).as_posix() for f in estimate.code_files("claims.q.k:k")]
    assert files == ["claims/q/__init__.py", "claims/q/k.py", "claims/q/sub/z.py", "claims/q/y.py"]
    assert "claims/q/sub/z.py" in [f.relative_to(tmp_path).as_posix() for f in estimate.code_files("claims.r.plain:f")]
    estimate.code_version.cache_clear()
    before = estimate.code_version("claims.q.k:k")
    (tmp_path / "claims/q/sub/z.py").write_text("z = 2\n")
    estimate.code_version.cache_clear()
    assert estimate.code_version("claims.q.k:k") != before


def millisecond_kernel(n: int, steps: int = 1) -> None:
    """A tiny real kernel for the timing path."""
    for _ in range(steps):
        sum(i * i for i in range(n))


def test_real_kernel_timing_is_nonnegative():
    step, fixed = estimate.time_once(Work("tests.test_estimate:millisecond_kernel", {"n": 2000}), {"n": 2000})
    assert step == 0.0 and fixed >= 0.0
    w = Work("tests.test_estimate:millisecond_kernel", {"n": 2000}, count=10, steps_arg="steps")
    step, fixed = estimate.time_once(w, {"n": 2000})
    assert step >= 0.0 and fixed >= 0.0


def test_gpu_line_without_table(tmp_path):
    c = _registry.get("ssl.mae-diverse")
    assert "not measured" in estimate.gpu_line(c, "full", table={"entries": {}})
    assert estimate.gpu_table(tmp_path / "none.json") is None


@pytest.mark.parametrize("argv, text", [
    (["estimate", "--claim", "no.such"], "unknown claim"),
    (["estimate", "--claim", "ssl.mae-diverse", "--budget", "-1"], "--budget"),
])
def test_cli_bad_input_exits_2(argv, text, capsys):
    assert cli.main(argv) == 2
    assert text in capsys.readouterr().err


def test_cli_bad_profile_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["estimate", "--profile", "slow"])
    assert exc.value.code == 2


def test_cli_estimate_no_measure_and_show(capsys):
    assert cli.main(["estimate", "--no-measure", "--claim", "ssl.mae-diverse", "--profile", "quick"]) == 0
    out = capsys.readouterr().out
    assert "ssl.mae-diverse" in out and "untimed" in out
    assert cli.main(["show", "ssl.mae-diverse"]) == 0
    out = capsys.readouterr().out
    assert "estimated time (quick): CPU: not measured yet" in out and "GPU: not measured" in out


def test_derivation_once_per_run_and_startup_once():
    c = dataclasses.replace(_fake(), derive=lambda cfg: None)
    works = estimate.works_of(c, "quick")
    der = [w for w in works if w.kernel == "checks.estimate:run_derive"]
    assert len(der) == 1 and not der[0].per_replicate
    table = {**TABLE, der[0].key(): {"step_s": 0.0, "fixed_s": 2.0}}
    startup = {"main_s": 4.0, "server_s": 2.0, "worker_s": 0.5}
    pr = estimate.project(c, "quick", lambda w: table.get(w.key()), replicates=3, workers=2, startup=startup)
    assert pr.cpu_s == pytest.approx(3 * 18.0 + 2.0)              # the derivation is not replicated
    assert pr.uses_pool and pr.startup_cpu_s == pytest.approx(4.0 + 2.0 + 2 * 0.5)
    assert pr.alone_cpu_s == pytest.approx(pr.cpu_s + 7.0)
    serial = estimate.project(c, "quick", lambda w: table.get(w.key()), workers=1, startup=startup)
    assert serial.startup_cpu_s == pytest.approx(4.0)                # no pool with one worker


def test_first_call_cost_once_per_process():
    table = {k: {**v, "first_s": 1.0} for k, v in TABLE.items()}
    pr = estimate.project(_fake(), "quick", lambda w: table.get(w.key()), replicates=3, workers=2)
    # the step work runs in 2 worker processes (2 x 1 s), the 1-point call work in one (1 s), once per run
    assert pr.cpu_s == pytest.approx(54.0 + 3.0)


def test_nested_scale_field_and_step_counts():
    sizes = {"data": {"P": 64, "K": 2}, "n": 3}
    assert estimate._get(sizes, "data.P") == 64 and estimate._at(sizes, "data.P", 16)["data"] == {"P": 16, "K": 2}
    assert sizes["data"]["P"] == 64                                    # not changed in place
    assert estimate._step_counts({"record_every": 25}) == (25, 100)
    assert estimate._step_counts({"eval_every": 50}, min_steps=120) == (150, 600)


def test_table_has_cpu_wall_and_one_startup(capsys):
    startup = {"main_s": 4.0, "server_s": 2.0, "worker_s": 0.5}
    c = _fake()
    pr = estimate.project(c, "quick", _lookup, workers=2, startup=startup)
    pr.claim = "fpc.demo"
    text = estimate.render_table({"quick": [pr, dataclasses.replace(pr)]}, "here")
    assert "quick CPU" in text and "quick wall" in text and "start-up, once per run" in text
    total = [ln for ln in text.splitlines() if ln.startswith("total")][0]
    assert estimate.hours(2 * 54 + 7) in total                         # two claims, one start-up


def test_memo_savings_follow_an_lru_of_replicate_runs():
    def pr_with(claim, key_size, replicates=3, cpu=10.0, size=4):
        w = Work("m:train", {"P": key_size}, count=100, steps_arg="steps", memo=f"m.cache/{size}")
        return estimate.Projection(claim, "full", replicates, 1, works=[(w, {}, cpu)])
    # A, A: the second claim finds all 3 replicate runs; B (3 runs) then evicts 2 of A's from a
    # cache of 4, and the third A, rerunning its first replicate, evicts its last: it finds none
    prs = [pr_with("x.a1", 8), pr_with("x.a2", 8), pr_with("x.b", 16), pr_with("x.a3", 8)]
    assert estimate.memo_savings(prs) == pytest.approx(3 * 10.0)
    big = [pr_with(p.claim, p.works[0][0].sizes["P"], size=6) for p in prs]     # room for A's and B's
    assert estimate.memo_savings(big) == pytest.approx(6 * 10.0)
    assert estimate.memo_savings([pr_with("x.a1", 8)]) == 0.0


@pytest.mark.parametrize("paper", ["fpc", "ssl"])
def test_show_states_full_profile_cpu_and_gpu_for_every_numerical_claim(paper):
    for c in _numerical(paper):
        lines = estimate.show_lines(c)
        full = [i for i, ln in enumerate(lines) if ln.startswith("estimated time (full): CPU:")]
        assert full, (c.id, lines)
        assert lines[full[0] + 1].strip().startswith("GPU:"), (c.id, lines)
