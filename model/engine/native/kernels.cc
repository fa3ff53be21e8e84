// Native CPU kernels for TF.js (docs/ARCHITECTURE.md §3). Every function works in place on typed arrays handed
// over by the TypeScript side (zero-copy views of the wasm heap, or the cpu backend's own arrays):
// the addon never allocates tensors, so TF.js keeps ownership and its memory accounting.
// GEMM and convolutions go through OpenBLAS (cblas_sgemm); the rest are plain loops that the
// compiler vectorises (libmvec supplies the vector expf/logf/tanhf) and that a small thread team
// spreads over the cores when the work is large enough to pay for waking it (kParallelMin). One
// thread count (DEMI_THREADS, through setThreads) sets OpenBLAS's and the team's.
#include <atomic>
#include <node_api.h>
#include <cblas.h>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>
#include <algorithm>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

// Vector variants from glibc's libmvec. glibc declares them only under __FAST_MATH__, which needs
// -ffinite-math-only; that flag lets GCC replace divisions and square roots by approximations that
// turn 1/0 and sqrt(denormal) into NaN, so we build with -fno-finite-math-only and declare them here.
extern "C" {
#pragma omp declare simd notinbranch
float expf(float) noexcept;
#pragma omp declare simd notinbranch
float logf(float) noexcept;
#pragma omp declare simd notinbranch
float tanhf(float) noexcept;
}

extern "C" {
char *openblas_get_corename(void);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int);
}

namespace {

// ---------------------------------------------------------------- thread team

// Below this much work (elements touched) a loop stays on the calling thread.
constexpr int64_t kParallelMin = 1 << 16;

// The row kernels' threads. Not OpenMP: GOMP's workers spin between regions and fought Debian's
// pthread OpenBLAS for the cores (the GPT step went from ~900 to ~1500 ms at 2 threads); these workers
// sleep on a condition variable, and OpenBLAS's yield while they wait. A region splits its range into
// one contiguous part per thread, the same parts for a given thread count, so results repeat bit for
// bit. Workers are never stopped (the team lives as long as the process); a smaller count idles the rest.
class Team {
 public:
  int size() {
    std::call_once(started_, [this] { resizeLocked(std::max(1, openblas_get_num_threads())); });
    return active_;
  }

  void resize(int n) {
    size();
    std::lock_guard<std::mutex> region(busy_);
    std::lock_guard<std::mutex> lock(mu_);
    resizeLocked(std::max(1, n));
  }

  // Runs task(part) for part = 0 .. parts - 1, parts <= size(), the calling thread taking part 0.
  void run(int parts, const std::function<void(int)> &task) {
    std::unique_lock<std::mutex> region(busy_, std::try_to_lock);
    if (parts <= 1 || !region.owns_lock()) {  // another JS thread is in a region: same parts, in turn
      for (int part = 0; part < parts; part++) task(part);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      task_ = &task;
      parts_ = parts;
      remaining_ = parts - 1;
      generation_++;
    }
    wake_.notify_all();
    task(0);
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [this] { return remaining_ == 0; });
    task_ = nullptr;
  }

 private:
  void resizeLocked(int n) {
    while ((int)workers_ < n - 1) {
      int part = (int)++workers_;
      std::thread([this, part, seen = generation_]() mutable { work(part, seen); }).detach();
    }
    active_ = n;
  }

  void work(int part, uint64_t seen) {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      wake_.wait(lock, [&] { return generation_ != seen; });
      seen = generation_;
      if (part >= parts_) continue;
      const std::function<void(int)> *task = task_;
      lock.unlock();
      (*task)(part);
      lock.lock();
      if (--remaining_ == 0) done_.notify_one();
    }
  }

  std::once_flag started_;
  std::mutex busy_, mu_;
  std::condition_variable wake_, done_;
  const std::function<void(int)> *task_ = nullptr;
  uint64_t generation_ = 0;
  int parts_ = 1, remaining_ = 0, active_ = 1;
  size_t workers_ = 0;
};

Team &team() {
  static Team *t = new Team();  // never destroyed: detached workers wait on it until the process ends
  return *t;
}

// How many parts a loop of this much work is split into (1 below kParallelMin).
int partsFor(int64_t work, int64_t items) {
  if (work < kParallelMin || items < 2) return 1;
  return (int)std::min<int64_t>(team().size(), items);
}

// fn(part, begin, end) for the non-empty ones of `parts` contiguous parts of [0, n), part k being
// [n k / parts, n (k + 1) / parts), on the team when parts > 1.
template <class F>
void forEachPart(int parts, int64_t n, F &&fn) {
  auto one = [&](int part) {
    const int64_t begin = n * part / parts, end = n * (part + 1) / parts;
    if (begin < end) fn(part, begin, end);
  };
  if (parts == 1) one(0);
  else team().run(parts, one);
}

// fn(begin, end) over the parts of [0, n) that this much work is split into.
template <class F>
void parallelFor(int64_t n, int64_t work, F &&fn) {
  forEachPart(partsFor(work, n), n, [&](int, int64_t begin, int64_t end) { fn(begin, end); });
}

// ---------------------------------------------------------------- argument helpers

struct Args {
  napi_env env;
  size_t argc = 16;
  napi_value argv[16];
  bool ok = true;
  Args(napi_env e, napi_callback_info info) : env(e) {
    napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  }
  void fail(const char *msg) {
    if (ok) napi_throw_error(env, "DEMI_NATIVE_ARG", msg);
    ok = false;
  }
  template <typename T>
  T *array(size_t i, napi_typedarray_type want, size_t *len = nullptr) {
    if (!ok) return nullptr;
    if (i >= argc) { fail("missing typed array argument"); return nullptr; }
    napi_valuetype vt;
    napi_typeof(env, argv[i], &vt);
    if (vt == napi_null || vt == napi_undefined) { if (len) *len = 0; return nullptr; }
    bool is_ta = false;
    napi_is_typedarray(env, argv[i], &is_ta);
    if (!is_ta) { fail("expected a typed array"); return nullptr; }
    napi_typedarray_type type;
    size_t length;
    void *data;
    napi_value ab;
    size_t offset;
    napi_get_typedarray_info(env, argv[i], &type, &length, &data, &ab, &offset);
    if (type != want) { fail("typed array of the wrong element type"); return nullptr; }
    if (len) *len = length;
    return static_cast<T *>(data);
  }
  float *f32(size_t i, size_t *len = nullptr) { return array<float>(i, napi_float32_array, len); }
  int32_t *i32(size_t i, size_t *len = nullptr) { return array<int32_t>(i, napi_int32_array, len); }
  int64_t num(size_t i) {
    if (!ok) return 0;
    if (i >= argc) { fail("missing number argument"); return 0; }
    double v = 0;
    if (napi_get_value_double(env, argv[i], &v) != napi_ok) { fail("expected a number"); return 0; }
    return static_cast<int64_t>(v);
  }
  double real(size_t i) {
    if (!ok) return 0;
    if (i >= argc) { fail("missing number argument"); return 0; }
    double v = 0;
    if (napi_get_value_double(env, argv[i], &v) != napi_ok) { fail("expected a number"); return 0; }
    return v;
  }
};

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// ---------------------------------------------------------------- GEMM

