// The addon's custom op domain, ai.ticket_processor, holding the ops the load-time graph
// rewrites (src/models/attention-fusion, src/models/dense-fusion) put into encoder graphs:
//   MaskedSelfAttention  native/attention/attention_op.h
//   Dense                native/dense/dense_op.h
// Every session is created with it; a graph that uses none of its ops is unaffected.
#pragma once

#include <onnxruntime_c_api.h>

namespace tp::ort {

inline constexpr const char* kCustomOpDomain = "ai.ticket_processor";

// Created on first use and kept for the life of the process (sessions refer to it). Throws
// tp::Error NATIVE_LOAD_FAILED if ORT refuses it.
OrtCustomOpDomain* CustomOpDomain(const OrtApi& api);

}  // namespace tp::ort
