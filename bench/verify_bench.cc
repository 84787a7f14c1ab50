// Verification speed: a typical output under a 20-rule policy (issue 7
// asks for under 5 ms per verification). Run with
//   cmake -DLITHIUM_BUILD_BENCH=ON ... && ninja verify_bench && ./bench/verify_bench
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include "src/verify/policy.h"

namespace lithium::verify {
namespace {

// Twenty rules of every kind the subset has: comparisons, decimal
// arithmetic, sums, all/exists/exists_one/filter/map, membership, string
// methods, optional fields, ternaries.
const char* kPolicy = R"yaml(
name: bench-20
schema:
  type: object
  required: [invoice_id, currency, total, tax, items, customer, status]
  properties:
    invoice_id: {type: string}
    currency: {type: string, enum: [USD, EUR, GBP, CHF]}
    total: {type: string, format: decimal}
    tax: {type: string, format: decimal}
    discount: {type: number}
    status: {type: string, enum: [draft, issued, paid, void]}
    due_days: {type: integer}
    notes: {type: string}
    customer:
      type: object
      required: [id, country]
      properties:
        id: {type: string}
        country: {type: string}
        vip: {type: boolean}
    items:
      type: array
      items:
        type: object
        required: [sku, qty, unit_price]
        properties:
          sku: {type: string}
          qty: {type: integer}
          unit_price: {type: number}
          category: {type: string}
input_schema:
  type: object
  properties:
    credit_limit: {type: number}
    countries: {type: array, items: {type: string}}
    tax_rate: {type: number}
rules:
  - {id: r01, message: m, expr: output.total > 0}
  - {id: r02, message: m, expr: "output.items.map(i, i.qty * i.unit_price).sum() + output.tax == output.total"}
  - {id: r03, message: m, expr: output.total <= input.credit_limit}
  - {id: r04, message: m, expr: output.customer.country in input.countries}
  - {id: r05, message: m, expr: "output.items.all(i, i.qty > 0 && i.unit_price >= 0)"}
  - {id: r06, message: m, expr: "output.items.exists(i, i.category == 'service')"}
  - {id: r07, message: m, expr: "output.tax == output.items.map(i, i.qty * i.unit_price).sum() * input.tax_rate"}
  - {id: r08, message: m, expr: "!has(output.discount) || output.discount <= output.total * 0.2"}
  - {id: r09, message: m, expr: "output.status != 'paid' || (has(output.due_days) && output.due_days == 0)"}
  - {id: r10, message: m, expr: "output.invoice_id.startsWith('INV-')"}
  - {id: r11, message: m, expr: "size(output.invoice_id) <= 20"}
  - {id: r12, message: m, expr: "output.items.exists_one(i, i.category == 'shipping') || !output.items.exists(i, i.category == 'shipping')"}
  - {id: r13, message: m, expr: "output.items.filter(i, i.unit_price > 100).size() <= 3"}
  - {id: r14, message: m, expr: "has(output.customer.vip) && output.customer.vip ? output.total >= 0 : output.total < 100000"}
  - {id: r15, message: m, expr: "output.currency == 'CHF' ? output.customer.country == 'CH' : true"}
  - {id: r16, message: m, expr: "!has(output.due_days) || (output.due_days >= 0 && output.due_days <= 90)"}
  - {id: r17, message: m, expr: "output.items.all(i, size(i.sku) >= 3)"}
  - {id: r18, message: m, expr: "size(output.items) >= 1 && size(output.items) <= 50"}
  - {id: r19, message: m, severity: warning, expr: "!has(output.notes) || size(output.notes) < 200"}
  - {id: r20, message: m, expr: "output.status in ['draft', 'issued', 'paid']"}
)yaml";

const char* kInput = R"({"credit_limit": 5000, "countries": ["CH", "DE", "FR", "GB"], "tax_rate": 0.081})";

const char* kOutput = R"({
  "invoice_id": "INV-2024-0042",
  "currency": "CHF",
  "total": "1273.9585",
  "tax": "95.4585",
  "status": "issued",
  "due_days": 30,
  "notes": "Quarterly maintenance and parts.",
  "customer": {"id": "C-991", "country": "CH", "vip": false},
  "items": [
    {"sku": "MNT-Q3", "qty": 1, "unit_price": 600.00, "category": "service"},
    {"sku": "PRT-17", "qty": 4, "unit_price": 112.50, "category": "parts"},
    {"sku": "PRT-22", "qty": 10, "unit_price": 9.95, "category": "parts"},
    {"sku": "SHP-EU", "qty": 1, "unit_price": 29.00, "category": "shipping"},
    {"sku": "DOC-01", "qty": 1, "unit_price": 0, "category": "service"}
  ]
})";

std::unique_ptr<Policy> LoadOrDie(const LoadOptions& options = {}) {
  auto p = Policy::LoadString(kPolicy, "bench-20.yaml", ".", options);
  if (!p.ok()) {
    std::fprintf(stderr, "%s\n", p.status().message().c_str());
    std::abort();
  }
  return std::move(p).value();
}

// Parsed input and output: the rules and the schema only.
void BM_Verify20Rules(benchmark::State& state) {
  auto policy = LoadOrDie();
  auto input = ParseJson(kInput);
  auto output = ParseJson(kOutput);
  if (!input.ok() || !output.ok()) std::abort();
  // The output is meant to pass: a benchmark of a failing path would mislead.
  auto check = policy->Verify(&*input, *output);
  if (!check.ok() || !check->passed) {
    std::fprintf(stderr, "%s\n", check.ok() ? check->ToJson().dump(2).c_str() : check.status().message().c_str());
    std::abort();
  }
  for (auto _ : state) {
    auto v = policy->Verify(&*input, *output);
    benchmark::DoNotOptimize(v);
  }
  state.counters["rules"] = double(policy->rules().size());
}
BENCHMARK(BM_Verify20Rules)->Unit(benchmark::kMillisecond);

// From the model's raw text: JSON parsing included.
void BM_VerifyText20Rules(benchmark::State& state) {
  auto policy = LoadOrDie();
  auto input = ParseJson(kInput);
  if (!input.ok()) std::abort();
  for (auto _ : state) {
    auto v = policy->VerifyText(&*input, kOutput);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_VerifyText20Rules)->Unit(benchmark::kMillisecond);

// Loading: YAML, type checking and the Z3 consistency analysis (once per
// policy, not per output).
void BM_LoadPolicy20Rules(benchmark::State& state) {
  for (auto _ : state) {
    auto p = Policy::LoadString(kPolicy, "bench-20.yaml", ".");
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_LoadPolicy20Rules)->Unit(benchmark::kMillisecond)->Iterations(5);

void BM_LoadPolicy20RulesNoAnalysis(benchmark::State& state) {
  LoadOptions options;
  options.analyze = false;
  for (auto _ : state) {
    auto p = Policy::LoadString(kPolicy, "bench-20.yaml", ".", options);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_LoadPolicy20RulesNoAnalysis)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
}  // namespace lithium::verify

BENCHMARK_MAIN();
