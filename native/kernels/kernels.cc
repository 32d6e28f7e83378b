#include "kernels/kernels.h"

#include <algorithm>
#include <queue>
#include <cmath>
#include <cstring>
#include <limits>

#if defined(TP_SIMD_AVX512) && defined(__GNUC__) && !defined(__clang__)
// GCC 12's AVX-512 intrinsics use _mm512_undefined_ps() internally and trip
// -Wmaybe-uninitialized wherever they are inlined (GCC bug 105593): not a bug of this file.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#if defined(TP_SIMD_AVX512) || defined(TP_SIMD_AVX2)
#include <immintrin.h>
#elif defined(TP_SIMD_NEON)
#include <arm_neon.h>
#endif

namespace tp::kernels {

namespace {

// dst[i] += src[i]
inline void AddInto(float* dst, const float* src, size_t n) {
  size_t i = 0;
#if defined(TP_SIMD_AVX512)
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(dst + i, _mm512_add_ps(_mm512_loadu_ps(dst + i), _mm512_loadu_ps(src + i)));
#elif defined(TP_SIMD_AVX2)
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(dst + i, _mm256_add_ps(_mm256_loadu_ps(dst + i), _mm256_loadu_ps(src + i)));
#elif defined(TP_SIMD_NEON)
  for (; i + 4 <= n; i += 4) vst1q_f32(dst + i, vaddq_f32(vld1q_f32(dst + i), vld1q_f32(src + i)));
#endif
  for (; i < n; ++i) dst[i] += src[i];
}

// x[i] *= s
inline void Scale(float* x, float s, size_t n) {
  size_t i = 0;
#if defined(TP_SIMD_AVX512)
  const __m512 vs = _mm512_set1_ps(s);
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, _mm512_mul_ps(_mm512_loadu_ps(x + i), vs));
#elif defined(TP_SIMD_AVX2)
  const __m256 vs = _mm256_set1_ps(s);
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), vs));
#elif defined(TP_SIMD_NEON)
  const float32x4_t vs = vdupq_n_f32(s);
  for (; i + 4 <= n; i += 4) vst1q_f32(x + i, vmulq_f32(vld1q_f32(x + i), vs));
#endif
  for (; i < n; ++i) x[i] *= s;
}

// exp(x) for a vector of floats: x = n ln2 + r, |r| <= ln2/2, exp(r) by Cephes' expf
// polynomial, times 2^n built in the exponent bits. Inputs are clamped to the float range, so
// -inf gives exp(-87.3) ~ 1e-38 (not 0) and +inf saturates: fine for softmax after the max is
// subtracted.
constexpr float kExpHi = 88.3762626647949f, kExpLo = -87.3365447504f;
constexpr float kLog2e = 1.44269504088896341f, kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
constexpr float kP0 = 1.9875691500e-4f, kP1 = 1.3981999507e-3f, kP2 = 8.3334519073e-3f,
                kP3 = 4.1665795894e-2f, kP4 = 1.6666665459e-1f, kP5 = 5.0000001201e-1f;

#if defined(TP_SIMD_AVX512)
inline __m512 Exp16(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(kExpLo)), _mm512_set1_ps(kExpHi));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Hi), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Lo), r);
  __m512 p = _mm512_set1_ps(kP0);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP1));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP2));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP3));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP4));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP5));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_scalef_ps(p, n);
}
#elif defined(TP_SIMD_AVX2)
inline __m256 Exp8(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(kExpLo)), _mm256_set1_ps(kExpHi));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Hi), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Lo), r);
  __m256 p = _mm256_set1_ps(kP0);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP1));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP2));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP3));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP4));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP5));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}
