"""Data-model fields for the fpc claims that sweep the size P (and the exponents kappa_c,
kappa_s or the number of clusters K) themselves.

Such a claim cannot carry ``MIMConfig``'s ``P`` (or ``K``, ``kappa_c``, ``kappa_s``) as fields:
an override of a field the sweep replaces would change nothing. It inherits ``SweepData``
for the data fields it does *not* sweep, and passes them to sweep points as one dict
(``data_dict``), rebuilt there with ``DataConfig(**data)``: an override such as
``--set c_local=3.5`` therefore reaches every point of the sweep.
"""
from __future__ import annotations

import dataclasses

from claims._data import DrawFields

from ._common import data_config

# the data-model fields (models/data.py) no sweep of these claims replaces: how an image is drawn
# (C_{k,1} = round(c_global * P**kappa_c), local size = round(c_local * P**kappa_s))
SweepData = DrawFields


def data_dict(cfg, **changes) -> dict:
    """The full data configuration of one sweep point as a plain (picklable) dict."""
    return dataclasses.asdict(data_config(cfg, **changes))


def largest(values) -> int:
    """The largest size of a sweep: the claim's ``P`` for the runner's scale block."""
    return max(values)
