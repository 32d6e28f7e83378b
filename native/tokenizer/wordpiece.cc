#include "wordpiece.h"

#include <algorithm>
#include <utility>

namespace tp {

namespace {
inline bool IsUtf8Continuation(char b) { return (static_cast<unsigned char>(b) & 0xC0) == 0x80; }
}  // namespace

WordPiece::WordPiece(VocabMap vocab, std::string unk_token, std::string continuing_subword_prefix,
                     size_t max_input_chars_per_word)
    : vocab_(std::move(vocab)),
      unk_token_(std::move(unk_token)),
      prefix_(std::move(continuing_subword_prefix)),
      max_input_chars_per_word_(max_input_chars_per_word) {
  unk_id_ = vocab_.Find(unk_token_);
  vocab_.ForEach([&](std::string_view key, int32_t id) {
    max_id_ = std::max(max_id_, id);
    if (key.size() >= prefix_.size() && key.compare(0, prefix_.size(), prefix_) == 0) {
      continuation_.Insert(key.substr(prefix_.size()), id);
    }
  });
  tokens_ = TokenTable(vocab_);
}

void WordPiece::Tokenize(std::string_view word, size_t chars, std::vector<int32_t>& ids) const {
  if (chars > max_input_chars_per_word_) {
    ids.push_back(unk_id_);
    return;
  }
  const size_t mark = ids.size();
  const size_t n = word.size();
  size_t start = 0;
  while (start < n) {
    // Greedy: the longest piece from `start` that is in the vocabulary. Pieces longer than the
    // longest key cannot match, so the search starts at that length.
    const VocabMap& map = start == 0 ? vocab_ : continuation_;
    size_t end = std::min(n, start + map.max_key_length());
    while (end > start && end < n && IsUtf8Continuation(word[end])) --end;
    int32_t id = -1;
    while (end > start) {
      id = map.Find(word.substr(start, end - start));
      if (id >= 0) break;
      do {
        --end;
      } while (end > start && IsUtf8Continuation(word[end]));
    }
    if (id < 0) {
      ids.resize(mark);
      ids.push_back(unk_id_);
      return;
    }
    ids.push_back(id);
    start = end;
  }
}

void WordPiece::AddToFingerprint(Hasher& h) const {
  h.Str("model:WordPiece");
  h.Str(unk_token_);
  h.Str(prefix_);
  h.U64(max_input_chars_per_word_);
  // The vocabulary in id order (ties by token), independent of hash-table layout.
  std::vector<std::pair<int32_t, std::string_view>> entries;
  entries.reserve(vocab_.size());
  vocab_.ForEach([&](std::string_view key, int32_t id) { entries.emplace_back(id, key); });
  std::sort(entries.begin(), entries.end());
  h.U64(entries.size());
  for (const auto& e : entries) {
    h.I64(e.first);
    h.Str(e.second);
  }
}

std::unique_ptr<Model> ParseWordPiece(const json_util::Json& model, const std::string& path) {
  using namespace json_util;
  ExpectObject(model, path);
  const std::string vocab_path = Child(path, "vocab");
  const Json& vocab_json = Require(model, path, "vocab");
  ExpectObject(vocab_json, vocab_path);
  if (vocab_json.empty()) Fail(vocab_path, "is empty");
  VocabMap vocab;
  for (auto it = vocab_json.begin(); it != vocab_json.end(); ++it) {
    int32_t id = AsId(it.value(), Key(vocab_path, it.key()));
    vocab.Insert(it.key(), id);  // nlohmann objects have unique keys
  }
  std::string unk = GetString(model, path, "unk_token", "[UNK]");
  std::string prefix = GetString(model, path, "continuing_subword_prefix", "##");
  size_t max_chars = 100;
  if (const Json* v = FindNonNull(model, "max_input_chars_per_word")) {
    max_chars = static_cast<size_t>(AsInt(*v, Child(path, "max_input_chars_per_word"), 0, INT64_MAX));
  }
  if (vocab.Find(unk) < 0) {
    // Hugging Face only fails when a word actually needs the unknown token; failing here is
    // clearer than failing on some inputs.
    Fail(Child(path, "unk_token"), Quoted(unk) + " is not in " + vocab_path);
  }
  return std::make_unique<WordPiece>(std::move(vocab), std::move(unk), std::move(prefix), max_chars);
}

}  // namespace tp
