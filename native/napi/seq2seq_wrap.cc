#include <memory>

#include "generate/seq2seq_model.h"
#include "napi/addon_data.h"
#include "napi/model_object.h"
#include "napi/model_wraps.h"

namespace tp::napi {

namespace {

// The generation settings TypeScript resolved from generation_config.json, config.json and the
// call's overrides, as one plain object.
GenerationConfig ReadGenerationConfig(Napi::Env env, Napi::Value value) {
  if (!value.IsObject()) ThrowType(env, "generation options must be an object");
  Napi::Object o = value.As<Napi::Object>();
  GenerationConfig c;
  c.max_length = static_cast<int32_t>(RequireInt(o, "maxLength", 2, 1 << 16));
  c.min_length = static_cast<int32_t>(RequireInt(o, "minLength", 0, 1 << 16));
  c.min_new_tokens = static_cast<int32_t>(RequireInt(o, "minNewTokens", 0, 1 << 16));
  c.num_beams = static_cast<int32_t>(RequireInt(o, "numBeams", 1, 64));
  c.length_penalty = static_cast<float>(RequireNumber(o, "lengthPenalty", -100, 100));
  const std::string early = RequireString(o, "earlyStopping");
  if (early == "true") c.early_stopping = EarlyStopping::kTrue;
  else if (early == "false") c.early_stopping = EarlyStopping::kFalse;
  else if (early == "never") c.early_stopping = EarlyStopping::kNever;
  else ThrowType(env, "options.earlyStopping must be \"true\", \"false\" or \"never\"");
  c.no_repeat_ngram_size = static_cast<int32_t>(RequireInt(o, "noRepeatNgramSize", 0, 1 << 10));
  c.decoder_start_token_id = static_cast<int32_t>(RequireInt(o, "decoderStartTokenId", 0, 1 << 30));
  c.eos_token_id = static_cast<int32_t>(RequireInt(o, "eosTokenId", 0, 1 << 30));
  c.pad_token_id = static_cast<int32_t>(RequireInt(o, "padTokenId", 0, 1 << 30));
  c.forced_bos_token_id = static_cast<int32_t>(RequireInt(o, "forcedBosTokenId", -1, 1 << 30));
  c.forced_eos_token_id = static_cast<int32_t>(RequireInt(o, "forcedEosTokenId", -1, 1 << 30));
  return c;
}

class Seq2SeqModelObject : public ModelObject<Seq2SeqModelObject, Seq2SeqModel> {
 public:
  static constexpr const char* kClassName = "Seq2SeqModel";
  static constexpr const char* kLoaderName = "loadSeq2SeqModel";
  static constexpr napi_type_tag kTag = {0x7469636b65745f70ULL, 0x7365713273657121ULL};

  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, kClassName,
                       {InstanceMethod<&Seq2SeqModelObject::Generate>("generate"),
                        InstanceMethod<&Seq2SeqModelObject::Info>("info"),
                        InstanceMethod("close", &Seq2SeqModelObject::Close)});
  }

  using ModelObject::ModelObject;

