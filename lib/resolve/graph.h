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
#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"
#include "lib/model/store.h"
#include "lib/resolve/conditions.h"
#include "lib/resolve/status_data.h"
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
  // Why the listener's certificates cannot be served, "" when they can;
  // checked even when refs_reason already holds another problem.
  std::string certificate_problem;
  std::string overlapping_tls;  // OverlappingTLSConfig message, "" if none
  int64_t attached_routes = 0;

  bool Valid() const { return unsupported_protocol.empty() && conflict_reason.empty(); }
  // Whether the listener cannot serve TLS: a certificate or every frontend
  // CA is unusable (some unusable CAs only make ResolvedRefs False).
  bool TlsBroken() const { return no_valid_ca || !certificate_problem.empty(); }
  // Whether the listener takes the route kind with this RouteKindBit(),
  // from a mask of the supported route kinds made on first use: comparing
  // supported_kinds' strings was a tenth of the route pass (BM_Status_Full).
  bool SupportsRouteKind(uint32_t bit) const;

 private:
  mutable uint32_t route_kinds_ = 0;
  mutable bool route_kinds_known_ = false;
};

// One bit per route kind (HTTPRoute, GRPCRoute, TLSRoute, TCPRoute,
// UDPRoute); 0 for anything else.
uint32_t RouteKindBit(absl::string_view kind);

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

// A namespace and name with their NsNameHash(), as a hash map key that
// is not hashed again.
struct NsNameKey {
  uint64_t hash = 0;
  absl::string_view ns;
  absl::string_view name;
};
struct NsNameKeyHash {
  size_t operator()(const NsNameKey& k) const { return k.hash; }
};
struct NsNameKeyEq {
  bool operator()(const NsNameKey& a, const NsNameKey& b) const {
    return a.hash == b.hash && a.name == b.name && a.ns == b.ns;
  }
};
template <typename V>
using NsNameMap = absl::flat_hash_map<NsNameKey, V, NsNameKeyHash, NsNameKeyEq>;

// A stored Service and its view; see RouteEntry. Its namespace and name
// are copied next to the view, so a lookup by them touches this block and
// not the store's.
struct ServiceEntry {
  std::shared_ptr<const model::Object> object;
  ServiceView view;
  std::string ns;
  std::string name;
  uint64_t nn_hash = 0;  // NsNameHash(ns, name)
};

struct Graph {
  std::string controller_name;
  const model::Store* store = nullptr;

  // GatewayClasses whose controllerName is ours, by name.
  std::map<std::string, const model::Object*> classes;
  std::map<std::string, std::vector<Condition>> class_conditions;
  // Gateways of our classes, oldest first.
  std::vector<std::unique_ptr<GatewayState>> gateways;
  absl::flat_hash_map<std::string, GatewayState*> gateway_by_name;  // "ns/name"
  // The same by NsNameKey, for the route pass.
  NsNameMap<GatewayState*> gateway_by_key;
  // Every Gateway name in the store, ours or not (for NoMatchingParent).
  absl::flat_hash_map<std::string, const model::Object*> any_gateway;
  // ListenerSets whose parent Gateway is ours, oldest first.
  std::vector<std::unique_ptr<ListenerSetState>> sets;
  absl::flat_hash_map<std::string, ListenerSetState*> set_by_name;
  NsNameMap<ListenerSetState*> set_by_key;

  // Every stored route, in key order (views cached between resolutions).
  std::vector<std::shared_ptr<const RouteEntry>> routes;
  // Services by (namespace, name), pointing into `service_entries` (key
  // order), which are kept for the next resolution like route views.
  std::vector<std::shared_ptr<const ServiceEntry>> service_entries;
  NsNameMap<const ServiceView*> services;
  absl::flat_hash_map<std::string, const model::Object*> secrets;
  absl::flat_hash_map<std::string, const model::Object*> config_maps;
  absl::flat_hash_map<std::string, model::StringPairs> namespace_labels;
  absl::flat_hash_map<std::string, std::vector<ReferenceGrantView>> grants;  // by namespace
  std::vector<PoolView> pools;
  // CheckTlsSecret's verdict per Secret, filled as Secrets are checked.
  mutable absl::flat_hash_map<const model::Object*, std::string> tls_secret_problems;
  std::vector<BackendTlsPolicyView> policies;

  // Filled by the route pass: for each Service "ns/name", the Gateways whose
  // accepted routes send traffic to it (BackendTLSPolicy ancestors).
  std::map<std::string, std::set<GatewayState*>> service_gateways;

