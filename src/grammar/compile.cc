// Grammar -> CompiledGrammar: Thompson NFA per rule, subset construction,
// Moore minimisation, then whole-grammar analyses (productive rules,
// trimming, nullable rules, left recursion) and the flat tables.
#include <algorithm>
#include <map>
#include <unordered_map>

#include "src/grammar/compiled_grammar.h"

namespace lithium::grammar {
namespace {

struct NfaEdge {
  int32_t to;
  int32_t rule;  // kind 2
  uint8_t lo, hi;
  uint8_t kind;  // 0 epsilon, 1 byte range, 2 call
};

struct Nfa {
  std::vector<std::vector<NfaEdge>> out;
  int64_t cap = 0;
  bool overflow = false;
  std::string error;  // set by a construct Build cannot compile
  int32_t New() {
    if (int64_t(out.size()) >= cap) {
      overflow = true;
      return 0;
    }
    out.emplace_back();
    return int32_t(out.size() - 1);
  }
  void Eps(int32_t a, int32_t b) { out[size_t(a)].push_back({b, -1, 0, 0, 0}); }
};

struct VecHash {
  size_t operator()(const std::vector<int32_t>& v) const {
    uint64_t h = 1469598103934665603ull;
    for (int32_t x : v) h = (h ^ uint64_t(uint32_t(x))) * 1099511628211ull;
    return size_t(h);
  }
};

// One rule's DFA. Classes here are byte intervals; Assemble merges them.
struct RuleDfa {
  int32_t nclasses = 0;
  std::array<uint8_t, 256> class_of{};
  std::vector<uint8_t> final;
  std::vector<int32_t> trans;                  // [s * nclasses + c]
  std::vector<std::vector<Call>> calls;        // [s] (callee, local target)
  int32_t size() const { return int32_t(final.size()); }
};

void EpsClosure(const Nfa& n, std::vector<int32_t>* set, std::vector<uint8_t>* mark) {
  std::vector<int32_t> stack = *set;
  for (int32_t s : *set) (*mark)[size_t(s)] = 1;
  while (!stack.empty()) {
    int32_t s = stack.back();
    stack.pop_back();
    for (const NfaEdge& e : n.out[size_t(s)]) {
      if (e.kind == 0 && !(*mark)[size_t(e.to)]) {
        (*mark)[size_t(e.to)] = 1;
        set->push_back(e.to);
        stack.push_back(e.to);
      }
    }
  }
  for (int32_t s : *set) (*mark)[size_t(s)] = 0;
  std::sort(set->begin(), set->end());
}

Result<RuleDfa> Determinize(const Nfa& n, int32_t start, int32_t accept, int64_t max_states,
                            const std::string& rule_name) {
  RuleDfa d;
  // Interval classes from every range boundary.
  std::vector<uint8_t> cut(257, 0);
  cut[0] = 1;
  for (const auto& edges : n.out) {
    for (const NfaEdge& e : edges) {
      if (e.kind != 1) continue;
      cut[e.lo] = 1;
      cut[size_t(e.hi) + 1] = 1;
    }
  }
  int32_t c = -1;
  for (int b = 0; b < 256; ++b) {
    if (cut[size_t(b)]) ++c;
    d.class_of[size_t(b)] = uint8_t(c);
  }
  d.nclasses = c + 1;

  std::vector<uint8_t> mark(n.out.size(), 0);
  std::unordered_map<std::vector<int32_t>, int32_t, VecHash> ids;
  std::vector<std::vector<int32_t>> sets;
  auto intern = [&](std::vector<int32_t> set) -> int32_t {
    EpsClosure(n, &set, &mark);
    auto it = ids.find(set);
    if (it != ids.end()) return it->second;
    int32_t id = int32_t(sets.size());
    ids.emplace(set, id);
    sets.push_back(std::move(set));
    return id;
  };
  intern({start});
  std::vector<std::vector<int32_t>> by_class(size_t(d.nclasses));
  std::map<int32_t, std::vector<int32_t>> by_rule;
  for (size_t i = 0; i < sets.size(); ++i) {
    if (int64_t(sets.size()) > max_states) {
      return Status::Invalid("rule '" + rule_name + "' needs more than " + std::to_string(max_states) +
                             " automaton states (simplify it, e.g. smaller repetition counts)");
    }
    for (auto& v : by_class) v.clear();
    by_rule.clear();
    bool fin = false;
    for (int32_t s : sets[i]) {
      if (s == accept) fin = true;
      for (const NfaEdge& e : n.out[size_t(s)]) {
        if (e.kind == 1) {
          for (int cc = d.class_of[e.lo]; cc <= d.class_of[e.hi]; ++cc) by_class[size_t(cc)].push_back(e.to);
        } else if (e.kind == 2) {
          by_rule[e.rule].push_back(e.to);
        }
      }
    }
    d.final.push_back(fin);
    std::vector<int32_t> row(size_t(d.nclasses), -1);
    for (int32_t cc = 0; cc < d.nclasses; ++cc) {
      auto& v = by_class[size_t(cc)];
      if (v.empty()) continue;
      std::sort(v.begin(), v.end());
      v.erase(std::unique(v.begin(), v.end()), v.end());
      row[size_t(cc)] = intern(v);
    }
    d.trans.insert(d.trans.end(), row.begin(), row.end());
    std::vector<Call> calls;
    for (auto& [r, v] : by_rule) {
      std::sort(v.begin(), v.end());
      v.erase(std::unique(v.begin(), v.end()), v.end());
      calls.push_back({r, intern(v)});
    }
    d.calls.push_back(std::move(calls));
  }
  return d;
}

// Keeps the states in `keep` reachable from state 0, renumbered in BFS
// order (so the numbering is a pure function of the automaton).
RuleDfa Restrict(const RuleDfa& d, const std::vector<uint8_t>& keep) {
  RuleDfa out;
  out.nclasses = d.nclasses;
  out.class_of = d.class_of;
  if (d.size() == 0 || !keep[0]) return out;
  std::vector<int32_t> id(size_t(d.size()), -1), order{0};
  id[0] = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    int32_t s = order[i];
    auto visit = [&](int32_t t) {
      if (t >= 0 && keep[size_t(t)] && id[size_t(t)] < 0) {
        id[size_t(t)] = int32_t(order.size());
        order.push_back(t);
      }
    };
    for (int32_t c = 0; c < d.nclasses; ++c) visit(d.trans[size_t(s) * size_t(d.nclasses) + size_t(c)]);
    for (const Call& call : d.calls[size_t(s)]) visit(call.ret);
  }
  for (int32_t s : order) {
    out.final.push_back(d.final[size_t(s)]);
    for (int32_t c = 0; c < d.nclasses; ++c) {
      int32_t t = d.trans[size_t(s) * size_t(d.nclasses) + size_t(c)];
      out.trans.push_back(t >= 0 && keep[size_t(t)] ? id[size_t(t)] : -1);
    }
    std::vector<Call> calls;
    for (const Call& call : d.calls[size_t(s)]) {
      if (keep[size_t(call.ret)]) calls.push_back({call.rule, id[size_t(call.ret)]});
    }
    out.calls.push_back(std::move(calls));
  }
  return out;
}

// Moore's partition refinement: states with the same finality whose
// transitions lead to the same blocks are merged.
RuleDfa Minimize(const RuleDfa& d) {
  const size_t n = size_t(d.size());
  if (n == 0) return d;
  std::vector<int32_t> block(n);
  for (size_t s = 0; s < n; ++s) block[s] = d.final[s];
  int32_t count = 0;
  for (;;) {
    std::unordered_map<std::vector<int32_t>, int32_t, VecHash> sig_ids;
    std::vector<int32_t> next(n);
    std::vector<int32_t> sig;
    for (size_t s = 0; s < n; ++s) {
      sig.clear();
      sig.push_back(block[s]);
      for (int32_t c = 0; c < d.nclasses; ++c) {
        int32_t t = d.trans[s * size_t(d.nclasses) + size_t(c)];
        sig.push_back(t < 0 ? -1 : block[size_t(t)]);
      }
      for (const Call& call : d.calls[s]) {
        sig.push_back(call.rule);
        sig.push_back(block[size_t(call.ret)]);
      }
      auto [it, inserted] = sig_ids.emplace(sig, int32_t(sig_ids.size()));
      next[s] = it->second;
    }
    int32_t new_count = int32_t(sig_ids.size());
    block.swap(next);
    if (new_count == count) break;
    count = new_count;
  }
  // One representative per block; renumber by BFS through Restrict.
  std::vector<int32_t> rep(size_t(count), -1);
  for (size_t s = 0; s < n; ++s) {
    if (rep[size_t(block[s])] < 0) rep[size_t(block[s])] = int32_t(s);
  }
  RuleDfa m;
  m.nclasses = d.nclasses;
  m.class_of = d.class_of;
  // Block of the start state first so that Restrict starts from it.
  std::vector<int32_t> order(static_cast<size_t>(count));
  for (int32_t b = 0; b < count; ++b) order[size_t(b)] = b;
  std::swap(order[0], order[size_t(block[0])]);
  std::vector<int32_t> pos(static_cast<size_t>(count));
  for (int32_t i = 0; i < count; ++i) pos[size_t(order[size_t(i)])] = i;
  for (int32_t i = 0; i < count; ++i) {
    size_t s = size_t(rep[size_t(order[size_t(i)])]);
    m.final.push_back(d.final[s]);
    for (int32_t c = 0; c < d.nclasses; ++c) {
      int32_t t = d.trans[s * size_t(d.nclasses) + size_t(c)];
      m.trans.push_back(t < 0 ? -1 : pos[size_t(block[size_t(t)])]);
    }
    std::vector<Call> calls;
    for (const Call& call : d.calls[s]) calls.push_back({call.rule, pos[size_t(block[size_t(call.ret)])]});
    m.calls.push_back(std::move(calls));
  }
  return Restrict(m, std::vector<uint8_t>(size_t(count), 1));
}

// States from which a final state is reachable, counting a call only when
// `ok_rule` says the callee can complete.
std::vector<uint8_t> CoReachable(const RuleDfa& d, const std::vector<uint8_t>& ok_rule) {
  const size_t n = size_t(d.size());
  std::vector<std::vector<int32_t>> rev(n);
  for (size_t s = 0; s < n; ++s) {
    for (int32_t c = 0; c < d.nclasses; ++c) {
      int32_t t = d.trans[s * size_t(d.nclasses) + size_t(c)];
      if (t >= 0) rev[size_t(t)].push_back(int32_t(s));
    }
    for (const Call& call : d.calls[s]) {
      if (ok_rule[size_t(call.rule)]) rev[size_t(call.ret)].push_back(int32_t(s));
    }
  }
  std::vector<uint8_t> live(n, 0);
  std::vector<int32_t> stack;
  for (size_t s = 0; s < n; ++s) {
    if (d.final[s]) {
      live[s] = 1;
      stack.push_back(int32_t(s));
    }
  }
  while (!stack.empty()) {
    int32_t s = stack.back();
    stack.pop_back();
    for (int32_t p : rev[size_t(s)]) {
      if (!live[size_t(p)]) {
        live[size_t(p)] = 1;
        stack.push_back(p);
      }
    }
  }
  return live;
}

// Whether the start state reaches a final state through calls of rules in
// `ok_rule` only, consuming no byte.
bool ReachesFinalWithoutBytes(const RuleDfa& d, const std::vector<uint8_t>& ok_rule) {
  std::vector<uint8_t> seen(size_t(d.size()), 0);
  std::vector<int32_t> stack{0};
  seen[0] = 1;
  while (!stack.empty()) {
    int32_t s = stack.back();
    stack.pop_back();
    if (d.final[size_t(s)]) return true;
    for (const Call& call : d.calls[size_t(s)]) {
      if (ok_rule[size_t(call.rule)] && !seen[size_t(call.ret)]) {
        seen[size_t(call.ret)] = 1;
        stack.push_back(call.ret);
      }
    }
  }
  return false;
}

Status CheckLeftRecursion(const std::vector<RuleDfa>& dfas, const std::vector<uint8_t>& nullable,
                          const std::vector<std::string>& names) {
  const size_t nr = dfas.size();
  // left[r]: rules r can call before consuming a byte.
  std::vector<std::vector<int32_t>> left(nr);
  for (size_t r = 0; r < nr; ++r) {
    const RuleDfa& d = dfas[r];
    if (d.size() == 0) continue;
    std::vector<uint8_t> seen(size_t(d.size()), 0);
    std::vector<int32_t> stack{0};
    seen[0] = 1;
    while (!stack.empty()) {
      int32_t s = stack.back();
      stack.pop_back();
      for (const Call& call : d.calls[size_t(s)]) {
        left[r].push_back(call.rule);
        if (nullable[size_t(call.rule)] && !seen[size_t(call.ret)]) {
          seen[size_t(call.ret)] = 1;
          stack.push_back(call.ret);
        }
      }
    }
  }
  // Depth-first search for a cycle, reporting its path.
  std::vector<uint8_t> color(nr, 0);
  std::vector<int32_t> path;
  std::string cycle;
  auto dfs = [&](auto&& self, int32_t r) -> bool {
    color[size_t(r)] = 1;
    path.push_back(r);
    for (int32_t c : left[size_t(r)]) {
      if (color[size_t(c)] == 1) {
        auto at = std::find(path.begin(), path.end(), c);
        for (auto it = at; it != path.end(); ++it) cycle += names[size_t(*it)] + " -> ";
        cycle += names[size_t(c)];
        return true;
      }
      if (color[size_t(c)] == 0 && self(self, c)) return true;
    }
    path.pop_back();
    color[size_t(r)] = 2;
    return false;
  };
  for (size_t r = 0; r < nr; ++r) {
    if (color[r] == 0 && dfs(dfs, int32_t(r))) {
      return Status::Invalid("left recursion is not supported: " + cycle);
    }
  }
  return Status::Ok();
}

void Build(const Grammar& g, ExprId id, int32_t from, int32_t to, Nfa& n);

// Intersection: each operand becomes a DFA, and their product automaton is
// spliced into the NFA between `from` and `to`.
void BuildAnd(const Grammar& g, const Expr& e, int32_t from, int32_t to, Nfa& n) {
  std::vector<RuleDfa> ds;
  for (ExprId k : e.kids) {
    Nfa sub;
    sub.cap = n.cap;
    int32_t s0 = sub.New(), acc = sub.New();
    Build(g, k, s0, acc, sub);
    if (sub.overflow || !sub.error.empty()) {
      n.overflow |= sub.overflow;
      n.error = sub.error;
      return;
    }
    for (const auto& edges : sub.out) {
      for (const NfaEdge& x : edges) {
        if (x.kind == 2) {
          n.error = "an intersection cannot contain a rule reference";
          return;
        }
      }
    }
    auto d = Determinize(sub, s0, acc, n.cap, "intersection");
    if (!d.ok()) {
      n.error = d.status().message();
      return;
    }
    ds.push_back(Minimize(*d));
    if (ds.back().size() == 0) return;  // empty operand: empty intersection
  }
  std::map<std::vector<int32_t>, int32_t> ids;
  std::vector<std::vector<int32_t>> tuples;
  auto intern = [&](const std::vector<int32_t>& t) {
    auto [it, inserted] = ids.emplace(t, 0);
    if (inserted) {
      it->second = n.New();
      tuples.push_back(t);
    }
    return it->second;
  };
  n.Eps(from, intern(std::vector<int32_t>(ds.size(), 0)));
  for (size_t i = 0; i < tuples.size() && !n.overflow; ++i) {
    const std::vector<int32_t> cur = tuples[i];
    const int32_t src = ids[cur];
    bool fin = true;
    for (size_t k = 0; k < ds.size(); ++k) fin &= ds[k].final[size_t(cur[k])] != 0;
    if (fin) n.Eps(src, to);
    // Group consecutive bytes with the same successor tuple into ranges.
    std::vector<int32_t> next(ds.size()), prev;
    int run_start = -1;
    for (int b = 0; b <= 256; ++b) {
      bool alive = b < 256;
      if (alive) {
        for (size_t k = 0; k < ds.size() && alive; ++k) {
          const RuleDfa& d = ds[k];
          next[k] = d.trans[size_t(cur[k]) * size_t(d.nclasses) + d.class_of[size_t(b)]];
          alive = next[k] >= 0;
        }
      }
      if (run_start >= 0 && (!alive || next != prev)) {
        const int32_t target = intern(prev);  // may grow n.out: index after
        n.out[size_t(src)].push_back({target, -1, uint8_t(run_start), uint8_t(b - 1), 1});
        run_start = -1;
      }
      if (alive && run_start < 0) {
        run_start = b;
        prev = next;
      }
    }
  }
}

void Build(const Grammar& g, ExprId id, int32_t from, int32_t to, Nfa& n) {
  if (n.overflow) return;
  const Expr& e = g.expr(id);
  switch (e.kind) {
    case ExprKind::kNothing: return;
    case ExprKind::kEmpty: n.Eps(from, to); return;
    case ExprKind::kBytes:
      for (ByteRange r : e.bytes) n.out[size_t(from)].push_back({to, -1, r.lo, r.hi, 1});
      return;
    case ExprKind::kRef: n.out[size_t(from)].push_back({to, e.rule, 0, 0, 2}); return;
    case ExprKind::kAnd: BuildAnd(g, e, from, to, n); return;
    case ExprKind::kAlt:
      for (ExprId k : e.kids) Build(g, k, from, to, n);
      return;
    case ExprKind::kSeq: {
      int32_t cur = from;
      for (size_t i = 0; i < e.kids.size(); ++i) {
        int32_t next = i + 1 == e.kids.size() ? to : n.New();
        if (n.overflow) return;
        Build(g, e.kids[i], cur, next, n);
        cur = next;
      }
      return;
    }
    case ExprKind::kRepeat: {
      int32_t cur = from;
      for (int32_t i = 0; i < e.min; ++i) {
        int32_t next = n.New();
        if (n.overflow) return;
        Build(g, e.kids[0], cur, next, n);
        cur = next;
      }
      if (e.max < 0) {
        int32_t loop = n.New(), back = n.New();
        if (n.overflow) return;
        n.Eps(cur, loop);
        Build(g, e.kids[0], loop, back, n);
        n.Eps(back, loop);
        n.Eps(loop, to);
        return;
      }
      for (int32_t i = e.min; i < e.max; ++i) {
        n.Eps(cur, to);
        int32_t next = n.New();
        if (n.overflow) return;
        Build(g, e.kids[0], cur, next, n);
        cur = next;
      }
      n.Eps(cur, to);
      return;
    }
  }
}

}  // namespace

