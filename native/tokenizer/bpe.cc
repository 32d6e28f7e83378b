#include "bpe.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <cstdio>
#include <functional>
#include <utility>

#include "utf8.h"

namespace tp {

// ---- MergeMap ---------------------------------------------------------------------------------

void MergeMap::Grow() {
  std::vector<Slot> old;
  old.swap(slots_);
  const size_t capacity = old.empty() ? 1024 : old.size() * 2;
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  for (const Slot& s : old) {
    if (s.key == kEmpty) continue;
    size_t i = Hash(s.key) & mask_;
    while (slots_[i].key != kEmpty) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

void MergeMap::Set(int32_t a, int32_t b, Merge m) {
  if ((size_ + 1) * 2 > slots_.size()) Grow();  // load factor <= 1/2
  const uint64_t key = Key(a, b);
  size_t i = Hash(key) & mask_;
  while (slots_[i].key != kEmpty && slots_[i].key != key) i = (i + 1) & mask_;
  if (slots_[i].key == kEmpty) ++size_;
  slots_[i].key = key;
  slots_[i].merge = m;
}

// ---- Bpe --------------------------------------------------------------------------------------

namespace {

struct Candidate {
  uint32_t rank;
  uint32_t pos;
  int32_t new_id;
};
// std heaps are max-heaps: "less" = lower priority = higher rank, then later position.
struct LowerPriority {
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
  }
};

// The candidates of Hugging Face's merge loop, popped by (rank, position): a binary heap. For
// words of ordinary length.
class HeapQueue {
 public:
  explicit HeapQueue(std::vector<Candidate>& storage) : heap_(storage) { heap_.clear(); }
  void Add(const Candidate& c) { heap_.push_back(c); }  // before Start
  void Start() { std::make_heap(heap_.begin(), heap_.end(), LowerPriority()); }
  void Push(const Candidate& c) {
    heap_.push_back(c);
    std::push_heap(heap_.begin(), heap_.end(), LowerPriority());
  }
  bool Pop(Candidate* c) {
    if (heap_.empty()) return false;
    std::pop_heap(heap_.begin(), heap_.end(), LowerPriority());
    *c = heap_.back();
    heap_.pop_back();
    return true;
  }

 private:
  std::vector<Candidate>& heap_;
};

// The same order for short words, where scanning a few candidates beats maintaining a heap:
// an unordered array, the minimum found by a linear scan.
class ScanQueue {
 public:
  explicit ScanQueue(std::vector<Candidate>& storage) : items_(storage) { items_.clear(); }
  void Add(const Candidate& c) { items_.push_back(c); }
  void Start() {}
  void Push(const Candidate& c) { items_.push_back(c); }
  bool Pop(Candidate* c) {
    const size_t n = items_.size();
    if (n == 0) return false;
    size_t best = 0;
    for (size_t i = 1; i < n; ++i) {
      const Candidate& a = items_[i];
      const Candidate& b = items_[best];
      if (a.rank < b.rank || (a.rank == b.rank && a.pos < b.pos)) best = i;
    }
    *c = items_[best];
    items_[best] = items_[n - 1];
    items_.pop_back();
    return true;
  }

 private:
  std::vector<Candidate>& items_;
};

// The same order for very long words (one "word" of megabytes: a run of one letter, digits,
// punctuation or spaces): one bucket of positions per rank, and a small heap of the ranks that
// have candidates. Positions mostly arrive in increasing order within a rank, so a bucket is a
// FIFO until a smaller position arrives, and a min-heap from then on. A pop is then O(1) for
// the usual case instead of a sift-down through a heap of millions.
class RankQueue {
 public:
  explicit RankQueue(size_t ranks) : buckets_(ranks) {}
  void Add(const Candidate& c) { Push(c); }
  void Start() {}
  void Push(const Candidate& c) {
    Bucket& b = buckets_[c.rank];
    if (Empty(b)) {
      b.pos.clear();
      b.head = 0;
      b.heap = false;
      b.new_id = c.new_id;
      ranks_.push_back(c.rank);
      std::push_heap(ranks_.begin(), ranks_.end(), std::greater<uint32_t>());
    }
    if (!b.heap && b.head < b.pos.size() && c.pos < b.pos.back()) {
      b.pos.erase(b.pos.begin(), b.pos.begin() + static_cast<std::ptrdiff_t>(b.head));
      b.head = 0;
      b.heap = true;
      std::make_heap(b.pos.begin(), b.pos.end(), std::greater<uint32_t>());
    }
    b.pos.push_back(c.pos);
    if (b.heap) std::push_heap(b.pos.begin(), b.pos.end(), std::greater<uint32_t>());
  }
  bool Pop(Candidate* c) {
    if (ranks_.empty()) return false;
    const uint32_t rank = ranks_.front();
    Bucket& b = buckets_[rank];
    c->rank = rank;
    c->new_id = b.new_id;
    if (b.heap) {
      std::pop_heap(b.pos.begin(), b.pos.end(), std::greater<uint32_t>());
      c->pos = b.pos.back();
      b.pos.pop_back();
    } else {
      c->pos = b.pos[b.head++];
    }
    if (Empty(b)) {
      std::pop_heap(ranks_.begin(), ranks_.end(), std::greater<uint32_t>());
      ranks_.pop_back();
    }
    return true;
  }

 private:
  struct Bucket {
    std::vector<uint32_t> pos;
    size_t head = 0;  // FIFO: next position to pop
    bool heap = false;
    int32_t new_id = -1;  // a rank is one merge, so one new id
  };
  static bool Empty(const Bucket& b) { return b.heap ? b.pos.empty() : b.head == b.pos.size(); }
  std::vector<Bucket> buckets_;
  std::vector<uint32_t> ranks_;  // min-heap
};

constexpr size_t kShortWord = 16;         // symbols up to which ScanQueue is used
constexpr size_t kLongWord = 2048;        // symbols from which RankQueue is used
constexpr size_t kKeepScratch = 1 << 16;  // larger buffers (huge words) are released after use

// Recently tokenized words, per thread (so no lock and no sharing): direct-mapped, for short
// words with few ids, which is most of them. An entry is only valid for the Bpe whose serial
// number it carries, so tokenizers that share a thread never see each other's entries, even
// one created at the address of a destroyed one.
struct WordCache {
  static constexpr size_t kSlots = 4096;
  static constexpr size_t kMaxWord = 22;
  static constexpr size_t kMaxIds = 6;
  struct Entry {
    uint64_t owner = 0;  // 0: empty
    uint64_t hash = 0;
    char word[kMaxWord];
    uint8_t word_len = 0;
    uint8_t n_ids = 0;
    int32_t ids[kMaxIds];
  };
  Entry entries[kSlots];
};

WordCache& ThreadWordCache() {
  thread_local std::unique_ptr<WordCache> cache(new WordCache());
  return *cache;
}

std::atomic<uint64_t> g_next_serial{1};

std::string ByteFallbackToken(unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "<0x%02X>", b);
  return buf;
}

}  // namespace

Bpe::Bpe(VocabMap vocab, MergeMap merges, Options options)
    : vocab_(std::move(vocab)), merges_(std::move(merges)), options_(std::move(options)) {
  serial_ = g_next_serial.fetch_add(1);
  merges_.ForEach([&](int32_t, int32_t, const MergeMap::Merge& m) { num_ranks_ = std::max<size_t>(num_ranks_, m.rank + size_t{1}); });
  vocab_.ForEach([&](std::string_view, int32_t id) { max_id_ = std::max(max_id_, id); });
  tokens_ = TokenTable(vocab_);
  if (options_.has_unk) unk_id_ = vocab_.Find(options_.unk_token);
  if (options_.continuing_subword_prefix.empty() && options_.end_of_word_suffix.empty()) {
    char_ids_.assign(0x800, -1);
    for (char32_t c = 0; c < 0x800; ++c) {
      std::string s;
      utf8::Append(s, c);
      char_ids_[c] = vocab_.Find(s);
    }
  }
}

void Bpe::InitialSymbols(std::string_view word, std::vector<Symbol>& symbols) const {
  const char* p = word.data();
  const char* const end = p + word.size();
  auto add = [&](int32_t id) {
    const int32_t index = static_cast<int32_t>(symbols.size());
    if (index > 0) symbols.back().next = index;
    symbols.push_back(Symbol{id, index - 1, -1, true});
  };
  bool unk_pending = false;
  std::string key;
  while (p < end) {
    const char* start = p;
    const char32_t c = utf8::Decode(p, end);
    int32_t id;
    std::string_view s(start, static_cast<size_t>(p - start));
    if (!char_ids_.empty()) {
      id = c < 0x800 ? char_ids_[c] : vocab_.Find(s);
    } else {
      key.clear();
      if (start != word.data()) key += options_.continuing_subword_prefix;
      key.append(s.data(), s.size());
      if (p == end) key += options_.end_of_word_suffix;
      s = key;
      id = vocab_.Find(s);
    }
    if (id >= 0) {
      if (unk_pending) {
        add(unk_id_);
        unk_pending = false;
      }
      add(id);
      continue;
    }
    if (options_.byte_fallback) {
      // "<0xAB>" for every byte of the looked-up string, if all exist. (A pending unknown token
      // is not emitted first: Hugging Face's merge_word does the same.)
      bool all = true;
      for (char b : s) all = all && vocab_.Find(ByteFallbackToken(static_cast<unsigned char>(b))) >= 0;
      if (all) {
        for (char b : s) add(vocab_.Find(ByteFallbackToken(static_cast<unsigned char>(b))));
        continue;
      }
    }
    if (options_.has_unk) {
      if (unk_pending && !options_.fuse_unk) add(unk_id_);
      unk_pending = true;
    }
    // No unk_token: the character is dropped.
  }
  if (unk_pending) add(unk_id_);
}

template <typename Queue>
void Bpe::MergeAllWith(std::vector<Symbol>& symbols, Queue& queue) const {
  for (size_t i = 0; i + 1 < symbols.size(); ++i) {
    if (const MergeMap::Merge* m = merges_.Find(symbols[i].id, symbols[i + 1].id)) {
      queue.Add(Candidate{m->rank, static_cast<uint32_t>(i), m->new_id});
    }
  }
  queue.Start();
  Candidate top;
  while (queue.Pop(&top)) {
    Symbol& left = symbols[top.pos];
    if (!left.alive || left.next < 0) continue;
    const int32_t next_pos = left.next;
    const Symbol right = symbols[static_cast<size_t>(next_pos)];
    const MergeMap::Merge* current = merges_.Find(left.id, right.id);
    if (current == nullptr || current->new_id != top.new_id) continue;  // an expired candidate
    left.id = top.new_id;
    left.next = right.next;
    symbols[static_cast<size_t>(next_pos)].alive = false;
    if (right.next >= 0) symbols[static_cast<size_t>(right.next)].prev = static_cast<int32_t>(top.pos);
    if (left.prev >= 0) {
      if (const MergeMap::Merge* m = merges_.Find(symbols[static_cast<size_t>(left.prev)].id, left.id)) {
        queue.Push(Candidate{m->rank, static_cast<uint32_t>(left.prev), m->new_id});
      }
    }
    if (left.next >= 0) {
      if (const MergeMap::Merge* m = merges_.Find(left.id, symbols[static_cast<size_t>(left.next)].id)) {
        queue.Push(Candidate{m->rank, top.pos, m->new_id});
      }
    }
  }
}

void Bpe::MergeAll(std::vector<Symbol>& symbols) const {
  if (symbols.size() >= kLongWord) {
    RankQueue queue(num_ranks_);
    MergeAllWith(symbols, queue);
    return;
  }
  thread_local std::vector<Candidate> storage;
  if (symbols.size() <= kShortWord) {
    ScanQueue queue(storage);
    MergeAllWith(symbols, queue);
    return;
  }
  HeapQueue queue(storage);
  MergeAllWith(symbols, queue);
  if (storage.capacity() > kKeepScratch) std::vector<Candidate>().swap(storage);
}

void Bpe::Tokenize(std::string_view word, size_t, std::vector<int32_t>& ids) const {
  if (word.empty()) return;
  if (options_.ignore_merges) {
    const int32_t id = vocab_.Find(word);
    if (id >= 0) {
      ids.push_back(id);
      return;
    }
  }
  const bool cacheable = word.size() <= WordCache::kMaxWord;
  WordCache::Entry* entry = nullptr;
  uint64_t hash = 0;
  if (cacheable) {
    hash = VocabMap::Hash(word.data(), word.size());
    entry = &ThreadWordCache().entries[hash & (WordCache::kSlots - 1)];
    if (entry->owner == serial_ && entry->hash == hash && entry->word_len == word.size() &&
        std::memcmp(entry->word, word.data(), word.size()) == 0) {
      ids.insert(ids.end(), entry->ids, entry->ids + entry->n_ids);
      return;
    }
  }
  thread_local std::vector<Symbol> symbols;
  symbols.clear();
  InitialSymbols(word, symbols);
  if (symbols.size() > 1) MergeAll(symbols);
  const size_t mark = ids.size();
  for (const Symbol& s : symbols) {
    if (s.alive) ids.push_back(s.id);
  }
  if (symbols.capacity() > kKeepScratch) std::vector<Symbol>().swap(symbols);
  const size_t n = ids.size() - mark;
  if (cacheable && n <= WordCache::kMaxIds) {
    entry->owner = serial_;
    entry->hash = hash;
    std::memcpy(entry->word, word.data(), word.size());
    entry->word_len = static_cast<uint8_t>(word.size());
    entry->n_ids = static_cast<uint8_t>(n);
    std::copy(ids.begin() + static_cast<std::ptrdiff_t>(mark), ids.end(), entry->ids);
  }
}

void Bpe::AddToFingerprint(Hasher& h) const {
  h.Str("model:BPE");
  h.Bool(options_.has_unk);
  h.Str(options_.unk_token);
  h.Str(options_.continuing_subword_prefix);
  h.Str(options_.end_of_word_suffix);
  h.Bool(options_.fuse_unk);
  h.Bool(options_.byte_fallback);
  h.Bool(options_.ignore_merges);
  std::vector<std::pair<int32_t, std::string_view>> entries;
  entries.reserve(vocab_.size());
  vocab_.ForEach([&](std::string_view key, int32_t id) { entries.emplace_back(id, key); });
  std::sort(entries.begin(), entries.end());
  h.U64(entries.size());
  for (const auto& e : entries) {
    h.I64(e.first);
    h.Str(e.second);
  }
  // Merges in rank order (ranks are unique once duplicates are resolved).
  struct Entry {
    uint32_t rank;
    int32_t a, b, new_id;
  };
  std::vector<Entry> merges;
  merges.reserve(merges_.size());
  merges_.ForEach([&](int32_t a, int32_t b, const MergeMap::Merge& m) { merges.push_back({m.rank, a, b, m.new_id}); });
  std::sort(merges.begin(), merges.end(), [](const Entry& x, const Entry& y) { return x.rank < y.rank; });
  h.U64(merges.size());
  for (const Entry& e : merges) {
    h.U64(e.rank);
    h.I64(e.a);
    h.I64(e.b);
    h.I64(e.new_id);
  }
}

// ---- Parsing ----------------------------------------------------------------------------------

std::unique_ptr<Model> ParseBpe(const json_util::Json& model, const std::string& path) {
  using namespace json_util;
  ExpectObject(model, path);
  const std::string vocab_path = Child(path, "vocab");
  const Json& vocab_json = Require(model, path, "vocab");
  ExpectObject(vocab_json, vocab_path);
  if (vocab_json.empty()) Fail(vocab_path, "is empty");
  VocabMap vocab;
  for (auto it = vocab_json.begin(); it != vocab_json.end(); ++it) {
    vocab.Insert(it.key(), AsId(it.value(), Key(vocab_path, it.key())));
  }

  Bpe::Options options;
  if (const Json* dropout = FindNonNull(model, "dropout")) {
    const std::string p = Child(path, "dropout");
    if (!dropout->is_number()) Fail(p, "must be a number or null, got " + Describe(*dropout));
    const double d = dropout->get<double>();
    if (!(d >= 0.0 && d <= 1.0)) Fail(p, "must be in [0, 1], got " + Describe(*dropout));
    if (d != 0.0) Unsupported(p, dropout->dump(), "null or 0 (BPE dropout makes tokenization random)");
  }
  if (const Json* unk = FindNonNull(model, "unk_token")) {
    options.has_unk = true;
    options.unk_token = AsString(*unk, Child(path, "unk_token"));
    if (vocab.Find(options.unk_token) < 0) {
      // Hugging Face fails only when a word needs it; failing here is clearer.
      Fail(Child(path, "unk_token"), Quoted(options.unk_token) + " is not in " + vocab_path);
    }
  }
  if (const Json* v = FindNonNull(model, "continuing_subword_prefix")) {
    options.continuing_subword_prefix = AsString(*v, Child(path, "continuing_subword_prefix"));
  }
  if (const Json* v = FindNonNull(model, "end_of_word_suffix")) {
    options.end_of_word_suffix = AsString(*v, Child(path, "end_of_word_suffix"));
  }
  options.fuse_unk = GetBool(model, path, "fuse_unk", false);
  options.byte_fallback = GetBool(model, path, "byte_fallback", false);
  options.ignore_merges = GetBool(model, path, "ignore_merges", false);

  // merges: ["a b", ...] or [["a", "b"], ...]; the rank is the position.
  const std::string merges_path = Child(path, "merges");
  const Json& merges_json = Require(model, path, "merges");
  ExpectArray(merges_json, merges_path);
  const bool as_strings = !merges_json.empty() && merges_json[0].is_string();
  const size_t prefix_len = options.continuing_subword_prefix.size();
  MergeMap merges;
  uint32_t rank = 0;
  for (size_t i = 0; i < merges_json.size(); ++i) {
    const std::string p = Index(merges_path, i);
    const Json& m = merges_json[i];
    std::string a, b;
    if (as_strings) {
      if (!m.is_string()) Fail(p, "must be a string like the other merges, got " + Describe(m));
      const std::string line = m.get<std::string>();
      if (line.rfind("#version", 0) == 0) continue;
      const size_t space = line.find(' ');
      if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos) {
        Fail(p, "must be two tokens separated by one space, got " + Quoted(line));
      }
      a = line.substr(0, space);
      b = line.substr(space + 1);
    } else {
      if (!m.is_array() || m.size() != 2 || !m[0].is_string() || !m[1].is_string()) {
        Fail(p, "must be a [\"left\", \"right\"] pair of strings, got " + Describe(m));
      }
      a = m[0].get<std::string>();
      b = m[1].get<std::string>();
    }
    const int32_t a_id = vocab.Find(a);
    if (a_id < 0) Fail(p, Quoted(a) + " is not in " + vocab_path);
    const int32_t b_id = vocab.Find(b);
    if (b_id < 0) Fail(p, Quoted(b) + " is not in " + vocab_path);
    // The merged token: a + b without the continuing prefix's length (Hugging Face cuts
    // prefix_len bytes whatever they are).
    if (b.size() < prefix_len || (b.size() > prefix_len && (static_cast<unsigned char>(b[prefix_len]) & 0xC0) == 0x80)) {
      Fail(p, Quoted(b) + " is shorter than continuing_subword_prefix or cut inside a character");
    }
    const std::string merged = a + b.substr(prefix_len);
    const int32_t new_id = vocab.Find(merged);
    if (new_id < 0) Fail(p, "merges into " + Quoted(merged) + ", which is not in " + vocab_path);
    merges.Set(a_id, b_id, MergeMap::Merge{rank, new_id});
    ++rank;
  }
  return std::make_unique<Bpe>(std::move(vocab), std::move(merges), std::move(options));
}

}  // namespace tp