  // Filled by the route pass: for each route with a status, the listeners whose attachedRoutes it
  // counts, so an incremental update can take a changed route's old attachments back
  // (BM_Status_OneRouteChanged).
  // Indexed as out->routes (a hash map by route was a cache miss per route
  // at 10,000 routes).
  std::vector<absl::InlinedVector<ListenerState*, 2>> route_listeners;
  // GRPCRoutes seen: with none, HTTPRoute/GRPCRoute hostname conflicts
  // cannot arise and routes can be resolved one at a time.
  size_t grpc_routes = 0;

  // Output: route statuses go to *out; the other stanzas to `status`,
  // moved to out->others when the resolution ends.
  StatusSetData* out = nullptr;
  std::map<model::ObjectKey, OtherStatus> status;

  // The labels of a namespace; a namespace that is not stored has only the
  // label the API server adds to every namespace.
  model::StringPairs NamespaceLabels(absl::string_view ns) const;
  // Whether a ReferenceGrant in `to_ns` lets `from` (group/kind in from_ns)
  // refer to the object to_group/to_kind/to_name.
  bool Granted(absl::string_view from_group, absl::string_view from_kind, absl::string_view from_ns,
               absl::string_view to_group, absl::string_view to_kind, absl::string_view to_ns,
               absl::string_view to_name) const;
};

// Builds every index from the store. Route and Service views are taken
// from the last resolution's output and graph (either may be null) when
// the stored object is the one they were read from.
std::unique_ptr<Graph> BuildGraph(const model::Store& store, absl::string_view controller_name,
                                  const StatusSetData* previous, const Graph* previous_graph);

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

// Checks CA reference `r`, caCertificateRefs[i] of the frontend validation
// that applies to a Gateway's HTTPS listeners on `port`: "" when usable,
// else sets *reason and returns the message.
std::string CheckFrontendCaRef(const Graph& g, const ObjectRef& r, size_t i, int64_t port,
                               absl::string_view gateway_ns, std::string* reason);
// Checks CA reference `r`, caCertificateRefs[i] of a BackendTLSPolicy
// (policies.cc), the same way.
std::string CheckBackendCaRef(const Graph& g, const ObjectRef& r, size_t i, std::string* reason);

// Address assignment (addresses.cc), for accepted Gateways only (it reads
// GatewayState::accepted): fills GatewayState::status_addresses,
// and `programmed` with a False Programmed condition for Gateways whose
// addresses are unusable or unassigned; UnsupportedAddress goes to
// GatewayState::conditions.
void AssignAddresses(Graph* g, absl::flat_hash_map<GatewayState*, Condition>* programmed);

// Whether the Gateway can verify a backend under policy `p`: it names a
// usable CA (a valid caCertificateRef, or wellKnownCACertificates System).
// Traffic to a backend under an unusable policy answers 5xx.
bool PolicyUsable(const Graph& g, const BackendTlsPolicyView& p);

// Whether a listener is valid, so Programmed once its parent is.
bool ListenerServes(const ListenerState& l);
// Whether `conditions` hold Programmed=True.
bool Programmed(const std::vector<Condition>& conditions);

// Why backendRef `b` of route `r` cannot carry traffic: returns the
// ResolvedRefs reason (InvalidKind, RefNotPermitted, BackendNotFound,
// UnsupportedProtocol) and sets *why, or returns "" and sets *service (when
// not null) to the Service it resolves to. The grant is checked before
// existence, so a message never tells whether a Service exists in a
// namespace the route may not reference.
absl::string_view BackendProblem(const Graph& g, const RouteView& r, const BackendRefView& b,
                                 std::string* why, const ServiceView** service);

// The passes, in the order they run.
void ResolveGateways(Graph* g);  // classes, gateways, listeners, sets, addresses
void ResolveRoutes(Graph* g, TransitionMemory* memory);
void ResolvePolicies(Graph* g, TransitionMemory* memory);
void RenderGateways(Graph* g, TransitionMemory* memory);

// One route against the resolved Gateways (for incremental updates, when
// no GRPCRoute can conflict): bumps attachedRoutes of the listeners it
// attaches to, fills *counted with them, appends its parents to
// g->out->parents and fills *status. Returns false when no parentRef is
// ours (nothing appended).
bool ResolveOneRoute(Graph* g, std::shared_ptr<const RouteEntry> r, TransitionMemory* memory,
                     RouteStatus* status, absl::InlinedVector<ListenerState*, 2>* counted);
// The status stanza of one Gateway or ListenerSet of the graph.
// The status stanza of one Gateway or ListenerSet of the graph, as JSON.
std::string RenderGateway(const Graph& g, const GatewayState& gw, TransitionMemory* memory);
std::string RenderListenerSet(const Graph& g, const ListenerSetState& s, TransitionMemory* memory);

}  // namespace gwapi::resolve

#endif  // GWAPI_LIB_RESOLVE_GRAPH_H_
