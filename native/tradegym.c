// tradegym's optional native kernel set (Node-API, C11): the primitives every agent's training
// is made of, in float32, with AVX-512 or AVX2+FMA products where the CPU has them (checked at
// run time) and plain C elsewhere: an MLP's forward and backward pass, the gradient's sum of
// squares (for norm clipping), and the Adam and RMSprop updates. No algorithm lives here: the
// losses, targets and heads are TypeScript, written once (src/agents). The same primitives exist
// in the JS reference kernel set and the wasm one (src/agents/common/kernels), and one
// conformance suite (test/agents/kernels.test.ts) holds every set to the reference. Prebuilt in
// per-platform packages, or built from source by scripts/build-native.mjs (docs/native.md).
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

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
  net_from_layout(d, flags, net);
  for (int l = 0; l < net->layers; l++) {
    if (net->fanIn[l] < 1 || net->fanOut[l] < 1 || net->wOff[l] < 0 || net->bOff[l] < 0 || (l > 0 && net->fanIn[l] != net->fanOut[l - 1])) {
      napi_throw_range_error(env, "ERR_TRADEGYM_NATIVE", "tradegym native: layout sizes must be >= 1, offsets >= 0, and each layer's fanIn the previous fanOut");
      return 0;
    }
  }
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

// `floats` float32 scratch (freed by the caller), or NULL with an error thrown.
static float* scratch(napi_env env, size_t floats) {
  float* p = (float*)malloc(sizeof(float) * (floats > 0 ? floats : 1));
  if (!p) napi_throw_error(env, "ERR_TRADEGYM_NATIVE", "tradegym native: out of memory");
  return p;
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
  // scratch per call (not static: worker threads share the addon's globals)
  float* work = scratch(env, work_needed(&net, n));
  if (!work) return NULL;
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

// desc = [in, hid, steps, rows, count, wOff, bIhOff, bHhOff]; sched = [active (steps), offset
// (steps), rowOf (rows)], a schedule the caller built (see lstm_forward): checked here so that
// nothing is read or written out of bounds whatever it holds.
static int read_lstm(napi_env env, napi_value descValue, napi_value schedValue, napi_value paramsValue, Lstm* L, const int** sched, const float** params) {
  int32_t* d;
  int32_t* s;
  float* p;
  size_t len, slen, plen;
  if (!typed(env, descValue, napi_int32_array, (void**)&d, &len)) return 0;
  if (len != 8 || d[0] < 1 || d[1] < 1 || d[2] < 0 || d[3] < 0 || d[4] < 0 || d[5] < 0 || d[6] < 0 || d[7] < 0) {
    napi_throw_range_error(env, "ERR_TRADEGYM_NATIVE", "tradegym native: desc must be [in >= 1, hid >= 1, steps, rows, count, wOff, bIhOff, bHhOff], none negative");
    return 0;
  }
  *L = (Lstm){d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]};
  if (!typed(env, schedValue, napi_int32_array, (void**)&s, &slen) || !enough(env, "sched", slen, 2 * (size_t)L->steps + L->rows)) return 0;
  if (!typed(env, paramsValue, napi_float32_array, (void**)&p, &plen)) return 0;
  const size_t g4 = 4 * (size_t)L->hid;
  size_t end = (size_t)L->wOff + ((size_t)L->in + L->hid) * g4;
  if ((size_t)L->bIhOff + g4 > end) end = (size_t)L->bIhOff + g4;
  if ((size_t)L->bHhOff + g4 > end) end = (size_t)L->bHhOff + g4;
  if (!enough(env, "params", plen, end)) return 0;
  // the schedule: active[t] in [0, count], non-increasing; offset[t] its running sum, ending at
  // rows; every rowOf in [0, rows)
  int32_t total = 0;
  for (int t = 0; t < L->steps; t++) {
    if (s[t] < 0 || s[t] > L->count || (t > 0 && s[t] > s[t - 1]) || s[L->steps + t] != total) {
      napi_throw_range_error(env, "ERR_TRADEGYM_NATIVE", "tradegym native: sched must hold non-increasing active counts <= count and their running sums");
      return 0;
    }
    total += s[t];
  }
  if (total != L->rows) {
    napi_throw_range_error(env, "ERR_TRADEGYM_NATIVE", "tradegym native: the active counts must add up to rows");
    return 0;
  }
  for (int i = 0; i < L->rows; i++) {
    const int32_t r = s[2 * L->steps + i];
    if (r < 0 || r >= L->rows) {
      napi_throw_range_error(env, "ERR_TRADEGYM_NATIVE", "tradegym native: every rowOf must be in [0, rows)");
      return 0;
    }
  }
  *sched = s;
  *params = p;
  return 1;
}

