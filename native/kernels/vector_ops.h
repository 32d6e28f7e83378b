// Vector registers for the kernels written once over GCC/Clang vector extensions and compiled
// per CPU variant (attention.cc, gemm.cc): one register of the widest kind the variant's -march
// allows, 16 floats with AVX-512, 8 with AVX2, 4 with SSE2 or NEON. (Wider-than-register
// vector types compile to slow code.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace tp::kernels::vec {

#if defined(__AVX512F__)
inline constexpr size_t kVectorBytes = 64;
#elif defined(__AVX2__)
inline constexpr size_t kVectorBytes = 32;
#else
inline constexpr size_t kVectorBytes = 16;
#endif
typedef float V __attribute__((vector_size(kVectorBytes)));
typedef int32_t VI __attribute__((vector_size(kVectorBytes)));
inline constexpr size_t kLanes = kVectorBytes / sizeof(float);
// Architectural vector registers: how large a register tile of accumulators can be.
#if defined(__AVX512F__) || defined(__aarch64__)
inline constexpr size_t kRegisters = 32;
#else
inline constexpr size_t kRegisters = 16;
#endif

inline V Load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void Store(float* p, V v) { std::memcpy(p, &v, sizeof v); }
inline V Splat(float x) { return V{} + x; }
inline size_t RoundUp(size_t n) { return (n + kLanes - 1) / kLanes * kLanes; }

// exp(x), the Cephes expf polynomial of kernels.cc (~2e-7 relative error) in vector-extension
// form. Rounding to the nearest integer adds and subtracts 1.5 * 2^23, which every target can
// vectorize (SSE2 has no round instruction).
inline V Exp(V x) {
  const V lo = Splat(-87.3365447504f), hi = Splat(88.3762626647949f);
  x = x < lo ? lo : x;
  x = x > hi ? hi : x;
  const V magic = Splat(12582912.0f);
  const V n = (x * 1.44269504088896341f + magic) - magic;
  V r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  V p = Splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + (r + 1.0f);
  const VI e = (__builtin_convertvector(n, VI) + 127) << 23;
  return p * (V)e;
}

}  // namespace tp::kernels::vec
