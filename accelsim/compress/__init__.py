"""Compression transforms: ``Workload -> Workload`` rewrites, one module each, with lineage.

From Python::

    from accelsim.compress import prune, quantize, apply_spec
    small = (prune(0.7) | quantize("int8"))(workload)     # or apply_spec(workload, "prune=0.7,quant=int8")
    small.lineage                                           # the steps applied, with their parameters

``apply_spec`` and ``parse_spec`` are the stable entry points for the CLI and
sweep files; the grammar is documented in :mod:`accelsim.compress.spec`.
"""
from accelsim.compress.base import LineageStep, Pipeline, Transform, compose
from accelsim.compress.distill import Distill, distill
from accelsim.compress.factorize import Factorize, factorize
from accelsim.compress.hashing import HashWeights, hash_weights
from accelsim.compress.prune import Prune, prune
from accelsim.compress.quantize import Quantize, quantize
from accelsim.compress.separable import Separable, separable
from accelsim.compress.spec import apply_spec, parse_spec
from accelsim.compress.summary import CompressionSummary, WorkloadFigures, workload_figures

__all__ = ["CompressionSummary", "Distill", "Factorize", "HashWeights", "LineageStep", "Pipeline", "Prune",
           "Quantize", "Separable", "Transform", "WorkloadFigures", "apply_spec", "compose", "distill", "factorize",
           "hash_weights", "parse_spec", "prune", "quantize", "separable", "workload_figures"]
