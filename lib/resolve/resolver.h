// The resolver: computes, from the stored objects alone, the status a
// conformant controller writes for everything it owns (GatewayClasses with
// its controllerName, their Gateways and ListenerSets, routes attached to
// them, BackendTLSPolicies on their backends).
// Thread-safety: Resolve() reads the store and writes only `memory`; calls
// sharing a TransitionMemory must not overlap.
#ifndef GWAPI_LIB_RESOLVE_RESOLVER_H_
#define GWAPI_LIB_RESOLVE_RESOLVER_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "lib/model/object.h"
#include "lib/model/store.h"
#include "lib/model/value.h"
#include "lib/resolve/conditions.h"

namespace gwapi::resolve {

struct ResolveOptions {
  std::string controller_name;
  // Seconds since the epoch stamped on conditions whose status changed.
  int64_t now_unix = 0;
};

// The status stanzas of one resolution, sorted by group, kind, namespace,
// name. Immutable once returned.
class StatusSet {
 public:
  using Map = std::map<model::ObjectKey, model::Value>;

  explicit StatusSet(Map entries) : entries_(std::move(entries)) {}
  StatusSet() = default;

  // The status stanza of one object, or nullptr when none is written.
  const model::Value* Find(const model::ObjectKey& key) const;
  const Map& entries() const { return entries_; }

  // [{"apiVersion", "kind", "namespace", "name", "status"}, ...] for the
  // objects of `store` (apiVersion as stored).
  std::string ToJson(const model::Store& store) const;

 private:
  Map entries_;
};

// Full recomputation over the whole store: O(objects + route parents x
// listeners). `memory` carries lastTransitionTime between calls.
StatusSet Resolve(const model::Store& store, const ResolveOptions& options,
                  TransitionMemory* memory);

}  // namespace gwapi::resolve

#endif  // GWAPI_LIB_RESOLVE_RESOLVER_H_
