"""Register-blocked micro-kernels written in LLVM IR as Numba intrinsics.

Layout (the one oneDNN's int8 kernels use): a transposed patch matrix ``PT[j, i]`` (step j
of the reduction, output pixel i) and a filter matrix ``W[k, j]``. One call computes a
block of ``FB`` filters x ``PV`` vectors of pixels: for every step j it loads PV pixel
vectors, broadcasts FB filter words and updates FB*PV vector accumulators that stay in
registers, so there is no horizontal reduction and no tail, whatever the window length.
At the end it writes ``out[k, i] = scale * acc + bias[k]`` (int32) for the block.

Operations per (pixel vector p, broadcast filter word w):

* ``xorpop`` (binary, uint64 words, 8 lanes): ``acc += popcount(p XOR w)``; ``llvm.ctpop``
  becomes VPOPCNTQ on CPUs with AVX-512 VPOPCNTDQ and a bit-trick sequence elsewhere.
* ``ternary`` (nonzero and sign planes, 8 lanes): ``acc += popcount(m) - 2 popcount(m AND
  (ps XOR ws))`` with ``m = pnz AND wnz``.
* ``vnni`` (int8: 4 bytes of the reduction per int32 lane, 16 lanes): ``acc = vpdpbusd(acc,
  p, w)``, uint8 pixels times int8 weights (AVX-512 VNNI, only when :data:`HAS_VNNI`).

``xorpop_1t`` / ``xorpop_2t`` take a per-filter table instead of the bias:
``out[k, i] = scale * acc + tab[k, pidx[i]]`` with up to 16 int32 entries per filter (one VPERMD
per output vector): the binary zero-padding corrections of border pixels, added while the
outputs are in registers rather than in a scattered pass over y.
"""
from __future__ import annotations

import llvmlite.binding as llvm
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

FB = 4  # filters per block

I32, I64 = ir.IntType(32), ir.IntType(64)


def _host_features() -> set[str]:
    try:
        return {f[1:] for f in llvm.get_host_cpu_features().flatten().split(",") if f.startswith("+")}
    except Exception:  # pragma: no cover - platform without feature query
        return set()


HAS_VNNI = {"avx512vnni", "avx512bw", "avx512f"} <= _host_features()
HAS_VPERMD = "avx512f" in _host_features()
TABLE = 16  # entries per filter of the table micro-kernels (one 16-lane VPERMD)

# op name -> (element type, lanes, planes)
OPS = {"xorpop": (I64, 8, 1), "ternary": (I64, 8, 2), "vnni": (I32, 16, 1)}


def _array(context, builder, ty, value):
    arr = context.make_array(ty)(context, builder, value)
    return builder.ptrtoint(arr.data, I64), builder.extract_value(arr.strides, 0)


def _load(builder, addr, ty):
    value = builder.load(builder.inttoptr(addr, ty.as_pointer()))
    value.align = 1
    return value


def _loop(builder, count, accs, body):
    """Emit ``for j in range(count): accs = body(j, accs)``; return the final accumulators."""
    entry = builder.block
    head = builder.append_basic_block("mk.head")
    step = builder.append_basic_block("mk.body")
    done = builder.append_basic_block("mk.done")
    builder.branch(head)
    builder.position_at_end(head)
    iv = builder.phi(I64)
    iv.add_incoming(ir.Constant(I64, 0), entry)
    phis = []
    for a in accs:
        ph = builder.phi(a.type)
        ph.add_incoming(a, entry)
        phis.append(ph)
    builder.cbranch(builder.icmp_signed("<", iv, count), step, done)
    builder.position_at_end(step)
    new = body(iv, phis)
    nxt = builder.add(iv, ir.Constant(I64, 1))
    end = builder.block
    builder.branch(head)
    iv.add_incoming(nxt, end)
    for ph, v in zip(phis, new):
        ph.add_incoming(v, end)
    builder.position_at_end(done)
    return phis


def _splat(builder, scalar, vtype):
    vec = builder.insert_element(ir.Constant(vtype, None), scalar, ir.Constant(I32, 0))
    return builder.shuffle_vector(vec, ir.Constant(vtype, None), ir.Constant(ir.VectorType(I32, vtype.count),
                                                                            [0] * vtype.count))


