// A fixed pool of worker threads for splitting independent outputs (rows of
// a matmul, heads of attention). Work is never split inside a reduction, so
// results do not depend on the number of threads (DESIGN.md, rule 1).
// Builds without threads (wasm32-wasi) when LITHIUM_NO_THREADS is defined:
// then everything runs on the caller's thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

namespace lithium {

class ThreadPool {
 public:
  // n_threads counts the caller, which takes part in every ParallelFor.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls fn(begin, end) over a partition of [0, n) into contiguous ranges,
  // each a multiple of `grain` long (except the last), handed out while the
  // threads ask for work: a thread may get several ranges, in any order, and
  // which thread gets which depends on timing. Returns when every call has
  // finished.
  void ParallelFor(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn);

 private:
  struct Impl;
  int n_threads_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lithium
