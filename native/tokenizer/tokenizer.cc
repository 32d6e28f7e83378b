// tokenizer.json parsing and the orchestration of the pipeline (see pipeline.h):
//   added tokens (raw) -> normalizer -> added tokens (normalized) -> pre-tokenizer -> model
//   -> truncation -> post-processor;
// and of decoding: ids -> tokens -> decoder (-> transformers' clean-up).
#include "tokenizer.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <unordered_set>
#include <utility>

#include "added_tokens.h"
#include "bert_normalizer.h"
#include "bert_pre_tokenizer.h"
#include "bpe.h"
#include "byte_level.h"
#include "decoders.h"
#include "json_util.h"
#include "pipeline.h"
#include "post_processor.h"
#include "wordpiece.h"

namespace tp {

namespace {

using json_util::Json;

// "normalizer": null.
class IdentityNormalizer : public Normalizer {
 public:
  void Normalize(utf8::Cursor& in, size_t min_out, std::u32string& out) const override {
    const size_t target = min_out > SIZE_MAX - out.size() ? SIZE_MAX : out.size() + min_out;
    while (!in.done() && out.size() < target) out.push_back(in.Next());
  }
  void AddToFingerprint(Hasher& h) const override { h.Str("normalizer:null"); }
  bool is_identity() const override { return true; }
};

// "decoder": null: the tokens joined with spaces.
class JoinDecoder : public Decoder {
 public:
  void DecodeChain(std::vector<std::string>& tokens) const override {
    std::string text;
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (i > 0) text.push_back(' ');
      text += tokens[i];
    }
    tokens.assign(1, std::move(text));
  }
};

// ---- The component types this file knows, by their tokenizer.json "type" ---------------------
// To add a family, add its parse functions here.

template <typename T>
struct Parser {
  const char* type;
  std::unique_ptr<T> (*parse)(const Json&, const std::string&);
};

const Parser<Model> kModels[] = {
    {"WordPiece", &ParseWordPiece},
    {"BPE", &ParseBpe},
};
const Parser<Normalizer> kNormalizers[] = {
    {"BertNormalizer", &ParseBertNormalizer},
};
const Parser<PreTokenizer> kPreTokenizers[] = {
    {"BertPreTokenizer", &ParseBertPreTokenizer},
    {"ByteLevel", &ParseByteLevelPreTokenizer},
};
const Parser<PostProcessor> kPostProcessors[] = {
    {"TemplateProcessing", &ParseTemplateProcessing},
    {"BertProcessing", &ParseBertProcessing},
    {"RobertaProcessing", &ParseRobertaProcessing},
    {"ByteLevel", &ParseByteLevelPostProcessor},
};
const Parser<Decoder> kDecoders[] = {
    {"ByteLevel", &ParseByteLevelDecoder},
    {"WordPiece", &ParseWordPieceDecoder},
};

template <typename T, size_t N>
std::unique_ptr<T> ParseComponent(const Parser<T> (&parsers)[N], const Json& value, const std::string& path,
                                  const std::string& type) {
  std::string supported;
  for (const Parser<T>& p : parsers) {
    if (type == p.type) return p.parse(value, path);
    if (!supported.empty()) supported += ", ";
    supported += p.type;
  }
  json_util::Unsupported(json_util::Child(path, "type"), type, supported);
}

template <typename T, size_t N>
std::unique_ptr<T> ParseOptionalComponent(const Parser<T> (&parsers)[N], const Json& root, const char* key) {
  const Json* value = json_util::FindNonNull(root, key);
  if (value == nullptr) return nullptr;
  return ParseComponent(parsers, *value, key, json_util::TypeOf(*value, key));
}

std::unique_ptr<Model> ParseModel(const Json& root) {
  const Json& model = json_util::Require(root, "", "model");
  json_util::ExpectObject(model, "model");
  std::string type;
  if (const Json* t = json_util::Find(model, "type")) {
    type = json_util::AsString(*t, "model.type");
  } else if (json_util::Find(model, "vocab") && json_util::Find(model, "merges")) {
    type = "BPE";  // files written before models were tagged with "type"; Hugging Face tries BPE first
  } else if (json_util::Find(model, "continuing_subword_prefix") && json_util::Find(model, "max_input_chars_per_word")) {
    type = "WordPiece";
  } else {
    json_util::Fail("model.type", "is missing");
  }
  return ParseComponent(kModels, model, "model", type);
}

constexpr size_t kChunk = 256;  // code points normalized at a time

}  // namespace

