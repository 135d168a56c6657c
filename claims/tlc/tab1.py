"""tlc.tab1: Table 1 at small scale: linear probing (LP) < non-learnable BN + LP < partial
fine-tuning (linear head + last qkv projection), for an MAE pre-trained on real digits."""
from __future__ import annotations

from dataclasses import dataclass

from claims import Claim, Measurement, Prediction, Source, register
from claims._base import Assumption
from models.probe import finetune, paired_difference

from ._common import comparison_undecided, single_thread
from ._mae import digits_mae


@dataclass(frozen=True)
class Config:
    pretrain_steps: int = 300     # MAE pre-training on the sklearn digits (75% train split)
    probe_steps: int = 300        # minibatch AdamW steps, the same recipe for every method (as in the paper)
    z_min: float = 2.0            # a difference counts when it exceeds z_min paired standard errors
    handicap: str = "none"        # "second": partial FT gets 0 training steps (false case)


def predictions(cfg):
    return (
        Prediction("bnlp_minus_lp", "BN + LP is more accurate than LP (test accuracy difference; undecided "
                   f"within {cfg.z_min} paired standard errors or when both are at chance level)", ">", 0.0),
        Prediction("pft_minus_bnlp", "partial fine-tuning is more accurate than BN + LP (same rule)", ">", 0.0),
    )


def check(cfg, ctx) -> Measurement:
    t = digits_mae(3, cfg.pretrain_steps, ctx.seed, device=ctx.device)
    h = cfg.handicap == "second"
    with single_thread():
        lp, bn, pft = (finetune(t.model.encoder, t.train, t.test, mode=mode, steps=0 if (h and mode == "partial")
                                else cfg.probe_steps, seed=ctx.seed, device=ctx.device) for mode in ("linear", "bn_linear", "partial"))
    d1, s1 = paired_difference(lp.correct, bn.correct)
    d2, s2 = paired_difference(bn.correct, pft.correct)
    undecided = comparison_undecided((("bnlp_minus_lp", d1, s1, lp, bn), ("pft_minus_bnlp", d2, s2, bn, pft)), cfg.z_min)
    return Measurement(
        values={"bnlp_minus_lp": d1, "pft_minus_bnlp": d2},
        evidence={"accuracy": {"LP": lp.accuracy, "BN+LP": bn.accuracy, "Partial FT": pft.accuracy},
                  "se": {"bnlp_minus_lp": s1, "pft_minus_bnlp": s2}, "n_test": len(t.test),
                  "pretrain_final_loss": t.history["loss"][-1], "paper_cifar10": {"LP": 64.4, "BN+LP": 76.6, "Partial FT": 83.3}},
        series={"table1": {"x": [0, 1, 2], "ys": {"accuracy": [lp.accuracy, bn.accuracy, pft.accuracy]},
                           "xlabel": "probing method (0 LP, 1 BN+LP, 2 partial FT)", "ylabel": "test accuracy",
                           "kind": "line"}},
        undecided=undecided)


CLAIM = register(Claim(
    id="tlc.tab1",
    title="Table 1: LP < BN + LP < partial fine-tuning",
    kind="empirical",
    statement="For an MAE-pretrained ViT, a non-learnable BN before the linear head improves linear probing, and "
              "tuning the last qkv projection with the head improves it further.",
    source=Source("tlc", "Section 6.3, Table 1",
                  'We observe that a non-learnable BN layer can significantly improve the linear pr'
                  'obing performance 285 while a learnable token mixing layer can further improve t'
                  'he performance.'),
    assumptions=(Assumption.integer("pretrain_steps", 1), Assumption.integer("probe_steps", 1),
                 Assumption.relation("handicap = 'none'", ("handicap",), lambda h: h == "none")),
    depends_on=(),
    config=Config,
    profiles={"quick": {}, "full": {"pretrain_steps": 5000, "probe_steps": 3000}},
    predictions=predictions, check=check,
    not_algebraic="an empirical comparison of probing methods",
    notes="Small ViT MAE (depth 2, width 48, 3 heads) on scikit-learn's 8x8 digits, not ViT-Tiny on CIFAR-10; "
          "class-token features; AdamW for every probe as in the paper.",
))
