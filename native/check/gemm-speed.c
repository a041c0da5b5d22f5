// Times native/gemm.h's products on the shape that dominates DQN's zoo CartPole round (a batch
// of 64 through a 256 x 256 layer), best of 5 runs of 2,000 products, on each kernel this CPU
// runs; prints billions of multiply-adds per second. `bash scripts/check-gemm.sh --speed`.
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../gemm.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void run(const char* name, TgGemm gemm) {
  const int n = 64, k = 256, m = 256, reps = 2000;
  float* A = malloc(sizeof(float) * n * k);
  float* B = malloc(sizeof(float) * k * m);
  float* C = malloc(sizeof(float) * n * m);
  float* bias = malloc(sizeof(float) * m);
  for (int i = 0; i < n * k; i++) A[i] = (float)(i % 7) * 0.1f;
  for (int i = 0; i < k * m; i++) B[i] = (float)(i % 5) * 0.1f;
  for (int j = 0; j < m; j++) bias[j] = (float)(j % 3);
  double best = 1e30;
  for (int t = 0; t < 5; t++) {
    const double t0 = now();
    for (int r = 0; r < reps; r++) gemm(n, m, k, A, k, 1, B, m, C, m, bias);
    const double dt = now() - t0;
    if (dt < best) best = dt;
  }
  printf("%-6s %6.1f billion multiply-adds/s (64 x 256 by 256 x 256)\n", name, (double)n * k * m * reps / best / 1e9);
  free(A);
  free(B);
  free(C);
  free(bias);
}

int main(void) {
  run("plain", gemm_plain);
#ifdef TG_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) run("avx2", gemm_avx2);
  if (__builtin_cpu_supports("avx512f")) run("avx512", gemm_avx512);
#endif
  return 0;
}
