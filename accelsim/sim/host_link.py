"""Host link: a chip on a bus (a USB stick) receives every input and returns every output over it.

Per inference the host uploads the graph inputs and downloads the graph outputs,
one transfer each way, in the formats the first and last layers use (an fp16
network's 224x224x3 input is 301,056 bytes). Each transfer costs the link's
fixed latency plus its bytes over the link's usable bandwidth
(``HostLink`` in the profile, cited). The chip waits meanwhile: its units'
leakage, the SoC's always-on rails and DRAM background stay on (the same
static power a layer pays), and the uploaded input is written to DRAM and the
output read from it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from accelsim.cost.power import dram_energy_pj, system_static_mw
from accelsim.errors import AccelsimError
from accelsim.hardware.schema import Profile, Unit

NO_LINK = "none"
DEFAULT_LINK = "default"


@dataclass(frozen=True)
class HostTransfer:
    """What one inference spends on the host link."""

    link: str
    upload_bytes: int
    download_bytes: int
    transfer_ms: float        # both transfers, latency included
    wait_power_mw: float      # the chip's power while it waits for them
    energy_mj: float          # wait power x transfer time + DRAM write of the input and read of the output

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def resolve_link(profile: Profile, name: str | None) -> str | None:
    """The profile's link ``name`` names: a link name, ``default`` (the profile's default link), or
    ``none`` / None (no link: the chip alone)."""
    if name is None or name == NO_LINK:
        return None
    spec = profile.host_link
    if spec is None:
        raise AccelsimError(f"host_link: got {name!r}; profile {profile.name!r} has no host links (a chip on a "
                            f"bus lists them under host_link); allowed: {NO_LINK}")
    key = spec.default if name == DEFAULT_LINK else name
    if key not in spec.links:
        raise AccelsimError(f"host_link: got {name!r}; allowed: {', '.join([*spec.links, DEFAULT_LINK, NO_LINK])}")
    return key


def io_bytes(workload) -> tuple[int, int]:
    """(bytes of the graph inputs, bytes of the graph outputs) in the formats the layers reading / writing
    them use; a graph output is a layer no later layer reads."""
    infos = list(workload)
    read: set[str] = set()
    prev = next(iter(workload.inputs), None)
    in_bytes: dict[str, float] = {}
    for info in infos:
        srcs = info.layer.inputs or ((prev,) if prev else ())
        for s in srcs:
            read.add(s)
            if s in workload.inputs and s not in in_bytes:
                in_bytes[s] = math.prod(workload.inputs[s]) * info.act_bytes_per_elem
        prev = info.name
    up = sum(in_bytes.values())
    down = sum(i.ofmap_elems * i.act_bytes_per_elem for i in infos if i.name not in read)
    return math.ceil(up), math.ceil(down)


def host_transfer(profile: Profile, unit: Unit, workload, link: str | None) -> HostTransfer | None:
    """The host-link cost of one inference of ``workload`` on ``unit`` over ``link`` (see resolve_link)."""
    key = resolve_link(profile, link)
    if key is None:
        return None
    spec = profile.host_link.links[key]
    up, down = io_bytes(workload)
    transfers = int(up > 0) + int(down > 0)
    transfer_ms = transfers * spec.latency_us * 1e-3 + (up + down) / (spec.bandwidth_mb_per_s * 1e6) * 1e3
    wait_mw = unit.static_power_mw + system_static_mw(profile)
    energy_mj = wait_mw * transfer_ms * 1e-3 + dram_energy_pj(profile, down, up) * 1e-9   # mW*ms = uJ; pJ -> mJ
    return HostTransfer(key, up, down, transfer_ms, wait_mw, energy_mj)
