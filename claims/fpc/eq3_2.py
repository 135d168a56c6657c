"""fpc.eq3.2: the logits of a masked query are z*Phi + Ups (unmasked key) or Ups (masked key),
so GD on the d x d matrix Q is exactly GD on the correlations (Phi, Ups)."""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
import torch

from claims import Assumption, Claim, Derivation, Measurement, Prediction, Source, register
from claims._sym import identity
from models.attention import FullMIM, ReducedMIM

from ._common import DATA_ASSUMPTIONS, SmallMIM, make_dist
from ._cost import whole_check
from ._lemma_checks import rel_err


@dataclass(frozen=True)
class Config(SmallMIM):
    n_samples: int = 48          # images in the batch on which both models are compared
    extra_dims: int = 6          # d = sum_k N_k + P + extra_dims
    q_scale: float = 1.0         # entries of the random Q ~ N(0, q_scale^2)
    gd_steps: int = 5            # GD steps run on both models from the random Q
    lr: float = 0.5
    overlap: float = 0.0         # Assumption 2.3 needs 0: mixes e_p with a feature (violation control)


def derive(cfg) -> Derivation:
    # Standard basis of R^4 stands for any orthonormal (e_p, v, e_q, e_r): Q -> R^T Q R.
    d = 4
    Q = sp.Matrix(d, d, lambda i, j: sp.Symbol(f"Q{i}{j}"))
    e_p, v, e_q, e_r = (sp.Matrix([1 if i == k else 0 for i in range(d)]) for k in range(d))
    z = sp.Symbol("z", positive=True)
    Phi = (e_p.T * Q * v)[0]
    Ups_q = (e_p.T * Q * e_q)[0]
    Ups_r = (e_p.T * Q * e_r)[0]
    query = sp.zeros(d, 1) + e_p                     # masked query: X~_p = 0, plus e_p
    logit_unmasked = (query.T * Q * (z * v + e_q))[0]
    logit_masked = (query.T * Q * (sp.zeros(d, 1) + e_r))[0]
    # gradient of a logit w.r.t. Q is query (key)^T; its FP and PP coordinates:
    grad = sp.Matrix(d, d, lambda i, j: sp.diff(logit_unmasked, Q[i, j]))
    return Derivation((
        identity("logit_unmasked", logit_unmasked, z * Phi + Ups_q,
                 "(X~_p + e_p)^T Q (X~_q + e_q) = z_a Phi_{p->v} + Ups_{p->q} for p masked, q unmasked"),
        identity("logit_masked", logit_masked, Ups_r,
                 "(X~_p + e_p)^T Q (X~_r + e_r) = Ups_{p->r} for p, r masked"),
        identity("grad_fp_coordinate", (e_p.T * grad * v)[0], sp.diff(z * Phi + Ups_q, Phi.free_symbols.pop()),
                 "e_p^T (d logit / dQ) v = d logit / d Phi = z"),
        identity("grad_pp_coordinate", (e_p.T * grad * e_q)[0], 1,
                 "e_p^T (d logit / dQ) e_q = d logit / d Ups = 1"),
        identity("grad_in_span", (grad - e_p * (z * v + e_q).T).norm() ** 2, 0,
                 "d logit / dQ = e_p (z v + e_q)^T: only rows along e_p, only FP/PP directions"),
    ), note="Q is a generic symbolic 4x4 matrix; the standard basis stands for any orthonormal "
            "features and positional encodings by rotation invariance.")


def predictions(cfg):
    n9 = "10^{-9}"
    return (
        Prediction("loss_rel_diff", "full and reduced losses agree to float64 round-off", "<=", 1e-10,
                   math=r"\frac{|L(Q) - L(\Phi, \Upsilon)|}{|L(Q)|} \le 10^{-10}"),
        Prediction("grad_rel_diff", "E^T (dL/dQ) V and E^T (dL/dQ) E equal the reduced gradients", "<=", 1e-9,
                   math=r"\max\left(\frac{\lVert E^\top \nabla_Q L\, V - \nabla_\Phi L \rVert_{\max}}"
                        r"{\lVert \nabla_\Phi L \rVert_{\max}}, \frac{\lVert E^\top \nabla_Q L\, E - "
                        r"\nabla_\Upsilon L \rVert_{\max}}{\lVert \nabla_\Upsilon L \rVert_{\max}}\right) \le " + n9),
        Prediction("grad_outside_span", "dL/dQ has no component outside span{e_p v^T, e_p e_q^T}", "<=", 1e-9,
                   math=r"\frac{\lVert \nabla_Q L - E (E^\top \nabla_Q L\, V) V^\top - E (E^\top \nabla_Q L\, E) "
                        r"E^\top \rVert_{\max}}{\lVert \nabla_Q L \rVert_{\max}} \le " + n9),
        Prediction("trajectory_rel_diff", f"after {cfg.gd_steps} GD steps (Phi, Ups) read off Q equal "
                   "the reduced model's", "<=", 1e-9,
                   math=r"\max\left(\frac{\lVert E^\top Q^{(T)} V - \Phi^{(T)} \rVert_{\max}}"
                        r"{\lVert \Phi^{(T)} \rVert_{\max}}, \frac{\lVert E^\top Q^{(T)} E - \Upsilon^{(T)} "
                        r"\rVert_{\max}}{\lVert \Upsilon^{(T)} \rVert_{\max}}\right) \le " + n9
                        + rf",\ T = {cfg.gd_steps}"),
    )


