#include <cstring>
#include <memory>

#include "embedding/embedding_model.h"
#include "napi/addon_data.h"
#include "napi/args.h"
#include "napi/async_task.h"

namespace tp::napi {

namespace {

using ModelPtr = std::shared_ptr<const EmbeddingModel>;

const char* TypeName(ONNXTensorElementDataType t) {
  switch (t) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT: return "float32";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16: return "float16";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE: return "float64";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64: return "int64";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32: return "int32";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8: return "int8";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8: return "uint8";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL: return "bool";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED: return "non-tensor";
    default: return "other";
  }
}

Napi::Array SpecsToJs(Napi::Env env, const std::vector<ort::TensorSpec>& specs) {
  Napi::Array out = Napi::Array::New(env, specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", specs[i].name);
    o.Set("type", TypeName(specs[i].type));
    Napi::Array dims = Napi::Array::New(env, specs[i].dims.size());
    for (size_t d = 0; d < specs[i].dims.size(); ++d) dims.Set(d, static_cast<double>(specs[i].dims[d]));
    o.Set("dims", dims);
    out.Set(i, o);
  }
  return out;
}

Napi::BigInt64Array ToBigInt64Array(Napi::Env env, const std::vector<int64_t>& v) {
  Napi::BigInt64Array out = Napi::BigInt64Array::New(env, v.size());
  if (!v.empty()) std::memcpy(out.Data(), v.data(), v.size() * sizeof(int64_t));
  return out;
}

// The JavaScript face of a loaded embedding model. Created only by loadEmbeddingModel().
class EmbeddingModelWrap : public Napi::ObjectWrap<EmbeddingModelWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "EmbeddingModel",
                       {InstanceMethod<&EmbeddingModelWrap::Embed>("embed"),
                        InstanceMethod<&EmbeddingModelWrap::Encode>("encode"),
                        InstanceMethod<&EmbeddingModelWrap::Info>("info"),
                        InstanceMethod<&EmbeddingModelWrap::Close>("close")});
  }

  explicit EmbeddingModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EmbeddingModelWrap>(info) {
    if (info.Length() != 1 || !info[0].IsExternal() || !info[0].As<Napi::External<ModelPtr>>().CheckTypeTag(&kModelTag))
      ThrowType(info.Env(), "EmbeddingModel cannot be constructed directly; use loadEmbeddingModel()");
    model_ = *info[0].As<Napi::External<ModelPtr>>().Data();
  }

 private:
  const EmbeddingModel& Model(Napi::Env env) const {
    if (!model_) throw MakeError(env, "ENRICHER_CLOSED", "this embedding model was closed");
    return *model_;
  }

  // embed(texts: string[]) -> Promise<{ data: Float32Array, dim: number }>
  Napi::Value Embed(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Model(env);
    auto texts = std::make_shared<std::vector<std::string>>(
        RequireStringArray(env, info.Length() ? info[0] : env.Undefined(), "texts"));
    ModelPtr model = model_;  // keeps the session alive until the work is done, even after close()
    return AsyncTask<EmbeddingModel::Result>::Start(
        env, "ticket-processor:embed", [model, texts] { return model->Embed(*texts); },
        [](Napi::Env env, EmbeddingModel::Result& r) -> Napi::Value {
          Napi::Float32Array data = Napi::Float32Array::New(env, r.data.size());
          if (!r.data.empty()) std::memcpy(data.Data(), r.data.data(), r.data.size() * sizeof(float));
          Napi::Object out = Napi::Object::New(env);
          out.Set("data", data);
          out.Set("dim", static_cast<double>(r.dim));
          return out;
        });
  }

  // encode(texts: string[]) -> the exact batches embed() would run, for benchmarks and tests.
  Napi::Value Encode(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const EmbeddingModel& model = Model(env);
    const auto texts = RequireStringArray(env, info.Length() ? info[0] : env.Undefined(), "texts");
    std::vector<EncodedBatch> batches = Rethrowing(env, [&] { return model.Encode(texts); });
    Napi::Array out = Napi::Array::New(env, batches.size());
    for (size_t i = 0; i < batches.size(); ++i) {
      const EncodedBatch& b = batches[i];
      Napi::Object o = Napi::Object::New(env);
      Napi::Uint32Array members = Napi::Uint32Array::New(env, b.members.size());
      for (size_t m = 0; m < b.members.size(); ++m) members[m] = static_cast<uint32_t>(b.members[m]);
      o.Set("members", members);
      o.Set("batch", static_cast<double>(b.batch));
      o.Set("seq", static_cast<double>(b.seq));
      o.Set("inputIds", ToBigInt64Array(env, b.input_ids));
      o.Set("attentionMask", ToBigInt64Array(env, b.attention_mask));
      o.Set("tokenTypeIds", ToBigInt64Array(env, b.token_type_ids));
      out.Set(i, o);
    }
    return out;
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const EmbeddingModel& model = Model(env);
    Napi::Object o = Napi::Object::New(env);
    o.Set("inputs", SpecsToJs(env, model.session().inputs()));
    o.Set("outputs", SpecsToJs(env, model.session().outputs()));
    o.Set("outputName", model.output_name());
    o.Set("pooledOutput", model.pooled_output());
    o.Set("dim", static_cast<double>(model.declared_dim()));
    o.Set("maxLength", static_cast<double>(model.config().max_length));
    o.Set("tokenBudget", static_cast<double>(model.config().limits.token_budget));
    o.Set("maxBatch", static_cast<double>(model.config().limits.max_batch));
    o.Set("normalize", model.config().normalize);
    o.Set("vocabSize", static_cast<double>(model.tokenizer().vocab_size()));
    o.Set("maxTokenId", static_cast<double>(model.tokenizer().max_id()));
    return o;
  }

  // Drops this wrapper's reference; running embed() calls keep theirs until they finish.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    model_.reset();
    return info.Env().Undefined();
  }

  ModelPtr model_;
};

