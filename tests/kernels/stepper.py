"""A brute-force systolic-array stepper for tests: plain Python, tiny tensors only.

Written from the dataflow's physical picture, not from accelsim's formulas: it lowers the
convolution to a GEMM by visiting every output pixel and tap, hands each PE of each fold its
own stream of steps, lets each PE drop the blocks of steps whose products are all zero
(for the operands it can see), and then walks the wave of the fold's longest stream through
the array cycle by cycle:

* os: operands enter at the left and top edges and move one PE per cycle, so step u of the
  wave reaches PE (i, j) at cycle i + j + u;
* ws (is): the stationary operand is first loaded, one array row per cycle (``rows``
  cycles); step u then enters row i at cycle rows + i + u, moves right one column per
  cycle and its partial sum moves down to the bottom edge, leaving at rows + u + j + rows - 1.

A fold lasts until its last event (at least one cycle); the reported count is the index of
the last cycle of each GEMM (SCALE-Sim's convention), summed over groups and images.
"""
from __future__ import annotations

import math

import numpy as np

MODE_BITS = {"binary": 1, "ternary": 2, "int4": 4, "int8": 8}


def lower(x, w, stride, pad, groups, pad_value=0):
    """Per image and group: patches (M, Kw) and filters (N, Kw), reduction order (r, s, c)."""
    n, c, h, wd = x.shape
    k, cg, r, s = w.shape
    xp = np.pad(x.astype(np.int64), ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=pad_value)
    e, f = (h + 2 * pad - r) // stride + 1, (wd + 2 * pad - s) // stride + 1
    kg = k // groups
    out = []
    for b in range(n):
        per_group = []
        for g in range(groups):
            patches = [[xp[b, g * cg + ci, i * stride + a, j * stride + bb]
                        for a in range(r) for bb in range(s) for ci in range(cg)]
                       for i in range(e) for j in range(f)]
            filters = [[w[g * kg + kf, ci, a, bb] for a in range(r) for bb in range(s) for ci in range(cg)]
                       for kf in range(kg)]
            per_group.append((patches, filters))
        out.append(per_group)
    return out


def _stream_work(steps_nonzero, gran):
    """Steps a PE executes: blocks of ``gran`` steps are skipped when none of their steps has work."""
    if gran is None:
        return len(steps_nonzero)
    work = 0
    for start in range(0, len(steps_nonzero), gran):
        block = steps_nonzero[start:start + gran]
        if any(block):
            work += len(block)
    return work


def step_gemm(patches, filters, rows, cols, dataflow, per, gran, see_x, see_w):
    """(cycles, busy PE steps, folds) of one GEMM by stepping the array."""
    m, n, kw = len(patches), len(filters), len(patches[0])
    kp = math.ceil(kw / per)

    def effectual(pi, fi, t):
        """Does step t of the pair (pixel pi, filter fi) hold a product the PE cannot skip?"""
        for el in range(t * per, min((t + 1) * per, kw)):
            xv, wv = patches[pi][el], filters[fi][el]
            if not ((see_x and xv == 0) or (see_w and wv == 0)):
                return True
        return False

    # (held by rows, held by cols, streamed) and which (pixel, filter, step) a PE handles
    if dataflow == "os":
        dims = (m, n, kp)
        def pair(a, b, t): return (a, b, t)
    elif dataflow == "ws":
        dims = (kp, n, m)
        def pair(a, b, t): return (t, b, a)
    else:
        dims = (kp, m, n)
        def pair(a, b, t): return (b, t, a)
    held_r, held_c, length = dims
    total, busy, folds = 0, 0, 0
    for r0 in range(0, held_r, rows):
        for c0 in range(0, held_c, cols):
            folds += 1
            works = []
            for a in range(r0, min(r0 + rows, held_r)):
                for b in range(c0, min(c0 + cols, held_c)):
                    steps = [effectual(*pair(a, b, t)) if gran is not None else True for t in range(length)]
                    works.append(_stream_work(steps, gran))
            wave = max(works)
            busy += sum(works)
            last = -1
            for i in range(rows):             # every PE of the physical array passes the wave on
                for j in range(cols):
                    u = wave - 1              # the wave's last step (u = -1: an empty wave still fills)
                    if dataflow == "os":
                        event = i + j + u
                    else:
                        event = rows + u + j + rows - 1
                    last = max(last, event)
            total += max(last + 1, 1)
    return total - 1, busy, folds


