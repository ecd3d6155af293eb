// The route pass: for every route kind, one status.parents entry per
// parentRef this controller handles, following sectionName, port,
// allowedRoutes (kinds, namespaces) and hostname intersection; backend
// references checked once per route (ReferenceGrant before existence, so a
// message never tells whether an object exists in a namespace the route may
// not reference).
#include <algorithm>
#include <optional>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/model/kinds.h"
#include "lib/resolve/graph.h"

namespace gwapi::resolve {
namespace {

using model::Value;
// Gateways have a handful of listeners (the benchmark workload five).
using Listeners = absl::InlinedVector<ListenerState*, 8>;

// Scratch text of the route pass, reused from route to route so that
// building lookup keys and messages allocates nothing once warm, and the
// pool messages are interned in.
struct Scratch {
  MessagePool* pool = nullptr;
  std::string label;  // "Gateway ns/name"
  std::string text;   // a message being built
  // Accepted messages by parent (its listener list) and the listeners
  // named: the routes of one parent attach to a few listener sets, so each
  // message is built and interned once per resolution.
  absl::flat_hash_map<absl::InlinedVector<const void*, 8>, absl::string_view> accepted;
  absl::string_view Keep() { return pool->Intern(text); }
  absl::string_view Keep(absl::string_view s) { return pool->Intern(s); }
};

// Identifies a parentRef's conditions within the route for
// TransitionMemory: a hash of the parentRef's fields, rather than a
// "parents/<kind> <ns>/<name>/<section>/<port>" string built per parent
// (BM_Status_Full).
uint64_t ParentScopeId(const RouteParentRef& pr) {
  return absl::Hash<std::tuple<absl::string_view, absl::string_view, absl::string_view, bool,
                               absl::string_view, bool, int64_t>>()(
      std::make_tuple(pr.kind, pr.ns, pr.name, pr.section_name.has_value(),
                      pr.section_name.value_or(""), pr.port.has_value(), pr.port.value_or(0)));
}

CompactCondition Cond(absl::string_view type, bool is_true, absl::string_view reason,
                      absl::string_view message) {
  CompactCondition c;
  c.type = type;
  c.is_true = is_true;
  c.reason = reason;
  c.message = message;
  return c;
}

bool HostnamesMatch(const ListenerState& l, const RouteView& r) {
  if (!l.view->hostname || l.view->hostname->empty() || r.hostnames.empty()) return true;
  for (absl::string_view h : r.hostnames) {
    if (HostnamesIntersect(*l.view->hostname, h)) return true;
  }
  return false;
}

bool UsesHostnames(absl::string_view kind) {
  return kind == "HTTPRoute" || kind == "GRPCRoute" || kind == "TLSRoute";
}

// Appends "\"a\", \"b\"".
template <typename List>
void AppendQuoted(const List& ls, std::string* out) {
  bool first = true;
  for (const ListenerState* l : ls) {
    absl::StrAppend(out, first ? "" : ", ", "\"", l->view->name, "\"");
    first = false;
  }
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
  static const auto* const kHttp =
      new std::vector<absl::string_view>{"http", "https", "kubernetes.io/h2c", "kubernetes.io/ws"};
  static const auto* const kGrpc = new std::vector<absl::string_view>{"https", "kubernetes.io/h2c"};
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

}  // namespace

absl::string_view BackendProblem(const Graph& g, const RouteView& r, const BackendRefView& b,
                                 std::string* why, const ServiceView** service) {
  absl::string_view kind = r.kind;
  absl::string_view ns = r.ns;
  auto nn = [&] { return NsName(b.ns, b.name); };
  if (!b.core_service) {
    *why = absl::StrCat(b.Where(), " names ", b.group.empty() ? "core" : b.group, " kind ", b.kind,
                        " \"", b.name, "\"; only core Services are supported as backends.");
    return "InvalidKind";
  }
  if (b.cross_namespace &&
      !g.Granted(model::kGatewayGroup, kind, ns, "", "Service", b.ns, b.name)) {
    *why = absl::StrCat(b.Where(), " refers to Service ", nn(),
                        " in another namespace; no ReferenceGrant in namespace ", b.ns, " allows ",
                        kind, "s from namespace ", ns, " to refer to it.");
    return "RefNotPermitted";
  }
  auto it = g.services.find(NsNameKey{b.nn_hash, b.ns, b.name});
  if (it == g.services.end()) {
    *why = absl::StrCat(b.Where(), " refers to Service ", nn(), ", which does not exist.");
    return "BackendNotFound";
  }
  if (b.port && !it->second->ports.empty() &&
      std::none_of(it->second->ports.begin(), it->second->ports.end(),
                   [&](const ServiceView::Port& p) { return p.port == *b.port; })) {
    *why = absl::StrCat(b.Where(), " refers to port ", *b.port, " of Service ", nn(),
                        ", which has no such port.");
    return "BackendNotFound";
  }
  if (const ServiceView::Port* p = UnsupportedAppProtocolPort(kind, *it->second, b.port)) {
    *why = absl::StrCat(
        b.Where(), " refers to port ", p->port, " of Service ", nn(), ", whose appProtocol \"",
        p->app_protocol, "\" is not one ", kind,
        "s can send traffic with (supported: ", absl::StrJoin(*SupportedAppProtocols(kind), ", "),
        ", or none); change the port's appProtocol or the route kind.");
    return "UnsupportedProtocol";
  }
  if (service != nullptr) *service = it->second;
  return "";
}

namespace {

// ResolvedRefs for a route's backendRefs. When `valid_services` is given,
// fills it with the "ns/name" of the resolvable Services.
CompactCondition CheckBackends(const Graph& g, const RouteView& r, Scratch* m,
                               std::vector<std::string>* valid_services) {
  absl::string_view reason;
  std::string first;
  size_t problems = 0;
  for (const BackendRefView& b : r.backends) {
    std::string why;
    absl::string_view why_reason = BackendProblem(g, r, b, &why, nullptr);
    if (why_reason.empty()) {
      if (valid_services != nullptr) valid_services->push_back(NsName(b.ns, b.name));
      continue;
    }
    if (problems++ == 0) {
      reason = why_reason;
      first = std::move(why);
    }
  }
  if (problems == 0) {
    return Cond("ResolvedRefs", true, "ResolvedRefs", "All backend references are resolved.");
  }
  if (problems > 1) absl::StrAppend(&first, " (", problems - 1, " more invalid backendRefs.)");
  return Cond("ResolvedRefs", false, reason, m->Keep(first));
}

// Decides Accepted for one parentRef over its candidate listeners; fills
// `accepted` with the listeners that admit the route. The parent is named
// in messages as "<parent_kind> <ns>/<name>" ("Gateway ns/name").
CompactCondition Attach(const Graph& g, const RouteView& r, const RouteParentRef& pr,
                        absl::string_view parent_kind,
                        const std::vector<std::unique_ptr<ListenerState>>& listeners,
                        Listeners* accepted, Scratch* m) {
  absl::string_view kind = r.kind;
  const uint32_t kind_bit = RouteKindBit(kind);
  std::string& text = m->text;
  text.clear();
  // Built only for a message: most routes reuse their parent's.
  auto label = [&]() -> const std::string& {
    m->label.clear();
    absl::StrAppend(&m->label, parent_kind, " ", pr.ns, "/", pr.name);
    return m->label;
  };
  Listeners cands;
  for (const auto& l : listeners) {
    if (pr.section_name && l->view->name != *pr.section_name) continue;
    if (pr.port && l->view->port != *pr.port) continue;
    cands.push_back(l.get());
  }
  if (cands.empty()) {
    if (pr.section_name && pr.port) {
      absl::StrAppend(&text, label(), " has no listener named \"", *pr.section_name, "\" on port ",
                      *pr.port, ".");
    } else if (pr.section_name) {
      absl::StrAppend(&text, label(), " has no listener named \"", *pr.section_name, "\".");
    } else if (pr.port) {
      absl::StrAppend(&text, label(), " has no listener on port ", *pr.port, ".");
    } else {
      absl::StrAppend(&text, label(), " has no listeners.");
    }
    return Cond("Accepted", false, "NoMatchingParent", m->Keep());
  }
  Listeners refused_kind;
  Listeners kind_ok;
  for (ListenerState* l : cands) {
    (l->SupportsRouteKind(kind_bit) ? kind_ok.push_back(l) : refused_kind.push_back(l));
  }
  if (kind_ok.empty()) {
    text.append("Listener(s) ");
    AppendQuoted(refused_kind, &text);
    absl::StrAppend(&text, " of ", label(), " do not allow ", kind, "s.");
    return Cond("Accepted", false, "NotAllowedByListeners", m->Keep());
  }
  Listeners ns_ok;
  std::string refusal;
  for (ListenerState* l : kind_ok) {
    std::string why = NamespaceRefusal(g, *l, r.ns);
    if (why.empty()) {
      ns_ok.push_back(l);
    } else if (refusal.empty()) {
      refusal = std::move(why);
    }
  }
  if (ns_ok.empty()) {
    absl::StrAppend(&text, "The ", refusal, " of ", label(), "; this route is in namespace ", r.ns,
                    ".");
    return Cond("Accepted", false, "NotAllowedByListeners", m->Keep());
  }
  for (ListenerState* l : ns_ok) {
    if (!UsesHostnames(kind) || HostnamesMatch(*l, r)) accepted->push_back(l);
  }
  if (accepted->empty()) {
    std::vector<std::string> hs;
    for (const ListenerState* l : ns_ok) {
      hs.push_back(absl::StrCat("\"", l->view->hostname.value_or(""), "\""));
    }
    absl::StrAppend(&text, "None of the route's hostnames (", absl::StrJoin(r.hostnames, ", "),
                    ") matches the listener hostname(s) ", absl::StrJoin(hs, ", "), " of ", label(),
                    ".");
    return Cond("Accepted", false, "NoMatchingListenerHostname", m->Keep());
  }
  absl::InlinedVector<const void*, 8> memo_key;
  memo_key.push_back(&listeners);
  memo_key.insert(memo_key.end(), accepted->begin(), accepted->end());
  absl::string_view& message = m->accepted[memo_key];
  if (message.empty()) {
    text.append("Accepted by listener(s) ");
    AppendQuoted(*accepted, &text);
    absl::StrAppend(&text, " of ", label(), ".");
    message = m->Keep();
  }
  return Cond("Accepted", true, "Accepted", message);
}

// One parentRef of one route, as decided by the attachment pass.
struct ParentDecision {
  const RouteParentRef* ref = nullptr;
  GatewayState* gateway = nullptr;
  CompactCondition accepted;
  Listeners attached;
};

// Whether two routes on one listener can receive the same request host.
bool RoutesShareHostname(const ListenerState& l, const RouteView& a, const RouteView& b) {
  if (a.hostnames.empty() || b.hostnames.empty()) return true;
  for (absl::string_view ha : a.hostnames) {
    for (absl::string_view hb : b.hostnames) {
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
                              const std::vector<std::shared_ptr<const RouteEntry>>& routes,
                              Scratch* m) {
  struct Use {
    size_t route, parent;
  };
  absl::flat_hash_map<ListenerState*, std::vector<Use>> http, grpc;
  for (size_t i = 0; i < routes.size(); ++i) {
    absl::string_view kind = routes[i]->view.kind;
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
        const RouteView& gr = routes[gu.route]->view;
        const RouteView& hr = routes[hu.route]->view;
        if (!RoutesShareHostname(*listener, gr, hr)) continue;
        bool grpc_loses = OlderThan(*hr.obj, *gr.obj);
        const Use& loser = grpc_loses ? gu : hu;
        const RouteView& winner = grpc_loses ? hr : gr;
        ParentDecision& d = (*decisions)[loser.route][loser.parent];
        auto pos = std::find(d.attached.begin(), d.attached.end(), listener);
        if (pos == d.attached.end()) continue;
        d.attached.erase(pos);
        if (d.attached.empty()) {
          d.accepted =
              Cond("Accepted", false, "NotAllowedByListeners",
                   m->Keep(absl::StrCat(
                       "The older ", winner.obj->key.kind, " ",
                       NsName(winner.obj->key.ns, winner.obj->key.name),
                       " serves the same hostname on listener \"", listener->view->name,
                       "\"; HTTPRoutes and GRPCRoutes cannot share a hostname on a listener.")));
        }
      }
    }
  }
}

// Attachment of one parentRef; false when the parent is not ours.
bool Decide(Graph* g, const RouteView& r, const RouteParentRef& pr, Scratch* m, ParentDecision* d) {
  if (!pr.gateway_group) return false;
  d->ref = &pr;
  // Looked up by the hash cached in the view: building and hashing an
  // "ns/name" string per parent was a tenth of the route pass.
  const NsNameKey key{pr.nn_hash, pr.ns, pr.name};
  if (pr.parent_kind == RouteParentRef::Kind::kGateway) {
    auto it = g->gateway_by_key.find(key);
    if (it == g->gateway_by_key.end()) {
      std::string nn = NsName(pr.ns, pr.name);
      // A Gateway of another controller is not ours to report on; one that
      // does not exist at all is reported, so the user sees why.
      if (g->any_gateway.contains(nn)) return false;
      d->accepted = Cond("Accepted", false, "NoMatchingParent",
                         m->Keep(absl::StrCat("Gateway ", nn, " does not exist.")));
      return true;
    }
    d->gateway = it->second;
    d->accepted = Attach(*g, r, pr, "Gateway", d->gateway->listeners, &d->attached, m);
    return true;
  }
  if (pr.parent_kind == RouteParentRef::Kind::kListenerSet) {
    auto it = g->set_by_key.find(key);
    if (it == g->set_by_key.end()) return false;
    ListenerSetState* set = it->second;
    d->gateway = set->parent;
    if (!set->accepted) {
      d->accepted = Cond("Accepted", false, "NotAllowedByListeners",
                         m->Keep(absl::StrCat("ListenerSet ", pr.ns, "/", pr.name,
                                              " is not accepted by its Gateway, so it admits no "
                                              "routes.")));
      return true;
    }
    d->accepted = Attach(*g, r, pr, "ListenerSet", set->listeners, &d->attached, m);
    return true;
  }
  return false;
}

// Appends the decisions for the parentRefs that are ours to *out.
void DecideRoute(Graph* g, const RouteView& r, Scratch* m, std::vector<ParentDecision>* out) {
  for (const RouteParentRef& pr : r.parent_refs) {
    ParentDecision d;
    if (Decide(g, r, pr, m, &d)) out->push_back(std::move(d));
  }
}

// Counts the route on the listeners it attached to and records its status:
// parents appended to g->out->parents, their range in *status.
void FinishRoute(Graph* g, std::shared_ptr<const RouteEntry> entry,
                 std::vector<ParentDecision>& decisions, TransitionMemory* memory, Scratch* m,
                 RouteStatus* status, absl::InlinedVector<ListenerState*, 2>* counted) {
  const RouteView& r = entry->view;
  // Only BackendTLSPolicies read which Gateways send traffic to a Service.
  std::vector<std::string> valid_services;
  const bool collect_services = !g->policies.empty();
  CompactCondition refs = CheckBackends(*g, r, m, collect_services ? &valid_services : nullptr);
  // Rules the matcher cannot run are dropped (shared_types.go, "Route
  // conditions"): with some rules left the route stays Accepted and says
  // PartiallyInvalid; with none left it is not Accepted. Both with reason
  // UnsupportedValue.
  std::optional<CompactCondition> dropped;
  bool all_dropped = false;
  if (!r.invalid_rules.empty()) {
    std::string rules;
    for (const InvalidRule& ir : r.invalid_rules) {
      absl::StrAppend(&rules, rules.empty() ? "" : ", ", ir.rule);
    }
    const std::string& first = r.invalid_rules.front().why;
    all_dropped = r.invalid_rules.size() >= r.rule_count;
    if (all_dropped) {
      std::string msg = absl::StrCat("No rule can be served: ", first,
                                     r.invalid_rules.size() > 1 ? " (and the other rules too)" : "",
                                     ".");
      dropped = Cond("Accepted", false, "UnsupportedValue", m->Keep(msg));
    } else {
      std::string msg = absl::StrCat("Dropped Rule(s) ", rules, ": ", first,
                                     ". The other rules are served.");
      dropped = Cond("PartiallyInvalid", true, "UnsupportedValue", m->Keep(msg));
    }
  }
  std::vector<RouteParentStatus>& parents = g->out->parents;
  status->begin = static_cast<uint32_t>(parents.size());
  status->count = static_cast<uint32_t>(decisions.size());
  for (ParentDecision& d : decisions) {
    const RouteParentRef& pr = *d.ref;
    // A route without a rule to serve is not attached anywhere.
    if (all_dropped) d.attached.clear();
    for (ListenerState* l : d.attached) {
      // A route counts once per listener; routes have a handful of parents.
      if (std::find(counted->begin(), counted->end(), l) == counted->end()) {
        counted->push_back(l);
        ++l->attached_routes;
      }
    }
    if (collect_services && d.gateway != nullptr && !d.attached.empty()) {
      for (const std::string& svc : valid_services) {
        g->service_gateways[svc].insert(d.gateway);
      }
    }
    const uint64_t scope = ParentScopeId(pr);
    RouteParentStatus p;
    p.ref = &pr;
    p.accepted = d.accepted;
    if (all_dropped && p.accepted.is_true) p.accepted = *dropped;
    p.accepted.time = memory->StampTime(entry->key_fingerprint, scope, "Accepted",
                                        p.accepted.is_true ? "True" : "False");
    p.resolved_refs = refs;
    p.resolved_refs.time = memory->StampTime(entry->key_fingerprint, scope, "ResolvedRefs",
                                             refs.is_true ? "True" : "False");
    if (!all_dropped && dropped.has_value() && p.accepted.is_true) {
      p.has_partially_invalid = true;
      p.partially_invalid = *dropped;
      p.partially_invalid.time =
          memory->StampTime(entry->key_fingerprint, scope, "PartiallyInvalid", "True");
    }
    parents.push_back(p);
  }
  status->route = std::move(entry);
}

}  // namespace

void ResolveRoutes(Graph* g, TransitionMemory* memory) {
  Scratch m;
  m.pool = &g->out->messages;
  for (const auto& e : g->routes) {
    if (e->object->key.kind == "GRPCRoute") ++g->grpc_routes;
  }
  std::vector<RouteStatus>& out = g->out->routes;
  out.reserve(g->routes.size());
  g->out->parents.reserve(g->routes.size() + g->routes.size() / 4);
  g->route_listeners.reserve(g->routes.size());
  auto finish = [&](const std::shared_ptr<const RouteEntry>& e,
                    std::vector<ParentDecision>& decisions) {
    RouteStatus st;
    absl::InlinedVector<ListenerState*, 2> counted;
    FinishRoute(g, e, decisions, memory, &m, &st, &counted);
    g->route_listeners.push_back(std::move(counted));
    out.push_back(std::move(st));
  };
  if (g->grpc_routes == 0) {
    // Routes cannot affect one another: each is decided and finished in
    // one go, reusing one decision list.
    std::vector<ParentDecision> decisions;
    for (const auto& e : g->routes) {
      decisions.clear();
      DecideRoute(g, e->view, &m, &decisions);
      if (!decisions.empty()) finish(e, decisions);
    }
    return;
  }
  std::vector<std::vector<ParentDecision>> decisions(g->routes.size());
  for (size_t i = 0; i < g->routes.size(); ++i)
    DecideRoute(g, g->routes[i]->view, &m, &decisions[i]);
  ResolveHttpGrpcConflicts(*g, &decisions, g->routes, &m);
  for (size_t i = 0; i < g->routes.size(); ++i) {
    if (!decisions[i].empty()) finish(g->routes[i], decisions[i]);
  }
}

bool ResolveOneRoute(Graph* g, std::shared_ptr<const RouteEntry> r, TransitionMemory* memory,
                     RouteStatus* status, absl::InlinedVector<ListenerState*, 2>* counted) {
  Scratch m;
  m.pool = &g->out->messages;
  std::vector<ParentDecision> decisions;
  DecideRoute(g, r->view, &m, &decisions);
  if (decisions.empty()) return false;
  FinishRoute(g, std::move(r), decisions, memory, &m, status, counted);
  return true;
}

}  // namespace gwapi::resolve
