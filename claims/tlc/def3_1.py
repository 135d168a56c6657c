"""tlc.def3.1: MAE training as argmin_{f,g,X} ||g(f(X)) - X_0||_F^2 (eq. (1), (2)), with
X in R^{N x F}, X_0 in R^{N_0 x F} and encoder f, decoder g that "don't change the shape of
inputs". Checked as written: the objective is well-typed only when N = N_0, and the reference
MAE's decoder does change the number of tokens."""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
import torch

from claims import Assumption, Claim, Derivation, Measurement, Prediction, Source, register
from claims._sym import fact
from models.vit import MAE, ViTConfig


@dataclass(frozen=True)
class Config:
    tokens: int = 196                           # T = N + N_0 (ViT-B/16 on 224 x 224)
    mask_ratios: tuple = (0.5, 0.6, 0.75, 0.8, 0.9)
    img_size: int = 8                           # the small MAE whose token counts are read off
    patch: int = 2


def _counts(T: int, m: float) -> tuple[int, int]:
    N = int(round(T * (1 - m)))                 # visible tokens (rows of X)
    return N, T - N                             # masked tokens (rows of X_0)


def derive(cfg) -> Derivation:
    F = sp.Symbol("F", positive=True, integer=True)
    obs, typed = [], []
    for m in cfg.mask_ratios:
        N, N0 = _counts(cfg.tokens, m)
        gfX = sp.MatrixSymbol("gfX", N, F)       # g(f(X)): f, g shape-preserving, X is N x F
        X0 = sp.MatrixSymbol("X_0", N0, F)
        try:
            gfX - X0                             # SymPy validates the shapes of a difference
            ok = True
        except sp.ShapeError:
            ok = False
        typed.append(ok)
        obs.append(fact(f"well_typed_m{m}", f"mask ratio {m}: ||g(f(X)) - X_0||_F is defined ((N, F) = ({N}, F), "
                        f"(N_0, F) = ({N0}, F))", ok, "SymPy accepts the difference" if ok else
                        f"SymPy ShapeError: {N} x F minus {N0} x F"))
    return Derivation(tuple(obs), note=f"well-typed at {sum(typed)} of {len(typed)} mask ratios: exactly those with "
                      "N = N_0, i.e. mask ratio 1/2. The corrected reading: g maps the N visible representations to "
                      "N_0 outputs (the MAE decoder fills mask tokens), so g changes the shape.")


def predictions(cfg):
    return (
        Prediction("encoder_keeps_tokens", "the encoder f returns as many tokens as it is given (1 = yes, every ratio)",
                   ">=", 1),
        Prediction("decoder_keeps_tokens", "the decoder g returns as many tokens as it is given (1 = yes, every "
                   "ratio), as Definition 3.1's 'f and g don't change the shape of inputs' states", ">=", 1),
    )


def check(cfg, ctx) -> Measurement:
    torch.manual_seed(ctx.seed)
    model = MAE(ViTConfig(img_size=cfg.img_size, patch=cfg.patch)).eval()
    imgs = torch.rand(2, 1, cfg.img_size, cfg.img_size, generator=ctx.torch_generator())
    rows, enc_ok, dec_ok = [], 1, 1
    with torch.no_grad():
        for m in cfg.mask_ratios:
            if not 0 < m < 1:
                continue
            enc = model.encoder(imgs, m, ctx.torch_generator(1))
            n_in = int((enc.mask[0] == 0).sum())                        # visible tokens fed to f
            n_enc = enc.tokens.shape[1] - 1                              # tokens out of f (cls excluded)
            n_dec = model.decode(enc.tokens, enc.ids_restore).shape[1]   # tokens out of g
            rows.append({"mask_ratio": m, "visible_in": n_in, "encoder_out": n_enc, "decoder_out": n_dec,
                         "masked": int(enc.mask[0].sum())})
            enc_ok &= int(n_enc == n_in)
            dec_ok &= int(n_dec == n_enc)
    return Measurement({"encoder_keeps_tokens": enc_ok, "decoder_keeps_tokens": dec_ok}, evidence={"shapes": rows})


CLAIM = register(Claim(
    id="tlc.def3.1",
    title="Definition 3.1: MAE as argmin ||g(f(X)) - X_0||_F^2 with shape-preserving f, g",
    kind="definition",
    statement="Training an MAE solves argmin_{f,g,X} ||g(f(X)) - X_0||_F^2 (1) with X in R^{N x F} (visible), "
              "X_0 in R^{N_0 x F} (masked), where the encoder f and decoder g don't change the shape of inputs.",
    statement_latex=(
        r"Training a masked autoencoder solves $\operatorname*{argmin}_{f,g,X} \|g \circ f(X) - X_0\|_F^2$"
        r" (1), with visible patches $X \in \mathbb{R}^{N \times F}$ and masked patches $X_0 \in "
        r"\mathbb{R}^{N_0 \times F}$, where the encoder $f$ and the decoder $g$ do not change the shape of"
        r" their inputs."),
    source=Source("tlc", "Definition 3.1 (Section 3.1), eqs. (1)-(2)",
                  "We adopt the Transformer architecture as backbone, where f and g don't change the shape of inputs "
                  "[35]. Definition 3.1. To train the masked autoencoder and achieve the best performance can be "
                  "interpreted as solving the minimization problem: ... where X in R^{N x F}, X_0 in R^{N_0 x F}."),
    assumptions=(Assumption.integer("tokens", 2),
                 Assumption.math("0 < rho < 1", each=("mask_ratios", "rho"),
                                 text="every mask ratio rho lies in (0, 1)")),
    config=Config,
    profiles={"quick": {}, "full": {"mask_ratios": (0.25, 0.4, 0.5, 0.6, 0.75, 0.8, 0.9)}},
    deterministic=True, predictions=predictions, check=check, derive=derive,
    notes="As written the definition is consistent only at mask ratio 1/2 (N = N_0). The reference MAE's encoder "
          "keeps the token count, its decoder does not (it appends N_0 mask tokens and predicts all T positions), "
          "which is the reading under which (1) is well-typed.",
))
