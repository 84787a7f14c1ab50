// The JSON Schema compiler. A schema object is first flattened: allOf
// members (and $ref targets with sibling keywords) are merged keyword by
// keyword into one set of constraints, anyOf/oneOf groups are kept aside.
// The groups are then distributed (parent AND (a OR b) = (parent AND a) OR
// (parent AND b)) and each flat set becomes an alternation over its JSON
// types. Objects, arrays, strings and numbers get rules of their own,
// shared between equal subschemas; strings and numbers are rules that call
// nothing, which is what the mask cache is fastest on.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "src/grammar/json_schema.h"
#include "src/grammar/json_schema_internal.h"
#include "src/grammar/regex.h"

namespace lithium::grammar {

using schema_internal::Json;

const std::vector<std::string>& EnforcedKeywords() {
  static const auto* k = new std::vector<std::string>{
      "type", "enum", "const", "properties", "required", "additionalProperties", "items", "prefixItems",
      "additionalItems", "minItems", "maxItems", "minLength", "maxLength", "pattern", "format", "minimum",
      "maximum", "exclusiveMinimum", "exclusiveMaximum", "anyOf", "oneOf", "allOf", "$ref", "$defs",
      "definitions", "uniqueItems"};
  return *k;
}

const std::vector<std::string>& AnnotationKeywords() {
  static const auto* k = new std::vector<std::string>{
      "$schema", "$id", "$comment", "title", "description", "default", "examples", "deprecated", "readOnly",
      "writeOnly", "contentMediaType", "contentEncoding", "$vocabulary"};
  return *k;
}

namespace {

constexpr int kTypeNull = 1, kTypeBool = 2, kTypeObject = 4, kTypeArray = 8, kTypeString = 16,
              kTypeInteger = 32, kTypeNumber = 64, kTypeAll = 127;

int TypeBit(const std::string& t) {
  if (t == "null") return kTypeNull;
  if (t == "boolean") return kTypeBool;
  if (t == "object") return kTypeObject;
  if (t == "array") return kTypeArray;
  if (t == "string") return kTypeString;
  if (t == "integer") return kTypeInteger;
  if (t == "number") return kTypeNumber | kTypeInteger;
  return 0;
}

int TypeOfValue(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return kTypeNull;
    case Json::value_t::boolean: return kTypeBool;
    case Json::value_t::object: return kTypeObject;
    case Json::value_t::array: return kTypeArray;
    case Json::value_t::string: return kTypeString;
    default: return kTypeNumber | kTypeInteger;
  }
}

bool IsTrueSchema(const Json& s) {
  if (s.is_boolean()) return s.get<bool>();
  return s.is_object() && s.empty();
}
bool IsFalseSchema(const Json& s) { return s.is_boolean() && !s.get<bool>(); }

// allOf of two schemas, simplified for true and false.
Json AllOf(const Json& a, const Json& b) {
  if (IsTrueSchema(a) || a == b) return b;
  if (IsTrueSchema(b)) return a;
  if (IsFalseSchema(a) || IsFalseSchema(b)) return Json(false);
  return Json{{"allOf", Json::array({a, b})}};
}

struct Alternative {
  Json schema;
  std::string ptr;
};
struct Group {
  bool one_of = false;
  std::string ptr;
  std::vector<Alternative> alts;
};
// A flattened schema: merged keywords and the anyOf/oneOf groups.
struct Flat {
  Json kw = Json::object();
  std::vector<Group> groups;
  bool never = false;
};

class Compiler {
 public:
  Compiler(const Json& root, const JsonSchemaOptions& o) : root_(root), o_(o) {
    draft_ = o.draft;
    if (draft_ == 0) {
      draft_ = 2020;
      if (root.is_object() && root.contains("$schema") && root["$schema"].is_string()) {
        const std::string s = root["$schema"].get<std::string>();
        for (const char* d : {"draft-04", "draft-06", "draft-07"}) {
          if (s.find(d) != std::string::npos) draft_ = 7;
        }
      }
    }
    if (root.is_object() && root.contains("$id") && root["$id"].is_string()) base_id_ = root["$id"].get<std::string>();
  }

  Result<Grammar> Run() {
    RuleId top = g_.AddRule("root");
    auto e = Schema(root_, "");
    if (!e.ok()) return e.status();
    g_.SetBody(top, *e);
    g_.set_root(top);
    return std::move(g_);
  }

 private:
  std::string At(const std::string& ptr) const { return ptr.empty() ? "/" : ptr; }

