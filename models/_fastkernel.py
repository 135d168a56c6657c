"""Fused CPU loops in C, built once with the system compiler (:func:`build`), and the one for a
chunk of the closed-form MIM step (``models.fastmim``).

Everything of one chunk of images but ``exp`` and the masked-key products, in one pass per image
over values that stay in cache: the sparse products with the one-hot ``W`` (each row of ``W E^T``
built in an L1-resident buffer from contiguous rows of ``E^T``, never stored), the area sums at
the masked queries, normalisation, the loss, ``dL/dPhi`` (accumulated), ``dL/dE^T`` over the
unmasked keys (accumulated, again row by row) and ``dL/dT`` at the masked keys into ``Dm``. The
same arithmetic as the eager torch ops it replaces, summed in another order (equal to round-off;
tests compare both with autograd). Plain C, built once with the system compiler into a cache
folder and called through ctypes; where no compiler is available (or ``MLCLAIMS_NO_KERNEL=1``)
the eager ops run.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

from .util import atomic_replace, cache_dir, umask

SOURCE = r"""
#include <stdint.h>
#include <string.h>

/* One chunk of c images, class-first rows r = a*c + i of the one-hot W (CSR: crow, colq).
   Forward, per image i and area a: the row sum_{q in U_i, area a} E^T[q, :] is built in an
   L1-resident buffer (contiguous adds of rows of E^T), read at the m masked queries, and
   multiplied by the area weights W = exp(z_a Phi). Backward (mode 0): dL/dT for that row is
   scattered into the buffer and added to the rows q of dL/dE^T. */
#define DEFINE(T, SUF)                                                                        \
void chunk_##SUF(int64_t N, int64_t c, int64_t m, int64_t P, int64_t KP,                      \
                 const T* restrict Et, const int64_t* restrict crow,                          \
                 const int64_t* restrict colq, const T* restrict Tm, const T* restrict W,     \
                 const int64_t* restrict mi, const int64_t* restrict kP, const T* restrict z,  \
                 const int64_t* restrict own, double inv_n, T* restrict u, T* restrict Zi,     \
                 T* restrict s, T* restrict lq, int64_t mode, double* restrict loss,           \
                 T* restrict dPhiNK, T* restrict dEt, T* restrict Dm, T* restrict loss_q,      \
                 T* restrict A_own, T* restrict row, T* restrict g1, T* restrict g2)          \
{                                                                                             \
    for (int64_t i = 0; i < c; i++) {                                                         \
        const int64_t* mii = mi + i * m;                                                      \
        const int64_t* owni = own + i * m;                                                    \
        const T* zi = z + i * N;                                                              \
        const T* tmi = Tm + i * P;                                                            \
        for (int64_t j = 0; j < m; j++) { Zi[j] = tmi[mii[j]]; s[j] = 0; lq[j] = 0; }         \
        for (int64_t a = 0; a < N; a++) {                                                     \
            const int64_t r = a * c + i;                                                      \
            const T* wa = W + r * m;                                                          \
            T* ua = u + a * m;                                                                \
            memset(row, 0, P * sizeof(T));                                                    \
            for (int64_t k = crow[r]; k < crow[r + 1]; k++) {                                 \
                const T* e = Et + colq[k] * P;                                                \
                _Pragma("GCC ivdep")                                                          \
                for (int64_t p = 0; p < P; p++) row[p] += e[p];                               \
            }                                                                                 \
            for (int64_t j = 0; j < m; j++) ua[j] = row[mii[j]];      /* gather: scalar */    \
            for (int64_t j = 0; j < m; j++) { T x = ua[j] * wa[j]; ua[j] = x; Zi[j] += x; } \
        }                                                                                     \
        for (int64_t j = 0; j < m; j++) Zi[j] = (T)1 / Zi[j];                                 \
        for (int64_t a = 0; a < N; a++) {                                                     \
            T za = zi[a], zzn = za * za * (T)inv_n;                                           \
            T* ua = u + a * m;                                                                \
            for (int64_t j = 0; j < m; j++) {                                                 \
                T A = ua[j] * Zi[j];                                                          \
                T d = A - (T)(owni[j] == a);                                                  \
                ua[j] = A;                                                                    \
                s[j] += zzn * d * A;                                                          \
                lq[j] += za * za * d * d;                                                     \
            }                                                                                 \
        }                                                                                     \
        if (mode == 1) {                                                                      \
            for (int64_t j = 0; j < m; j++) {                                                 \
                loss_q[i * m + j] = (T)0.5 * lq[j];                                           \
                A_own[i * m + j] = u[owni[j] * m + j];                                        \
            }                                                                                 \
            continue;                                                                         \
        }                                                                                     \
        double li = 0;                                                                        \
        for (int64_t j = 0; j < m; j++) li += lq[j];                                          \
        *loss += 0.5 * li * inv_n;                                                            \
        if (mode == 2) continue;                                                              \
        for (int64_t a = 0; a < N; a++) {                                                     \
            const int64_t r = a * c + i;                                                      \
            T za = zi[a], zzn = za * za * (T)inv_n;                                           \
            const T* ua = u + a * m;                                                          \
            const T* wa = W + r * m;                                                          \
            T* dp = dPhiNK + a * KP + kP[i];                                                  \
            for (int64_t j = 0; j < m; j++) {            /* arithmetic: vectorised */          \
                T A = ua[j];                                                                  \
                T rr = zzn * (A - (T)(owni[j] == a)) - s[j];                                  \
                g1[j] = za * A * rr;                                                          \
                g2[j] = rr * wa[j] * Zi[j];                                                   \
            }                                                                                 \
            for (int64_t j = 0; j < m; j++) dp[mii[j]] += g1[j];   /* scatters: scalar */     \
            if (crow[r] == crow[r + 1]) continue;                                             \
            memset(row, 0, P * sizeof(T));                                                    \
            for (int64_t j = 0; j < m; j++) row[mii[j]] = g2[j];                              \
            for (int64_t k = crow[r]; k < crow[r + 1]; k++) {         /* dL/dE^T, unmasked */  \
                T* de = dEt + colq[k] * P;                                                    \
                _Pragma("GCC ivdep")                                                          \
                for (int64_t p = 0; p < P; p++) de[p] += row[p];                              \
            }                                                                                 \
        }                                                                                     \
        T* dmi = Dm + i * P;                                                                  \
        _Pragma("GCC ivdep")                                                                  \
        for (int64_t j = 0; j < m; j++) dmi[mii[j]] = -s[j] * Zi[j];                          \
    }                                                                                         \
}

