// Lists for the compiler: a list is a sequence of guarded slots. Concrete
// lists have one slot per item, all guards true; symbolic ones have
// max_slots slots guarded by `length > k`, plus an overflow condition for
// the items past them (cel_z3.h).
#include "src/verify/cel_z3.h"

namespace lithium::verify::cel {

using K = Type::Kind;

std::shared_ptr<const ListData> Compiler::Elements(const Val& list) {
  if (list.list) return list.list;
  const std::string key = list.path;
  if (auto it = list_cache_.find(key); it != list_cache_.end() && !key.empty()) return it->second;
  auto data = std::make_shared<ListData>(ctx_);
  const TypeRef elem = list.type->elem;
  const z3::expr base = Ok(list);
  if (concrete()) {
    if (list.json != nullptr && list.json->kind == JsonValue::Kind::kArray) {
      // Iterating reads the list: an empty one explains an exists() failure.
      NoteRead(list.path, list.json, int64_t(list.json->items.size()));
      for (size_t k = 0; k < list.json->items.size(); ++k) {
        data->slots.push_back({True(), FromJson(elem, &list.json->items[k], ElementPath(list.path, k), base)});
      }
    }
  } else {
    const Type& t = *list.type;
    const std::string len_name = list.path + "!len";
    const z3::expr len = ctx_.int_const(len_name.c_str());
    touched_.insert(len_name);
    if (symbols_->created.insert(len_name).second) {
      symbols_->Add(len_name, len >= ctx_.int_val(t.min_items));
      if (t.max_items >= 0) symbols_->Add(len_name, len <= ctx_.int_val(t.max_items));
    }
    int64_t n = symbols_->max_slots;
    if (t.max_items >= 0 && t.max_items < n) n = t.max_items;
    for (int64_t k = 0; k < n; ++k) {
      data->slots.push_back({len > ctx_.int_val(k), FromSymbol(elem, ElementPath(list.path, size_t(k)), base)});
    }
    data->overflow = t.max_items >= 0 && t.max_items <= n ? False() : len > ctx_.int_val(n);
  }
  if (!key.empty()) list_cache_[key] = data;
  return data;
}

Val Compiler::Index(const Val& list, const Val& index, const TypeRef& type) {
  Val out(ctx_);
  out.type = type;
  const z3::expr base = And(Ok(list), Ok(index));
  const z3::expr i = index.v;
  const z3::expr is = i.simplify();
  int64_t k = -1;
  const bool numeral = is.is_numeral_i64(k);
  if (concrete()) {
    if (!numeral) {
      NoteError("could not evaluate an index");
      out.d = False();
      out.v = DefaultOf(type->kind);
      return out;
    }
    // A document list is indexed in place: materializing every item (and
    // noting each as read) for one index would be wasteful.
    const bool in_document = !list.list && list.json != nullptr && list.json->kind == JsonValue::Kind::kArray;
    const size_t n = in_document ? list.json->items.size() : Elements(list)->slots.size();
    if (k < 0 || size_t(k) >= n) {
      NoteError((list.path.empty() ? std::string("list") : list.path) + ": index " + std::to_string(k) +
                " is out of range (size " + std::to_string(n) + ")");
      out.d = False();
      out.v = DefaultOf(type->kind);
      return out;
    }
    if (in_document) return FromJson(type, &list.json->items[size_t(k)], ElementPath(list.path, size_t(k)), base);
    Val e = Elements(list)->slots[size_t(k)].val;
    e.d = And(e.d, base);
    return e;
  }
  auto data = Elements(list);
  bool all_guards_true = true;
  for (const Slot& s : data->slots) all_guards_true = all_guards_true && IsTrue(s.guard);
  const bool document_list = !list.list;
  if (numeral && (document_list || all_guards_true)) {
    // Slot k is element k: the guard says whether it exists.
    if (k >= 0 && size_t(k) < data->slots.size()) {
      Val e = data->slots[size_t(k)].val;
      e.d = And(And(e.d, base), data->slots[size_t(k)].guard);
      return e;
    }
    if (k < 0 || IsFalse(data->overflow)) {
      out.d = False();
      out.v = DefaultOf(type->kind);
      return out;
    }
  }
  if (!type->is_scalar()) throw SymbolicUnsupported{"an object or list picked from a list by a computed index"};
  // The element whose position among the existing slots equals i; past the
  // slots (overflow), an unknown value.
  z3::expr pos = ctx_.int_val(0);
  z3::expr found = False();
  z3::expr v = DefaultOf(type->kind);
  z3::expr d = False();
  z3::expr nul = False();
  std::vector<z3::expr> conds;
  for (const Slot& s : data->slots) {
    conds.push_back(s.guard && pos == i);
    pos = pos + z3::ite(s.guard, ctx_.int_val(1), ctx_.int_val(0));
  }
  for (size_t j = data->slots.size(); j-- > 0;) {
    const Val& e = data->slots[j].val;
    v = z3::ite(conds[j], Coerce(e, type->kind), v);
    d = z3::ite(conds[j], e.d, d);
    nul = z3::ite(conds[j], e.nul, nul);
    found = found || conds[j];
  }
  const z3::sort sort = v.get_sort();
  out.v = z3::ite(data->overflow, Fresh(sort), v);
  out.d = base && z3::ite(data->overflow, FreshBool(), found && d);
  out.nul = z3::ite(data->overflow, FreshBool(), nul);
  return out;
}

Val Compiler::In(const Val& x, const Val& list) {
  Val out(ctx_);
  out.type = MakeType(K::kBool);
  auto data = Elements(list);
  z3::expr v = False();
  z3::expr d = And(x.d, Ok(list));
  for (const Slot& s : data->slots) {
    Val eq = Equal(x, s.val);
    v = Or(v, And(s.guard, eq.v));
    d = And(d, Or(Not(s.guard), eq.d));
  }
  if (!IsFalse(data->overflow)) {
    // The items past the slots: one abstract element that may match.
    v = v || (data->overflow && FreshBool());
    d = d && (!data->overflow || FreshBool());
  }
  out.v = v;
  out.d = d;
  return out;
}

Val Compiler::Concat(const Val& a, const Val& b, const TypeRef& type) {
  auto da = Elements(a);
  auto db = Elements(b);
  auto data = std::make_shared<ListData>(ctx_);
  data->slots = da->slots;
  data->slots.insert(data->slots.end(), db->slots.begin(), db->slots.end());
  data->overflow = IsFalse(da->overflow) ? db->overflow : (IsFalse(db->overflow) ? da->overflow : da->overflow || db->overflow);
  Val out(ctx_);
  out.type = type;
  out.d = And(Ok(a), Ok(b));
  out.list = data;
  return out;
}

Val Compiler::Size(const Val& x) {
  Val out(ctx_);
  out.type = MakeType(K::kInt);
  out.d = Ok(x);
  if (x.type->kind == K::kString) {
    out.v = Str(StrFn::kLen, x.v);
    return out;
  }
  if (concrete() && !x.list) {
    const int64_t n = x.json != nullptr && x.json->kind == JsonValue::Kind::kArray ? int64_t(x.json->items.size()) : 0;
    if (x.json != nullptr) NoteRead(x.path, x.json, n);
    out.v = ctx_.int_val(n);
    return out;
  }
  if (!concrete() && !x.list) {
    Elements(x);  // creates the length variable with its schema bounds
    out.v = ctx_.int_const((x.path + "!len").c_str());
    return out;
  }
  auto data = Elements(x);
  z3::expr n = ctx_.int_val(0);
  for (const Slot& s : data->slots) n = n + z3::ite(s.guard, ctx_.int_val(1), ctx_.int_val(0));
  if (!IsFalse(data->overflow)) n = n + z3::ite(data->overflow, FreshCount(), ctx_.int_val(0));
  out.v = n;
  return out;
}

Val Compiler::Sum(const Val& list, const TypeRef& type) {
  Val out(ctx_);
  out.type = type;
  auto data = Elements(list);
  z3::expr s = DefaultOf(type->kind);
  z3::expr d = Ok(list);
  for (const Slot& slot : data->slots) {
    s = s + (IsTrue(slot.guard) ? Coerce(slot.val, type->kind)
                                : z3::ite(slot.guard, Coerce(slot.val, type->kind), DefaultOf(type->kind)));
    d = And(d, Or(Not(slot.guard), Ok(slot.val)));
  }
  if (!IsFalse(data->overflow)) {
    s = s + z3::ite(data->overflow, Fresh(s.get_sort()), DefaultOf(type->kind));
    d = d && (!data->overflow || FreshBool());
  }
  out.v = s;
  out.d = d;
  return out;
}

Val Compiler::Macro(const Expr& e) {
  const std::string& f = e.text;
  Val list = Compile(*e.args[0]);
  const std::string& var = e.args[1]->text;
  const Expr& body = *e.args[2];
  auto data = Elements(list);
  Val out(ctx_);
  out.type = e.type;
  z3::expr v = f == "exists" ? False() : True();
  z3::expr d = True();
  z3::expr count = ctx_.int_val(0);
  auto result = std::make_shared<ListData>(ctx_);
  result->overflow = data->overflow;
  for (const Slot& s : data->slots) {
    scopes_.emplace_back(var, s.val);
    Val b = Compile(body);
    scopes_.pop_back();
    const z3::expr bd = Or(Not(s.guard), b.d);
    if (f == "all") {
      AndInto(&v, &d, Or(Not(s.guard), b.v), bd);
    } else if (f == "exists") {
      OrInto(&v, &d, And(s.guard, b.v), bd);
    } else {
      d = And(d, bd);
      if (f == "exists_one") {
        count = count + z3::ite(And(s.guard, b.v), ctx_.int_val(1), ctx_.int_val(0));
      } else if (f == "filter") {
        z3::expr g = And(s.guard, b.v);
        if (concrete()) {
          g = g.simplify();
          if (IsFalse(g)) continue;  // concrete filters keep only survivors
        }
        result->slots.push_back({g, s.val});
      } else {  // map
        result->slots.push_back({s.guard, b});
      }
    }
  }
  // The items past the slots (symbolic overflow) act as one more, abstract
  // element: all() still needs the slots to pass, exists() may be
  // satisfied by the rest, and so on.
  if (!IsFalse(data->overflow)) {
    const z3::expr& ov = data->overflow;
    const z3::expr rest_d = !ov || FreshBool();
    if (f == "all") {
      AndInto(&v, &d, !ov || FreshBool(), rest_d);
    } else if (f == "exists") {
      OrInto(&v, &d, ov && FreshBool(), rest_d);
    } else {
      d = d && rest_d;
      if (f == "exists_one") count = count + z3::ite(ov, FreshCount(), ctx_.int_val(0));
    }
  }
  if (f == "exists_one") v = count == 1;
  out.d = And(Ok(list), d);
  out.v = v;
  if (f == "filter" || f == "map") {
    out.list = result;
    out.v = True();
  }
  return out;
}

Val Compiler::ListLiteral(const Expr& e) {
  auto data = std::make_shared<ListData>(ctx_);
  Val out(ctx_);
  out.type = e.type;
  for (const auto& a : e.args) {
    Val x = Compile(*a);
    if (x.type->kind != e.type->elem->kind) {
      // Widen ints in a mixed list to rationals, so slots share a sort.
      Val w = x;
      w.v = Coerce(x, e.type->elem->kind);
      w.type = e.type->elem;
      x = w;
    }
    out.d = And(out.d, x.d);
    data->slots.push_back({True(), x});
  }
  out.list = data;
  return out;
}

}  // namespace lithium::verify::cel
