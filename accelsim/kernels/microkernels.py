"""Register-blocked 4x4 dot-product micro-kernels, written in LLVM IR as Numba intrinsics.

Each computes the 16 dot products of 4 rows of a packed patch matrix ``P`` (one row per
output pixel) with 4 rows of a packed filter matrix ``W``, keeping the 16 accumulators in
vector registers so each loaded vector is reused four times. Numba's auto-vectoriser does
not keep such blocks in registers, hence the hand-written IR.

* ``xorpop_4x4``: sum of popcount(p XOR w) over uint64 words (binary XNOR-popcount);
  <4 x i64> vectors plus a scalar tail, portable (``llvm.ctpop`` becomes VPOPCNTQ on
  CPUs with AVX-512 VPOPCNTDQ and a bit-trick sequence elsewhere).
* ``ternary_4x4``: sum of popcount(m) - 2 popcount(m & (ps XOR ws)) with m = pnz & wnz
  (ternary values as a nonzero plane and a sign plane).
* ``u8s8_4x4``: sum of p * w for uint8 p and int8 w with AVX-512 VNNI ``vpdpbusd``
  (64 MACs per instruction); rows padded to a multiple of 64 bytes. Only usable when
  :data:`HAS_VNNI`.

Arguments are 2-D C-contiguous arrays, the first row of each block (``i0``, ``k0``), the
word count and a 16-element output array (row-major 4x4).
"""
from __future__ import annotations

import llvmlite.binding as llvm
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

BLOCK = 4

I32, I64 = ir.IntType(32), ir.IntType(64)
V4I64, V16I32 = ir.VectorType(I64, 4), ir.VectorType(I32, 16)


def _host_features() -> set[str]:
    try:
        return {f[1:] for f in llvm.get_host_cpu_features().flatten().split(",") if f.startswith("+")}
    except Exception:  # pragma: no cover - platform without feature query
        return set()


HAS_VNNI = {"avx512vnni", "avx512bw", "avx512f"} <= _host_features()


def _rows(context, builder, arr_type, arr_value, first, count):
    """Integer addresses of rows ``first .. first+count-1`` of a 2-D array."""
    arr = context.make_array(arr_type)(context, builder, arr_value)
    stride = builder.extract_value(arr.strides, 0)
    base = builder.ptrtoint(arr.data, I64)
    return [builder.add(base, builder.mul(builder.add(first, ir.Constant(I64, j)), stride)) for j in range(count)]


def _load(builder, addr, offset, vtype):
    ptr = builder.inttoptr(builder.add(addr, offset), vtype.as_pointer())
    value = builder.load(ptr)
    value.align = 1
    return value


def _loop(builder, count, accs, body):
    """Emit ``for i in range(count): accs = body(i, accs)``; return the final accumulators."""
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


def _store_out(context, builder, out_type, out_value, values, elem):
    out = context.make_array(out_type)(context, builder, out_value)
    ptr = builder.bitcast(out.data, elem.as_pointer())
    for j, v in enumerate(values):
        builder.store(v, builder.gep(ptr, [ir.Constant(I64, j)]))


