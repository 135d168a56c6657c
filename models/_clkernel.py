"""Fused CPU loops for the closed-form step of the reduced contrastive model
(``models.contrastive.ReducedCL.loss_and_grads``).

The feature of position q in an image of cluster k is ``f_k(q)`` whatever the image, so every
logit is an elementwise expression in four (P, P) matrices of the cluster,

    l[p, q] = Ups[p, q] + A_k[p, q] u_q + u_p (B_k[p, q] + C_k[p, q] u_q),

with ``A_k[p, q] = Phi[p, f_k(q)]``, ``B_k[p, q] = FE[f_k(p), q]``, ``C_k[p, q] = FF[f_k(p), f_k(q)]``
and ``u`` the image's masked amplitudes. Per chunk of images, one loop writes the logits less
their row maximum (``cl_logits``), torch takes ``exp`` in place, and one loop reads each row
once: the pooled key weights ``kw[q] = sum_p w_p attn[p, q]`` (``cl_forward``), or the softmax
backward pass ``G[p, q] = w_p attn[p, q] (dkw[q] - sum_q' attn[p, q'] dkw[q'])`` accumulated
into dL/dUps and the three cluster matrices' gradients (``cl_backward``). The (P, P) matrices of
all clusters stay in the cache; nothing of the data's size is stored but the chunk's logits.
Plain C through :func:`models._fastkernel.build`; without a compiler autograd runs.
"""
from __future__ import annotations

import ctypes

from ._fastkernel import build

