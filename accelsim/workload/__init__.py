"""Workload IR: layers, graph with shape inference, zoo and importers."""
from accelsim.workload.graph import LayerInfo, Workload
from accelsim.workload.layers import LAYER_TYPES, Add, Concat, Conv2d, Dense, Layer, Pool2d, register_layer
from accelsim.workload.layers_detection import NonMaxSuppression
from accelsim.workload.layers_elementwise import Activation, Eltwise, Softmax
from accelsim.workload.layers_movement import ChannelShuffle, ChannelSlice, Pad, Reshape, Upsample, ZeroCost
from accelsim.workload.layers_pool import AdaptivePool2d
from accelsim.workload.layers_recurrent import ConvLSTMCell, LSTMCell
from accelsim.workload.loader import DEFAULT_WORKLOAD, available_workloads, load_workload
from accelsim.workload.zoo import ZOO

__all__ = ["Activation", "AdaptivePool2d", "Add", "ChannelShuffle", "ChannelSlice", "Concat", "Conv2d", "ConvLSTMCell",
           "DEFAULT_WORKLOAD", "Dense", "Eltwise", "LAYER_TYPES", "LSTMCell", "Layer", "LayerInfo", "NonMaxSuppression",
           "Pad", "Pool2d", "Reshape", "Softmax", "Upsample", "Workload", "ZOO", "ZeroCost", "available_workloads",
           "load_workload", "register_layer"]
