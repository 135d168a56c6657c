"""One fused CPU loop for the per-query middle of the closed-form step (``models.fastmim``).

Everything between the two sparse products, for one chunk of images, in one pass per image over
(N, m) values that stay in cache: gather the area sums at the masked queries, normalise, the
loss, ``dL/dPhi`` (accumulated) and ``dL/dT`` written into ``D`` (each row zeroed first) and
``Dm``. The same arithmetic as the eager torch ops it replaces (equal to round-off; tests compare
both with autograd). Plain C, built once with the system compiler into a cache folder and called
through ctypes; where no compiler is available (or ``MLCLAIMS_NO_KERNEL=1``) the eager ops run.
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

SOURCE = r"""
#include <stdint.h>
#include <string.h>

#define DEFINE(T, SUF)                                                                        \
void chunk_##SUF(int64_t N, int64_t c, int64_t m, int64_t P, int64_t KP,                      \
                 const T* restrict Tch, const T* restrict Tm, const T* restrict W,            \
                 const int64_t* restrict mi, const int64_t* restrict kP, const T* restrict z,  \
                 const int64_t* restrict own, double inv_n, T* restrict u, T* restrict Zi,     \
                 T* restrict s, T* restrict lq, int64_t mode, double* restrict loss,           \
                 T* restrict dPhiNK, T* restrict D, T* restrict Dm, T* restrict loss_q,        \
                 T* restrict A_own)                                                           \
{                                                                                             \
    for (int64_t i = 0; i < c; i++) {                                                         \
        const int64_t* mii = mi + i * m;                                                      \
        const int64_t* owni = own + i * m;                                                    \
        const T* zi = z + i * N;                                                              \
        const T* tmi = Tm + i * P;                                                            \
        for (int64_t j = 0; j < m; j++) { Zi[j] = tmi[mii[j]]; s[j] = 0; lq[j] = 0; }         \
        for (int64_t a = 0; a < N; a++) {                                                     \
            const T* tr = Tch + (a * c + i) * P;                                              \
            const T* wa = W + (a * c + i) * m;                                                \
            T* ua = u + a * m;                                                                \
            for (int64_t j = 0; j < m; j++) { T x = tr[mii[j]] * wa[j]; ua[j] = x; Zi[j] += x; } \
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
            T za = zi[a], zzn = za * za * (T)inv_n;                                           \
            const T* ua = u + a * m;                                                          \
            const T* wa = W + (a * c + i) * m;                                                \
            T* dr = D + (a * c + i) * P;                                                      \
            T* dp = dPhiNK + a * KP + kP[i];                                                  \
            memset(dr, 0, P * sizeof(T));                                                     \
            _Pragma("GCC ivdep")  /* masked positions of one image are distinct */           \
            for (int64_t j = 0; j < m; j++) {                                                 \
                T A = ua[j];                                                                  \
                T r = zzn * (A - (T)(owni[j] == a)) - s[j];                                   \
                dp[mii[j]] += za * A * r;                                                     \
                dr[mii[j]] = r * wa[j] * Zi[j];                                               \
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

_LIB = None
_TRIED = False


def _cache_dir() -> Path:
    base = os.environ.get("MLCLAIMS_CACHE") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mlclaims"


def _cpu_key() -> str:
    try:
        flags = next((ln for ln in open("/proc/cpuinfo") if ln.startswith("flags")), "")
    except OSError:
        flags = ""
    return platform.machine() + flags


def load():
    """The compiled library, or None (no compiler, build failed, or MLCLAIMS_NO_KERNEL=1)."""
    global _LIB, _TRIED
    if _TRIED:
        return _LIB
    _TRIED = True
    if os.environ.get("MLCLAIMS_NO_KERNEL") == "1":
        return None
    cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    if cc is None:
        return None
    flags = ["-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math", "-shared", "-fPIC"]
    key = hashlib.sha256((SOURCE + " ".join(flags) + _cpu_key()).encode()).hexdigest()[:16]
    path = _cache_dir() / f"fastmim_{key}.so"
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory() as tmp:
                src, out = Path(tmp) / "k.c", Path(tmp) / "k.so"
                src.write_text(SOURCE)
                subprocess.run([cc, *flags, str(src), "-o", str(out)], check=True, capture_output=True, timeout=120)
                part = path.with_suffix(f".{os.getpid()}.part")
                shutil.copyfile(out, part)
                os.replace(part, path)                       # atomic: concurrent builders agree
        lib = ctypes.CDLL(str(path))
    except (OSError, subprocess.SubprocessError):
        return None
    i64, dbl, ptr = ctypes.c_int64, ctypes.c_double, ctypes.c_void_p
    for name in ("chunk_f32", "chunk_f64"):
        fn = getattr(lib, name)
        fn.restype = None
        fn.argtypes = [i64] * 5 + [ptr] * 7 + [dbl] + [ptr] * 4 + [i64] + [ptr] * 6
    _LIB = lib
    return lib
