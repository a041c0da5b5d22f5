// The product kernel of tradegym's typed-array agents, compiled to WebAssembly with 128-bit
// SIMD by `node scripts/build-wasm.mjs` (clang --target=wasm32 -msimd128), which embeds the
// binary in gemmWasm.ts. Plain mul and add, no fused multiply-add: the same bits on every
// engine and machine.
#include <wasm_simd128.h>

// clang may emit calls to memset for local arrays; there is no libc here
void* memset(void* d, int c, unsigned long n) {
  unsigned char* p = d;
  while (n--) *p++ = (unsigned char)c;
  return d;
}

static inline float hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

static inline float dot(const float* x, const float* y, int k) {
  v128_t s = wasm_f32x4_splat(0.f);
  int p = 0;
  for (; p + 4 <= k; p += 4) s = wasm_f32x4_add(s, wasm_f32x4_mul(wasm_v128_load(x + p), wasm_v128_load(y + p)));
  float r = hsum(s);
  for (; p < k; p++) r += x[p] * y[p];
  return r;
}

// C[i m + j] = sum_p A[i k + p] B[j k + p] (+ bias[j] when bias is not 0), A n x k, B m x k.
// Blocks of 2 rows x 4 columns, four lanes along p: eight vector sums in registers.
void gemm_abt(const float* A, const float* B, float* C, int n, int m, int k, const float* bias) {
  int k4 = k & ~3;
  int i = 0;
  for (; i + 2 <= n; i += 2) {
    const float* a0 = A + i * k;
    const float* a1 = a0 + k;
    int j = 0;
    for (; j + 4 <= m; j += 4) {
      const float* b0 = B + j * k;
      const float* b1 = b0 + k;
      const float* b2 = b1 + k;
      const float* b3 = b2 + k;
      v128_t s00 = wasm_f32x4_splat(0.f), s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00, s13 = s00;
      for (int p = 0; p < k4; p += 4) {
        v128_t x0 = wasm_v128_load(a0 + p), x1 = wasm_v128_load(a1 + p);
        v128_t w0 = wasm_v128_load(b0 + p), w1 = wasm_v128_load(b1 + p), w2 = wasm_v128_load(b2 + p), w3 = wasm_v128_load(b3 + p);
        s00 = wasm_f32x4_add(s00, wasm_f32x4_mul(x0, w0));
        s01 = wasm_f32x4_add(s01, wasm_f32x4_mul(x0, w1));
        s02 = wasm_f32x4_add(s02, wasm_f32x4_mul(x0, w2));
        s03 = wasm_f32x4_add(s03, wasm_f32x4_mul(x0, w3));
        s10 = wasm_f32x4_add(s10, wasm_f32x4_mul(x1, w0));
        s11 = wasm_f32x4_add(s11, wasm_f32x4_mul(x1, w1));
        s12 = wasm_f32x4_add(s12, wasm_f32x4_mul(x1, w2));
        s13 = wasm_f32x4_add(s13, wasm_f32x4_mul(x1, w3));
      }
      float r00 = hsum(s00), r01 = hsum(s01), r02 = hsum(s02), r03 = hsum(s03);
      float r10 = hsum(s10), r11 = hsum(s11), r12 = hsum(s12), r13 = hsum(s13);
      for (int p = k4; p < k; p++) {
        r00 += a0[p] * b0[p]; r01 += a0[p] * b1[p]; r02 += a0[p] * b2[p]; r03 += a0[p] * b3[p];
        r10 += a1[p] * b0[p]; r11 += a1[p] * b1[p]; r12 += a1[p] * b2[p]; r13 += a1[p] * b3[p];
      }
      if (bias) {
        r00 += bias[j]; r01 += bias[j + 1]; r02 += bias[j + 2]; r03 += bias[j + 3];
        r10 += bias[j]; r11 += bias[j + 1]; r12 += bias[j + 2]; r13 += bias[j + 3];
      }
      float* c0 = C + i * m + j;
      float* c1 = c0 + m;
      c0[0] = r00; c0[1] = r01; c0[2] = r02; c0[3] = r03;
      c1[0] = r10; c1[1] = r11; c1[2] = r12; c1[3] = r13;
    }
    for (; j < m; j++) {
      float bb = bias ? bias[j] : 0.f;
      C[i * m + j] = dot(a0, B + j * k, k) + bb;
      C[(i + 1) * m + j] = dot(a1, B + j * k, k) + bb;
    }
  }
  for (; i < n; i++) {
    for (int j = 0; j < m; j++) C[i * m + j] = dot(A + i * k, B + j * k, k) + (bias ? bias[j] : 0.f);
  }
}