// loadEmbeddingModel({ modelPath, tokenizerJson, maxLength, tokenBudget, maxBatch, normalize })
//   -> Promise<EmbeddingModel>. Parsing and session creation (graph optimization) run off the
//   JavaScript thread.
Napi::Value LoadEmbeddingModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object options = RequireObject(info, 0, "options");
  const std::string model_path = RequireString(options, "modelPath");
  auto tokenizer_json = std::make_shared<std::string>(RequireString(options, "tokenizerJson"));
  EmbeddingConfig config;
  config.max_length = RequireSize(options, "maxLength", 2, 1 << 20);
  config.limits.token_budget = RequireSize(options, "tokenBudget", 1, 1 << 24);
  config.limits.max_batch = RequireSize(options, "maxBatch", 1, 1 << 16);
  config.normalize = RequireBool(options, "normalize");
  if (!ort::IsInitialized())
    throw MakeError(env, "NATIVE_LOAD_FAILED", "ONNX Runtime is not initialized; call initRuntime() first");

  AddonData* data = env.GetInstanceData<AddonData>();
  return AsyncTask<ModelPtr>::Start(
      env, "ticket-processor:load-embedding-model",
      [model_path, tokenizer_json, config]() -> ModelPtr {
        std::shared_ptr<const Tokenizer> tokenizer;
        try {
          tokenizer = Tokenizer::FromJson(*tokenizer_json);
        } catch (const TokenizerError& e) {
          throw Error("MODEL_INVALID", e.what());
        }
        std::shared_ptr<const ort::Session> session = ort::Session::Load(model_path);
        return std::make_shared<const EmbeddingModel>(session, tokenizer, config);
      },
      [data](Napi::Env env, ModelPtr& model) -> Napi::Value {
        auto external = Napi::External<ModelPtr>::New(env, new ModelPtr(std::move(model)),
                                                      [](Napi::Env, ModelPtr* p) { delete p; });
        external.TypeTag(&kModelTag);
        return data->embedding_model_ctor.New({external});
      });
}

}  // namespace

void InitEmbedding(Napi::Env env, Napi::Object exports, AddonData& data) {
  Napi::Function ctor = EmbeddingModelWrap::Define(env);
  data.embedding_model_ctor = Napi::Persistent(ctor);
  exports.Set("EmbeddingModel", ctor);
  exports.Set("loadEmbeddingModel", Napi::Function::New(env, LoadEmbeddingModel, "loadEmbeddingModel"));
}

}  // namespace tp::napi
