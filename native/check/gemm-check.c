// Checks native/gemm.h's products against a float64 reference, without Node: the plain C kernel
// on any CPU (scripts/check-gemm.sh builds this for 64-bit ARM and runs it under qemu, so the
// NEON blocking is tested on CI's x86 machines), and on x86-64 the AVX2 and AVX-512 kernels the
// CPU runs. Sizes cover full and partial column blocks, leftover rows, a single row, a missing
// bias, and A read transposed (the strides back-propagation uses). Exits 1 on any error.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../gemm.h"

static unsigned state = 1;
static float next(void) {
  state = state * 1103515245u + 12345u;
  return (float)((state >> 8) % 2000) / 1000.f - 1.f;
}

// The largest error of `gemm` against float64 sums over the size cases, A plain and transposed.
static int check(const char* name, TgGemm gemm) {
  static const int sizes[][3] = {{64, 256, 256}, {13, 37, 19}, {7, 5, 3}, {5, 16, 33}, {1, 256, 2}, {256, 64, 256}, {11, 9, 8}};
  int bad = 0;
  for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++) {
    const int n = sizes[c][0], k = sizes[c][1], m = sizes[c][2];
    float* A = malloc(sizeof(float) * n * k);
    float* At = malloc(sizeof(float) * n * k);
    float* B = malloc(sizeof(float) * k * m);
    float* C = malloc(sizeof(float) * n * m);
    float* bias = malloc(sizeof(float) * m);
    for (int i = 0; i < n * k; i++) A[i] = next();
    for (int i = 0; i < k * m; i++) B[i] = next();
    for (int j = 0; j < m; j++) bias[j] = next();
    for (int i = 0; i < n; i++)
      for (int p = 0; p < k; p++) At[p * n + i] = A[i * k + p];
    const float* bj = c % 2 ? NULL : bias;
    for (int transposed = 0; transposed < 2; transposed++) {
      for (int i = 0; i < n * m; i++) C[i] = NAN;
      if (transposed) gemm(n, m, k, At, 1, n, B, m, C, m, bj);
      else gemm(n, m, k, A, k, 1, B, m, C, m, bj);
      double worst = 0;
      for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++) {
          double s = bj ? bj[j] : 0;
          for (int p = 0; p < k; p++) s += (double)A[i * k + p] * B[p * m + j];
          const double e = fabs(C[i * m + j] - s);
          if (!(e <= worst)) worst = e; // NaN (an element never written) counts as the worst
        }
      // float32 sums of k products of size <= 1: within 1e-6 per term
      const int ok = worst <= 1e-6 * k;
      printf("%-6s n %3d k %3d m %3d%s%s: worst error %.2e %s\n", name, n, k, m, transposed ? " transposed" : "", bj ? "" : " no bias", worst, ok ? "ok" : "FAIL");
      bad |= !ok;
    }
    free(A);
    free(At);
    free(B);
    free(C);
    free(bias);
  }
  return bad;
}

int main(void) {
  int bad = check("plain", gemm_plain);
#ifdef TG_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) bad |= check("avx2", gemm_avx2);
  if (__builtin_cpu_supports("avx512f")) bad |= check("avx512", gemm_avx512);
#endif
  printf(bad ? "gemm check: FAILED\n" : "gemm check: all products within tolerance\n");
  return bad;
}