def check(cfg, ctx) -> Measurement:
    dist = make_dist(cfg)
    g = ctx.torch_generator()
    batch = dist.sample(cfg.n_samples, g)
    d = dist.n_features + dist.P + cfg.extra_dims
    full = FullMIM(dist, d=d, generator=g)
    if cfg.overlap:
        E = full.E + cfg.overlap * full.V[:, dist.feat_offset[0]].unsqueeze(1)   # e_p leans on v_{0,0}
        full.E.copy_(E / E.norm(dim=0, keepdim=True))
    with torch.no_grad():
        full.Q.copy_(cfg.q_scale * torch.randn(d, d, generator=g, dtype=torch.float64))
    red = ReducedMIM(dist, dtype=torch.float64)
    Phi, Ups = full.correlations()
    with torch.no_grad():
        red.Phi.copy_(Phi)
        red.Ups.copy_(Ups)
    loss_full, loss_red = full(batch).loss, red(batch).loss
    gQ, = torch.autograd.grad(loss_full, full.Q)
    gPhi, gUps = torch.autograd.grad(loss_red, [red.Phi, red.Ups])
    pPhi, pUps = full.correlations(gQ)
    span = full.E @ pPhi @ full.V.T + full.E @ pUps @ full.E.T
    grad_rel = max(rel_err(pPhi, gPhi), rel_err(pUps, gUps))
    outside = float((gQ - span).abs().max() / gQ.abs().max())
    # a few GD steps on both parameterisations
    for _ in range(cfg.gd_steps):
        gQ, = torch.autograd.grad(full(batch).loss, full.Q)
        gP, gU = torch.autograd.grad(red(batch).loss, [red.Phi, red.Ups])
        with torch.no_grad():
            full.Q.sub_(cfg.lr * gQ)
            red.Phi.sub_(cfg.lr * gP)
            red.Ups.sub_(cfg.lr * gU)
    Phi_T, Ups_T = full.correlations()
    traj = max(rel_err(Phi_T, red.Phi.detach()), rel_err(Ups_T, red.Ups.detach()))
    return Measurement(
        values={"loss_rel_diff": abs(float(loss_full.detach() - loss_red.detach())) / abs(float(loss_full.detach())),
                "grad_rel_diff": grad_rel,
                "grad_outside_span": outside, "trajectory_rel_diff": traj},
        evidence={"loss_full": float(loss_full.detach()), "loss_reduced": float(loss_red.detach()), "d": d,
                  "n_features": dist.n_features, "areas_per_cluster": dist.N,
                  "area_sizes": dist.sizes_per_area},
    )


ORTHOGONAL_POSITIONS = Assumption.math(
    "overlap == 0", text="positional encodings orthogonal to all features: overlap = 0 (Assumption 2.3)")

CLAIM = register(Claim(
    id="fpc.eq3.2",
    cost=whole_check("fpc.eq3.2"),
    title="Masked-query logits are z*Phi + Ups; the reduction to (Phi, Ups) is exact",
    kind="equation",
    statement="For a masked query p and key q in area a of cluster k, the attention logit is "
              "z_a Phi_{p->v_{k,a}} + Ups_{p->q} if q is unmasked and Ups_{p->q} if q is masked; hence "
              "grad_Q L lies in span{e_p v^T, e_p e_q^T} and GD on Q is exactly GD on (Phi, Ups).",
    statement_latex=r"For a masked query $p$ ($\tilde X_p = 0$) and a key $q \in \mathcal{P}_{k,a}$ of cluster $k$, "
                    r"the attention logit is $(\tilde X_p + e_p)^\top Q (\tilde X_q + e_q) = z_a \Phi_{p \to v_{k,a}} "
                    r"+ \Upsilon_{p \to q}$ if $q \in \mathcal{U}$ is unmasked and $\Upsilon_{p \to q}$ if "
                    r"$q \in \mathcal{M}$ is masked, where $\Phi_{p \to v_{k,a}} = e_p^\top Q v_{k,a}$ and "
                    r"$\Upsilon_{p \to q} = e_p^\top Q e_q$; hence $\nabla_Q L \in \operatorname{span}\{e_p "
                    r"v_{k,a}^\top, e_p e_q^\top\}$ and GD on $Q \in \mathbb{R}^{d \times d}$ is exactly GD on "
                    r"$(\Phi, \Upsilon)$.",
    source=Source("fpc", "Eq. (3.2), Section 3; Definition 3.1",
                  "The importance of the FP correlation and the PP correlation defined above can be seen "
                  "from how they determine the area attention scores as follows. Given a masked input , for "
                  "the attention of area , it holds that | (3.2) |"),
    assumptions=DATA_ASSUMPTIONS + (ORTHOGONAL_POSITIONS, Assumption.integer("n_samples", 1)),
    depends_on=(),
    config=Config,
    profiles={"quick": {}, "full": {"P": 128, "K": 4, "n_samples": 64}},
    predictions=predictions, check=check, derive=derive, deterministic=True,
    notes="Loss normaliser: the sum over masked patches of an image, averaged over images (no 1/|M|).",
))
