#include "generate/search.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "errors.h"
#include "generate/logits_processors.h"
#include "kernels/kernels.h"

namespace tp {

namespace {

std::vector<int32_t> StripEos(std::vector<int32_t> ids, int32_t eos) {
  // Drop the start token, and everything from the first EOS on (including padding after it).
  ids.erase(ids.begin());
  const auto end = std::find(ids.begin(), ids.end(), eos);
  ids.erase(end, ids.end());
  return ids;
}

// The finished hypotheses of one item: at most num_beams, worst evicted first.
class BeamHypotheses {
 public:
  BeamHypotheses(size_t num_beams, const GenerationConfig& config) : num_beams_(num_beams), config_(config) {}

  size_t size() const { return beams_.size(); }

  // HF: score = sum_logprobs / len(hyp)^length_penalty, hyp being the ids before EOS.
  void Add(const std::vector<int32_t>& hyp, float sum_logprobs) {
    const double score = sum_logprobs / std::pow(static_cast<double>(hyp.size()), config_.length_penalty);
    if (beams_.size() < num_beams_ || score > worst_score_) {
      beams_.push_back({score, hyp});
      if (beams_.size() > num_beams_) {
        auto worst = std::min_element(beams_.begin(), beams_.end(), [](const Hyp& a, const Hyp& b) { return a.score < b.score; });
        beams_.erase(worst);
        worst_score_ = std::min_element(beams_.begin(), beams_.end(), [](const Hyp& a, const Hyp& b) { return a.score < b.score; })->score;
      } else {
        worst_score_ = std::min(score, worst_score_);
      }
    }
  }

  bool IsDone(float best_sum_logprobs, size_t cur_len) const {
    if (beams_.size() < num_beams_) return false;
    if (config_.early_stopping == EarlyStopping::kTrue) return true;
    double denominator_len = static_cast<double>(cur_len);
    if (config_.early_stopping == EarlyStopping::kNever && config_.length_penalty > 0.0f)
      denominator_len = static_cast<double>(config_.max_length);
    const double highest_attainable = best_sum_logprobs / std::pow(denominator_len, config_.length_penalty);
    return worst_score_ >= highest_attainable;
  }

  // The best hypothesis; on equal scores the one added last (HF sorts by score and pops the end).
  const std::vector<int32_t>& Best() const {
    const Hyp* best = &beams_.front();
    for (const Hyp& h : beams_)
      if (h.score >= best->score) best = &h;
    return best->ids;
  }

