#include <memory>

#include "napi/addon_data.h"
#include "napi/model_object.h"
#include "napi/model_wraps.h"

namespace tp::napi {

namespace {

class EmbeddingModelObject : public ModelObject<EmbeddingModelObject, EmbeddingModel> {
 public:
  static constexpr const char* kClassName = "EmbeddingModel";
  static constexpr const char* kLoaderName = "loadEmbeddingModel";
  static constexpr napi_type_tag kTag = {0x7469636b65745f70ULL, 0x656d6265645f6d64ULL};

  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, kClassName,
                       {InstanceMethod<&EmbeddingModelObject::Embed>("embed"),
                        InstanceMethod<&EmbeddingModelObject::Encode>("encode"),
                        InstanceMethod<&EmbeddingModelObject::Info>("info"),
                        InstanceMethod("close", &EmbeddingModelObject::Close)});
  }

  using ModelObject::ModelObject;

 private:
  // embed(texts: string[]) -> Promise<{ data: Float32Array, dim: number }>
  Napi::Value Embed(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ModelPtr model = Model(env);  // keeps the session alive until the work is done, even after close()
    auto texts = std::make_shared<std::vector<std::string>>(
        RequireStringArray(env, info.Length() ? info[0] : env.Undefined(), "texts"));
    return AsyncTask<EmbeddingModel::Result>::Start(
        env, "ticket-processor:embed", [model, texts] { return model->Embed(*texts); },
        [](Napi::Env env, EmbeddingModel::Result& r) { return EmbeddingResultToJs(env, r); });
  }

  // encode(texts: string[]) -> the exact batches embed() would run, for benchmarks and tests.
  Napi::Value Encode(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const ModelPtr& model = Model(env);
    const auto texts = RequireStringArray(env, info.Length() ? info[0] : env.Undefined(), "texts");
    return EncodedBatchesToJs(env, Rethrowing(env, [&] { return model->Encode(texts); }));
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const EmbeddingModel& model = *Model(env);
    Napi::Object o = Napi::Object::New(env);
    o.Set("inputs", TensorSpecsToJs(env, model.session().inputs()));
    o.Set("outputs", TensorSpecsToJs(env, model.session().outputs()));
    o.Set("outputName", model.output_name());
    o.Set("pooledOutput", model.pooled_output());
    o.Set("dim", static_cast<double>(model.declared_dim()));
    o.Set("maxLength", static_cast<double>(model.config().max_length));
    o.Set("tokenBudget", static_cast<double>(model.config().limits.token_budget));
    o.Set("maxBatch", static_cast<double>(model.config().limits.max_batch));
    o.Set("normalize", model.config().normalize);
    o.Set("vocabSize", static_cast<double>(model.tokenizer().vocab_size()));
    o.Set("maxTokenId", static_cast<double>(model.tokenizer().max_id()));
    o.Set("tokenizerFingerprint", Hex64(model.tokenizer().fingerprint()));
    return o;
  }
};

// loadEmbeddingModel({ modelPath, modelBytes?, tokenizerJson, maxLength, tokenBudget, maxBatch, normalize })
//   -> Promise<EmbeddingModel>. Parsing and session creation (graph optimization) run off the
//   JavaScript thread.
Napi::Value LoadEmbeddingModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object options = RequireObject(info, 0, "options");
  const std::string model_path = RequireString(options, "modelPath");
  // modelBytes: the graph of modelPath rewritten by src/models/attention-fusion, when it changed.
  auto model_bytes = OptionalBytes(options, "modelBytes");
  auto tokenizer_json = std::make_shared<std::string>(RequireString(options, "tokenizerJson"));
  EmbeddingConfig config;
  config.max_length = RequireSize(options, "maxLength", 2, 1 << 20);
  config.limits = ReadBatchLimits(options);
  config.normalize = RequireBool(options, "normalize");
  if (!ort::IsInitialized())
    throw MakeError(env, "NATIVE_LOAD_FAILED", "ONNX Runtime is not initialized; call initRuntime() first");

  AddonData* data = env.GetInstanceData<AddonData>();
  return AsyncTask<EmbeddingModelObject::ModelPtr>::Start(
      env, "ticket-processor:load-embedding-model",
      [model_path, model_bytes, tokenizer_json, config]() -> EmbeddingModelObject::ModelPtr {
        std::shared_ptr<const Tokenizer> tokenizer = ParseTokenizer(*tokenizer_json);
        return std::make_shared<const EmbeddingModel>(ort::Session::Load(model_path, model_bytes.get()), tokenizer, config);
      },
      [data](Napi::Env env, EmbeddingModelObject::ModelPtr& model) {
        return EmbeddingModelObject::NewInstance(env, data->embedding_model_ctor, std::move(model));
      });
}

}  // namespace

std::shared_ptr<const EmbeddingModel> UnwrapEmbeddingModel(Napi::Env env, Napi::Value value) {
  return EmbeddingModelObject::ModelOf(env, env.GetInstanceData<AddonData>()->embedding_model_ctor, value,
                                      "models.embedding");
}

void InitEmbedding(Napi::Env env, Napi::Object exports, AddonData& data) {
  Napi::Function ctor = EmbeddingModelObject::Define(env);
  data.embedding_model_ctor = Napi::Persistent(ctor);
  exports.Set("EmbeddingModel", ctor);
  exports.Set("loadEmbeddingModel", Napi::Function::New(env, LoadEmbeddingModel, "loadEmbeddingModel"));
}

}  // namespace tp::napi
