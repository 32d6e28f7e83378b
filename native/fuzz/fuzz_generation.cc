// libFuzzer target: greedy and beam search with generation settings in the ranges the addon
// accepts (native/napi/seq2seq_wrap.cc), over a fake decoder whose logits come from the input.
// Bounds kept small for speed: vocabulary <= 64, max_length <= 24, batch <= 3.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "fuzz/fuzz_common.h"
#include "errors.h"
#include "generate/search.h"

namespace {

class Bytes {
 public:
  Bytes(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  uint8_t U8() { return i_ < n_ ? d_[i_++] : 0; }
  int32_t Int(int32_t lo, int32_t hi) { return lo + static_cast<int32_t>((U8() | U8() << 8) % static_cast<uint32_t>(hi - lo + 1)); }
  const uint8_t* rest() const { return d_ + i_; }
  size_t rest_size() const { return n_ - i_; }

 private:
  const uint8_t* d_;
  size_t n_;
  size_t i_ = 0;
};

class FakeDecoder : public tp::DecoderSteps {
 public:
  FakeDecoder(size_t vocab, const uint8_t* bytes, size_t n, size_t rows) : vocab_(vocab), bytes_(bytes, bytes + n), rows_(rows) {}
  const float* Step(const std::vector<std::vector<int32_t>>& sequences, size_t* vocab) override {
    FUZZ_CHECK(sequences.size() == rows_);
    logits_.assign(sequences.size() * vocab_, 0.0f);
    for (size_t i = 0; i < logits_.size(); i++) {
      const uint8_t b = bytes_.empty() ? static_cast<uint8_t>(i * 31 + step_) : bytes_[(pos_++) % bytes_.size()];
      // Mostly ordinary values, sometimes ties, -inf, +inf or NaN (a broken model).
      if (b == 255) logits_[i] = -std::numeric_limits<float>::infinity();
      else if (b == 254) logits_[i] = std::numeric_limits<float>::quiet_NaN();
      else if (b == 253) logits_[i] = std::numeric_limits<float>::infinity();
      else logits_[i] = (static_cast<float>(b) - 128.0f) / 8.0f;
    }
    step_++;
    *vocab = vocab_;
    return logits_.data();
  }
  void Reorder(const std::vector<size_t>& source) override {
    FUZZ_CHECK(source.size() == rows_);
    for (size_t s : source) FUZZ_CHECK(s < rows_);
  }

 private:
  size_t vocab_;
  std::vector<uint8_t> bytes_;
  size_t rows_;
  size_t pos_ = 0;
  size_t step_ = 0;
  std::vector<float> logits_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in(data, size);
  const size_t vocab = static_cast<size_t>(in.Int(2, 64));
  const int32_t max_id = static_cast<int32_t>(vocab) - 1;
  tp::GenerationConfig c;
  c.max_length = in.Int(2, 24);
  c.min_length = in.Int(0, 30);
  c.min_new_tokens = in.Int(0, 30);
  c.num_beams = in.Int(1, 8);
  c.length_penalty = static_cast<float>(in.Int(-400, 400)) / 4.0f;
  c.early_stopping = static_cast<tp::EarlyStopping>(in.Int(0, 2));
  c.no_repeat_ngram_size = in.Int(0, 5);
  // Special ids inside the vocabulary, as the addon guarantees (checked against the model).
  c.decoder_start_token_id = in.Int(0, max_id);
  c.eos_token_id = in.Int(0, max_id);
  c.pad_token_id = in.Int(0, max_id);
  c.forced_bos_token_id = in.Int(-1, max_id);
  c.forced_eos_token_id = in.Int(-1, max_id);
  const size_t batch = static_cast<size_t>(in.Int(1, 3));
  const bool beam = c.num_beams > 1 || (in.U8() & 1);
  FakeDecoder decoder(vocab, in.rest(), in.rest_size(), beam ? batch * static_cast<size_t>(c.num_beams) : batch);
  std::vector<std::vector<int32_t>> out;
  try {
    out = beam ? tp::BeamSearch(decoder, batch, c) : tp::GreedySearch(decoder, batch, c);
  } catch (const tp::Error&) {
    return 0;  // a reported error (e.g. NaN logits) is fine; a crash is not
  }
  FUZZ_CHECK(out.size() == batch);
  for (const auto& ids : out) {
    FUZZ_CHECK(ids.size() <= static_cast<size_t>(c.max_length - 1));
    for (int32_t id : ids) FUZZ_CHECK(id >= 0 && id <= max_id);
  }
  return 0;
}
