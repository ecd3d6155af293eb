// The Engine: decodes input, validates it as the API server would, and keeps
// the accepted objects. Later stages (status, snapshots) hang off it.
// Thread-safety: single writer; calls must not overlap.
#ifndef GWAPI_LIB_ENGINE_ENGINE_H_
#define GWAPI_LIB_ENGINE_ENGINE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/model/limits.h"
#include "lib/model/object.h"
#include "lib/model/store.h"
#include "lib/resolve/resolver.h"
#include "lib/route/holder.h"
#include "lib/route/snapshot.h"
#include "lib/validate/validator.h"

namespace gwapi::engine {

struct EngineOptions {
  // The GatewayClass controllerName this engine acts for.
  std::string controller_name = "gwapi.dev/gateway-controller";
  model::DecodeLimits limits;
  // Seconds since the epoch stamped on status conditions whose status
  // changed (lastTransitionTime); 0 means the real clock.
  int64_t fixed_time_unix = 0;
};

enum class Outcome { kAccepted, kRejected, kIgnored, kUnchanged };
absl::string_view OutcomeName(Outcome o);  // "accepted", ...

// What happened to one object of an input, or one listed object.
struct ObjectResult {
  model::ObjectKey key;
  std::string api_version;
  Outcome outcome = Outcome::kAccepted;
  int64_t generation = 0;
  std::string source;  // where in the input ("document 2 (line 14)")
  std::string note;    // why it was ignored
  std::vector<validate::FieldError> errors;
};

enum class ListFilter { kStored, kRejected, kAll };

class Engine {
 public:
  static absl::StatusOr<std::unique_ptr<Engine>> Create(EngineOptions options);

  // Decodes every object of `input` and stores the valid ones; see
  // gwapi_engine_apply for the contract. Fails (changing nothing) only when
  // the input cannot be decoded.
  absl::StatusOr<std::vector<ObjectResult>> Apply(absl::string_view input);

  // Removes the object and any rejection recorded for it; NotFound if
  // there is neither.
  absl::Status Delete(const model::ObjectKey& key);

  // Sorted by key; rejected entries after stored ones for the same key.
  std::vector<ObjectResult> List(ListFilter filter) const;

  const model::Object* Get(const model::ObjectKey& key) const { return store_.Get(key); }
  const model::Store& store() const { return store_; }
  const EngineOptions& options() const { return options_; }

  // The status of everything this engine's controller owns. Resolved lazily:
  // the first call after the store changed brings it up to date, later calls
  // return the cached result. When only routes changed since the last call,
  // only they and the Gateways/ListenerSets they attach to are recomputed
  // (resolve::Resolution::Update); otherwise the whole graph is (linear in
  // stored objects and route parents). Figures: docs/PERFORMANCE.md.
  const resolve::StatusSet& Status();

  // The routing configuration as an immutable compiled snapshot: status is
  // brought up to date, compiled (lib/compile) and published; until the
  // store changes again, later calls return the published one. The snapshot
  // owns everything it needs and outlives the engine.
  absl::StatusOr<std::shared_ptr<const route::Snapshot>> Snapshot();

 private:
  explicit Engine(EngineOptions options) : options_(std::move(options)) {}
  ObjectResult ApplyOne(model::Value value, std::string source);
  // Records that the stored object `key` was put or erased.
  void NoteChange(const model::ObjectKey& key);

  EngineOptions options_;
  const validate::SchemaSet* schemas_ = nullptr;
  model::Store store_;
  // The latest rejected version of each object, with its errors.
  absl::flat_hash_map<model::ObjectKey, ObjectResult> rejected_;
  uint64_t next_arrival_ = 1;
  // Status cache, valid while the store's revision equals status_revision_.
  resolve::Resolution resolution_;
  uint64_t status_revision_ = 0;
  bool status_valid_ = false;
  // Keys put or erased since the status was last brought up to date. Past
  // kMaxPendingChanges (a bulk resync) the engine stops tracking them and
  // recomputes everything; the bound keeps the list small, it is not tuned.
  static constexpr size_t kMaxPendingChanges = 256;
  std::vector<model::ObjectKey> pending_changes_;
  bool pending_overflow_ = false;
  // Previous condition statuses, so lastTransitionTime moves only on change.
  resolve::TransitionMemory transitions_;
  // The last snapshot published, and the store revision it was compiled at.
  route::SnapshotHolder snapshot_;
  uint64_t snapshot_revision_ = 0;
};

}  // namespace gwapi::engine

#endif  // GWAPI_LIB_ENGINE_ENGINE_H_
