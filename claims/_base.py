"""The shape of a claim: frozen dataclasses for the claim, its assumptions, predictions,
symbolic obligations and the measurement a numerical check returns.

A claim module builds one :class:`Claim` and registers it (see ``claims/_registry.py``).
The runner (``checks/runner.py``) does the rest: it resolves the configuration of the
chosen profile, refuses one that breaks an assumption, records the predictions *before*
calling ``check``, and judges the returned values against them. A check therefore never
decides its own verdict: it measures.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import operator
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from models.errors import InvalidParameter

from .errors import UnknownProfile

SYMBOLIC_STATUSES = ("proved", "refuted", "inconclusive", "not_applicable", "error")


@dataclass(frozen=True)
class Paper:
    """A source paper, declared once in ``claims/<short>/__init__.py`` as ``PAPER = Paper(...)``
    (or in a plugin package, see ``claims/_registry.py``). ``short`` is the claim-id prefix."""

    short: str          # "fpc"
    title: str
    authors: str = ""
    reference: str = ""  # "arXiv 2403.02233 v1", "anonymous submission", a DOI
    link: str = ""

    def describe(self) -> str:
        extra = "; ".join(x for x in (self.authors, self.reference) if x)
        return f"{self.title} ({extra})" if extra else self.title

    def as_json(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Source:
    """Where a claim comes from: paper short name, location, and the seed's own words."""

    paper: str      # "fpc" | "ssl" | "tlc"
    section: str    # e.g. "Theorem 4.1 (Section 4)"
    quote: str      # the sentence(s) of the seed this claim encodes, verbatim


