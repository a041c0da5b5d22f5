// tradegym's optional native kernels (Node-API, C11): DQN's training round (plain, double and
// dueling) and the Q-network's forward pass in float32, with AVX-512 or AVX2+FMA products
// where the CPU has them (checked at run time) and plain C elsewhere. Built on install by
// scripts/build-native.mjs with node-gyp; where it is missing, DQN's compute 'auto' trains on
// tfjs. The maths mirrors DQN's typed path and tfjs's autodiff of the same loss (both checked
// against it, step for step, in test/agents/typed.test.ts and native.test.ts).
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
// runs), and Adam's update of float32 state in double arithmetic, as FlatAdam.step. Each is
// compiled for AVX-512, AVX2 and the baseline; -ffp-contract=off keeps them all exact.
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

static double sumsq_plain(const float* g, size_t n) { SUMSQ_BODY }
static void adam_plain(float* restrict p, float* restrict m, float* restrict v, const float* restrict g, size_t n, double scale, double stepSize, double bc2, double beta1, double beta2, double eps) { ADAM_BODY }
#ifdef TG_X86
__attribute__((target("avx512f"))) static double sumsq_avx512(const float* g, size_t n) { SUMSQ_BODY }
__attribute__((target("avx512f"))) static void adam_avx512(float* restrict p, float* restrict m, float* restrict v, const float* restrict g, size_t n, double scale, double stepSize, double bc2, double beta1, double beta2, double eps) { ADAM_BODY }
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

// ---------------------------------------------------------------------------------------------
// The MLP: layer l maps fanIn[l] to fanOut[l] with W[l] ([fanIn, fanOut], row-major, as tfjs
// stores it) at wOff[l] and the bias at bOff[l] of a flat float32 parameter vector; tanh or
// relu on the hidden layers, linear output.

typedef struct {
  int layers;
  int fanIn[MAX_LAYERS], fanOut[MAX_LAYERS], wOff[MAX_LAYERS], bOff[MAX_LAYERS];
  int relu;
  // dueling heads (Wang et al. 2016) on the trunk's activated output h: V = h Wv + bv (1 unit),
  // A = h Wa + ba (actions units), Q = V + A - mean(A); the trunk's last layer is then linear
  int dueling, vW, vB, aW, aB, actions;
} Net;

// The number of Q-values the network outputs.
static int outputs(const Net* net) { return net->dueling ? net->actions : net->fanOut[net->layers - 1]; }

// Buffers of the dueling heads: the activated trunk output h (n x H), V (n), Q (n x actions).
typedef struct {
  float *h, *v, *q;
} Heads;

// tanh by Eigen's float rational approximation, as typed.ts's tanh.
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

