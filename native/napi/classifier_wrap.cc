#include <memory>

#include "napi/addon_data.h"
#include "napi/model_object.h"
#include "napi/model_wraps.h"

namespace tp::napi {

namespace {

class ClassifierModelObject : public ModelObject<ClassifierModelObject, ClassifierModel> {
 public:
  static constexpr const char* kClassName = "ClassifierModel";
  static constexpr const char* kLoaderName = "loadClassifierModel";
  static constexpr napi_type_tag kTag = {0x7469636b65745f70ULL, 0x636c61737369666eULL};

  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, kClassName,
                       {InstanceMethod<&ClassifierModelObject::Classify>("classify"),
                        InstanceMethod<&ClassifierModelObject::Encode>("encode"),
                        InstanceMethod<&ClassifierModelObject::Info>("info"),
                        InstanceMethod("close", &ClassifierModelObject::Close)});
  }

  using ModelObject::ModelObject;

 private:
  // classify(texts: string[]) -> Promise<{ logits, probs: Float32Array, labels: number }>
  Napi::Value Classify(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ModelPtr model = Model(env);
    auto texts = std::make_shared<std::vector<std::string>>(
        RequireStringArray(env, info.Length() ? info[0] : env.Undefined(), "texts"));
    return AsyncTask<ClassifierModel::Result>::Start(
        env, "ticket-processor:classify", [model, texts] { return model->Classify(*texts); },
        [](Napi::Env env, ClassifierModel::Result& r) { return ClassificationResultToJs(env, r); });
  }

  Napi::Value Encode(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const ModelPtr& model = Model(env);
    const auto texts = RequireStringArray(env, info.Length() ? info[0] : env.Undefined(), "texts");
    return EncodedBatchesToJs(env, Rethrowing(env, [&] { return model->Encode(texts); }));
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const ClassifierModel& model = *Model(env);
    Napi::Object o = Napi::Object::New(env);
    o.Set("inputs", TensorSpecsToJs(env, model.session().inputs()));
    o.Set("outputs", TensorSpecsToJs(env, model.session().outputs()));
    o.Set("labels", static_cast<double>(model.declared_labels()));
    o.Set("maxLength", static_cast<double>(model.config().max_length));
    o.Set("tokenBudget", static_cast<double>(model.config().limits.token_budget));
    o.Set("maxBatch", static_cast<double>(model.config().limits.max_batch));
    o.Set("vocabSize", static_cast<double>(model.tokenizer().vocab_size()));
    o.Set("maxTokenId", static_cast<double>(model.tokenizer().max_id()));
    o.Set("tokenizerFingerprint", Hex64(model.tokenizer().fingerprint()));
    return o;
  }
};

// loadClassifierModel({ modelPath, modelBytes?, tokenizerJson, maxLength, tokenBudget, maxBatch })
//   -> Promise<ClassifierModel>
Napi::Value LoadClassifierModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object options = RequireObject(info, 0, "options");
  const std::string model_path = RequireString(options, "modelPath");
  // modelBytes: the graph of modelPath rewritten by src/models/attention-fusion, when it changed.
  auto model_bytes = OptionalBytes(options, "modelBytes");
  auto tokenizer_json = std::make_shared<std::string>(RequireString(options, "tokenizerJson"));
  ClassifierConfig config;
  config.max_length = RequireSize(options, "maxLength", 2, 1 << 20);
  config.limits = ReadBatchLimits(options);
  if (!ort::IsInitialized())
    throw MakeError(env, "NATIVE_LOAD_FAILED", "ONNX Runtime is not initialized; call initRuntime() first");

  AddonData* data = env.GetInstanceData<AddonData>();
  return AsyncTask<ClassifierModelObject::ModelPtr>::Start(
      env, "ticket-processor:load-classifier-model",
      [model_path, model_bytes, tokenizer_json, config]() -> ClassifierModelObject::ModelPtr {
        std::shared_ptr<const Tokenizer> tokenizer = ParseTokenizer(*tokenizer_json);
        return std::make_shared<const ClassifierModel>(ort::Session::Load(model_path, model_bytes.get()), tokenizer, config);
      },
      [data](Napi::Env env, ClassifierModelObject::ModelPtr& model) {
        return ClassifierModelObject::NewInstance(env, data->classifier_model_ctor, std::move(model));
      });
}

}  // namespace

std::shared_ptr<const ClassifierModel> UnwrapClassifierModel(Napi::Env env, Napi::Value value) {
  return ClassifierModelObject::ModelOf(env, env.GetInstanceData<AddonData>()->classifier_model_ctor, value,
                                       "models.classifier");
}

void InitClassifier(Napi::Env env, Napi::Object exports, AddonData& data) {
  Napi::Function ctor = ClassifierModelObject::Define(env);
  data.classifier_model_ctor = Napi::Persistent(ctor);
  exports.Set("ClassifierModel", ctor);
  exports.Set("loadClassifierModel", Napi::Function::New(env, LoadClassifierModel, "loadClassifierModel"));
}

}  // namespace tp::napi
