#include "generate/seq2seq_model.h"

#include <chrono>
#include <cstring>

#include "errors.h"
#include "generate/search.h"

namespace tp {

namespace {

constexpr const char* kPastPrefix = "past_key_values.";
constexpr const char* kPresentPrefix = "present.";

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

Seq2SeqModel::Seq2SeqModel(std::shared_ptr<const ort::Session> encoder, std::shared_ptr<const ort::Session> decoder,
                           std::shared_ptr<const Tokenizer> tokenizer, Seq2SeqConfig config)
    : encoder_(std::move(encoder), "encoder"), decoder_(std::move(decoder)), tokenizer_(std::move(tokenizer)), config_(config) {
  const ort::TensorSpec* hidden = encoder_.session().FindOutput("last_hidden_state");
  if (!hidden || hidden->type != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT)
    throw Error("MODEL_INVALID", "the encoder must output last_hidden_state (float32)");
  const ort::Session& d = *decoder_;
  for (const char* name : {"input_ids", "encoder_hidden_states", "encoder_attention_mask"})
    if (!d.FindInput(name)) throw Error("MODEL_INVALID", std::string("the decoder has no input ") + name);
  const ort::TensorSpec* logits = d.FindOutput("logits");
  if (!logits || logits->type != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT || logits->dims.size() != 3)
    throw Error("MODEL_INVALID", "the decoder must output logits float32 [batch, sequence, vocab]");

  for (const auto& in : d.inputs()) {
    if (!StartsWith(in.name, kPastPrefix)) continue;
    const std::string present = kPresentPrefix + in.name.substr(std::strlen(kPastPrefix));
    if (!d.FindOutput(present)) throw Error("MODEL_INVALID", "the decoder has input " + in.name + " but no output " + present);
    if (in.type != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT || in.dims.size() != 4)
      throw Error("MODEL_INVALID", "decoder input " + in.name + " must be float32 [batch, heads, length, head_dim]");
    past_names_.push_back(in.name);
    present_names_.push_back(present);
    past_is_cross_.push_back(in.name.find(".encoder.") != std::string::npos);
    if (in.dims[1] > 0) num_heads_ = in.dims[1];
    if (in.dims[3] > 0) head_dim_ = in.dims[3];
  }
  const bool has_branch = d.FindInput("use_cache_branch") != nullptr;
  if (!past_names_.empty() && !has_branch)
    throw Error("MODEL_INVALID",
                "a decoder with past_key_values inputs but no use_cache_branch (decoder_with_past_model.onnx) is not "
                "supported: use decoder_model_merged.onnx or decoder_model.onnx");
  uses_cache_ = has_branch && !past_names_.empty();
  if (uses_cache_ && past_names_.size() % 4 != 0)
    throw Error("MODEL_INVALID", "expected decoder and encoder key and value per layer (a multiple of 4 past inputs)");
  if (config_.num_heads > 0) num_heads_ = config_.num_heads;
  if (config_.head_dim > 0) head_dim_ = config_.head_dim;
  if (uses_cache_ && (num_heads_ <= 0 || head_dim_ <= 0))
    throw Error("MODEL_INVALID", "the decoder's past_key_values leave heads and head size symbolic; pass them from config.json");
  if (config_.max_input_length <= tokenizer_->num_special_tokens())
    throw Error("CONFIG_INVALID", "the summarizer's maximum input length leaves no room for text");
}

// One batch's decoder state: expanded encoder outputs, the cache, and the current logits.
class OrtDecoderSteps : public DecoderSteps {
 public:
  OrtDecoderSteps(const Seq2SeqModel& model, const float* hidden, const std::vector<int64_t>& mask, size_t batch,
                  size_t seq, size_t dim, size_t copies)
      : model_(model), rows_(batch * copies), seq_(seq), dim_(dim) {
    // Each item's encoder output and mask, repeated for each of its beams.
    hidden_.resize(rows_ * seq * dim);
    mask_.resize(rows_ * seq);
    for (size_t r = 0; r < rows_; ++r) {
      const size_t item = r / copies;
      std::memcpy(hidden_.data() + r * seq * dim, hidden + item * seq * dim, seq * dim * sizeof(float));
      std::memcpy(mask_.data() + r * seq, mask.data() + item * seq, seq * sizeof(int64_t));
    }
    past_.resize(model_.past_names_.size());
    owned_.resize(model_.past_names_.size());
  }

