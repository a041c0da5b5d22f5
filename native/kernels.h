// The kernel primitives of tradegym's agents, in float32: an MLP's forward and backward pass,
// the sum of squares (norm clipping), Adam and RMSprop. One source for two builds: the Node-API
// addon (native/tradegym.c, with AVX-512 / AVX2 products picked at run time) and the WebAssembly
// kernel set (native/wasm.c, SIMD128 through the compilers' vector extensions; built by
// scripts/build-wasm.mjs). No algorithm lives here: losses, targets and heads are TypeScript.
// Static functions: include this header in one translation unit.
#ifndef TRADEGYM_KERNELS_H
#define TRADEGYM_KERNELS_H
#include <stddef.h>

#include "gemm.h"

#define TG_SQRT(x) __builtin_sqrt(x)
// used by one build and not the other (the wasm build has one product kernel and no CPU check)
#define TG_UNUSED __attribute__((unused))

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

TG_UNUSED static int kernel_level(void) {
  if (level < 0) level = cpu_level();
  return level;
}

// name_avx512, name_avx2 or name_plain by the kernel level (name_plain where the CPU is not x86-64)
#ifdef TG_X86
#define TG_DISPATCH(name, ...) (kernel_level() == 2 ? name##_avx512(__VA_ARGS__) : kernel_level() == 1 ? name##_avx2(__VA_ARGS__) : name##_plain(__VA_ARGS__))
#else
#define TG_DISPATCH(name, ...) name##_plain(__VA_ARGS__)
#endif

static void gemm(int n, int m, int k, const float* A, long rs, long cs, const float* B, long ldb, float* C, long ldc, const float* bias) {
  TG_DISPATCH(gemm, n, m, k, A, rs, cs, B, ldb, C, ldc, bias);
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
    p[i] = (float)((double)p[i] - (stepSize * (double)mi) / (TG_SQRT((double)vi) / bc2 + eps)); \
  }

