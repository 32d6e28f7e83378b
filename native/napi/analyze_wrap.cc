// analyzeTexts(texts, { embedding?, classifier? }): several models over the same texts in one
// AsyncWorker. When the models' tokenizers have the same fingerprint (identical vocabulary,
// normalizer, pre-tokenizer and template, whatever the model names), each text is tokenized
// once and truncated per model.
#include <chrono>
#include <memory>
#include <optional>

#include "napi/addon_data.h"
#include "napi/async_task.h"
#include "napi/model_wraps.h"

namespace tp::napi {

namespace {

struct Analysis {
  std::optional<EmbeddingModel::Result> embeddings;
  std::optional<ClassifierModel::Result> classification;
  bool shared_tokenization = false;
  // Wall-clock seconds of the two stages, for the worker's per-stage latency metrics.
  double tokenize_seconds = 0;
  double encode_seconds = 0;
};

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Analysis Analyze(const EmbeddingModel* embedding, const ClassifierModel* classifier,
                 const std::vector<std::string>& texts) {
  Analysis a;
  auto started = std::chrono::steady_clock::now();
  std::vector<Encoding> for_embedding, for_classifier;
  if (embedding && classifier && embedding->tokenizer().fingerprint() == classifier->tokenizer().fingerprint()) {
    auto encodings = EncodeTexts(embedding->tokenizer(), texts,
                                 {embedding->config().max_length, classifier->config().max_length});
    for_embedding = std::move(encodings[0]);
    for_classifier = std::move(encodings[1]);
    a.shared_tokenization = true;
  } else {
    if (embedding) for_embedding = std::move(EncodeTexts(embedding->tokenizer(), texts, {embedding->config().max_length})[0]);
    if (classifier) for_classifier = std::move(EncodeTexts(classifier->tokenizer(), texts, {classifier->config().max_length})[0]);
  }
  a.tokenize_seconds = SecondsSince(started);
  started = std::chrono::steady_clock::now();
  if (embedding) a.embeddings = embedding->EmbedEncodings(for_embedding);
  if (classifier) a.classification = classifier->ClassifyEncodings(for_classifier);
  a.encode_seconds = SecondsSince(started);
  return a;
}

Napi::Value AnalyzeTexts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto texts = std::make_shared<std::vector<std::string>>(
      RequireStringArray(env, info.Length() ? info[0] : env.Undefined(), "texts"));
  Napi::Object models = RequireObject(info, 1, "models");
  std::shared_ptr<const EmbeddingModel> embedding;
  std::shared_ptr<const ClassifierModel> classifier;
  if (!models.Get("embedding").IsUndefined()) embedding = UnwrapEmbeddingModel(env, models.Get("embedding"));
  if (!models.Get("classifier").IsUndefined()) classifier = UnwrapClassifierModel(env, models.Get("classifier"));
  return AsyncTask<Analysis>::Start(
      env, "ticket-processor:analyze",
      [embedding, classifier, texts] { return Analyze(embedding.get(), classifier.get(), *texts); },
      [](Napi::Env env, Analysis& a) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        if (a.embeddings) out.Set("embeddings", EmbeddingResultToJs(env, *a.embeddings));
        if (a.classification) out.Set("classification", ClassificationResultToJs(env, *a.classification));
        out.Set("sharedTokenization", a.shared_tokenization);
        Napi::Object timings = Napi::Object::New(env);
        timings.Set("tokenize", a.tokenize_seconds);
        timings.Set("encode", a.encode_seconds);
        out.Set("timings", timings);
        return out;
      });
}

}  // namespace

void InitAnalyze(Napi::Env env, Napi::Object exports) {
  exports.Set("analyzeTexts", Napi::Function::New(env, AnalyzeTexts, "analyzeTexts"));
}

}  // namespace tp::napi