  // Keyword checks: unknown or unenforceable keywords are errors naming the
  // keyword and where it is; values of the wrong JSON type too.
  Status Check(const Json& s, const std::string& ptr) {
    static const std::set<std::string> enforced(EnforcedKeywords().begin(), EnforcedKeywords().end());
    static const std::set<std::string> annotations(AnnotationKeywords().begin(), AnnotationKeywords().end());
    for (auto it = s.begin(); it != s.end(); ++it) {
      const std::string& k = it.key();
      const Json& v = it.value();
      const std::string where = k + " at " + At(ptr);
      if (annotations.count(k)) {
        if (k == "$id" && !ptr.empty()) return Status::Unsupported("$id at " + At(ptr) + " (only the root may set $id)");
        continue;
      }
      if (!enforced.count(k)) return Status::Unsupported("keyword " + where + " is not supported");
      if (k == "uniqueItems") {
        if (!v.is_boolean()) return Status::Invalid(where + " must be a boolean");
        if (v.get<bool>()) return Status::Unsupported("keyword uniqueItems at " + At(ptr) + " is not supported");
      }
      if (k == "additionalItems" && draft_ != 7) return Status::Unsupported("keyword " + where + " is not supported in 2020-12 (use items)");
      if (k == "prefixItems" && draft_ == 7) return Status::Unsupported("keyword " + where + " is not supported in draft 7");
      if ((k == "minimum" || k == "maximum" || k == "exclusiveMinimum" || k == "exclusiveMaximum") && !v.is_number()) {
        return Status::Invalid(where + " must be a number");
      }
      if ((k == "minLength" || k == "maxLength" || k == "minItems" || k == "maxItems") &&
          (!v.is_number() || v.get<double>() < 0 || v.get<double>() != double(int64_t(v.get<double>())))) {
        return Status::Invalid(where + " must be a non-negative integer");
      }
      if ((k == "pattern" || k == "format" || k == "$ref") && !v.is_string()) return Status::Invalid(where + " must be a string");
      if (k == "required") {
        if (!v.is_array()) return Status::Invalid(where + " must be an array of strings");
        for (const Json& x : v) {
          if (!x.is_string()) return Status::Invalid(where + " must be an array of strings");
        }
      }
      if ((k == "properties" || k == "$defs" || k == "definitions") && !v.is_object()) {
        return Status::Invalid(where + " must be an object");
      }
      if ((k == "anyOf" || k == "oneOf" || k == "allOf" || k == "prefixItems") && (!v.is_array() || v.empty())) {
        return Status::Invalid(where + " must be a non-empty array");
      }
      if (k == "enum" && !v.is_array()) return Status::Invalid(where + " must be an array");
      if (k == "type") {
        Json list = v.is_array() ? v : Json::array({v});
        for (const Json& t : list) {
          if (!t.is_string() || TypeBit(t.get<std::string>()) == 0) return Status::Invalid(where + ": unknown type " + t.dump());
        }
      }
      if (k == "items" && v.is_array() && draft_ != 7) return Status::Invalid(where + " must be a schema (use prefixItems)");
    }
    return Status::Ok();
  }

  // "#/a/b" (or base-id#/a/b) to the target and its pointer.
  Result<std::pair<const Json*, std::string>> Resolve(const std::string& ref, const std::string& ptr) {
    std::string r = ref;
    if (!base_id_.empty() && r.compare(0, base_id_.size(), base_id_) == 0) r = r.substr(base_id_.size());
    if (r.empty() || r[0] != '#') return Status::Unsupported("$ref \"" + ref + "\" at " + At(ptr) + " (only local references such as #/$defs/name are supported)");
    if (r.size() > 1 && r[1] != '/') return Status::Unsupported("$ref \"" + ref + "\" at " + At(ptr) + " (anchors are not supported)");
    const Json* cur = &root_;
    std::string out;
    size_t i = 1;
    while (i < r.size()) {
      size_t j = r.find('/', i + 1);
      std::string seg = r.substr(i + 1, j == std::string::npos ? std::string::npos : j - i - 1);
      i = j == std::string::npos ? r.size() : j;
      std::string dec;
      for (size_t k = 0; k < seg.size(); ++k) {
        if (seg[k] == '%' && k + 2 < seg.size() + 0 && std::isxdigit(uint8_t(seg[k + 1])) && std::isxdigit(uint8_t(seg[k + 2]))) {
          auto hex = [](char c) { return std::isdigit(uint8_t(c)) ? c - '0' : (std::tolower(uint8_t(c)) - 'a' + 10); };
          dec.push_back(char(hex(seg[k + 1]) * 16 + hex(seg[k + 2])));
          k += 2;
        } else {
          dec.push_back(seg[k]);
        }
      }
      std::string name;
      for (size_t k = 0; k < dec.size(); ++k) {
        if (dec[k] == '~' && k + 1 < dec.size() && (dec[k + 1] == '0' || dec[k + 1] == '1')) {
          name.push_back(dec[k + 1] == '0' ? '~' : '/');
          ++k;
        } else {
          name.push_back(dec[k]);
        }
      }
      if (cur->is_object() && cur->contains(name)) {
        cur = &(*cur)[name];
      } else if (cur->is_array() && !name.empty() && name.size() < 9 &&
                 name.find_first_not_of("0123456789") == std::string::npos && size_t(std::atoi(name.c_str())) < cur->size()) {
        cur = &(*cur)[size_t(std::atoi(name.c_str()))];
      } else {
        return Status::Invalid("$ref \"" + ref + "\" at " + At(ptr) + " points nowhere");
      }
      out += "/" + schema_internal::PointerEscape(name);
    }
    return std::make_pair(cur, out);
  }

