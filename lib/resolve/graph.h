// The resolution graph: indexes over the Store built once per resolution,
// and the per-object state the passes (gateways, routes, policies) fill in.
// Internal to lib/resolve.
// Thread-safety: built and used by one resolution on one thread.
#ifndef GWAPI_LIB_RESOLVE_GRAPH_H_
#define GWAPI_LIB_RESOLVE_GRAPH_H_

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "lib/model/store.h"
#include "lib/resolve/conditions.h"
#include "lib/resolve/views.h"

namespace gwapi::resolve {

struct GatewayState;
struct ListenerSetState;

// One listener (of a Gateway or a ListenerSet) and what was decided about it.
struct ListenerState {
  const ListenerView* view = nullptr;
  GatewayState* gateway = nullptr;
  ListenerSetState* set = nullptr;  // null for the Gateway's own listeners
  absl::string_view owner_ns;
  std::vector<GroupKind> supported_kinds;
  // Problems, in the order they decide the conditions; "" when none.
  std::string unsupported_protocol;  // Accepted=False/UnsupportedProtocol
  std::string conflict_reason;       // HostnameConflict / ProtocolConflict
  std::string conflict_message;
  std::string selector_problem;  // allowedRoutes selector unusable
  std::string refs_reason;       // ResolvedRefs=False reason
  std::string refs_message;
  bool no_valid_ca = false;     // every frontend CA ref is invalid
  std::string overlapping_tls;  // OverlappingTLSConfig message, "" if none
  int64_t attached_routes = 0;

  bool Valid() const { return unsupported_protocol.empty() && conflict_reason.empty(); }
  // Whether the listener cannot serve TLS: its certificate or every
  // frontend CA is unusable.
  bool TlsBroken() const {
    return no_valid_ca || refs_reason == "InvalidCertificateRef" ||
           refs_reason == "RefNotPermitted";
  }
  bool Supports(absl::string_view kind) const;
};

struct GatewayState {
  GatewayView view;
  const model::Object* gateway_class = nullptr;
  bool class_accepted = false;
  std::vector<std::unique_ptr<ListenerState>> listeners;  // own listeners
  std::vector<ListenerSetState*> sets;                    // attached, in merge order
  std::vector<Condition> conditions;
  std::vector<GatewayView::Address> status_addresses;
  bool accepted = false;  // decided before addresses: only accepted Gateways get one
  int64_t attached_listener_sets = 0;
};

struct ListenerSetState {
  ListenerSetView view;
  GatewayState* parent = nullptr;  // null when the parent is not ours
  bool allowed = false;
  bool accepted = false;
  std::vector<std::unique_ptr<ListenerState>> listeners;
  std::vector<Condition> conditions;
};

// Sort key for "oldest first": creationTimestamp (objects without one are
// newest), then arrival, then namespace/name.
bool OlderThan(const model::Object& a, const model::Object& b);

std::string NsName(absl::string_view ns, absl::string_view name);

// Whether two hostnames (each exact or "*."-wildcard) have a host in common;
// "*." covers one or more labels.
bool HostnamesIntersect(absl::string_view a, absl::string_view b);

struct Graph {
  std::string controller_name;
  const model::Store* store = nullptr;

  // GatewayClasses whose controllerName is ours, by name.
  std::map<std::string, const model::Object*> classes;
  std::map<std::string, std::vector<Condition>> class_conditions;
  // Gateways of our classes, oldest first.
  std::vector<std::unique_ptr<GatewayState>> gateways;
  absl::flat_hash_map<std::string, GatewayState*> gateway_by_name;  // "ns/name"
  // Every Gateway name in the store, ours or not (for NoMatchingParent).
  absl::flat_hash_map<std::string, const model::Object*> any_gateway;
  // ListenerSets whose parent Gateway is ours, oldest first.
  std::vector<std::unique_ptr<ListenerSetState>> sets;
  absl::flat_hash_map<std::string, ListenerSetState*> set_by_name;