# ----------------------------------------------------------------------------- assumptions
@dataclass(frozen=True)
class Assumption:
    """A named constraint on configuration fields, e.g. ``0 < gamma < 1``.

    Two kinds. A **SymPy relation** (``formula``, see ``claims/_spec.py``) over symbols named
    after configuration fields, or, with ``each=(field, names)``, over the components of every
    element of a tuple field; ``defs`` names expressions of the others (``Delta``); ``integer``
    lists symbols that must be integers. One declaration is checked numerically, rendered
    (LaTeX, MathML), exported, and hands its symbols to ``derive``. A **Python predicate**
    (``predicate``) stays possible for what SymPy cannot express; it is marked as such.
    Build them with :meth:`math`, :meth:`range`, :meth:`integer` (SymPy) or :meth:`relation`
    (Python).
    """

    text: str
    fields: tuple[str, ...]
    predicate: Callable[..., bool] | None = None
    formula: str = ""
    each: tuple | None = None                     # (tuple field, symbol name or names of one element)
    defs: tuple[tuple[str, str], ...] = ()        # (name, expression) pairs
    integer_symbols: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return "sympy" if self.formula else "python"

    def _names(self) -> tuple[str, ...]:
        if self.each:
            syms = self.each[1]
            return (syms,) if isinstance(syms, str) else tuple(syms)
        return self.fields

    def relation_expr(self):
        """The SymPy relation (defs substituted); None for a Python predicate."""
        return _parsed(self.formula, self._names(), self.defs) if self.formula else None

    def latex(self) -> str:
        from ._spec import latex_name, latex_of
        if not self.formula:
            return ""
        body = latex_of(_parsed(self.formula, self._names(), self.defs, False), self.each)
        if self.defs:
            from ._spec import _parse
            table = {n: _sym(n) for n in self._names()}
            where = ", ".join(f"{latex_name(k)} = " + latex_of(_parse(v, table)) for k, v in self.defs)
            body += f",\\ \\text{{where }} {where}"
        if self.integer_symbols:
            ints = ", ".join(latex_name(n) for n in self.integer_symbols)
            body = (body.replace(":\\ ", f":\\ {ints} \\in \\mathbb{{Z}} \\land ", 1) if self.each
                    else f"{ints} \\in \\mathbb{{Z}} \\land {body}")
        return body

    def violation(self, cfg) -> str | None:
        try:
            values = [getattr(cfg, f) for f in self.fields]
        except AttributeError as exc:  # a claim bug, not a user error
            raise AttributeError(f"assumption {self.text!r} names a field the config lacks: {exc}") from exc
        if not self.formula:
            if self.predicate(*values):
                return None
            shown = ", ".join(f"{f}={v!r}" for f, v in zip(self.fields, values))
            return f"{self.text} (got {shown})"
        return self._sympy_violation(values)

    def _sympy_violation(self, values) -> str | None:
        from ._spec import to_sympy_number, violated_parts
        names = self._names()
        rel = self.relation_expr()
        if self.each:
            seq = values[0]
            if not isinstance(seq, (tuple, list)) or not seq:
                return f"{self.text} (got {self.fields[0]}={seq!r}: not a non-empty tuple)"
            rows = [((e,) if len(names) == 1 else e, f" in {self.fields[0]}[{i}]") for i, e in enumerate(seq)]
        else:
            rows = [(values, "")]
        for row, where in rows:
            if not isinstance(row, (tuple, list)) or len(row) != len(names):
                return f"{self.text} (got {row!r}{where}: expected {len(names)} value(s) {', '.join(names)})"
            shown = ", ".join(f"{n}={v!r}" for n, v in zip(names, row)) + where
            bad_int = [n for n, v in zip(names, row) if n in self.integer_symbols
                       and (isinstance(v, bool) or not isinstance(v, int))]
            if bad_int:
                return f"{self.text} (got {shown}: {', '.join(bad_int)} must be an integer)"
            try:
                subs = {_sym(n): to_sympy_number(n, v) for n, v in zip(names, row)}
            except TypeError as exc:
                return f"{self.text} (got {shown}: {exc})"
            bad = violated_parts(rel, subs)
            if bad is None:
                return f"{self.text} (got {shown}: SymPy could not decide the relation)"
            if bad:
                return f"{self.text} (got {shown}; violated: {', '.join(bad)})"
        return None

    def symbols(self) -> dict:
        """The SymPy symbols this assumption declares, with the assumptions it implies."""
        if not self.formula:
            return {}
        import sympy as sp

        from ._spec import implied_assumptions
        implied = implied_assumptions([self.relation_expr()])
        out = {}
        for n in self._names():
            kw = dict(implied.get(n, {}))
            if n in self.integer_symbols:
                kw["integer"] = True
            out[n] = sp.Symbol(n, real=True, **kw)
        return out

    def as_json(self) -> dict:
        rel = self.relation_expr()
        import sympy as sp
        return {"text": self.text, "kind": self.kind, "fields": list(self.fields), "formula": self.formula,
                "srepr": sp.srepr(rel) if rel is not None else "", "latex": self.latex(),
                "each": [self.each[0], list(self._names())] if self.each else None,
                "defs": {k: v for k, v in self.defs}, "integer": list(self.integer_symbols)}

    @classmethod
    def math(cls, formula: str, *, each: tuple | None = None, defs: Mapping[str, str] | None = None,
             integer: Sequence[str] = (), text: str = "") -> "Assumption":
        """``Assumption.math("0 < kappa_s < kappa_c < 1", each=("gaps", ("kappa_c", "kappa_s")))``."""
        from ._spec import free_names
        defs_t = tuple((defs or {}).items())
        if each:
            fields = (each[0],)
        else:
            used = free_names(formula) + [n for _, v in defs_t for n in free_names(v)]
            fields = tuple(dict.fromkeys(n for n in used if n not in dict(defs_t)))
        a = cls(text or formula + (f" for every element of {each[0]}" if each else ""), fields,
                formula=formula, each=each, defs=defs_t, integer_symbols=tuple(integer))
        a.relation_expr()                     # a formula that does not parse fails at import
        return a

    @classmethod
    def range(cls, name: str, lo: float | None = None, hi: float | None = None, *,
              lo_open: bool = True, hi_open: bool = True) -> "Assumption":
        text = ""
        if lo is not None:
            text += f"{lo} {'<' if lo_open else '<='} "
        text += name
        if hi is not None:
            text += f" {'<' if hi_open else '<='} {hi}"
        if lo is None and hi is None:
            text += " == " + name
        return cls.math(text)

    @classmethod
    def integer(cls, name: str, minimum: int = 1) -> "Assumption":
        return cls.math(f"{name} >= {minimum}", integer=(name,), text=f"{name} is an integer >= {minimum}")

    @classmethod
    def relation(cls, text: str, fields: Sequence[str], fn: Callable[..., bool]) -> "Assumption":
        """A Python predicate, for what a SymPy relation cannot express (marked as such)."""
        return cls(text, tuple(fields), fn)