DEFINE(float, f32)
DEFINE(double, f64)
"""

def _cpu_key() -> str:
    try:
        flags = next((ln for ln in open("/proc/cpuinfo") if ln.startswith("flags")), "")
    except OSError:
        flags = ""
    return platform.machine() + flags


def _build(cc: str, flags: list, name: str, source: str):
    """Compile ``source`` with ``flags`` into the cache (once per source, flags and CPU) and load it."""
    key = hashlib.sha256((source + " ".join(flags) + _cpu_key()).encode()).hexdigest()[:16]
    path = cache_dir() / f"{name}_{key}.so"
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory() as tmp:
                src, out = Path(tmp) / "k.c", Path(tmp) / "k.so"
                src.write_text(source)
                subprocess.run([cc, *flags, str(src), "-o", str(out)], check=True, capture_output=True, timeout=120)
                # a shared cache stays readable to others
                atomic_replace(path, lambda tmp: shutil.copyfile(out, tmp), mode=0o755 & ~umask())
        return ctypes.CDLL(str(path))
    except (OSError, subprocess.SubprocessError):
        return None


_LIBS: dict = {}


def build(name: str, source: str, argtypes: dict):
    """The library compiled from ``source`` (C), its functions typed by ``argtypes`` (function name
    -> ctypes argument types, all returning void); None when there is no compiler, the build
    fails, or ``MLCLAIMS_NO_KERNEL=1``. Tried once per process and name."""
    if name in _LIBS:
        return _LIBS[name]
    _LIBS[name] = None
    if os.environ.get("MLCLAIMS_NO_KERNEL") == "1":
        return None
    cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    if cc is None:
        return None
    base = ["-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math", "-shared", "-fPIC"]
    # GCC's unroll-and-jam fuses consecutive row additions into one scalar loop; without it they
    # vectorise (other compilers reject the flag: then the base flags are used)
    for flags in (base + ["-fno-loop-unroll-and-jam"], base):
        lib = _build(cc, flags, name, source)
        if lib is not None:
            break
    else:
        return None
    for fname, types in argtypes.items():
        fn = getattr(lib, fname)
        fn.restype = None
        fn.argtypes = types
    _LIBS[name] = lib
    return lib


def load():
    """The compiled library of the closed-form MIM chunk, or None (no compiler, build failed, or
    MLCLAIMS_NO_KERNEL=1)."""
    i64, dbl, ptr = ctypes.c_int64, ctypes.c_double, ctypes.c_void_p
    sig = [i64] * 5 + [ptr] * 9 + [dbl] + [ptr] * 4 + [i64] + [ptr] * 9
    return build("fastmim", SOURCE, {"chunk_f32": sig, "chunk_f64": sig})
