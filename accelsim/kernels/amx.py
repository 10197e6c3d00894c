"""int8 GEMM blocks on Intel AMX tiles (TDPBSSD), written in LLVM IR as a Numba intrinsic.

Same operands as the VNNI micro-kernel (:mod:`accelsim.kernels.microkernels`) but signed
bytes on both sides, so no +128 offset and no bias: a filter matrix ``W`` (filters x 4*steps
int8, the A tiles: 16 filters x 64 bytes) and a transposed patch matrix ``PT`` (steps x
pixels, 4 channels of x per int32; the B tiles: 16 steps x 16 pixels, exactly AMX's
"VNNI" B layout). One call computes a block of 32 filters x 32 pixels in four 16 x 16 int32
accumulator tiles, over ``nsteps16`` groups of 16 steps (64 bytes of the reduction), and
stores it into ``out[k, i]``. One TDPBSSD is 16 x 16 x 64 multiply-adds, exact in int32.

AMX needs the kernel's permission to use the tile state (``arch_prctl(ARCH_REQ_XCOMP_PERM)``,
Linux >= 5.16), asked once at import; :data:`HAS_AMX` is true only if the CPU has AMX-INT8 and
the permission was granted.
"""
from __future__ import annotations

import ctypes
import sys

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from accelsim.kernels.microkernels import _array, _host_features, _loop

I8, I64 = ir.IntType(8), ir.IntType(64)
BLOCK = 32        # filters and pixels per call (2 x 2 tiles of 16)
STEP_GROUP = 16   # int32 steps (64 bytes) per tile multiply

_ARCH_REQ_XCOMP_PERM, _XFEATURE_XTILEDATA, _SYS_ARCH_PRCTL = 0x1023, 18, 158


def _request_amx() -> bool:
    """Ask Linux for permission to use the AMX tile data state (needed once per process)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.syscall(_SYS_ARCH_PRCTL, _ARCH_REQ_XCOMP_PERM, _XFEATURE_XTILEDATA) == 0
    except (OSError, AttributeError):  # pragma: no cover - no libc syscall
        return False


HAS_AMX = {"amx-tile", "amx-int8"} <= _host_features() and _request_amx()

# tile configuration: palette 1; tiles 0-3 C (16 x 16 int32), 4-5 A, 6-7 B: all 16 rows x 64 bytes
_CONFIG = bytearray(64)
_CONFIG[0] = 1
for _t in range(8):
    _CONFIG[16 + 2 * _t] = 64
    _CONFIG[48 + _t] = 16


def _fn(builder, name, args):
    return cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), args), name)


def _start_block(builder, zero, tile, wbase, wstride, k):
    """Zero the four accumulator tiles; return the byte addresses of the block's two 16-row filter (A) tiles."""
    for t in range(4):
        builder.call(zero, [tile[t]])
    return [builder.add(wbase, builder.mul(builder.add(k, ir.Constant(I64, 16 * h)), wstride)) for h in range(2)]


def _tile_products(builder, load, dot, tile, a_rows, a_off, a_stride, brow, b_stride):
    """Load the two A tiles (``a_rows`` + ``a_off``) and the two B tiles (``brow``, ``brow`` + 64), then the
    2 x 2 TDPBSSD products into the accumulators."""
    i8p = I8.as_pointer()
    for h in range(2):
        builder.call(load, [tile[4 + h], builder.inttoptr(builder.add(a_rows[h], a_off), i8p), a_stride])
    for h in range(2):
        builder.call(load, [tile[6 + h], builder.inttoptr(builder.add(brow, ir.Constant(I64, 64 * h)), i8p),
                            b_stride])
    for a in range(2):
        for b in range(2):
            builder.call(dot, [tile[2 * a + b], tile[4 + a], tile[6 + b]])


def _store_block(builder, store, tile, rows, ostride):
    """Store the four accumulator tiles: rows[a] is the address of accumulator row block ``a``."""
    i8p = I8.as_pointer()
    for a in range(2):
        for b in range(2):
            address = builder.inttoptr(builder.add(rows[a], ir.Constant(I64, 64 * b)), i8p)
            builder.call(store, [tile[2 * a + b], address, ostride])