// gemm(batch, M, N, K, transA, transB, A, strideA, B, strideB, C, alpha, beta)
// C[b] = alpha * op(A[b]) op(B[b]) + beta * C[b]; a stride of 0 broadcasts that operand.
napi_value Gemm(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int64_t batch = a.num(0), M = a.num(1), N = a.num(2), K = a.num(3);
  bool tA = a.num(4) != 0, tB = a.num(5) != 0;
  const float *A = a.f32(6);
  int64_t sA = a.num(7);
  const float *B = a.f32(8);
  int64_t sB = a.num(9);
  float *C = a.f32(10);
  float alpha = (float)a.real(11), beta = (float)a.real(12);
  if (!a.ok) return nullptr;
  int lda = tA ? (int)M : (int)K;
  int ldb = tB ? (int)K : (int)N;
  // A single row (M = 1: decoding's LM head and projections at batch 1) or column (N = 1) is a
  // matrix-vector product. Debian's OpenBLAS 0.3.21 runs sgemm there at ~2 GFLOP/s (its
  // gemm-to-gemv forwarding came in 0.3.27); sgemv streams the matrix at memory speed. The vector
  // operand is contiguous whether or not it is marked transposed, since one of its dims is 1.
  if ((M == 1 || N == 1) && M > 0 && N > 0 && K > 0) {
    for (int64_t b = 0; b < batch; b++) {
      const float *Ab = A + b * sA, *Bb = B + b * sB;
      float *Cb = C + b * M * N;
      if (M == 1) {
        // C[1,N] = x op(B): op(B) = B [K,N] -> B^T x; op(B) = B^T with B [N,K] -> B x
        if (tB) cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)N, (int)K, alpha, Bb, (int)K, Ab, 1, beta, Cb, 1);
        else cblas_sgemv(CblasRowMajor, CblasTrans, (int)K, (int)N, alpha, Bb, (int)N, Ab, 1, beta, Cb, 1);
      } else {
        // C[M,1] = op(A) x: op(A) = A [M,K] -> A x; op(A) = A^T with A [K,M] -> A^T x
        if (tA) cblas_sgemv(CblasRowMajor, CblasTrans, (int)K, (int)M, alpha, Ab, (int)M, Bb, 1, beta, Cb, 1);
        else cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)M, (int)K, alpha, Ab, (int)K, Bb, 1, beta, Cb, 1);
      }
    }
    return undefined(env);
  }
  for (int64_t b = 0; b < batch; b++) {
    cblas_sgemm(CblasRowMajor, tA ? CblasTrans : CblasNoTrans, tB ? CblasTrans : CblasNoTrans,
                (int)M, (int)N, (int)K, alpha, A + b * sA, lda, B + b * sB, ldb, beta,
                C + b * M * N, (int)N);
  }
  return undefined(env);
}

enum Activation { kLinear = 0, kRelu = 1, kRelu6 = 2, kSigmoid = 3, kLeakyRelu = 4, kElu = 5 };

// biasActivation(C, rows, cols, bias|null, activation, alpha): C = act(C + bias), bias broadcast over rows.
napi_value BiasActivation(napi_env env, napi_callback_info info) {
  Args a(env, info);
  float *C = a.f32(0);
  int64_t rows = a.num(1), cols = a.num(2);
  size_t biasLen = 0;
  const float *bias = a.f32(3, &biasLen);
  int act = (int)a.num(4);
  float alpha = (float)a.real(5);
  if (!a.ok) return nullptr;
  parallelFor((int64_t)(rows), rows * cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      float *row = C + r * cols;
      if (bias) {
        if (biasLen == 1) { float b0 = bias[0]; for (int64_t c = 0; c < cols; c++) row[c] += b0; }
        else for (int64_t c = 0; c < cols; c++) row[c] += bias[c];
      }
      switch (act) {
        case kRelu: for (int64_t c = 0; c < cols; c++) row[c] = row[c] > 0 ? row[c] : 0; break;
        case kRelu6: for (int64_t c = 0; c < cols; c++) row[c] = std::min(std::max(row[c], 0.f), 6.f); break;
        case kSigmoid: for (int64_t c = 0; c < cols; c++) row[c] = 1.f / (1.f + expf(-row[c])); break;
        case kLeakyRelu: for (int64_t c = 0; c < cols; c++) row[c] = row[c] < 0 ? alpha * row[c] : row[c]; break;
        case kElu: for (int64_t c = 0; c < cols; c++) row[c] = row[c] < 0 ? expf(row[c]) - 1.f : row[c]; break;
        default: break;
      }
    }
  });
  return undefined(env);
}

// ---------------------------------------------------------------- convolution (NHWC, filter HWIO)

struct ConvDims {
  int64_t N, H, W, C, KH, KW, OC, SH, SW, PT, PL, DH, DW, OH, OW;
  int64_t patch() const { return KH * KW * C; }
  bool pointwise() const { return KH == 1 && KW == 1 && SH == 1 && SW == 1 && PT == 0 && PL == 0; }
};