  const float* Step(const std::vector<std::vector<int32_t>>& seqs, size_t* vocab) override {
    const ort::Session& d = *model_.decoder_;
    const bool cached_step = model_.uses_cache_ && !first_;
    const size_t t = cached_step ? 1 : seqs.front().size();
    ids_.resize(rows_ * t);
    for (size_t r = 0; r < rows_; ++r) {
      const auto& s = seqs[r];
      for (size_t i = 0; i < t; ++i) ids_[r * t + i] = s[s.size() - t + i];
    }
    std::vector<const char*> names;
    std::vector<ort::Value> values;
    std::vector<const OrtValue*> raw;
    auto add = [&](const std::string& name, ort::Value v) {
      names.push_back(name.c_str());
      raw.push_back(v.get());
      values.push_back(std::move(v));
    };
    static const std::string kIds = "input_ids", kHidden = "encoder_hidden_states", kMask = "encoder_attention_mask",
                             kBranch = "use_cache_branch";
    add(kMask, ort::TensorView(mask_.data(), mask_.size() * sizeof(int64_t), {(int64_t)rows_, (int64_t)seq_},
                               ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64));
    add(kIds, ort::TensorView(ids_.data(), ids_.size() * sizeof(int64_t), {(int64_t)rows_, (int64_t)t},
                              ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64));
    add(kHidden, ort::TensorView(hidden_.data(), hidden_.size() * sizeof(float), {(int64_t)rows_, (int64_t)seq_, (int64_t)dim_},
                                 ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT));
    std::vector<const char*> outputs = {"logits"};
    if (model_.uses_cache_) {
      for (size_t i = 0; i < past_.size(); ++i) {
        names.push_back(model_.past_names_[i].c_str());
        if (first_) {
          // The first step has no past: empty [rows, heads, 0, head_dim] tensors, the branch off.
          static float dummy = 0.0f;
          empty_.push_back(ort::TensorView(&dummy, 0, {(int64_t)rows_, model_.num_heads_, 0, model_.head_dim_},
                                           ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT));
          raw.push_back(empty_.back().get());
        } else {
          raw.push_back(past_[i].get());
        }
        // Cross-attention keys/values come out of the first step only; later they pass through.
        if (first_ || !model_.past_is_cross_[i]) outputs.push_back(model_.present_names_[i].c_str());
      }
      branch_ = cached_step ? 1 : 0;
      names.push_back(kBranch.c_str());
      values.push_back(ort::TensorView(&branch_, 1, {1}, ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL));
      raw.push_back(values.back().get());
    }
    std::vector<ort::Value> out = d.Run(names, raw, outputs);

    // Keep the new cache (ORT's own buffers, no copy).
    if (model_.uses_cache_) {
      size_t o = 1;
      for (size_t i = 0; i < past_.size(); ++i) {
        if (first_ || !model_.past_is_cross_[i]) {
          past_[i] = std::move(out[o++]);
          owned_[i].clear();
        }
      }
    }
    empty_.clear();
    first_ = false;

    const std::vector<int64_t> shape = out[0].Shape();
    if (shape.size() != 3 || shape[0] != (int64_t)rows_ || shape[1] != (int64_t)t || shape[2] <= 0)
      throw Error("MODEL_INVALID", "decoder logits have an unexpected shape");
    const size_t v = static_cast<size_t>(shape[2]);
    *vocab = v;
    const float* data = out[0].Data<float>();
    if (t == 1) {
      logits_value_ = std::move(out[0]);
      return logits_value_.Data<float>();
    }
    last_.resize(rows_ * v);
    for (size_t r = 0; r < rows_; ++r) std::memcpy(last_.data() + r * v, data + (r * t + t - 1) * v, v * sizeof(float));
    return last_.data();
  }