 private:
  struct Hyp {
    double score;
    std::vector<int32_t> ids;
  };
  size_t num_beams_;
  const GenerationConfig& config_;
  std::vector<Hyp> beams_;
  double worst_score_ = 1e9;
};

void CheckConfig(const GenerationConfig& c) {
  if (c.max_length < 2) throw Error("CONFIG_INVALID", "max_length must be at least 2 (the start token and one new token)");
  if (c.num_beams < 1) throw Error("CONFIG_INVALID", "num_beams must be at least 1");
}

}  // namespace

std::vector<std::vector<int32_t>> GreedySearch(DecoderSteps& decoder, size_t batch, const GenerationConfig& config) {
  CheckConfig(config);
  std::vector<std::vector<int32_t>> seqs(batch, std::vector<int32_t>{config.decoder_start_token_id});
  std::vector<bool> unfinished(batch, true);
  std::vector<float> row;
  size_t cur_len = 1;
  while (true) {
    size_t vocab = 0;
    const float* logits = decoder.Step(seqs, &vocab);
    for (size_t r = 0; r < batch; ++r) {
      int32_t next = config.pad_token_id;
      if (unfinished[r]) {
        row.assign(logits + r * vocab, logits + (r + 1) * vocab);
        ApplyLogitsProcessors(row.data(), vocab, seqs[r], config);
        next = static_cast<int32_t>(kernels::ArgMax(row.data(), vocab));
        if (next == config.eos_token_id) unfinished[r] = false;
      }
      seqs[r].push_back(next);
    }
    ++cur_len;
    if (std::none_of(unfinished.begin(), unfinished.end(), [](bool u) { return u; }) ||
        cur_len >= static_cast<size_t>(config.max_length))
      break;
  }
  std::vector<std::vector<int32_t>> out;
  out.reserve(batch);
  for (auto& s : seqs) out.push_back(StripEos(std::move(s), config.eos_token_id));
  return out;
}

std::vector<std::vector<int32_t>> BeamSearch(DecoderSteps& decoder, size_t batch, const GenerationConfig& config) {
  CheckConfig(config);
  const size_t beams = static_cast<size_t>(config.num_beams);
  const size_t rows = batch * beams;
  std::vector<std::vector<int32_t>> seqs(rows, std::vector<int32_t>{config.decoder_start_token_id});
  // Only the first beam of each item is live at the start: the others begin at -1e9.
  std::vector<float> beam_scores(rows, 0.0f);
  for (size_t r = 0; r < rows; ++r)
    if (r % beams != 0) beam_scores[r] = -1e9f;
  std::vector<BeamHypotheses> hyps(batch, BeamHypotheses(beams, config));
  std::vector<bool> done(batch, false);

  std::vector<float> row;
  std::vector<kernels::ScoredIndex> row_top, candidates;
  std::vector<size_t> source(rows);
  std::vector<int32_t> next_tokens(rows);
  std::vector<float> next_scores(rows);
  size_t cur_len = 1;
  while (true) {
    size_t vocab = 0;
    const float* logits = decoder.Step(seqs, &vocab);
    for (size_t b = 0; b < batch; ++b) {
      const size_t first = b * beams;
      if (done[b]) {
        // A finished item keeps running on padding (as in transformers), its rows unchanged.
        for (size_t k = 0; k < beams; ++k) {
          source[first + k] = first;
          next_tokens[first + k] = config.pad_token_id;
          next_scores[first + k] = 0.0f;
        }
        continue;
      }
      // Best 2 x beams continuations over all beams: each row's own best 2 x beams suffice.
      candidates.clear();
      for (size_t k = 0; k < beams; ++k) {
        const size_t r = first + k;
        row.resize(vocab);
        kernels::LogSoftmax(logits + r * vocab, vocab, row.data());
        ApplyLogitsProcessors(row.data(), vocab, seqs[r], config);
        kernels::TopK(row.data(), vocab, 2 * beams, row_top);
        for (const auto& c : row_top)
          candidates.push_back({c.score + beam_scores[r], static_cast<int32_t>(k * vocab + static_cast<size_t>(c.index))});
      }
      std::sort(candidates.begin(), candidates.end(), [](const kernels::ScoredIndex& a, const kernels::ScoredIndex& b) {
        return a.score > b.score || (a.score == b.score && a.index < b.index);
      });
      candidates.resize(std::min(candidates.size(), 2 * beams));

      size_t filled = 0;
      for (size_t rank = 0; rank < candidates.size() && filled < beams; ++rank) {
        const size_t beam = static_cast<size_t>(candidates[rank].index) / vocab;
        const int32_t token = static_cast<int32_t>(static_cast<size_t>(candidates[rank].index) % vocab);
        if (token == config.eos_token_id) {
          if (rank >= beams) continue;  // an EOS outside the top num_beams is not a hypothesis
          hyps[b].Add(seqs[first + beam], candidates[rank].score);
        } else {
          source[first + filled] = first + beam;
          next_tokens[first + filled] = token;
          next_scores[first + filled] = candidates[rank].score;
          ++filled;
        }
      }
      if (filled < beams)
        throw Error("INFERENCE_FAILED", "beam search found fewer continuations than beams (too many tokens banned)");
      done[b] = hyps[b].IsDone(candidates.front().score, cur_len);
    }

    std::vector<std::vector<int32_t>> next(rows);
    for (size_t r = 0; r < rows; ++r) {
      next[r] = seqs[source[r]];
      next[r].push_back(next_tokens[r]);
    }
    seqs.swap(next);
    beam_scores = next_scores;
    decoder.Reorder(source);
    ++cur_len;
    if (std::all_of(done.begin(), done.end(), [](bool d) { return d; }) || cur_len >= static_cast<size_t>(config.max_length))
      break;
  }
  // Items still open at max_length: every live beam becomes a hypothesis.
  std::vector<std::vector<int32_t>> out;
  out.reserve(batch);
  for (size_t b = 0; b < batch; ++b) {
    if (!done[b])
      for (size_t k = 0; k < beams; ++k) hyps[b].Add(seqs[b * beams + k], beam_scores[b * beams + k]);
    out.push_back(StripEos(hyps[b].Best(), config.eos_token_id));
  }
  return out;
}

}  // namespace tp
