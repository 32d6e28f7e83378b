// Node-API entry point of one CPU variant of the addon (binding.gyp builds this file once per
// variant, with TP_VARIANT naming it). Only registration lives here; see native/napi/.
#include <napi.h>

#include "napi/addon_data.h"

#ifndef TP_VARIANT
#error "TP_VARIANT must name the CPU variant being built (binding.gyp sets it)"
#endif

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new tp::napi::AddonData();
  env.SetInstanceData<tp::napi::AddonData>(data);
  exports.Set("variant", Napi::String::New(env, TP_VARIANT));
  tp::napi::InitRuntime(env, exports);
  tp::napi::InitTokenizer(env, exports);
  tp::napi::InitEmbedding(env, exports, *data);
  tp::napi::InitClassifier(env, exports, *data);
  tp::napi::InitAnalyze(env, exports);
  tp::napi::InitSeq2Seq(env, exports, *data);
  tp::napi::InitKernels(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(NODE_GYP_MODULE_NAME, Init)
