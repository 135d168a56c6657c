"""Small claims whose results are frozen in ``tests/fixtures/results`` for the report tests.

They are registered only by :func:`register_all`, which ``python tests/test_report_fixtures.py``
calls before evaluating them with ``checks.runner.evaluate`` and writing the results; the test
suite never registers them. Together with the real ``fpc.eq3.2`` they cover every verdict
(holds, fails, inconclusive, error, skipped), every plot kind plus an unknown one and a
malformed one, MathML obligations, a refuted obligation, a dependency with no result, and a
claim that holds while a dependency fails. Titles say "Fixture" so no reader mistakes them
for findings about the papers.
"""
from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sympy as sp
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checks import runner  # noqa: E402
from claims import Claim, Derivation, Measurement, Prediction, Source, register  # noqa: E402
from claims._base import Assumption  # noqa: E402
from claims._sym import fact, identity  # noqa: E402
from models.attention import ReducedMIM  # noqa: E402
from models.data import DataConfig, Distribution  # noqa: E402
from models.train import Recorder, gradient_descent  # noqa: E402
from report import result as store  # noqa: E402

OUT = ROOT / "tests" / "fixtures" / "results"
QUOTE = "fixture for the report tests; not a statement of the papers"


# ----------------------------------------------------------------------------- holds: trajectories
@dataclass(frozen=True)
class TrajConfig:
    P: int = 32
    n: int = 128            # images in the batch
    steps: int = 60         # GD steps
    lr: float = 1.0


def traj_check(cfg, ctx) -> Measurement:
    dist = Distribution(DataConfig(P=cfg.P, K=2, kappa_c=0.9, kappa_s=0.2))
    b = dist.sample(cfg.n, ctx.torch_generator())
    model = ReducedMIM(dist, dtype=torch.float64)
    glob = (dist.area[0] == 0)                                            # (P,) global positions, cluster 0

    def record(state):
        fwd = model(b)
        own_A = fwd.A.gather(2, fwd.own[..., None])[..., 0]              # (n, m) own-area attention
        is_g = (fwd.own == 0)
        return {"fp_global": model.Phi[glob, 0].mean(), "fp_local": model.Phi[~glob, 1:dist.N].mean(),
                "pp_mean": model.Ups.mean(), "attn_global": own_A[is_g].mean(), "attn_local": own_A[~is_g].mean(),
                "loss": state.loss}
    rec = Recorder(record)
    gradient_descent([model.Phi, model.Ups], lambda: model(b).loss, steps=cfg.steps, lr=cfg.lr, callbacks=[rec],
                     record_every=5)
    col = {k: [float(r[k]) for r in rec.rows] for k in rec.rows[0]}
    return Measurement(
        values={"loss_drop": col["loss"][0] - col["loss"][-1], "local_attn_gain": col["attn_local"][-1] - col["attn_local"][0]},
        evidence={"loss_start": col["loss"][0], "loss_end": col["loss"][-1], "n_areas": dist.N},
        series={"correlations": {"x": rec.steps, "ys": {"FP, global area": col["fp_global"], "FP, local areas": col["fp_local"],
                                                        "PP, mean": col["pp_mean"]},
                                 "xlabel": "GD step", "ylabel": "correlation", "kind": "line", "logx": False, "logy": False},
                "area attention": {"x": rec.steps, "ys": {"global area": col["attn_global"], "local areas": col["attn_local"]},
                                   "xlabel": "GD step", "ylabel": "own-area attention", "kind": "line"}})


def traj_derive(cfg) -> Derivation:
    x, c = sp.symbols("x c", positive=True)
    s = sp.exp(x) / (sp.exp(x) + c)
    return Derivation((identity("softmax_derivative", sp.diff(s, x), s * (1 - s),
                                "d/dx e^x/(e^x + c) = s (1 - s): attention grows along its own logit"),))


# ----------------------------------------------------------------------------- fails: perturbed exponent
@dataclass(frozen=True)
class SweepConfig:
    sizes: tuple = (32, 64, 128, 256, 512)
    kappa_c: float = 0.9
    gamma: float = 0.5
    n: int = 64
    perturb: float = 0.3    # added to the predicted exponent: a false-case control


