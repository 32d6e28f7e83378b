// Encoder-decoder generation (the BART contract of optimum's ONNX exports): the encoder runs once
// per batch; the decoder steps either reuse the key/value cache (decoder_model_merged.onnx, with
// use_cache_branch and past_key_values.*) or recompute the whole prefix (decoder_model.onnx).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "generate/generation_config.h"
#include "sequence/encoded_batch.h"
#include "sequence/sequence_session.h"

namespace tp {

struct Seq2SeqConfig {
  size_t max_input_length = 1024;  // encoder tokens per text, special tokens included
  BatchLimits limits;              // encoder batching; a batch is decoded together
  // Decoder attention heads and head size, for the empty past tensors of the first cached step
  // when the graph leaves those dimensions symbolic (0 = take them from the graph).
  int64_t num_heads = 0;
  int64_t head_dim = 0;
  // transformers' clean-up of decoded text (" ." -> "."), as tokenizer_config.json asks.
  bool clean_up_tokenization_spaces = true;
  // config.json vocab_size (0 = unknown): encoder ids at or above it, special tokens past the
  // embedding table such as BART's <mask> typed in a ticket, become the unknown token, so such
  // text is summarized instead of failing in the encoder's Gather.
  int64_t vocab_size = 0;
};

class Seq2SeqModel {
 public:
  // Throws tp::Error MODEL_INVALID when the graphs do not follow the contract.
  Seq2SeqModel(std::shared_ptr<const ort::Session> encoder, std::shared_ptr<const ort::Session> decoder,
               std::shared_ptr<const Tokenizer> tokenizer, Seq2SeqConfig config);

  struct Result {
    std::vector<std::vector<int32_t>> ids;  // generated ids, without start token and final EOS
    std::vector<std::string> texts;         // ids decoded, special tokens skipped
    // Wall-clock seconds per stage (tokenize and batch; encoder; decoder steps and decoding).
    double tokenize_seconds = 0;
    double encode_seconds = 0;
    double generate_seconds = 0;
  };
  // Thread-safe; runs on a libuv pool thread.
  Result Generate(const std::vector<std::string>& texts, const GenerationConfig& generation) const;

  bool uses_cache() const { return uses_cache_; }
  size_t num_layers() const { return past_names_.size() / 4; }
  const Seq2SeqConfig& config() const { return config_; }
  const ort::Session& encoder_session() const { return encoder_.session(); }
  const ort::Session& decoder_session() const { return *decoder_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }

 private:
  friend class OrtDecoderSteps;

  SequenceSession encoder_;
  std::shared_ptr<const ort::Session> decoder_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  Seq2SeqConfig config_;
  bool uses_cache_ = false;
  std::vector<std::string> past_names_;     // past_key_values.* inputs, in graph order
  std::vector<std::string> present_names_;  // the matching present.* outputs
  std::vector<bool> past_is_cross_;         // encoder (cross-attention) key/value: never reordered
  int64_t num_heads_ = 0, head_dim_ = 0;
};

}  // namespace tp
