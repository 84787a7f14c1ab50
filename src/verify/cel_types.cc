// Static types: naming, and the mapping from JSON Schema to types.
#include <set>

#include "src/verify/cel_ast.h"

namespace lithium::verify::cel {

const Field* Type::FindField(const std::string& name) const {
  for (const Field& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string Type::Name() const {
  std::string n;
  switch (kind) {
    case Kind::kBool: n = "bool"; break;
    case Kind::kInt: n = "int"; break;
    case Kind::kNumber: n = decimal_string ? "decimal" : "number"; break;
    case Kind::kString: n = "string"; break;
    case Kind::kNull: n = "null"; break;
    case Kind::kList: n = "list(" + (elem ? elem->Name() : std::string("?")) + ")"; break;
    case Kind::kObject: n = "object"; break;
    case Kind::kAny: n = "untyped value"; break;
  }
  return n;
}

TypeRef MakeType(Type::Kind kind) {
  auto t = std::make_shared<Type>();
  t->kind = kind;
  return t;
}

TypeRef ListOf(TypeRef elem) {
  auto t = std::make_shared<Type>();
  t->kind = Type::Kind::kList;
  t->elem = std::move(elem);
  return t;
}

std::string AppendField(const std::string& path, const std::string& field) {
  bool ident = !field.empty() && !(field[0] >= '0' && field[0] <= '9');
  for (char c : field) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) ident = false;
  }
  if (ident) return path + "." + field;
  return path + "[" + nlohmann::json(field).dump() + "]";
}

namespace {

// Schemas nest deeper than any real document only through recursive $refs;
// past this depth a value is left untyped (kAny), which keeps recursive
// schemas (trees) loadable.
constexpr int kMaxSchemaDepth = 12;

class SchemaReader {
 public:
  explicit SchemaReader(const nlohmann::json& root) : root_(root) {}

  Result<TypeRef> Read(const nlohmann::json& s, int depth, const std::string& where) {
    if (depth > kMaxSchemaDepth) return MakeType(Type::Kind::kAny);
    if (s.is_boolean()) return MakeType(Type::Kind::kAny);
    if (!s.is_object()) return Status::Invalid(where + ": a schema must be an object or a boolean");
    if (auto ref = s.find("$ref"); ref != s.end()) {
      if (!ref->is_string()) return Status::Invalid(where + ": $ref must be a string");
      const std::string r = ref->get<std::string>();
      if (r.empty() || r[0] != '#') return Status::Unsupported(where + ": only local $ref (\"#/...\") is supported, not " + r);
      const nlohmann::json* target = Resolve(r.substr(1));
      if (target == nullptr) return Status::Invalid(where + ": $ref " + r + " points nowhere");
      return Read(*target, depth + 1, r);
    }
    auto t = std::make_shared<Type>();
    // Which kinds the schema allows.
    std::set<std::string> kinds;
    if (auto ty = s.find("type"); ty != s.end()) {
      if (ty->is_string()) {
        kinds.insert(ty->get<std::string>());
      } else if (ty->is_array()) {
        for (const auto& k : *ty) {
          if (k.is_string()) kinds.insert(k.get<std::string>());
        }
      }
    } else if (s.contains("properties")) {
      kinds.insert("object");
    } else if (s.contains("items")) {
      kinds.insert("array");
    }
    // enum / const: the values, and the kind when "type" is absent.
    if (auto c = s.find("const"); c != s.end()) t->enum_values.push_back(FromNlohmann(*c));
    if (auto e = s.find("enum"); e != s.end() && e->is_array()) {
      for (const auto& v : *e) t->enum_values.push_back(FromNlohmann(v));
    }
    if (kinds.empty() && !t->enum_values.empty()) {
      for (const JsonValue& v : t->enum_values) {
        switch (v.kind) {
          case JsonValue::Kind::kString: kinds.insert("string"); break;
          case JsonValue::Kind::kNumber: kinds.insert("number"); break;
          case JsonValue::Kind::kBool: kinds.insert("boolean"); break;
          case JsonValue::Kind::kNull: kinds.insert("null"); break;
          default: kinds.insert("object"); kinds.insert("array"); break;
        }
      }
    }
    if (kinds.erase("null") > 0) t->nullable = true;
    if (kinds.count("integer") && kinds.count("number")) kinds.erase("integer");
    if (kinds.size() != 1) {
      t->kind = kinds.empty() && t->nullable ? Type::Kind::kNull : Type::Kind::kAny;
      t->enum_values.clear();
      return TypeRef(t);
    }
    const std::string kind = *kinds.begin();
    if (kind == "boolean") {
      t->kind = Type::Kind::kBool;
    } else if (kind == "integer" || kind == "number") {
      t->kind = kind == "integer" ? Type::Kind::kInt : Type::Kind::kNumber;
      LI_RETURN_IF_ERROR(ReadBounds(s, t.get(), where));
    } else if (kind == "string") {
      t->kind = Type::Kind::kString;
      if (auto f = s.find("format"); f != s.end() && *f == "decimal") {
        t->kind = Type::Kind::kNumber;
        t->decimal_string = true;
        LI_RETURN_IF_ERROR(ReadBounds(s, t.get(), where));
      }
      t->min_length = ReadCount(s, "minLength", 0);
      t->max_length = ReadCount(s, "maxLength", -1);
    } else if (kind == "array") {
      t->kind = Type::Kind::kList;
      t->min_items = ReadCount(s, "minItems", 0);
      t->max_items = ReadCount(s, "maxItems", -1);
      if (auto it = s.find("items"); it != s.end() && (it->is_object() || it->is_boolean())) {
        LI_ASSIGN_OR_RETURN(t->elem, Read(*it, depth + 1, where + "/items"));
      } else {
        t->elem = MakeType(Type::Kind::kAny);  // tuple or absent "items"
      }
    } else if (kind == "object") {
      t->kind = Type::Kind::kObject;
      std::set<std::string> required;
      if (auto r = s.find("required"); r != s.end() && r->is_array()) {
        for (const auto& k : *r) {
          if (k.is_string()) required.insert(k.get<std::string>());
        }
      }
      if (auto p = s.find("properties"); p != s.end() && p->is_object()) {
        for (auto it = p->begin(); it != p->end(); ++it) {
          Field f;
          f.name = it.key();
          f.required = required.count(f.name) > 0;
          LI_ASSIGN_OR_RETURN(f.type, Read(it.value(), depth + 1, where + "/properties/" + it.key()));
          t->fields.push_back(std::move(f));
        }
      }
    } else {
      return Status::Invalid(where + ": unknown type \"" + kind + "\"");
    }
    // An enum only constrains scalars of the matching kind.
    std::vector<JsonValue> kept;
    for (JsonValue& v : t->enum_values) {
      const bool match = (t->kind == Type::Kind::kString && v.kind == JsonValue::Kind::kString) ||
                         (t->kind == Type::Kind::kNumber && t->decimal_string && v.kind == JsonValue::Kind::kString) ||
                         (t->is_numeric() && v.kind == JsonValue::Kind::kNumber) ||
                         (t->kind == Type::Kind::kBool && v.kind == JsonValue::Kind::kBool);
      if (match) kept.push_back(std::move(v));
    }
    // A nullable enum [..., null] keeps its non-null values; any other
    // mismatch (enum of objects) drops the facts rather than guess.
    t->enum_values = std::move(kept);
    return TypeRef(t);
  }

