"""Workload IR: layers, graph with shape inference, zoo and importers."""
from accelsim.workload.graph import LayerInfo, Workload
from accelsim.workload.layers import LAYER_TYPES, Add, Concat, Conv2d, Dense, Layer, Pool2d, register_layer
from accelsim.workload.loader import DEFAULT_WORKLOAD, available_workloads, load_workload
from accelsim.workload.zoo import ZOO

__all__ = ["Add", "Concat", "Conv2d", "DEFAULT_WORKLOAD", "Dense", "LAYER_TYPES", "Layer", "LayerInfo", "Pool2d",
           "Workload", "ZOO", "available_workloads", "load_workload", "register_layer"]