def sweep_point(P: int, kappa_c: float, gamma: float, n: int, seed: int) -> dict:
    dist = Distribution(DataConfig(P=P, K=1, kappa_c=kappa_c, kappa_s=0.2, gamma=gamma))
    b = dist.sample(n, torch.Generator().manual_seed(seed))
    fwd = ReducedMIM(dist, dtype=torch.float64)(b)                       # Q = 0: uniform attention
    approx = dist.sizes_per_area[0] * (1 - gamma) / P                   # C_g (1 - gamma) / P
    return {"P": P, "mc": float(fwd.A[..., 0].detach().mean()), "approx": approx}


def sweep_check(cfg, ctx) -> Measurement:
    pts = ctx.map(sweep_point, [{"P": P, "kappa_c": cfg.kappa_c, "gamma": cfg.gamma, "n": cfg.n, "seed": ctx.seed * 100 + i}
                                for i, P in enumerate(cfg.sizes)])
    lx, ly = np.log([p["P"] for p in pts]), np.log([p["mc"] for p in pts])
    (slope, icpt), cov = np.polyfit(lx, ly, 1, cov=True)
    fit_y = np.exp(icpt + slope * lx)
    return Measurement(
        values={"exponent": float(slope)}, evidence={"exponent_stderr": float(math.sqrt(cov[0, 0])), "points": pts},
        series={"global attention vs P": {
            "x": [p["P"] for p in pts], "ys": {"Monte Carlo": [p["mc"] for p in pts], "C_g (1 - gamma) / P": [p["approx"] for p in pts]},
            "xlabel": "P", "ylabel": "area attention to the global area at Q = 0", "logx": True, "logy": True,
            "kind": "scatter", "fit": {"label": "least-squares fit", "x": [p["P"] for p in pts], "y": fit_y.tolist(),
                                       "slope": float(slope), "stderr": float(math.sqrt(cov[0, 0]))}}})


def sweep_predictions(cfg):
    target = cfg.kappa_c - 1 + cfg.perturb
    return (Prediction("exponent", f"attention to the global area scales as P^{target:.2f}", "within", target, 0.05),)


def sweep_derive(cfg) -> Derivation:
    P, kc, g = sp.symbols("P kappa_c gamma", positive=True)
    expr = sp.log(P ** kc * (1 - g) / P)
    return Derivation((identity("exponent", sp.diff(expr, P) * P, kc - 1 + sp.nsimplify(cfg.perturb),
                                "d log E[A_global] / d log P = kappa_c - 1 (+ perturbation)"),))


# ----------------------------------------------------------------------------- inconclusive: phase diagram
@dataclass(frozen=True)
class PhaseConfig:
    P: int = 64
    seeds: int = 8


def phase_check(cfg, ctx) -> Measurement:
    gammas = [0.2, 0.35, 0.5, 0.65, 0.8]
    kappas = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    z = []
    for k in kappas:
        C = max(1, round(cfg.P ** k))
        z.append([math.comb(cfg.P - C, round(g * cfg.P) - C) / math.comb(cfg.P, round(g * cfg.P))
                  if C <= round(g * cfg.P) else 0.0 for g in gammas])
    boxes = {}
    for g in (0.5, 0.8):
        dist = Distribution(DataConfig(P=cfg.P, K=1, kappa_c=0.9, kappa_s=0.3, gamma=g))
        local = dist.area[0] == 1
        vals = []
        for s in range(cfg.seeds):
            b = dist.sample(256, ctx.torch_generator(s))
            vals.append(float(b.mask[:, local].all(1).double().mean()))
        boxes[f"gamma={g}"] = vals
    return Measurement(
        values={"boundary_kappa_s": float("nan")},
        undecided={"boundary_kappa_s": f"at P={cfg.P} the transition spans the whole kappa_s grid; "
                                       "the boundary needs P >= 4096 (full profile)"},
        series={"phase diagram": {"x": gammas, "y": kappas, "z": z, "xlabel": "masking ratio gamma",
                                  "ylabel": "kappa_s", "zlabel": "P(local area fully masked)", "kind": "heatmap"},
                "full-mask frequency per seed": {"ys": boxes, "ylabel": "frequency (256 images)", "kind": "box"}})


