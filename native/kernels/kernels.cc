#include "kernels/kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>

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

}  // namespace

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
