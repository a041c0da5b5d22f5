// tradegym's optional native kernel set (Node-API, C11): the primitives every agent's training
// is made of, in float32, with AVX-512 or AVX2+FMA products where the CPU has them (checked at
// run time) and plain C elsewhere: an MLP's forward and backward pass, the gradient's sum of
// squares (for norm clipping), and the Adam and RMSprop updates. No algorithm lives here: the
// losses, targets and heads are TypeScript, written once (src/agents). The same primitives exist
// in the JS reference kernel set and the wasm one (src/agents/common/kernels), and one
// conformance suite (test/agents/kernels.test.ts) holds every set to the reference. Prebuilt in
// per-platform packages, or built from source by scripts/build-native.mjs (docs/native.md).
#include <math.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"

#define MAX_LAYERS 16

// The product kernel: 2 AVX-512, 1 AVX2 with FMA, 0 plain C; -1 until the CPU is checked.
static int level = -1;

static int cpu_level(void) {
#ifdef TG_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return 2;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
#endif
  return 0;
}

static int kernel_level(void) {
  if (level < 0) level = cpu_level();
  return level;
}

static void gemm(int n, int m, int k, const float* A, long rs, long cs, const float* B, long ldb, float* C, long ldc, const float* bias) {
#ifdef TG_X86
  if (kernel_level() == 2) {
    gemm_avx512(n, m, k, A, rs, cs, B, ldb, C, ldc, bias);
    return;
  }
  if (kernel_level() == 1) {
    gemm_avx2(n, m, k, A, rs, cs, B, ldb, C, ldc, bias);
    return;
  }
#endif
  gemm_plain(n, m, k, A, rs, cs, B, ldb, C, ldc, bias);
}

// T (cols x rows) = W (rows x cols) transposed, in 16 x 16 tiles (a plain loop's strided writes
// cost more than all the products of a step).
static void transpose(const float* W, int rows, int cols, float* T) {
  for (int i0 = 0; i0 < rows; i0 += 16) {
    const int i1 = i0 + 16 < rows ? i0 + 16 : rows;
    for (int j0 = 0; j0 < cols; j0 += 16) {
      const int j1 = j0 + 16 < cols ? j0 + 16 : cols;
      for (int i = i0; i < i1; i++)
        for (int j = j0; j < j1; j++) T[(size_t)j * rows + i] = W[(size_t)i * cols + j];
    }
  }
}

// The sum of squares in eight partial sums (a fixed order: the same result whichever clone
// runs), and the Adam and RMSprop updates of float32 state in double arithmetic, as the JS
// reference kernels. Each is compiled for AVX-512, AVX2 and the baseline; -ffp-contract=off
// keeps them all exact.
#define SUMSQ_BODY                                                                       \
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};                                              \
  size_t i = 0;                                                                          \
  for (; i + 8 <= n; i += 8)                                                             \
    for (int r = 0; r < 8; r++) acc[r] += (double)g[i + r] * (double)g[i + r];           \
  double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])); \
  for (; i < n; i++) s += (double)g[i] * (double)g[i];                                   \
  return s;

#define ADAM_BODY                                                                        \
  for (size_t i = 0; i < n; i++) {                                                       \
    const double gi = (double)g[i] * scale;                                              \
    const float mi = (float)(beta1 * (double)m[i] + (1 - beta1) * gi);                   \
    const float vi = (float)(beta2 * (double)v[i] + (1 - beta2) * gi * gi);              \
    m[i] = mi;                                                                           \
    v[i] = vi;                                                                           \
    p[i] = (float)((double)p[i] - (stepSize * (double)mi) / (sqrt((double)vi) / bc2 + eps)); \
  }

#define RMSPROP_BODY                                                                     \
  for (size_t i = 0; i < n; i++) {                                                       \
    const double gi = (double)g[i] * scale;                                              \
    const float vi = (float)(alpha * (double)v[i] + (1 - alpha) * gi * gi);              \
    v[i] = vi;                                                                           \
    p[i] = (float)((double)p[i] - (lr * gi) / (sqrt((double)vi) + eps));                 \
  }