# ----------------------------------------------------------------------------- holds, but rests on failing deps
@dataclass(frozen=True)
class EYMConfig:
    n: int = 40
    d: int = 24
    k: int = 4
    trials: int = 200


def eym_check(cfg, ctx) -> Measurement:
    M = ctx.rng.standard_normal((cfg.n, cfg.d))
    U, s, Vt = np.linalg.svd(M, full_matrices=False)
    Mk = (U[:, :cfg.k] * s[:cfg.k]) @ Vt[:cfg.k]
    err = float(np.linalg.norm(M - Mk) ** 2)
    tail = float((s[cfg.k:] ** 2).sum())
    rand = []
    for _ in range(cfg.trials):
        Qm, _ = np.linalg.qr(ctx.rng.standard_normal((cfg.d, cfg.k)))
        rand.append(float(np.linalg.norm(M - M @ Qm @ Qm.T) ** 2))
    return Measurement(
        values={"tail_rel_diff": abs(err - tail) / tail, "random_minus_svd": min(rand) - err},
        evidence={"svd_error": err, "best_random_error": min(rand)},
        series={"singular values": {"x": list(range(1, len(s) + 1)), "ys": {"sigma_i": s.tolist()}, "xlabel": "i",
                                    "ylabel": "singular value", "logy": True, "kind": "line"},
                "errors of random rank-k projections": {"ys": {"random": rand, "SVD": [err]}, "kind": "box"},
                "spectrum by trial": {"kind": "surface3d", "x": [0, 1, 2], "z": [[1, 2, 3], [4, 5, 6]]},
                "malformed": {"kind": "line", "x": [1, 2, 3], "ys": {"broken": "not a list"}}})


def eym_predictions(cfg):
    return (Prediction("tail_rel_diff", "||M - M_k||_F^2 equals the sum of the discarded sigma_i^2", "<=", 1e-10),
            Prediction("random_minus_svd", "no random rank-k projection beats the truncated SVD", ">=", 0.0))


# ----------------------------------------------------------------------------- error and skipped
@dataclass(frozen=True)
class ErrorConfig:
    lr: float = -0.1        # a step size the trainer refuses


def error_check(cfg, ctx) -> Measurement:
    w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    gradient_descent([w], lambda: ((w - 1) ** 2).sum(), steps=5, lr=cfg.lr)
    return Measurement(values={"w_norm": float(w.norm())})


def error_derive(cfg) -> Derivation:
    x = sp.Symbol("x", positive=True)
    root = sp.solve(sp.Eq(x ** 2 + 1, 0), x)[0]                         # no positive root: IndexError
    return Derivation((fact("root", "x^2 + 1 = 0 has a positive root", True, "", root),))