#elif defined(TP_SIMD_NEON)
inline float32x4_t Exp4(float32x4_t x) {
  x = vminq_f32(vmaxq_f32(x, vdupq_n_f32(kExpLo)), vdupq_n_f32(kExpHi));
  const float32x4_t n = vrndnq_f32(vmulq_f32(x, vdupq_n_f32(kLog2e)));
  float32x4_t r = vfmsq_f32(x, n, vdupq_n_f32(kLn2Hi));
  r = vfmsq_f32(r, n, vdupq_n_f32(kLn2Lo));
  float32x4_t p = vdupq_n_f32(kP0);
  p = vfmaq_f32(vdupq_n_f32(kP1), p, r);
  p = vfmaq_f32(vdupq_n_f32(kP2), p, r);
  p = vfmaq_f32(vdupq_n_f32(kP3), p, r);
  p = vfmaq_f32(vdupq_n_f32(kP4), p, r);
  p = vfmaq_f32(vdupq_n_f32(kP5), p, r);
  p = vfmaq_f32(vaddq_f32(r, vdupq_n_f32(1.0f)), p, vmulq_f32(r, r));
  const int32x4_t e = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
  return vmulq_f32(p, vreinterpretq_f32_s32(e));
}
#endif

inline float MaxOf(const float* x, size_t n) {
  float m = -std::numeric_limits<float>::infinity();
  size_t i = 0;
#if defined(TP_SIMD_AVX512)
  __m512 vm = _mm512_set1_ps(m);
  for (; i + 16 <= n; i += 16) vm = _mm512_max_ps(vm, _mm512_loadu_ps(x + i));
  m = _mm512_reduce_max_ps(vm);
#elif defined(TP_SIMD_AVX2)
  __m256 vm = _mm256_set1_ps(m);
  for (; i + 8 <= n; i += 8) vm = _mm256_max_ps(vm, _mm256_loadu_ps(x + i));
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, vm);
  for (float lane : lanes) m = std::max(m, lane);
#elif defined(TP_SIMD_NEON)
  float32x4_t vm = vdupq_n_f32(m);
  for (; i + 4 <= n; i += 4) vm = vmaxq_f32(vm, vld1q_f32(x + i));
  m = vmaxvq_f32(vm);
#endif
  for (; i < n; ++i) m = std::max(m, x[i]);
  return m;
}

// out[i] = exp(x[i] - shift); returns the sum of the outputs.
inline float ExpShifted(const float* x, float shift, size_t n, float* out) {
  size_t i = 0;
  float sum = 0.0f;
#if defined(TP_SIMD_AVX512)
  const __m512 vs = _mm512_set1_ps(shift);
  __m512 acc = _mm512_setzero_ps();
  for (; i + 16 <= n; i += 16) {
    const __m512 e = Exp16(_mm512_sub_ps(_mm512_loadu_ps(x + i), vs));
    _mm512_storeu_ps(out + i, e);
    acc = _mm512_add_ps(acc, e);
  }
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, acc);
  for (float lane : lanes) sum += lane;
#elif defined(TP_SIMD_AVX2)
  const __m256 vs = _mm256_set1_ps(shift);
  __m256 acc = _mm256_setzero_ps();
  for (; i + 8 <= n; i += 8) {
    const __m256 e = Exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), vs));
    _mm256_storeu_ps(out + i, e);
    acc = _mm256_add_ps(acc, e);
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc);
  for (float lane : lanes) sum += lane;
#elif defined(TP_SIMD_NEON)
  const float32x4_t vs = vdupq_n_f32(shift);
  float32x4_t acc = vdupq_n_f32(0.0f);
  for (; i + 4 <= n; i += 4) {
    const float32x4_t e = Exp4(vsubq_f32(vld1q_f32(x + i), vs));
    vst1q_f32(out + i, e);
    acc = vaddq_f32(acc, e);
  }
  sum = vaddvq_f32(acc);
#endif
  // The scalar loop (all of the generic variant) sums in double: 50k-entry vocabulary rows
  // would otherwise lose ~1e-5 of relative precision in the sum.
  double tail = 0.0;
  for (; i < n; ++i) {
    out[i] = std::exp(x[i] - shift);
    tail += out[i];
  }
  return sum + static_cast<float>(tail);
}

}  // namespace

void ExpInPlace(float* x, size_t n) { ExpShifted(x, 0.0f, n, x); }