  // Only "$ref" plus annotations and definitions.
  bool IsPlainRef(const Json& s) {
    if (!s.is_object() || !s.contains("$ref")) return false;
    if (draft_ == 7) return true;  // siblings of $ref are ignored in draft 7
    static const std::set<std::string> annotations(AnnotationKeywords().begin(), AnnotationKeywords().end());
    for (auto it = s.begin(); it != s.end(); ++it) {
      const std::string& k = it.key();
      if (k != "$ref" && k != "$defs" && k != "definitions" && !annotations.count(k)) return false;
    }
    return true;
  }

  Result<ExprId> Schema(const Json& s, const std::string& ptr) {
    if (s.is_boolean()) return s.get<bool>() ? AnyValue() : g_.Nothing();
    if (!s.is_object()) return Status::Invalid("the schema at " + At(ptr) + " must be an object or a boolean");
    LI_RETURN_IF_ERROR(Check(s, ptr));
    if (IsPlainRef(s)) {
      auto target = Resolve(s["$ref"].get<std::string>(), ptr);
      if (!target.ok()) return target.status();
      auto it = ref_rules_.find(target->second);
      if (it != ref_rules_.end()) return g_.Ref(it->second);
      RuleId r = g_.AddRule("ref" + target->second);
      ref_rules_[target->second] = r;
      auto body = Schema(*target->first, target->second);
      if (!body.ok()) return body;
      g_.SetBody(r, *body);
      return g_.Ref(r);
    }
    Flat f;
    LI_RETURN_IF_ERROR(Merge(&f, s, ptr, 0));
    return Expand(f, ptr);
  }

