"""Numba kernels of ``accelsim.sim.scalesim_memory``: SCALE-Sim's read and write buffers, one demand line at a time.

Kept apart so that importing the model (and every ``accelsim.simulate`` call) does not import Numba.
"""
from __future__ import annotations

import numba
import numpy as np

HIT_LATENCY = 1        # read_buffer: a hit is served one cycle after the request
PORT_LATENCY = 1       # read_port / write_port: DRAM answers one cycle after a line is issued


@numba.njit(cache=True)
def _in_window(s, start, n_sets, active):
    return (s - start) % n_sets < active


@numba.njit(cache=True)
def _serve(sets, n, state, n_sets, active, prefetch, lines, cycle):
    """read_buffer.service_reads for one demand line of ``n`` candidate-set groups; returns its stall.

    ``sets`` holds, per demanded element, its candidate sets as (count, s1, s2, ...).
    ``state`` = [window start, last prefetch cycle, prefetches].
    """
    offset = HIT_LATENCY
    i = 0
    for _ in range(n):
        count = sets[i]
        while True:
            hit = False
            for k in range(count):
                if _in_window(sets[i + 1 + k], state[0], n_sets, active):
                    hit = True
                    break
            if hit:
                break
            state[0] = (state[0] + prefetch) % n_sets
            state[1] = state[1] + lines + PORT_LATENCY
            state[2] += 1
            potential = state[1] - (cycle + offset)
            offset += potential
            if potential > 0:
                offset += potential
        i += 1 + count
    return offset - HIT_LATENCY


@numba.njit(cache=True)
def _write(wstate, fills, n_elems, cycle, total, drain_words, bw, lines_per_drain):
    """write_buffer.service_writes for one demand line of ``n_elems`` ofmap words; returns its stall.

    ``wstate`` = [free words, drain end cycle, words in the open line, trace rows, drained rows, DRAM writes];
    ``fills[row]`` = words in each trace row (a row is cut short when a drain forces the open line out).
    """
    current = cycle
    for _ in range(n_elems):
        wstate[2] += 1
        wstate[0] -= 1
        if wstate[2] == bw:
            fills[wstate[3]] = bw
            wstate[3] += 1
            wstate[2] = 0
        if current < wstate[1]:
            if wstate[0] <= 0:
                current = wstate[1]
        elif wstate[0] < total - drain_words:
            wstate[1] = _drain(wstate, fills, current, bw, lines_per_drain)
    return current - cycle


@numba.njit(cache=True)
def _drain(wstate, fills, start_cycle, bw, lines_per_drain):
    """write_buffer.empty_drain_buf after forcing the open line out: the next rows go to DRAM, one a cycle."""
    if wstate[2] > 0:
        fills[wstate[3]] = wstate[2]
        wstate[3] += 1
        wstate[2] = 0
    first = wstate[4]
    last = min(first + lines_per_drain, wstate[3])
    rows = last - first
    if rows <= 0:
        return start_cycle
    words = rows * bw - (bw - fills[last - 1])
    if wstate[6] < 0:
        wstate[6] = start_cycle + PORT_LATENCY
    wstate[5] += words
    wstate[0] += words
    wstate[4] = last
    return start_cycle + rows - 1 + PORT_LATENCY


@numba.njit(cache=True)
def simulate_ws(t_len, ar, ac, kw, n, ifmap_ids, cand_off, cand_sets, iwin, fbase, f_eps, fwin, owin):
    """Cycle-by-cycle ws demand of one layer against the ifmap and filter read buffers and the ofmap write buffer.

    ``iwin`` / ``fwin`` = (sets, active sets, prefetch sets, prefetch lines); ``owin`` = (words, drain words,
    bandwidth). Returns (rows of demand, stall cycles, ifmap prefetches, filter prefetches, ofmap DRAM writes).
    """
    o_total, o_drain, o_bw = owin[0], owin[1], owin[2]
    o_lines = (o_drain + o_bw - 1) // o_bw
    rf0 = (kw + ar - 1) // ar
    fills = np.zeros(t_len * n * rf0 // o_bw + 4 * t_len * rf0 + 1024, dtype=np.int64)
    wstate = np.array([o_total, 0, 0, 0, 0, 0, -1], dtype=np.int64)
    rf = (kw + ar - 1) // ar
    cf = (n + ac - 1) // ac
    fold_len = t_len + 2 * ar + ac - 2
    istate = np.array([0, -1, 0], dtype=np.int64)
    fstate = np.array([0, -1, 0], dtype=np.int64)
    most = 1                                  # the most fetch-order copies of one ifmap address
    for a in range(cand_off.shape[0] - 1):
        most = max(most, cand_off[a + 1] - cand_off[a])
    buf = np.empty(ar * (1 + most) + 8, dtype=np.int64)
    stall = 0
    row = 0
    for fc in range(cf):
        v = min(ac, n - fc * ac)
        for fr in range(rf):
            vc = min(ar, kw - fr * ar)
            for j in range(fold_len):
                cycle = row + stall
                # ifmap: column cc asks for data row j - ar - cc of this fold (skewed)
                m = 0
                pos = 0
                for cc in range(vc):
                    t = j - ar - cc
                    if t < 0 or t >= t_len:
                        continue
                    a = ifmap_ids[fr * t_len + t, cc]
                    lo, hi = cand_off[a], cand_off[a + 1]
                    buf[pos] = hi - lo
                    for q in range(lo, hi):
                        buf[pos + 1 + q - lo] = cand_sets[q]
                    pos += 1 + hi - lo
                    m += 1
                si = _serve(buf, m, istate, iwin[0], iwin[1], iwin[2], iwin[3], cycle) if m > 0 else 0
                # filter: the fold's rows load bottom row first during the first ar cycles
                sf = 0
                if j < ar:
                    k = fr * ar + (ar - 1 - j)
                    if k < kw:
                        fb = np.empty(2 * v, dtype=np.int64)
                        for jj in range(v):
                            fb[2 * jj] = 1
                            fb[2 * jj + 1] = (fbase[fc] + k * v + jj) // f_eps
                        sf = _serve(fb, v, fstate, fwin[0], fwin[1], fwin[2], fwin[3], cycle)
                # ofmap: column cc writes data row j - (2 ar - 1) - cc of this fold (skewed)
                cnt = 0
                for cc in range(v):
                    t = j - (2 * ar - 1) - cc
                    if 0 <= t < t_len:
                        cnt += 1
                so = _write(wstate, fills, cnt, cycle, o_total, o_drain, o_bw, o_lines) if cnt > 0 else 0
                worst = max(si, sf, so)
                stall += worst
                row += 1
    # write_buffer.empty_all_buffers: what is left goes out after the last cycle (not counted in cycles)
    end = row - 1 + stall
    while True:
        if wstate[2] == 0 and wstate[4] >= wstate[3]:
            break
        end = _drain(wstate, fills, end, o_bw, o_lines) + 1
    return row, stall, istate[2], fstate[2], wstate[5], istate[1], fstate[1], wstate[6], end - 1