def register_all() -> list[str]:
    src = lambda paper, sec: Source(paper, sec, QUOTE)  # noqa: E731
    claims = [
        Claim(id="fpc.fixture-trajectory", title="Fixture: GD trajectories of FP/PP correlations and area attention",
              statement="Fixture. Under GD from Q = 0 the loss drops and local areas' own-area attention grows.",
              source=src("fpc", "fixture, Section 4 style"), kind="fixture", depends_on=("fpc.eq3.2",),
              assumptions=(Assumption.integer("P", 8),), config=TrajConfig,
              predictions=lambda c: (Prediction("loss_drop", "the loss decreases", ">", 0.0),
                                     Prediction("local_attn_gain", "own-area attention of local queries grows", ">", 0.0)),
              check=traj_check, derive=traj_derive),
        Claim(id="fpc.fixture-sweep", title="Fixture: global-area attention at Q = 0 vs P (perturbed exponent)",
              statement="Fixture, false-case control. Predicts the exponent kappa_c - 1 + perturb (0.3): wrong on purpose.",
              source=src("fpc", "fixture, sweep with fitted exponent"), kind="fixture", config=SweepConfig,
              predictions=sweep_predictions, check=sweep_check, derive=sweep_derive),
        Claim(id="ssl.fixture-phase", title="Fixture: phase diagram of full-mask probability (undecided at this scale)",
              statement="Fixture. The boundary in (gamma, kappa_s) cannot be located at P = 64.",
              source=src("ssl", "fixture, phase diagram"), kind="fixture", config=PhaseConfig,
              predictions=lambda c: (Prediction("boundary_kappa_s", "the boundary lies at kappa_s = 1/2", "within", 0.5, 0.05),),
              check=phase_check, not_algebraic="a location read off a sweep, not an identity"),
        Claim(id="tlc.fixture-eym", title="Fixture: Eckart-Young-Mirsky on a random matrix (depends on a failing claim)",
              statement="Fixture. The truncated SVD is the best rank-k approximation in Frobenius norm.",
              source=src("tlc", "fixture, Section 3.2 style"), kind="fixture", config=EYMConfig,
              depends_on=("fpc.fixture-sweep", "tlc.asm4.1"), predictions=eym_predictions, check=eym_check,
              not_algebraic="optimality over all rank-k matrices; checked against random projections"),
        Claim(id="tlc.fixture-error", title="Fixture: a check and a derivation that raise",
              statement="Fixture. The trainer refuses a negative step size; the derivation hits a bug.",
              source=src("tlc", "fixture, errors"), kind="fixture", config=ErrorConfig,
              depends_on=("tlc.fixture-eym", "tlc.thm4.3"),
              predictions=lambda c: (Prediction("w_norm", "GD reaches w = 1", "within", math.sqrt(3), 1e-3),),
              check=error_check, derive=error_derive),
        Claim(id="tlc.fixture-skipped", title="Fixture: a statement whose equations were lost",
              statement="Fixture. Cannot be encoded.", source=src("tlc", "fixture, lost equation"), kind="fixture",
              not_checkable="the seed lost this equation's symbols; nothing to encode"),
    ]
    for c in claims:
        register(c)
    return [c.id for c in claims]


def _scrub(text: str) -> str:
    """Drop this machine's paths from tracebacks: repository root and interpreter prefix."""
    for prefix, name in ((str(ROOT), "<repo>"), (sys.prefix, "<python>"), (sys.base_prefix, "<python>")):
        text = text.replace(prefix, name)
    return re.sub(r'"/[^"]*?/(site|dist)-packages/', '"<site-packages>/', text)


def main() -> None:
    ids = ["fpc.eq3.2"] + register_all()
    OUT.mkdir(parents=True, exist_ok=True)
    for cid in ids:
        result = runner.evaluate(cid, profile="quick", seed=0, device="cpu")
        path = store.write_result(OUT, result)
        path.write_text(_scrub(path.read_text(encoding="utf-8")), encoding="utf-8")
        print(runner.headline(result))


# ----------------------------------------------------------------------------- the frozen fixtures
def _frozen() -> list[dict]:
    return store.load_results(OUT)


def test_fixtures_load_and_cover_every_verdict():
    results = _frozen()
    assert {r["verdict"] for r in results} == {"holds", "fails", "inconclusive", "error", "skipped"}
    assert all(r["schema_version"] == store.SCHEMA_VERSION for r in results)


def test_fixtures_cover_what_the_report_must_draw():
    results = {r["claim_id"]: r for r in _frozen()}
    kinds = {s.get("kind") for r in results.values() for s in (r.get("numeric", {}).get("series") or {}).values()}
    assert {"line", "scatter", "box", "heatmap"} <= kinds and kinds - {"line", "scatter", "box", "heatmap"}
    assert any(o.get("mathml") for r in results.values() for o in r.get("symbolic", {}).get("obligations", []))
    assert results["fpc.fixture-sweep"]["symbolic"]["status"] == "refuted"
    assert results["tlc.fixture-error"]["symbolic"]["error"]["traceback"]
    deps = {d for r in results.values() for d in r.get("depends_on", [])}
    assert deps - set(results), "some dependency must have no result (not verified)"


def test_fixtures_carry_no_machine_paths():
    for path in OUT.glob("*.json"):
        text = path.read_text(encoding="utf-8")
        assert str(ROOT) not in text and "/site-packages/" not in text.replace("<site-packages>/", ""), path.name


if __name__ == "__main__":
    main()