  Status Merge(Flat* f, const Json& s, const std::string& ptr, int depth) {
    if (depth > 64) return Status::Unsupported("$ref/allOf nesting deeper than 64 at " + At(ptr) + " (recursion through allOf or $ref siblings)");
    if (s.is_boolean()) {
      if (!s.get<bool>()) f->never = true;
      return Status::Ok();
    }
    if (!s.is_object()) return Status::Invalid("the schema at " + At(ptr) + " must be an object or a boolean");
    LI_RETURN_IF_ERROR(Check(s, ptr));
    if (s.contains("$ref")) {
      auto target = Resolve(s["$ref"].get<std::string>(), ptr);
      if (!target.ok()) return target.status();
      LI_RETURN_IF_ERROR(Merge(f, *target->first, target->second, depth + 1));
      if (draft_ == 7) return Status::Ok();
    }
    Json& kw = f->kw;
    // Merged exactly: a name declared on one side only meets the other
    // side's additionalProperties (and likewise for array positions).
    if (s.contains("properties") || s.contains("additionalProperties")) MergeObject(&kw, s);
    if (s.contains("items") || s.contains("prefixItems") || s.contains("additionalItems")) MergeArray(&kw, s);
    for (auto it = s.begin(); it != s.end(); ++it) {
      const std::string& k = it.key();
      const Json& v = it.value();
      if (k == "$ref" || k == "$defs" || k == "definitions" || k == "uniqueItems") continue;
      if (std::find(AnnotationKeywords().begin(), AnnotationKeywords().end(), k) != AnnotationKeywords().end()) continue;
      const std::string kptr = ptr + "/" + k;
      if (k == "allOf") {
        for (size_t i = 0; i < v.size(); ++i) LI_RETURN_IF_ERROR(Merge(f, v[i], kptr + "/" + std::to_string(i), depth + 1));
      } else if (k == "anyOf" || k == "oneOf") {
        Group grp{k == "oneOf", kptr, {}};
        for (size_t i = 0; i < v.size(); ++i) grp.alts.push_back({v[i], kptr + "/" + std::to_string(i)});
        f->groups.push_back(std::move(grp));
      } else if (k == "type") {
        int bits = 0;
        for (const Json& t : v.is_array() ? v : Json::array({v})) bits |= TypeBit(t.get<std::string>());
        int cur = kw.contains("x-types") ? kw["x-types"].get<int>() : kTypeAll;
        kw["x-types"] = cur & bits;
      } else if (k == "enum" || k == "const") {
        Json vals = k == "const" ? Json::array({v}) : v;
        if (kw.contains("x-enum")) {
          Json both = Json::array();
          for (const Json& x : kw["x-enum"]) {
            for (const Json& y : vals) {
              if (CanonicalJson(x, true) == CanonicalJson(y, true)) {
                both.push_back(x);
                break;
              }
            }
          }
          vals = both;
        }
        kw["x-enum"] = vals;
      } else if (k == "minimum" || k == "exclusiveMinimum" || k == "minLength" || k == "minItems") {
        if (!kw.contains(k) || v.get<double>() > kw[k].get<double>()) kw[k] = v;
      } else if (k == "maximum" || k == "exclusiveMaximum" || k == "maxLength" || k == "maxItems") {
        if (!kw.contains(k) || v.get<double>() < kw[k].get<double>()) kw[k] = v;
      } else if (k == "pattern" || k == "format") {
        const std::string list = k == "pattern" ? "x-patterns" : "x-formats";
        if (!kw.contains(list)) kw[list] = Json::array();
        if (std::find(kw[list].begin(), kw[list].end(), v) == kw[list].end()) kw[list].push_back(v);
      } else if (k == "required") {
        if (!kw.contains("required")) kw["required"] = Json::array();
        for (const Json& r : v) {
          if (std::find(kw["required"].begin(), kw["required"].end(), r) == kw["required"].end()) kw["required"].push_back(r);
        }
      }
    }
    return Status::Ok();
  }

  void MergeObject(Json* kw, const Json& s) {
    Json props = s.contains("properties") ? s["properties"] : Json::object();
    Json add = s.contains("additionalProperties") ? s["additionalProperties"] : Json(true);
    const bool had = kw->contains("x-props");
    Json& cur = (*kw)["x-props"];
    if (!had) cur = Json::object();
    Json cur_add = kw->contains("x-additional") ? (*kw)["x-additional"] : Json(true);
    for (auto it = cur.begin(); it != cur.end(); ++it) {
      it.value() = AllOf(it.value(), props.contains(it.key()) ? props[it.key()] : add);
    }
    for (auto it = props.begin(); it != props.end(); ++it) {
      if (!cur.contains(it.key())) cur[it.key()] = AllOf(it.value(), cur_add);
    }
    (*kw)["x-additional"] = AllOf(cur_add, add);
    if (s.contains("additionalProperties")) (*kw)["x-additional-set"] = true;
  }

  void MergeArray(Json* kw, const Json& s) {
    Json prefix = Json::array(), rest(true);
    if (draft_ == 7) {
      if (s.contains("items") && s["items"].is_array()) {
        prefix = s["items"];
        if (s.contains("additionalItems")) rest = s["additionalItems"];
      } else if (s.contains("items")) {
        rest = s["items"];
      }
    } else {
      if (s.contains("prefixItems")) prefix = s["prefixItems"];
      if (s.contains("items")) rest = s["items"];
    }
    Json cur_prefix = kw->contains("x-prefix") ? (*kw)["x-prefix"] : Json::array();
    Json cur_rest = kw->contains("x-rest") ? (*kw)["x-rest"] : Json(true);
    Json out = Json::array();
    const size_t n = std::max(prefix.size(), cur_prefix.size());
    for (size_t i = 0; i < n; ++i) {
      out.push_back(AllOf(i < cur_prefix.size() ? cur_prefix[i] : cur_rest, i < prefix.size() ? prefix[i] : rest));
    }
    (*kw)["x-prefix"] = out;
    (*kw)["x-rest"] = AllOf(cur_rest, rest);
  }