// ---- Tokenizer::Impl ----------------------------------------------------------------------------

struct Tokenizer::Impl {
  std::unique_ptr<Model> model;
  std::unique_ptr<Normalizer> normalizer;  // never null (identity when tokenizer.json has none)
  std::unique_ptr<PreTokenizer> pre_tokenizer;  // never null
  std::unique_ptr<PostProcessor> post_processor;  // never null
  std::unique_ptr<Decoder> decoder;  // never null
  std::string decoder_error;         // set when tokenizer.json's decoder is not supported
  AddedVocabulary added;
  int32_t pad_id = 0;
  size_t vocab_size = 0;
  int32_t max_id = -1;
  int32_t max_text_id = -1;
  size_t default_max_length = 0;
  uint64_t fingerprint = 0;
};

namespace {

// Per-call state of Encode: receives added tokens, text pieces and words, and collects ids.
class EncodeRun : public SegmentSink, public WordSink {
 public:
  EncodeRun(const Tokenizer::Impl& t, size_t budget) : t_(t), budget_(budget) {
    state_.cap = t.model->max_word_chars();
  }
  std::vector<int32_t>& ids() { return ids_; }

  bool OnToken(int32_t id) override {
    ids_.push_back(id);
    return ids_.size() < budget_;
  }
  bool OnWord(std::string_view word, size_t chars) override {
    t_.model->Tokenize(word, chars, ids_);
    return ids_.size() < budget_;
  }
  // (Part of) a piece of raw text between added tokens.
  bool OnText(std::string_view text, bool segment_end) override {
    if (!t_.added.has_normalized()) return NormalizeAndSplit(text, segment_end);
    if (t_.normalizer->is_identity()) {
      // The normalized text is the raw text: the parts of a segment are consecutive pieces of
      // the caller's string, so the segment is split where it is (streamed, no copy).
      if (segment_begin_ == nullptr) segment_begin_ = text.data();
      if (!segment_end) return true;
      const std::string_view segment(segment_begin_, static_cast<size_t>(text.data() + text.size() - segment_begin_));
      segment_begin_ = nullptr;
      NormalizedPieces pieces(*this);
      return t_.added.SplitNormalized(segment, pieces);
    }
    // Tokens to find in the normalized text: normalize the whole segment, then split it.
    // (Not streamed: only tokenizers with normalized=true added tokens take this path.)
    segment_.append(text.data(), text.size());
    if (!segment_end) return true;
    normalized_.clear();
    cps_.clear();
    utf8::Cursor cursor(segment_);
    while (!cursor.done()) t_.normalizer->Normalize(cursor, std::numeric_limits<size_t>::max(), cps_);
    segment_.clear();
    for (char32_t c : cps_) utf8::Append(normalized_, c);
    NormalizedPieces pieces(*this);
    return t_.added.SplitNormalized(normalized_, pieces);
  }

 private:
  // Normalizes in chunks and feeds the pre-tokenizer, so that truncation can stop early.
  bool NormalizeAndSplit(std::string_view text, bool segment_end) {
    utf8::Cursor cursor(text);
    while (!cursor.done()) {
      cps_.clear();
      t_.normalizer->Normalize(cursor, kChunk, cps_);
      if (!t_.pre_tokenizer->Split(cps_.data(), cps_.size(), state_, *this)) return false;
    }
    return segment_end ? t_.pre_tokenizer->Finish(state_, *this) : true;
  }
  // Already normalized text: straight to the pre-tokenizer.
  bool SplitNormalized(std::string_view text, bool segment_end) {
    utf8::Cursor cursor(text);
    while (!cursor.done()) {
      cps_.clear();
      while (!cursor.done() && cps_.size() < kChunk) cps_.push_back(cursor.Next());
      if (!t_.pre_tokenizer->Split(cps_.data(), cps_.size(), state_, *this)) return false;
    }
    return segment_end ? t_.pre_tokenizer->Finish(state_, *this) : true;
  }
  class NormalizedPieces : public SegmentSink {
   public:
    explicit NormalizedPieces(EncodeRun& run) : run_(run) {}
    bool OnText(std::string_view text, bool segment_end) override { return run_.SplitNormalized(text, segment_end); }
    bool OnToken(int32_t id) override { return run_.OnToken(id); }

   private:
    EncodeRun& run_;
  };