def _popcount_kernel(planes: int):
    """Codegen of xorpop (planes=1) or ternary (planes=2) 4x4 blocks."""

    def codegen(context, builder, sig, args):
        nargs = 2 * planes
        arrays, (i0, k0, nwords, out) = args[:nargs], args[nargs:]
        p_rows = [_rows(context, builder, sig.args[j], arrays[j], i0, BLOCK) for j in range(planes)]
        w_rows = [_rows(context, builder, sig.args[planes + j], arrays[planes + j], k0, BLOCK)
                  for j in range(planes)]
        nvec = builder.sdiv(nwords, ir.Constant(I64, 4))
        results = []
        for vtype, count, first, width in ((V4I64, nvec, ir.Constant(I64, 0), 32),
                                           (I64, builder.sub(nwords, builder.mul(nvec, ir.Constant(I64, 4))),
                                            builder.mul(nvec, ir.Constant(I64, 32)), 8)):
            name = "llvm.ctpop.i64" if vtype is I64 else "llvm.ctpop.v4i64"
            ctpop = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vtype, [vtype]), name)
            zero = ir.Constant(vtype, None)

            def body(i, accs, vtype=vtype, first=first, width=width, ctpop=ctpop):
                off = builder.add(first, builder.mul(i, ir.Constant(I64, width)))
                pv = [[_load(builder, a, off, vtype) for a in plane] for plane in p_rows]
                wv = [[_load(builder, a, off, vtype) for a in plane] for plane in w_rows]
                new = []
                for r in range(BLOCK):
                    for c in range(BLOCK):
                        acc = accs[r * BLOCK + c]
                        if planes == 1:
                            acc = builder.add(acc, builder.call(ctpop, [builder.xor(pv[0][r], wv[0][c])]))
                        else:
                            m = builder.and_(pv[0][r], wv[0][c])
                            neg = builder.and_(m, builder.xor(pv[1][r], wv[1][c]))
                            acc = builder.add(acc, builder.call(ctpop, [m]))
                            one = ir.Constant(I64, 1) if vtype is I64 else ir.Constant(vtype, [1] * 4)
                            acc = builder.sub(acc, builder.shl(builder.call(ctpop, [neg]), one))
                        new.append(acc)
                return new

            results.append(_loop(builder, count, [zero] * (BLOCK * BLOCK), body))
        vec_accs, tail_accs = results
        reduce = cgutils.get_or_insert_function(builder.module, ir.FunctionType(I64, [V4I64]),
                                                "llvm.vector.reduce.add.v4i64")
        totals = [builder.add(builder.call(reduce, [v]), t) for v, t in zip(vec_accs, tail_accs)]
        _store_out(context, builder, sig.args[-1], out, totals, I64)
        return context.get_dummy_value()

    return codegen


@intrinsic
def xorpop_4x4(typingctx, p, w, i0, k0, nwords, out):
    """out[4r+c] = sum_j popcount(P[i0+r, j] ^ W[k0+c, j]) for j < nwords (int64 out)."""
    return types.void(p, w, types.intp, types.intp, types.intp, out), _popcount_kernel(1)


@intrinsic
def ternary_4x4(typingctx, pnz, ps, wnz, ws, i0, k0, nwords, out):
    """out[4r+c] = sum_j popcount(m) - 2 popcount(m & (ps ^ ws)), m = pnz & wnz (int64 out)."""
    sig = types.void(pnz, ps, wnz, ws, types.intp, types.intp, types.intp, out)
    return sig, _popcount_kernel(2)


@intrinsic
def u8s8_4x4(typingctx, p, w, i0, k0, nvec, out):
    """out[4r+c] = sum_j P[i0+r, j] * W[k0+c, j] over nvec*64 bytes, uint8 x int8 (int32 out; VNNI)."""
    sig = types.void(p, w, types.intp, types.intp, types.intp, out)

    def codegen(context, builder, sig, args):
        pa, wa, i0v, k0v, nv, oa = args
        p_rows = _rows(context, builder, sig.args[0], pa, i0v, BLOCK)
        w_rows = _rows(context, builder, sig.args[1], wa, k0v, BLOCK)
        dp = cgutils.get_or_insert_function(builder.module, ir.FunctionType(V16I32, [V16I32] * 3),
                                            "llvm.x86.avx512.vpdpbusd.512")

        def body(i, accs):
            off = builder.mul(i, ir.Constant(I64, 64))
            pv = [_load(builder, a, off, V16I32) for a in p_rows]
            wv = [_load(builder, a, off, V16I32) for a in w_rows]
            return [builder.call(dp, [accs[r * BLOCK + c], pv[r], wv[c]]) for r in range(BLOCK)
                    for c in range(BLOCK)]

        accs = _loop(builder, nv, [ir.Constant(V16I32, None)] * (BLOCK * BLOCK), body)
        reduce = cgutils.get_or_insert_function(builder.module, ir.FunctionType(I32, [V16I32]),
                                                "llvm.vector.reduce.add.v16i32")
        _store_out(context, builder, sig.args[-1], oa, [builder.call(reduce, [a]) for a in accs], I32)
        return context.get_dummy_value()

    return sig, codegen