def _sym(name: str):
    import sympy as sp
    return sp.Symbol(name, real=True)


@functools.lru_cache(maxsize=None)
def _parsed(formula: str, names: tuple[str, ...], defs: tuple[tuple[str, str], ...], substitute: bool = True):
    """The relation of ``formula`` over ``names``; with ``substitute``, the defined symbols
    (``defs``) replaced by their expressions."""
    from ._spec import _parse, parse_relation
    table = {n: _sym(n) for n in names}
    subs = {_sym(k): _parse(v, table) for k, v in defs}
    rel = parse_relation(formula, {**table, **{k: _sym(k) for k, _ in defs}})
    return rel.xreplace(subs) if subs and substitute else rel


# ----------------------------------------------------------------------------- predictions
_OPS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}


@dataclass(frozen=True)
class Prediction:
    """What the check must measure, fixed from the configuration before it runs.

    ``op`` is one of ``<=, >=, <, >`` (against ``threshold``), ``within`` (|value -
    threshold| <= tol) or ``between`` (threshold is a ``(lo, hi)`` pair, inclusive).
    """

    name: str            # key of the measured value in Measurement.values
    statement: str       # what is predicted, in words
    op: str
    threshold: Any
    tol: float = 0.0
    # why this quantity cannot fail (e.g. "a sum of squares"): judged, shown, never counted
    # as numerical support; a by-construction prediction that fails is a bug (error)
    by_construction: str = ""
    # judged from a sweep along the parameter the statement is asymptotic in (an exponent or
    # trend fit): valid evidence at reduced scale, unlike a value read off at one toy size
    trend: bool = False
    # the prediction's mathematical form in LaTeX (e.g. r"\max_p (L_p - L_p^*) \le \varepsilon");
    # when empty, one is written from name, op and threshold
    math: str = ""

    def __post_init__(self):
        if self.op not in (*_OPS, "within", "between"):
            raise ValueError(f"prediction {self.name}: unknown op {self.op!r}")

    def band(self) -> tuple[float, bool, float, bool]:
        """The predicted set as an interval ``(lo, lo_closed, hi, hi_closed)``."""
        inf = math.inf
        t = self.threshold
        if self.op == "<=":
            return -inf, False, float(t), True
        if self.op == "<":
            return -inf, False, float(t), False
        if self.op == ">=":
            return float(t), True, inf, False
        if self.op == ">":
            return float(t), False, inf, False
        if self.op == "within":
            return float(t) - self.tol, True, float(t) + self.tol, True
        return float(t[0]), True, float(t[1]), True

    def margin(self, value: float) -> float:
        """Signed distance of ``value`` from the predicted set's edge: > 0 inside, < 0 outside."""
        lo, _, hi, _ = self.band()
        return min(value - lo, hi - value)

    def judge(self, value) -> str:
        if value is None:
            return "error"
        if isinstance(value, bool):
            value = float(value)
        v = float(value)
        if math.isnan(v):
            return "error"
        if self.op in _OPS:
            ok = _OPS[self.op](v, float(self.threshold))
        elif self.op == "within":
            ok = abs(v - float(self.threshold)) <= self.tol
        else:
            lo, hi = self.threshold
            ok = float(lo) <= v <= float(hi)
        return "holds" if ok else "fails"

    def describe(self) -> str:
        f = _fmt
        if self.op == "within":
            return f"{self.name} = {f(self.threshold)} ± {f(self.tol)}"
        if self.op == "between":
            return f"{f(self.threshold[0])} <= {self.name} <= {f(self.threshold[1])}"
        return f"{self.name} {self.op} {f(self.threshold)}"

    def latex(self) -> str:
        """The mathematical form: ``math`` when given, else written from name, op and threshold."""
        if self.math:
            return self.math
        name = "\\mathrm{" + self.name.replace("_", "\\_") + "}"
        num = _latex_num
        if self.op == "within":
            return f"|{name} - {num(self.threshold)}| \\le {num(self.tol)}"
        if self.op == "between":
            return f"{num(self.threshold[0])} \\le {name} \\le {num(self.threshold[1])}"
        return f"{name} {_LATEX_OPS[self.op]} {num(self.threshold)}"

    def as_json(self) -> dict:
        thr = list(self.threshold) if isinstance(self.threshold, tuple) else self.threshold
        return {"name": self.name, "statement": self.statement, "op": self.op,
                "threshold": thr, "tol": self.tol, "rule": self.describe(),
                "by_construction": self.by_construction, "trend": self.trend, "latex": self.latex()}


