"""ShuffleNet-V2 as torchvision defines it (``torchvision.models.shufflenet_v2_x1_0``
and its x0.5 / x1.5 / x2.0 siblings; Ma et al. 2018, arXiv:1807.11164, Table 5).

A unit splits its channels in two (a free view), runs one half through
1x1 -> 3x3 depthwise -> 1x1, concatenates and shuffles the channels (a copy,
no MACs); a stride-2 unit runs both halves on the whole input. Batch norm is
folded (not counted); the classifier has a bias. At 224 and x1.0: 0.14 GMACs,
2.3 M parameters.
"""
from __future__ import annotations

from accelsim.errors import AccelsimError
from accelsim.workload.graph import Workload
from accelsim.workload.layers_movement import ChannelShuffle, ChannelSlice
from accelsim.workload.zoo.builder import NetBuilder
from accelsim.workload.zoo.registry import zoo_model

REPEATS = (4, 8, 4)
STAGE_CHANNELS = {0.5: (24, 48, 96, 192, 1024), 1.0: (24, 116, 232, 464, 1024),
                  1.5: (24, 176, 352, 704, 1024), 2.0: (24, 244, 488, 976, 2048)}


def _unit(net: NetBuilder, name: str, out: int, stride: int) -> str:
    x = net.last
    c = net.shape(x)[0]
    half = out // 2
    if stride == 1:
        keep = net.add(ChannelSlice(name=f"{name}.split_a", inputs=(x,), start=0, stop=c // 2))
        src = net.add(ChannelSlice(name=f"{name}.split_b", inputs=(x,), start=c // 2, stop=c))
    else:
        net.dwconv(f"{name}.branch1.dw", 3, stride, 1, src=x)
        keep = net.conv(f"{name}.branch1.pw", half, 1)
        src = x
    net.conv(f"{name}.branch2.pw1", half, 1, src=src)
    net.dwconv(f"{name}.branch2.dw", 3, stride, 1)
    b2 = net.conv(f"{name}.branch2.pw2", half, 1)
    net.concat(f"{name}.concat", keep, b2)
    return net.add(ChannelShuffle(name=f"{name}.shuffle", groups=2))


@zoo_model("shufflenet_v2", "ShuffleNet-V2 x1.0 (torchvision): channel split + shuffle, 145 M MACs, 2.3 M params")
def shufflenet_v2(resolution: int = 224, width: float = 1.0, num_classes: int = 1000) -> Workload:
    if width not in STAGE_CHANNELS:
        raise AccelsimError(f"workload 'shufflenet_v2': width: got {width!r}; allowed: "
                            f"{', '.join(map(str, STAGE_CHANNELS))}")
    chans = STAGE_CHANNELS[width]
    net = NetBuilder((3, resolution, resolution))
    net.conv("conv1", chans[0], 3, 2, 1)
    net.pool("maxpool", "max", 3, 2, 1)
    for s, (n, out) in enumerate(zip(REPEATS, chans[1:4]), start=2):
        for i in range(n):
            _unit(net, f"stage{s}.{i}", out, 2 if i == 0 else 1)
    net.conv("conv5", chans[4], 1)
    net.global_pool("avgpool")
    net.fc("fc", num_classes)
    return net.build("shufflenet_v2", f"ShuffleNet-V2 x{width} {resolution}")
