// The float32 matrix products of tradegym's native kernels: C = A' B (+ bias) in plain C
// (vectorised through GCC's and Clang's vector extensions where they are there) and, on x86-64,
// with AVX-512 or AVX2+FMA (compiled into the same binary; native/tradegym.c picks one at run
// time). Kept apart from the Node-API code so that native/check/gemm-check.c can test the
// plain C kernel on other CPUs (64-bit ARM under qemu: scripts/check-gemm.sh).
#ifndef TRADEGYM_GEMM_H
#define TRADEGYM_GEMM_H
#include <stddef.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define TG_X86 1
#endif

// ---------------------------------------------------------------------------------------------
// C (n x m, row stride ldc) = A' B (+ bias), where A'(r, c) = A[r rs + c cs] (n x k) and B is
// k x m with row stride ldb. Every kernel has this signature.
typedef void (*TgGemm)(int n, int m, int k, const float* A, long rs, long cs, const float* B, long ldb, float* C, long ldc, const float* bias);

// Plain C. With GCC or Clang, in register blocks of the CPU's baseline 4-float vectors (SSE2 on
// x86-64, NEON on 64-bit ARM, through the compilers' vector extensions): 4 rows x PLAIN_V
// vectors of sums stay in registers while p runs, where a row-at-a-time loop loads and stores
// its sums at every p. 4 vectors (16 columns) on ARM's 32 vector registers, 2 on x86-64's 16.
// Each element is the bias plus its products added in order p = 0, 1, ... (unfused:
// -ffp-contract=off). Other compilers (MSVC) take the row-at-a-time loop.
static void gemm_rows(int n, int j0, int m, int k, const float* A, long rs, long cs, const float* B, long ldb, float* C, long ldc, const float* bias) {
  for (int i = 0; i < n; i++) {
    float* c = C + i * ldc;
    for (int j = j0; j < m; j++) c[j] = bias ? bias[j] : 0.f;
    for (int p = 0; p < k; p++) {
      const float a = A[i * rs + p * cs];
      const float* b = B + p * ldb;
      for (int j = j0; j < m; j++) c[j] += a * b[j];
    }
  }
}

#if defined(__GNUC__)
typedef float v4f __attribute__((vector_size(16)));
typedef float v4fu __attribute__((vector_size(16), aligned(4))); // an unaligned load or store
#ifndef PLAIN_V
#if defined(__aarch64__)
#define PLAIN_V 4
#else
#define PLAIN_V 2
#endif
#endif
#ifndef PLAIN_R
#define PLAIN_R 4
#endif
static inline __attribute__((always_inline)) void plain_block(const int R, int k, const float* a, long rs, long cs, const float* b, long ldb, float* c, long ldc, const float* bias) {
  v4f s[PLAIN_R][PLAIN_V];
  for (int t = 0; t < PLAIN_V; t++) {
    const v4f b0 = bias ? *(const v4fu*)(bias + 4 * t) : (v4f){0.f, 0.f, 0.f, 0.f};
    for (int r = 0; r < R; r++) s[r][t] = b0;
  }
  for (int p = 0; p < k; p++) {
    const float* bp = b + p * ldb;
    v4f x[PLAIN_V];
    for (int t = 0; t < PLAIN_V; t++) x[t] = *(const v4fu*)(bp + 4 * t);
    for (int r = 0; r < R; r++) {
      const float av = a[r * rs + p * cs];
      for (int t = 0; t < PLAIN_V; t++) s[r][t] += x[t] * av;
    }
  }
  for (int r = 0; r < R; r++)
    for (int t = 0; t < PLAIN_V; t++) *(v4fu*)(c + r * ldc + 4 * t) = s[r][t];
}

static void gemm_plain(int n, int m, int k, const float* A, long rs, long cs, const float* B, long ldb, float* C, long ldc, const float* bias) {
  const int W = 4 * PLAIN_V;
  int j = 0;
  for (; j + W <= m; j += W) {
    const float* bj = bias ? bias + j : NULL;
    int i = 0;
    for (; i + PLAIN_R <= n; i += PLAIN_R) plain_block(PLAIN_R, k, A + i * rs, rs, cs, B + j, ldb, C + i * ldc + j, ldc, bj);
    for (; i < n; i++) plain_block(1, k, A + i * rs, rs, cs, B + j, ldb, C + i * ldc + j, ldc, bj);
  }
  if (j < m) gemm_rows(n, j, m, k, A, rs, cs, B, ldb, C, ldc, bias); // the last columns, fewer than W
}
#else
static void gemm_plain(int n, int m, int k, const float* A, long rs, long cs, const float* B, long ldb, float* C, long ldc, const float* bias) {
  gemm_rows(n, 0, m, k, A, rs, cs, B, ldb, C, ldc, bias);
}
#endif