bool readConvDims(Args &a, size_t i, ConvDims &d) {
  size_t len = 0;
  const int32_t *v = a.i32(i, &len);
  if (!a.ok) return false;
  if (len != 15) { a.fail("conv dims must have 15 entries"); return false; }
  d = ConvDims{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
  return true;
}

// Rows of im2col for samples [n0, n0+count): col[(n,oh,ow), (kh,kw,c)].
// `threaded`: spread over the team; false inside a team part (a part must not start a region).
void im2col(const float *x, float *col, const ConvDims &d, int64_t n0, int64_t count, bool threaded) {
  const int64_t P = d.patch();
  forEachPart(threaded ? partsFor(count * d.OH * d.OW * P, count * d.OH) : 1, count * d.OH, [&](int, int64_t row0, int64_t row1) {
  for (int64_t row = row0; row < row1; row++) {
    const int64_t n = n0 + row / d.OH, oh = row % d.OH;
    const float *xn = x + n * d.H * d.W * d.C;
    {
      for (int64_t ow = 0; ow < d.OW; ow++) {
        float *dst = col + (((n - n0) * d.OH + oh) * d.OW + ow) * P;
        for (int64_t kh = 0; kh < d.KH; kh++) {
          int64_t ih = oh * d.SH - d.PT + kh * d.DH;
          for (int64_t kw = 0; kw < d.KW; kw++) {
            int64_t iw = ow * d.SW - d.PL + kw * d.DW;
            float *cell = dst + (kh * d.KW + kw) * d.C;
            if (ih < 0 || ih >= d.H || iw < 0 || iw >= d.W) {
              std::memset(cell, 0, sizeof(float) * d.C);
            } else {
              std::memcpy(cell, xn + (ih * d.W + iw) * d.C, sizeof(float) * d.C);
            }
          }
        }
      }
    }
  }
  });
}

void col2imAdd(const float *col, float *dx, const ConvDims &d, int64_t n0, int64_t count, bool threaded) {
  const int64_t P = d.patch();
  forEachPart(threaded ? partsFor(count * d.OH * d.OW * P, count) : 1, count, [&](int, int64_t s0, int64_t s1) {
  for (int64_t n = n0 + s0; n < n0 + s1; n++) {
    float *dxn = dx + n * d.H * d.W * d.C;
    for (int64_t oh = 0; oh < d.OH; oh++) {
      for (int64_t ow = 0; ow < d.OW; ow++) {
        const float *src = col + (((n - n0) * d.OH + oh) * d.OW + ow) * P;
        for (int64_t kh = 0; kh < d.KH; kh++) {
          int64_t ih = oh * d.SH - d.PT + kh * d.DH;
          if (ih < 0 || ih >= d.H) continue;
          for (int64_t kw = 0; kw < d.KW; kw++) {
            int64_t iw = ow * d.SW - d.PL + kw * d.DW;
            if (iw < 0 || iw >= d.W) continue;
            const float *cell = src + (kh * d.KW + kw) * d.C;
            float *out = dxn + (ih * d.W + iw) * d.C;
            for (int64_t c = 0; c < d.C; c++) out[c] += cell[c];
          }
        }
      }
    }
  }
  });
}

// The im2col column buffer, kept between calls (per thread: worker threads share this addon). A fresh
// std::vector per call zero-filled and page-faulted up to 64 MiB that im2col or the sgemm overwrite anyway.
float *columnBuffer(size_t floats) {
  thread_local std::unique_ptr<float[]> buffer;
  thread_local size_t capacity = 0;
  if (floats > capacity) {
    buffer.reset(new float[floats]);
    capacity = floats;
  }
  return buffer.get();
}

// The most floats a thread's im2col column buffer holds (64 MiB); setConvColumnFloats lowers it, so a
// test can make a small convolution take several chunks per part, as a large one does.
std::atomic<int64_t> &columnFloatsLimit() {
  static std::atomic<int64_t> limit{int64_t(16) << 20};
  return limit;
}

// Samples per im2col chunk, so the column buffer stays under the limit (one sample at least).
int64_t chunkSamples(const ConvDims &d) {
  int64_t perSample = std::max<int64_t>(1, d.OH * d.OW * d.patch());
  return std::max<int64_t>(1, std::min<int64_t>(d.N, columnFloatsLimit().load() / perSample));
}

// How many parts a conv's samples are split into: one contiguous range of samples per team thread,
// each lowered and multiplied on its own thread by a one-thread sgemm. OpenBLAS's own threading of
// the DIM layers' GEMMs reached 104-153 GFLOP/s on two cores against 74-88 on one, and left the
// lowering to the row team; split by samples, the bench's conv kernels took 49.7 instead of 56.9 ms
// and its conv step 75.9 instead of 82.4 (2 threads, medians of 6 and 8 alternating runs).
// 1 (OpenBLAS threads the whole GEMM) when there are fewer samples than threads or little work.
int sampleParts(const ConvDims &d) {
  const int64_t flops = 2 * d.N * d.OH * d.OW * d.patch() * d.OC;
  if (d.N < 2 || flops < (int64_t(1) << 24)) return 1;
  return (int)std::min<int64_t>(team().size(), d.N);
}

// OpenBLAS at one thread while the team's parts each run their own sgemm. The count is process-wide:
// another JS thread's GEMMs in these few milliseconds also run on one thread (slower, still correct).
// Nested across JS threads, the first to enter lowers it and the last to leave restores it.
class OneBlasThread {
 public:
  OneBlasThread() {
    std::lock_guard<std::mutex> lock(mu());
    if (depth()++ == 0) {
      saved() = openblas_get_num_threads();
      openblas_set_num_threads(1);
    }
  }
  ~OneBlasThread() {
    std::lock_guard<std::mutex> lock(mu());
    if (--depth() == 0) openblas_set_num_threads(saved());
  }
 private:
  static std::mutex &mu() { static std::mutex m; return m; }
  static int &depth() { static int d = 0; return d; }
  static int &saved() { static int s = 1; return s; }
};

// fn(part, n0, count, first, col, threaded) over chunks of the samples, split into `parts` (sampleParts)
// contiguous ranges on the team; `first`: the chunk starts its part's range; `col`: the calling thread's
// column buffer, sized for one chunk (it stays under ~64 MiB); `threaded`: fn may use the team itself.
template <class F>
void forEachSampleChunk(const ConvDims &d, int parts, F &&fn) {
  const int64_t chunk = chunkSamples(d);
  auto range = [&](int part, int64_t begin, int64_t end, bool threaded) {
    float *col = columnBuffer(chunk * d.OH * d.OW * d.patch());
    for (int64_t n0 = begin; n0 < end; n0 += chunk) fn(part, n0, std::min(chunk, end - n0), n0 == begin, col, threaded);
  };
  if (parts == 1) { range(0, 0, d.N, true); return; }
  OneBlasThread oneThread;
  forEachPart(parts, d.N, [&](int part, int64_t begin, int64_t end) { range(part, begin, end, false); });
}

// conv2d(x, filter, y, dims)
napi_value Conv2D(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float *x = a.f32(0);
  const float *w = a.f32(1);
  float *y = a.f32(2);
  ConvDims d;
  if (!readConvDims(a, 3, d)) return nullptr;
  const int64_t P = d.patch(), rowsPerSample = d.OH * d.OW;
  if (d.pointwise()) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(d.N * rowsPerSample), (int)d.OC, (int)P, 1.f,
                x, (int)P, w, (int)d.OC, 0.f, y, (int)d.OC);
    return undefined(env);
  }
  forEachSampleChunk(d, sampleParts(d), [&](int, int64_t n0, int64_t count, bool, float *col, bool threaded) {
    im2col(x, col, d, n0, count, threaded);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)(count * rowsPerSample), (int)d.OC, (int)P, 1.f,
                col, (int)P, w, (int)d.OC, 0.f, y + n0 * rowsPerSample * d.OC, (int)d.OC);
  });
  return undefined(env);
}

