// The WebAssembly build of tradegym's kernel primitives (native/kernels.h): the same C as the
// native addon, compiled by scripts/build-wasm.mjs with clang for wasm32 with 128-bit SIMD (the
// products' vector extensions become f32x4 operations), embedded in
// src/agents/common/kernels/kernelsWasm.ts. No libc: the caller (kernels/wasm.ts) lays every
// array out in the module's memory, passes byte offsets, and sizes the backward pass's scratch
// with tg_work_needed. Layouts are the native addon's ([layers, (fanIn, fanOut, wOff, bOff) per
// layer]) and are built by tradegym itself, so they are not checked here.
#include "kernels.h"

// clang may emit calls to memset and memcpy for local arrays and struct copies; there is no libc
void* memset(void* d, int c, unsigned long n) {
  unsigned char* p = d;
  while (n--) *p++ = (unsigned char)c;
  return d;
}
void* memcpy(void* d, const void* s, unsigned long n) {
  unsigned char* p = d;
  const unsigned char* q = s;
  while (n--) *p++ = *q++;
  return d;
}

__attribute__((export_name("tg_work_needed"))) int tg_work_needed(const int* layout, int n) {
  Net net;
  net_from_layout(layout, 0, &net);
  return (int)work_needed(&net, n);
}

__attribute__((export_name("tg_mlp_forward"))) void tg_mlp_forward(const int* layout, int flags, const float* params, const float* x, int n, float* acts) {
  Net net;
  net_from_layout(layout, flags, &net);
  mlp_forward(&net, params, x, n, acts);
}

__attribute__((export_name("tg_mlp_backward"))) void tg_mlp_backward(const int* layout, int flags, const float* params, const float* x, int n, const float* acts, float* dOut, float* grad, float* dx, float* work) {
  Net net;
  net_from_layout(layout, flags, &net);
  mlp_backward(&net, params, x, n, acts, dOut, grad, dx, work);
}

__attribute__((export_name("tg_sumsq"))) double tg_sumsq(const float* g, int n) { return sumsq(g, (size_t)n); }

__attribute__((export_name("tg_adam"))) void tg_adam(float* p, float* m, float* v, const float* g, int n, double scale, double stepSize, double bc2, double beta1, double beta2, double eps) {
  adam(p, m, v, g, (size_t)n, scale, stepSize, bc2, beta1, beta2, eps);
}

__attribute__((export_name("tg_rmsprop"))) void tg_rmsprop(float* p, float* v, const float* g, int n, double scale, double lr, double alpha, double eps) {
  rmsprop(p, v, g, (size_t)n, scale, lr, alpha, eps);
}

__attribute__((export_name("tg_lstm_work_needed"))) int tg_lstm_work_needed(const int* d) {
  const Lstm L = {d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]};
  return (int)lstm_work_needed(&L);
}

// desc = [in, hid, steps, rows, count, wOff, bIhOff, bHhOff]; sched = [active, offset, rowOf]
__attribute__((export_name("tg_lstm_forward"))) void tg_lstm_forward(const int* d, const int* s, const float* params, const float* x, float* a, float* gates, float* cPrev, float* c, float* tc, float* h, float* cs, float* out, float* bias) {
  const Lstm L = {d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]};
  lstm_forward(&L, s, s + L.steps, s + 2 * L.steps, params, x, a, gates, cPrev, c, tc, h, cs, out, bias);
}

__attribute__((export_name("tg_lstm_backward"))) void tg_lstm_backward(const int* d, const int* s, const float* params, const float* a, const float* gates, const float* cPrev, const float* tc, const float* dOut, float* grad, float* work) {
  const Lstm L = {d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]};
  lstm_backward(&L, s, s + L.steps, s + 2 * L.steps, params, a, gates, cPrev, tc, dOut, grad, work);
}
