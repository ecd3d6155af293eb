// Typed read-only views over stored objects: the fields the resolver reads,
// with the CRD defaults the store has already applied filled in where a
// missing field still has a meaning (parentRef group/kind/namespace, backend
// kind, allowedRoutes). Views point into the Store's objects and are valid
// as long as those objects are.
// Thread-safety: plain data; const views may be shared between threads.
#ifndef GWAPI_LIB_RESOLVE_VIEWS_H_
#define GWAPI_LIB_RESOLVE_VIEWS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "lib/model/object.h"

namespace gwapi::resolve {

// A Kubernetes LabelSelector. An unknown operator is kept (and reported):
// such a selector matches nothing.
struct LabelSelector {
  struct Requirement {
    std::string key;
    std::string op;  // In, NotIn, Exists, DoesNotExist, or what the user wrote
    std::vector<std::string> values;
  };
  model::StringPairs match_labels;
  std::vector<Requirement> match_expressions;

  // The first operator this selector does not know, or "" when all are known.
  std::string UnknownOperator() const;
  bool Matches(const model::StringPairs& labels) const;
};

struct GroupKind {
  std::string group;
  std::string kind;
  friend bool operator==(const GroupKind& a, const GroupKind& b) {
    return a.group == b.group && a.kind == b.kind;
  }
};

// A reference to a Secret or ConfigMap (certificateRefs, caCertificateRefs).
struct ObjectRef {
  std::string group;
  std::string kind;
  std::string ns;  // resolved: the referrer's namespace when unset
  std::string name;
  bool cross_namespace = false;
};

// One listener of a Gateway or entry of a ListenerSet.
struct ListenerView {
  std::string name;
  std::string protocol;
  int64_t port = 0;
  std::optional<std::string> hostname;
  std::string tls_mode;  // "Terminate", "Passthrough" or "" without tls
  std::vector<ObjectRef> certificate_refs;
  // allowedRoutes
  std::string from = "Same";  // All, Same, Selector
  std::optional<LabelSelector> selector;
  bool kinds_set = false;
  std::vector<GroupKind> kinds;
};

struct ParentRefView {
  std::string group;
  std::string kind;
  std::string ns;
  std::string name;
  std::optional<std::string> section_name;
  std::optional<int64_t> port;
  bool namespace_set = false;
};

// A route's parentRef. Its text is viewed, not owned: in the RouteView's
// `text` block, except `group`, which points into the stored object or a
// static default; the object must outlive the view (RouteEntry holds both).
struct RouteParentRef {
  enum class Kind : uint8_t { kOther, kGateway, kListenerSet };
  // group is gateway.networking.k8s.io, and which kind: decided when the
  // view is read, so resolving does not compare the strings.
  bool gateway_group = false;
  Kind parent_kind = Kind::kOther;
  absl::string_view group;
  absl::string_view kind;
  absl::string_view ns;
  absl::string_view name;
  std::optional<absl::string_view> section_name;
  std::optional<int64_t> port;
  bool namespace_set = false;
  uint64_t nn_hash = 0;  // NsNameHash(ns, name)
};

// A backendRef (or RequestMirror backendRef) of a route; text as in
// RouteParentRef.
struct BackendRefView {
  bool core_service = false;  // group "" and kind Service
  uint64_t nn_hash = 0;       // NsNameHash(ns, name)
  absl::string_view group;
  absl::string_view kind;
  absl::string_view ns;
  absl::string_view name;
  std::optional<int64_t> port;
  bool cross_namespace = false;
  // Where the reference is, kept as indexes and formatted by Where() only
  // for a message: a string per backend was a third of ReadRoute
  // (BM_Status_Full profile).
  int32_t rule = 0;
  int32_t backend = -1;  // index in the rule's backendRefs; -1 at rule level
  bool mirror = false;   // a RequestMirror filter's backendRef
  // "rules[0] backendRefs[1]", "rules[0] requestMirror backendRef", ...
  std::string Where() const;
};

// Any route kind: HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, UDPRoute.
// Its text is in `text` (one block per route, so resolving a route touches
// a few adjacent blocks rather than strings spread over the object's
// Value tree: BM_Status_Full at 10,000 routes was bound by those cache
// misses); defaults are static text. A view is not copyable (views point
// into `text`).
// A rule the matcher cannot run, so it is dropped: a regular expression
// RE2 rejects (lib/route compiles every regex with RE2).
struct InvalidRule {
  int32_t rule = 0;
  std::string why;  // "rules[1].matches[0].path: ..."
};

struct RouteView {
  RouteView() = default;
  RouteView(const RouteView&) = delete;
  RouteView& operator=(const RouteView&) = delete;
  RouteView(RouteView&&) = default;
  RouteView& operator=(RouteView&&) = default;

