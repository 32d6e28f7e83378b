// The stages of a tokenization pipeline, as interfaces. tokenizer.cc runs them in Hugging Face's
// order: added tokens -> normalizer -> pre-tokenizer -> model -> post-processor, and for
// decoding: ids -> tokens (added tokens, then the model's vocabulary) -> decoder.
//
// Each implementation lives in its own file (bert_normalizer, bert_pre_tokenizer, wordpiece,
// byte_level, bpe, post_processor, decoders, ...) with a parse function for its tokenizer.json
// object; tokenizer.cc maps "type" names to those parse functions. Another family is added by
// implementing these interfaces in new files and adding its names to the tables in tokenizer.cc.
//
// Work is streamed so that truncation can stop early: the normalizer produces code points in
// chunks, the pre-tokenizer turns chunks into words, the model turns words into ids, and the
// orchestration stops as soon as it has as many ids as it will keep.
//
// Every method is const and keeps per-call state in objects owned by the caller, so one
// pipeline can serve many threads at once.
#ifndef TP_TOKENIZER_PIPELINE_H_
#define TP_TOKENIZER_PIPELINE_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "utf8.h"

namespace tp {

// FNV-1a 64-bit over a canonical serialization: stable across runs, platforms and builds.
class Hasher {
 public:
  void Bytes(const void* data, size_t n) {
    const unsigned char* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) {
      h_ ^= p[i];
      h_ *= 0x100000001b3ULL;
    }
  }
  void U64(uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
    Bytes(b, 8);
  }
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void Bool(bool v) { U64(v ? 1 : 0); }
  void Str(std::string_view s) {
    U64(s.size());
    Bytes(s.data(), s.size());
  }
  uint64_t digest() const { return h_; }

 private:
  uint64_t h_ = 0xcbf29ce484222325ULL;
};

// Turns text into text, code point by code point (possibly with reordering inside a run of
// combining marks).
class Normalizer {
 public:
  virtual ~Normalizer() = default;
  // Reads from `in` and appends normalized code points to `out`. Returns once `out` has grown by
  // at least `min_out` code points at a point where what follows cannot change them, or once the
  // input is exhausted. Calling it again continues where it stopped.
  virtual void Normalize(utf8::Cursor& in, size_t min_out, std::u32string& out) const = 0;
  virtual void AddToFingerprint(Hasher& h) const = 0;
  // True when the output is always the input ("normalizer": null): normalized text is then the
  // raw text itself, so it needs no copy.
  virtual bool is_identity() const { return false; }
};

// Receives words from a pre-tokenizer. Returns false to stop the work (truncation reached).
class WordSink {
 public:
  virtual ~WordSink() = default;
  // `word` is UTF-8. `chars` is its length in code points; when chars > the cap the
  // pre-tokenizer was given, `word` holds only the first bytes of it.
  virtual bool OnWord(std::string_view word, size_t chars) = 0;
};

// Splits normalized code points into words.
class PreTokenizer {
 public:
  struct State {
    std::string word;  // UTF-8 of the current, unfinished word
    size_t chars = 0;  // its length in code points
    size_t cap = std::numeric_limits<size_t>::max();  // stop storing a word past this many chars
    // For pre-tokenizers that need to look ahead (ByteLevel): what the current word is, code
    // points held back until the next ones decide where they go, and whether the segment has
    // started. Finish() must leave them as they are here.
    int mode = 0;
    std::u32string pending;
    bool started = false;
    void Append(char32_t c) {
      if (chars < cap) utf8::Append(word, c);
      ++chars;
    }
    bool Flush(WordSink& sink) {
      if (chars == 0) return true;
      bool go_on = sink.OnWord(word, chars);
      word.clear();
      chars = 0;
      return go_on;
    }
  };
  virtual ~PreTokenizer() = default;
  // Consumes a chunk; words may continue into the next chunk. Returns false if the sink stopped.
  virtual bool Split(const char32_t* cps, size_t n, State& state, WordSink& sink) const = 0;
  // End of a text segment: flushes the unfinished word.
  virtual bool Finish(State& state, WordSink& sink) const { return state.Flush(sink); }
  virtual void AddToFingerprint(Hasher& h) const = 0;
};

// Turns one word into ids.
class Model {
 public:
  virtual ~Model() = default;
  // Appends the ids of `word` (UTF-8, `chars` code points; see WordSink) to ids.
  virtual void Tokenize(std::string_view word, size_t chars, std::vector<int32_t>& ids) const = 0;
  // Words longer than this (in code points) give the same result whatever their content, so the
  // pre-tokenizer need not store them whole.
  virtual size_t max_word_chars() const { return std::numeric_limits<size_t>::max(); }
  // Id of a token of the vocabulary, or -1.
  virtual int32_t TokenToId(std::string_view token) const = 0;
  virtual size_t vocab_size() const = 0;
  virtual int32_t max_id() const = 0;
  virtual int32_t unk_id() const { return -1; }
  // The token of an id of the vocabulary (Hugging Face id_to_token); false if there is none.
  virtual bool IdToToken(int32_t id, std::string_view* token) const = 0;
  virtual void AddToFingerprint(Hasher& h) const = 0;
};

// Adds the special tokens of a single sequence ([CLS] ... [SEP]) and the type ids.
class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  virtual size_t added_tokens() const = 0;
  virtual void Apply(const std::vector<int32_t>& sequence, std::vector<int32_t>& ids,
                     std::vector<int32_t>& type_ids) const = 0;
  virtual void AddToFingerprint(Hasher& h) const = 0;
};

// Turns tokens back into text: Hugging Face's Decoder::decode_chain, whose output pieces are
// then concatenated.
class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual void DecodeChain(std::vector<std::string>& tokens) const = 0;
};

}  // namespace tp

#endif  // TP_TOKENIZER_PIPELINE_H_
