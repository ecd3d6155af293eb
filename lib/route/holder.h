// SnapshotHolder: where the engine publishes the current Snapshot and
// request threads pick it up.
#ifndef GWAPI_LIB_ROUTE_HOLDER_H_
#define GWAPI_LIB_ROUTE_HOLDER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "lib/route/snapshot.h"

namespace gwapi::route {

// Holds the current snapshot. A reader takes a reference (Get) and then
// matches without any lock for as long as it keeps it; a writer compiles the
// next snapshot outside the holder and swaps it in (Publish). The lock
// covers only a shared_ptr copy or swap (a reference-count update), never a
// compile or a destruction: the old snapshot is released after the lock is
// dropped, by whichever holder of a reference lets go last.
// std::mutex rather than absl::Mutex: Debian's Abseil is not built with
// ThreadSanitizer, which then cannot see absl::Mutex's ordering and reports
// false races; std::mutex goes through pthread, which it intercepts.
// Get() per request makes every reader write the same reference count, a
// cache line that then moves between cores on each match; a thread that
// matches continuously keeps a Reader instead.
// Thread-safety: all methods are safe to call concurrently.
class SnapshotHolder {
 public:
  class Reader;

  SnapshotHolder() = default;
  explicit SnapshotHolder(std::shared_ptr<const Snapshot> initial)
      : current_(std::move(initial)) {}
  SnapshotHolder(const SnapshotHolder&) = delete;
  SnapshotHolder& operator=(const SnapshotHolder&) = delete;

  // The current snapshot (nullptr before the first Publish).
  std::shared_ptr<const Snapshot> Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return current_;
  }

  // Makes `next` current; returns the previous one so that the caller
  // chooses where its destruction happens.
  std::shared_ptr<const Snapshot> Publish(std::shared_ptr<const Snapshot> next) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      current_.swap(next);
      generation_.store(generation_.load(std::memory_order_relaxed) + 1,
                        std::memory_order_release);
    }
    return next;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Snapshot> current_ ABSL_GUARDED_BY(mu_);
  // Publishes so far. Readers poll it; only Publish writes it, so between
  // publishes every core keeps its own clean copy of the line.
  alignas(64) std::atomic<uint64_t> generation_{0};
};

// One thread's handle on a holder: keeps a reference to the snapshot it
// last saw and takes a new one only after a Publish. Get() is then one
// atomic load of a line nobody writes between publishes, so any number of
// Readers on different cores match without touching shared state
// (BM_Match_Snapshot_Concurrent, mode 0).
// The price: a Reader keeps the snapshot it last returned alive until its
// next Get() or its destruction, so a thread that stops matching for long
// should drop its Reader (or call Release()).
// The holder must outlive its Readers (a thread_local Reader must not
// outlive the engine whose holder it reads).
// Thread-safety: one Reader per thread; the holder may be shared.
class SnapshotHolder::Reader {
 public:
  explicit Reader(const SnapshotHolder& holder) : holder_(&holder) {}

  // The current snapshot (nullptr before the first Publish). The pointer is
  // valid until this Reader's next Get(), Release() or destruction.
  const Snapshot* Get() {
    const uint64_t g = holder_->generation_.load(std::memory_order_acquire);
    if (g != seen_ || !valid_) Refresh();
    return snapshot_.get();
  }

  // The snapshot Get() returned last, as a shared reference that outlives
  // the Reader.
  const std::shared_ptr<const Snapshot>& shared() const { return snapshot_; }

  // Drops the reference; the next Get() takes the current snapshot.
  void Release() {
    snapshot_.reset();
    valid_ = false;
  }

 private:
  void Refresh() {
    std::lock_guard<std::mutex> lock(holder_->mu_);
    snapshot_ = holder_->current_;
    // Read under the lock, where Publish changes both together.
    seen_ = holder_->generation_.load(std::memory_order_relaxed);
    valid_ = true;
  }

  const SnapshotHolder* holder_;
  std::shared_ptr<const Snapshot> snapshot_;
  uint64_t seen_ = 0;
  bool valid_ = false;
};

}  // namespace gwapi::route

#endif  // GWAPI_LIB_ROUTE_HOLDER_H_
