"""The DP partitioner is optimal: it matches brute force over every mapping of small graphs."""
import itertools
import math

import numpy as np
import pytest

import accelsim
from accelsim.errors import AccelsimError
from accelsim.sim.cost_table import CostTable
from accelsim.sim.partition import partition
from accelsim.sim.plan import build_plan, single_unit_mapping
from accelsim.workload import Add, Conv2d, Workload
from tests.sim.profiles import chain_workload, fanout_workload, residual_workload, three_unit_profile


def producers(wl: Workload) -> list[list[int]]:
    """The test's own reading of the graph: ``inputs`` or else the previous layer."""
    idx = {layer.name: i for i, layer in enumerate(wl.layers)}
    out, prev = [], None
    for layer in wl.layers:
        srcs = layer.inputs or ((prev,) if prev else ())
        out.append(sorted({idx[s] for s in srcs if s in idx}))
        prev = layer.name
    return out


def copy_cost(profile, nbytes):
    """Crossing cost as the test sees it: write + read through the shared cache if it fits, else DRAM."""
    caches = [m for m in profile.memories if m.shared_by and nbytes <= m.size_bytes]
    mem = caches[0] if caches else profile.dram
    return 2 * mem.latency_ns + 2 * nbytes / mem.bandwidth_gbps, 2 * nbytes * mem.energy_pj_per_byte


def mapping_cost(table, units, profile):
    """(latency ns, energy pJ) of a mapping, or None if a unit cannot run its layer."""
    wl = table.workload
    prods = producers(wl)
    has: dict[int, set] = {}
    lat = en = 0.0
    for i, u in enumerate(units):
        if u not in table.feasible(i):
            return None
        for p in prods[i]:
            if u not in has[p]:
                info = wl[p]
                t, e = copy_cost(profile, info.ofmap_elems * info.bytes_per_elem)
                lat, en = lat + t, en + e
                has[p].add(u)
        has[i] = {u}
        lat += table.latency_ns(i, u)
        en += table.energy_pj(i, u)
    return lat, en


def brute_force(table, profile, objective="latency", bound_ns=math.inf):
    names = [u.name for u in profile.units]
    best = None
    for units in itertools.product(names, repeat=len(table)):
        c = mapping_cost(table, units, profile)
        if c is None or c[0] > bound_ns * (1 + 1e-12):
            continue
        key = (c[0], c[1]) if objective == "latency" else (c[1], c[0])
        if best is None or key < best[0]:
            best = (key, units)
    return best


def random_workload(rng, n: int) -> Workload:
    layers, names = [], []
    for k in range(n):
        prec = str(rng.choice(["int8", "int8", "fp16", "fp32"]))
        name = f"l{k}"
        if len(names) >= 2 and rng.random() < 0.35:
            a, b = rng.choice(names, size=2, replace=False)
            layers.append(Add(name=name, inputs=(str(a), str(b)), precision=prec))
        else:
            src = (str(rng.choice(names)),) if names and rng.random() < 0.5 else ()
            kernel = int(rng.choice([1, 3]))
            layers.append(Conv2d(name=name, out_channels=16, kernel=kernel, padding=kernel // 2, inputs=src,
                                 precision=prec))
        names.append(name)
    return Workload("random", (16, 14, 14), layers)


def _check(table, profile):
    brute = brute_force(table, profile)
    part = partition(table)
    assert part.exact
    assert part.latency_ms * 1e6 == pytest.approx(brute[0][0], rel=1e-12)
    assert mapping_cost(table, part.units, profile)[0] == pytest.approx(brute[0][0], rel=1e-12)
    # the plan the engine runs prices the chosen mapping the same way
    assert build_plan(table, list(part.units)).latency_ns == pytest.approx(brute[0][0], rel=1e-12)
    # energy under a bound halfway between the fastest and the most frugal mapping
    frugal = brute_force(table, profile, "energy")
    least = partition(table, "energy")
    assert least.exact and least.energy_mj * 1e9 == pytest.approx(frugal[0][0], rel=1e-12)
    bound_ns = (brute[0][0] + mapping_cost(table, frugal[1], profile)[0]) / 2
    want = brute_force(table, profile, "energy", bound_ns)
    got = partition(table, "energy", bound_ns * 1e-6)
    assert got.exact and got.bound_met
    assert got.energy_mj * 1e9 == pytest.approx(want[0][0], rel=1e-12)
    lat, en = mapping_cost(table, got.units, profile)
    assert lat <= bound_ns * (1 + 1e-12) and en == pytest.approx(want[0][0], rel=1e-12)
    return part