  void Reorder(const std::vector<size_t>& source) override {
    bool identity = true;
    for (size_t r = 0; r < source.size(); ++r) identity = identity && source[r] == r;
    if (identity || !model_.uses_cache_) return;
    for (size_t i = 0; i < past_.size(); ++i) {
      // An item's beams share one encoder output and reordering never crosses items, so the
      // cross-attention cache is the same after any reordering.
      if (model_.past_is_cross_[i]) continue;
      const std::vector<int64_t> shape = past_[i].Shape();
      const size_t per_row = static_cast<size_t>(shape[1] * shape[2] * shape[3]);
      const float* from = past_[i].Data<float>();
      std::vector<float> gathered(rows_ * per_row);
      for (size_t r = 0; r < rows_; ++r)
        std::memcpy(gathered.data() + r * per_row, from + source[r] * per_row, per_row * sizeof(float));
      owned_[i] = std::move(gathered);
      past_[i] = ort::TensorView(owned_[i].data(), owned_[i].size() * sizeof(float), shape, ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT);
    }
  }

 private:
  const Seq2SeqModel& model_;
  size_t rows_, seq_, dim_;
  std::vector<float> hidden_;
  std::vector<int64_t> mask_;
  std::vector<int64_t> ids_;
  std::vector<ort::Value> past_;
  std::vector<std::vector<float>> owned_;  // buffers behind reordered past tensors
  std::vector<ort::Value> empty_;
  ort::Value logits_value_;
  std::vector<float> last_;
  bool branch_ = false;
  bool first_ = true;
};

Seq2SeqModel::Result Seq2SeqModel::Generate(const std::vector<std::string>& texts, const GenerationConfig& generation) const {
  Result result;
  result.ids.resize(texts.size());
  result.texts.resize(texts.size());
  if (texts.empty()) return result;
  using Clock = std::chrono::steady_clock;
  const auto seconds_since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  auto started = Clock::now();
  std::vector<Encoding> encodings = EncodeTexts(*tokenizer_, texts, {config_.max_input_length})[0];
  if (config_.vocab_size > 0) {
    // BPE models often have no unk_token in the model section, but an added "<unk>".
    const int32_t unk = tokenizer_->unk_id() >= 0 ? tokenizer_->unk_id() : tokenizer_->TokenToId("<unk>");
    const int32_t replacement = unk >= 0 && unk < config_.vocab_size ? unk : tokenizer_->pad_id();
    for (Encoding& e : encodings)
      for (int32_t& id : e.ids)
        if (id >= config_.vocab_size) id = replacement;
  }
  const size_t copies = static_cast<size_t>(std::max(generation.num_beams, 1));
  std::vector<EncodedBatch> batches = BuildBatches(encodings, config_.limits, tokenizer_->pad_id());
  result.tokenize_seconds = seconds_since(started);
  for (EncodedBatch& b : batches) {
    started = Clock::now();
    std::vector<ort::Value> enc = encoder_.Run(b, {"last_hidden_state"});
    result.encode_seconds += seconds_since(started);
    started = Clock::now();
    const std::vector<int64_t> shape = enc[0].Shape();
    if (shape.size() != 3 || shape[0] != (int64_t)b.batch || shape[1] != (int64_t)b.seq || shape[2] <= 0)
      throw Error("MODEL_INVALID", "encoder last_hidden_state has an unexpected shape");
    OrtDecoderSteps steps(*this, enc[0].Data<float>(), b.attention_mask, b.batch, b.seq, static_cast<size_t>(shape[2]), copies);
    std::vector<std::vector<int32_t>> out =
        copies == 1 ? GreedySearch(steps, b.batch, generation) : BeamSearch(steps, b.batch, generation);
    for (size_t i = 0; i < b.batch; ++i) result.ids[b.members[i]] = std::move(out[i]);
    result.generate_seconds += seconds_since(started);
  }
  started = Clock::now();
  for (size_t i = 0; i < texts.size(); ++i) result.texts[i] = tokenizer_->Decode(result.ids[i], true, config_.clean_up_tokenization_spaces);
  result.generate_seconds += seconds_since(started);
  return result;
}

}  // namespace tp