namespace {

// The rare path: NaN or infinite logits (a broken model). NaN counts as -inf; +inf entries
// share the mass; no finite value at all gives a uniform distribution. Never NaN out.
void SoftmaxNonFinite(const float* x, size_t n, float* out) {
  float max = -std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < n; ++i)
    if (!std::isnan(x[i])) max = std::max(max, x[i]);
  if (max == std::numeric_limits<float>::infinity() || max == -std::numeric_limits<float>::infinity()) {
    size_t count = 0;
    for (size_t i = 0; i < n; ++i) count += (x[i] == max) || max == -std::numeric_limits<float>::infinity();
    for (size_t i = 0; i < n; ++i) {
      const bool share = (x[i] == max) || max == -std::numeric_limits<float>::infinity();
      out[i] = share ? 1.0f / static_cast<float>(count) : 0.0f;
    }
    return;
  }
  float sum = 0.0f;
  for (size_t i = 0; i < n; ++i) sum += out[i] = std::isnan(x[i]) ? 0.0f : std::exp(x[i] - max);
  for (size_t i = 0; i < n; ++i) out[i] /= sum;
}

}  // namespace

void Softmax(const float* x, size_t n, float* out) {
  if (n == 0) return;
  const float max = MaxOf(x, n);
  if (std::isfinite(max)) {
    const float sum = ExpShifted(x, max, n, out);
    if (std::isfinite(sum) && sum > 0.0f) {
      Scale(out, 1.0f / sum, n);
      return;
    }
  }
  SoftmaxNonFinite(x, n, out);
}

void LogSoftmax(const float* x, size_t n, float* out) {
  if (n == 0) return;
  const float max = MaxOf(x, n);
  if (!std::isfinite(max)) {
    // A broken row (NaN/+inf) or nothing allowed (all -inf): take the softmax path's answer.
    SoftmaxNonFinite(x, n, out);
    for (size_t i = 0; i < n; ++i) out[i] = std::log(out[i]);
    return;
  }
  // exp into out (as scratch), then out = x - max - log(sum).
  const float sum = ExpShifted(x, max, n, out);
  const float shift = max + std::log(sum);
  size_t i = 0;
#if defined(TP_SIMD_AVX512)
  const __m512 vs = _mm512_set1_ps(shift);
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(out + i, _mm512_sub_ps(_mm512_loadu_ps(x + i), vs));
#elif defined(TP_SIMD_AVX2)
  const __m256 vs = _mm256_set1_ps(shift);
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, _mm256_sub_ps(_mm256_loadu_ps(x + i), vs));
#elif defined(TP_SIMD_NEON)
  const float32x4_t vs = vdupq_n_f32(shift);
  for (; i + 4 <= n; i += 4) vst1q_f32(out + i, vsubq_f32(vld1q_f32(x + i), vs));
#endif
  for (; i < n; ++i) out[i] = x[i] - shift;
}

size_t ArgMax(const float* x, size_t n) {
  size_t best = 0;
  float best_value = -std::numeric_limits<float>::infinity();
  bool found = false;
  for (size_t i = 0; i < n; ++i) {
    if (x[i] > best_value || (!found && !std::isnan(x[i]))) {
      best = i;
      best_value = x[i];
      found = true;
    }
  }
  return best;
}

namespace {

// Heap order: the root is the worst kept entry (lowest score; on equal scores the higher index,
// since lower indices win ties).
struct WorseFirst {
  bool operator()(const ScoredIndex& a, const ScoredIndex& b) const {
    return a.score > b.score || (a.score == b.score && a.index < b.index);
  }
};

}  // namespace

void TopK(const float* x, size_t n, size_t k, std::vector<ScoredIndex>& out) {
  out.clear();
  k = std::min(k, n);
  if (k == 0) return;
  std::vector<ScoredIndex> heap;
  heap.reserve(k + 1);
  WorseFirst worse;
  float threshold = -std::numeric_limits<float>::infinity();
  auto consider = [&](size_t i) {
    const float v = x[i];
    if (std::isnan(v)) return;
    if (heap.size() < k) {
      heap.push_back({v, static_cast<int32_t>(i)});
      std::push_heap(heap.begin(), heap.end(), worse);
      if (heap.size() == k) threshold = heap.front().score;
    } else if (v > threshold) {  // ties with the worst keep the earlier (lower) index
      std::pop_heap(heap.begin(), heap.end(), worse);
      heap.back() = {v, static_cast<int32_t>(i)};
      std::push_heap(heap.begin(), heap.end(), worse);
      threshold = heap.front().score;
    }
  };
  size_t i = 0;
  // Once the heap is full, whole vector blocks below the threshold are skipped: over a 50k
  // vocabulary almost every block is.
#if defined(TP_SIMD_AVX512)
  for (; i + 16 <= n; i += 16) {
    if (heap.size() == k) {
      const __mmask16 m = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + i), _mm512_set1_ps(threshold), _CMP_GT_OQ);
      if (m == 0) continue;
    }
    for (size_t j = i; j < i + 16; ++j) consider(j);
  }
