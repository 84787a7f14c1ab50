// jinja2's builtin tests and globals, the loop variable, and Python-style
// argument binding for the builtins (the filters are in jinja_builtins.cc).
// Hugging Face adds two globals, raise_exception and strftime_now; the
// latter returns the caller's fixed date, never the clock.
#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "src/tokenizer/jinja_eval.h"

namespace lithium::tokenizer::jinja {
namespace {

constexpr std::string_view kTests[] = {
    "boolean", "callable", "defined", "divisibleby", "eq",       "equalto", "escaped",   "even",
    "false",   "filter",   "float",   "ge",          "greaterthan", "gt",   "in",        "integer",
    "iterable", "le",      "lessthan", "lower",      "lt",       "mapping", "ne",        "none",
    "number",  "odd",      "sameas",  "sequence",    "string",   "test",    "true",      "undefined",
    "upper",
};

}  // namespace

bool IsKnownTest(std::string_view name) {
  return std::find(std::begin(kTests), std::end(kTests), name) != std::end(kTests);
}

Result<std::vector<std::optional<Value>>> BindArgs(const CallArgs& args, const std::string& fname,
                                                   std::initializer_list<const char*> names) {
  std::vector<std::optional<Value>> out(names.size());
  if (args.args.size() > names.size()) {
    return Status::Invalid(fname + "() takes at most " + std::to_string(names.size()) + " argument(s) (" +
                           std::to_string(args.args.size()) + " given)");
  }
  for (size_t k = 0; k < args.args.size(); ++k) out[k] = args.args[k];
  for (const auto& [key, value] : args.kwargs) {
    size_t k = 0;
    for (const char* n : names) {
      if (key == n) break;
      ++k;
    }
    if (k == names.size()) return Status::Invalid(fname + "() got an unexpected keyword argument '" + key + "'");
    if (out[k]) return Status::Invalid(fname + "() got multiple values for argument '" + key + "'");
    out[k] = value;
  }
  return out;
}

Result<bool> ApplyTest(Evaluator& ev, const std::string& t, const Value& v, CallArgs& a) {
  if (!IsKnownTest(t)) return Status::Unsupported("unsupported test '" + t + "'");
  auto one_arg = [&]() -> Result<Value> {
    LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, t, {"other"}));
    if (!p[0]) return Status::Invalid("test '" + t + "' needs an argument");
    return *p[0];
  };
  if (t == "defined") return !v.is_undefined();
  if (t == "undefined") return v.is_undefined();
  if (t == "none") return v.is_none();
  if (t == "boolean") return v.is_bool();
  if (t == "true") return v.is_bool() && v.bool_value();
  if (t == "false") return v.is_bool() && !v.bool_value();
  if (t == "integer") return v.is_int();
  if (t == "float") return v.is_float();
  if (t == "number") return v.is_number();
  if (t == "string") return v.is_string();
  if (t == "mapping") return v.is_dict();
  // Undefined iterates as empty and has a length, so both hold for it.
  if (t == "iterable" || t == "sequence") return v.is_list() || v.is_dict() || v.is_string() || v.is_undefined();
  if (t == "callable") return v.is_function() || v.is_undefined();
  if (t == "escaped") return false;
  if (t == "lower" || t == "upper") {
    Value m;
    FindMethod(Value::String(ToStr(v)), t == "lower" ? "islower" : "isupper", &m);
    CallArgs none;
    LI_ASSIGN_OR_RETURN(Value r, ev.Call(m, none));
    return r.Truthy();
  }
  if (t == "odd" || t == "even" || t == "divisibleby") {
    Value divisor = Value::Int(2);
    if (t == "divisibleby") {
      LI_ASSIGN_OR_RETURN(divisor, one_arg());
    }
    if (!v.is_number() || !divisor.is_number()) {
      return Status::Invalid(std::string("unsupported operand type(s) for %: '") + v.TypeName() + "' and '" +
                             divisor.TypeName() + "'");
    }
    if (divisor.number() == 0) return Status::Invalid("integer division or modulo by zero");
    double m;
    if (v.is_integral() && divisor.is_integral()) {
      m = static_cast<double>(v.int_value() % divisor.int_value());
    } else {
      m = std::fmod(v.number(), divisor.number());
    }
    if (t == "odd") return std::fabs(m) == 1;
    return m == 0;
  }
  if (t == "filter" || t == "test") {
    LI_RETURN_IF_ERROR(BindArgs(a, t, {}).status());
    if (!v.is_string()) return false;
    return t == "filter" ? IsKnownFilter(v.str()) : IsKnownTest(v.str());
  }
  LI_ASSIGN_OR_RETURN(Value other, one_arg());
  if (t == "sameas") {
    if (v.kind() != other.kind()) return false;
    if (v.is_none()) return true;
    if (v.is_bool()) return v.bool_value() == other.bool_value();
    // CPython caches small ints, so "1 is 1" holds.
    if (v.is_int()) return v.int_value() == other.int_value() && v.int_value() >= -5 && v.int_value() <= 256;
    return v.identity() != nullptr && v.identity() == other.identity();
  }
  if (t == "eq" || t == "equalto") return Equal(v, other);
  if (t == "ne") return !Equal(v, other);
  if (t == "in") return Contains(other, v);
  if (v.is_undefined() || other.is_undefined()) {
    return Status::Invalid(v.is_undefined() ? v.str() : other.str());
  }
  if (t == "lt" || t == "lessthan") return Less(v, other);
  if (t == "gt" || t == "greaterthan") return Less(other, v);
  LI_ASSIGN_OR_RETURN(bool r, t == "le" ? Less(other, v) : Less(v, other));
  return !r;
}