// conv2dBackpropInput(dy, filter, dx, dims)
napi_value Conv2DBackpropInput(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float *dy = a.f32(0);
  const float *w = a.f32(1);
  float *dx = a.f32(2);
  ConvDims d;
  if (!readConvDims(a, 3, d)) return nullptr;
  const int64_t P = d.patch(), rowsPerSample = d.OH * d.OW;
  if (d.pointwise()) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(d.N * rowsPerSample), (int)P, (int)d.OC, 1.f,
                dy, (int)d.OC, w, (int)d.OC, 0.f, dx, (int)P);
    return undefined(env);
  }
  forEachSampleChunk(d, sampleParts(d), [&](int, int64_t n0, int64_t count, bool, float *col, bool threaded) {
    // each chunk owns its samples' rows of dx, so the parts never add into the same cells
    std::memset(dx + n0 * d.H * d.W * d.C, 0, sizeof(float) * count * d.H * d.W * d.C);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(count * rowsPerSample), (int)P, (int)d.OC, 1.f,
                dy + n0 * rowsPerSample * d.OC, (int)d.OC, w, (int)d.OC, 0.f, col, (int)P);
    col2imAdd(col, dx, d, n0, count, threaded);
  });
  return undefined(env);
}

// conv2dBackpropFilter(x, dy, dw, dims)
napi_value Conv2DBackpropFilter(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float *x = a.f32(0);
  const float *dy = a.f32(1);
  float *dw = a.f32(2);
  ConvDims d;
  if (!readConvDims(a, 3, d)) return nullptr;
  const int64_t P = d.patch(), rowsPerSample = d.OH * d.OW, size = P * d.OC;
  if (d.pointwise()) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)P, (int)d.OC, (int)(d.N * rowsPerSample), 1.f,
                x, (int)P, dy, (int)d.OC, 0.f, dw, (int)d.OC);
    return undefined(env);
  }
  // Each part sums its samples' gradient into its own buffer (part 0 into dw); the partial sums are
  // added in part order afterwards, so a given thread count repeats bit for bit.
  const int parts = sampleParts(d);
  std::unique_ptr<float[]> partials(parts > 1 ? new float[(parts - 1) * size] : nullptr);
  forEachSampleChunk(d, parts, [&](int part, int64_t n0, int64_t count, bool first, float *col, bool threaded) {
    im2col(x, col, d, n0, count, threaded);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)P, (int)d.OC, (int)(count * rowsPerSample), 1.f,
                col, (int)P, dy + n0 * rowsPerSample * d.OC, (int)d.OC, first ? 0.f : 1.f,
                part == 0 ? dw : partials.get() + (part - 1) * size, (int)d.OC);
  });
  if (parts == 1) return undefined(env);
  parallelFor(size, size * parts, [&](int64_t i0, int64_t i1) {
    for (int part = 1; part < parts; part++) {
      const float *partial = partials.get() + (part - 1) * size;
      for (int64_t i = i0; i < i1; i++) dw[i] += partial[i];
    }
  });
  return undefined(env);
}

// maxPoolGrad(dy, x, dx, dims[N,H,W,C,KH,KW,SH,SW,PT,PL,OH,OW,DH,DW]): the gradient goes to the first
// maximum of each window, as TF.js's cpu kernel does.
napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float *dy = a.f32(0);
  const float *x = a.f32(1);
  float *dx = a.f32(2);
  size_t len = 0;
  const int32_t *v = a.i32(3, &len);
  if (!a.ok) return nullptr;
  if (len != 14) { a.fail("maxPool dims must have 14 entries"); return nullptr; }
  int64_t N = v[0], H = v[1], W = v[2], C = v[3], KH = v[4], KW = v[5], SH = v[6], SW = v[7], PT = v[8], PL = v[9],
          OH = v[10], OW = v[11], DH = v[12], DW = v[13];
  std::memset(dx, 0, sizeof(float) * N * H * W * C);
  for (int64_t n = 0; n < N; n++)
    for (int64_t oh = 0; oh < OH; oh++)
      for (int64_t ow = 0; ow < OW; ow++)
        for (int64_t c = 0; c < C; c++) {
          float best = -INFINITY;
          int64_t where = -1;
          for (int64_t kh = 0; kh < KH; kh++) {
            int64_t ih = oh * SH - PT + kh * DH;
            if (ih < 0 || ih >= H) continue;
            for (int64_t kw = 0; kw < KW; kw++) {
              int64_t iw = ow * SW - PL + kw * DW;
              if (iw < 0 || iw >= W) continue;
              int64_t idx = ((n * H + ih) * W + iw) * C + c;
              if (x[idx] > best) { best = x[idx]; where = idx; }
            }
          }
          if (where >= 0) dx[where] += dy[((n * OH + oh) * OW + ow) * C + c];
        }
  return undefined(env);
}

// ---------------------------------------------------------------- gathers and segments