@dataclass(frozen=True)
class Regime(Prediction):
    """A condition under which the paper's statement applies at all (training settled, a probe
    above chance, sizes large enough, the stage the statement speaks of reached), declared with
    the predictions before measuring and judged by the runner on every replicate.

    Unmet, it turns a would-be ``fails`` into ``inconclusive`` ("not in the regime of the
    statement"); it never turns anything into ``holds``. With ``instrument=True`` the condition
    is about the measuring instrument itself (a probe at chance measures nothing), so an unmet
    one turns a ``holds`` into ``inconclusive`` as well.
    """

    instrument: bool = False

    def as_json(self) -> dict:
        return {**super().as_json(), "instrument": self.instrument}


_LATEX_OPS = {"<=": "\\le", ">=": "\\ge", "<": "<", ">": ">"}


def _latex_num(x) -> str:
    if isinstance(x, float):
        m = f"{x:.6g}"
        if "e" in m:
            base, exp = m.split("e")
            return f"{base} \\times 10^{{{int(exp)}}}"
        return m
    return str(x)


def _fmt(x) -> str:
    """Thresholds as people write them: 0.3333333333333333 -> 0.333333, 1e-10 stays 1e-10."""
    return f"{x:.6g}" if isinstance(x, float) else str(x)


@dataclass
class Measurement:
    """What a numerical check returns: numbers, not a verdict.

    values:    measured scalars; every prediction's ``name`` must be a key.
    evidence:  any further JSON-able numbers (per-configuration tables, counterexamples).
    series:    data for plots, ``{name: {"x": [...], "ys": {label: [...]}, "xlabel", "ylabel",
               "logx", "logy", "kind": "line"|"scatter"|"box"|"heatmap", "prediction": NAME}}``;
               ``prediction`` names the prediction whose threshold the report draws on the plot.
    undecided: prediction name -> why this scale cannot decide it (verdict inconclusive).
    intervals: value name -> its own 95% interval ``(lo, hi)`` (e.g. an exponent fit's), used by
               the runner when there are fewer than 3 replicates to take an interval over.
    scale:     the sizes this replicate actually reached (e.g. ``{"P": [16, 32, 64]}``), merged
               into the result's ``scale`` block.
    """

    values: dict[str, Any]
    evidence: dict[str, Any] = field(default_factory=dict)
    series: dict[str, Any] = field(default_factory=dict)
    undecided: dict[str, str] = field(default_factory=dict)
    notes: str = ""
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    scale: dict[str, Any] = field(default_factory=dict)