Value MakeLoopObject(const List& items, size_t index) {
  const int64_t n = static_cast<int64_t>(items.size());
  const int64_t i = static_cast<int64_t>(index);
  Dict d;
  d.items.reserve(12);
  d.Set("index", Value::Int(i + 1));
  d.Set("index0", Value::Int(i));
  d.Set("revindex", Value::Int(n - i));
  d.Set("revindex0", Value::Int(n - i - 1));
  d.Set("first", Value::Bool(i == 0));
  d.Set("last", Value::Bool(i == n - 1));
  d.Set("length", Value::Int(n));
  d.Set("depth", Value::Int(1));
  d.Set("depth0", Value::Int(0));
  if (i > 0) d.Set("previtem", items[index - 1]);
  if (i + 1 < n) d.Set("nextitem", items[index + 1]);
  d.Set("cycle", Value::MakeFunction("cycle", [index](Evaluator&, CallArgs& a) -> Result<Value> {
    if (a.args.empty()) return Status::Invalid("no items for cycling given");
    return a.args[index % a.args.size()];
  }));
  return Value::MakeDict(std::move(d));
}

bool FindGlobal(const EvalOptions& options, const std::string& name, Value* out) {
  if (name == "range") {
    *out = Value::MakeFunction(name, [](Evaluator&, CallArgs& a) -> Result<Value> {
      if (!a.kwargs.empty() || a.args.empty() || a.args.size() > 3) {
        return Status::Invalid("range() takes 1 to 3 integer arguments");
      }
      for (const Value& x : a.args) {
        if (!x.is_integral()) return Status::Invalid(std::string("'") + x.TypeName() + "' object cannot be interpreted as an integer");
      }
      int64_t start = 0, stop, step = 1;
      if (a.args.size() == 1) {
        stop = a.args[0].int_value();
      } else {
        start = a.args[0].int_value();
        stop = a.args[1].int_value();
        if (a.args.size() == 3) step = a.args[2].int_value();
      }
      if (step == 0) return Status::Invalid("range() arg 3 must not be zero");
      // Python's range is lazy; a chat template never needs a huge one.
      constexpr int64_t kMaxRange = int64_t{1} << 20;
      const double count = std::ceil((static_cast<double>(stop) - static_cast<double>(start)) / static_cast<double>(step));
      if (count > static_cast<double>(kMaxRange)) return Status::OutOfRange("range() is too large for a template");
      List out;
      for (int64_t x = start; step > 0 ? x < stop : x > stop; x += step) out.push_back(Value::Int(x));
      return Value::MakeList(std::move(out));
    });
    return true;
  }
  if (name == "dict" || name == "namespace") {
    *out = Value::MakeFunction(name, [name](Evaluator& ev, CallArgs& a) -> Result<Value> {
      Dict d;
      if (a.args.size() > 1) return Status::Invalid(name + "() takes at most one positional argument");
      if (!a.args.empty()) {
        const Value& init = a.args[0];
        if (init.is_dict()) {
          d = init.dict();
        } else {
          LI_ASSIGN_OR_RETURN(List pairs, ev.Iterate(init));
          for (const Value& pair : pairs) {
            if (!pair.is_list() || pair.list().size() != 2 || !pair.list()[0].is_string()) {
              return Status::Invalid(name + "(): expected (str, value) pairs");
            }
            d.Set(pair.list()[0].str(), pair.list()[1]);
          }
        }
      }
      for (const auto& [k, v] : a.kwargs) d.Set(k, v);
      return name == "dict" ? Value::MakeDict(std::move(d)) : Value::MakeNamespace(std::move(d));
    });
    return true;
  }
  if (name == "raise_exception") {
    *out = Value::MakeFunction(name, [](Evaluator&, CallArgs& a) -> Result<Value> {
      const std::string msg = a.args.empty() ? "" : ToStr(a.args[0]);
      return Status::Invalid("raise_exception: " + msg);
    });
    return true;
  }
  if (name == "strftime_now" && options.now) {
    const Date date = *options.now;
    *out = Value::MakeFunction(name, [date](Evaluator&, CallArgs& a) -> Result<Value> {
      LI_ASSIGN_OR_RETURN(auto p, BindArgs(a, "strftime_now", {"format"}));
      if (!p[0] || !p[0]->is_string()) return Status::Invalid("strftime_now() needs a format string");
      return Value::String(FormatDate(date, p[0]->str()));
    });
    return true;
  }
  return false;
}

}  // namespace lithium::tokenizer::jinja