// copyBlocks(src, srcStart, srcStride, dst, dstStart, dstStride, count, length): `count` blocks of `length`
// values, block r from src[srcStart + r srcStride] to dst[dstStart + r dstStride]: the rows of a split or
// a concat (any 4-byte type: the caller passes float views of int32 data).
napi_value CopyBlocks(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t srcLen = 0, dstLen = 0;
  const float *src = a.f32(0, &srcLen);
  int64_t srcStart = a.num(1), srcStride = a.num(2);
  float *dst = a.f32(3, &dstLen);
  int64_t dstStart = a.num(4), dstStride = a.num(5), count = a.num(6), length = a.num(7);
  if (!a.ok) return nullptr;
  if (count <= 0 || length <= 0) return undefined(env);
  if (srcStart < 0 || dstStart < 0 || srcStride < 0 || dstStride < 0 ||
      srcStart + (count - 1) * srcStride + length > (int64_t)srcLen || dstStart + (count - 1) * dstStride + length > (int64_t)dstLen) {
    a.fail("copyBlocks: a block lies outside its array");
    return nullptr;
  }
  parallelFor(count, count * length, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) std::memcpy(dst + dstStart + r * dstStride, src + srcStart + r * srcStride, sizeof(float) * length);
  });
  return undefined(env);
}

// segmentSum(data, ids, out, rowSize): out[ids[i]] += data[i]; ids outside [0, segments) are dropped.
napi_value SegmentSum(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t dataLen = 0, idsLen = 0, outLen = 0;
  const float *data = a.f32(0, &dataLen);
  const int32_t *ids = a.i32(1, &idsLen);
  float *out = a.f32(2, &outLen);
  int64_t rowSize = a.num(3);
  if (!a.ok) return nullptr;
  if (rowSize <= 0 || (int64_t)dataLen != (int64_t)idsLen * rowSize) { a.fail("segmentSum: data and ids disagree"); return nullptr; }
  int64_t segments = (int64_t)outLen / rowSize;
  std::memset(out, 0, sizeof(float) * outLen);
  for (size_t i = 0; i < idsLen; i++) {
    int64_t s = ids[i];
    if (s < 0 || s >= segments) continue;
    float *dst = out + s * rowSize;
    const float *src = data + i * rowSize;
    for (int64_t j = 0; j < rowSize; j++) dst[j] += src[j];
  }
  return undefined(env);
}

// ---------------------------------------------------------------- softmax family

// Row-wise log-sum-exp helper.
inline float rowMax(const float *x, int64_t n) {
  float m = -INFINITY;
  for (int64_t i = 0; i < n; i++) m = std::max(m, x[i]);
  return m;
}

// sparseSoftmaxCE(logits, labels, loss, rows, vocab): loss[r] = logsumexp(row) - row[label]; label < 0 -> 0.
napi_value SparseSoftmaxCE(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float *logits = a.f32(0);
  const int32_t *labels = a.i32(1);
  float *loss = a.f32(2);
  int64_t rows = a.num(3), V = a.num(4);
  if (!a.ok) return nullptr;
  parallelFor((int64_t)(rows), rows * V, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      int32_t y = labels[r];
      if (y < 0 || y >= V) { loss[r] = 0.f; continue; }
      const float *row = logits + r * V;
      float m = rowMax(row, V);
      float s = 0.f;
      for (int64_t i = 0; i < V; i++) s += expf(row[i] - m);
      loss[r] = logf(s) + m - row[y];
    }
  });
  return undefined(env);
}

// sparseSoftmaxCEGrad(logits, labels, dloss, dlogits, rows, vocab): (softmax - onehot) * dloss[r].
napi_value SparseSoftmaxCEGrad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float *logits = a.f32(0);
  const int32_t *labels = a.i32(1);
  const float *dloss = a.f32(2);
  float *dlogits = a.f32(3);
  int64_t rows = a.num(4), V = a.num(5);
  if (!a.ok) return nullptr;
  parallelFor((int64_t)(rows), rows * V, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      int32_t y = labels[r];
      float *out = dlogits + r * V;
      if (y < 0 || y >= V) { std::memset(out, 0, sizeof(float) * V); continue; }
      const float *row = logits + r * V;
      float m = rowMax(row, V);
      float s = 0.f;
      for (int64_t i = 0; i < V; i++) { out[i] = expf(row[i] - m); s += out[i]; }
      float scale = dloss[r] / s;
      for (int64_t i = 0; i < V; i++) out[i] *= scale;
      out[y] -= dloss[r];
    }
  });
  return undefined(env);
}

// softmax(x, y, rows, cols)
napi_value Softmax(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float *x = a.f32(0);
  float *y = a.f32(1);
  int64_t rows = a.num(2), cols = a.num(3);
  if (!a.ok) return nullptr;
  parallelFor((int64_t)(rows), rows * cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float *in = x + r * cols;
      float *out = y + r * cols;
      float m = rowMax(in, cols);
      float s = 0.f;
      for (int64_t i = 0; i < cols; i++) { out[i] = expf(in[i] - m); s += out[i]; }
      float inv = 1.f / s;
      for (int64_t i = 0; i < cols; i++) out[i] *= inv;
    }
  });
  return undefined(env);
}

// causalSoftmax(x, y, matrices, rowsQ, colsK, scale): softmax over row i of (scale * x) where key j is
// visible when j <= i + (colsK - rowsQ) (queries are the last rowsQ positions, as with a KV cache).
// Hidden keys get probability exactly 0.
napi_value CausalSoftmax(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float *x = a.f32(0);
  float *y = a.f32(1);
  int64_t mats = a.num(2), Tq = a.num(3), Tk = a.num(4);
  float scale = (float)a.real(5);
  if (!a.ok) return nullptr;
  const int64_t offset = Tk - Tq;
  parallelFor(mats * Tq, mats * Tq * Tk, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t i = r % Tq;
      const float *in = x + r * Tk;
      float *out = y + r * Tk;
      int64_t visible = std::min(Tk, std::max<int64_t>(0, i + offset + 1));
      float m = -INFINITY;
      for (int64_t j = 0; j < visible; j++) m = std::max(m, in[j] * scale);
      float s = 0.f;
      for (int64_t j = 0; j < visible; j++) { out[j] = expf(in[j] * scale - m); s += out[j]; }
      float inv = s > 0 ? 1.f / s : 0.f;
      for (int64_t j = 0; j < visible; j++) out[j] *= inv;
      for (int64_t j = visible; j < Tk; j++) out[j] = 0.f;
    }
  });
  return undefined(env);
}

