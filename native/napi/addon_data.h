// Per-environment state of the addon (one per Node.js thread or worker that loads it).
#pragma once

#include <napi.h>

namespace tp::napi {

struct AddonData {
  Napi::FunctionReference embedding_model_ctor;
  Napi::FunctionReference classifier_model_ctor;
  Napi::FunctionReference seq2seq_model_ctor;
};

void InitRuntime(Napi::Env env, Napi::Object exports);
void InitTokenizer(Napi::Env env, Napi::Object exports);
void InitEmbedding(Napi::Env env, Napi::Object exports, AddonData& data);
void InitClassifier(Napi::Env env, Napi::Object exports, AddonData& data);
void InitAnalyze(Napi::Env env, Napi::Object exports);
void InitSeq2Seq(Napi::Env env, Napi::Object exports, AddonData& data);
void InitKernels(Napi::Env env, Napi::Object exports);

}  // namespace tp::napi
