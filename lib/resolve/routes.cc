// The route pass: for every route kind, one status.parents entry per
// parentRef this controller handles, following sectionName, port,
// allowedRoutes (kinds, namespaces) and hostname intersection; backend
// references checked once per route (ReferenceGrant before existence, so a
// message never tells whether an object exists in a namespace the route may
// not reference).
#include <algorithm>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/model/kinds.h"
#include "lib/resolve/graph.h"

namespace gwapi::resolve {
namespace {

using model::Value;

bool HostnamesMatch(const ListenerState& l, const RouteView& r) {
  if (!l.view->hostname || l.view->hostname->empty() || r.hostnames.empty()) return true;
  for (const std::string& h : r.hostnames) {
    if (HostnamesIntersect(*l.view->hostname, h)) return true;
  }
  return false;
}

bool UsesHostnames(absl::string_view kind) {
  return kind == "HTTPRoute" || kind == "GRPCRoute" || kind == "TLSRoute";
}

std::string Quoted(const std::vector<const ListenerState*>& ls) {
  std::vector<std::string> names;
  for (const ListenerState* l : ls) names.push_back(absl::StrCat("\"", l->view->name, "\""));
  return absl::StrJoin(names, ", ");
}

// Why listener `l` does not admit routes from namespace `ns`, or "".
std::string NamespaceRefusal(const Graph& g, const ListenerState& l, absl::string_view ns) {
  const ListenerView& v = *l.view;
  if (v.from == "All") return "";
  if (v.from == "Same") {
    if (ns == l.owner_ns) return "";
    return absl::StrCat("listener \"", v.name, "\" admits routes only from namespace ", l.owner_ns,
                        " (allowedRoutes.namespaces.from: Same)");
  }
  if (v.from == "Selector") {
    if (!l.selector_problem.empty()) {
      return absl::StrCat("listener \"", v.name,
                          "\" has an unusable allowedRoutes selector and admits no routes");
    }
    if (v.selector && v.selector->Matches(g.NamespaceLabels(ns))) return "";
    return absl::StrCat("listener \"", v.name,
                        "\" admits routes only from namespaces its allowedRoutes selector "
                        "matches, and namespace ",
                        ns, " does not match");
  }
  return absl::StrCat("listener \"", v.name, "\" has allowedRoutes.namespaces.from \"", v.from,
                      "\" and admits no routes");
}

// The Service port appProtocols a route kind can send traffic with, or
// nullptr when the engine does not look at appProtocol for that kind.
// HTTPRoute: unset (HTTP/1.1, or whatever the kind implies), "http",
// "kubernetes.io/h2c" and "kubernetes.io/ws" (KEP-3726), and "https", the
// TLS backend a BackendTLSPolicy describes (the BackendTLSPolicy conformance
// Services use it). GRPCRoute: unset, "kubernetes.io/h2c" and "https"
// (HTTP/2 over TLS); gRPC cannot be carried over HTTP/1.1 or WebSocket.
// TLSRoute, TCPRoute and UDPRoute forward bytes and do not speak the
// backend's application protocol, so appProtocol is not checked for them.
// IANA service names ("http", "https") compare case-insensitively, the
// "kubernetes.io/" names exactly.
const std::vector<absl::string_view>* SupportedAppProtocols(absl::string_view kind) {
  static const auto* const kHttp = new std::vector<absl::string_view>{
      "http", "https", "kubernetes.io/h2c", "kubernetes.io/ws"};
  static const auto* const kGrpc =
      new std::vector<absl::string_view>{"https", "kubernetes.io/h2c"};
  if (kind == "HTTPRoute") return kHttp;
  if (kind == "GRPCRoute") return kGrpc;
  return nullptr;
}

bool AppProtocolSupported(absl::string_view kind, absl::string_view app_protocol) {
  const std::vector<absl::string_view>* ok = SupportedAppProtocols(kind);
  if (ok == nullptr || app_protocol.empty()) return true;
  for (absl::string_view p : *ok) {
    if (absl::StartsWith(p, "kubernetes.io/") ? app_protocol == p
                                              : absl::EqualsIgnoreCase(app_protocol, p)) {
      return true;
    }
  }
  return false;
}

// The appProtocol of the Service port a backendRef names that route kind
// `kind` cannot speak, or nullptr.
const ServiceView::Port* UnsupportedAppProtocolPort(absl::string_view kind, const ServiceView& s,
                                                    std::optional<int64_t> port) {
  if (!port) return nullptr;
  for (const ServiceView::Port& p : s.ports) {
    if (p.port == *port && !AppProtocolSupported(kind, p.app_protocol)) return &p;
  }
  return nullptr;
}

struct RefsVerdict {
  Condition condition;
  std::vector<std::string> valid_services;  // "ns/name" of resolvable Services
};

RefsVerdict CheckBackends(const Graph& g, const RouteView& r) {
  RefsVerdict out;
  absl::string_view kind = r.obj->key.kind;
  absl::string_view ns = r.obj->key.ns;
  std::string reason, first;
  size_t problems = 0;
  for (const BackendRefView& b : r.backends) {
    std::string why, why_reason;
    std::string nn = NsName(b.ns, b.name);
    if (!b.group.empty() || b.kind != "Service") {
      why_reason = "InvalidKind";
      why = absl::StrCat(b.Where(), " names ", b.group.empty() ? "core" : b.group, " kind ", b.kind,
                         " \"", b.name, "\"; only core Services are supported as backends.");
    } else if (b.cross_namespace &&
               !g.Granted(model::kGatewayGroup, kind, ns, "", "Service", b.ns, b.name)) {
      why_reason = "RefNotPermitted";
      why = absl::StrCat(b.Where(), " refers to Service ", nn,
                         " in another namespace; no ReferenceGrant in namespace ", b.ns, " allows ",
                         kind, "s from namespace ", ns, " to refer to it.");
    } else if (auto it = g.services.find(nn); it == g.services.end()) {
      why_reason = "BackendNotFound";
      why = absl::StrCat(b.Where(), " refers to Service ", nn, ", which does not exist.");
    } else if (b.port && !it->second.ports.empty() &&
               std::none_of(it->second.ports.begin(), it->second.ports.end(),
                            [&](const ServiceView::Port& p) { return p.port == *b.port; })) {
      why_reason = "BackendNotFound";
      why = absl::StrCat(b.Where(), " refers to port ", *b.port, " of Service ", nn,
                         ", which has no such port.");
    } else if (const ServiceView::Port* p = UnsupportedAppProtocolPort(kind, it->second, b.port)) {
      why_reason = "UnsupportedProtocol";
      why = absl::StrCat(b.Where(), " refers to port ", p->port, " of Service ", nn,
                         ", whose appProtocol \"", p->app_protocol, "\" is not one ", kind,
                         "s can send traffic with (supported: ",
                         absl::StrJoin(*SupportedAppProtocols(kind), ", "),
                         ", or none); change the port's appProtocol or the route kind.");
    } else {
      out.valid_services.push_back(nn);
      continue;
    }
    if (problems++ == 0) {
      reason = why_reason;
      first = why;
    }
  }
  if (problems == 0) {
    out.condition = True("ResolvedRefs", "ResolvedRefs", "All backend references are resolved.");
  } else {
    if (problems > 1) absl::StrAppend(&first, " (", problems - 1, " more invalid backendRefs.)");
    out.condition = False("ResolvedRefs", reason, first);
  }
  return out;
}

// Decides Accepted for one parentRef over its candidate listeners; fills
// `accepted` with the listeners that admit the route.
Condition Attach(const Graph& g, const RouteView& r, const ParentRefView& pr,
                 absl::string_view parent_label,
                 const std::vector<std::unique_ptr<ListenerState>>& listeners,
                 std::vector<ListenerState*>* accepted) {
  absl::string_view kind = r.obj->key.kind;
  std::vector<ListenerState*> cands;
  for (const auto& l : listeners) {
    if (pr.section_name && l->view->name != *pr.section_name) continue;
    if (pr.port && l->view->port != *pr.port) continue;
    cands.push_back(l.get());
  }
  if (cands.empty()) {
    std::string what;
    if (pr.section_name && pr.port) {
      what = absl::StrCat("named \"", *pr.section_name, "\" on port ", *pr.port);
    } else if (pr.section_name) {
      what = absl::StrCat("named \"", *pr.section_name, "\"");
    } else if (pr.port) {
      what = absl::StrCat("on port ", *pr.port);
    }
    return False("Accepted", "NoMatchingParent",
                 what.empty() ? absl::StrCat(parent_label, " has no listeners.")
                              : absl::StrCat(parent_label, " has no listener ", what, "."));
  }
  std::vector<const ListenerState*> refused_kind;
  std::vector<ListenerState*> kind_ok;
  for (ListenerState* l : cands) {
    (l->Supports(kind) ? kind_ok.push_back(l) : refused_kind.push_back(l));
  }
  if (kind_ok.empty()) {
    return False("Accepted", "NotAllowedByListeners",
                 absl::StrCat("Listener(s) ", Quoted(refused_kind), " of ", parent_label,
                              " do not allow ", kind, "s."));
  }
  std::vector<ListenerState*> ns_ok;
  std::string refusal;
  for (ListenerState* l : kind_ok) {
    std::string why = NamespaceRefusal(g, *l, r.obj->key.ns);
    if (why.empty()) {
      ns_ok.push_back(l);
    } else if (refusal.empty()) {
      refusal = why;
    }
  }
  if (ns_ok.empty()) {
    return False("Accepted", "NotAllowedByListeners",
                 absl::StrCat("The ", refusal, " of ", parent_label,
                              "; this route is in namespace ", r.obj->key.ns, "."));
  }
  for (ListenerState* l : ns_ok) {
    if (!UsesHostnames(kind) || HostnamesMatch(*l, r)) accepted->push_back(l);
  }
  if (accepted->empty()) {
    std::vector<std::string> hs;
    for (const ListenerState* l : ns_ok) {
      hs.push_back(absl::StrCat("\"", l->view->hostname.value_or(""), "\""));
    }
    return False("Accepted", "NoMatchingListenerHostname",
                 absl::StrCat("None of the route's hostnames (", absl::StrJoin(r.hostnames, ", "),
                              ") matches the listener hostname(s) ", absl::StrJoin(hs, ", "),
                              " of ", parent_label, "."));
  }
  std::vector<const ListenerState*> names(accepted->begin(), accepted->end());
  return True("Accepted", "Accepted",
              absl::StrCat("Accepted by listener(s) ", Quoted(names), " of ", parent_label, "."));
}

Value RenderParentRef(const ParentRefView& pr) {
  Value::Object o;
  o.reserve(6);
  o.push_back(M("group", Value::String(pr.group)));
  o.push_back(M("kind", Value::String(pr.kind)));
  o.push_back(M("namespace", Value::String(pr.ns)));
  o.push_back(M("name", Value::String(pr.name)));
  if (pr.section_name) o.push_back(M("sectionName", Value::String(*pr.section_name)));
  if (pr.port) o.push_back(M("port", Value::Int(*pr.port)));
  return Value::MakeObject(std::move(o));
}

// One parentRef of one route, as decided by the attachment pass.
struct ParentDecision {
  const ParentRefView* ref = nullptr;
  GatewayState* gateway = nullptr;
  Condition accepted;
  std::vector<ListenerState*> attached;
};

// Whether two routes on one listener can receive the same request host.
bool RoutesShareHostname(const ListenerState& l, const RouteView& a, const RouteView& b) {
  if (a.hostnames.empty() || b.hostnames.empty()) return true;
  for (const std::string& ha : a.hostnames) {
    for (const std::string& hb : b.hostnames) {
      if (!HostnamesIntersect(ha, hb)) continue;
      // The shared hosts must also be hosts the listener accepts.
      if (!l.view->hostname || l.view->hostname->empty() ||
          HostnamesIntersect(*l.view->hostname, ha)) {
        return true;
      }
    }
  }
  return false;
}

// An HTTPRoute and a GRPCRoute may not share a listener and a hostname: the
// older route keeps the listener, the newer loses it (grpcroute_types.go
// names no reason; NotAllowedByListeners is used, with the winner named).
void ResolveHttpGrpcConflicts(const Graph& g, std::vector<std::vector<ParentDecision>>* decisions,
                              const std::vector<RouteView>& routes) {
  struct Use {
    size_t route, parent;
  };
  absl::flat_hash_map<ListenerState*, std::vector<Use>> http, grpc;
  for (size_t i = 0; i < routes.size(); ++i) {
    absl::string_view kind = routes[i].obj->key.kind;
    if (kind != "HTTPRoute" && kind != "GRPCRoute") continue;
    auto& index = kind == "HTTPRoute" ? http : grpc;
    for (size_t j = 0; j < (*decisions)[i].size(); ++j) {
      for (ListenerState* l : (*decisions)[i][j].attached) index[l].push_back({i, j});
    }
  }
  // Listeners in graph order (Gateways oldest first, then ListenerSets), not
  // pointer order: which listener a losing route is told about must not
  // depend on where the listeners were allocated.
  std::vector<ListenerState*> order;
  for (const auto& gw : g.gateways) {
    for (const auto& l : gw->listeners) order.push_back(l.get());
  }
  for (const auto& s : g.sets) {
    for (const auto& l : s->listeners) order.push_back(l.get());
  }
  for (ListenerState* listener : order) {
    auto git = grpc.find(listener);
    if (git == grpc.end()) continue;
    const std::vector<Use>& grpc_uses = git->second;
    auto it = http.find(listener);
    if (it == http.end()) continue;
    for (const Use& gu : grpc_uses) {
      for (const Use& hu : it->second) {
        const RouteView& gr = routes[gu.route];
        const RouteView& hr = routes[hu.route];
        if (!RoutesShareHostname(*listener, gr, hr)) continue;
        bool grpc_loses = OlderThan(*hr.obj, *gr.obj);
        const Use& loser = grpc_loses ? gu : hu;
        const RouteView& winner = grpc_loses ? hr : gr;
        ParentDecision& d = (*decisions)[loser.route][loser.parent];
        auto pos = std::find(d.attached.begin(), d.attached.end(), listener);
        if (pos == d.attached.end()) continue;
        d.attached.erase(pos);
        if (d.attached.empty()) {
          d.accepted = False(
              "Accepted", "NotAllowedByListeners",
              absl::StrCat("The older ", winner.obj->key.kind, " ",
                           NsName(winner.obj->key.ns, winner.obj->key.name),
                           " serves the same hostname on listener \"", listener->view->name,
                           "\"; HTTPRoutes and GRPCRoutes cannot share a hostname on a listener."));
        }
      }
    }
  }
}

// Attachment of one parentRef; nullopt when the parent is not ours.
std::optional<ParentDecision> Decide(Graph* g, const RouteView& r, const ParentRefView& pr) {
  if (pr.group != model::kGatewayGroup) return std::nullopt;
  ParentDecision d;
  d.ref = &pr;
  std::string nn = NsName(pr.ns, pr.name);
  if (pr.kind == "Gateway") {
    auto it = g->gateway_by_name.find(nn);
    if (it == g->gateway_by_name.end()) {
      // A Gateway of another controller is not ours to report on; one that
      // does not exist at all is reported, so the user sees why.
      if (g->any_gateway.contains(nn)) return std::nullopt;
      d.accepted =
          False("Accepted", "NoMatchingParent", absl::StrCat("Gateway ", nn, " does not exist."));
      return d;
    }
    d.gateway = it->second;
    d.accepted = Attach(*g, r, pr, absl::StrCat("Gateway ", nn), d.gateway->listeners, &d.attached);
    return d;
  }
  if (pr.kind == "ListenerSet") {
    auto it = g->set_by_name.find(nn);
    if (it == g->set_by_name.end()) return std::nullopt;
    ListenerSetState* set = it->second;
    d.gateway = set->parent;
    std::string label = absl::StrCat("ListenerSet ", nn);
    if (!set->accepted) {
      d.accepted = False("Accepted", "NotAllowedByListeners",
                         absl::StrCat(label,
                                      " is not accepted by its Gateway, so it admits no "
                                      "routes."));
      return d;
    }
    d.accepted = Attach(*g, r, pr, label, set->listeners, &d.attached);
    return d;
  }
  return std::nullopt;
}

std::vector<ParentDecision> DecideRoute(Graph* g, const RouteView& r) {
  std::vector<ParentDecision> out;
  for (const ParentRefView& pr : r.parent_refs) {
    if (std::optional<ParentDecision> d = Decide(g, r, pr)) out.push_back(std::move(*d));
  }
  return out;
}

// Counts the route on the listeners it attached to and renders its status.
Value FinishRoute(Graph* g, const RouteView& r, std::vector<ParentDecision>& decisions,
                  TransitionMemory* memory, std::vector<ListenerState*>* counted) {
  const model::Object& o = *r.obj;
  RefsVerdict refs = CheckBackends(*g, r);
  std::string object = o.key.ToString();
  Value::Array parents;
  parents.reserve(decisions.size());
  for (ParentDecision& d : decisions) {
    const ParentRefView& pr = *d.ref;
    for (ListenerState* l : d.attached) {
      // A route counts once per listener; routes have a handful of parents.
      if (std::find(counted->begin(), counted->end(), l) == counted->end()) {
        counted->push_back(l);
        ++l->attached_routes;
      }
    }
    if (d.gateway != nullptr && !d.attached.empty()) {
      for (const std::string& svc : refs.valid_services) {
        g->service_gateways[svc].insert(d.gateway);
      }
    }
    std::string scope = absl::StrCat("parents/", pr.kind, " ", pr.ns, "/", pr.name, "/",
                                     pr.section_name.value_or(""), "/",
                                     pr.port ? absl::StrCat(*pr.port) : std::string());
    // PartiallyInvalid (shared_types.go:445-478) is written only by an
    // implementation that drops invalid rules (or falls back to an older
    // generation). This engine drops no rule: the rules the API server
    // admitted are kept as written (lib/validate rejects unknown enum values
    // at admission; regex matches and every filter type are passed through),
    // and a rule whose backends are all invalid stays and answers 500. So
    // the condition is never set. A check that drops a rule must add it here:
    // PartiallyInvalid=True, reason UnsupportedValue, message starting
    // "Dropped Rule", only while Accepted is True.
    std::vector<Condition> conditions;
    conditions.reserve(2);
    conditions.push_back(std::move(d.accepted));
    conditions.push_back(&d == &decisions.back() ? std::move(refs.condition) : refs.condition);
    parents.push_back(Obj(
        M("parentRef", RenderParentRef(pr)), M("controllerName", Value::String(g->controller_name)),
        M("conditions",
          RenderConditions(std::move(conditions), o.meta.generation, object, scope, memory))));
  }
  return Obj(M("parents", Value::MakeArray(std::move(parents))));
}

}  // namespace

void ResolveRoutes(Graph* g, TransitionMemory* memory) {
  std::vector<std::vector<ParentDecision>> decisions(g->routes.size());
  for (size_t i = 0; i < g->routes.size(); ++i) {
    if (g->routes[i].obj->key.kind == "GRPCRoute") ++g->grpc_routes;
    decisions[i] = DecideRoute(g, g->routes[i]);
  }
  if (g->grpc_routes > 0) ResolveHttpGrpcConflicts(*g, &decisions, g->routes);

  for (size_t i = 0; i < g->routes.size(); ++i) {
    if (decisions[i].empty()) continue;
    const RouteView& r = g->routes[i];
    std::vector<ListenerState*> counted;
    Value st = FinishRoute(g, r, decisions[i], memory, &counted);
    if (!counted.empty()) g->route_listeners[r.obj->key] = std::move(counted);
    g->status.emplace_hint(g->status.end(), r.obj->key, std::move(st));
  }
}

std::optional<Value> ResolveOneRoute(Graph* g, const RouteView& r, TransitionMemory* memory,
                                     std::vector<ListenerState*>* counted) {
  std::vector<ParentDecision> decisions = DecideRoute(g, r);
  if (decisions.empty()) return std::nullopt;
  return FinishRoute(g, r, decisions, memory, counted);
}

}  // namespace gwapi::resolve
