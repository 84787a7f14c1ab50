// The load-time analysis: Z3 looks at all rules at once, over every output
// the schema allows (cel_z3.h explains the symbolic encoding and why its
// "unsat" answers are proofs).
//
//  - Contradiction: the error rules are asserted under assumption literals,
//    with the schema constraints of the fields they read; unsat means no
//    output can pass, and a minimal unsat core names the rules that conflict.
//  - Never fails: a rule whose negation is unsat with the schema holds for
//    every output, so checking it is pointless: a warning.
//
// Z3 runs under a resource limit (rlimit), not a timeout, so the answers
// do not depend on the machine's speed; "unknown" skips a check.
#include <set>

#include "src/verify/cel_z3.h"
#include "src/verify/policy_impl.h"

namespace lithium::verify {
namespace {

// Enough for the policies seen in practice (milliseconds each); a rule set
// beyond it is reported as not analysed rather than slowing loads down.
constexpr unsigned kRlimit = 4000000;

struct Analysed {
  size_t rule;                      // index into Impl::rules
  z3::expr holds;                   // d && v over the symbolic documents
  z3::expr indicator;               // assumption literal
  std::vector<size_t> constraints;  // indices of the schema constraints it needs
};

std::string JoinIds(const std::vector<std::string>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) s += i + 1 == ids.size() ? " and " : ", ";
    s += "'" + ids[i] + "'";
  }
  return s;
}

class Analysis {
 public:
  Analysis(Policy::Impl* p, const LoadOptions& options)
      : p_(p), ctx_(*p->ctx), symbols_(ctx_) {
    symbols_.max_slots = options.max_slots;
  }

  Status Run() {
    std::vector<std::set<std::string>> touched;
    for (size_t i = 0; i < p_->rules.size(); ++i) {
      cel::Compiler c(ctx_, p_->input_type, p_->output_type, &symbols_);
      try {
        cel::Val v = c.Compile(*p_->rules[i].expr);
        analysed_.push_back({i, v.d && v.v, ctx_.bool_const(("!rule" + std::to_string(i)).c_str()), {}});
        touched.push_back(c.touched());
      } catch (const cel::SymbolicUnsupported& u) {
        Warn(i, "not included in the consistency check: " + u.what);
      }
    }
    cel::AddStringAxioms(ctx_, &symbols_);
    // Each rule needs the schema constraints of the variables it touched,
    // which were added by whichever rule touched them first.
    for (size_t k = 0; k < analysed_.size(); ++k) {
      for (size_t j = 0; j < symbols_.owners.size(); ++j) {
        if (touched[k].count(symbols_.owners[j])) analysed_[k].constraints.push_back(j);
      }
    }
    std::vector<const Analysed*> errors, all;
    for (const Analysed& a : analysed_) {
      all.push_back(&a);
      if (p_->rules[a.rule].info.severity == Severity::kError) errors.push_back(&a);
    }
    std::vector<const Analysed*> core;
    if (FindConflict(errors, &core)) return Status::Invalid(ConflictMessage(core, "contradictory rules: "));
    if (errors.size() != all.size() && FindConflict(all, &core)) {
      p_->warnings.push_back({p_->rules[core[0]->rule].info.location, "", ConflictMessage(core, "")});
    }
    for (const Analysed& a : analysed_) {
      if (Check({&a}, /*negate=*/true) == z3::unsat) {
        Warn(a.rule, "can never fail: it holds for every output the schema allows");
      }
    }
    return Status::Ok();
  }

 private:
  void Warn(size_t rule, const std::string& message) {
    const RuleInfo& info = p_->rules[rule].info;
    p_->warnings.push_back({info.location, info.id, "rule '" + info.id + "' " + message});
  }

  // Checks the schema constraints the given rules need together with those
  // rules (with `negate` and one rule: the rule failing instead). Each check
  // gets only what it needs, because Z3's string theory makes every string
  // variable in a query cost milliseconds.
  z3::check_result Check(const std::vector<const Analysed*>& rules, bool negate = false, bool with_rules = true) {
    // The plain SMT core: Z3's default solver spends ~10 ms per query
    // choosing tactics, the core answers these in well under one.
    z3::solver s(ctx_, z3::solver::simple());
    z3::params params(ctx_);
    params.set("rlimit", kRlimit);
    s.set(params);
    std::set<size_t> needed;
    for (const Analysed* a : rules) needed.insert(a->constraints.begin(), a->constraints.end());
    for (size_t j : needed) s.add(symbols_.constraints[unsigned(j)]);
    if (!with_rules) return s.check();
    if (negate) {
      s.add(!rules[0]->holds);
      return s.check();
    }
    z3::expr_vector as(ctx_);
    for (const Analysed* a : rules) {
      s.add(z3::implies(a->indicator, a->holds));
      as.push_back(a->indicator);
    }
    return s.check(as);
  }

  // True when `rules` cannot hold together; *core gets a minimal subset that
  // cannot (deletion-based: drop each rule whose absence keeps it unsat).
  bool FindConflict(const std::vector<const Analysed*>& rules, std::vector<const Analysed*>* core) {
    if (rules.empty() || Check(rules) != z3::unsat) return false;
    std::vector<const Analysed*> cur = rules;
    for (size_t i = 0; i < cur.size();) {
      std::vector<const Analysed*> without = cur;
      without.erase(without.begin() + long(i));
      if (!without.empty() && Check(without) == z3::unsat) {
        cur = std::move(without);
      } else {
        ++i;
      }
    }
    *core = cur;
    return true;
  }

  std::string ConflictMessage(const std::vector<const Analysed*>& core, const std::string& prefix) {
    std::vector<std::string> ids;
    std::string where;
    for (const Analysed* a : core) {
      const RuleInfo& info = p_->rules[a->rule].info;
      ids.push_back(info.id);
      where += (where.empty() ? "" : ", ") + info.id + " at " + info.location;
    }
    if (core.size() == 1) {
      if (Check(core, false, /*with_rules=*/false) == z3::unsat) {
        return prefix + "the schema's constraints on the fields rule " + JoinIds(ids) + " reads admit no value (" + where + ")";
      }
      return prefix + "rule " + JoinIds(ids) + " can never hold for an output the schema allows (" + where + ")";
    }
    return prefix + "rules " + JoinIds(ids) + " cannot all hold for any output the schema allows (" + where + ")";
  }

  Policy::Impl* p_;
  z3::context& ctx_;
  cel::SymbolTable symbols_;
  std::vector<Analysed> analysed_;
};

}  // namespace

Status AnalyzePolicy(Policy::Impl* p, const LoadOptions& options) { return Analysis(p, options).Run(); }

}  // namespace lithium::verify