  const Tokenizer::Impl& t_;
  const size_t budget_;
  std::vector<int32_t> ids_;
  std::u32string cps_;
  std::string segment_;     // raw segment being gathered (normalized added tokens only)
  const char* segment_begin_ = nullptr;  // start of the segment (identity normalizer)
  std::string normalized_;  // its normalized text
  PreTokenizer::State state_;
};

}  // namespace

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

std::unique_ptr<Tokenizer> Tokenizer::FromJson(std::string_view text) {
  using namespace json_util;
  try {
    Json root;
    try {
      root = Json::parse(text.begin(), text.end());
    } catch (const Json::parse_error& e) {
      throw TokenizerError(std::string("tokenizer.json: invalid JSON: ") + e.what());
    }
    if (!root.is_object()) Fail("", "must be an object, got " + Describe(root));

    auto impl = std::make_unique<Impl>();
    impl->model = ParseModel(root);
    impl->normalizer = ParseOptionalComponent(kNormalizers, root, "normalizer");
    if (!impl->normalizer) impl->normalizer = std::make_unique<IdentityNormalizer>();
    impl->pre_tokenizer = ParseOptionalComponent(kPreTokenizers, root, "pre_tokenizer");
    if (!impl->pre_tokenizer) impl->pre_tokenizer = std::make_unique<WholeTextPreTokenizer>();
    impl->post_processor = ParseOptionalComponent(kPostProcessors, root, "post_processor");
    if (!impl->post_processor) impl->post_processor = MakeNoPostProcessor();
    // An unsupported decoder does not stop encoding: Decode reports it.
    if (const Json* decoder = FindNonNull(root, "decoder")) {
      const std::string type = TypeOf(*decoder, "decoder");
      try {
        impl->decoder = ParseComponent(kDecoders, *decoder, "decoder", type);
      } catch (const TokenizerError& e) {
        // A supported decoder with bad settings is a load error; an unsupported one stops Decode.
        const bool known = std::any_of(std::begin(kDecoders), std::end(kDecoders),
                                       [&](const Parser<Decoder>& p) { return type == p.type; });
        if (known) throw;
        impl->decoder_error = e.what();
      }
    }
    if (!impl->decoder) impl->decoder = std::make_unique<JoinDecoder>();

    std::vector<AddedToken> added;
    if (const Json* a = Find(root, "added_tokens")) added = ParseAddedTokens(*a, "added_tokens");
    impl->added.Init(added, impl->normalizer.get(), *impl->model);

    // truncation: only max_length, as a default for callers. A left-side truncation would keep
    // other tokens than Encode does, so it is refused rather than silently ignored.
    if (const Json* trunc = FindNonNull(root, "truncation")) {
      ExpectObject(*trunc, "truncation");
      impl->default_max_length = static_cast<size_t>(
          AsInt(Require(*trunc, "truncation", "max_length"), "truncation.max_length", 0, INT64_MAX));
      std::string direction = GetString(*trunc, "truncation", "direction", "Right");
      if (direction != "Right") Unsupported("truncation.direction", direction, "Right");
    }

    const Model& model = *impl->model;
    int32_t pad = -1;
    if (const Json* padding = FindNonNull(root, "padding")) {
      ExpectObject(*padding, "padding");
      if (const Json* id = FindNonNull(*padding, "pad_id")) pad = AsId(*id, "padding.pad_id");
    }
    for (const char* name : {"[PAD]", "<pad>"}) {
      if (pad < 0) pad = impl->added.Find(name);
      if (pad < 0) pad = model.TokenToId(name);
    }
    impl->pad_id = pad < 0 ? 0 : pad;

    // Size and largest id, added tokens included.
    std::unordered_set<std::string_view> extra;
    int32_t max_id = model.max_id();
    for (const AddedToken& t : impl->added.tokens()) {
      max_id = std::max(max_id, t.id);
      if (!t.content.empty() && model.TokenToId(t.content) < 0) extra.insert(t.content);
    }
    impl->vocab_size = model.vocab_size() + extra.size();
    {
      std::vector<int32_t> ids, type_ids;
      impl->post_processor->Apply({}, ids, type_ids);
      for (int32_t id : ids) max_id = std::max(max_id, id);
    }
    impl->max_id = max_id;

    std::unordered_set<int32_t> special_ids;
    int32_t max_text_id = -1;
    for (const AddedToken& t : impl->added.tokens()) {
      if (t.special) special_ids.insert(t.id);
      else max_text_id = std::max(max_text_id, t.id);
    }
    // Walk down from the top of the vocabulary: only the few special ids above it are skipped.
    std::string_view token;
    for (int32_t id = model.max_id(); id >= 0; --id) {
      if (special_ids.count(id) == 0 && model.IdToToken(id, &token)) {
        max_text_id = std::max(max_text_id, id);
        break;
      }
    }
    impl->max_text_id = max_text_id;

    Hasher h;
    h.Str("ticket-processor tokenizer fingerprint v1");
    impl->model->AddToFingerprint(h);
    impl->normalizer->AddToFingerprint(h);
    impl->pre_tokenizer->AddToFingerprint(h);
    impl->added.AddToFingerprint(h);
    impl->post_processor->AddToFingerprint(h);
    impl->fingerprint = h.digest();

    return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(impl)));
  } catch (const TokenizerError&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    throw TokenizerError(std::string("tokenizer.json: ") + e.what());
  }
}

