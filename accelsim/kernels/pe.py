"""The PE array a kernel counts cycles for: shape, dataflow, lane width and zero skipping."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from accelsim.errors import AccelsimError
from accelsim.kernels.bitserial import BIT_SERIAL
from accelsim.hardware.schema import PRECISION_BITS, Unit

MODE_BITS = {"binary": 1, "ternary": 2, "int4": 4, "int8": 8}
SKIP_OPERANDS = ("weights", "activations", "both")


@dataclass(frozen=True)
class PEArray:
    """A ``rows x cols`` systolic array running ``dataflow`` (os, ws or is).

    ``lane_bits``: bits of the reduction a PE consumes per cycle (8 = one int8 MAC; 64 = a
    64-bit XNOR-popcount, i.e. 64 binary or 32 ternary MACs). ``zero_skip`` is the skip
    granularity in steps of the streamed dimension (None = no zero skipping);
    ``skip_operands`` says whose zeros the array detects. ``nm = (n, m)``: the array reads N:M
    structured-sparse weights compressed (only the n kept of every m channels of a tap) when the
    layer's weights conform, else it runs them dense. ``bit_serial``: each PE takes an activation
    one bit per cycle (accelsim.kernels.bitserial); ``lane_bits`` then counts the activations a PE
    takes in parallel times the mode's bits.
    """

    rows: int
    cols: int
    dataflow: str = "ws"
    lane_bits: int = 8
    zero_skip: int | None = None
    skip_operands: str = "weights"
    nm: tuple[int, int] | None = None   # N:M structured-sparse weights: (n kept, of every m channels)
    bit_serial: str | None = None       # "stripes" or "pragmatic": activations one bit per cycle

    def __post_init__(self):
        for key in ("rows", "cols", "lane_bits"):
            v = getattr(self, key)
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                raise AccelsimError(f"pe.{key}: got {v!r}; must be a positive integer")
        if self.dataflow not in ("os", "ws", "is"):
            raise AccelsimError(f"pe.dataflow: got {self.dataflow!r}; allowed: os, ws, is")
        if self.zero_skip is not None and (not isinstance(self.zero_skip, int) or self.zero_skip <= 0):
            raise AccelsimError(f"pe.zero_skip: got {self.zero_skip!r}; a positive granularity or None")
        if self.skip_operands not in SKIP_OPERANDS:
            raise AccelsimError(f"pe.skip_operands: got {self.skip_operands!r}; allowed: {', '.join(SKIP_OPERANDS)}")
        if self.bit_serial is not None:
            if self.bit_serial not in BIT_SERIAL:
                raise AccelsimError(f"pe.bit_serial: got {self.bit_serial!r}; allowed: {', '.join(BIT_SERIAL)} or None")
            if self.zero_skip is not None or self.nm is not None:
                raise AccelsimError("pe.bit_serial: bit-serial PEs with zero skipping or N:M sparsity are not "
                                    "modelled; switch one off")
        if self.nm is not None:
            nm = tuple(self.nm)
            if len(nm) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in nm) \
                    or not 0 < nm[0] < nm[1]:
                raise AccelsimError(f"pe.nm: got {self.nm!r}; a pair (n, m) of integers with 0 < n < m")
            object.__setattr__(self, "nm", nm)
            if self.zero_skip is not None and self.skip_operands != "weights":
                raise AccelsimError("pe.nm: N:M sparsity with activation zero skipping is not modelled; "
                                    "use skip_operands='weights'")

    def elems_per_step(self, mode: str) -> int:
        """Reduction elements one PE handles per cycle in ``mode`` (at least 1)."""
        return max(1, self.lane_bits // MODE_BITS[mode])

    @classmethod
    def from_unit(cls, unit: Unit, precision: str = "int8", dataflow: str | None = None,
                  run_as: str | None = None) -> "PEArray":
        """The array of a systolic profile unit; lane width from its MACs per cycle in ``precision``.

        ``run_as``: a wider format of the unit the layer's ``precision`` is unpacked to (emulation,
        e.g. ternary on an int8 array); each PE then does that format's MACs per cycle.
        """
        if unit.array is None:
            raise AccelsimError(f"unit {unit.name!r}: has no MAC array (rows, cols); the cycle kernels need one")
        fmt = run_as or precision
        spec = unit.precisions.get(fmt)
        if spec is None:
            raise AccelsimError(f"unit {unit.name!r} does not run precision {fmt!r}; "
                                f"it supports: {', '.join(unit.precisions)}")
        per_pe = spec.macs_per_cycle / unit.pe_count
        serial = getattr(unit, "bit_serial", None)
        if serial:  # the profile's rate is at full precision: a PE takes per_pe * bits activations in parallel
            per_pe *= PRECISION_BITS[fmt]
        if per_pe < 1 or per_pe != int(per_pe):
            raise AccelsimError(f"unit {unit.name!r}: {fmt} runs {per_pe:g} MACs per PE per cycle; "
                                "the cycle kernels need a whole number >= 1")
        zs, ss = unit.zero_skip, unit.structured_sparsity
        return cls(rows=unit.array.rows, cols=unit.array.cols, dataflow=dataflow or unit.array.dataflow,
                   lane_bits=int(per_pe) * PRECISION_BITS[precision],
                   zero_skip=zs.granularity if zs else None, skip_operands=zs.operands if zs else "weights",
                   nm=(ss.n, ss.m) if ss else None, bit_serial=serial)

    def to_dict(self) -> dict:
        return asdict(self)
