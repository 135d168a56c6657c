"""tlc.tab2: Table 2 at small scale: an MAE with 6 attention heads beats one with 3 heads
(same width) in linear probing and in fine-tuning, on real digits."""
from __future__ import annotations

from dataclasses import dataclass

from claims import Assumption, Claim, Measurement, Prediction, Regime, Source, register
from models.images import LabelledImages
from models.probe import extract_features, finetune, logistic_probe

from ._common import window_change
from ._mae import digits_mae, probe_above_chance


@dataclass(frozen=True)
class Config:
    pretrain_steps: int = 300
    probe_C: float = 1.0          # logistic-regression probe on standardised class-token features
    ft_steps: int = 300           # full fine-tuning steps (minibatch AdamW, cosine schedule)
    heads: tuple = (3, 6)         # (fewer, more) heads at width 48
    settle_tol: float = 0.05      # regime: relative loss change over the last 10% of steps
    handicap: str = "none"        # "second" (false case): the 6-head model is probed and fine-tuned on 1/10
                                  # of the labels


def _evaluate(heads, pretrain_steps, probe_C, ft_steps, mae_seed, ft_seed, label_frac=1.0, device="cpu"):
    t = digits_mae(heads, pretrain_steps, mae_seed, device=device)
    enc = t.model.encoder
    n = max(20, int(label_frac * len(t.train)))                    # labelled examples for probe and FT
    train = LabelledImages(t.train.images[:n], t.train.labels[:n])
    ftr, fte = extract_features(enc, train.images), extract_features(enc, t.test.images)
    lp = logistic_probe(ftr, train.labels, fte, t.test.labels, bn=True, C=probe_C)
    ft = finetune(enc, train, t.test, mode="full", steps=ft_steps, seed=ft_seed, device=device)
    return {"heads": heads, "lp": lp.accuracy, "ft": ft.accuracy, "ft_settle": ft.settle,
            "pretrain_settle": window_change(t.history["loss"]), "pretrain_final_loss": t.history["loss"][-1]}


def predictions(cfg):
    return (
        Prediction("lp_gain", f"{cfg.heads[1]} heads beat {cfg.heads[0]} in linear probing (test accuracy "
                   "difference)", ">", 0.0,
                   math=(rf"\mathrm{{acc}}_{{\mathrm{{LP}}}}^{{({cfg.heads[1]})}} "
                         rf"- \mathrm{{acc}}_{{\mathrm{{LP}}}}^{{({cfg.heads[0]})}} > 0")),
        Prediction("ft_gain", f"{cfg.heads[1]} heads beat {cfg.heads[0]} in fine-tuning (test accuracy "
                   "difference)", ">", 0.0,
                   math=(rf"\mathrm{{acc}}_{{\mathrm{{FT}}}}^{{({cfg.heads[1]})}} "
                         rf"- \mathrm{{acc}}_{{\mathrm{{FT}}}}^{{({cfg.heads[0]})}} > 0")),
    )


def regime(cfg):
    return (
        probe_above_chance("both linear probes are"),
        Regime("min_ft_minus_lp", "fine-tuning works: each model's fine-tuned accuracy is at least its linear "
               "probe's (FT trains a superset of what the probe trains)", ">=", 0.0, instrument=True),
        Regime("max_settle", "every training loss has settled: pre-training (mean minibatch loss, [80%, 90%) "
               "window vs last 10%) and fine-tuning (full training-set loss over the last 10% of steps), relative "
               f"change <= {cfg.settle_tol}", "<=", cfg.settle_tol),
    )


