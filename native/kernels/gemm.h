// Dense layers with constant weights: Y = activation(X . W + bias) + residual, the matrix
// product of an encoder's projections and feed-forward layers with its epilogue fused in, so
// that the bias Add, the GELU and the residual Add are not each another pass over memory.
// Compiled per CPU variant like kernels.cc; the register tile is sized to the variant's vector
// registers (14 rows x 2 registers with AVX-512's 32 registers, 6 x 2 with AVX2's and SSE's 16).
//
// The weights are packed once, when a model loads, into column panels laid out in the order
// the inner loop reads them; the activations are read in place. A chunk of W's columns (one pass
// deep) stays in L2 while every row tile of the call passes over it, and a tile's rows of X stay
// in L1 while the chunk's panels pass under them. Threads should get one large contiguous range
// each, not many small ones, so that each reuses its chunks of W across all its rows.
#pragma once

#include <cstddef>
#include <vector>

namespace tp::kernels {

enum class Activation { kNone, kGelu };

// W [k][n] row-major, repacked: ceil(n / PanelWidth()) panels of [k][PanelWidth()] floats,
// columns past n zero.
// The panels start on a 64-byte boundary: every vector load of a panel row is then one cache
// line, never two.
struct PackedWeights {
  size_t k = 0;
  size_t n = 0;
  const float* panels = nullptr;  // into storage
  std::vector<float> storage;

  PackedWeights() = default;
  PackedWeights(PackedWeights&&) = default;  // a moved vector keeps its buffer: panels stays valid
  PackedWeights& operator=(PackedWeights&&) = default;
  PackedWeights(const PackedWeights&) = delete;
  PackedWeights& operator=(const PackedWeights&) = delete;
};

// Columns per packed panel in this variant (a multiple of the vector width).
size_t DensePanelWidth();

PackedWeights PackWeights(const float* w, size_t k, size_t n);

struct DenseEpilogue {
  const float* bias = nullptr;      // [n], or null
  Activation activation = Activation::kNone;
  const float* residual = nullptr;  // [m][n] like the output, added after the activation, or null
};

// Per-thread working memory (a partial last tile of X, zero-padded), reused across calls.
struct DenseScratch {
  std::vector<float> partial_tile;
};

// Rows of the register tile: row ranges given to DenseRows should be multiples of it (except
// the last), so that only the end of X needs a partial tile.
size_t DenseTileRows();

// y[r][c] = act(sum_i x[r][i] * w[i][c] + bias[c]) + residual[r][c] for rows r in
// [row_begin, row_end) and columns c in [col_begin, col_end); x is [m][k], y and residual are
// [m][n] row-major. col_begin must be a multiple of DensePanelWidth().
void DenseRows(const float* x, const PackedWeights& w, const DenseEpilogue& epilogue, size_t row_begin,
               size_t row_end, size_t col_begin, size_t col_end, float* y, DenseScratch& scratch);

// The exact GELU, 0.5 x (1 + erf(x / sqrt 2)), in place over n values (for tests and benchmarks:
// the same code as the fused epilogue).
void GeluInPlace(float* x, size_t n);

}  // namespace tp::kernels