  int Types(const Json& kw) {
    int t = kw.contains("x-types") ? kw["x-types"].get<int>() : kTypeAll;
    if (kw.contains("x-enum")) {
      int e = 0;
      for (const Json& v : kw["x-enum"]) e |= TypeOfValue(v);
      t &= e;
    }
    return t;
  }

  // Two alternatives of a oneOf that cannot both match: different types,
  // disjoint enums, or a property required by both with disjoint enums.
  bool Disjoint(const Flat& a, const Flat& b) {
    if (a.never || b.never) return true;
    if (!a.groups.empty() || !b.groups.empty()) return false;
    int ta = Types(a.kw), tb = Types(b.kw);
    // An integer is also a number.
    auto widen = [](int t) { return (t & kTypeNumber) ? t | kTypeInteger : t; };
    if ((widen(ta) & widen(tb)) == 0) return true;
    auto enum_set = [](const Json& kw, std::set<std::string>* out) {
      if (!kw.contains("x-enum")) return false;
      for (const Json& v : kw["x-enum"]) out->insert(CanonicalJson(v, true));
      return true;
    };
    std::set<std::string> ea, eb;
    if (enum_set(a.kw, &ea) && enum_set(b.kw, &eb)) {
      for (const std::string& x : ea) {
        if (eb.count(x)) return false;
      }
      return true;
    }
    if (!(ta & kTypeObject) || !(tb & kTypeObject) || (ta & ~kTypeObject) || (tb & ~kTypeObject)) return false;
    if (!a.kw.contains("required") || !b.kw.contains("required") || !a.kw.contains("x-props") || !b.kw.contains("x-props")) return false;
    for (const Json& r : a.kw["required"]) {
      const std::string name = r.get<std::string>();
      if (std::find(b.kw["required"].begin(), b.kw["required"].end(), r) == b.kw["required"].end()) continue;
      if (!a.kw["x-props"].contains(name) || !b.kw["x-props"].contains(name)) continue;
      Flat pa, pb;
      if (!Merge(&pa, a.kw["x-props"][name], "", 1).ok() || !Merge(&pb, b.kw["x-props"][name], "", 1).ok()) continue;
      std::set<std::string> xa, xb;
      if (pa.groups.empty() && pb.groups.empty() && enum_set(pa.kw, &xa) && enum_set(pb.kw, &xb)) {
        bool overlap = false;
        for (const std::string& x : xa) overlap |= xb.count(x) > 0;
        if (!overlap) return true;
      }
    }
    return false;
  }

  Result<ExprId> Expand(const Flat& f, const std::string& ptr) {
    if (f.never) return g_.Nothing();
    if (!f.groups.empty()) {
      Flat rest = f;
      Group grp = rest.groups.front();
      rest.groups.erase(rest.groups.begin());
      std::vector<Flat> flats;
      for (const Alternative& a : grp.alts) {
        Flat fa = rest;
        LI_RETURN_IF_ERROR(Merge(&fa, a.schema, a.ptr, 1));
        flats.push_back(std::move(fa));
      }
      if (grp.one_of) {
        for (size_t i = 0; i < flats.size(); ++i) {
          for (size_t j = i + 1; j < flats.size(); ++j) {
            if (!Disjoint(flats[i], flats[j])) {
              return Status::Unsupported("keyword oneOf at " + grp.ptr + " is not supported: alternatives " +
                                         std::to_string(i) + " and " + std::to_string(j) +
                                         " may both match (only provably exclusive alternatives are)");
            }
          }
        }
      }
      std::vector<ExprId> alts;
      for (size_t i = 0; i < flats.size(); ++i) {
        auto e = Expand(flats[i], grp.alts[i].ptr);
        if (!e.ok()) return e;
        alts.push_back(*e);
      }
      return g_.Alt(std::move(alts));
    }
    return Typed(f.kw, ptr);
  }

