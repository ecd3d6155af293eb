// Programs the eBPF load-balancer maps from routing snapshots: the LB view
// of each snapshot (lib/compile/lb_view.h) written by lib/lb's Writer into
// pinned maps, or into an in-memory map set for tools and tests.
// Thread-safety: not thread-safe; one owner syncs and lists.
#ifndef GWAPI_LIB_ENGINE_LB_SYNC_H_
#define GWAPI_LIB_ENGINE_LB_SYNC_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/compile/lb_view.h"
#include "lib/lb/list.h"
#include "lib/lb/map_backend.h"
#include "lib/lb/writer.h"
#include "lib/route/snapshot.h"

namespace gwapi::engine {

struct LbSyncOptions {
  // Directory on a bpf filesystem holding the map pins; "" means lib/lb's
  // default (/sys/fs/bpf/tc/globals).
  std::string pin_path;
  // Maps in memory instead of the kernel (no root needed).
  bool in_memory = false;
  // Create and pin the maps that are not pinned yet; false refuses
  // (NotFound), for readers such as a listing.
  bool create_missing = true;
  // max_entries of each map; 0 means 65,536.
  uint32_t max_entries = 0;
  compile::LbViewOptions view;
};

// What one Sync did.
struct LbSyncReport {
  lb::SyncStats stats;
  std::vector<std::string> notes;  // from the LB view
};

class LbSync {
 public:
  // Opens (or creates and pins) the maps and restores the writer's IDs
  // from what they hold; writes nothing.
  static absl::StatusOr<std::unique_ptr<LbSync>> Create(const LbSyncOptions& options);

  // Makes the maps hold the LB view of `snapshot`, writing only what
  // changed; on failure every frontend is in its old or its new state.
  absl::StatusOr<LbSyncReport> Sync(const route::Snapshot& snapshot);

  // Every services-map entry, sorted (`cilium-dbg bpf lb list`).
  absl::StatusOr<std::vector<lb::ListRow>> List();

 private:
  LbSync() = default;
  LbSyncOptions options_;
  std::unique_ptr<lb::MapBackend> maps_;
  std::unique_ptr<lb::Writer> writer_;
};

}  // namespace gwapi::engine

#endif  // GWAPI_LIB_ENGINE_LB_SYNC_H_