static double sumsq_plain(const float* g, size_t n) { SUMSQ_BODY }
static void rmsprop_plain(float* restrict p, float* restrict v, const float* restrict g, size_t n, double scale, double lr, double alpha, double eps) { RMSPROP_BODY }
static void adam_plain(float* restrict p, float* restrict m, float* restrict v, const float* restrict g, size_t n, double scale, double stepSize, double bc2, double beta1, double beta2, double eps) { ADAM_BODY }
#ifdef TG_X86
__attribute__((target("avx512f"))) static double sumsq_avx512(const float* g, size_t n) { SUMSQ_BODY }
__attribute__((target("avx512f"))) static void adam_avx512(float* restrict p, float* restrict m, float* restrict v, const float* restrict g, size_t n, double scale, double stepSize, double bc2, double beta1, double beta2, double eps) { ADAM_BODY }
__attribute__((target("avx512f"))) static void rmsprop_avx512(float* restrict p, float* restrict v, const float* restrict g, size_t n, double scale, double lr, double alpha, double eps) { RMSPROP_BODY }
__attribute__((target("avx2"))) static void rmsprop_avx2(float* restrict p, float* restrict v, const float* restrict g, size_t n, double scale, double lr, double alpha, double eps) { RMSPROP_BODY }
__attribute__((target("avx2"))) static double sumsq_avx2(const float* g, size_t n) { SUMSQ_BODY }
__attribute__((target("avx2"))) static void adam_avx2(float* restrict p, float* restrict m, float* restrict v, const float* restrict g, size_t n, double scale, double stepSize, double bc2, double beta1, double beta2, double eps) { ADAM_BODY }
#endif

static double sumsq(const float* g, size_t n) {
#ifdef TG_X86
  if (kernel_level() == 2) return sumsq_avx512(g, n);
  if (kernel_level() == 1) return sumsq_avx2(g, n);
#endif
  return sumsq_plain(g, n);
}

static void adam(float* p, float* m, float* v, const float* g, size_t n, double scale, double stepSize, double bc2, double beta1, double beta2, double eps) {
#ifdef TG_X86
  if (kernel_level() == 2) {
    adam_avx512(p, m, v, g, n, scale, stepSize, bc2, beta1, beta2, eps);
    return;
  }
  if (kernel_level() == 1) {
    adam_avx2(p, m, v, g, n, scale, stepSize, bc2, beta1, beta2, eps);
    return;
  }
#endif
  adam_plain(p, m, v, g, n, scale, stepSize, bc2, beta1, beta2, eps);
}

static void rmsprop(float* p, float* v, const float* g, size_t n, double scale, double lr, double alpha, double eps) {
#ifdef TG_X86
  if (kernel_level() == 2) {
    rmsprop_avx512(p, v, g, n, scale, lr, alpha, eps);
    return;
  }
  if (kernel_level() == 1) {
    rmsprop_avx2(p, v, g, n, scale, lr, alpha, eps);
    return;
  }
#endif
  rmsprop_plain(p, v, g, n, scale, lr, alpha, eps);
}

// ---------------------------------------------------------------------------------------------
// The MLP: layer l maps fanIn[l] to fanOut[l] with W[l] ([fanIn, fanOut], row-major, as tfjs
// stores it) at wOff[l] and the bias at bOff[l] of a flat float32 parameter vector; tanh or
// relu after every layer but the last, and after the last too when activateLast is set (a
// trunk under heads the caller runs). The forward pass keeps every layer's output in `acts`,
// layer after layer (n x fanOut[l] each), for the backward pass.

typedef struct {
  int layers;
  int fanIn[MAX_LAYERS], fanOut[MAX_LAYERS], wOff[MAX_LAYERS], bOff[MAX_LAYERS];
  int relu, activateLast;
} Net;