  Result<ExprId> Typed(const Json& kw, const std::string& ptr) {
    const int types = Types(kw);
    if (kw.contains("x-enum")) {
      for (const char* k : {"x-props", "x-prefix", "x-patterns", "x-formats"}) {
        if (!kw.contains(k)) continue;
        const std::string name = k;
        bool trivial = (name == "x-props" && kw[k].empty() && IsTrueSchema(kw["x-additional"])) ||
                       (name == "x-prefix" && kw[k].empty() && IsTrueSchema(kw["x-rest"]));
        if (!trivial) {
          return Status::Unsupported("enum/const combined with object, array, pattern or format keywords at " + At(ptr));
        }
      }
      std::vector<ExprId> alts;
      for (const Json& v : kw["x-enum"]) {
        int bit = TypeOfValue(v);
        if (v.is_number()) {
          const double x = v.get<double>();
          bit = (v.is_number_integer() || std::floor(x) == x) ? kTypeInteger : kTypeNumber;
        }
        if ((types & bit) && schema_internal::ValueOk(kw, v)) alts.push_back(g_.Literal(CanonicalJson(v, o_.sort_properties)));
      }
      return g_.Alt(std::move(alts));
    }
    std::vector<ExprId> alts;
    if (types & kTypeNull) alts.push_back(g_.Literal("null"));
    if (types & kTypeBool) alts.push_back(g_.Alt({g_.Literal("true"), g_.Literal("false")}));
    if (types & (kTypeInteger | kTypeNumber)) {
      Json key = Json::object();
      for (const char* k : {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}) {
        if (kw.contains(k)) key[k] = kw[k];
      }
      const bool integer_only = !(types & kTypeNumber);
      auto r = LeafRule((integer_only ? "integer" : "number") + key.dump(), [&]() {
        return schema_internal::NumberExpr(&g_, key, integer_only, At(ptr));
      });
      if (!r.ok()) return r;
      alts.push_back(*r);
    }
    if (types & kTypeString) {
      Json key = Json::object();
      for (const char* k : {"minLength", "maxLength", "x-patterns", "x-formats"}) {
        if (kw.contains(k)) key[k] = kw[k];
      }
      auto r = LeafRule("string" + key.dump(), [&]() -> Result<ExprId> {
        auto content = schema_internal::StringContent(&g_, key, At(ptr));
        if (!content.ok()) return content;
        return g_.Seq({g_.Byte('"'), *content, g_.Byte('"')});
      });
      if (!r.ok()) return r;
      alts.push_back(*r);
    }
    if (types & kTypeArray) {
      auto r = Array(kw, ptr);
      if (!r.ok()) return r;
      alts.push_back(*r);
    }
    if (types & kTypeObject) {
      auto r = Object(kw, ptr);
      if (!r.ok()) return r;
      alts.push_back(*r);
    }
    return g_.Alt(std::move(alts));
  }

  template <typename F>
  Result<ExprId> LeafRule(const std::string& key, F build) {
    auto it = shared_.find(key);
    if (it != shared_.end()) return g_.Ref(it->second);
    auto body = build();
    if (!body.ok()) return body;
    if (*body == g_.Nothing()) return g_.Nothing();
    RuleId r = g_.AddRule(key.substr(0, key.find('{')) + "-" + std::to_string(shared_.size()));
    g_.SetBody(r, *body);
    shared_[key] = r;
    return g_.Ref(r);
  }

  Result<ExprId> Array(const Json& kw, const std::string& ptr) {
    Json prefix = kw.contains("x-prefix") ? kw["x-prefix"] : Json::array();
    Json rest = kw.contains("x-rest") ? kw["x-rest"] : Json(true);
    int64_t lo = kw.contains("minItems") ? int64_t(kw["minItems"].get<double>()) : 0;
    int64_t hi = kw.contains("maxItems") ? int64_t(kw["maxItems"].get<double>()) : -1;
    if (IsFalseSchema(rest) && (hi < 0 || hi > int64_t(prefix.size()))) hi = int64_t(prefix.size());
    if (hi >= 0 && lo > hi) return g_.Nothing();
    if (lo > 10000 || hi > 10000) return Status::Unsupported("minItems/maxItems above 10000 at " + At(ptr));
    std::vector<ExprId> items;
    for (size_t i = 0; i < prefix.size(); ++i) {
      auto e = Schema(prefix[i], ptr + "/prefixItems/" + std::to_string(i));
      if (!e.ok()) return e;
      items.push_back(*e);
    }
    auto rest_e = Schema(rest, ptr + "/items");
    if (!rest_e.ok()) return rest_e;
    // Element k and everything after it (k >= 1 is preceded by a comma).
    const int64_t n = int64_t(prefix.size());
    ExprId comma = g_.Byte(',');
    auto sep = [&](int64_t k, ExprId e) { return k == 0 ? e : g_.Seq({comma, e}); };
    ExprId tail;
    {
      // Positions >= n: the rest schema, as many as lo..hi allows.
      const int64_t need = std::max<int64_t>(lo - n, 0);
      const int64_t room = hi < 0 ? -1 : hi - n;
      if (room == 0) {
        tail = g_.Empty();
      } else if (n == 0) {
        ExprId more = g_.Repeat(g_.Seq({comma, *rest_e}), int32_t(std::max<int64_t>(need - 1, 0)),
                                room < 0 ? -1 : int32_t(room - 1));
        ExprId first = g_.Seq({*rest_e, more});
        tail = need > 0 ? first : g_.Opt(first);
      } else {
        tail = g_.Repeat(g_.Seq({comma, *rest_e}), int32_t(need), room < 0 ? -1 : int32_t(room));
      }
    }
    ExprId body = tail;
    for (int64_t k = n - 1; k >= 0; --k) {
      if (hi >= 0 && k >= hi) {
        body = g_.Empty();
        continue;
      }
      ExprId here = g_.Seq({sep(k, items[size_t(k)]), body});
      body = k < lo ? here : g_.Opt(here);
    }
    return g_.Seq({g_.Byte('['), body, g_.Byte(']')});
  }

