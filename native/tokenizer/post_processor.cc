#include "post_processor.h"

#include <utility>

namespace tp {

TemplatePostProcessor::TemplatePostProcessor(std::vector<Piece> pieces, std::string name)
    : pieces_(std::move(pieces)), name_(std::move(name)) {
  for (const Piece& p : pieces_) added_ += p.ids.size();
}

void TemplatePostProcessor::Apply(const std::vector<int32_t>& sequence, std::vector<int32_t>& ids,
                                  std::vector<int32_t>& type_ids) const {
  ids.clear();
  type_ids.clear();
  ids.reserve(sequence.size() + added_);
  type_ids.reserve(sequence.size() + added_);
  for (const Piece& p : pieces_) {
    if (p.is_sequence) {
      ids.insert(ids.end(), sequence.begin(), sequence.end());
      type_ids.insert(type_ids.end(), sequence.size(), p.type_id);
    } else {
      ids.insert(ids.end(), p.ids.begin(), p.ids.end());
      type_ids.insert(type_ids.end(), p.ids.size(), p.type_id);
    }
  }
}

void TemplatePostProcessor::AddToFingerprint(Hasher& h) const {
  // Processors that give the same ids hash the same, whatever their tokenizer.json spelling.
  h.Str("post_processor:template");
  h.U64(pieces_.size());
  for (const Piece& p : pieces_) {
    h.Bool(p.is_sequence);
    h.I64(p.type_id);
    h.U64(p.ids.size());
    for (int32_t id : p.ids) h.I64(id);
  }
}

std::unique_ptr<PostProcessor> MakeNoPostProcessor() {
  std::vector<TemplatePostProcessor::Piece> pieces(1);
  pieces[0].is_sequence = true;
  return std::make_unique<TemplatePostProcessor>(std::move(pieces), "null");
}

std::unique_ptr<PostProcessor> ParseTemplateProcessing(const json_util::Json& processor, const std::string& path) {
  using namespace json_util;
  ExpectObject(processor, path);
  const std::string single_path = Child(path, "single");
  const Json& single = Require(processor, path, "single");
  ExpectArray(single, single_path);

  // special_tokens: { "<name>": { "id": "<name>", "ids": [...], "tokens": [...] } }
  const std::string specials_path = Child(path, "special_tokens");
  const Json* specials = FindNonNull(processor, "special_tokens");
  if (specials != nullptr) ExpectObject(*specials, specials_path);

  std::vector<TemplatePostProcessor::Piece> pieces;
  bool has_sequence = false;
  for (size_t i = 0; i < single.size(); ++i) {
    const std::string p = Index(single_path, i);
    const Json& piece = single[i];
    ExpectObject(piece, p);
    if (piece.size() != 1) Fail(p, "must have exactly one member, \"Sequence\" or \"SpecialToken\"");
    TemplatePostProcessor::Piece out;
    if (const Json* seq = Find(piece, "Sequence")) {
      const std::string sp = Child(p, "Sequence");
      ExpectObject(*seq, sp);
      std::string which = AsString(Require(*seq, sp, "id"), Child(sp, "id"));
      if (which != "A") Unsupported(Child(sp, "id"), which, "A, in the single template");
      out.is_sequence = true;
      out.type_id = static_cast<int32_t>(AsInt(Require(*seq, sp, "type_id"), Child(sp, "type_id"), 0, 2147483647));
      has_sequence = true;
    } else if (const Json* special = Find(piece, "SpecialToken")) {
      const std::string sp = Child(p, "SpecialToken");
      ExpectObject(*special, sp);
      std::string name = AsString(Require(*special, sp, "id"), Child(sp, "id"));
      out.type_id =
          static_cast<int32_t>(AsInt(Require(*special, sp, "type_id"), Child(sp, "type_id"), 0, 2147483647));
      const Json* def = specials ? Find(*specials, name) : nullptr;
      if (def == nullptr) {
        Fail(Child(sp, "id"), Quoted(name) + " has no entry in " + specials_path);
      }
      const std::string dp = Key(specials_path, name);
      ExpectObject(*def, dp);
      const Json& ids = Require(*def, dp, "ids");
      ExpectArray(ids, Child(dp, "ids"));
      for (size_t k = 0; k < ids.size(); ++k) out.ids.push_back(AsId(ids[k], Index(Child(dp, "ids"), k)));
      if (const Json* tokens = FindNonNull(*def, "tokens")) {
        ExpectArray(*tokens, Child(dp, "tokens"));
        if (tokens->size() != ids.size()) Fail(dp, "must have as many \"tokens\" as \"ids\"");
      }
    } else {
      Fail(p, "must have a \"Sequence\" or a \"SpecialToken\" member");
    }
    pieces.push_back(std::move(out));
  }
  if (!has_sequence) Fail(single_path, "has no {\"Sequence\": {\"id\": \"A\"}} piece");
  return std::make_unique<TemplatePostProcessor>(std::move(pieces), "TemplateProcessing");
}

namespace {

// "cls": ["[CLS]", 101], "sep": ["[SEP]", 102] -> the template cls $A sep, type ids 0.
std::unique_ptr<PostProcessor> ParseClsSepProcessing(const json_util::Json& processor, const std::string& path,
                                                     const char* name) {
  using namespace json_util;
  ExpectObject(processor, path);
  auto token = [&](const char* key) {
    const std::string p = Child(path, key);
    const Json& v = Require(processor, path, key);
    if (!v.is_array() || v.size() != 2) Fail(p, "must be a [token, id] pair, got " + Describe(v));
    AsString(v[0], Index(p, 0));
    return AsId(v[1], Index(p, 1));
  };
  std::vector<TemplatePostProcessor::Piece> pieces(3);
  pieces[0].ids = {token("cls")};
  pieces[1].is_sequence = true;
  pieces[2].ids = {token("sep")};
  return std::make_unique<TemplatePostProcessor>(std::move(pieces), name);
}

}  // namespace

std::unique_ptr<PostProcessor> ParseBertProcessing(const json_util::Json& processor, const std::string& path) {
  return ParseClsSepProcessing(processor, path, "BertProcessing");
}

std::unique_ptr<PostProcessor> ParseRobertaProcessing(const json_util::Json& processor, const std::string& path) {
  json_util::ExpectObject(processor, path);
  // Offsets only; checked for their type.
  json_util::GetBool(processor, path, "trim_offsets", true);
  json_util::GetBool(processor, path, "add_prefix_space", true);
  return ParseClsSepProcessing(processor, path, "RobertaProcessing");
}

std::unique_ptr<PostProcessor> ParseByteLevelPostProcessor(const json_util::Json& processor, const std::string& path) {
  json_util::ExpectObject(processor, path);
  // Offsets only; checked for their type.
  json_util::GetBool(processor, path, "add_prefix_space", true);
  json_util::GetBool(processor, path, "trim_offsets", true);
  json_util::GetBool(processor, path, "use_regex", true);
  return MakeNoPostProcessor();
}

}  // namespace tp