// softmaxGrad(y, dy, dx, rows, cols, scale): dx = scale * y * (dy - sum(dy * y)).
napi_value SoftmaxGrad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float *y = a.f32(0);
  const float *dy = a.f32(1);
  float *dx = a.f32(2);
  int64_t rows = a.num(3), cols = a.num(4);
  float scale = (float)a.real(5);
  if (!a.ok) return nullptr;
  parallelFor((int64_t)(rows), rows * cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float *yr = y + r * cols, *dyr = dy + r * cols;
      float *dxr = dx + r * cols;
      float dot = 0.f;
      for (int64_t i = 0; i < cols; i++) dot += yr[i] * dyr[i];
      for (int64_t i = 0; i < cols; i++) dxr[i] = scale * yr[i] * (dyr[i] - dot);
    }
  });
  return undefined(env);
}

// ---------------------------------------------------------------- GELU (tanh form, as GPT-2)

constexpr float kSqrt2OverPi = 0.7978845608028654f;
constexpr float kGeluCubic = 0.044715f;

// dropout(x, y, rate, seed): inverted dropout, y = x * (keep ? 1 / (1 - rate) : 0), where element i is kept
// when a hash of (seed, i) is at least rate. Counter-based, so any thread count gives the same mask, the
// gradient is the same op on dy (it is linear in x; the mask is recomputed, never stored), and the
// composed path in fused-ops.ts (dropoutKeeps) reproduces it bit for bit. TF.js's own dropout draws
// its mask in JS: ~100 ms per attention-probability tensor of a batch of 16 at context 256.
inline uint32_t mix32(uint32_t h) {  // "lowbias32" (C. Wellons): full avalanche, two multiplies
  h ^= h >> 16;
  h *= 0x7feb352dU;
  h ^= h >> 15;
  h *= 0x846ca68bU;
  h ^= h >> 16;
  return h;
}

napi_value Dropout(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t n = 0;
  const float *x = a.f32(0, &n);
  float *y = a.f32(1);
  double rate = a.real(2);
  uint32_t seed = (uint32_t)a.num(3);
  if (!a.ok) return nullptr;
  const float scale = (float)(1.0 / (1.0 - rate));
  parallelFor((int64_t)n, (int64_t)n, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) {
      const bool keep = (double)(mix32(mix32((uint32_t)i) ^ seed) >> 8) * 0x1p-24 >= rate;
      y[i] = x[i] * (keep ? scale : 0.f);
    }
  });
  return undefined(env);
}

napi_value Gelu(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t n = 0;
  const float *x = a.f32(0, &n);
  float *y = a.f32(1);
  if (!a.ok) return nullptr;
  parallelFor((int64_t)(n), (int64_t)n, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) {
      float v = x[i];
      y[i] = 0.5f * v * (1.f + tanhf(kSqrt2OverPi * (v + kGeluCubic * v * v * v)));
    }
  });
  return undefined(env);
}

napi_value GeluGrad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t n = 0;
  const float *x = a.f32(0, &n);
  const float *dy = a.f32(1);
  float *dx = a.f32(2);
  if (!a.ok) return nullptr;
  parallelFor((int64_t)(n), (int64_t)n, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) {
      float v = x[i];
      float t = tanhf(kSqrt2OverPi * (v + kGeluCubic * v * v * v));
      float dt = (1.f - t * t) * kSqrt2OverPi * (1.f + 3.f * kGeluCubic * v * v);
      dx[i] = dy[i] * (0.5f * (1.f + t) + 0.5f * v * dt);
    }
  });
  return undefined(env);
}

// ---------------------------------------------------------------- LayerNorm over the last axis

// The mean of a row and 1 / sqrt(variance + eps), as LayerNorm and its gradient both compute them.
inline float rowMeanRstd(const float *in, int64_t cols, float eps, float &mean) {
  mean = 0.f;
  for (int64_t i = 0; i < cols; i++) mean += in[i];
  mean /= (float)cols;
  float var = 0.f;
  for (int64_t i = 0; i < cols; i++) { float d = in[i] - mean; var += d * d; }
  return 1.f / sqrtf(var / (float)cols + eps);
}

// layerNorm(x, gamma, beta, y, rows, cols, eps)
napi_value LayerNorm(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float *x = a.f32(0);
  const float *g = a.f32(1);
  const float *b = a.f32(2);
  float *y = a.f32(3);
  int64_t rows = a.num(4), cols = a.num(5);
  float eps = (float)a.real(6);
  if (!a.ok) return nullptr;
  parallelFor((int64_t)(rows), rows * cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float *in = x + r * cols;
      float *out = y + r * cols;
      float mean;
      const float rstd = rowMeanRstd(in, cols, eps, mean);
      for (int64_t i = 0; i < cols; i++) out[i] = (in[i] - mean) * rstd * g[i] + b[i];
    }
  });
  return undefined(env);
}

// layerNormGrad(dy, x, gamma, dx, dgamma, dbeta, rows, cols, eps)
napi_value LayerNormGrad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float *dy = a.f32(0);
  const float *x = a.f32(1);
  const float *g = a.f32(2);
  float *dx = a.f32(3);
  float *dg = a.f32(4);
  float *db = a.f32(5);
  int64_t rows = a.num(6), cols = a.num(7);
  float eps = (float)a.real(8);
  if (!a.ok) return nullptr;
  // dgamma and dbeta sum over rows: each part of the rows sums into its own slice, and the slices are
  // added in part order, so a given thread count always gives the same bits.
  const int parts = partsFor(rows * cols, rows);
  std::vector<float> partial((size_t)parts * 2 * cols, 0.f);
  forEachPart(parts, rows, [&](int part, int64_t r0, int64_t r1) {
    float *pg = partial.data() + (size_t)part * 2 * cols, *pb = pg + cols;
    std::vector<float> xhat(cols);
    for (int64_t r = r0; r < r1; r++) {
      const float *in = x + r * cols, *d = dy + r * cols;
      float *out = dx + r * cols;
      float mean;
      const float rstd = rowMeanRstd(in, cols, eps, mean);
      float sumG = 0.f, sumGX = 0.f;
      for (int64_t i = 0; i < cols; i++) {
        xhat[i] = (in[i] - mean) * rstd;
        float gd = d[i] * g[i];
        sumG += gd;
        sumGX += gd * xhat[i];
        pg[i] += d[i] * xhat[i];
        pb[i] += d[i];
      }
      float invN = 1.f / (float)cols;
      for (int64_t i = 0; i < cols; i++) out[i] = rstd * (d[i] * g[i] - invN * sumG - xhat[i] * invN * sumGX);
    }
  });
  std::memset(dg, 0, sizeof(float) * cols);
  std::memset(db, 0, sizeof(float) * cols);
  for (int part = 0; part < parts; part++) {
    const float *pg = partial.data() + (size_t)part * 2 * cols, *pb = pg + cols;
    for (int64_t i = 0; i < cols; i++) { dg[i] += pg[i]; db[i] += pb[i]; }
  }
  return undefined(env);
}