#ifdef TG_X86
// AVX-512: blocks of 8 rows x 32 columns, sixteen zmm sums of AVX-512's 32 registers (eight
// would leave the FMA units waiting on their latency), unmasked loads and stores where the
// block is 32 columns wide, masked ones on the last, narrower block.
#define ROWS512 8 // 8 rows made DQN's zoo round about a quarter faster than 4; 12 no faster than 8
__attribute__((target("avx512f"), always_inline)) static inline void avx512_block(const int R, const int full, int k, const float* a, long rs, long cs, const float* B, long ldb, float* c, long ldc, __m512 b0, __m512 b1, __mmask16 k0, __mmask16 k1) {
  __m512 s0[ROWS512], s1[ROWS512];
  for (int r = 0; r < R; r++) {
    s0[r] = b0;
    s1[r] = b1;
  }
  for (int p = 0; p < k; p++) {
    const float* b = B + p * ldb;
    const __m512 x0 = full ? _mm512_loadu_ps(b) : _mm512_maskz_loadu_ps(k0, b);
    const __m512 x1 = full ? _mm512_loadu_ps(b + 16) : _mm512_maskz_loadu_ps(k1, b + 16);
    const long o = p * cs;
    for (int r = 0; r < R; r++) {
      const __m512 av = _mm512_set1_ps(a[r * rs + o]);
      s0[r] = _mm512_fmadd_ps(av, x0, s0[r]);
      s1[r] = _mm512_fmadd_ps(av, x1, s1[r]);
    }
  }
  for (int r = 0; r < R; r++) {
    float* cr = c + r * ldc;
    if (full) {
      _mm512_storeu_ps(cr, s0[r]);
      _mm512_storeu_ps(cr + 16, s1[r]);
    } else {
      _mm512_mask_storeu_ps(cr, k0, s0[r]);
      _mm512_mask_storeu_ps(cr + 16, k1, s1[r]);
    }
  }
}

__attribute__((target("avx512f"))) static void gemm_avx512(int n, int m, int k, const float* A, long rs, long cs, const float* B, long ldb, float* C, long ldc, const float* bias) {
  for (int j = 0; j < m; j += 32) {
    const int w = m - j < 32 ? m - j : 32;
    const __mmask16 k0 = w >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << w) - 1);
    const __mmask16 k1 = w <= 16 ? (__mmask16)0 : w >= 32 ? (__mmask16)0xFFFF : (__mmask16)((1u << (w - 16)) - 1);
    const __m512 b0 = bias ? _mm512_maskz_loadu_ps(k0, bias + j) : _mm512_setzero_ps();
    const __m512 b1 = bias ? _mm512_maskz_loadu_ps(k1, bias + j + 16) : _mm512_setzero_ps();
    const float* Bj = B + j;
    float* Cj = C + j;
    int i = 0;
    if (w == 32) {
      for (; i + ROWS512 <= n; i += ROWS512) avx512_block(ROWS512, 1, k, A + i * rs, rs, cs, Bj, ldb, Cj + i * ldc, ldc, b0, b1, k0, k1);
      for (; i + 4 <= n; i += 4) avx512_block(4, 1, k, A + i * rs, rs, cs, Bj, ldb, Cj + i * ldc, ldc, b0, b1, k0, k1);
      for (; i < n; i++) avx512_block(1, 1, k, A + i * rs, rs, cs, Bj, ldb, Cj + i * ldc, ldc, b0, b1, k0, k1);
    } else {
      for (; i + 4 <= n; i += 4) avx512_block(4, 0, k, A + i * rs, rs, cs, Bj, ldb, Cj + i * ldc, ldc, b0, b1, k0, k1);
      for (; i < n; i++) avx512_block(1, 0, k, A + i * rs, rs, cs, Bj, ldb, Cj + i * ldc, ldc, b0, b1, k0, k1);
    }
  }
}

