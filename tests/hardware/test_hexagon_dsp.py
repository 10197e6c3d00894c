"""The Snapdragon 845/855 'dsp' units against the HVX vector width: 1024-bit vrmpy = 128 int8 MACs per unit."""
from __future__ import annotations

from accelsim.hardware import load_profile


def test_855_dsp_is_four_hvx_units():
    """Hexagon 690 as SNPE's DSP runtime and NNAPI see it: 4 HVX x 128 int8 MACs (1024-bit vrmpy) per cycle,
    twice the 845's two units; the tensor accelerator is not this unit."""
    for name in ("snapdragon855", "snapdragon855plus"):
        dsp = load_profile(name, calibrated=False).unit("dsp")
        assert dsp.cores * dsp.precisions["int8"].macs_per_cycle == 4 * 1024 // 8
    d845 = load_profile("snapdragon845", calibrated=False).unit("dsp")
    assert d845.cores * d845.precisions["int8"].macs_per_cycle == 2 * 1024 // 8