// ---------------------------------------------------------------- elementwise

enum BinaryOp { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3 };
enum Layout { kFull = 0, kScalar = 1, kRowVector = 2, kColumn = 3 };

template <int OP>
inline float apply(float x, float y) {
  if (OP == kAdd) return x + y;
  if (OP == kSub) return x - y;
  if (OP == kMul) return x * y;
  return x / y;
}

template <int OP>
void binaryLoop(const float *x, int lx, const float *y, int ly, float *out, int64_t rows, int64_t cols) {
  // Items are (row, block of columns): full or scalar operands arrive as one long row, which must
  // spread over the threads as well as many short rows do.
  const int64_t block = 4096, blocks = (cols + block - 1) / block;
  parallelFor(rows * blocks, rows * cols, [&](int64_t item0, int64_t item1) {
    for (int64_t item = item0; item < item1; item++) {
      const int64_t r = item / blocks, c0 = (item % blocks) * block, c1 = std::min(cols, c0 + block);
      float *o = out + r * cols;
      const float *xr = lx == kFull ? x + r * cols : x;
      const float *yr = ly == kFull ? y + r * cols : y;
      if ((lx == kFull || lx == kRowVector) && (ly == kFull || ly == kRowVector)) {
        for (int64_t c = c0; c < c1; c++) o[c] = apply<OP>(xr[c], yr[c]);
      } else if (lx == kFull || lx == kRowVector) {
        float yv = ly == kScalar ? y[0] : y[r];
        for (int64_t c = c0; c < c1; c++) o[c] = apply<OP>(xr[c], yv);
      } else if (ly == kFull || ly == kRowVector) {
        float xv = lx == kScalar ? x[0] : x[r];
        for (int64_t c = c0; c < c1; c++) o[c] = apply<OP>(xv, yr[c]);
      } else {
        float xv = lx == kScalar ? x[0] : x[r], yv = ly == kScalar ? y[0] : y[r];
        for (int64_t c = c0; c < c1; c++) o[c] = apply<OP>(xv, yv);
      }
    }
  });
}

// binary(op, x, layoutX, y, layoutY, out, rows, cols): out[rows, cols] = x op y with each operand
// full, scalar, a [cols] row vector broadcast over rows, or a [rows] column broadcast over cols.
napi_value Binary(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int op = (int)a.num(0);
  const float *x = a.f32(1);
  int lx = (int)a.num(2);
  const float *y = a.f32(3);
  int ly = (int)a.num(4);
  float *out = a.f32(5);
  int64_t rows = a.num(6), cols = a.num(7);
  if (!a.ok) return nullptr;
  switch (op) {
    case kAdd: binaryLoop<kAdd>(x, lx, y, ly, out, rows, cols); break;
    case kSub: binaryLoop<kSub>(x, lx, y, ly, out, rows, cols); break;
    case kMul: binaryLoop<kMul>(x, lx, y, ly, out, rows, cols); break;
    case kDiv: binaryLoop<kDiv>(x, lx, y, ly, out, rows, cols); break;
    default: a.fail("binary: unknown op"); return nullptr;
  }
  return undefined(env);
}

enum UnaryOp { kExp = 0, kLog = 1, kTanh = 2, kSigmoidU = 3, kSqrt = 4, kRsqrt = 5, kSquare = 6, kNeg = 7, kReluU = 8 };

napi_value Unary(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int op = (int)a.num(0);
  size_t n = 0;
  const float *x = a.f32(1, &n);
  float *y = a.f32(2);
  if (!a.ok) return nullptr;
  if (op < kExp || op > kReluU) {
    a.fail("unary: unknown op");
    return nullptr;
  }
  const int64_t total = (int64_t)n, block = 16384, blocks = (total + block - 1) / block;
  parallelFor((int64_t)(blocks), total, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) {
      const float *xi = x + b * block;
      float *yi = y + b * block;
      const int64_t len = std::min(block, total - b * block);
      switch (op) {
        case kExp: for (int64_t i = 0; i < len; i++) yi[i] = expf(xi[i]); break;
        case kLog: for (int64_t i = 0; i < len; i++) yi[i] = logf(xi[i]); break;
        case kTanh: for (int64_t i = 0; i < len; i++) yi[i] = tanhf(xi[i]); break;
        case kSigmoidU: for (int64_t i = 0; i < len; i++) yi[i] = 1.f / (1.f + expf(-xi[i])); break;
        case kSqrt: for (int64_t i = 0; i < len; i++) yi[i] = sqrtf(xi[i]); break;
        case kRsqrt: for (int64_t i = 0; i < len; i++) yi[i] = 1.f / sqrtf(xi[i]); break;
        case kSquare: for (int64_t i = 0; i < len; i++) yi[i] = xi[i] * xi[i]; break;
        case kNeg: for (int64_t i = 0; i < len; i++) yi[i] = -xi[i]; break;
        default: for (int64_t i = 0; i < len; i++) yi[i] = xi[i] > 0 ? xi[i] : 0; break;
      }
    }
  });
  return undefined(env);
}

