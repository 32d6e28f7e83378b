#include "sequence/encoded_batch.h"

#include <algorithm>
#include <limits>

namespace tp {

std::vector<EncodedBatch> BuildBatches(const std::vector<Encoding>& encodings, const BatchLimits& limits,
                                       int32_t pad_id) {
  std::vector<size_t> lengths;
  lengths.reserve(encodings.size());
  for (const Encoding& e : encodings) lengths.push_back(e.ids.size());
  std::vector<EncodedBatch> out;
  for (Batch& plan : PlanBatches(lengths, limits)) {
    EncodedBatch b;
    b.batch = plan.members.size();
    b.seq = plan.padded_length;
    b.input_ids.assign(b.batch * b.seq, pad_id);
    b.attention_mask.assign(b.batch * b.seq, 0);
    b.token_type_ids.assign(b.batch * b.seq, 0);
    for (size_t row = 0; row < b.batch; ++row) {
      const Encoding& e = encodings[plan.members[row]];
      for (size_t t = 0; t < e.ids.size(); ++t) {
        b.input_ids[row * b.seq + t] = e.ids[t];
        b.attention_mask[row * b.seq + t] = 1;
        b.token_type_ids[row * b.seq + t] = t < e.type_ids.size() ? e.type_ids[t] : 0;
      }
    }
    b.members = std::move(plan.members);
    out.push_back(std::move(b));
  }
  return out;
}

std::vector<std::vector<Encoding>> EncodeTexts(const Tokenizer& tokenizer, const std::vector<std::string>& texts,
                                               const std::vector<size_t>& max_lengths) {
  std::vector<std::vector<Encoding>> out(max_lengths.size());
  for (auto& v : out) v.reserve(texts.size());
  if (max_lengths.size() == 1) {
    for (const std::string& text : texts) out[0].push_back(tokenizer.Encode(text, max_lengths[0]));
    return out;
  }
  const size_t specials = tokenizer.num_special_tokens();
  size_t longest = 0;
  bool unlimited = false;
  for (size_t m : max_lengths) {
    unlimited = unlimited || m == 0;
    longest = std::max(longest, m);
  }
  const size_t read = unlimited ? std::numeric_limits<size_t>::max() : longest - std::min(longest, specials);
  for (const std::string& text : texts) {
    const std::vector<int32_t> sequence = tokenizer.EncodeSequence(text, read);
    for (size_t m = 0; m < max_lengths.size(); ++m) out[m].push_back(tokenizer.Finish(sequence, max_lengths[m]));
  }
  return out;
}

}  // namespace tp
