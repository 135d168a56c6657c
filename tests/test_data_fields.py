"""Every override of a data-model field reaches the model (no claim copies some DataConfig fields
by hand and silently drops the others).

For each claim whose configuration has fields of ``models.data.DataConfig``, each such field is
overridden with another valid value and the claim is run only until it builds its first data
model: ``Distribution.__init__`` is intercepted (serial executor, so sweep points run in this
process), the DataConfig it received is recorded, and the run is stopped. The recorded model must
carry the overridden value. A claim that sweeps a field itself (``P`` over ``P_values``) does not
have that field in its configuration, so it is not asked to.
"""
import dataclasses

import pytest

from checks import executors, runner
from claims import _registry
from models import data as data_mod
from models.errors import InvalidParameter

DATA_FIELDS = {f.name for f in dataclasses.fields(data_mod.DataConfig)}


class _Built(Exception):
    pass


NEW_VALUE = {"c_local": lambda v: v * 1.5 + 0.25, "c_global": lambda v: 0.95 if v != 0.95 else 0.9,
             "z_low": lambda v: round(v * 0.8, 3), "z_high": lambda v: v + 0.5,
             "partition_seed": lambda v: v + 1,
             "z_dist": lambda v: "two-point" if v != "two-point" else "uniform",
             "gamma": lambda v: 0.4 if v != 0.4 else 0.6, "K": lambda v: v + 1, "P": lambda v: v + 8,
             "kappa_c": lambda v: round(v - 0.05, 3), "kappa_s": lambda v: round(v + 0.05, 3)}


def _cases():
    _registry.load_all()
    out = []
    for c in _registry.all_claims():
        if c.config is None or c.check is None or c.not_checkable:
            continue
        cfg = c.resolve_config("quick")
        for f in sorted(DATA_FIELDS & {x.name for x in dataclasses.fields(cfg)}):
            out.append(pytest.param(c.id, f, id=f"{c.id}-{f}"))
    return out


@pytest.mark.parametrize("cid, field", _cases())
def test_data_field_override_reaches_the_model(cid, field, monkeypatch):
    claim = _registry.get(cid)
    cfg = claim.resolve_config("quick")
    value = NEW_VALUE[field](getattr(cfg, field))
    if field in claim.unused_fields:    # declared unused: the override is refused, not ignored
        with pytest.raises(InvalidParameter, match="not applicable"):
            claim.resolve_config("quick", {field: value})
        return
    seen = []
    original = data_mod.Distribution.__init__

    def spy(self, dc, *a, **kw):
        # stop at the first model that carries the override; a sweep may build smaller sizes
        # first (P = 24 before the configured P), so let up to 12 models be built before giving up
        seen.append(dc)
        factors = getattr(cfg, "area_factors", None) if field == "c_local" else None
        hit = getattr(dc, field) == value or bool(factors) and any(abs(dc.c_local - value * f) < 1e-9 for f in factors)
        if hit or len(seen) >= 12:
            raise _Built()
        original(self, dc, *a, **kw)
    monkeypatch.setattr(data_mod.Distribution, "__init__", spy)
    with executors.using(executors.make("serial"), close=False):
        try:
            r = runner.evaluate(cid, overrides={field: value}, allow_violations=True, symbolic=False,
                                replicates=1)
        finally:
            monkeypatch.setattr(data_mod.Distribution, "__init__", original)
    if not seen:
        pytest.fail(f"{cid}: no data model was built ({r['numeric'].get('note', '')[:200]})")
    factors = getattr(cfg, "area_factors", None) if field == "c_local" else None
    reached = any(getattr(dc, field) == value for dc in seen) or bool(factors) and any(
        any(abs(dc.c_local - value * f) < 1e-9 for f in factors) for dc in seen)   # area sweeps scale c_local
    assert reached, (
        f"{cid}: --set {field}={value!r} did not reach the data model (it got {getattr(seen[0], field)!r}); "
        "build DataConfig from the claim's config through claims/fpc/_common.data_config")