def check(cfg, ctx) -> Measurement:
    zero = cfg.handicap == "second"
    few, more = ctx.map(_evaluate, [
        dict(heads=h, pretrain_steps=cfg.pretrain_steps, probe_C=cfg.probe_C,
             ft_steps=cfg.ft_steps, label_frac=0.1 if (zero and h == cfg.heads[1]) else 1.0,
             mae_seed=ctx.seed_for("digits-mae", h), ft_seed=ctx.seed_for("tab2", "ft", h), device=ctx.device)
        for h in cfg.heads], desc="heads")
    acc = {f"{r['heads']} heads": {"LP": r["lp"], "FT": r["ft"]} for r in (few, more)}
    return Measurement(
        values={"lp_gain": more["lp"] - few["lp"], "ft_gain": more["ft"] - few["ft"],
                "min_probe_accuracy": min(few["lp"], more["lp"]),
                "min_ft_minus_lp": min(r["ft"] - r["lp"] for r in (few, more)),
                "max_settle": max(r[k] for r in (few, more) for k in ("ft_settle", "pretrain_settle"))},
        evidence={"accuracy": acc, "runs": [few, more],
                  "paper_cifar10": {"3 heads": {"LP": 64.4, "FT": 89.7}, "6 heads": {"LP": 67.5, "FT": 90.2}}},
        series={"table2": {"x": list(cfg.heads), "ys": {"LP": [few["lp"], more["lp"]], "FT": [few["ft"], more["ft"]]},
                           "xlabel": "attention heads", "ylabel": "test accuracy", "kind": "line"}})


CLAIM = register(Claim(
    id="tlc.tab2",
    title="Table 2: 6 attention heads beat 3 for LP and FT",
    kind="empirical",
    statement="At fixed width, an MAE-pretrained ViT with 6 heads is more accurate than one with 3 heads, "
              "both in linear probing and in fine-tuning.",
    statement_latex=(
        r"At fixed width, an MAE-pretrained ViT with 6 heads is more accurate than one with 3 heads, in "
        r"linear probing, $\mathrm{acc}_{\mathrm{LP}}^{(6)} > \mathrm{acc}_{\mathrm{LP}}^{(3)}$, and in "
        r"fine-tuning, $\mathrm{acc}_{\mathrm{FT}}^{(6)} > \mathrm{acc}_{\mathrm{FT}}^{(3)}$."),
    source=Source("tlc", "Section 6.4, Table 2",
                  'By increasing the number of heads, we observed a significant improvement in 295 '
                  'accuracy for both linear probing and finetuning on the classification task.'),
    assumptions=(Assumption.integer("pretrain_steps", 1), Assumption.range("probe_C", 0),
                 Assumption.integer("ft_steps", 1),
                 Assumption.relation("heads = (fewer, more), both dividing 48", ("heads",),
                                     lambda h: len(h) == 2 and h[0] < h[1] and all(48 % x == 0 for x in h)),
                 Assumption.relation("handicap = 'none'", ("handicap",), lambda h: h == "none")),
    config=Config,
    profiles={"quick": {}, "full": {"pretrain_steps": 3000, "ft_steps": 3000}},
    predictions=predictions, regime=regime, check=check,
    scale_fields=("pretrain_steps", "ft_steps"),
    reduced_scale="2-block ViT MAEs (width 48, 3 or 6 heads) pre-trained here on scikit-learn's 8x8 digits, "
                  "not ViT-Tiny on CIFAR-10",
    interpretation="LP is the same logistic-regression probe (C = 1, converged) for both architectures, on class-"
                   "token features standardised with the training statistics; FT trains every parameter with the "
                   "same AdamW recipe for both.",
    not_algebraic="an empirical comparison of architectures",
    notes="Each replicate pre-trains both MAEs and fine-tunes them with its own seeds (the 3-head MAE is the one "
          "tlc.tab1 uses for the same replicate seed). Rule changed after seeing results: the old AdamW probe "
          "stayed at chance (8.7-10%, one class predicted), a broken instrument, so the probe is now a converged "
          "logistic regression and 'probe above chance' an instrument condition; the paper probes without BN, "
          "but without standardisation an L2-regularised probe mostly measures the features' scale (tlc.tab1), "
          "which is not what the number of heads is claimed to change. The '2 paired standard errors' rule is "
          "replaced by the runner's interval over replicates. Rule changed after seeing results: fine-tuning cut "
          "to 150 steps for the time budget ended below the linear probe in some runs (69% FT vs 85% LP), a "
          "broken instrument; it is back at 300 steps and 'FT at least as accurate as LP' became an instrument "
          "condition. Only the full profile reaches 3000 pre-training and fine-tuning steps.",
))