// tanh by Eigen's float rational approximation, as the JS kernels' tanh (kernels/typed.ts).
static float tanh_eigen(float v) {
  const double lim = 7.90531110763549805;
  const double x = v > lim ? lim : v < -lim ? -lim : v;
  const double x2 = x * x;
  double p = x2 * -2.76076847742355e-16 + 2.00018790482477e-13;
  p = p * x2 - 8.60467152213735e-11;
  p = p * x2 + 5.12229709037114e-8;
  p = p * x2 + 1.48572235717979e-5;
  p = p * x2 + 6.37261928875436e-4;
  p = p * x2 + 4.89352455891786e-3;
  double q = x2 * 1.19825839466702e-6 + 1.18534705686654e-4;
  q = q * x2 + 2.268434632439e-3;
  q = q * x2 + 4.89352518554385e-3;
  return (float)((x * p) / q);
}

static void activate(const Net* net, float* x, long size) {
  if (net->relu) {
    for (long i = 0; i < size; i++) x[i] = x[i] > 0.f ? x[i] : 0.f;
  } else {
    for (long i = 0; i < size; i++) x[i] = tanh_eigen(x[i]);
  }
}

// dx *= the activation's derivative, given its output y.
static void activate_back(const Net* net, float* dx, const float* y, long size) {
  if (net->relu) {
    for (long i = 0; i < size; i++) dx[i] = y[i] > 0.f ? dx[i] : 0.f;
  } else {
    for (long i = 0; i < size; i++) dx[i] = dx[i] * (1.f - y[i] * y[i]);
  }
}

static int activated(const Net* net, int l) { return l < net->layers - 1 || net->activateLast; }

// Where layer l's output starts in acts, for a batch of n rows.
static size_t act_offset(const Net* net, int l, int n) {
  size_t off = 0;
  for (int j = 0; j < l; j++) off += (size_t)n * net->fanOut[j];
  return off;
}

// The floats acts must hold for a batch of n rows.
static size_t acts_needed(const Net* net, int n) { return act_offset(net, net->layers, n); }

static void mlp_forward(const Net* net, const float* params, const float* x, int n, float* acts) {
  const float* in = x;
  for (int l = 0; l < net->layers; l++) {
    const int fi = net->fanIn[l], fo = net->fanOut[l];
    float* out = acts + act_offset(net, l, n);
    gemm(n, fo, fi, in, fi, 1, params + net->wOff[l], fo, out, fo, params + net->bOff[l]);
    if (activated(net, l)) activate(net, out, (long)n * fo);
    in = out;
  }
}