static int widest(const Net* net) {
  int w = net->fanIn[0] > outputs(net) ? net->fanIn[0] : outputs(net);
  for (int l = 0; l < net->layers; l++) w = net->fanOut[l] > w ? net->fanOut[l] : w;
  return w;
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

// Forward pass of n rows x: writes every layer's output (after the activation) into hs[l + 1]
// (hs[0] = x); returns the Q-values: the last layer's output, or with dueling heads Q in
// head->q (h and V in head->h and head->v).
static float* forward(const Net* net, const float* params, const float* x, int n, float** hs, const Heads* head) {
  hs[0] = (float*)x;
  for (int l = 0; l < net->layers; l++) {
    const int fo = net->fanOut[l];
    float* out = hs[l + 1];
    gemm(n, fo, net->fanIn[l], hs[l], net->fanIn[l], 1, params + net->wOff[l], fo, out, fo, params + net->bOff[l]);
    if (l < net->layers - 1) activate(net, out, (long)n * fo);
  }
  if (!net->dueling) return hs[net->layers];
  const int H = net->fanOut[net->layers - 1], k = net->actions;
  memcpy(head->h, hs[net->layers], sizeof(float) * n * H);
  activate(net, head->h, (long)n * H);
  gemm(n, 1, H, head->h, H, 1, params + net->vW, 1, head->v, 1, params + net->vB);
  gemm(n, k, H, head->h, H, 1, params + net->aW, k, head->q, k, params + net->aB);
  for (int i = 0; i < n; i++) {
    float* q = head->q + (size_t)i * k;
    float mean = 0.f;
    for (int j = 0; j < k; j++) mean += q[j];
    mean /= (float)k;
    for (int j = 0; j < k; j++) q[j] = head->v[i] + (q[j] - mean);
  }
  return head->q;
}

// ---------------------------------------------------------------------------------------------
// Node-API glue

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

static int read_net(napi_env env, napi_value layout, int relu, Net* net) {
  int32_t* d;
  size_t len;
  if (!typed(env, layout, napi_int32_array, (void**)&d, &len)) return 0;
  if (len < 1 || d[0] < 1 || d[0] > MAX_LAYERS || (len != (size_t)(1 + 4 * d[0]) && len != (size_t)(1 + 4 * d[0] + 6))) {
    napi_throw_range_error(env, "ERR_TRADEGYM_NATIVE", "tradegym native: layout must be [layers, (fanIn, fanOut, wOff, bOff) per layer] (+ [1, vW, vB, aW, aB, actions] for dueling heads)");
    return 0;
  }
  net->layers = d[0];
  for (int l = 0; l < net->layers; l++) {
    net->fanIn[l] = d[1 + 4 * l];
    net->fanOut[l] = d[2 + 4 * l];
    net->wOff[l] = d[3 + 4 * l];
    net->bOff[l] = d[4 + 4 * l];
  }
  for (int l = 0; l < net->layers; l++) {
    if (net->fanIn[l] < 1 || net->fanOut[l] < 1 || net->wOff[l] < 0 || net->bOff[l] < 0 || (l > 0 && net->fanIn[l] != net->fanOut[l - 1])) {
      napi_throw_range_error(env, "ERR_TRADEGYM_NATIVE", "tradegym native: layout sizes must be >= 1, offsets >= 0, and each layer's fanIn the previous fanOut");
      return 0;
    }
  }
  net->dueling = 0;
  if (len == (size_t)(1 + 4 * d[0] + 6)) {
    const int32_t* t = d + 1 + 4 * d[0];
    if (t[0] != 1 || t[1] < 0 || t[2] < 0 || t[3] < 0 || t[4] < 0 || t[5] < 1) {
      napi_throw_range_error(env, "ERR_TRADEGYM_NATIVE", "tradegym native: dueling heads must be [1, vW, vB, aW, aB, actions] with offsets >= 0 and actions >= 1");
      return 0;
    }
    net->dueling = 1;
    net->vW = t[1];
    net->vB = t[2];
    net->aW = t[3];
    net->aB = t[4];
    net->actions = t[5];
  }
  net->relu = relu;
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

// The parameter count the layout needs (the end of its last weight or bias).
static size_t params_needed(const Net* net) {
  size_t end = 0;
  for (int l = 0; l < net->layers; l++) {
    const size_t w = (size_t)net->wOff[l] + (size_t)net->fanIn[l] * net->fanOut[l];
    const size_t b = (size_t)net->bOff[l] + net->fanOut[l];
    end = w > end ? w : end;
    end = b > end ? b : end;
  }
  if (net->dueling) {
    const size_t H = (size_t)net->fanOut[net->layers - 1];
    const size_t ends[4] = {(size_t)net->vW + H, (size_t)net->vB + 1, (size_t)net->aW + H * net->actions, (size_t)net->aB + net->actions};
    for (int i = 0; i < 4; i++) end = ends[i] > end ? ends[i] : end;
  }
  return end;
}

// forward(layout, relu, params, x, n, out): out (n x outSize) = the network's outputs.
static napi_value Forward(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value a[6];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  int32_t relu, n;
  Net net;
  float *params, *x, *out;
  size_t len;
  CHECK(napi_get_value_int32(env, a[1], &relu));
  CHECK(napi_get_value_int32(env, a[4], &n));
  if (!read_net(env, a[0], relu, &net)) return NULL;
  if (n < 0 || !enough(env, "n", (size_t)n, 0)) return NULL;
  if (!typed(env, a[2], napi_float32_array, (void**)&params, &len) || !enough(env, "params", len, params_needed(&net))) return NULL;
  if (!typed(env, a[3], napi_float32_array, (void**)&x, &len) || !enough(env, "x", len, (size_t)n * net.fanIn[0])) return NULL;
  if (!typed(env, a[5], napi_float32_array, (void**)&out, &len) || !enough(env, "out", len, (size_t)n * outputs(&net))) return NULL;
  const int w = widest(&net);
  // scratch per call (not static: worker threads share the addon's globals): two activation
  // slots, and the dueling heads' h and V
  const size_t slot = (size_t)n * w;
  float* buf = (float*)malloc(sizeof(float) * (3 * slot + (size_t)n));
  if (!buf) {
    napi_throw_error(env, "ERR_TRADEGYM_NATIVE", "tradegym native: out of memory");
    return NULL;
  }
  float* hs[MAX_LAYERS + 1];
  for (int l = 0; l < net.layers - 1; l++) hs[l + 1] = buf + (size_t)(l % 2) * slot;
  // plain: the last layer writes out; dueling: it writes a slot, and the heads write out
  hs[net.layers] = net.dueling ? buf + (size_t)((net.layers - 1) % 2) * slot : out;
  const Heads head = {buf + 2 * slot, buf + 3 * slot, out};
  forward(&net, params, x, n, hs, &head);
  free(buf);
  return NULL;
}

// dqnRound(layout, relu, theta, target, m, v, obs, next, actions, rewards, dones, g, n, gamma,
//          maxGradNorm, doubleQ, adam, beta1, beta2, eps, losses)
// runs g gradient steps of DQN, step s on rows [s n, (s + 1) n) of the sampled batches:
// targets y = r + (1 - done) gamma max_a Q_target(next, a) (double DQN: the target net's value
// of the online net's argmax), the Huber loss (beta 1) of Q(obs, action) - y averaged over
// the batch, its gradient clipped to maxGradNorm (global L2 norm + 1e-6, as torch), then one
// Adam step with step size adam[2 s] and bias correction adam[2 s + 1] (computed by the
// caller). theta, m and v are updated in place; losses[s] is step s's loss.
static napi_value DqnRound(napi_env env, napi_callback_info info) {
  size_t argc = 21;
  napi_value a[21];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc != 21) {
    napi_throw_error(env, "ERR_TRADEGYM_NATIVE", "tradegym native: dqnRound takes 21 arguments");
    return NULL;
  }
  int32_t relu, steps, n, doubleQ;
  double gamma, maxNorm, beta1, beta2, eps;
  Net net;
  float *theta, *target, *mo, *vo, *obs, *next, *rewards, *dones;
  int32_t* actions;
  double *sched, *losses;
  size_t nParams, len;
  CHECK(napi_get_value_int32(env, a[1], &relu));
  CHECK(napi_get_value_int32(env, a[11], &steps));
  CHECK(napi_get_value_int32(env, a[12], &n));
  CHECK(napi_get_value_double(env, a[13], &gamma));
  CHECK(napi_get_value_double(env, a[14], &maxNorm));
  CHECK(napi_get_value_int32(env, a[15], &doubleQ));
  CHECK(napi_get_value_double(env, a[17], &beta1));
  CHECK(napi_get_value_double(env, a[18], &beta2));
  CHECK(napi_get_value_double(env, a[19], &eps));
  if (!read_net(env, a[0], relu, &net)) return NULL;
  if (steps < 0 || n < 1) {
    napi_throw_range_error(env, "ERR_TRADEGYM_NATIVE", "tradegym native: steps must be >= 0 and n >= 1");
    return NULL;
  }
  const size_t rows = (size_t)steps * n;
  const size_t obsLen = rows * net.fanIn[0];
  if (!typed(env, a[2], napi_float32_array, (void**)&theta, &nParams) || !enough(env, "theta", nParams, params_needed(&net))) return NULL;
  if (!typed(env, a[3], napi_float32_array, (void**)&target, &len) || !enough(env, "target", len, nParams)) return NULL;
  if (!typed(env, a[4], napi_float32_array, (void**)&mo, &len) || !enough(env, "m", len, nParams)) return NULL;
  if (!typed(env, a[5], napi_float32_array, (void**)&vo, &len) || !enough(env, "v", len, nParams)) return NULL;
  if (!typed(env, a[6], napi_float32_array, (void**)&obs, &len) || !enough(env, "obs", len, obsLen)) return NULL;
  if (!typed(env, a[7], napi_float32_array, (void**)&next, &len) || !enough(env, "next", len, obsLen)) return NULL;
  if (!typed(env, a[8], napi_int32_array, (void**)&actions, &len) || !enough(env, "actions", len, rows)) return NULL;
  if (!typed(env, a[9], napi_float32_array, (void**)&rewards, &len) || !enough(env, "rewards", len, rows)) return NULL;
  if (!typed(env, a[10], napi_float32_array, (void**)&dones, &len) || !enough(env, "dones", len, rows)) return NULL;
  if (!typed(env, a[16], napi_float64_array, (void**)&sched, &len) || !enough(env, "adam", len, 2 * (size_t)steps)) return NULL;
  if (!typed(env, a[20], napi_float64_array, (void**)&losses, &len) || !enough(env, "losses", len, (size_t)steps)) return NULL;
  for (size_t i = 0; i < rows; i++) {
    if (actions[i] < 0 || actions[i] >= outputs(&net)) {
      napi_throw_range_error(env, "ERR_TRADEGYM_NATIVE", "tradegym native: an action outside [0, outputs)");
      return NULL;
    }
  }

  const int L = net.layers;
  const int inSize = net.fanIn[0];
  const int k = outputs(&net);
  const int H = net.fanOut[L - 1];
  const int w = widest(&net);
  // scratch: activations of every layer (L slots of n x w), the next-state outputs of the
  // target and online nets, two gradient buffers, one transposed weight matrix, the gradient,
  // three rotating slots for the next-state passes, and the dueling heads' buffers
  size_t maxW = net.dueling ? (size_t)H * k : 0;
  for (int l = 0; l < L; l++) maxW = (size_t)net.fanIn[l] * net.fanOut[l] > maxW ? (size_t)net.fanIn[l] * net.fanOut[l] : maxW;
  const size_t slot = (size_t)n * w;
  float* buf = (float*)malloc(sizeof(float) * (slot * L + 4 * slot + maxW + nParams + 3 * slot + 4 * slot + 3 * (size_t)n));
  if (!buf) {
    napi_throw_error(env, "ERR_TRADEGYM_NATIVE", "tradegym native: out of memory");
    return NULL;
  }
  float* hs[MAX_LAYERS + 1];
  for (int l = 1; l <= L; l++) hs[l] = buf + slot * (l - 1);
  float* nextT = buf + slot * L;
  float* nextO = nextT + slot;
  float* dz = nextO + slot;
  float* dh = dz + slot;
  float* wt = dh + slot;
  float* grad = wt + maxW;
  float* tmp[MAX_LAYERS + 1];
  for (int l = 1; l <= L; l++) tmp[l] = grad + nParams + (l % 3) * slot;
  float* extra = grad + nParams + 3 * slot;
  // the online pass on obs keeps its heads for back-propagation; the next-state passes share
  const Heads head = {extra, extra + 4 * slot, extra + slot};
  const Heads tmpHead = {extra + 2 * slot, extra + 4 * slot + n, extra + 3 * slot};
  float* dv = extra + 4 * slot + 2 * (size_t)n;

  for (int s = 0; s < steps; s++) {
    const float* ob = obs + (size_t)s * n * inSize;
    const float* nx = next + (size_t)s * n * inSize;
    const int32_t* act = actions + (size_t)s * n;
    const float* rw = rewards + (size_t)s * n;
    const float* dn = dones + (size_t)s * n;
    // the target net's values of the next states (copied: tmp is reused by the online pass)
    memcpy(nextT, forward(&net, target, nx, n, tmp, &tmpHead), sizeof(float) * n * k);
    if (doubleQ) memcpy(nextO, forward(&net, theta, nx, n, tmp, &tmpHead), sizeof(float) * n * k);
    const float* q = forward(&net, theta, ob, n, hs, &head);
    double loss = 0;
    memset(dz, 0, sizeof(float) * n * k);
    for (int i = 0; i < n; i++) {
      const float* row = nextT + (size_t)i * k;
      float best = row[0];
      if (doubleQ) {
        const float* on = nextO + (size_t)i * k;
        int arg = 0;
        for (int j = 1; j < k; j++) if (on[j] > on[arg]) arg = j;
        best = row[arg];
      } else {
        for (int j = 1; j < k; j++) best = row[j] > best ? row[j] : best;
      }
      const double y = (double)rw[i] + (1.0 - (double)dn[i]) * gamma * (double)best;
      const int ai = i * k + act[i];
      const double d = (double)q[ai] - y;
      const double ad = fabs(d);
      loss += (ad <= 1 ? 0.5 * ad * ad : ad - 0.5) / n;
      dz[ai] = (float)((d < -1 ? -1 : d > 1 ? 1 : d) / n);
    }
    losses[s] = loss;
    // back-propagation: dz holds the gradient at layer l's output (before its activation)
    float* dzl = dz;
    float* dhl = dh;
    if (net.dueling) {
      // dV = sum_j dQ_j, dA_j = dQ_j - dV / k (in place in dz), then the heads' gradients
      float bv = 0.f;
      for (int i = 0; i < n; i++) {
        float* row = dz + (size_t)i * k;
        float sum = 0.f;
        for (int j = 0; j < k; j++) sum += row[j];
        dv[i] = sum;
        bv += sum;
        for (int j = 0; j < k; j++) row[j] -= sum / (float)k;
      }
      grad[net.vB] = bv;
      float* ga = grad + net.aB;
      for (int j = 0; j < k; j++) ga[j] = 0.f;
      for (int i = 0; i < n; i++)
        for (int j = 0; j < k; j++) ga[j] += dz[(size_t)i * k + j];
      gemm(H, 1, n, head.h, 1, H, dv, 1, grad + net.vW, 1, NULL);
      gemm(H, k, n, head.h, 1, H, dz, k, grad + net.aW, k, NULL);
      // dh = dA Wa^T + dV Wv^T, through the activation to the trunk's (linear) output
      transpose(theta + net.aW, H, k, wt);
      gemm(n, H, k, dz, k, 1, wt, H, dhl, H, NULL);
      const float* wv = theta + net.vW;
      for (int i = 0; i < n; i++)
        for (int p = 0; p < H; p++) dhl[(size_t)i * H + p] += dv[i] * wv[p];
      activate_back(&net, dhl, head.h, (long)n * H);
      float* t = dzl;
      dzl = dhl;
      dhl = t;
    }
    for (int l = L - 1; l >= 0; l--) {
      const int fi = net.fanIn[l], fo = net.fanOut[l];
      float* gb = grad + net.bOff[l];
      for (int j = 0; j < fo; j++) gb[j] = 0.f;
      for (int i = 0; i < n; i++)
        for (int j = 0; j < fo; j++) gb[j] += dzl[(size_t)i * fo + j];
      // dW = h^T dz: (fi x n) (n x fo)
      const float* h = l == 0 ? ob : hs[l];
      gemm(fi, fo, n, h, 1, fi, dzl, fo, grad + net.wOff[l], fo, NULL);
      if (l == 0) break;
      // dh = dz W^T: W^T is fo x fi
      transpose(theta + net.wOff[l], fi, fo, wt);
      gemm(n, fi, fo, dzl, fo, 1, wt, fi, dhl, fi, NULL);
      activate_back(&net, dhl, hs[l], (long)n * fi);
      float* t = dzl;
      dzl = dhl;
      dhl = t;
    }
    // clip the global norm (scale 1 when within it, as torch's clip_grad_norm_), then Adam
    const double norm = sqrt(sumsq(grad, nParams));
    const double clip = maxNorm / (norm + 1e-6);
    adam(theta, mo, vo, grad, nParams, clip < 1 ? clip : 1, sched[2 * s], sched[2 * s + 1], beta1, beta2, eps);
  }
  free(buf);
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
  napi_value f;
  if (napi_create_function(env, "forward", NAPI_AUTO_LENGTH, Forward, NULL, &f) != napi_ok) return NULL;
  napi_set_named_property(env, exports, "forward", f);
  if (napi_create_function(env, "dqnRound", NAPI_AUTO_LENGTH, DqnRound, NULL, &f) != napi_ok) return NULL;
  napi_set_named_property(env, exports, "dqnRound", f);
  if (napi_create_function(env, "kernel", NAPI_AUTO_LENGTH, Kernel, NULL, &f) != napi_ok) return NULL;
  napi_set_named_property(env, exports, "kernel", f);
  if (napi_create_function(env, "setKernel", NAPI_AUTO_LENGTH, SetKernel, NULL, &f) != napi_ok) return NULL;
  napi_set_named_property(env, exports, "setKernel", f);
  return exports;
}
