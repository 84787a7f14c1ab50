#include "src/base/thread_pool.h"

#if !defined(LITHIUM_NO_THREADS)
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
#endif

namespace lithium {

#if defined(LITHIUM_NO_THREADS)
struct ThreadPool::Impl {};
ThreadPool::ThreadPool(int) : n_threads_(1) {}
ThreadPool::~ThreadPool() = default;
void ThreadPool::ParallelFor(size_t n, size_t, const std::function<void(size_t, size_t)>& fn) {
  if (n > 0) fn(0, n);
}
#else
// Workers wait on a generation counter; each new ParallelFor bumps it and
// hands every worker its own precomputed range.
struct ThreadPool::Impl {
  std::mutex mu;
  std::condition_variable work_cv, done_cv;
  std::vector<std::thread> workers;
  const std::function<void(size_t, size_t)>* fn = nullptr;
  std::vector<size_t> begins, ends;
  uint64_t generation = 0;
  int pending = 0;
  bool stop = false;
};

ThreadPool::ThreadPool(int n_threads)
    : n_threads_(n_threads < 1 ? 1 : n_threads), impl_(new Impl) {
  impl_->begins.resize(n_threads_);
  impl_->ends.resize(n_threads_);
  for (int t = 1; t < n_threads_; ++t) {
    impl_->workers.emplace_back([this, t] {
      uint64_t seen = 0;
      for (;;) {
        std::unique_lock<std::mutex> lock(impl_->mu);
        impl_->work_cv.wait(lock, [&] { return impl_->stop || impl_->generation != seen; });
        if (impl_->stop) return;
        seen = impl_->generation;
        size_t b = impl_->begins[t], e = impl_->ends[t];
        const auto* fn = impl_->fn;
        lock.unlock();
        if (b < e) (*fn)(b, e);
        lock.lock();
        if (--impl_->pending == 0) impl_->done_cv.notify_one();
      }
    });
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stop = true;
  }
  impl_->work_cv.notify_all();
  for (auto& w : impl_->workers) w.join();
}

void ThreadPool::ParallelFor(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn) {
  if (n == 0) return;
  if (grain == 0) grain = 1;
  size_t chunks = (n + grain - 1) / grain;
  if (n_threads_ == 1 || chunks == 1) {
    fn(0, n);
    return;
  }
  size_t per = (chunks + n_threads_ - 1) / n_threads_;
  std::unique_lock<std::mutex> lock(impl_->mu);
  for (int t = 0; t < n_threads_; ++t) {
    size_t b = size_t(t) * per * grain, e = b + per * grain;
    if (b > n) b = n;
    if (e > n) e = n;
    impl_->begins[t] = b;
    impl_->ends[t] = e;
  }
  impl_->fn = &fn;
  impl_->pending = n_threads_ - 1;
  ++impl_->generation;
  lock.unlock();
  impl_->work_cv.notify_all();
  if (impl_->begins[0] < impl_->ends[0]) fn(impl_->begins[0], impl_->ends[0]);
  lock.lock();
  impl_->done_cv.wait(lock, [&] { return impl_->pending == 0; });
  impl_->fn = nullptr;
}
#endif

}  // namespace lithium