// The backward pass of the last forward (x and acts as it left them): dOut (n x outputs, the
// loss's gradient at the outputs; overwritten) back to every weight and bias, written into
// grad at the parameters' offsets, and into dx (n x inputs) when it is not NULL. Scratch: two
// n x widest buffers and one transposed weight matrix, from `work`.
static void mlp_backward(const Net* net, const float* params, const float* x, int n, const float* acts, float* dOut, float* grad, float* dx, float* work) {
  int w = net->fanIn[0];
  for (int l = 0; l < net->layers; l++) w = net->fanOut[l] > w ? net->fanOut[l] : w;
  // dz: the gradient at layer l's output before its activation; each layer's input gradient
  // goes to the one of the two scratch buffers dz is not in
  float* dz = dOut;
  float* const bufs[2] = {work, work + (size_t)n * w};
  int next = 0;
  float* wt = work + 2 * (size_t)n * w;
  const int L = net->layers;
  if (net->activateLast) activate_back(net, dz, acts + act_offset(net, L - 1, n), (long)n * net->fanOut[L - 1]);
  for (int l = L - 1; l >= 0; l--) {
    const int fi = net->fanIn[l], fo = net->fanOut[l];
    float* gb = grad + net->bOff[l];
    for (int j = 0; j < fo; j++) gb[j] = 0.f;
    for (int i = 0; i < n; i++)
      for (int j = 0; j < fo; j++) gb[j] += dz[(size_t)i * fo + j];
    // dW = h^T dz: (fi x n) (n x fo), h the layer's input
    const float* h = l == 0 ? x : acts + act_offset(net, l - 1, n);
    gemm(fi, fo, n, h, 1, fi, dz, fo, grad + net->wOff[l], fo, NULL);
    if (l == 0 && dx == NULL) break;
    // dh = dz W^T: W^T is fo x fi
    float* dh = l == 0 ? dx : bufs[next];
    transpose(params + net->wOff[l], fi, fo, wt);
    gemm(n, fi, fo, dz, fo, 1, wt, fi, dh, fi, NULL);
    if (l == 0) break;
    activate_back(net, dh, h, (long)n * fi);
    dz = dh;
    next ^= 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Node-API glue: every argument is checked (kind, length) before anything is written.

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, "ERR_TRADEGYM_NATIVE", "tradegym native: bad argument to " #call); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static int typed(napi_env env, napi_value v, napi_typedarray_type want, void** data, size_t* length) {
  napi_typedarray_type t;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &t, length, data, &ab, &off) != napi_ok || t != want) {
    napi_throw_type_error(env, "ERR_TRADEGYM_NATIVE", "tradegym native: a typed array of the wrong kind");
    return 0;
  }
  return 1;
}

// Throws a RangeError naming `what` unless `have` >= `need`; returns whether it held.
static int enough(napi_env env, const char* what, size_t have, size_t need) {
  if (have >= need) return 1;
  char msg[160];
  snprintf(msg, sizeof msg, "tradegym native: %s has %zu entries, needs %zu", what, have, need);
  napi_throw_range_error(env, "ERR_TRADEGYM_NATIVE", msg);
  return 0;
}

// layout = [layers, (fanIn, fanOut, wOff, bOff) per layer], flags = relu | 2 * activateLast.
static int read_net(napi_env env, napi_value layout, napi_value flagsValue, Net* net) {
  int32_t* d;
  int32_t flags;
  size_t len;
  if (!typed(env, layout, napi_int32_array, (void**)&d, &len)) return 0;
  if (napi_get_value_int32(env, flagsValue, &flags) != napi_ok || flags < 0 || flags > 3) {
    napi_throw_range_error(env, "ERR_TRADEGYM_NATIVE", "tradegym native: flags must be relu | 2 * activateLast (0 to 3)");
    return 0;
  }
  if (len < 1 || d[0] < 1 || d[0] > MAX_LAYERS || len != (size_t)(1 + 4 * d[0])) {
    napi_throw_range_error(env, "ERR_TRADEGYM_NATIVE", "tradegym native: layout must be [layers, (fanIn, fanOut, wOff, bOff) per layer], 1 to 16 layers");
    return 0;
  }
  net->layers = d[0];
  for (int l = 0; l < net->layers; l++) {
    net->fanIn[l] = d[1 + 4 * l];
    net->fanOut[l] = d[2 + 4 * l];
    net->wOff[l] = d[3 + 4 * l];
    net->bOff[l] = d[4 + 4 * l];
    if (net->fanIn[l] < 1 || net->fanOut[l] < 1 || net->wOff[l] < 0 || net->bOff[l] < 0 || (l > 0 && net->fanIn[l] != net->fanOut[l - 1])) {
      napi_throw_range_error(env, "ERR_TRADEGYM_NATIVE", "tradegym native: layout sizes must be >= 1, offsets >= 0, and each layer's fanIn the previous fanOut");
      return 0;
    }
  }
  net->relu = flags & 1;
  net->activateLast = (flags >> 1) & 1;
  return 1;
}