def nm_pack(filters, taps, cg, n, m):
    """Each filter's kept weights under N:M (per tap, channels in groups of m, nonzeros then zeros up to n),
    or None when some group holds more than n nonzeros."""
    out = []
    for row in filters:
        kept = []
        for t in range(taps):
            for g0 in range(0, cg, m):
                vals = [row[t * cg + c] for c in range(g0, min(g0 + m, cg))]
                nz = [v for v in vals if v != 0]
                if len(nz) > n:
                    return None
                kept += nz + [0] * (n - len(nz))
        out.append(kept)
    return out


def step_conv(x, w, mode, stride, pad, groups, rows, cols, dataflow, lane_bits, gran=None, operands="weights",
              pad_value=0, nm=None):
    """Brute-force (cycles, busy PE steps, dense PE steps, folds) of a convolution on a PE array.

    ``nm = (n, m)``: the array reads N:M-compressed weights when every group conforms (weight
    zero detection only, so the activations' values are not needed on the compressed run).
    """
    per = max(1, lane_bits // MODE_BITS[mode])
    see_x = gran is not None and operands in ("activations", "both")
    see_w = gran is not None and operands in ("weights", "both")
    cycles = busy = dense = folds = 0
    _, cg, r, s = w.shape
    for per_group in lower(x, w, stride, pad, groups, pad_value):
        for patches, filters in per_group:
            dense += len(patches) * len(filters) * math.ceil(len(patches[0]) / per)
            packed = nm_pack(filters, r * s, cg, *nm) if nm else None
            if packed is not None and len(packed[0]) < len(filters[0]):   # only when it shortens the stream
                filters, patches = packed, [[1] * len(packed[0]) for _ in patches]
            c, b, f = step_gemm(patches, filters, rows, cols, dataflow, per, gran if (see_x or see_w) else None,
                                see_x, see_w)
            cycles, busy, folds = cycles + c, busy + b, folds + f
    return cycles, busy, dense, folds


def _twos_width(values):
    """Bits of two's complement (unsigned when nothing is negative) that hold every value, at least 1."""
    width = 1
    while not all((-(1 << (width - 1)) <= v < (1 << (width - 1))) if min(values) < 0 else (0 <= v < (1 << width))
                  for v in values):
        width += 1
    return width


def step_bitserial_conv(x, w, mode, stride, pad, groups, rows, cols, dataflow, lane_bits, kind):
    """Brute-force (cycles, busy PE-cycles, folds) of a bit-serial array: each streamed step of a fold
    lasts as long as its slowest PE needs for its activations' bits (lockstep)."""
    per = max(1, lane_bits // MODE_BITS[mode])
    full = MODE_BITS[mode]
    stripes_p = min(_twos_width([int(v) for v in x.ravel()]), full)
    total = busy = folds = 0
    for per_group in lower(x, w, stride, pad, groups):
        for patches, filters in per_group:
            m, n, kw = len(patches), len(filters), len(patches[0])
            kp = math.ceil(kw / per)

            def pe_cycles(pi, t):
                """Cycles the PE multiplying pixel pi's step t spends: the slowest of its lanes, >= 1."""
                lanes = [patches[pi][el] for el in range(t * per, min((t + 1) * per, kw))]
                if kind == "stripes":
                    c = stripes_p
                else:
                    c = max(bin(abs(int(v))).count("1") for v in lanes)
                return min(max(c, 1), full)

            if dataflow == "os":
                held_r, held_c, length = m, n, kp
                def who(a, b, t): return (a, t)          # PE (m=a, n=b) at step k'=t
            elif dataflow == "ws":
                held_r, held_c, length = kp, n, m
                def who(a, b, t): return (t, a)          # PE (k'=a, n=b) at step m=t
            else:
                held_r, held_c, length = kp, m, n
                def who(a, b, t): return (b, a)          # PE (k'=a, m=b) holds x[m, k'] for every n
            fill = rows + cols - 2 if dataflow == "os" else 2 * rows + cols - 2
            for r0 in range(0, held_r, rows):
                for c0 in range(0, held_c, cols):
                    folds += 1
                    stream = 0
                    for t in range(length):
                        step = 0
                        for a in range(r0, min(r0 + rows, held_r)):
                            for b in range(c0, min(c0 + cols, held_c)):
                                c = pe_cycles(*who(a, b, t))
                                busy += c
                                step = max(step, c)
                        stream += step
                    total += max(stream + fill, 1)
            total -= 1
    return total, busy, folds