  // The name of an additional member: any string except the declared ones.
  ExprId ExtraKey(const std::vector<std::string>& declared) {
    const std::string key = "extra-key" + Json(declared).dump();
    auto it = shared_.find(key);
    if (it != shared_.end()) return g_.Ref(it->second);
    ExprId any = g_.Star(EmitChars(&g_, {{0, 0x10FFFF}}, true));
    // Over code points: a trie of the declared names; leaving the trie
    // anywhere, or ending at a node that is not a name, is fine.
    struct Node {
      std::map<uint32_t, int> kids;
      bool name = false;
    };
    std::vector<Node> trie(1);
    for (const std::string& d : declared) {
      int cur = 0;
      for (size_t i = 0; i < d.size();) {
        uint8_t c = uint8_t(d[i]);
        int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
        uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
        for (int k = 1; k < len && i + size_t(k) < d.size(); ++k) cp = (cp << 6) | (uint8_t(d[i + size_t(k)]) & 0x3F);
        i += size_t(len);
        auto f = trie[size_t(cur)].kids.find(cp);
        if (f == trie[size_t(cur)].kids.end()) {
          trie.push_back(Node{});
          trie[size_t(cur)].kids[cp] = int(trie.size() - 1);
          cur = int(trie.size() - 1);
        } else {
          cur = f->second;
        }
      }
      trie[size_t(cur)].name = true;
    }
    auto build = [&](auto&& self, int node) -> ExprId {
      std::vector<ExprId> alts;
      if (!trie[size_t(node)].name) alts.push_back(g_.Empty());
      std::vector<CpRange> used;
      for (auto& [cp, kid] : trie[size_t(node)].kids) {
        used.push_back({cp, cp});
        alts.push_back(g_.Seq({EmitChars(&g_, {{cp, cp}}, true), self(self, kid)}));
      }
      alts.push_back(g_.Seq({EmitChars(&g_, ComplementRanges(NormalizeRanges(used)), true), any}));
      return g_.Alt(std::move(alts));
    };
    RuleId r = g_.AddRule("extra-key-" + std::to_string(shared_.size()));
    g_.SetBody(r, g_.Seq({g_.Byte('"'), build(build, 0), g_.Byte('"')}));
    shared_[key] = r;
    return g_.Ref(r);
  }

