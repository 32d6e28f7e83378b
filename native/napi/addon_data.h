// Per-environment state of the addon (one per Node.js thread or worker that loads it).
#pragma once

#include <napi.h>

namespace tp::napi {

struct AddonData {
  Napi::FunctionReference embedding_model_ctor;
};

// Tags the External that carries a native model into its JavaScript wrapper, so a foreign
// External can never be mistaken for one.
inline constexpr napi_type_tag kModelTag = {0x7469636b65745f70ULL, 0x656d6265645f6d64ULL};

void InitRuntime(Napi::Env env, Napi::Object exports);
void InitTokenizer(Napi::Env env, Napi::Object exports);
void InitEmbedding(Napi::Env env, Napi::Object exports, AddonData& data);
void InitKernels(Napi::Env env, Napi::Object exports);

}  // namespace tp::napi