// The parameter count the layout needs (the end of its last weight or bias).
static size_t params_needed(const Net* net) {
  size_t end = 0;
  for (int l = 0; l < net->layers; l++) {
    const size_t w = (size_t)net->wOff[l] + (size_t)net->fanIn[l] * net->fanOut[l];
    const size_t b = (size_t)net->bOff[l] + net->fanOut[l];
    end = w > end ? w : end;
    end = b > end ? b : end;
  }
  return end;
}

static int read_n(napi_env env, napi_value v, int32_t* n) {
  if (napi_get_value_int32(env, v, n) != napi_ok || *n < 1) {
    napi_throw_range_error(env, "ERR_TRADEGYM_NATIVE", "tradegym native: n must be an integer >= 1");
    return 0;
  }
  return 1;
}

// mlpForward(layout, flags, params, x, n, acts): every layer's output into acts, the last one
// (the network's outputs) at its end.
static napi_value MlpForward(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value a[6];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  int32_t n;
  Net net;
  float *params, *x, *acts;
  size_t len;
  if (!read_net(env, a[0], a[1], &net) || !read_n(env, a[4], &n)) return NULL;
  if (!typed(env, a[2], napi_float32_array, (void**)&params, &len) || !enough(env, "params", len, params_needed(&net))) return NULL;
  if (!typed(env, a[3], napi_float32_array, (void**)&x, &len) || !enough(env, "x", len, (size_t)n * net.fanIn[0])) return NULL;
  if (!typed(env, a[5], napi_float32_array, (void**)&acts, &len) || !enough(env, "acts", len, acts_needed(&net, n))) return NULL;
  mlp_forward(&net, params, x, n, acts);
  return NULL;
}

// mlpBackward(layout, flags, params, x, n, acts, dOut, grad, dx | null): the backward pass of
// the forward that left acts (see mlp_backward).
static napi_value MlpBackward(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value a[9];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  int32_t n;
  Net net;
  float *params, *x, *acts, *dOut, *grad, *dx = NULL;
  size_t len;
  napi_valuetype dxType;
  if (!read_net(env, a[0], a[1], &net) || !read_n(env, a[4], &n)) return NULL;
  const int L = net.layers;
  if (!typed(env, a[2], napi_float32_array, (void**)&params, &len) || !enough(env, "params", len, params_needed(&net))) return NULL;
  if (!typed(env, a[3], napi_float32_array, (void**)&x, &len) || !enough(env, "x", len, (size_t)n * net.fanIn[0])) return NULL;
  if (!typed(env, a[5], napi_float32_array, (void**)&acts, &len) || !enough(env, "acts", len, acts_needed(&net, n))) return NULL;
  if (!typed(env, a[6], napi_float32_array, (void**)&dOut, &len) || !enough(env, "dOut", len, (size_t)n * net.fanOut[L - 1])) return NULL;
  if (!typed(env, a[7], napi_float32_array, (void**)&grad, &len) || !enough(env, "grad", len, params_needed(&net))) return NULL;
  CHECK(napi_typeof(env, a[8], &dxType));
  if (dxType != napi_null && (!typed(env, a[8], napi_float32_array, (void**)&dx, &len) || !enough(env, "dx", len, (size_t)n * net.fanIn[0]))) return NULL;
  int w = net.fanIn[0];
  size_t maxW = 0;
  for (int l = 0; l < L; l++) {
    w = net.fanOut[l] > w ? net.fanOut[l] : w;
    const size_t s = (size_t)net.fanIn[l] * net.fanOut[l];
    maxW = s > maxW ? s : maxW;
  }
  // scratch per call (not static: worker threads share the addon's globals)
  float* work = (float*)malloc(sizeof(float) * (2 * (size_t)n * w + maxW));
  if (!work) {
    napi_throw_error(env, "ERR_TRADEGYM_NATIVE", "tradegym native: out of memory");
    return NULL;
  }
  mlp_backward(&net, params, x, n, acts, dOut, grad, dx, work);
  free(work);
  return NULL;
}