#elif defined(TP_SIMD_AVX2)
  for (; i + 8 <= n; i += 8) {
    if (heap.size() == k) {
      const int m = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + i), _mm256_set1_ps(threshold), _CMP_GT_OQ));
      if (m == 0) continue;
    }
    for (size_t j = i; j < i + 8; ++j) consider(j);
  }
#elif defined(TP_SIMD_NEON)
  for (; i + 4 <= n; i += 4) {
    if (heap.size() == k) {
      const uint32x4_t m = vcgtq_f32(vld1q_f32(x + i), vdupq_n_f32(threshold));
      if (vmaxvq_u32(m) == 0) continue;
    }
    for (size_t j = i; j < i + 4; ++j) consider(j);
  }
#endif
  for (; i < n; ++i) consider(i);
  std::sort_heap(heap.begin(), heap.end(), worse);  // ascending by "worse": best first
  out = std::move(heap);
}

const char* SimdLevel() {
#if defined(TP_SIMD_AVX512)
  return "avx512";
#elif defined(TP_SIMD_AVX2)
  return "avx2";
#elif defined(TP_SIMD_NEON)
  return "neon";
#else
  return "scalar";
#endif
}

float Dot(const float* a, const float* b, size_t n) {
  size_t i = 0;
  float sum = 0.0f;
#if defined(TP_SIMD_AVX512)
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
    acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), acc1);
  }
  for (; i + 16 <= n; i += 16) acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
  // Horizontal sum through memory: GCC 12's 512->256 extract intrinsics trip -Wuninitialized
  // in its own headers, and this runs once per call.
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, _mm512_add_ps(acc0, acc1));
  for (float lane : lanes) sum += lane;
#elif defined(TP_SIMD_AVX2)
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
  const __m256 acc = _mm256_add_ps(acc0, acc1);
  __m128 lo = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
  lo = _mm_add_ss(lo, _mm_shuffle_ps(lo, lo, 0x55));
  sum = _mm_cvtss_f32(lo);
#elif defined(TP_SIMD_NEON)
  float32x4_t acc0 = vdupq_n_f32(0.0f), acc1 = vdupq_n_f32(0.0f);
  for (; i + 8 <= n; i += 8) {
    acc0 = vfmaq_f32(acc0, vld1q_f32(a + i), vld1q_f32(b + i));
    acc1 = vfmaq_f32(acc1, vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
  }
  sum = vaddvq_f32(vaddq_f32(acc0, acc1));
#else
  // Four partial sums: shorter dependency chains and the same association on every call.
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  sum = (s0 + s1) + (s2 + s3);
#endif
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

void DotRows(const float* query, const float* matrix, size_t rows, size_t dim, float* out) {
  for (size_t r = 0; r < rows; ++r) out[r] = Dot(query, matrix + r * dim, dim);
}

void MaskedMeanPool(const float* hidden, const int64_t* mask, size_t batch, size_t seq,
                    size_t dim, float* out) {
  for (size_t b = 0; b < batch; ++b) {
    float* acc = out + b * dim;
    std::memset(acc, 0, dim * sizeof(float));
    size_t count = 0;
    const float* rows = hidden + b * seq * dim;
    const int64_t* m = mask + b * seq;
    for (size_t s = 0; s < seq; ++s) {
      if (m[s] == 0) continue;
      AddInto(acc, rows + s * dim, dim);
      ++count;
    }
    Scale(acc, 1.0f / static_cast<float>(std::max<size_t>(count, 1)), dim);
  }
}

void L2NormalizeRows(float* rows, size_t n, size_t dim) {
  for (size_t r = 0; r < n; ++r) {
    float* x = rows + r * dim;
    const float norm = std::sqrt(Dot(x, x, dim));
    Scale(x, 1.0f / std::max(norm, 1e-12f), dim);
  }
}

}  // namespace tp::kernels
