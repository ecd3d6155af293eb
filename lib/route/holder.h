// SnapshotHolder: where the engine publishes the current Snapshot and
// request threads pick it up.
#ifndef GWAPI_LIB_ROUTE_HOLDER_H_
#define GWAPI_LIB_ROUTE_HOLDER_H_

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
// Thread-safety: all methods are safe to call concurrently.
class SnapshotHolder {
 public:
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
    }
    return next;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Snapshot> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gwapi::route

#endif  // GWAPI_LIB_ROUTE_HOLDER_H_
