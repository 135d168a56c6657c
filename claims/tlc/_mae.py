"""Small MAEs trained here and shared across ``tlc`` claims (Section 6).

``trained_mae`` trains once per key (model config, training config, data, seed, snapshots,
and a digest of the source of the model, data and training code) and keeps the result in
this process and on disk (``$MLCLAIMS_CACHE`` or ``$XDG_CACHE_HOME/mlclaims``, written
atomically), so sweep workers in other processes reuse it. Training is deterministic for a
key (seeded initialisation, batches and masks, one thread), so the cache never changes a
result; callers must not modify the returned model.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import torch

from claims import Regime
from models.images import LabelledImages, load_digits_images, photo_crops, split
from models.util import atomic_replace, cache_dir, torch_threads
from models.vit import MAE, TrainConfig, ViTConfig, pretrain_mae

from ._common import chance_bar

_CACHE: dict = {}
_DATA: dict = {}


@dataclass
class Trained:
    model: MAE
    history: dict        # {"loss": [...], "snapshots": {step: state_dict}}
    train: LabelledImages
    test: LabelledImages


def dataset(name: str, img_size: int) -> tuple[LabelledImages, LabelledImages]:
    """``digits``: sklearn digits, fixed 75/25 split; ``photos``: 16x16 grey crops of the bundled
    photographs (2000 train, 200 test crops, labels all 0)."""
    key = (name, img_size)
    if key not in _DATA:
        if name == "digits":
            _DATA[key] = split(load_digits_images(img_size), 0.25, seed=0)
        elif name == "photos":   # flat crops (pixel std < 0.05) carry no structure to reconstruct
            tr, te = (_textured(photo_crops(n, img_size, scale=2, seed=s)) for n, s in ((3000, 11), (300, 12)))
            _DATA[key] = (LabelledImages(tr, torch.zeros(len(tr), dtype=torch.long)),
                          LabelledImages(te, torch.zeros(len(te), dtype=torch.long)))
        else:
            from models.errors import InvalidParameter
            raise InvalidParameter("data", name, "must be 'digits' or 'photos'")
    return _DATA[key]


def _textured(x: torch.Tensor, min_std: float = 0.05) -> torch.Tensor:
    return x[x.flatten(1).std(1) >= min_std]


# the photograph MAE of Section 6.1 (and Assumption 4.1, Theorem 4.3): 16x16 crops, 4x4 patches,
# so X_0 is (N_0, 16); snapshots on a fixed schedule so every claim shares one training run
PHOTO_VIT = ViTConfig(img_size=16, patch=4, dim=48, depth=2, heads=3, dec_dim=32, dec_depth=1)


def snapshot_schedule(steps: int) -> tuple[int, ...]:
    return tuple(sorted({0, steps // 30, steps // 10, steps // 4, steps // 2, steps}))


def photo_mae(mask_ratio: float, steps: int, seed: int, device: str = "cpu") -> Trained:
    tc = TrainConfig(steps=steps, batch_size=64, lr=2e-3, warmup=max(1, steps // 15), mask_ratio=mask_ratio)
    return trained_mae(PHOTO_VIT, tc, "photos", seed, snapshot_schedule(steps), device)


def _cache_dir() -> Path:
    return cache_dir() / "tlc-mae"


def _digest(key) -> str:
    import models.images as images_module
    import models.vit as vit_module
    h = hashlib.sha256(repr(key).encode())
    for mod in (vit_module, images_module):       # a code change invalidates the cache
        h.update(Path(mod.__file__).read_bytes())
    h.update(Path(__file__).read_bytes())
    h.update(torch.__version__.encode())
    return h.hexdigest()[:24]


def trained_mae(vc: ViTConfig, tc: TrainConfig, data: str, seed: int,
                snapshot_steps: tuple[int, ...] = (), device: str = "cpu") -> Trained:
    """Train (or load) an MAE; it is trained on ``device`` and returned on the CPU."""
    key = (vc, tc, data, seed, tuple(snapshot_steps), device)
    if key not in _CACHE:
        train, test = dataset(data, vc.img_size)
        kd = _digest(key)
        path = _cache_dir() / f"{kd}.pt"
        model, saved = MAE(vc), _load(path, kd)
        if saved is not None and _restore(model, saved["model"]):
            hist = {"loss": saved["loss"], "snapshots": saved["snapshots"]}
        else:
            with torch_threads(1):
                torch.manual_seed(seed)
                model = MAE(vc)
                hist = pretrain_mae(model, train.images, tc, seed=seed, snapshot_steps=tuple(snapshot_steps),
                                    device=device)
                model.cpu()                   # the one move to the CPU: callers get CPU models
            entry = {"model": model.state_dict(), **hist}
            _save(path, {**entry, "key_digest": kd, "weights_digest": weights_digest(entry)})
        model.eval()
        _CACHE[key] = Trained(model, hist, train, test)
    return _CACHE[key]


def weights_digest(entry: dict) -> str:
    """SHA-256 of the weights, the loss history and every snapshot, in a fixed order. Every tensor
    is on the CPU: ``trained_mae`` moves the trained model there (the one move to the CPU in tlc)
    and ``pretrain_mae`` keeps its snapshots there; a cached file holding others fails here and
    is retrained."""
    h = hashlib.sha256()

    def add(name, t):
        h.update(name.encode())
        h.update(t.detach().contiguous().numpy().tobytes())
    for name, t in sorted(entry["model"].items()):
        add(name, t)
    h.update(repr([float(x) for x in entry["loss"]]).encode())
    for step, sd in sorted(entry["snapshots"].items()):
        for name, t in sorted(sd.items()):
            add(f"{step}/{name}", t)
    return h.hexdigest()


def _load(path: Path, key_digest: str):
    """The cached entry, or None when absent, unreadable, produced by another configuration or
    code (key digest), or altered since it was written (weights digest): then it is retrained."""
    if not path.exists():
        return None
    try:
        saved = torch.load(path, weights_only=True)
        if not {"model", "loss", "snapshots", "key_digest", "weights_digest"} <= set(saved):
            return None
        if saved["key_digest"] != key_digest or saved["weights_digest"] != weights_digest(saved):
            return None
        return saved
    except Exception:  # a truncated or foreign file costs a retraining, never a wrong result
        return None


def _restore(model, state: dict) -> bool:
    """Load ``state`` into ``model``; False (retrain) when its shapes or names do not fit."""
    try:
        model.load_state_dict(state)
        return True
    except (RuntimeError, KeyError, ValueError):
        return False


def _save(path: Path, obj) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_replace(path, lambda tmp: torch.save(obj, tmp))   # concurrent writers store the same bytes
    except OSError:                                # a read-only home only loses the disk cache
        pass


def with_weights(t: Trained, step: int) -> MAE:
    """A copy of the model with the weights of snapshot ``step``."""
    m = MAE(t.model.cfg)
    m.load_state_dict(t.history["snapshots"][step])
    return m.eval()


@torch.no_grad()
def reconstruct(model: MAE, images: torch.Tensor, mask_ratio: float, seed: int):
    """Per image: (X_0 (N_0, F) original masked patches, X0_hat (N_0, F) predictions), as float64
    numpy arrays, with the masks drawn from ``seed``. Called from sweep points only (ctx.map), whose
    executor pins the torch threads."""
    out = model(images, mask_ratio, torch.Generator().manual_seed(seed))     # threads: pinned by the executor
    rows = []
    for b in range(images.shape[0]):
        m = out.mask[b].bool()
        rows.append((out.target[b][m].double().numpy(), out.pred[b][m].double().numpy()))
    return rows, float(out.loss)


# the digits MAE of Section 6.3 / 6.4 (Tables 1, 2): 8x8 digits, 2x2 patches, width 48
def digits_mae(heads: int, steps: int, seed: int, mask_ratio: float = 0.75, device: str = "cpu") -> Trained:
    vc = ViTConfig(img_size=8, patch=2, dim=48, depth=2, heads=heads, dec_dim=32, dec_depth=1)
    tc = TrainConfig(steps=steps, batch_size=128, lr=2e-3, warmup=max(1, steps // 15), mask_ratio=mask_ratio)
    return trained_mae(vc, tc, "digits", seed, device=device)


def n_test() -> int:
    """Size of the digits test split the probes (tlc.tab1, tlc.tab2) are scored on."""
    return len(dataset("digits", 8)[1])


def probe_above_chance(which: str) -> Regime:
    """Instrument condition of the digits probes: ``which`` (e.g. "both linear probes are") above
    chance, i.e. accuracy above ``chance_bar`` on the digits test split."""
    return Regime("min_probe_accuracy", f"{which} above chance: accuracy > 1/10 + 3 binomial standard errors on "
                  f"{n_test()} test digits", ">", chance_bar(n_test()), instrument=True)