static int floats(napi_env env, napi_value v, const char* what, size_t need, float** data) {
  size_t len;
  return typed(env, v, napi_float32_array, (void**)data, &len) && enough(env, what, len, need);
}

// lstmForward(desc, sched, params, x, a, gates, cPrev, c, tc, h, cs, out): see lstm_forward.
static napi_value LstmForward(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value v[12];
  CHECK(napi_get_cb_info(env, info, &argc, v, NULL, NULL));
  Lstm L;
  const int* s;
  const float* params;
  float *x, *a, *gates, *cPrev, *c, *tc, *h, *cs, *out;
  if (!read_lstm(env, v[0], v[1], v[2], &L, &s, &params)) return NULL;
  const size_t rows = (size_t)L.rows, hid = (size_t)L.hid, k = (size_t)L.in + hid;
  if (!floats(env, v[3], "x", rows * L.in, &x) || !floats(env, v[4], "a", rows * k, &a) || !floats(env, v[5], "gates", rows * 4 * hid, &gates) ||
      !floats(env, v[6], "cPrev", rows * hid, &cPrev) || !floats(env, v[7], "c", rows * hid, &c) || !floats(env, v[8], "tc", rows * hid, &tc) ||
      !floats(env, v[9], "h", (size_t)L.count * hid, &h) || !floats(env, v[10], "cs", (size_t)L.count * hid, &cs) || !floats(env, v[11], "out", rows * hid, &out)) {
    return NULL;
  }
  float* bias = scratch(env, 4 * hid);
  if (!bias) return NULL;
  lstm_forward(&L, s, s + L.steps, s + 2 * L.steps, params, x, a, gates, cPrev, c, tc, h, cs, out, bias);
  free(bias);
  return NULL;
}

// lstmBackward(desc, sched, params, a, gates, cPrev, tc, dOut, grad): see lstm_backward.
static napi_value LstmBackward(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value v[9];
  CHECK(napi_get_cb_info(env, info, &argc, v, NULL, NULL));
  Lstm L;
  const int* s;
  const float* params;
  float *a, *gates, *cPrev, *tc, *dOut, *grad;
  size_t glen;
  if (!read_lstm(env, v[0], v[1], v[2], &L, &s, &params)) return NULL;
  const size_t rows = (size_t)L.rows, hid = (size_t)L.hid, k = (size_t)L.in + hid;
  if (!floats(env, v[3], "a", rows * k, &a) || !floats(env, v[4], "gates", rows * 4 * hid, &gates) || !floats(env, v[5], "cPrev", rows * hid, &cPrev) ||
      !floats(env, v[6], "tc", rows * hid, &tc) || !floats(env, v[7], "dOut", rows * hid, &dOut)) {
    return NULL;
  }
  // grad must hold the layer's regions (read_lstm checked params for the same)
  if (!typed(env, v[8], napi_float32_array, (void**)&grad, &glen)) return NULL;
  const size_t g4 = 4 * hid;
  size_t end = (size_t)L.wOff + k * g4;
  if ((size_t)L.bIhOff + g4 > end) end = (size_t)L.bIhOff + g4;
  if ((size_t)L.bHhOff + g4 > end) end = (size_t)L.bHhOff + g4;
  if (!enough(env, "grad", glen, end)) return NULL;
  float* work = scratch(env, lstm_work_needed(&L));
  if (!work) return NULL;
  lstm_backward(&L, s, s + L.steps, s + 2 * L.steps, params, a, gates, cPrev, tc, dOut, grad, work);
  free(work);
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
  } fns[] = {{"mlpForward", MlpForward}, {"mlpBackward", MlpBackward}, {"sumSquares", SumSquares}, {"adam", Adam}, {"rmsprop", Rmsprop}, {"lstmForward", LstmForward}, {"lstmBackward", LstmBackward}, {"kernel", Kernel}, {"setKernel", SetKernel}};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f) != napi_ok) return NULL;
    napi_set_named_property(env, exports, fns[i].name, f);
  }
  return exports;
}
