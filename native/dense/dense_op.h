// The fused dense layer, registered with ONNX Runtime as a custom op:
//   ai.ticket_processor::Dense (since version 1)
//   inputs   X         float [..., K]
//            W         float [K, N]   a constant initializer: packed once, when the session loads
//            bias      float [N]      optional ('' or absent)
//            residual  float          optional: the output's shape, or one that broadcasts to it
//   attrs    activation (string)      "none" (default) or "gelu" (exact, erf)
//   output   float [..., N] = activation(X . W + bias) + residual
// src/models/dense-fusion rewrites an encoder's MatMul -> Add(bias) -> GELU / Add(residual)
// chains into it at load; the math is kernels/gemm.cc. Why: in ONNX Runtime's profile of these
// encoders the MatMuls are ~75% of the time and the bias Adds, GELU and residual Adds another
// ~10%, each a separate pass over the activations (README, Benchmarks).
#pragma once

#include <onnxruntime_c_api.h>

namespace tp::ort {

inline constexpr const char* kDenseOp = "Dense";

// The op's definition, for the addon's domain (custom_ops/op_domain.h).
const OrtCustomOp& DenseOp();

}  // namespace tp::ort
