"""CPU core types described once (``hw_profiles/core_types.yaml``) and reused by every chip.

A profile's CPU cluster names its core type (``core: cortex-a76``); the core
type gives the cluster its per-core precisions (MACs per cycle per format),
whether it has Armv8.2 FP16 arithmetic and SDOT/UDOT, its issue width and
caches, each figure cited in the file. A name may also be an alias (a Kryo
variant of an Arm core).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from accelsim.errors import AccelsimError
from accelsim.hardware.schema import PrecisionName, PrecisionSpec, Source
from accelsim.paths import REPO_ROOT
from accelsim.validation import validate
from accelsim.yamlio import read_yaml_mapping

CORE_TYPES_FILE = REPO_ROOT / "hw_profiles" / "core_types.yaml"


class CoreType(BaseModel):
    """One CPU core microarchitecture."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    aliases: list[str] = Field(default_factory=list)
    isa: str
    issue_width: PositiveInt
    simd_pipes: PositiveInt
    simd_bits: PositiveInt = 128
    fp16_arith: bool = False
    dotprod: bool = False
    sve_bits: PositiveInt | None = None     # SVE/SVE2 vector length (None: no SVE)
    i8mm: bool = False                      # FEAT_I8MM (SMMLA) int8 matrix multiply
    l1d_bytes: PositiveInt | None = None
    l2_bytes: PositiveInt | None = None
    precisions: dict[PrecisionName, PrecisionSpec]
    sources: list[str] = Field(default_factory=list)

    @property
    def family(self) -> str:
        """The SIMD datapath class, from the cited fields: ISA, pipes x bits, SDOT (e.g. ``armv8.2-a-2x128-dot``).

        Calibration shares its factors by family, so a core type measured on one device only (Cortex-A78AE,
        Kryo) borrows what its datapath class's other cores showed instead of learning a per-device factor.
        """
        return f"{self.isa}-{self.simd_pipes}x{self.simd_bits}" + ("-dot" if self.dotprod else "")


class CoreTypes(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: list[Source] = Field(default_factory=list)
    core_types: list[CoreType]

    def lookup(self) -> dict[str, CoreType]:
        table = {}
        for c in self.core_types:
            for key in (c.name, *c.aliases):
                table[key.lower()] = c
        return table


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int) -> dict[str, CoreType]:
    data = read_yaml_mapping(Path(path), "a core-types file")
    types = validate(CoreTypes, data, path)
    ids = {s.id for s in types.sources}
    for c in types.core_types:
        missing = [s for s in c.sources if s not in ids]
        if missing:
            raise AccelsimError(f"{path}: core_types.{c.name}.sources: unknown source ids {missing}")
    return types.lookup()


_SEEN: dict[str, dict[str, CoreType]] = {}


def core_types(path: str | Path | None = None) -> dict[str, CoreType]:
    """Core types by lower-case name and alias; an empty mapping when the file does not exist.

    Read once per process and path (every layer of every CPU run looks core types up).
    """
    p = Path(path) if path else CORE_TYPES_FILE
    key = str(p)
    if key in _SEEN:
        return _SEEN[key]
    if not p.is_file():
        if path:
            raise AccelsimError(f"{p}: core-types file not found")
        return {}
    _SEEN[key] = _load(str(p.resolve()), p.stat().st_mtime_ns)
    return _SEEN[key]


def core_type(name: str, path: str | Path | None = None) -> CoreType:
    """The core type called ``name`` (or an alias); an unknown name is a one-line error."""
    table = core_types(path)
    found = table.get(name.lower())
    if found is None:
        known = sorted({c.name for c in table.values()})
        raise AccelsimError(f"core type {name!r} not found in {path or CORE_TYPES_FILE}; known: "
                            f"{', '.join(known) or 'none (file missing)'}")
    return found