// AVX2 with FMA (most x86 CPUs since 2013): blocks of 6 rows x 16 columns, twelve ymm sums
// (eight would leave the two FMA units waiting on their four-cycle latency), unmasked loads
// and stores where the block is 16 columns wide, masked ones on the last, narrower block.
// Every element is still the bias plus its products fused in order p = 0, 1, ..., so the
// result is bit for bit the AVX-512 kernel's.
__attribute__((target("avx2,fma"), always_inline)) static inline void avx2_block(const int R, const int full, int k, const float* a, long rs, long cs, const float* B, long ldb, float* c, long ldc, __m256 b0, __m256 b1, __m256i k0, __m256i k1, const int two) {
  __m256 s0[6], s1[6];
  for (int r = 0; r < R; r++) {
    s0[r] = b0;
    s1[r] = b1;
  }
  for (int p = 0; p < k; p++) {
    const float* b = B + p * ldb;
    const __m256 x0 = full ? _mm256_loadu_ps(b) : _mm256_maskload_ps(b, k0);
    const __m256 x1 = full ? _mm256_loadu_ps(b + 8) : two ? _mm256_maskload_ps(b + 8, k1) : _mm256_setzero_ps();
    const long o = p * cs;
    for (int r = 0; r < R; r++) {
      const __m256 av = _mm256_broadcast_ss(a + r * rs + o);
      s0[r] = _mm256_fmadd_ps(av, x0, s0[r]);
      if (full || two) s1[r] = _mm256_fmadd_ps(av, x1, s1[r]);
    }
  }
  for (int r = 0; r < R; r++) {
    float* cr = c + r * ldc;
    if (full) {
      _mm256_storeu_ps(cr, s0[r]);
      _mm256_storeu_ps(cr + 8, s1[r]);
    } else {
      _mm256_maskstore_ps(cr, k0, s0[r]);
      if (two) _mm256_maskstore_ps(cr + 8, k1, s1[r]);
    }
  }
}

__attribute__((target("avx2,fma"))) static void gemm_avx2(int n, int m, int k, const float* A, long rs, long cs, const float* B, long ldb, float* C, long ldc, const float* bias) {
  for (int j = 0; j < m; j += 16) {
    const int w = m - j < 16 ? m - j : 16;
    int lane[16];
    for (int t = 0; t < 16; t++) lane[t] = t < w ? -1 : 0;
    const __m256i k0 = _mm256_loadu_si256((const __m256i*)lane);
    const __m256i k1 = _mm256_loadu_si256((const __m256i*)(lane + 8));
    const __m256 b0 = bias ? _mm256_maskload_ps(bias + j, k0) : _mm256_setzero_ps();
    const __m256 b1 = bias && w > 8 ? _mm256_maskload_ps(bias + j + 8, k1) : _mm256_setzero_ps();
    const float* Bj = B + j;
    float* Cj = C + j;
    int i = 0;
    if (w == 16) {
      for (; i + 6 <= n; i += 6) avx2_block(6, 1, k, A + i * rs, rs, cs, Bj, ldb, Cj + i * ldc, ldc, b0, b1, k0, k1, 1);
      for (; i + 4 <= n; i += 4) avx2_block(4, 1, k, A + i * rs, rs, cs, Bj, ldb, Cj + i * ldc, ldc, b0, b1, k0, k1, 1);
      for (; i < n; i++) avx2_block(1, 1, k, A + i * rs, rs, cs, Bj, ldb, Cj + i * ldc, ldc, b0, b1, k0, k1, 1);
    } else if (w > 8) {
      for (; i + 6 <= n; i += 6) avx2_block(6, 0, k, A + i * rs, rs, cs, Bj, ldb, Cj + i * ldc, ldc, b0, b1, k0, k1, 1);
      for (; i < n; i++) avx2_block(1, 0, k, A + i * rs, rs, cs, Bj, ldb, Cj + i * ldc, ldc, b0, b1, k0, k1, 1);
    } else {
      // one ymm of columns: six sums per block
      for (; i + 6 <= n; i += 6) avx2_block(6, 0, k, A + i * rs, rs, cs, Bj, ldb, Cj + i * ldc, ldc, b0, b1, k0, k1, 0);
      for (; i < n; i++) avx2_block(1, 0, k, A + i * rs, rs, cs, Bj, ldb, Cj + i * ldc, ldc, b0, b1, k0, k1, 0);
    }
  }
}
#endif

#endif