# ----------------------------------------------------------------------------- symbolic part
@dataclass(frozen=True)
class Obligation:
    """One proof obligation of a derivation (see ``claims/_sym.py`` for constructors)."""

    name: str
    statement: str
    kind: str            # "identity" | "inequality" | "fact"
    status: str          # "proved" | "refuted" | "inconclusive"
    expr: str = ""       # the residual / expression, as SymPy prints it
    latex: str = ""
    mathml: str = ""
    detail: str = ""     # how it was decided, or the counterexample

    def as_json(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Derivation:
    obligations: tuple[Obligation, ...]
    note: str = ""

    @property
    def status(self) -> str:
        states = {o.status for o in self.obligations}
        if not states:
            return "not_applicable"
        if "refuted" in states:
            return "refuted"
        if states == {"proved"}:
            return "proved"
        return "inconclusive"


# ----------------------------------------------------------------------------- the claim
@dataclass(frozen=True)
class Claim:
    """One theorem, lemma, equation or empirical assertion of a source paper.

    config:     a frozen dataclass *class* whose defaults are the quick-profile values.
    profiles:   profile name -> field overrides (``quick`` and ``full`` at least).
    predictions(cfg) -> Sequence[Prediction], called by the runner before ``check``.
    check(cfg, ctx)  -> Measurement; ``ctx`` is a ``checks.runner.RunContext``.
    derive(cfg)      -> Derivation: the SymPy part.
    not_algebraic:   one line saying why there is no derivation, when there is none.
    not_checkable:   why the statement cannot be encoded (e.g. its equations were lost);
                     such a claim is listed and reported ``skipped`` with this reason.
    regime(cfg)      -> Sequence[Regime]: conditions under which the statement applies, fixed
                     before measuring like the predictions; judged by the runner.
    deterministic:   the measurement has no randomness that matters (exact identities, exact
                     grids, formula against autograd in float64): run once, interval [v, v].
    scale_fields:    configuration fields recorded as the run's scale (sizes, steps, n, ...).
    asymptotic_in:   fields the statement is asymptotic in (P -> infinity, ...): a run below the
                     ``full`` profile's values there is reduced scale, and a ``fails`` read off at
                     reduced scale (not from a trend prediction) is ``inconclusive``.
    reduced_scale:   a fixed reason why every run of this claim is below the paper's scale
                     (e.g. "a 2-layer ViT on 8x8 digits, not ViT-B on ImageNet").
    interpretation:  the reading the claim had to choose where the paper is silent (a loss,
                     the meaning of "mild"), shown next to the verdict.
    unused_fields:   configuration fields the check does not read, with why; overriding one is
                     refused (exit 2) instead of silently changing nothing.
    memory_gb(cfg)   -> float: estimated peak memory (GB) of one sweep point (one process) on
                     the run's device; ``python -m checks run`` refuses (exit 2) a run whose
                     estimate, times the points run at once, exceeds the memory available.
    cost(cfg)        -> list[claims._cost.Work]: the work one replicate of the check runs (kernels,
                     sizes, step counts); ``python -m checks estimate`` times the kernels and
                     projects the run's CPU (and GPU) time from it.
    """

    id: str
    title: str
    statement: str
    source: Source
    kind: str = "lemma"
    # the statement as mathematics: LaTeX, with prose in \text{...} or around $...$ segments;
    # rendered to MathML in the report, the plain ``statement`` in the terminal
    statement_latex: str = ""
    assumptions: tuple[Assumption, ...] = ()
    depends_on: tuple[str, ...] = ()
    config: type | None = None
    profiles: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: {"quick": {}, "full": {}})
    predictions: Callable[[Any], Sequence[Prediction]] | None = None
    check: Callable[[Any, Any], Measurement] | None = None
    derive: Callable[[Any], Derivation] | None = None
    not_algebraic: str = ""
    not_checkable: str = ""
    notes: str = ""
    regime: Callable[[Any], Sequence["Regime"]] | None = None
    deterministic: bool = False
    scale_fields: tuple[str, ...] = ()
    asymptotic_in: tuple[str, ...] = ()
    reduced_scale: str = ""
    interpretation: str = ""
    # configuration fields the check does not read (e.g. kappa_c when it sweeps kappa_c_sweep):
    # field -> why; overriding one is refused as not applicable to this claim
    unused_fields: Mapping[str, str] = field(default_factory=dict)
    memory_gb: Callable[[Any], float] | None = None
    cost: Callable[[Any], Sequence[Any]] | None = None

    @property
    def paper(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def label(self) -> str:
        return self.id.split(".", 1)[1]

    @property
    def has_derivation(self) -> bool:
        return self.derive is not None

    @property
    def has_check(self) -> bool:
        return self.check is not None

    def resolve_config(self, profile: str = "quick", overrides: Mapping[str, Any] | None = None):
        """The configuration for ``profile`` with ``overrides`` applied (None if no config)."""
        if profile not in self.profiles:
            raise UnknownProfile(self.id, profile, self.profiles)
        if self.config is None:
            if overrides:
                raise InvalidParameter(next(iter(overrides)), overrides[next(iter(overrides))],
                                       f"claim {self.id} has no configuration")
            return None
        names = {f.name: f for f in dataclasses.fields(self.config)}
        merged = dict(self.profiles[profile])
        for key, value in (overrides or {}).items():
            if key not in names:
                raise InvalidParameter(key, value, f"claim {self.id} has no such field",
                                       f"known fields: {', '.join(sorted(names))}")
            if key in self.unused_fields:
                raise InvalidParameter(key, value, f"not applicable to claim {self.id}: "
                                       f"{self.unused_fields[key]}")
            merged[key] = _coerce(names[key], value)
        return dataclasses.replace(self.config(), **merged)

    def violations(self, cfg) -> list[str]:
        if cfg is None:
            return []
        return [v for a in self.assumptions if (v := a.violation(cfg)) is not None]

    def symbols(self) -> dict:
        """SymPy symbols declared by the SymPy-relation assumptions, each with every assumption
        they imply together (``0 < kappa_s < kappa_c < 1`` makes both positive; ``P`` an integer
        >= 8 is a positive integer). ``derive(cfg, S)`` receives these, so the derivation uses
        exactly what the numerical check assumes."""
        import sympy as sp
        merged: dict[str, dict] = {}
        for a in self.assumptions:
            for name, sym in a.symbols().items():
                merged.setdefault(name, {}).update({k: v for k, v in sym.assumptions0.items()
                                                    if k in ("positive", "nonnegative", "integer")})
        out = {}
        for name, kw in merged.items():
            if kw.get("positive"):
                kw.pop("nonnegative", None)
            out[name] = sp.Symbol(name, real=True, **kw)
        return out

    def run_derive(self, cfg):
        """``derive(cfg, S)`` with the declared symbols when it takes two arguments, else ``derive(cfg)``."""
        import inspect
        params = [p for p in inspect.signature(self.derive).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        return self.derive(cfg, self.symbols()) if len(params) >= 2 else self.derive(cfg)


# fields whose meaning fixes their range, whatever the claim: a step size, counts of steps/samples
_POSITIVE = ("lr", "eta")
_COUNTS = ("steps", "n_samples", "n_eval", "record_every", "eval_every", "max_steps", "gd_steps",
           "train_steps", "pretrain_steps", "probe_steps", "n_states", "n_random", "n_sample")


def _coerce(f: dataclasses.Field, value):
    """A CLI override parsed and validated by the field's default, element by element: an int
    field takes an int, a float field a finite real, a tuple field a tuple shaped like its
    default, a ``dtype`` one of float32/float64; NaN and infinities are never accepted.
    Raises :class:`InvalidParameter` naming the field, the value and what it should be."""
    default = f.default if f.default is not dataclasses.MISSING else None
    value = _like(f.name, default, value)
    if f.name == "dtype" and value not in ("float32", "float64"):
        raise InvalidParameter(f.name, value, "must be float32 or float64")
    if f.name in _POSITIVE and not value > 0:
        raise InvalidParameter(f.name, value, "the step size must be a positive number")
    if f.name in _COUNTS and isinstance(value, int) and value < 1:
        raise InvalidParameter(f.name, value, "must be a positive integer")
    return value


def _describe(default, top: bool = True) -> str:
    if isinstance(default, tuple):
        inner = sorted({_describe(d, False) for d in default}) or ["values"]
        text = f"a tuple of ({' or '.join(inner)})"
        return text + (f", like {default!r}" if top and len(str(default)) < 80 else "")
    return {bool: "true/false", int: "an integer", float: "a finite number", str: "a string"}.get(
        type(default), type(default).__name__)


def _like(name: str, default, value):
    """``value`` converted to the shape and types of ``default`` (recursively for tuples)."""
    bad = InvalidParameter(name, value, f"must be {_describe(default)}")
    if default is None:
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise bad
        return value
    if isinstance(value, bool):
        raise bad
    if isinstance(default, int):
        if not isinstance(value, int):
            raise bad
        return value
    if isinstance(default, float):
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise bad
        return float(value)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise bad
        return value
    if isinstance(default, tuple):
        if not isinstance(value, (tuple, list)) or (default and not value):
            raise bad
        if not default:
            return tuple(value)
        kinds = {type(d) for d in default}
        proto = default[0] if len(kinds) == 1 else None
        if proto is None:                       # mixed default: per position
            if len(value) != len(default):
                raise bad
            return tuple(_like(name, d, v) for d, v in zip(default, value))
        if isinstance(proto, tuple) and any(not isinstance(v, (tuple, list)) or len(v) != len(proto) for v in value):
            raise bad
        return tuple(_like(name, proto, v) for v in value)   # a float tuple also takes ints (_like converts)
    return value


def config_as_json(cfg) -> dict | None:
    if cfg is None:
        return None
    out = {}
    for f in dataclasses.fields(cfg):
        v = getattr(cfg, f.name)
        out[f.name] = list(v) if isinstance(v, tuple) else v
    return out
