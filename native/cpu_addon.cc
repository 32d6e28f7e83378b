// The tiny addon the loader reads before choosing a variant. Compiled with no ISA flags, so it
// runs on every CPU of its architecture; it must stay free of anything variant-specific.
#include <napi.h>

#include "cpu.h"

namespace {

Napi::Array ToArray(Napi::Env env, const std::vector<std::string>& items) {
  Napi::Array out = Napi::Array::New(env, items.size());
  for (size_t i = 0; i < items.size(); ++i) out.Set(i, items[i]);
  return out;
}

// detect() -> { arch, features: string[], supported: string[] (best first) }
Napi::Value Detect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const tp::CpuFeatures features = tp::DetectCpuFeatures();
  Napi::Object out = Napi::Object::New(env);
  out.Set("arch", features.arch);
  out.Set("features", ToArray(env, features.Names()));
  out.Set("supported", ToArray(env, tp::SupportedVariants(features)));
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("detect", Napi::Function::New(env, Detect, "detect"));
  return exports;
}

}  // namespace

NODE_API_MODULE(NODE_GYP_MODULE_NAME, Init)
