"""The catalogue of claims, one module per claim, grouped by paper (fpc, ssl, tlc)."""
from ._base import Assumption, Claim, Derivation, Measurement, Obligation, Paper, Prediction, Regime, Source  # noqa: F401
from ._registry import all_claims, get, load_all, register, resolve  # noqa: F401