Result<std::shared_ptr<const CompiledGrammar>> Compile(const Grammar& g, const CompileOptions& options) {
  const auto& rules = g.rules();
  const size_t nr = rules.size();
  if (g.root() < 0 || size_t(g.root()) >= nr) return Status::Invalid("the grammar has no root rule");
  std::vector<std::string> names;
  for (const Rule& r : rules) names.push_back(r.name);
  // Every referenced rule must be defined.
  for (size_t e = 0; e < g.num_exprs(); ++e) {
    const Expr& x = g.expr(ExprId(e));
    if (x.kind == ExprKind::kRef && (x.rule < 0 || size_t(x.rule) >= nr || rules[size_t(x.rule)].body < 0)) {
      return Status::Invalid("undefined rule '" + (x.rule >= 0 && size_t(x.rule) < nr ? names[size_t(x.rule)] : "?") + "'");
    }
  }

  std::vector<RuleDfa> dfas(nr);
  int64_t total = 0;
  for (size_t r = 0; r < nr; ++r) {
    if (rules[r].body < 0) continue;  // unreferenced and undefined: ignored
    Nfa n;
    n.cap = options.max_nfa_states;
    int32_t start = n.New(), accept = n.New();
    Build(g, rules[r].body, start, accept, n);
    if (!n.error.empty()) return Status::Invalid("rule '" + names[r] + "': " + n.error);
    if (n.overflow) {
      return Status::Invalid("rule '" + names[r] + "' is too large (more than " +
                             std::to_string(options.max_nfa_states) + " automaton states)");
    }
    auto d = Determinize(n, start, accept, options.max_dfa_states, names[r]);
    if (!d.ok()) return d.status();
    dfas[r] = Minimize(*d);
    total += dfas[r].size();
    if (total > options.max_dfa_states) {
      return Status::Invalid("the grammar needs more than " + std::to_string(options.max_dfa_states) +
                             " automaton states");
    }
  }

  // Productive rules (those that derive some string), by fixpoint.
  std::vector<uint8_t> productive(nr, 0);
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t r = 0; r < nr; ++r) {
      if (productive[r] || dfas[r].size() == 0) continue;
      if (CoReachable(dfas[r], productive)[0]) {
        productive[r] = 1;
        changed = true;
      }
    }
  }
  if (!productive[size_t(g.root())]) return Status::Invalid("the grammar accepts no output at all");
  for (size_t r = 0; r < nr; ++r) {
    if (!productive[r]) {
      dfas[r] = RuleDfa{};
      continue;
    }
    std::vector<uint8_t> live = CoReachable(dfas[r], productive);
    RuleDfa t = Restrict(dfas[r], live);
    for (auto& calls : t.calls) {
      std::erase_if(calls, [&](const Call& c) { return !productive[size_t(c.rule)]; });
    }
    dfas[r] = Minimize(t);
  }

  std::vector<uint8_t> nullable(nr, 0);
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t r = 0; r < nr; ++r) {
      if (!nullable[r] && productive[r] && ReachesFinalWithoutBytes(dfas[r], nullable)) {
        nullable[r] = 1;
        changed = true;
      }
    }
  }
  LI_RETURN_IF_ERROR(CheckLeftRecursion(dfas, nullable, names));

  // Flat tables. Classes are merged per rule: bytes whose columns agree in
  // every state share a class, so "any string character" is one class.
  auto cg = std::make_shared<CompiledGrammar>();
  cg->root = g.root();
  cg->rule_names = names;
  cg->rule_start.assign(nr, -1);
  cg->rule_leaf.assign(nr, 1);
  cg->rule_class_map.assign(nr, 0);
  std::map<std::array<uint8_t, 256>, int32_t> map_ids;
  int32_t offset = 0;
  for (size_t r = 0; r < nr; ++r) {
    if (dfas[r].size() > 0) {
      cg->rule_start[r] = offset;
      offset += dfas[r].size();
    }
  }
  for (size_t r = 0; r < nr; ++r) {
    const RuleDfa& d = dfas[r];
    const size_t n = size_t(d.size());
    std::array<uint8_t, 256> cls{};
    std::vector<int32_t> rep;  // an interval class per merged class
    {
      std::map<std::vector<int32_t>, int32_t> col_ids;
      std::vector<int32_t> col(n);
      for (int b = 0; b < 256; ++b) {
        int32_t ic = d.class_of[size_t(b)];
        for (size_t s = 0; s < n; ++s) col[s] = d.trans[s * size_t(d.nclasses) + size_t(ic)];
        auto [it, inserted] = col_ids.emplace(col, int32_t(col_ids.size()));
        if (inserted) rep.push_back(ic);
        cls[size_t(b)] = uint8_t(it->second);
      }
    }
    auto [mit, minserted] = map_ids.emplace(cls, int32_t(cg->class_maps.size()));
    if (minserted) {
      cg->class_maps.push_back(cls);
      cg->class_count.push_back(int32_t(rep.size()));
    }
    cg->rule_class_map[r] = mit->second;
    const int32_t base = cg->rule_start[r];
    for (size_t s = 0; s < n; ++s) {
      cg->state_rule.push_back(int32_t(r));
      cg->final.push_back(d.final[s]);
      cg->row.push_back(int32_t(cg->trans.size()));
      bool ready = false;
      for (int32_t ic : rep) {
        int32_t t = d.trans[s * size_t(d.nclasses) + size_t(ic)];
        cg->trans.push_back(t < 0 ? -1 : base + t);
        ready |= t >= 0;
      }
      cg->byte_ready.push_back(ready);
      cg->call_begin.push_back(int32_t(cg->calls.size()));
      for (const Call& c : d.calls[s]) {
        cg->calls.push_back({c.rule, base + c.ret});
        cg->rule_leaf[r] = 0;
      }
    }
  }
  cg->call_begin.push_back(int32_t(cg->calls.size()));
  return std::shared_ptr<const CompiledGrammar>(std::move(cg));
}

}  // namespace lithium::grammar