def _permute(builder, table, idx):
    """<n x i32> table[idx[i]] for a <16 x i32> table and <n x i32> indexes < 16 (VPERMD; lane by lane
    without AVX-512)."""
    n = idx.type.count
    if HAS_VPERMD:
        v16 = ir.VectorType(I32, TABLE)
        wide = idx if n == TABLE else builder.shuffle_vector(idx, ir.Constant(idx.type, None), ir.Constant(
            v16, list(range(n)) + [0] * (TABLE - n)))
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(v16, [v16, v16]),
                                            "llvm.x86.avx512.permvar.si.512")
        out = builder.call(fn, [table, wide])
        return out if n == TABLE else builder.shuffle_vector(out, ir.Constant(v16, None),
                                                             ir.Constant(ir.VectorType(I32, n), list(range(n))))
    out = ir.Constant(idx.type, None)
    for i in range(n):
        lane = builder.extract_element(idx, ir.Constant(I32, i))
        out = builder.insert_element(out, builder.extract_element(table, lane), ir.Constant(I32, i))
    return out


def _make(op: str, pv: int, table: bool = False):
    elem, lanes, planes = OPS[op]
    vtype = ir.VectorType(elem, lanes)
    esize = elem.width // 8

    def codegen(context, builder, sig, args):
        arrays = args[:2 * planes]
        if table:
            i0, k0, nsteps, scale, tab, pidx, out = args[2 * planes:]
        else:
            i0, k0, nsteps, scale, bias, out = args[2 * planes:]
        pts = [_array(context, builder, sig.args[j], arrays[j]) for j in range(planes)]
        ws = [_array(context, builder, sig.args[planes + j], arrays[planes + j]) for j in range(planes)]
        col0 = builder.mul(i0, ir.Constant(I64, esize))
        w_rows = [[builder.add(base, builder.mul(builder.add(k0, ir.Constant(I64, b)), stride)) for b in range(FB)]
                  for base, stride in ws]
        ctpop = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vtype, [vtype]),
                                               f"llvm.ctpop.v{lanes}i64") if op != "vnni" else None
        dpbusd = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vtype, [vtype] * 3),
                                                "llvm.x86.avx512.vpdpbusd.512") if op == "vnni" else None
        one = ir.Constant(vtype, [1] * lanes)

        def body(j, accs):
            pv_vals = []
            for base, stride in pts:
                row = builder.add(builder.add(base, builder.mul(j, stride)), col0)
                pv_vals.append([_load(builder, builder.add(row, ir.Constant(I64, v * lanes * esize)), vtype)
                                for v in range(pv)])
            joff = builder.mul(j, ir.Constant(I64, esize))
            w_vals = [[_splat(builder, _load(builder, builder.add(r, joff), elem), vtype) for r in rows]
                      for rows in w_rows]
            new = []
            for b in range(FB):
                for v in range(pv):
                    acc = accs[b * pv + v]
                    if op == "xorpop":
                        acc = builder.add(acc, builder.call(ctpop, [builder.xor(pv_vals[0][v], w_vals[0][b])]))
                    elif op == "ternary":  # two sums: popcount(m) and popcount(neg), combined after the loop
                        m = builder.and_(pv_vals[0][v], w_vals[0][b])
                        neg = builder.and_(m, builder.xor(pv_vals[1][v], w_vals[1][b]))
                        acc = builder.add(acc, builder.call(ctpop, [m]))
                        new.append(builder.add(accs[FB * pv + b * pv + v], builder.call(ctpop, [neg])))
                    else:
                        acc = builder.call(dpbusd, [acc, pv_vals[0][v], w_vals[0][b]])
                    new.insert(b * pv + v, acc)
            return new

        nacc = FB * pv * (2 if op == "ternary" else 1)
        accs = _loop(builder, nsteps, [ir.Constant(vtype, None)] * nacc, body)
        if op == "ternary":  # dot = popcount(m) - 2 popcount(neg)
            accs = [builder.sub(accs[i], builder.shl(accs[FB * pv + i], one)) for i in range(FB * pv)]
        obase, ostride = _array(context, builder, sig.args[-1], out)
        if table:
            tbase, tstride = _array(context, builder, sig.args[-3], tab)
            ibase, _ = _array(context, builder, sig.args[-2], pidx)
            idx_v = _load(builder, builder.add(ibase, builder.mul(i0, ir.Constant(I64, 4))),
                          ir.VectorType(I32, lanes * pv))
        else:
            bbase, _ = _array(context, builder, sig.args[-2], bias)
        # Epilogue in int32 (the sums and outputs fit): the low 32-bit halves of a filter's
        # 64-bit sums, both pixel vectors, gathered by one two-source permute (VPERMT2D: 1 uop
        # where two VPMOVQD and an insert took 5), then scaled with a 32-bit multiply.
        width = lanes * pv
        wide32 = ir.VectorType(I32, width)
        scale_v = _splat(builder, builder.trunc(scale, I32), wide32)
        for b in range(FB):
            k = builder.add(k0, ir.Constant(I64, b))
            if table:
                row_t = _load(builder, builder.add(tbase, builder.mul(k, tstride)), ir.VectorType(I32, TABLE))
                bias_v = _permute(builder, row_t, idx_v)
            else:
                bias32 = builder.trunc(_load(builder, builder.add(bbase, builder.mul(k, ir.Constant(I64, 8))), I64),
                                       I32)
                bias_v = _splat(builder, bias32, wide32)
            row = builder.add(builder.add(obase, builder.mul(k, ostride)), builder.mul(i0, ir.Constant(I64, 4)))
            parts = accs[b * pv:(b + 1) * pv]
            if elem is I64:   # the low halves of the 64-bit sums, both vectors in one VPERMT2D
                halves = [builder.bitcast(part, ir.VectorType(I32, 2 * lanes)) for part in parts]
                acc32 = builder.shuffle_vector(halves[0], halves[-1], ir.Constant(
                    ir.VectorType(I32, width), [2 * i for i in range(width)]))
            else:
                acc32 = parts[0]
                if pv == 2:
                    acc32 = builder.shuffle_vector(parts[0], parts[1], ir.Constant(ir.VectorType(I32, width),
                                                                                   list(range(width))))
            res = builder.add(builder.mul(acc32, scale_v), bias_v)
            builder.store(res, builder.inttoptr(row, wide32.as_pointer())).align = 1
        return context.get_dummy_value()

    def signature(arrays, bias, out, pidx=None):
        extra = (bias,) if pidx is None else (bias, pidx)
        return types.void(*arrays, types.intp, types.intp, types.intp, types.int64, *extra, out), codegen

    if table:
        def typer(typingctx, pt, w, i0, k0, nsteps, scale, tab, pidx, out):
            return signature((pt, w), tab, out, pidx)
    elif planes == 1:
        def typer(typingctx, pt, w, i0, k0, nsteps, scale, bias, out):
            return signature((pt, w), bias, out)
    else:
        def typer(typingctx, pnz, ps, wnz, ws, i0, k0, nsteps, scale, bias, out):
            return signature((pnz, ps, wnz, ws), bias, out)

    typer.__name__ = typer.__qualname__ = f"{op}_{pv}{'t' if table else 'v'}"
    typer.__doc__ = (f"{op} block of {FB} filters x {pv} vector(s) of {lanes} pixels: " + (
        "out[k0+b, i0+i] = scale * acc + tab[k0+b, pidx[i0+i]]." if table else
        "out[k0+b, i0+...] = scale * acc + bias[k0+b]."))
    return intrinsic(typer)


xorpop_1v, xorpop_2v = _make("xorpop", 1), _make("xorpop", 2)
xorpop_1t, xorpop_2t = _make("xorpop", 1, True), _make("xorpop", 2, True)
ternary_1v, ternary_2v = _make("ternary", 1), _make("ternary", 2)
vnni_1v, vnni_2v = _make("vnni", 1), _make("vnni", 2)
LANES = {op: spec[1] for op, spec in OPS.items()}
