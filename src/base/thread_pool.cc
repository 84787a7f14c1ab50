#include "src/base/thread_pool.h"

#if !defined(LITHIUM_NO_THREADS)
#include <atomic>
#include <chrono>
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
//
// A forward step calls ParallelFor a few hundred times with only a few
// microseconds of single-threaded work in between, so a worker that goes to
// sleep after each call pays a futex wake-up (and a trip through the
// scheduler) per matmul. Both sides therefore poll for a short, bounded time
// (kSpin) before blocking on the condition variables: long enough to bridge
// the gap between two matmuls of a step, far too short to keep a core busy
// between steps or requests. Never an unbounded spin: on an oversubscribed
// machine a spinning thread steals the core the other one needs.
namespace {
constexpr auto kSpin = std::chrono::microseconds(50);

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Polls `done` until it returns true or kSpin has passed; returns its value.
template <typename F>
bool SpinUntil(F done) {
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
      CpuRelax();
    }
    if (std::chrono::steady_clock::now() - start > kSpin) return done();
    // Lets a runnable thread of this core (another worker when there are
    // more threads than cores) go first.
    std::this_thread::yield();
  }
}
}  // namespace

struct ThreadPool::Impl {
  std::mutex mu;
  std::condition_variable work_cv, done_cv;
  std::vector<std::thread> workers;
  const std::function<void(size_t, size_t)>* fn = nullptr;
  size_t n = 0, grain = 1;
  std::atomic<size_t> next{0};  // first index not yet handed out
  std::atomic<uint64_t> generation{0};
  std::atomic<int> pending{0};
  std::atomic<bool> stop{false};
};

namespace {
// Guided scheduling: each claim takes about 1/(2 * threads) of what is
// left, a whole number of grains, so the ranges shrink towards the end. A
// thread that starts late or runs slower simply claims less: the worker
// reads activations the caller has just written (they come from the
// caller's cache), and on a shared host one core can be slower than the
// other for a while. A static split made the faster thread wait at every
// call; the bits cannot change, since each index is computed alone.
bool Claim(std::atomic<size_t>& next, size_t n, size_t grain, int n_threads, size_t* b, size_t* e) {
  size_t at = next.load(std::memory_order_relaxed);
  for (;;) {
    if (at >= n) return false;
    const size_t grains_left = (n - at + grain - 1) / grain;
    size_t take = grains_left / (2 * size_t(n_threads));
    if (take == 0) take = 1;
    const size_t end = at + take * grain < n ? at + take * grain : n;
    if (next.compare_exchange_weak(at, end, std::memory_order_relaxed)) {
      *b = at;
      *e = end;
      return true;
    }
  }
}
}  // namespace

ThreadPool::ThreadPool(int n_threads)
    : n_threads_(n_threads < 1 ? 1 : n_threads), impl_(new Impl) {
  for (int t = 1; t < n_threads_; ++t) {
    impl_->workers.emplace_back([this, t] {
      Impl& im = *impl_;
      uint64_t seen = 0;
      for (;;) {
        // The fields of a generation are written before it is published
        // (release), so seeing it (acquire) makes them visible.
        if (!SpinUntil([&] { return im.generation.load(std::memory_order_acquire) != seen; })) {
          std::unique_lock<std::mutex> lock(im.mu);
          im.work_cv.wait(lock, [&] { return im.stop || im.generation.load(std::memory_order_acquire) != seen; });
        }
        if (im.stop.load(std::memory_order_acquire)) return;
        seen = im.generation.load(std::memory_order_acquire);
        const auto* fn = im.fn;
        size_t b, e;
        while (Claim(im.next, im.n, im.grain, n_threads_, &b, &e)) (*fn)(b, e);
        if (im.pending.fetch_sub(1, std::memory_order_acq_rel) == 1) {
          // The caller may be asleep: wake it under the mutex, so the
          // wake-up cannot fall between its check and its wait.
          std::lock_guard<std::mutex> lock(im.mu);
          im.done_cv.notify_one();
        }
      }
    });
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stop.store(true, std::memory_order_release);
    impl_->generation.fetch_add(1, std::memory_order_release);
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
  Impl& im = *impl_;
  {
    std::lock_guard<std::mutex> lock(im.mu);
    im.fn = &fn;
    im.n = n;
    im.grain = grain;
    im.next.store(0, std::memory_order_relaxed);
    im.pending.store(n_threads_ - 1, std::memory_order_relaxed);
    im.generation.fetch_add(1, std::memory_order_release);
  }
  im.work_cv.notify_all();
  size_t b, e;
  while (Claim(im.next, n, grain, n_threads_, &b, &e)) fn(b, e);
  if (!SpinUntil([&] { return im.pending.load(std::memory_order_acquire) == 0; })) {
    std::unique_lock<std::mutex> lock(im.mu);
    im.done_cv.wait(lock, [&] { return im.pending.load(std::memory_order_acquire) == 0; });
  }
  im.fn = nullptr;
}
#endif

}  // namespace lithium
