"""The ``--compress`` grammar: a comma-separated list of transforms, applied left to right.

::

    SPEC   := STEP ("," STEP)*
    STEP   := NAME ["=" ARG] ("," OPTION)*
    OPTION := KEY ":" VALUE | "@" GLOB ":" FORMAT

A token with ``=`` (or a bare transform name) starts a step; a ``key:value``
token belongs to the step before it. Transforms and their arguments:

=============================  ==================================================
``quant=FMT``                  weights and activations in FMT (fp32, fp16, bf16,
                               int16, int8, int4, ternary, binary); options
                               ``a:FMT`` (activations), ``edges:keep|same|FMT``
                               (first and last weighted layers; default keep
                               below 8 bits), ``@GLOB:FMT`` per-layer override.
                               Alias ``quantize``.
``prune=S``                    unstructured sparsity S in [0, 1) (``sparsity:S``)
``prune=N:M``                  N of every M weights kept (2:4)
``prune=channels:F``           fraction F of filters removed
                               options ``format:auto|dense|bitmap|csr|nm``,
                               ``layers:GLOB|GLOB``
``factorize=rank:R``           also ``ratio:F``, ``energy:F`` (+ ``alpha:A``),
                               ``layers:...``. Alias ``lowrank``.
``hash=F``                     HashedNets, F buckets per weight (``ratio:F``), or
                               ``hash=buckets:K``; ``ops:N``, ``layers:...``
``separable``                  standard convs -> depthwise + pointwise;
                               ``layers:...``
``distill=width:W``            student: ``width:W``, ``depth:D``,
                               ``resolution:PIXELS`` (any of them)
=============================  ==================================================

Examples: ``prune=0.7,quant=int8``; ``quant=binary,a:int8,@fc*:int8``;
``distill=width:0.5,resolution:160,quant=int8``; ``none`` (no compression). :func:`parse_spec` returns a
:class:`~accelsim.compress.base.Pipeline`; :func:`apply_spec` applies one to
a workload. Errors are one line: the step, the field, the value, what is allowed.
"""
from __future__ import annotations

import re

from accelsim.compress.base import Pipeline, Transform, as_patterns, compose
from accelsim.compress.distill import Distill
from accelsim.compress.factorize import DEFAULT_ALPHA, Factorize
from accelsim.compress.hashing import DEFAULT_HASH_OPS, HashWeights
from accelsim.compress.prune import Prune
from accelsim.compress.quantize import Quantize
from accelsim.compress.separable import Separable
from accelsim.errors import AccelsimError
from accelsim.limits import shown
from accelsim.workload.graph import Workload
from accelsim.workload.loader import load_workload

NONE = "none"

ALIASES = {"quant": "quant", "quantize": "quant", "prune": "prune", "factorize": "factorize",
           "lowrank": "factorize", "hash": "hash", "hashednets": "hash", "separable": "separable",
           "distill": "distill"}
_NM = re.compile(r"^(\d+):(\d+)$")


class _Step:
    def __init__(self, name: str, text: str, arg: str | None):
        self.name, self.text, self.arg = name, text, arg
        self.options: list[tuple[str, str]] = []

    def fail(self, msg: str) -> AccelsimError:
        return AccelsimError(f"--compress {shown(self.text)}: {msg}")


def _tokens(spec: str) -> list[_Step]:
    if not isinstance(spec, str) or not spec.strip():
        raise AccelsimError(f"--compress: got {shown(spec)}; give transforms like prune=0.7,quant=int8 "
                            f"(known: {', '.join(sorted(set(ALIASES.values())))})")
    steps: list[_Step] = []
    for raw in spec.split(","):
        tok = raw.strip()
        if not tok:
            raise AccelsimError(f"--compress {shown(spec)}: empty item between commas")
        head, eq, arg = tok.partition("=")
        key = head.strip().lower()
        if eq or key in ALIASES:
            if key not in ALIASES:
                raise AccelsimError(f"--compress: unknown transform {shown(head.strip())} in {shown(tok)}; "
                                    f"allowed: {', '.join(ALIASES)}")
            if any(st.name == ALIASES[key] for st in steps):
                raise AccelsimError(f"--compress {shown(spec)}: {ALIASES[key]} given twice; give each transform once")
            steps.append(_Step(ALIASES[key], tok, arg.strip() if eq else None))
            continue
        if not steps:
            raise AccelsimError(f"--compress: {shown(tok)} does not start with a transform; "
                                f"begin with NAME=VALUE, e.g. prune=0.7 (known: {', '.join(ALIASES)})")
        opt_key, colon, value = tok.partition(":")
        if not colon or not opt_key.strip() or not value.strip():
            raise steps[-1].fail(f"option {shown(tok)} is not KEY:VALUE")
        steps[-1].options.append((opt_key.strip(), value.strip()))
        steps[-1].text += "," + tok
    return steps


def _number(step: _Step, key: str, text: str, kind=float):
    try:
        return kind(text)
    except ValueError:
        what = "an integer" if kind is int else "a number"
        raise step.fail(f"{key}: got {shown(text)}; must be {what}") from None