// sumSquares(g): sum_i g_i^2 in double (the gradient norm's square, for clipping).
static napi_value SumSquares(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1], out;
  float* g;
  size_t len;
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (!typed(env, a[0], napi_float32_array, (void**)&g, &len)) return NULL;
  CHECK(napi_create_double(env, sumsq(g, len), &out));
  return out;
}

// adam(p, m, v, g, scale, stepSize, bc2, beta1, beta2, eps): one Adam update of p (and its
// moments m, v) with gradient g * scale, step size lr / (1 - beta1^t) and bc2 = sqrt(1 - beta2^t).
static napi_value Adam(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value a[10];
  float *p, *m, *v, *g;
  size_t n, len;
  double d[6];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (!typed(env, a[0], napi_float32_array, (void**)&p, &n)) return NULL;
  if (!typed(env, a[1], napi_float32_array, (void**)&m, &len) || !enough(env, "m", len, n)) return NULL;
  if (!typed(env, a[2], napi_float32_array, (void**)&v, &len) || !enough(env, "v", len, n)) return NULL;
  if (!typed(env, a[3], napi_float32_array, (void**)&g, &len) || !enough(env, "g", len, n)) return NULL;
  for (int i = 0; i < 6; i++) CHECK(napi_get_value_double(env, a[4 + i], d + i));
  adam(p, m, v, g, n, d[0], d[1], d[2], d[3], d[4], d[5]);
  return NULL;
}

// rmsprop(p, v, g, scale, lr, alpha, eps): one RMSprop update of p (and v) with gradient g * scale.
static napi_value Rmsprop(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value a[7];
  float *p, *v, *g;
  size_t n, len;
  double d[4];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (!typed(env, a[0], napi_float32_array, (void**)&p, &n)) return NULL;
  if (!typed(env, a[1], napi_float32_array, (void**)&v, &len) || !enough(env, "v", len, n)) return NULL;
  if (!typed(env, a[2], napi_float32_array, (void**)&g, &len) || !enough(env, "g", len, n)) return NULL;
  for (int i = 0; i < 4; i++) CHECK(napi_get_value_double(env, a[3 + i], d + i));
  rmsprop(p, v, g, n, d[0], d[1], d[2], d[3]);
  return NULL;
}

static const char* const KERNELS[] = {"plain", "avx2", "avx512"};

// kernel(): "avx512", "avx2" or "plain", the product kernel in use.
static napi_value Kernel(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  CHECK(napi_create_string_utf8(env, KERNELS[kernel_level()], NAPI_AUTO_LENGTH, &out));
  return out;
}

// setKernel(name): use a kernel the CPU has ("plain" always), e.g. to compare them or to test
// the ones this CPU would not pick; returns the kernel now in use.
static napi_value SetKernel(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  char name[16];
  size_t len;
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  CHECK(napi_get_value_string_utf8(env, a[0], name, sizeof name, &len));
  for (int want = 0; want < 3; want++) {
    if (strcmp(name, KERNELS[want]) != 0) continue;
    if (want > cpu_level()) {
      napi_throw_range_error(env, "ERR_TRADEGYM_NATIVE", "tradegym native: this CPU cannot run that kernel");
      return NULL;
    }
    level = want;
    return Kernel(env, info);
  }
  napi_throw_range_error(env, "ERR_TRADEGYM_NATIVE", "tradegym native: the kernel must be 'avx512', 'avx2' or 'plain'");
  return NULL;
}

NAPI_MODULE_INIT() {
  static const struct {
    const char* name;
    napi_callback fn;
  } fns[] = {{"mlpForward", MlpForward}, {"mlpBackward", MlpBackward}, {"sumSquares", SumSquares}, {"adam", Adam}, {"rmsprop", Rmsprop}, {"kernel", Kernel}, {"setKernel", SetKernel}};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f) != napi_ok) return NULL;
    napi_set_named_property(env, exports, fns[i].name, f);
  }
  return exports;
}