 private:
  // generate(texts: string[], options) -> Promise<{ ids: Int32Array[], texts: string[] }>
  Napi::Value Generate(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ModelPtr model = Model(env);
    auto texts = std::make_shared<std::vector<std::string>>(
        RequireStringArray(env, info.Length() ? info[0] : env.Undefined(), "texts"));
    const GenerationConfig config = ReadGenerationConfig(env, info.Length() > 1 ? info[1] : env.Undefined());
    return AsyncTask<Seq2SeqModel::Result>::Start(
        env, "ticket-processor:generate", [model, texts, config] { return model->Generate(*texts, config); },
        [](Napi::Env env, Seq2SeqModel::Result& r) -> Napi::Value {
          Napi::Array ids = Napi::Array::New(env, r.ids.size());
          Napi::Array texts = Napi::Array::New(env, r.texts.size());
          for (size_t i = 0; i < r.ids.size(); ++i) {
            Napi::Int32Array row = Napi::Int32Array::New(env, r.ids[i].size());
            std::copy(r.ids[i].begin(), r.ids[i].end(), row.Data());
            ids.Set(i, row);
            texts.Set(i, Napi::String::New(env, r.texts[i]));
          }
          Napi::Object out = Napi::Object::New(env);
          out.Set("ids", ids);
          out.Set("texts", texts);
          Napi::Object timings = Napi::Object::New(env);
          timings.Set("tokenize", r.tokenize_seconds);
          timings.Set("encode", r.encode_seconds);
          timings.Set("generate", r.generate_seconds);
          out.Set("timings", timings);
          return out;
        });
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const Seq2SeqModel& model = *Model(env);
    Napi::Object o = Napi::Object::New(env);
    o.Set("encoderInputs", TensorSpecsToJs(env, model.encoder_session().inputs()));
    o.Set("decoderInputs", TensorSpecsToJs(env, model.decoder_session().inputs()));
    o.Set("decoderOutputs", TensorSpecsToJs(env, model.decoder_session().outputs()));
    o.Set("usesCache", model.uses_cache());
    o.Set("layers", static_cast<double>(model.num_layers()));
    o.Set("maxInputLength", static_cast<double>(model.config().max_input_length));
    o.Set("vocabSize", static_cast<double>(model.tokenizer().vocab_size()));
    o.Set("maxTokenId", static_cast<double>(model.tokenizer().max_id()));
    o.Set("maxTextTokenId", static_cast<double>(model.tokenizer().max_text_id()));
    o.Set("tokenizerFingerprint", Hex64(model.tokenizer().fingerprint()));
    return o;
  }
};

// loadSeq2SeqModel({ encoderPath, decoderPath, tokenizerJson, maxInputLength, tokenBudget,
//   maxBatch, numHeads, headDim, cleanUpTokenizationSpaces }) -> Promise<Seq2SeqModel>
Napi::Value LoadSeq2SeqModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object options = RequireObject(info, 0, "options");
  const std::string encoder_path = RequireString(options, "encoderPath");
  const std::string decoder_path = RequireString(options, "decoderPath");
  auto tokenizer_json = std::make_shared<std::string>(RequireString(options, "tokenizerJson"));
  Seq2SeqConfig config;
  config.max_input_length = RequireSize(options, "maxInputLength", 2, 1 << 20);
  config.limits = ReadBatchLimits(options);
  config.num_heads = RequireInt(options, "numHeads", 0, 1 << 12);
  config.head_dim = RequireInt(options, "headDim", 0, 1 << 16);
  config.clean_up_tokenization_spaces = RequireBool(options, "cleanUpTokenizationSpaces");
  config.vocab_size = RequireInt(options, "vocabSize", 0, 1 << 24);
  if (!ort::IsInitialized())
    throw MakeError(env, "NATIVE_LOAD_FAILED", "ONNX Runtime is not initialized; call initRuntime() first");
  AddonData* data = env.GetInstanceData<AddonData>();
  return AsyncTask<Seq2SeqModelObject::ModelPtr>::Start(
      env, "ticket-processor:load-seq2seq-model",
      [encoder_path, decoder_path, tokenizer_json, config]() -> Seq2SeqModelObject::ModelPtr {
        std::shared_ptr<const Tokenizer> tokenizer = ParseTokenizer(*tokenizer_json);
        auto encoder = ort::Session::Load(encoder_path);
        auto decoder = ort::Session::Load(decoder_path);
        return std::make_shared<const Seq2SeqModel>(encoder, decoder, tokenizer, config);
      },
      [data](Napi::Env env, Seq2SeqModelObject::ModelPtr& model) {
        return Seq2SeqModelObject::NewInstance(env, data->seq2seq_model_ctor, std::move(model));
      });
}

}  // namespace

void InitSeq2Seq(Napi::Env env, Napi::Object exports, AddonData& data) {
  Napi::Function ctor = Seq2SeqModelObject::Define(env);
  data.seq2seq_model_ctor = Napi::Persistent(ctor);
  exports.Set("Seq2SeqModel", ctor);
  exports.Set("loadSeq2SeqModel", Napi::Function::New(env, LoadSeq2SeqModel, "loadSeq2SeqModel"));
}

}  // namespace tp::napi
