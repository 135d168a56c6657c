"""tlc.thm4.3.decomp: the eigen-decomposition of the normalised adjacency asserted in the
proof of Theorem 4.3: A = U_r Sigma_r^2 U_r^T, then "U_cA = D^{-1/2} U_r D^{1/2} and
Sigma_cA = D^{-1/2} Sigma_r^2 D^{-1/2}", X_0r = D^{1/2} U_cA D^{-1/2} Sigma_r V_r^T and
N N^T = cA for N = U_cA D^{-1/2} Sigma_r V_r^T (eqs. (7)-(8))."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from claims import Assumption, Claim, Derivation, Measurement, Prediction, Source, register
from claims._sym import fact, identity

from ._common import int_matrix, minimal_counterexample, normalized_adjacency


@dataclass(frozen=True)
class Config:
    data: str = "photo"          # "photo": masked patches of bundled photographs; "circulant": rows
                                 # are cyclic shifts of one vector, so D = c I (regular graph)
    n_images: int = 6
    n0: int = 8                  # masked patches N_0 (rows of X_0); square case r = N_0 <= F
    patch: int = 4               # F = patch^2 pixels per patch


def _rot(a):
    c, s = (1 - a ** 2) / (1 + a ** 2), 2 * a / (1 + a ** 2)
    return sp.Matrix([[c, -s], [s, c]])


def _sq(M):
    return sum(x ** 2 for x in M)


def derive(cfg) -> Derivation:
    a, b = sp.symbols("a b", real=True)
    s1, s2, d1, d2, d3 = sp.symbols("sigma1 sigma2 d1 d2 d3", positive=True)
    # rectangular case, explicit shapes: N_0 = 3 patches, F = 2, r = 1
    U3 = sp.Matrix([[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    U3[:2, :2] = _rot(a)
    V2 = _rot(b)
    S = sp.Matrix([[s1, 0], [0, s2], [0, 0]])                       # (3, 2)
    Ur, Sr, Vr = U3[:, :1], S[:1, :1], V2[:, :1]                     # (3,1) (1,1) (2,1)
    X0r = Ur * Sr * Vr.T                                             # (3, 2), rank 1
    Dh = sp.diag(d1, d2, d3) ** sp.Rational(1, 2)                    # D^{1/2} (3, 3)
    try:
        (Dh.inv() * Ur * Dh)
        typed, msg = True, ""
    except sp.ShapeError as exc:
        typed, msg = False, str(exc)
    obl = [
        identity("A_is_Ur_Sr2_UrT", sp.cancel(_sq(X0r * X0r.T - Ur * Sr ** 2 * Ur.T)), 0,
                 "A = X_0r X_0r^T = U_r Sigma_r^2 U_r^T (shapes (3,1)(1,1)(1,3), r = 1)", simplifier=sp.cancel),
        fact("factor_shapes_r_lt_N0", "D^{-1/2} U_r D^{1/2} is defined for r < N_0",
             typed, f"D^{{-1/2}} (3,3) * U_r (3,1) * D^{{1/2}} (3,3): {msg}" if msg else "defined"),
    ]
    # square case r = N_0 = 2 <= F: the products are defined; D from the graph's degrees
    U, Sig = _rot(a), sp.diag(s1, s2)
    A = U * Sig ** 2 * U.T                                           # (2, 2) = X_0 X_0^T
    Dm = sp.diag(*[sp.Symbol(f"q{i}", positive=True) for i in range(2)])   # D^{-1/2}, any positive diagonal
    Dp = Dm.inv()                                                    # D^{1/2}
    cA = Dm * A * Dm
    UA, SA = Dm * U * Dp, Dm * Sig ** 2 * Dm
    N = UA * Dm * Sig * _rot(b).T                                   # (2,2)(2,2)(2,2)(2,2)
    obl += [
        identity("three_factor_product", _sq(UA * SA * UA.T - cA), 0,
                 "(D^-1/2 U D^1/2)(D^-1/2 Sigma^2 D^-1/2)(D^-1/2 U D^1/2)^T = D^-1/2 A D^-1/2 (r = N_0 = 2)",
                 simplifier=sp.factor),
        identity("X0_rewritten", _sq(Dp * UA * Dm * Sig * _rot(b).T - U * Sig * _rot(b).T), 0,
                 "X_0r = D^{1/2} U_cA D^{-1/2} Sigma_r V_r^T (r = N_0 = 2)", simplifier=sp.factor),
        identity("NNT_is_cA", sp.cancel(_sq(N * N.T - cA)), 0, "N N^T = cA for N = U_cA D^{-1/2} Sigma_r V_r^T (r = "
                                                               "N_0 = 2)",
                 simplifier=sp.cancel),
    ]
    # is U_cA orthogonal (needed for an eigen-decomposition)? for a positive diagonal D^{-1/2}
    obl.append(identity("U_cA_orthogonal", _sq(UA.T * UA - sp.eye(2)), 0,
                        "U_cA^T U_cA = I for U_cA = D^{-1/2} U D^{1/2} (U a 2x2 rotation, D^{-1/2} = diag(q0, q1))",
                        simplifier=sp.factor))
    return Derivation(tuple(obl), note="Rotations use the rational parametrisation cos=(1-a^2)/(1+a^2); "
                      "q_i stands for D_ii^{-1/2} (any positive diagonal); the orthogonality residual vanishes "
                      "iff q0 = q1 (D = c I) or the rotation is trivial.")


def _data(cfg, seed):
    rng = np.random.default_rng(seed)
    F = cfg.patch ** 2
    if cfg.data == "circulant":
        v = rng.random(F)
        return np.stack([np.roll(v, i * (F // cfg.n0)) for i in range(cfg.n0)])  # (N_0, F), A circulant, D = c I
    from models.images import patchify, photo_crops
    img = photo_crops(1, 4 * cfg.patch, seed=seed)
    X = patchify(img, cfg.patch)[0].double().numpy()                         # (16, F)
    return X[rng.permutation(X.shape[0])[:cfg.n0]]                           # masked rows X_0


def _defects(X0):
    U, s, Vt = np.linalg.svd(X0, full_matrices=False)                        # square case r = N_0
    A = X0 @ X0.T
    deg = A.sum(1)
    cA = normalized_adjacency(A)
    dm, dp = np.diag(deg ** -0.5), np.diag(deg ** 0.5)
    UA, SA = dm @ U @ dp, dm @ np.diag(s ** 2) @ dm
    eig = np.sort(np.linalg.eigvalsh(cA))[::-1]
    claimed = np.sort(np.diag(SA))[::-1]
    N = UA @ dm @ np.diag(s) @ Vt
    return {"eig_mismatch": float(np.abs(eig - claimed).max() / np.abs(eig).max()),
            "orth_defect": float(np.abs(UA.T @ UA - np.eye(len(s))).max()),
            "nnT_gap": float(np.abs(N @ N.T - cA).max() / np.abs(cA).max()),
            "top_eig": float(eig[0]), "claimed_top": float(claimed[0]),
            "degree_spread": float(deg.max() / deg.min())}


def predictions(cfg):
    return (
        Prediction("eig_mismatch", "the eigenvalues of cA are the diagonal of D^-1/2 Sigma_r^2 D^-1/2", "<=", 1e-8),
        Prediction("orth_defect", "U_cA = D^-1/2 U_r D^1/2 has orthonormal columns", "<=", 1e-8),
        Prediction("nnT_gap", "N N^T = cA (square case r = N_0)", "<=", 1e-8),
    )


def check(cfg, ctx) -> Measurement:
    rows = [_defects(_data(cfg, ctx.seed_for("decomp", i))) for i in range(cfg.n_images)]

    def is_cex(m):
        X = np.array(m, float)
        A = X @ X.T
        if np.any(A.sum(1) <= 0) or np.linalg.matrix_rank(X) < 2:
            return False
        return _defects(X)["eig_mismatch"] > 1e-6
    cex = minimal_counterexample(int_matrix(2, 2, 0, 3), is_cex)
    ev = {"rows": rows}
    if cex is not None:
        ev["minimal_counterexample"] = {"X0": cex, **_defects(np.array(cex, float))}
    return Measurement(
        values={k: max(r[k] for r in rows) for k in ("eig_mismatch", "orth_defect", "nnT_gap")},
        evidence=ev,
        notes="cA always has top eigenvalue 1 (eigenvector D^{1/2} 1) when the weights are non-negative; "
              "the claimed Sigma_cA does not. The decomposition holds when D = c I (regular graph).")


CLAIM = register(Claim(
    id="tlc.thm4.3.decomp",
    title="Proof of Thm 4.3: the asserted eigen-decomposition of the normalised adjacency",
    kind="proof-step",
    statement="With X_0 = U Sigma V^T, A = X_0r X_0r^T = U_r Sigma_r^2 U_r^T and cA = D^-1/2 A D^-1/2 has the "
              "eigen-decomposition U_cA Sigma_cA U_cA^T with U_cA = D^-1/2 U_r D^1/2, Sigma_cA = "
              "D^-1/2 Sigma_r^2 D^-1/2; then X_0r = D^1/2 U_cA D^-1/2 Sigma_r V_r^T and N N^T = cA.",
    statement_latex=(
        r"With $X_0 = U \Sigma V^\top$, $A = X_{0r} X_{0r}^\top = U_r \Sigma_r^2 U_r^\top$ and "
        r"$\mathcal{A} = D^{-\frac{1}{2}} A D^{-\frac{1}{2}}$ has the eigen-decomposition $U_{\mathcal{A}}"
        r" \Sigma_{\mathcal{A}} U_{\mathcal{A}}^\top$ with $U_{\mathcal{A}} = D^{-\frac{1}{2}} U_r "
        r"D^{\frac{1}{2}}$ and $\Sigma_{\mathcal{A}} = D^{-\frac{1}{2}} \Sigma_r^2 D^{-\frac{1}{2}}$; then"
        r" $X_{0r} = D^{\frac{1}{2}} U_{\mathcal{A}} D^{-\frac{1}{2}} \Sigma_r V_r^\top$ and $N N^\top = "
        r"\mathcal{A}$ for $N = U_{\mathcal{A}} D^{-\frac{1}{2}} \Sigma_r V_r^\top$."),
    source=Source("tlc", "Theorem 4.3, proof (before eq. (7))",
                  "Therefore, $U_{\\mathcal{A}} = D^{-\\frac{1}{2}}U_rD^{\\frac{1}{2}}$ and $\\Sigma_{\\mathcal{A}} = "
                  "D^{-\\frac{1}{2}}\\Sigma_r^2D^{-\\frac{1}{2}}$."),
    assumptions=(
        Assumption.relation("data is 'photo' or 'circulant'", ("data",), lambda d: d in ("photo", "circulant")),
        Assumption.math("2 <= n0 <= patch^2 & n0 <= 16",
                        text="2 <= n0 <= patch^2 (square case r = N_0 <= F) and n0 <= 16"),
        Assumption.integer("n_images", 1),
        Assumption.relation("circulant data needs n0 to divide patch^2", ("data", "n0", "patch"),
                            lambda d, n, p: d != "circulant" or (p * p) % n == 0),
    ),
    depends_on=("tlc.sec3.2", "tlc.sec3.3"),
    config=Config,
    profiles={"quick": {}, "full": {"n_images": 50}},
    deterministic=True, predictions=predictions, check=check, derive=derive,
    notes="For r < N_0 the factors are ill-typed (U_r is N_0 x r, D is N_0 x N_0); the numbers are taken in "
          "the only typed case r = N_0. data='circulant' (D = cI) is the condition under which it holds.",
))
