// The compact form of a resolution's status (issue: status engine). Route
// statuses, nearly all of the output, are kept as decisions (condition
// reasons as static text, messages interned, times as seconds, parentRefs
// as the route view's) and rendered to model::Value or JSON only when
// StatusSet::Find or ToJson asks. Building a Value tree per route parent
// (25 nodes, 17 heap blocks) was most of BM_Status_Full.
// Internal to lib/resolve.
// Thread-safety: built by one resolution; afterwards read-only except for
// RouteStatus::rendered, which Find() fills under render_mu.
#ifndef GWAPI_LIB_RESOLVE_STATUS_DATA_H_
#define GWAPI_LIB_RESOLVE_STATUS_DATA_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "lib/model/object.h"
#include "lib/model/value.h"
#include "lib/resolve/conditions.h"
#include "lib/resolve/views.h"

namespace gwapi::resolve {

// Condition messages built during a resolution, each stored once: the
// routes of one Gateway mostly share theirs. Interned text never moves.
class MessagePool {
 public:
  absl::string_view Intern(absl::string_view s);
  size_t size() const { return strings_.size(); }

 private:
  std::deque<std::string> strings_;
  absl::flat_hash_set<absl::string_view> index_;
};

// A stored route and its typed view. Kept from one resolution to the next
// while the object stays stored, so a full recomputation reads only new or
// replaced routes (BM_Status_Full: ReadRoute was 11 % of it). The store
// replaces an object on update and never changes a stored one, so the view
// of an object cannot go stale; holding the object also keeps its address
// from being reused while the view is cached.
struct RouteEntry {
  std::shared_ptr<const model::Object> object;
  RouteView view;                // points into *object
  uint64_t key_fingerprint = 0;  // TransitionMemory::Fingerprint(object->key)
};

struct CompactCondition {
  absl::string_view type;     // static text
  absl::string_view reason;   // static text
  absl::string_view message;  // static text or in the StatusSetData's pool
  int64_t time = 0;           // lastTransitionTime, seconds since the epoch
  bool is_true = false;
};

// One status.parents entry: its conditions are always Accepted, then
// ResolvedRefs, then PartiallyInvalid when the route has dropped rules.
struct RouteParentStatus {
  const RouteParentRef* ref = nullptr;  // into the route's view
  CompactCondition accepted;
  CompactCondition resolved_refs;
  bool has_partially_invalid = false;
  CompactCondition partially_invalid;
};

struct RouteStatus {
  std::shared_ptr<const RouteEntry> route;
  uint32_t begin = 0;  // parents in StatusSetData::parents
  uint32_t count = 0;
  // Find()'s rendering, made on first use.
  mutable std::unique_ptr<model::Value> rendered;

  const model::ObjectKey& key() const { return route->object->key; }
};

// The stanza of anything but a route: a Value, or JSON text (Gateways and
// ListenerSets) that Find() parses into `value` on first use.
struct OtherStatus {
  std::string json;
  mutable std::unique_ptr<model::Value> value;
};

struct StatusSetData {
  std::string controller_name;
  // Everything but routes (GatewayClasses, Gateways, ListenerSets,
  // BackendTLSPolicies): few objects, rendered eagerly.
  std::map<model::ObjectKey, OtherStatus> others;
  // Routes with at least one parent of ours, sorted by key.
  std::vector<RouteStatus> routes;
  std::vector<RouteParentStatus> parents;
  size_t dead_parents = 0;  // left behind by incremental updates
  MessagePool messages;
  absl::Mutex render_mu;

  // The first route whose key is not less than `key`.
  size_t LowerBound(const model::ObjectKey& key) const;
  model::Value RenderRoute(const RouteStatus& r, TimeFormatter* times) const;
  // The same as RenderRoute(r).AppendJson(out), without the tree.
  void AppendRouteJson(const RouteStatus& r, TimeFormatter* times, std::string* out) const;
};

}  // namespace gwapi::resolve

#endif  // GWAPI_LIB_RESOLVE_STATUS_DATA_H_