SOURCE = r"""
#include <stdint.h>

/* Reductions over a row in 16 lanes, so that they vectorise without reassociation flags */    \
#define DEFINE(T, SUF)                                                                        \
static inline T rowmax_##SUF(const T* restrict x, int64_t P)                                  \
{                                                                                             \
    T m[16]; int64_t q = 0;                                                                   \
    for (int j = 0; j < 16; j++) m[j] = x[0];                                                 \
    for (; q + 16 <= P; q += 16)                                                              \
        for (int j = 0; j < 16; j++) m[j] = x[q + j] > m[j] ? x[q + j] : m[j];                \
    T r = m[0];                                                                               \
    for (int j = 1; j < 16; j++) r = m[j] > r ? m[j] : r;                                     \
    for (; q < P; q++) r = x[q] > r ? x[q] : r;                                               \
    return r;                                                                                 \
}                                                                                             \
static inline T rowsum_##SUF(const T* restrict x, int64_t P)                                  \
{                                                                                             \
    T a[16] = {0}; int64_t q = 0;                                                             \
    for (; q + 16 <= P; q += 16)                                                              \
        for (int j = 0; j < 16; j++) a[j] += x[q + j];                                        \
    T r = 0;                                                                                  \
    for (int j = 0; j < 16; j++) r += a[j];                                                   \
    for (; q < P; q++) r += x[q];                                                             \
    return r;                                                                                 \
}                                                                                             \
static inline T rowdot_##SUF(const T* restrict x, const T* restrict y, int64_t P)             \
{                                                                                             \
    T a[16] = {0}; int64_t q = 0;                                                             \
    for (; q + 16 <= P; q += 16)                                                              \
        for (int j = 0; j < 16; j++) a[j] += x[q + j] * y[q + j];                             \
    T r = 0;                                                                                  \
    for (int j = 0; j < 16; j++) r += a[j];                                                   \
    for (; q < P; q++) r += x[q] * y[q];                                                      \
    return r;                                                                                 \
}                                                                                             \
/* L[i] = Ups + A_k u_q + u_p (B_k + C_k u_q), less its row maximum; k = cl[i] */              \
void cl_logits_##SUF(int64_t P, int64_t c, const T* restrict Ups, const T* restrict A,        \
                     const T* restrict B, const T* restrict C, const int64_t* restrict cl,   \
                     const T* restrict u, T* restrict L)                                      \
{                                                                                             \
    for (int64_t i = 0; i < c; i++) {                                                         \
        const int64_t off = cl[i] * P * P;                                                    \
        const T* ui = u + i * P;                                                              \
        for (int64_t p = 0; p < P; p++) {                                                     \
            const T* ups = Ups + p * P; const T* a = A + off + p * P;                         \
            const T* b = B + off + p * P; const T* cc = C + off + p * P;                      \
            T* l = L + (i * P + p) * P;                                                       \
            const T up = ui[p];                                                               \
            for (int64_t q = 0; q < P; q++)                                                   \
                l[q] = ups[q] + a[q] * ui[q] + up * (b[q] + cc[q] * ui[q]);                   \
            const T mx = rowmax_##SUF(l, P);                                                  \
            for (int64_t q = 0; q < P; q++) l[q] -= mx;                                       \
        }                                                                                     \
    }                                                                                         \
}                                                                                             \
/* kw[i, q] = sum_p w[i, p] E[i, p, q] / sum_q' E[i, p, q'] */                                \
void cl_forward_##SUF(int64_t P, int64_t c, const T* restrict E, const T* restrict w,        \
                      T* restrict kw)                                                         \
{                                                                                             \
    for (int64_t i = 0; i < c; i++) {                                                         \
        T* k = kw + i * P;                                                                    \
        for (int64_t q = 0; q < P; q++) k[q] = 0;                                             \
        for (int64_t p = 0; p < P; p++) {                                                     \
            const T wp = w[i * P + p];                                                        \
            const T* e = E + (i * P + p) * P;                                                 \
            const T s = rowsum_##SUF(e, P);                                                   \
            if (wp == 0) {              /* no weight: a NaN row still reaches the loss, as in  \
                                           autograd (0 * NaN), so that the trainer sees it */  \
                if (s != s) k[0] = s;                                                         \
                continue;                                                                     \
            }                                                                                 \
            const T f = wp / s;                                                               \
            for (int64_t q = 0; q < P; q++) k[q] += f * e[q];                                 \
        }                                                                                     \
    }                                                                                         \
}                                                                                             \
/* G = w_p attn (dkw_q - attn . dkw) per row; dUps += G, dA_k += G u_q, dB_k += u_p G,         \
   dC_k += u_p G u_q */                                                                       \
void cl_backward_##SUF(int64_t P, int64_t c, const T* restrict E, const int64_t* restrict cl, \
                       const T* restrict u, const T* restrict w, const T* restrict dkw,      \
                       T* restrict dUps, T* restrict dA, T* restrict dB, T* restrict dC,     \
                       T* restrict g)                                                         \
{                                                                                             \
    for (int64_t i = 0; i < c; i++) {                                                         \
        const int64_t off = cl[i] * P * P;                                                    \
        const T* ui = u + i * P;                                                              \
        const T* di = dkw + i * P;                                                            \
        for (int64_t p = 0; p < P; p++) {                                                     \
            const T wp = w[i * P + p];                                                        \
            if (wp == 0) continue;                                                            \
            const T* e = E + (i * P + p) * P;                                                 \
            const T inv = (T)1 / rowsum_##SUF(e, P), f = wp * inv;                            \
            const T r = rowdot_##SUF(e, di, P) * inv;                                         \
            T* du = dUps + p * P; T* da = dA + off + p * P;                                   \
            for (int64_t q = 0; q < P; q++) {                                                 \
                const T gq = f * e[q] * (di[q] - r);                                          \
                g[q] = gq;                                                                    \
                du[q] += gq;                                                                  \
                da[q] += gq * ui[q];                                                          \
            }                                                                                 \
            const T up = ui[p];                                                               \
            if (up == 0) continue;                                                            \
            T* db = dB + off + p * P; T* dc = dC + off + p * P;                               \
            for (int64_t q = 0; q < P; q++) {                                                 \
                const T x = up * g[q];                                                        \
                db[q] += x;                                                                   \
                dc[q] += x * ui[q];                                                           \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
}

DEFINE(float, f32)
DEFINE(double, f64)
"""


def load():
    """The compiled CL loops, or None (no compiler, build failed, or MLCLAIMS_NO_KERNEL=1)."""
    i64, ptr = ctypes.c_int64, ctypes.c_void_p
    sigs = {}
    for suf in ("f32", "f64"):
        sigs[f"cl_logits_{suf}"] = [i64, i64] + [ptr] * 7
        sigs[f"cl_forward_{suf}"] = [i64, i64] + [ptr] * 3
        sigs[f"cl_backward_{suf}"] = [i64, i64] + [ptr] * 10
    return build("clstep", SOURCE, sigs)