def _block_codegen(out_col: bool):
    """Code of :func:`amx_block` (``out_col``: the output column is an argument of its own, and the
    caller configures and releases the tiles around many blocks: :func:`amx_configure`)."""
    def codegen(context, builder, sig, args):
        wbase, wstride = _array(context, builder, sig.args[0], args[0])
        pbase, pstride = _array(context, builder, sig.args[1], args[1])
        obase, ostride = _array(context, builder, sig.args[6], args[6])
        k0_, nk_, i0_, n16 = args[2], args[3], args[4], args[5]
        o0_ = args[7] if out_col else i0_
        i8p = I8.as_pointer()
        ldcfg = _fn(builder, "llvm.x86.ldtilecfg", [i8p])
        zero = _fn(builder, "llvm.x86.tilezero", [I8])
        load = _fn(builder, "llvm.x86.tileloadd64", [I8, i8p, I64])
        dot = _fn(builder, "llvm.x86.tdpbssd", [I8, I8, I8])
        store = _fn(builder, "llvm.x86.tilestored64", [I8, i8p, I64])
        release = _fn(builder, "llvm.x86.tilerelease", [])
        if not out_col:
            cfg = cgutils.alloca_once(builder, ir.ArrayType(I8, 64))
            builder.store(ir.Constant(ir.ArrayType(I8, 64), bytearray(_CONFIG)), cfg)
            builder.call(ldcfg, [builder.bitcast(cfg, i8p)])
        tile = [ir.Constant(I8, t) for t in range(8)]
        c64, c16 = ir.Constant(I64, 64), ir.Constant(I64, STEP_GROUP)
        b_col = builder.add(pbase, builder.mul(i0_, ir.Constant(I64, 4)))

        def block(kb, _accs):
            k = builder.add(k0_, builder.mul(kb, ir.Constant(I64, BLOCK)))
            a_rows = _start_block(builder, zero, tile, wbase, wstride, k)

            def body(kk, _a):
                brow = builder.add(b_col, builder.mul(builder.mul(kk, c16), pstride))
                _tile_products(builder, load, dot, tile, a_rows, builder.mul(kk, c64), wstride, brow, pstride)
                return []

            _loop(builder, n16, [], body)
            rows = [builder.add(builder.add(obase, builder.mul(builder.add(k, ir.Constant(I64, 16 * a)), ostride)),
                                builder.mul(o0_, ir.Constant(I64, 4))) for a in range(2)]
            _store_block(builder, store, tile, rows, ostride)
            return []

        _loop(builder, nk_, [], block)
        if not out_col:
            builder.call(release, [])
        return context.get_dummy_value()
    return codegen


@intrinsic
def amx_configure(typingctx):
    """Load the tile configuration (ldtilecfg costs about as much as a few tile products: once per task)."""
    def codegen(context, builder, sig, args):
        i8p = I8.as_pointer()
        cfg = cgutils.alloca_once(builder, ir.ArrayType(I8, 64))
        builder.store(ir.Constant(ir.ArrayType(I8, 64), bytearray(_CONFIG)), cfg)
        builder.call(_fn(builder, "llvm.x86.ldtilecfg", [i8p]), [builder.bitcast(cfg, i8p)])
        return context.get_dummy_value()
    return types.void(), codegen


@intrinsic
def amx_release(typingctx):
    """Release the tile state after a task's :func:`amx_block_at` calls."""
    def codegen(context, builder, sig, args):
        builder.call(_fn(builder, "llvm.x86.tilerelease", []), [])
        return context.get_dummy_value()
    return types.void(), codegen


@intrinsic
def amx_block(typingctx, w, pt, k0, nk, i0, nsteps16, out):
    """For kb < nk: out[k:k+32, i0:i0+32] = W[k:k+32] . PT[:, i0:i0+32] with k = k0 + 32 kb (int8 x int8
    -> int32 on AMX tiles; the tile configuration is loaded once for the nk blocks, and their
    patches stay in cache)."""
    return types.void(w, pt, types.intp, types.intp, types.intp, types.intp, out), _block_codegen(False)


@intrinsic
def amx_block_at(typingctx, w, pt, k0, nk, i0, nsteps16, out, o0):
    """:func:`amx_block` storing into out[k:k+32, o0:o0+32] (patches built per block in a small buffer),
    between :func:`amx_configure` and :func:`amx_release` (no tile configuration of its own)."""
    return (types.void(w, pt, types.intp, types.intp, types.intp, types.intp, out, types.intp),
            _block_codegen(True))