@pytest.mark.parametrize("make", [chain_workload, residual_workload, fanout_workload])
@pytest.mark.parametrize("shared_cache", [False, True])
def test_dp_matches_brute_force_on_small_graphs(make, shared_cache):
    profile = three_unit_profile(shared_cache=shared_cache)
    _check(CostTable(make(), profile), profile)


@pytest.mark.parametrize("seed", range(12))
def test_dp_matches_brute_force_on_random_dags(seed):
    rng = np.random.default_rng(seed)
    profile = three_unit_profile(bandwidth_gbps=float(rng.choice([2.0, 20.0])), shared_cache=bool(seed % 2))
    _check(CostTable(random_workload(rng, int(rng.integers(4, 8))), profile), profile)


def test_partition_uses_several_units_and_respects_unsupported_ops():
    profile = three_unit_profile()
    table = CostTable(residual_workload(), profile)
    part = partition(table)
    m = part.mapping
    assert m["nms"] == "cpu"                     # cpu_only
    assert m["c"] in ("npu", "cpu")              # fp16: the dsp cannot run it
    assert len(set(part.units)) >= 2


def test_single_unit_mapping_falls_back_to_cpu():
    profile = three_unit_profile()
    units = single_unit_mapping(CostTable(chain_workload(), profile), "dsp")
    assert units == ["dsp", "dsp", "cpu", "dsp", "cpu"]  # c3 is fp16, fc is fp32: the dsp runs int8 only


def test_infeasible_bound_returns_fastest_mapping():
    profile = three_unit_profile()
    table = CostTable(chain_workload(), profile)
    fastest = partition(table)
    tight = partition(table, "energy", latency_bound_ms=fastest.latency_ms / 2)
    assert not tight.bound_met and tight.units == fastest.units
    with pytest.raises(AccelsimError, match="objective"):
        partition(table, "speed")


def test_state_cap_is_reported_as_approximation():
    profile = three_unit_profile()
    table = CostTable(fanout_workload(), profile)
    assert partition(table).exact
    capped = partition(table, max_states=1)
    assert not capped.exact
    assert capped.latency_ms >= partition(table).latency_ms


def test_run_unit_auto_through_api():
    profile = three_unit_profile()
    r = accelsim.simulate(profile, chain_workload(), unit="auto")
    assert r.mapping["fc"] == "cpu" and r.unit == "auto"
    d = r.to_dict()
    assert d["mapping"] == r.mapping and d["latency_ms"] == pytest.approx(r.latency_ms)
    assert d["latency_ms"] == pytest.approx(sum(x["latency_ms"] for x in d["layers"])
                                            + sum(c["latency_ms"] for c in d["copies"]))
    ev = accelsim.simulate(profile, chain_workload(), unit="auto", fidelity="event")
    assert ev.mapping == r.mapping and ev.latency_ms >= r.latency_ms * 0.999


@pytest.mark.parametrize("which", [0, 1, 2])
def test_every_candidate_order_is_optimal(which, monkeypatch):
    """The DP is exact whichever order it places layers in (topological or depth-first with early joins)."""
    from accelsim.sim import partition as module
    orders = module._orders
    monkeypatch.setattr(module, "_orders", lambda prods, cons: [orders(prods, cons)[which]])
    for seed in range(6):
        rng = np.random.default_rng(100 + seed)
        profile = three_unit_profile(bandwidth_gbps=2.0, shared_cache=bool(seed % 2))
        _check(CostTable(random_workload(rng, 7), profile), profile)
    profile = three_unit_profile()
    _check(CostTable(fanout_workload(), profile), profile)


def test_ssd_on_snapdragon855_puts_nms_on_the_cpu_exactly():
    profile = accelsim.load_profile("snapdragon855")
    table = CostTable(accelsim.load_workload("ssd_mobilenet_v2"), profile)
    part = partition(table)
    assert part.exact and part.mapping["nms"] == "cpu"
    assert build_plan(table, list(part.units)).latency_ns == pytest.approx(part.latency_ms * 1e6, rel=1e-12)
    frugal = partition(table, "energy", latency_bound_ms=part.latency_ms * 1.05)
    assert frugal.exact and frugal.bound_met and frugal.energy_mj <= part.energy_mj


def test_cpu_runs_formats_it_lacks_in_fp32():
    profile = accelsim.load_profile("jetson_nano")
    assert "fp16" not in profile.unit("cpu").precisions
    wl = accelsim.load_workload("ssd_mobilenet_v2").with_precision("fp16")
    table = CostTable(wl, profile)
    nms = len(wl) - 1
    assert table.feasible(nms) == ["cpu"] and table.cost(nms, "cpu").precision == "fp32"
    part = partition(table)
    assert part.mapping["nms"] == "cpu" and "gpu" in part.units