  Result<ExprId> Object(const Json& kw, const std::string& ptr) {
    Json props = kw.contains("x-props") ? kw["x-props"] : Json::object();
    Json add = kw.contains("x-additional") ? kw["x-additional"] : Json(true);
    if (o_.forbid_additional_properties && !kw.contains("x-additional-set")) {
      // Absent additionalProperties means false under the flag; an explicit
      // one (tracked by the merge as a non-true value) is kept.
      if (IsTrueSchema(add)) add = Json(false);
    }
    std::vector<std::string> names;
    for (auto it = props.begin(); it != props.end(); ++it) names.push_back(it.key());
    std::set<std::string> required;
    if (kw.contains("required")) {
      for (const Json& r : kw["required"]) {
        const std::string name = r.get<std::string>();
        required.insert(name);
        if (!props.contains(name)) {
          names.push_back(name);
          props[name] = add;  // a required name not declared: the additional schema applies
        }
      }
    }
    if (o_.sort_properties) std::sort(names.begin(), names.end());
    const std::string key = "object" + CanonicalJson(Json{{"props", props}, {"names", names}, {"add", add},
                                                          {"req", Json(std::vector<std::string>(required.begin(), required.end()))}},
                                                     false);
    auto it = shared_.find(key);
    if (it != shared_.end()) return g_.Ref(it->second);
    RuleId rule = g_.AddRule("object-" + std::to_string(shared_.size()));
    shared_[key] = rule;

    std::vector<ExprId> members;  // "name":value for each declared name
    for (const std::string& name : names) {
      auto v = Schema(props[name], ptr + "/properties/" + schema_internal::PointerEscape(name));
      if (!v.ok()) return v;
      members.push_back(g_.Seq({g_.Literal(CanonicalJson(Json(name), false) + ":"), *v}));
    }
    ExprId extra = g_.Nothing();
    if (!IsFalseSchema(add)) {
      auto v = Schema(add, ptr + "/additionalProperties");
      if (!v.ok()) return v;
      if (*v != g_.Nothing()) extra = g_.Seq({ExtraKey(names), g_.Byte(':'), *v});
    }
    const ExprId comma = g_.Byte(',');
    const ExprId extras_after = g_.Star(g_.Seq({comma, extra}));  // once something was written
    // after[i]: members i.. once something was written (each preceded by a
    // comma); linear in the number of members.
    const size_t n = names.size();
    std::vector<ExprId> after(n + 1);
    after[n] = extras_after;
    for (size_t i = n; i-- > 0;) {
      ExprId m = g_.Seq({comma, members[i]});
      ExprId here = required.count(names[i]) ? m : g_.Opt(m);
      after[i] = g_.Seq({extras_after, here, after[i + 1]});
    }
    // first[i]: members i.. when nothing was written yet.
    ExprId first = g_.Opt(g_.Seq({extra, after[n]}));
    for (size_t i = n; i-- > 0;) {
      std::vector<ExprId> alts{g_.Seq({extra, after[i]}), g_.Seq({members[i], after[i + 1]})};
      if (!required.count(names[i])) alts.push_back(first);
      first = g_.Alt(std::move(alts));
    }
    g_.SetBody(rule, g_.Seq({g_.Byte('{'), first, g_.Byte('}')}));
    return g_.Ref(rule);
  }

  // Any JSON value (the schema true), as recursive rules.
  ExprId AnyValue() {
    if (any_value_ >= 0) return g_.Ref(any_value_);
    any_value_ = g_.AddRule("any-value");
    RuleId str = g_.AddRule("any-string");
    g_.SetBody(str, g_.Seq({g_.Byte('"'), g_.Star(EmitChars(&g_, {{0, 0x10FFFF}}, true)), g_.Byte('"')}));
    RuleId num = g_.AddRule("any-number");
    auto n = schema_internal::NumberExpr(&g_, Json::object(), false, "");
    g_.SetBody(num, n.ok() ? *n : g_.Nothing());
    ExprId v = g_.Ref(any_value_), s = g_.Ref(str), comma = g_.Byte(',');
    ExprId member = g_.Seq({s, g_.Byte(':'), v});
    ExprId object = g_.Seq({g_.Byte('{'), g_.Opt(g_.Seq({member, g_.Star(g_.Seq({comma, member}))})), g_.Byte('}')});
    ExprId array = g_.Seq({g_.Byte('['), g_.Opt(g_.Seq({v, g_.Star(g_.Seq({comma, v}))})), g_.Byte(']')});
    g_.SetBody(any_value_, g_.Alt({g_.Literal("null"), g_.Literal("true"), g_.Literal("false"), g_.Ref(num), s, array, object}));
    return g_.Ref(any_value_);
  }

  const Json& root_;
  JsonSchemaOptions o_;
  int draft_ = 2020;
  std::string base_id_;
  Grammar g_;
  std::map<std::string, RuleId> ref_rules_, shared_;
  RuleId any_value_ = -1;
};

}  // namespace

Result<Grammar> JsonSchemaToGrammar(const nlohmann::ordered_json& schema, const JsonSchemaOptions& options) {
  return Compiler(schema, options).Run();
}

Result<Grammar> JsonSchemaToGrammar(std::string_view schema_text, const JsonSchemaOptions& options) {
  Json j = Json::parse(schema_text, nullptr, false);
  if (j.is_discarded()) return Status::Invalid("the JSON schema is not valid JSON");
  return JsonSchemaToGrammar(j, options);
}

}  // namespace lithium::grammar