  const model::Object* obj = nullptr;
  absl::string_view kind;  // obj->key.kind
  absl::string_view ns;    // obj->key.ns
  std::unique_ptr<char[]> text;
  std::vector<RouteParentRef> parent_refs;
  std::vector<absl::string_view> hostnames;
  std::vector<BackendRefView> backends;  // every rule's backendRefs and mirrors
  size_t rule_count = 0;
  std::vector<InvalidRule> invalid_rules;  // ascending rule order
};

struct GatewayView {
  const model::Object* obj = nullptr;
  std::string class_name;
  std::vector<ListenerView> listeners;
  struct Address {
    std::string type;  // defaulted to IPAddress
    std::string value;
  };
  std::vector<Address> addresses;
  std::string allowed_listeners_from = "None";
  std::optional<LabelSelector> allowed_listeners_selector;
  model::StringPairs infrastructure_labels;
  // spec.infrastructure.parametersRef (a local reference).
  std::optional<ObjectRef> parameters_ref;
  // spec.tls.backend.clientCertificateRef.
  std::optional<ObjectRef> backend_client_certificate;
  // Frontend client-certificate validation: the default and per-port
  // overrides (spec.tls.frontend).
  struct FrontendValidation {
    std::vector<ObjectRef> ca_refs;
    std::string mode;  // AllowValidOnly (default) or AllowInsecureFallback
  };
  std::optional<FrontendValidation> frontend_default;
  std::vector<std::pair<int64_t, FrontendValidation>> frontend_per_port;
  // The validation that applies to listeners on `port`, or nullptr.
  const FrontendValidation* FrontendFor(int64_t port) const;
};

struct ListenerSetView {
  const model::Object* obj = nullptr;
  ParentRefView parent;
  std::vector<ListenerView> listeners;
};

struct ReferenceGrantView {
  const model::Object* obj = nullptr;
  struct From {
    std::string group, kind, ns;
  };
  struct To {
    std::string group, kind;
    std::optional<std::string> name;
  };
  std::vector<From> from;
  std::vector<To> to;
};

struct ServiceView {
  const model::Object* obj = nullptr;
  struct Port {
    std::string name;
    int64_t port = 0;
    std::string app_protocol;
    std::string protocol = "TCP";
  };
  std::vector<Port> ports;
};

// A CiliumLoadBalancerIPPool: its usable IPv4/IPv6 ranges, in spec order.
struct PoolView {
  const model::Object* obj = nullptr;
  bool disabled = false;
  std::optional<LabelSelector> service_selector;
  struct Range {
    // Addresses as 128-bit numbers split in two halves; IPv4 in the low bits.
    unsigned __int128 first = 0;
    unsigned __int128 last = 0;
    bool v6 = false;
  };
  std::vector<Range> ranges;
};

struct BackendTlsPolicyView {
  const model::Object* obj = nullptr;
  struct Target {
    std::string group, kind, name;
    std::optional<std::string> section_name;
  };
  std::vector<Target> targets;
  std::vector<ObjectRef> ca_refs;
  std::string well_known;
  std::string hostname;  // validation.hostname: the SNI toward the backend
  // validation.subjectAltNames: (type, value), type Hostname or URI.
  std::vector<std::pair<std::string, std::string>> subject_alt_names;
};

// Parsers; each reads what the CRD guarantees after defaulting and treats
// anything else as absent.
LabelSelector ReadSelector(const model::Value& v);
ListenerView ReadListener(const model::Value& v, absl::string_view owner_ns);
GatewayView ReadGateway(const model::Object& o);
ListenerSetView ReadListenerSet(const model::Object& o);
RouteView ReadRoute(const model::Object& o);
ReferenceGrantView ReadReferenceGrant(const model::Object& o);
ServiceView ReadService(const model::Object& o);
PoolView ReadPool(const model::Object& o);
BackendTlsPolicyView ReadBackendTlsPolicy(const model::Object& o);

// A hash of a namespace and name, computed once per view so that lookups
// by them (Services, Gateways) do not hash the strings again.
uint64_t NsNameHash(absl::string_view ns, absl::string_view name);

// IP text to the 128-bit form of PoolView::Range; false when not an address.
bool ParseIp(absl::string_view text, unsigned __int128* out, bool* v6);
std::string FormatIp(unsigned __int128 ip, bool v6);

}  // namespace gwapi::resolve

#endif  // GWAPI_LIB_RESOLVE_VIEWS_H_