 private:
  const nlohmann::json* Resolve(const std::string& pointer) const {
    if (pointer.empty()) return &root_;
    const nlohmann::json* at = &root_;
    size_t i = 1;
    if (pointer[0] != '/') return nullptr;
    while (i <= pointer.size()) {
      size_t j = pointer.find('/', i);
      if (j == std::string::npos) j = pointer.size();
      std::string part = pointer.substr(i, j - i);
      // JSON pointer escapes: ~1 is '/', ~0 is '~'.
      for (size_t k = 0; (k = part.find("~1", k)) != std::string::npos;) part.replace(k, 2, "/");
      for (size_t k = 0; (k = part.find("~0", k)) != std::string::npos;) part.replace(k, 2, "~");
      if (at->is_object()) {
        auto it = at->find(part);
        if (it == at->end()) return nullptr;
        at = &*it;
      } else if (at->is_array()) {
        char* end = nullptr;
        unsigned long idx = std::strtoul(part.c_str(), &end, 10);
        if (part.empty() || *end != 0 || idx >= at->size()) return nullptr;
        at = &(*at)[idx];
      } else {
        return nullptr;
      }
      i = j + 1;
    }
    return at;
  }

  static int64_t ReadCount(const nlohmann::json& s, const char* key, int64_t dflt) {
    auto it = s.find(key);
    if (it == s.end() || !it->is_number()) return dflt;
    const double v = it->get<double>();
    return v < 0 ? 0 : v > 1e15 ? int64_t(1e15) : int64_t(v);
  }

  static Status ReadNumber(const nlohmann::json& v, Decimal* out, const std::string& where) {
    auto d = ParseDecimal(v.dump());
    if (!d.ok()) return d.status().WithContext(where);
    *out = *d;
    return Status::Ok();
  }

  // minimum/maximum, and exclusiveMinimum/Maximum in both their draft-4
  // (boolean modifier) and draft-6+ (number) forms.
  static Status ReadBounds(const nlohmann::json& s, Type* t, const std::string& where) {
    if (auto m = s.find("minimum"); m != s.end() && m->is_number()) {
      LI_RETURN_IF_ERROR(ReadNumber(*m, &t->minimum, where));
      t->has_minimum = true;
      if (auto x = s.find("exclusiveMinimum"); x != s.end() && x->is_boolean()) t->exclusive_minimum = x->get<bool>();
    }
    if (auto m = s.find("maximum"); m != s.end() && m->is_number()) {
      LI_RETURN_IF_ERROR(ReadNumber(*m, &t->maximum, where));
      t->has_maximum = true;
      if (auto x = s.find("exclusiveMaximum"); x != s.end() && x->is_boolean()) t->exclusive_maximum = x->get<bool>();
    }
    if (auto x = s.find("exclusiveMinimum"); x != s.end() && x->is_number() && !t->has_minimum) {
      LI_RETURN_IF_ERROR(ReadNumber(*x, &t->minimum, where));
      t->has_minimum = t->exclusive_minimum = true;
    }
    if (auto x = s.find("exclusiveMaximum"); x != s.end() && x->is_number() && !t->has_maximum) {
      LI_RETURN_IF_ERROR(ReadNumber(*x, &t->maximum, where));
      t->has_maximum = t->exclusive_maximum = true;
    }
    return Status::Ok();
  }

  const nlohmann::json& root_;
};

}  // namespace

Result<TypeRef> TypeFromSchema(const nlohmann::json& schema) {
  return SchemaReader(schema).Read(schema, 0, "schema");
}

}  // namespace lithium::verify::cel
