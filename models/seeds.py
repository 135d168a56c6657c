"""The one rule for deriving seeds: ``SeedSequence([seed, *keys])`` reduced to 31 bits.

Every seed a check needs (a replicate's, a sweep point's, a training run's, a torch
generator's) is ``derive_seed(run_seed, *keys)`` with keys naming what it is for, the same on
every machine and process. No ad-hoc multipliers."""
from __future__ import annotations

import zlib

import numpy as np


def _key_int(key) -> int:
    if isinstance(key, bool) or not isinstance(key, (int, str)):
        raise TypeError(f"seed keys are ints or strings, got {type(key).__name__}")
    if isinstance(key, str):
        return zlib.crc32(key.encode())
    return key


def derive_seed(seed: int, *keys) -> int:
    """``SeedSequence([seed, *keys])`` reduced to 31 bits (fits every RNG's seed argument)."""
    ss = np.random.SeedSequence([int(seed), *(_key_int(k) for k in keys)])
    return int(ss.generate_state(1)[0] & 0x7FFFFFFF)