namespace {

// Tokens left for the sequence once the template's special tokens are counted.
size_t SequenceBudget(size_t max_length, size_t specials) {
  if (max_length == 0) return std::numeric_limits<size_t>::max();
  if (max_length < specials) {
    throw TokenizerError("max_length " + std::to_string(max_length) + " is less than the " +
                         std::to_string(specials) + " special tokens the template adds");
  }
  return max_length - specials;
}

}  // namespace

std::vector<int32_t> Tokenizer::EncodeSequence(std::string_view text, size_t max_tokens) const {
  const Impl& t = *impl_;
  EncodeRun run(t, max_tokens);
  if (max_tokens > 0) {
    if (max_tokens != std::numeric_limits<size_t>::max()) run.ids().reserve(std::min(max_tokens, text.size() + 1));
    if (t.added.has_raw()) {
      t.added.SplitRaw(text, run);
    } else if (!text.empty()) {
      run.OnText(text, true);
    }
  }
  std::vector<int32_t> ids = std::move(run.ids());
  if (ids.size() > max_tokens) ids.resize(max_tokens);
  return ids;
}

Encoding Tokenizer::Finish(const std::vector<int32_t>& sequence, size_t max_length) const {
  const size_t budget = SequenceBudget(max_length, num_special_tokens());
  Encoding out;
  if (sequence.size() > budget) {
    const std::vector<int32_t> truncated(sequence.begin(), sequence.begin() + static_cast<std::ptrdiff_t>(budget));
    impl_->post_processor->Apply(truncated, out.ids, out.type_ids);
  } else {
    impl_->post_processor->Apply(sequence, out.ids, out.type_ids);
  }
  return out;
}

Encoding Tokenizer::Encode(std::string_view text, size_t max_length) const {
  const std::vector<int32_t> sequence = EncodeSequence(text, SequenceBudget(max_length, num_special_tokens()));
  return Finish(sequence, max_length);
}

std::string Tokenizer::Decode(const std::vector<int32_t>& ids, bool skip_special_tokens,
                              bool clean_up_tokenization_spaces) const {
  const Impl& t = *impl_;
  if (!t.decoder_error.empty()) throw TokenizerError(t.decoder_error);
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) {
    std::string_view token;
    if (const AddedToken* added = t.added.FindId(id)) {
      token = added->content;
    } else if (!t.model->IdToToken(id, &token)) {
      continue;
    }
    if (skip_special_tokens && t.added.IsSpecial(token)) continue;
    tokens.emplace_back(token);
  }
  t.decoder->DecodeChain(tokens);
  std::string text;
  for (const std::string& piece : tokens) text += piece;
  return clean_up_tokenization_spaces ? CleanUpTokenization(std::move(text)) : text;
}

int32_t Tokenizer::pad_id() const { return impl_->pad_id; }
size_t Tokenizer::vocab_size() const { return impl_->vocab_size; }
int32_t Tokenizer::max_id() const { return impl_->max_id; }
int32_t Tokenizer::max_text_id() const { return impl_->max_text_id; }
int32_t Tokenizer::unk_id() const { return impl_->model->unk_id(); }
size_t Tokenizer::num_special_tokens() const { return impl_->post_processor->added_tokens(); }
size_t Tokenizer::default_max_length() const { return impl_->default_max_length; }
uint64_t Tokenizer::fingerprint() const { return impl_->fingerprint; }

int32_t Tokenizer::TokenToId(std::string_view token) const {
  int32_t id = impl_->added.Find(token);
  return id >= 0 ? id : impl_->model->TokenToId(token);
}

}  // namespace tp