def _gather_codegen(sw: int):
    def codegen(context, builder, sig, args):
        sbase, _ = _array(context, builder, sig.args[0], args[0])
        dbase, _ = _array(context, builder, sig.args[2], args[2])
        v64 = ir.VectorType(I8, 64)
        src = builder.load(builder.inttoptr(builder.add(sbase, args[1]), v64.as_pointer()))
        src.align = 1
        mask = ir.Constant(ir.VectorType(ir.IntType(32), 64), [sw * (i // 4) + i % 4 for i in range(64)])
        lanes = builder.shuffle_vector(src, ir.Constant(v64, None), mask)   # VPERMB (AVX-512 VBMI)
        builder.store(lanes, builder.inttoptr(builder.add(dbase, args[3]), v64.as_pointer())).align = 1
        return context.get_dummy_value()
    return codegen


def _make_gather(sw: int):
    def typer(typingctx, src, soff, dst, doff):
        return types.void(src, types.intp, dst, types.intp), _gather_codegen(sw)
    typer.__name__ = typer.__qualname__ = f"gather_lanes_s{sw}"
    typer.__doc__ = (f"dst bytes [doff, doff+64) = 16 lanes of 4 bytes, lane n = src bytes soff + {sw}n .. +3 "
                     "(16 output pixels' 4 consecutive taps of one input row, in AMX's B layout).")
    return intrinsic(typer)


gather_lanes_s1, gather_lanes_s2, gather_lanes_s3, gather_lanes_s4 = (_make_gather(s) for s in (1, 2, 3, 4))


@intrinsic
def amx_block_taps(typingctx, w, xl, offs, k0, nk, p0, bstride, out):
    """Implicit-GEMM block: out[k:k+32, 0:32] = sum over step groups kk of W[k:k+32, 64 kk:64 kk+64] . B_kk,
    where B_kk (16 rows of 32 pixels x 4 bytes) is read straight from the lane planes ``xl`` at byte
    offset 4 p0 + offs[kk], rows ``bstride`` bytes apart (no patch matrix). Between
    :func:`amx_configure` and :func:`amx_release`; k = k0 + 32 kb for kb < nk."""
    def codegen(context, builder, sig, args):
        wbase, wstride = _array(context, builder, sig.args[0], args[0])
        xbase, _ = _array(context, builder, sig.args[1], args[1])
        obase, _ = _array(context, builder, sig.args[2], args[2])
        out_base, ostride = _array(context, builder, sig.args[7], args[7])
        k0_, nk_, p0_, bstride = args[3], args[4], args[5], args[6]
        n16 = builder.extract_value(context.make_array(sig.args[2])(context, builder, args[2]).shape, 0)
        i8p = I8.as_pointer()
        zero = _fn(builder, "llvm.x86.tilezero", [I8])
        load = _fn(builder, "llvm.x86.tileloadd64", [I8, i8p, I64])
        dot = _fn(builder, "llvm.x86.tdpbssd", [I8, I8, I8])
        store = _fn(builder, "llvm.x86.tilestored64", [I8, i8p, I64])
        tile = [ir.Constant(I8, t) for t in range(8)]
        c64 = ir.Constant(I64, 64)
        xcol = builder.add(xbase, builder.mul(p0_, ir.Constant(I64, 4)))

        def block(kb, _accs):
            k = builder.add(k0_, builder.mul(kb, ir.Constant(I64, BLOCK)))
            a_rows = _start_block(builder, zero, tile, wbase, wstride, k)

            def body(kk, _a):
                ov = builder.load(builder.inttoptr(builder.add(obase, builder.mul(kk, ir.Constant(I64, 8))),
                                                   I64.as_pointer()))
                _tile_products(builder, load, dot, tile, a_rows, builder.mul(kk, c64), wstride,
                               builder.add(xcol, ov), bstride)
                return []

            _loop(builder, n16, [], body)
            rows = [builder.add(out_base, builder.mul(builder.add(k, ir.Constant(I64, 16 * a)), ostride))
                    for a in range(2)]
            _store_block(builder, store, tile, rows, ostride)
            return []

        _loop(builder, nk_, [], block)
        return context.get_dummy_value()

    return types.void(w, xl, offs, types.intp, types.intp, types.intp, types.intp, out), codegen