  std::vector<RouteView> routes;
  absl::flat_hash_map<std::string, ServiceView> services;
  absl::flat_hash_map<std::string, const model::Object*> secrets;
  absl::flat_hash_map<std::string, const model::Object*> config_maps;
  absl::flat_hash_map<std::string, model::StringPairs> namespace_labels;
  absl::flat_hash_map<std::string, std::vector<ReferenceGrantView>> grants;  // by namespace
  std::vector<PoolView> pools;
  std::vector<BackendTlsPolicyView> policies;

  // Filled by the route pass: for each Service "ns/name", the Gateways whose
  // accepted routes send traffic to it (BackendTLSPolicy ancestors).
  std::map<std::string, std::set<GatewayState*>> service_gateways;

  // Filled by the route pass: for each route attached to at least one
  // listener, the listeners whose attachedRoutes it counts, so an
  // incremental update can take a changed route's old attachments back
  // (BM_Status_OneRouteChanged).
  absl::flat_hash_map<model::ObjectKey, std::vector<ListenerState*>> route_listeners;
  // GRPCRoutes seen: with none, HTTPRoute/GRPCRoute hostname conflicts
  // cannot arise and routes can be resolved one at a time.
  size_t grpc_routes = 0;

  // Output: status stanzas by object.
  std::map<model::ObjectKey, model::Value> status;

  // The labels of a namespace; a namespace that is not stored has only the
  // label the API server adds to every namespace.
  model::StringPairs NamespaceLabels(absl::string_view ns) const;
  // Whether a ReferenceGrant in `to_ns` lets `from` (group/kind in from_ns)
  // refer to the object to_group/to_kind/to_name.
  bool Granted(absl::string_view from_group, absl::string_view from_kind, absl::string_view from_ns,
               absl::string_view to_group, absl::string_view to_kind, absl::string_view to_ns,
               absl::string_view to_name) const;
};

// Builds every index from the store.
std::unique_ptr<Graph> BuildGraph(const model::Store& store, absl::string_view controller_name);

// Listener checks (listeners.cc): protocol, kinds, selector, certificates
// and frontend CAs; then, over a Gateway's merged listener list (own first,
// then ListenerSets oldest first), conflicts and overlapping TLS hostnames.
void CheckListener(const Graph& g, ListenerState* l);
void MarkConflicts(std::vector<ListenerState*>& merged);
void MarkOverlappingTls(const std::vector<ListenerState*>& merged);
// Checks a reference to a TLS Secret. Returns "" when usable, else sets
// *reason (RefNotPermitted or `invalid_reason`) and returns the message. The
// grant is checked before existence so nothing leaks across namespaces.
std::string CheckTlsSecret(const Graph& g, const ObjectRef& r, absl::string_view at,
                           absl::string_view from_kind, absl::string_view from_ns,
                           absl::string_view invalid_reason, std::string* reason);

// Address assignment (addresses.cc), for accepted Gateways only (it reads
// GatewayState::accepted): fills GatewayState::status_addresses,
// and `programmed` with a False Programmed condition for Gateways whose
// addresses are unusable or unassigned; UnsupportedAddress goes to
// GatewayState::conditions.
void AssignAddresses(Graph* g, absl::flat_hash_map<GatewayState*, Condition>* programmed);

// The passes, in the order they run.
void ResolveGateways(Graph* g);  // classes, gateways, listeners, sets, addresses
void ResolveRoutes(Graph* g, TransitionMemory* memory);
void ResolvePolicies(Graph* g, TransitionMemory* memory);
void RenderGateways(Graph* g, TransitionMemory* memory);

// One route against the resolved Gateways (for incremental updates, when
// no GRPCRoute can conflict): bumps attachedRoutes of the listeners it
// attaches to, fills *counted with them and returns its status stanza, or
// nullopt when no parentRef is ours.
std::optional<model::Value> ResolveOneRoute(Graph* g, const RouteView& r, TransitionMemory* memory,
                                            std::vector<ListenerState*>* counted);
// The status stanza of one Gateway or ListenerSet of the graph.
model::Value RenderGateway(const Graph& g, const GatewayState& gw, TransitionMemory* memory);
model::Value RenderListenerSet(const Graph& g, const ListenerSetState& s, TransitionMemory* memory);

}  // namespace gwapi::resolve

#endif  // GWAPI_LIB_RESOLVE_GRAPH_H_