#define RMSPROP_BODY                                                                     \
  for (size_t i = 0; i < n; i++) {                                                       \
    const double gi = (double)g[i] * scale;                                              \
    const float vi = (float)(alpha * (double)v[i] + (1 - alpha) * gi * gi);              \
    v[i] = vi;                                                                           \
    p[i] = (float)((double)p[i] - (lr * gi) / (TG_SQRT((double)vi) + eps));                 \
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

static double sumsq(const float* g, size_t n) { return TG_DISPATCH(sumsq, g, n); }

static void adam(float* p, float* m, float* v, const float* g, size_t n, double scale, double stepSize, double bc2, double beta1, double beta2, double eps) {
  TG_DISPATCH(adam, p, m, v, g, n, scale, stepSize, bc2, beta1, beta2, eps);
}

static void rmsprop(float* p, float* v, const float* g, size_t n, double scale, double lr, double alpha, double eps) {
  TG_DISPATCH(rmsprop, p, v, g, n, scale, lr, alpha, eps);
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

// The network of layout [layers, (fanIn, fanOut, wOff, bOff) per layer] with flags relu | 2 *
// activateLast (the Node-API glue checks them first; the wasm glue gets them from tradegym).
static void net_from_layout(const int* d, int flags, Net* net) {
  net->layers = d[0];
  for (int l = 0; l < net->layers; l++) {
    net->fanIn[l] = d[1 + 4 * l];
    net->fanOut[l] = d[2 + 4 * l];
    net->wOff[l] = d[3 + 4 * l];
    net->bOff[l] = d[4 + 4 * l];
  }
  net->relu = flags & 1;
  net->activateLast = (flags >> 1) & 1;
}

static int activated(const Net* net, int l) { return l < net->layers - 1 || net->activateLast; }

// Where layer l's output starts in acts, for a batch of n rows.
static size_t act_offset(const Net* net, int l, int n) {
  size_t off = 0;
  for (int j = 0; j < l; j++) off += (size_t)n * net->fanOut[j];
  return off;
}

// The floats acts must hold for a batch of n rows.
TG_UNUSED static size_t acts_needed(const Net* net, int n) { return act_offset(net, net->layers, n); }

// The floats mlp_backward's scratch must hold for a batch of n rows: two n x widest buffers and
// the largest weight matrix, transposed.
static size_t work_needed(const Net* net, int n) {
  int w = net->fanIn[0];
  size_t maxW = 0;
  for (int l = 0; l < net->layers; l++) {
    w = net->fanOut[l] > w ? net->fanOut[l] : w;
    const size_t s = (size_t)net->fanIn[l] * net->fanOut[l];
    maxW = s > maxW ? s : maxW;
  }
  return 2 * (size_t)n * w + maxW;
}

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
// n x widest buffers and one transposed weight matrix, from `work` (work_needed floats).
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
// An LSTM layer (PyTorch's nn.LSTM: gates i, f, g, o; z = W^T [x; h_prev] + b_ih + b_hh,
// c = f c_prev + i g, h = o tanh(c)) over sequences of different lengths, each from its own
// initial state, and its backpropagation through time. The caller schedules the work in time-major
// positions: at time t the first active[t] sequences run (sorted longest first), position
// p = offset[t] + r, and rowOf[p] is the batch row p reads its input from and writes its output
// to. W is [in + hid, 4 hid] row-major at wOff (the input's rows first), the two biases at bIhOff,
// bHhOff. sigmoid(v) = (1 + tanh(v / 2)) / 2, with the rational tanh (no libm in the wasm build).
typedef struct {
  int in, hid, steps, rows, count, wOff, bIhOff, bHhOff;
} Lstm;

static float sigmoid_tanh(float v) { return 0.5f * (1.f + tanh_eigen(0.5f * v)); }

// Scratch floats lstm_backward needs.
static size_t lstm_work_needed(const Lstm* L) {
  return (size_t)L->rows * 4 * L->hid + 2 * (size_t)L->count * L->hid + 4 * (size_t)L->hid * L->hid + 4 * (size_t)L->hid;
}

// Runs the schedule from the initial states h, cs (count x hid, by rank; left as the final
// states) over inputs x (rows x in, batch order); keeps for the backward pass a = [x; h_prev],
// the activated gates, c_prev, c and tanh(c) per position; outputs h per batch row into out.
static void lstm_forward(const Lstm* L, const int* active, const int* offset, const int* rowOf, const float* params, const float* x, float* a, float* gates, float* cPrev, float* c, float* tc, float* h, float* cs, float* out, float* bias) {
  const int in = L->in, hid = L->hid, k = in + hid, g4 = 4 * hid;
  for (int j = 0; j < g4; j++) bias[j] = params[L->bIhOff + j] + params[L->bHhOff + j];
  for (int t = 0; t < L->steps; t++) {
    const int n = active[t], off = offset[t];
    for (int r = 0; r < n; r++) {
      float* ar = a + (size_t)(off + r) * k;
      const float* xr = x + (size_t)rowOf[off + r] * in;
      for (int q = 0; q < in; q++) ar[q] = xr[q];
      for (int j = 0; j < hid; j++) ar[in + j] = h[(size_t)r * hid + j];
    }
    float* z = gates + (size_t)off * g4;
    gemm(n, g4, k, a + (size_t)off * k, k, 1, params + L->wOff, g4, z, g4, bias);
    for (int r = 0; r < n; r++) {
      const size_t p = (size_t)off + r;
      float* g = gates + p * g4;
      for (int j = 0; j < hid; j++) {
        g[j] = sigmoid_tanh(g[j]);
        g[hid + j] = sigmoid_tanh(g[hid + j]);
        g[2 * hid + j] = tanh_eigen(g[2 * hid + j]);
        g[3 * hid + j] = sigmoid_tanh(g[3 * hid + j]);
        const float cp = cs[(size_t)r * hid + j];
        const float cv = g[hid + j] * cp + g[j] * g[2 * hid + j];
        const float tv = tanh_eigen(cv);
        const float hv = g[3 * hid + j] * tv;
        cPrev[p * hid + j] = cp;
        c[p * hid + j] = cv;
        tc[p * hid + j] = tv;
        cs[(size_t)r * hid + j] = cv;
        h[(size_t)r * hid + j] = hv;
        out[(size_t)rowOf[p] * hid + j] = hv;
      }
    }
  }
}

// The backward pass of the forward that left a, gates, cPrev and tc: dOut (rows x hid, batch
// order) back through time into the weights and both biases (the same gradient for each), written
// into grad at their offsets; the initial states get none. Scratch: lstm_work_needed floats.
static void lstm_backward(const Lstm* L, const int* active, const int* offset, const int* rowOf, const float* params, const float* a, const float* gates, const float* cPrev, const float* tc, const float* dOut, float* grad, float* work) {
  const int in = L->in, hid = L->hid, k = in + hid, g4 = 4 * hid;
  const int count = L->count;
  float* dz = work;
  float* dh = dz + (size_t)L->rows * g4;
  float* dc = dh + (size_t)count * hid;
  float* whT = dc + (size_t)count * hid;
  for (size_t i = 0; i < 2 * (size_t)count * hid; i++) dh[i] = 0.f;
  transpose(params + L->wOff + (size_t)in * g4, hid, g4, whT);
  for (int t = L->steps - 1; t >= 0; t--) {
    const int n = active[t], off = offset[t];
    for (int r = 0; r < n; r++) {
      const size_t p = (size_t)off + r;
      const float* g = gates + p * g4;
      float* d = dz + p * g4;
      const float* dor = dOut + (size_t)rowOf[p] * hid;
      for (int j = 0; j < hid; j++) {
        const float ig = g[j], fg = g[hid + j], gg = g[2 * hid + j], og = g[3 * hid + j];
        const float tv = tc[p * hid + j];
        const float dhv = dh[(size_t)r * hid + j] + dor[j];
        const float dcv = dc[(size_t)r * hid + j] + dhv * og * (1.f - tv * tv);
        d[j] = dcv * gg * ig * (1.f - ig);
        d[hid + j] = dcv * cPrev[p * hid + j] * fg * (1.f - fg);
        d[2 * hid + j] = dcv * ig * (1.f - gg * gg);
        d[3 * hid + j] = dhv * tv * og * (1.f - og);
        dc[(size_t)r * hid + j] = dcv * fg;
      }
    }
    if (t == 0) break;
    // the previous state's gradient, dz W_h^T, for the n sequences running at t
    gemm(n, hid, g4, dz + (size_t)off * g4, g4, 1, whT, hid, dh, hid, NULL);
  }
  // dW = A^T dz over every position, one product
  gemm(k, g4, L->rows, a, 1, k, dz, g4, grad + L->wOff, g4, NULL);
  float* gb = grad + L->bIhOff;
  for (int j = 0; j < g4; j++) gb[j] = 0.f;
  for (int p = 0; p < L->rows; p++)
    for (int j = 0; j < g4; j++) gb[j] += dz[(size_t)p * g4 + j];
  for (int j = 0; j < g4; j++) grad[L->bHhOff + j] = gb[j];
}

#endif
