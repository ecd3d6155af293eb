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
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "lib/model/object.h"
#include "lib/model/store.h"
#include "lib/model/value.h"
#include "lib/resolve/conditions.h"
#include "lib/resolve/routing.h"

namespace gwapi::resolve {

struct ResolveOptions {
  std::string controller_name;
  // Seconds since the epoch stamped on conditions whose status changed.
  int64_t now_unix = 0;
};

struct StatusSetData;

// The status stanzas of one resolution, by group, kind, namespace, name.
// Route stanzas are kept compact and rendered when asked for (Find renders
// one and keeps it; ToJson writes JSON directly). Holds references to the
// route objects it describes, so it stays readable after the store changes.
// Thread-safety: const methods may be called from several threads (Find's
// rendering is locked); changed only by the Resolution that owns it.
class StatusSet {
 public:
  StatusSet();
  ~StatusSet();
  StatusSet(StatusSet&&) noexcept;
  StatusSet& operator=(StatusSet&&) noexcept;

  // The status stanza of one object, or nullptr when none is written.
  // Valid until this set is changed or destroyed.
  const model::Value* Find(const model::ObjectKey& key) const;
  // Objects with a status stanza.
  size_t size() const;
  bool empty() const { return size() == 0; }

  // [{"apiVersion", "kind", "namespace", "name", "status"}, ...] for the
  // objects of `store` (apiVersion as stored), in key order.
  std::string ToJson(const model::Store& store) const;

 private:
  friend class Resolution;
  friend StatusSet Resolve(const model::Store&, const ResolveOptions&, TransitionMemory*);
  explicit StatusSet(std::unique_ptr<StatusSetData> d);

  std::unique_ptr<StatusSetData> d_;
};

// Full recomputation over the whole store: O(objects + route parents x
// listeners). `memory` carries lastTransitionTime between calls. Reads every
// route; Resolution::Full() reads only routes that changed since its last
// call.
StatusSet Resolve(const model::Store& store, const ResolveOptions& options,
                  TransitionMemory* memory);

struct Graph;

// A resolution kept between changes of the store, so that a change touching
// only routes recomputes those routes and the Gateways and ListenerSets
// whose listeners they (were) attached to, not the whole graph
// (BM_Status_OneRouteChanged: 420 ms for a full recomputation of 10,000
// routes against well under 1 ms). Anything else falls back to Full().
// Holds pointers into the store's objects: after any change of the store,
// call Update() or Full() before status() is read again.
// Thread-safety: not thread-safe; owned by one Engine.
class Resolution {
 public:
  Resolution();
  ~Resolution();
  Resolution(const Resolution&) = delete;
  Resolution& operator=(const Resolution&) = delete;

  // Recomputes everything, as Resolve() does.
  void Full(const model::Store& store, const ResolveOptions& options, TransitionMemory* memory);
  // Brings the status up to date after the objects `changed` (keys, any
  // order, duplicates allowed) were put or erased since the last Full() or
  // Update(). Returns false, changing nothing, when the change is not one
  // it can apply incrementally (any object but an HTTP/TLS/TCP/UDPRoute, a
  // GRPCRoute anywhere, a BackendTLSPolicy anywhere, or no Full() yet);
  // the caller then calls Full().
  bool Update(const model::Store& store, const ResolveOptions& options,
              const std::vector<model::ObjectKey>& changed, TransitionMemory* memory);

  const StatusSet& status() const { return status_; }

  // What traffic routing needs from the last Full() or Update(): the
  // programmed listeners, the routes attached to each, backend verdicts
  // (routing.h). Points into the store's objects.
  Routing MakeRouting() const;

 private:
  std::unique_ptr<Graph> graph_;
  StatusSet status_;
  // Interned messages after the last Full(): Update() falls back to Full()
  // once they have grown well past it, so a long run of incremental updates
  // cannot grow the pool without bound.
  size_t messages_after_full_ = 0;
};

}  // namespace gwapi::resolve

#endif  // GWAPI_LIB_RESOLVE_RESOLVER_H_