// sum(x, out, outer, reduced, inner): out[o, i] = sum_r x[o, r, i].
napi_value Sum(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const float *x = a.f32(0);
  float *out = a.f32(1);
  int64_t outer = a.num(2), reduced = a.num(3), inner = a.num(4);
  if (!a.ok) return nullptr;
  // Each output element is summed by one thread in the serial order: the bits do not depend on the
  // thread count. A whole-tensor sum (outer = inner = 1) therefore stays on one thread.
  const int64_t work = outer * reduced * inner;
  if (inner == 1) {
    parallelFor(outer, work, [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; o++) {
        const float *row = x + o * reduced;
        double s = 0;
        float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int64_t r = 0;
        for (; r + 8 <= reduced; r += 8)
          for (int k = 0; k < 8; k++) acc[k] += row[r + k];
        for (; r < reduced; r++) s += row[r];
        for (int k = 0; k < 8; k++) s += acc[k];
        out[o] = (float)s;
      }
    });
    return undefined(env);
  }
  const int64_t block = 1024, blocks = (inner + block - 1) / block;
  parallelFor(outer * blocks, work, [&](int64_t item0, int64_t item1) {
    for (int64_t item = item0; item < item1; item++) {
      const int64_t o = item / blocks, i0 = (item % blocks) * block, i1 = std::min(inner, i0 + block);
      float *dst = out + o * inner;
      for (int64_t i = i0; i < i1; i++) dst[i] = 0.f;
      for (int64_t r = 0; r < reduced; r++) {
        const float *src = x + (o * reduced + r) * inner;
        for (int64_t i = i0; i < i1; i++) dst[i] += src[i];
      }
    }
  });
  return undefined(env);
}

// adamw(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step): one decoupled-weight-decay Adam
// update in place (Loshchilov & Hutter), with bias correction for 1-based `step`.
napi_value AdamW(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t n = 0;
  float *p = a.f32(0, &n);
  const float *g = a.f32(1);
  float *m = a.f32(2);
  float *v = a.f32(3);
  float lr = (float)a.real(4), b1 = (float)a.real(5), b2 = (float)a.real(6), eps = (float)a.real(7),
        wd = (float)a.real(8);
  double step = a.real(9);
  if (!a.ok) return nullptr;
  float c1 = (float)(1.0 - std::pow((double)b1, step));
  float c2 = (float)(1.0 - std::pow((double)b2, step));
  float stepSize = lr / c1;
  float invSqrtC2 = 1.f / sqrtf(c2);
  float decay = 1.f - lr * wd;
  parallelFor((int64_t)(n), (int64_t)n, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) {
      float gi = g[i];
      m[i] = b1 * m[i] + (1.f - b1) * gi;
      v[i] = b2 * v[i] + (1.f - b2) * gi * gi;
      float denom = sqrtf(v[i]) * invSqrtC2 + eps;
      p[i] = p[i] * decay - stepSize * m[i] / denom;
    }
  });
  return undefined(env);
}

// sumSquares(x): the squared L2 norm, accumulated in double (gradient clipping).
napi_value SumSquares(napi_env env, napi_callback_info info) {
  Args a(env, info);
  size_t n = 0;
  const float *x = a.f32(0, &n);
  if (!a.ok) return nullptr;
  const int parts = partsFor((int64_t)n, (int64_t)n);
  std::vector<double> partial(parts, 0.0);
  forEachPart(parts, (int64_t)n, [&](int part, int64_t i0, int64_t i1) {
    double s = 0;
    for (int64_t i = i0; i < i1; i++) s += (double)x[i] * x[i];
    partial[part] = s;
  });
  double s = 0;
  for (double p : partial) s += p;
  napi_value out;
  napi_create_double(env, s, &out);
  return out;
}

// ---------------------------------------------------------------- BLAS facts

napi_value BlasInfo(napi_env env, napi_callback_info info) {
  napi_value obj, core, threads;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, openblas_get_corename(), NAPI_AUTO_LENGTH, &core);
  napi_create_int32(env, openblas_get_num_threads(), &threads);
  napi_set_named_property(env, obj, "coreName", core);
  napi_set_named_property(env, obj, "threads", threads);
  return obj;
}

napi_value SetBlasThreads(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int64_t n = a.num(0);
  if (!a.ok) return nullptr;
  openblas_set_num_threads((int)std::max<int64_t>(1, n));
  team().resize((int)std::max<int64_t>(1, n));
  return undefined(env);
}

// setConvColumnFloats(n): the im2col buffer limit in floats (n >= 1); returns the previous one.
napi_value SetConvColumnFloats(napi_env env, napi_callback_info info) {
  Args a(env, info);
  int64_t n = a.num(0);
  if (!a.ok) return nullptr;
  if (n < 1) { a.fail("the column buffer limit must be at least one float"); return nullptr; }
  napi_value previous;
  napi_create_int64(env, columnFloatsLimit().exchange(n), &previous);
  return previous;
}

}  // namespace

NAPI_MODULE_INIT() {
  struct Entry { const char *name; napi_callback fn; };
  const Entry entries[] = {
      {"gemm", Gemm}, {"biasActivation", BiasActivation}, {"conv2d", Conv2D},
      {"conv2dBackpropInput", Conv2DBackpropInput}, {"conv2dBackpropFilter", Conv2DBackpropFilter},
      {"maxPoolGrad", MaxPoolGrad}, {"segmentSum", SegmentSum}, {"copyBlocks", CopyBlocks}, {"sparseSoftmaxCE", SparseSoftmaxCE},
      {"sparseSoftmaxCEGrad", SparseSoftmaxCEGrad}, {"softmax", Softmax}, {"causalSoftmax", CausalSoftmax},
      {"softmaxGrad", SoftmaxGrad}, {"gelu", Gelu}, {"dropout", Dropout}, {"geluGrad", GeluGrad}, {"layerNorm", LayerNorm},
      {"layerNormGrad", LayerNormGrad}, {"binary", Binary}, {"unary", Unary}, {"sum", Sum},
      {"adamw", AdamW}, {"sumSquares", SumSquares}, {"blasInfo", BlasInfo}, {"setBlasThreads", SetBlasThreads},
      {"setConvColumnFloats", SetConvColumnFloats},
  };
  for (const Entry &e : entries) {
    napi_value fn;
    napi_create_function(env, e.name, NAPI_AUTO_LENGTH, e.fn, nullptr, &fn);
    napi_set_named_property(env, exports, e.name, fn);
  }
  return exports;
}
