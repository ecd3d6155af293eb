// Resolution::MakeRouting: the part of a resolution that traffic needs,
// read off the graph and the route statuses the last Full()/Update() left.
#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "lib/resolve/graph.h"
#include "lib/resolve/resolver.h"
#include "lib/resolve/routing.h"
#include "lib/resolve/status_data.h"

namespace gwapi::resolve {
namespace {

// The host names a route and a listener have in common, each the more
// specific of the pair (an exact name over a wildcard, the longer of two
// wildcards), lower case. Empty when neither restricts the host.
std::vector<std::string> EffectiveHostnames(const RouteView& r, const ListenerView& l) {
  std::string listener = absl::AsciiStrToLower(l.hostname.value_or(""));
  std::vector<std::string> out;
  if (r.hostnames.empty()) {
    if (!listener.empty()) out.push_back(listener);
    return out;
  }
  for (absl::string_view h : r.hostnames) {
    std::string route = absl::AsciiStrToLower(h);
    if (listener.empty()) {
      out.push_back(std::move(route));
    } else if (HostnamesIntersect(listener, route)) {
      bool route_wild = absl::StartsWith(route, "*.");
      bool listener_wild = absl::StartsWith(listener, "*.");
      if (!route_wild) {
        out.push_back(std::move(route));
      } else if (!listener_wild) {
        out.push_back(listener);
      } else {
        out.push_back(route.size() >= listener.size() ? std::move(route) : listener);
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// The BackendTLSPolicy that applies to a Service port: the oldest policy
// targeting the port by name, else the oldest targeting the whole Service
// (the precedence policies.cc reports as Conflicted for the others).
const BackendTlsPolicyView* PolicyFor(const Graph& g, absl::string_view ns, absl::string_view svc,
                                      absl::string_view port_name) {
  const BackendTlsPolicyView* by_section = nullptr;
  const BackendTlsPolicyView* whole = nullptr;
  auto older = [](const BackendTlsPolicyView* a, const BackendTlsPolicyView* b) {
    return b == nullptr || OlderThan(*a->obj, *b->obj);
  };
  for (const BackendTlsPolicyView& p : g.policies) {
    if (p.obj->key.ns != ns) continue;
    for (const auto& t : p.targets) {
      if (!t.group.empty() || t.kind != "Service" || t.name != svc) continue;
      if (!t.section_name) {
        if (older(&p, whole)) whole = &p;
      } else if (!port_name.empty() && *t.section_name == port_name) {
        if (older(&p, by_section)) by_section = &p;
      }
    }
  }
  return by_section != nullptr ? by_section : whole;
}

// The Service port a backendRef's port number names: the one of the
// route's transport (UDP for a UDPRoute, else TCP) when the number is used
// by both, as for DNS.
const ServiceView::Port* ServicePortFor(const ServiceView& svc, std::optional<int64_t> port,
                                        bool udp) {
  if (!port) return nullptr;
  const ServiceView::Port* any = nullptr;
  for (const ServiceView::Port& p : svc.ports) {
    if (p.port != *port) continue;
    if ((p.protocol == "UDP") == udp) return &p;
    if (any == nullptr) any = &p;
  }
  return any;
}

CertificateRef CertificateOf(const ObjectRef& r) { return CertificateRef{r.kind, r.ns, r.name}; }

// A serving listener's TLS references: its certificates when it terminates
// TLS, and its frontend client validation (HTTPS listeners of the Gateway
// itself; ListenerSets have none) with the CA refs that resolve.
void AddListenerTls(const Graph& g, const GatewayState& gw, const ListenerState& l,
                    RoutedListener* out) {
  const ListenerView& v = *l.view;
  const bool terminates = v.protocol == "HTTPS" || (v.protocol == "TLS" && v.tls_mode == "Terminate");
  if (!terminates) return;
  // A serving listener's certificates all resolve (TlsBroken otherwise).
  for (const ObjectRef& r : v.certificate_refs) out->certificates.push_back(CertificateOf(r));
  if (l.set != nullptr || v.protocol != "HTTPS") return;
  const GatewayView::FrontendValidation* fv = gw.view.FrontendFor(v.port);
  if (fv == nullptr || fv->ca_refs.empty()) return;
  out->client_validation_mode = fv->mode;
  for (size_t i = 0; i < fv->ca_refs.size(); ++i) {
    std::string reason;
    if (CheckFrontendCaRef(g, fv->ca_refs[i], i, v.port, l.owner_ns, &reason).empty()) {
      out->client_ca_certificates.push_back(CertificateOf(fv->ca_refs[i]));
    }
  }
}

RoutedBackend Verdict(const Graph& g, const RouteView& r, const BackendRefView& b) {
  RoutedBackend out;
  out.rule = b.rule;
  out.backend = b.backend;
  out.mirror = b.mirror;
  std::string why;
  const ServiceView* svc = nullptr;
  if (!BackendProblem(g, r, b, &why, &svc).empty() || svc == nullptr) return out;
  out.valid = true;
  out.service_ns = std::string(b.ns);
  out.service_name = std::string(b.name);
  std::string port_name;
  if (const ServiceView::Port* p = ServicePortFor(*svc, b.port, r.kind == "UDPRoute")) {
    out.app_protocol = p->app_protocol;
    port_name = p->name;
  }
  if (const BackendTlsPolicyView* p = PolicyFor(g, b.ns, b.name, port_name)) {
    out.tls = true;
    out.tls_sni = p->hostname;
    for (size_t i = 0; i < p->ca_refs.size(); ++i) {
      std::string reason;
      if (CheckBackendCaRef(g, p->ca_refs[i], i, &reason).empty()) {
        out.tls_ca_certificates.push_back(CertificateOf(p->ca_refs[i]));
      }
    }
    out.tls_system_ca = p->well_known == "System";
    out.tls_subject_alt_names = p->subject_alt_names;
    // The spec: connections under a policy without a usable CA fail with
    // a 5xx.
    out.valid = PolicyUsable(g, *p);
  }
  return out;
}

}  // namespace

Routing Resolution::MakeRouting() const {
  Routing out;
  const Graph* g = graph_.get();
  const StatusSetData* d = status_.d_.get();
  if (g == nullptr || d == nullptr) return out;

  // Programmed Gateways, by namespace/name, and where each listener that
  // serves traffic landed.
  std::vector<const GatewayState*> gateways;
  for (const auto& gw : g->gateways) {
    if (Programmed(gw->conditions)) gateways.push_back(gw.get());
  }
  std::sort(gateways.begin(), gateways.end(), [](const GatewayState* a, const GatewayState* b) {
    return a->view.obj->key < b->view.obj->key;
  });
  absl::flat_hash_map<const ListenerState*, RoutedListener*> placed;
  out.gateways.reserve(gateways.size());
  for (const GatewayState* gw : gateways) {
    RoutedGateway& rg = out.gateways.emplace_back();
    rg.gateway = gw->view.obj;
    for (const auto& a : gw->status_addresses) rg.addresses.push_back(a.value);
    if (const auto& cc = gw->view.backend_client_certificate) {
      std::string reason;
      if (CheckTlsSecret(*g, *cc, "tls.backend.clientCertificateRef", "Gateway",
                         gw->view.obj->key.ns, "InvalidClientCertificateRef", &reason)
              .empty()) {
        rg.backend_client_certificate = CertificateOf(*cc);
      }
    }
    auto add = [&](const ListenerState& l, absl::string_view set) {
      if (!ListenerServes(l)) return;
      RoutedListener& rl = rg.listeners.emplace_back();
      rl.name = l.view->name;
      rl.listener_set = std::string(set);
      rl.port = l.view->port;
      rl.protocol = l.view->protocol;
      rl.hostname = l.view->hostname.value_or("");
      rl.tls_mode = l.view->tls_mode;
      AddListenerTls(*g, *gw, l, &rl);
    };
    for (const auto& l : gw->listeners) add(*l, "");
    for (const ListenerSetState* s : gw->sets) {
      if (!s->accepted || !Programmed(s->conditions)) continue;
      std::string set = NsName(s->view.obj->key.ns, s->view.obj->key.name);
      for (const auto& l : s->listeners) add(*l, set);
    }
  }
  // Pointers into the listener vectors, taken once they stop growing.
  for (size_t i = 0; i < gateways.size(); ++i) {
    const GatewayState* gw = gateways[i];
    size_t next = 0;
    auto place = [&](const ListenerState& l) {
      if (ListenerServes(l)) placed[&l] = &out.gateways[i].listeners[next++];
    };
    for (const auto& l : gw->listeners) place(*l);
    for (const ListenerSetState* s : gw->sets) {
      if (!s->accepted || !Programmed(s->conditions)) continue;
      for (const auto& l : s->listeners) place(*l);
    }
  }

  // Routes attached to a serving listener, oldest first.
  std::vector<size_t> attached;
  for (size_t i = 0; i < d->routes.size() && i < g->route_listeners.size(); ++i) {
    for (const ListenerState* l : g->route_listeners[i]) {
      if (placed.contains(l)) {
        attached.push_back(i);
        break;
      }
    }
  }
  std::sort(attached.begin(), attached.end(), [&](size_t a, size_t b) {
    return OlderThan(*d->routes[a].route->object, *d->routes[b].route->object);
  });
  out.routes.reserve(attached.size());
  for (size_t i : attached) {
    const RouteView& view = d->routes[i].route->view;
    int32_t index = static_cast<int32_t>(out.routes.size());
    RoutedRoute& rr = out.routes.emplace_back();
    rr.route = d->routes[i].route->object.get();
    for (const InvalidRule& ir : view.invalid_rules) rr.invalid_rules.push_back(ir.rule);
    rr.backends.reserve(view.backends.size());
    for (const BackendRefView& b : view.backends) rr.backends.push_back(Verdict(*g, view, b));
    for (const ListenerState* l : g->route_listeners[i]) {
      auto it = placed.find(l);
      if (it == placed.end()) continue;
      it->second->attachments.push_back({index, EffectiveHostnames(view, *l->view)});
    }
  }
  return out;
}

}  // namespace gwapi::resolve