def _arg_options(step: _Step) -> list[tuple[str, str]]:
    """The step's argument as an option (``prune=channels:0.5`` -> ('channels', '0.5')) plus its options."""
    opts = list(step.options)
    if step.arg:
        if _NM.match(step.arg):
            opts.insert(0, ("nm", step.arg))
        elif ":" in step.arg:
            k, _, v = step.arg.partition(":")
            opts.insert(0, (k.strip(), v.strip()))
        else:
            opts.insert(0, ("", step.arg))
    return opts


def _check_keys(step: _Step, opts, allowed: set[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in opts:
        if k.startswith("@"):
            continue
        if k not in allowed:
            shown = f"{k}:{v}" if k else v
            raise step.fail(f"unknown option {shown!r} for {step.name}; "
                            f"allowed: {', '.join(sorted(a or 'VALUE' for a in allowed))}")
        if k in out:
            raise step.fail(f"option {k or 'value'!r} given twice")
        out[k] = v
    return out


def _build(step: _Step) -> Transform:
    opts = _arg_options(step)
    try:
        if step.name == "quant":
            o = _check_keys(step, opts, {"", "w", "weights", "a", "acts", "edges"})
            weights = o.get("") or o.get("w") or o.get("weights")
            if weights is None:
                raise step.fail("quant needs a format, e.g. quant=int8")
            overrides = tuple((k[1:], v) for k, v in opts if k.startswith("@"))
            if any(not p for p, _ in overrides):
                raise step.fail("per-layer override needs a layer name, e.g. @fc8:int8")
            return Quantize(weights, o.get("a") or o.get("acts"), o.get("edges"), overrides)
        if any(k.startswith("@") for k, _ in opts):
            raise step.fail("@LAYER:FORMAT overrides belong to quant; use layers:GLOB to select layers")
        if step.name == "prune":
            o = _check_keys(step, opts, {"", "sparsity", "nm", "channels", "format", "layers"})
            nm = None
            if "nm" in o:
                m = _NM.match(o["nm"])
                if not m:
                    raise step.fail(f"N:M: got {o['nm']!r}; need integers, e.g. 2:4")
                nm = (int(m.group(1)), int(m.group(2)))
            sparsity = o.get("sparsity", o.get(""))
            return Prune(sparsity=None if sparsity is None else _number(step, "sparsity", sparsity), nm=nm,
                         channels=_number(step, "channels", o["channels"]) if "channels" in o else None,
                         format=o.get("format", "auto"), layers=as_patterns(o.get("layers")))
        if step.name == "factorize":
            o = _check_keys(step, opts, {"rank", "ratio", "energy", "alpha", "layers"})
            return Factorize(rank=_number(step, "rank", o["rank"], int) if "rank" in o else None,
                             ratio=_number(step, "ratio", o["ratio"]) if "ratio" in o else None,
                             energy=_number(step, "energy", o["energy"]) if "energy" in o else None,
                             alpha=_number(step, "alpha", o["alpha"]) if "alpha" in o else DEFAULT_ALPHA,
                             layers=as_patterns(o.get("layers")))
        if step.name == "hash":
            o = _check_keys(step, opts, {"", "ratio", "buckets", "ops", "layers"})
            ratio = o.get("ratio", o.get(""))
            return HashWeights(ratio=None if ratio is None else _number(step, "ratio", ratio),
                               buckets=_number(step, "buckets", o["buckets"], int) if "buckets" in o else None,
                               ops=_number(step, "ops", o["ops"], int) if "ops" in o else DEFAULT_HASH_OPS,
                               layers=as_patterns(o.get("layers")))
        if step.name == "separable":
            o = _check_keys(step, opts, {"layers"})
            return Separable(layers=as_patterns(o.get("layers")))
        o = _check_keys(step, opts, {"width", "depth", "resolution"})
        return Distill(width=_number(step, "width", o.get("width", "1")),
                       depth=_number(step, "depth", o.get("depth", "1")),
                       resolution=_number(step, "resolution", o["resolution"], int) if "resolution" in o else None)
    except AccelsimError as err:
        msg = str(err)
        if msg.startswith("--compress"):
            raise
        raise step.fail(msg.split(": ", 1)[1] if msg.startswith(f"{step.name}: ") else msg) from None


def parse_spec(spec: str) -> Pipeline:
    """The transforms of a ``--compress`` spec, validated; see the module doc for the grammar.

    ``none`` is the empty pipeline (a sweep's uncompressed baseline).
    """
    if isinstance(spec, str) and spec.strip().lower() == NONE:
        return Pipeline(())
    return compose([_build(step) for step in _tokens(spec)])


def apply_spec(workload: Workload | str, spec: str | Transform) -> Workload:
    """``workload`` (a Workload, zoo name or file) compressed by ``spec`` (a spec string or a transform).

    The stable entry point for the CLI and sweep files.
    """
    pipeline = spec if isinstance(spec, Transform) else parse_spec(spec)
    return pipeline.apply(load_workload(workload))
