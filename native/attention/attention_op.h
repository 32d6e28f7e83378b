// The fused attention operator, registered with ONNX Runtime as a custom op:
//   ai.ticket_processor::MaskedSelfAttention (since version 1)
//   inputs   query            float [batch, queries, hidden]  the projections before their
//            key, value       float [batch, seq, hidden]      bias (queries = seq, or fewer
//                                                             when only the first rows are read)
//            bias             float [3 * hidden]              q, k and v biases
//            attention_mask   int64 [batch, seq]              nonzero = attend
//   attrs    num_heads (int), scale (float)
//   output   float [batch, queries, hidden]                   heads merged
// src/models/attention-fusion rewrites the attention blocks of BERT and DistilBERT exports
// into it at load; the math is kernels/attention.cc. Why: ONNX Runtime's CPU graph for these
// exports spends ~20% of an embedding call in small per-head MatMuls, Softmax, the additive
// mask and four Transposes (README, Benchmarks).
#pragma once

#include <onnxruntime_c_api.h>

namespace tp::ort {

inline constexpr const char* kAttentionOp = "MaskedSelfAttention";

// The op's definition, for the addon's domain (custom_ops/op_domain.h).
const OrtCustomOp& AttentionOp();

}  // namespace tp::ort
