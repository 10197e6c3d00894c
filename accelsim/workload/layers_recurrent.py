"""Recurrent cells for video: LSTM and ConvLSTM, one time step per frame (``steps`` for more).

The previous hidden and cell state live inside the cell (they are this
layer's own tensors from the last frame), so the layer reads one input: the
frame's features. Gates are one GEMM (LSTM) or one convolution (ConvLSTM)
over the concatenation ``[x, h]``; the rest is element-wise:

    i, f, o = sigmoid(.), g = tanh(.)        3 sigmoids + 1 tanh per hidden unit
    c = f * c + i * g                        3 operations
    h = o * tanh(c)                          1 tanh + 1 multiply

plus the bias add of the 4 gates: ``4 + 3*4 + 5 + 3 + 5 + 1 = 30`` operations
per hidden unit (see ``ACTIVATION_OPS``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from accelsim.errors import AccelsimError
from accelsim.workload.layer_checks import positive
from accelsim.workload.layers import Layer, Shape, _pair, register_layer
from accelsim.workload.layers_elementwise import ACTIVATION_OPS

# element operations per hidden unit and time step (module docstring)
LSTM_ELEM_OPS_PER_UNIT = (4 + 3 * ACTIVATION_OPS["sigmoid"] + ACTIVATION_OPS["tanh"] + 3
                          + ACTIVATION_OPS["tanh"] + 1)


@register_layer
@dataclass(frozen=True, kw_only=True)
class LSTMCell(Layer):
    """An LSTM cell over the flattened input: output is the hidden state (hidden_size, 1, 1).

    Parameters follow PyTorch/ONNX: ``W`` (4H x I), ``R`` (4H x H) and two bias
    vectors of 4H when ``bias``.
    """

    op: ClassVar[str] = "lstm"
    hidden_size: int
    steps: int = 1
    bias: bool = True

    def __post_init__(self):
        positive(self, "hidden_size", "steps")

    def out_shape(self, ins: list[Shape]) -> Shape:
        self._one_input(ins)
        return (self.hidden_size, 1, 1)

    def input_size(self, ins: list[Shape]) -> int:
        return math.prod(ins[0])

    def macs(self, ins: list[Shape], out: Shape) -> int:
        return self.steps * 4 * self.hidden_size * (self.input_size(ins) + self.hidden_size)

    def params(self, ins: list[Shape]) -> int:
        h = self.hidden_size
        return 4 * h * (self.input_size(ins) + h) + (8 * h if self.bias else 0)

    def elem_ops(self, ins: list[Shape], out: Shape) -> int:
        return self.steps * LSTM_ELEM_OPS_PER_UNIT * self.hidden_size


@register_layer
@dataclass(frozen=True, kw_only=True)
class ConvLSTMCell(Layer):
    """A convolutional LSTM cell (Shi et al. 2015, arXiv:1506.04214) without peepholes.

    The gates are one ``kernel`` convolution with 'same' padding from
    ``C + hidden_channels`` to ``4 * hidden_channels`` channels; output is the
    hidden state (hidden_channels, H, W). One bias per gate channel.
    """

    op: ClassVar[str] = "convlstm"
    hidden_channels: int
    kernel: tuple[int, int] | int = 3
    steps: int = 1
    bias: bool = True

    def __post_init__(self):
        object.__setattr__(self, "kernel", _pair(self.kernel))
        positive(self, "hidden_channels", "steps")
        if min(self.kernel) <= 0 or any(k % 2 == 0 for k in self.kernel):  # type: ignore[union-attr]
            raise AccelsimError(f"layer {self.name!r}: kernel: got {self.kernel}; must be odd and > 0 "
                                "('same' padding keeps H and W)")

    def out_shape(self, ins: list[Shape]) -> Shape:
        _, h, w = self._one_input(ins)
        return (self.hidden_channels, h, w)

    def gate_window(self, ins: list[Shape]) -> int:
        """Kw of the gate convolution: kernel area times input plus hidden channels."""
        r, s = self.kernel  # type: ignore[misc]
        return r * s * (ins[0][0] + self.hidden_channels)

    def macs(self, ins: list[Shape], out: Shape) -> int:
        _, h, w = out
        return self.steps * h * w * 4 * self.hidden_channels * self.gate_window(ins)

    def params(self, ins: list[Shape]) -> int:
        return 4 * self.hidden_channels * self.gate_window(ins) + (4 * self.hidden_channels if self.bias else 0)

    def elem_ops(self, ins: list[Shape], out: Shape) -> int:
        return self.steps * LSTM_ELEM_OPS_PER_UNIT * math.prod(out)


__all__ = ["ConvLSTMCell", "LSTMCell", "LSTM_ELEM_OPS_PER_UNIT"]
