// The addon's own numeric kernels. These are the code that differs between the CPU variants:
// binding.gyp compiles this file once per variant with TP_SIMD_<LEVEL> defined and the
// matching -march, so each variant gets its own hand-vectorized loops. (ONNX Runtime picks
// its own kernels at run time; the variants do not change what happens inside ORT.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tp::kernels {

// "scalar", "avx2", "avx512" or "neon": which implementation this build compiled.
const char* SimdLevel();

// hidden: [batch, seq, dim] row-major; mask: [batch, seq] of 0/1; out: [batch, dim].
// out[b] = sum over s with mask[b][s] != 0 of hidden[b][s] / max(count, 1).
void MaskedMeanPool(const float* hidden, const int64_t* mask, size_t batch, size_t seq,
                    size_t dim, float* out);

// Scales each row of rows[n][dim] to unit L2 length (rows of norm < 1e-12 are left as
// x / 1e-12, matching torch.nn.functional.normalize's eps).
void L2NormalizeRows(float* rows, size_t n, size_t dim);

float Dot(const float* a, const float* b, size_t n);

// out[r] = dot(query, matrix[r]) for r < rows; matrix is [rows][dim].
void DotRows(const float* query, const float* matrix, size_t rows, size_t dim, float* out);

// out = softmax(x) over n values (max-subtracted; out may alias x). Exponentials are
// vectorized in the SIMD variants (Cephes-style polynomial, ~2e-7 relative error).
void Softmax(const float* x, size_t n, float* out);

// x[i] = exp(x[i]), same accuracy as Softmax's.
void ExpInPlace(float* x, size_t n);

// out = log(softmax(x)) over n values (out may alias x); -inf entries stay -inf.
void LogSoftmax(const float* x, size_t n, float* out);

// Index of the largest value (the first one on ties); n must be > 0. NaN never wins.
size_t ArgMax(const float* x, size_t n);

struct ScoredIndex {
  float score;
  int32_t index;
};

// The k largest values of x with their indices, best first; ties go to the lower index (as a
// stable sort would). k is capped at n. -inf entries are returned only if fewer than k finite
// ones exist; NaN entries never.
void TopK(const float* x, size_t n, size_t k, std::vector<ScoredIndex>& out);

}  // namespace tp::kernels
