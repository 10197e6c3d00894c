"""Masked vector byte moves for short runs (rows of 7-112 pixels), written in LLVM IR as Numba intrinsics.

LLVM vectorises a byte loop 64 or 256 bytes at a time and leaves a scalar tail, so a copy of
a 56-byte row runs entirely in scalar code. These move up to one AVX-512 vector per call with
masked loads and stores (bytes outside the mask are neither read nor written, so nothing past
a row or an array is touched). Offsets are in bytes from the arrays' first element.
"""
from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from accelsim.kernels.microkernels import _array

I1, I8, I32, I64 = ir.IntType(1), ir.IntType(8), ir.IntType(32), ir.IntType(64)


def _mask(builder, n, lanes):
    """<lanes x i1>: lane i < n, as the integer (1 << n) - 1 (all ones from n >= lanes) cast to a
    mask register (a BZHI / shift, not a vector compare)."""
    it = ir.IntType(lanes)
    n = builder.trunc(n, it) if lanes < 64 else n
    full = builder.icmp_unsigned(">=", n, ir.Constant(it, lanes))
    low = builder.sub(builder.shl(ir.Constant(it, 1), n), ir.Constant(it, 1))
    bits = builder.select(full, ir.Constant(it, (1 << lanes) - 1), low)
    return builder.bitcast(bits, ir.VectorType(I1, lanes))


def _load(builder, addr, vt, mask):
    fn = cgutils.get_or_insert_function(
        builder.module, ir.FunctionType(vt, [vt.as_pointer(), I32, ir.VectorType(I1, vt.count), vt]),
        f"llvm.masked.load.v{vt.count}i{vt.element.width}.p0")
    return builder.call(fn, [builder.inttoptr(addr, vt.as_pointer()), ir.Constant(I32, 1), mask,
                             ir.Constant(vt, None)])


def _store(builder, value, addr, mask):
    vt = value.type
    fn = cgutils.get_or_insert_function(
        builder.module, ir.FunctionType(ir.VoidType(), [vt, vt.as_pointer(), I32, ir.VectorType(I1, vt.count)]),
        f"llvm.masked.store.v{vt.count}i{vt.element.width}.p0")
    builder.call(fn, [value, builder.inttoptr(addr, vt.as_pointer()), ir.Constant(I32, 1), mask])


@intrinsic
def copy_bytes(typingctx, src, soff, dst, doff, n):
    """dst[doff:doff+n] = src[soff:soff+n] (bytes), n <= 64."""
    def codegen(context, builder, sig, args):
        sb, _ = _array(context, builder, sig.args[0], args[0])
        db, _ = _array(context, builder, sig.args[2], args[2])
        m = _mask(builder, args[4], 64)
        v = _load(builder, builder.add(sb, args[1]), ir.VectorType(I8, 64), m)
        _store(builder, v, builder.add(db, args[3]), m)
        return context.get_dummy_value()
    return types.void(src, types.intp, dst, types.intp, types.intp), codegen


@intrinsic
def split_bytes(typingctx, src, soff, n, even, eoff, odd, ooff):
    """Deinterleave n <= 64 bytes from src[soff:]: bytes 0, 2, 4, ... to even[eoff:], bytes 1, 3, ... to odd[ooff:]
    (one VPERMB: the columns of a stride-2 row split into its two phases)."""
    def codegen(context, builder, sig, args):
        sb, _ = _array(context, builder, sig.args[0], args[0])
        eb, _ = _array(context, builder, sig.args[3], args[3])
        ob, _ = _array(context, builder, sig.args[5], args[5])
        n = args[2]
        v = _load(builder, builder.add(sb, args[1]), ir.VectorType(I8, 64), _mask(builder, n, 64))
        ev = builder.shuffle_vector(v, ir.Constant(v.type, None), ir.Constant(ir.VectorType(I32, 32),
                                                                                [2 * i for i in range(32)]))
        od = builder.shuffle_vector(v, ir.Constant(v.type, None), ir.Constant(ir.VectorType(I32, 32),
                                                                                [2 * i + 1 for i in range(32)]))
        one = ir.Constant(I64, 1)
        _store(builder, ev, builder.add(eb, args[4]), _mask(builder, builder.lshr(builder.add(n, one), one), 32))
        _store(builder, od, builder.add(ob, args[6]), _mask(builder, builder.lshr(n, one), 32))
        return context.get_dummy_value()
    return types.void(src, types.intp, types.intp, even, types.intp, odd, types.intp), codegen


@intrinsic
def widen_bytes(typingctx, src, soff, dst, doff, n):
    """int32 dst at byte offset doff, n <= 16 values = the int8 values at src[soff:soff+n] (sign-extended)."""
    def codegen(context, builder, sig, args):
        sb, _ = _array(context, builder, sig.args[0], args[0])
        db, _ = _array(context, builder, sig.args[2], args[2])
        m = _mask(builder, args[4], 16)
        v = _load(builder, builder.add(sb, args[1]), ir.VectorType(I8, 16), m)
        _store(builder, builder.sext(v, ir.VectorType(I32, 16)), builder.add(db, args[3]), m)
        return context.get_dummy_value()
    return types.void(src, types.intp, dst, types.intp, types.intp), codegen
