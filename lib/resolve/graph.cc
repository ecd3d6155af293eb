#include "lib/resolve/graph.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/model/kinds.h"

namespace gwapi::resolve {

bool ListenerState::Supports(absl::string_view kind) const {
  for (const GroupKind& k : supported_kinds) {
    if (k.kind == kind && k.group == model::kGatewayGroup) return true;
  }
  return false;
}

bool OlderThan(const model::Object& a, const model::Object& b) {
  const std::string& ta = a.meta.creation_timestamp;
  const std::string& tb = b.meta.creation_timestamp;
  if (ta.empty() != tb.empty()) return !ta.empty();
  return std::tie(ta, a.meta.arrival, a.key.ns, a.key.name) <
         std::tie(tb, b.meta.arrival, b.key.ns, b.key.name);
}

namespace {

// Whether hostname `h` falls inside wildcard `w` ("*.example.com" covers
// "a.example.com" and "a.b.example.com", not "example.com").
bool Covers(absl::string_view w, absl::string_view h) {
  absl::string_view suffix = w.substr(1);  // ".example.com"
  return h.size() > suffix.size() && absl::EndsWith(h, suffix);
}

}  // namespace

bool HostnamesIntersect(absl::string_view a, absl::string_view b) {
  if (a == b) return true;
  bool aw = absl::StartsWith(a, "*."), bw = absl::StartsWith(b, "*.");
  if (aw && bw) return Covers(a, b.substr(2)) || Covers(b, a.substr(2));
  if (aw) return Covers(a, b);
  if (bw) return Covers(b, a);
  return false;
}

std::string NsName(absl::string_view ns, absl::string_view name) {
  return absl::StrCat(ns, "/", name);
}

model::StringPairs Graph::NamespaceLabels(absl::string_view ns) const {
  auto it = namespace_labels.find(ns);
  if (it != namespace_labels.end()) return it->second;
  return {{"kubernetes.io/metadata.name", std::string(ns)}};
}

bool Graph::Granted(absl::string_view from_group, absl::string_view from_kind,
                    absl::string_view from_ns, absl::string_view to_group,
                    absl::string_view to_kind, absl::string_view to_ns,
                    absl::string_view to_name) const {
  auto it = grants.find(to_ns);
  if (it == grants.end()) return false;
  for (const ReferenceGrantView& g : it->second) {
    bool from_ok = false;
    for (const auto& f : g.from) {
      if (f.group == from_group && f.kind == from_kind && f.ns == from_ns) from_ok = true;
    }
    if (!from_ok) continue;
    for (const auto& t : g.to) {
      if (t.group == to_group && t.kind == to_kind && (!t.name || *t.name == to_name)) {
        return true;
      }
    }
  }
  return false;
}

std::unique_ptr<Graph> BuildGraph(const model::Store& store, absl::string_view controller_name) {
  auto g = std::make_unique<Graph>();
  g->controller_name = std::string(controller_name);
  g->store = &store;
  std::vector<const model::Object*> gateways, sets;
  // The store iterates in key order, so every index below is built in the
  // same order whatever the order of arrival.
  for (const auto& [key, ptr] : store.objects()) {
    const model::Object& o = *ptr;
    std::string nn = NsName(key.ns, key.name);
    if (key.group == model::kGatewayGroup) {
      if (key.kind == "GatewayClass") {
        const model::Value* spec = o.spec();
        if (spec != nullptr && spec->GetString("controllerName") == controller_name) {
          g->classes[key.name] = &o;
        }
      } else if (key.kind == "Gateway") {
        gateways.push_back(&o);
        g->any_gateway[nn] = &o;
      } else if (key.kind == "ListenerSet") {
        sets.push_back(&o);
      } else if (key.kind == "HTTPRoute" || key.kind == "GRPCRoute" || key.kind == "TLSRoute" ||
                 key.kind == "TCPRoute" || key.kind == "UDPRoute") {
        g->routes.push_back(ReadRoute(o));
      } else if (key.kind == "ReferenceGrant") {
        g->grants[key.ns].push_back(ReadReferenceGrant(o));
      } else if (key.kind == "BackendTLSPolicy") {
        g->policies.push_back(ReadBackendTlsPolicy(o));
      }
    } else if (key.group.empty()) {
      if (key.kind == "Service") {
        g->services[nn] = ReadService(o);
      } else if (key.kind == "Secret") {
        g->secrets[nn] = &o;
      } else if (key.kind == "ConfigMap") {
        g->config_maps[nn] = &o;
      } else if (key.kind == "Namespace") {
        model::StringPairs labels = o.meta.labels;
        auto it = std::lower_bound(
            labels.begin(), labels.end(),
            std::make_pair(std::string("kubernetes.io/metadata.name"), std::string()));
        if (it == labels.end() || it->first != "kubernetes.io/metadata.name") {
          labels.insert(it, {"kubernetes.io/metadata.name", key.name});
        }
        g->namespace_labels[key.name] = std::move(labels);
      }
    } else if (key.group == model::kCiliumGroup && key.kind == "CiliumLoadBalancerIPPool") {
      g->pools.push_back(ReadPool(o));
    }
  }
  auto older = [](const model::Object* a, const model::Object* b) { return OlderThan(*a, *b); };
  std::sort(gateways.begin(), gateways.end(), older);
  for (const model::Object* o : gateways) {
    GatewayView v = ReadGateway(*o);
    auto cls = g->classes.find(v.class_name);
    if (cls == g->classes.end()) continue;
    auto st = std::make_unique<GatewayState>();
    st->view = std::move(v);
    st->gateway_class = cls->second;
    g->gateway_by_name[NsName(o->key.ns, o->key.name)] = st.get();
    g->gateways.push_back(std::move(st));
  }
  std::sort(sets.begin(), sets.end(), older);
  for (const model::Object* o : sets) {
    ListenerSetView v = ReadListenerSet(*o);
    if (v.parent.group != model::kGatewayGroup || v.parent.kind != "Gateway") continue;
    auto gw = g->gateway_by_name.find(NsName(v.parent.ns, v.parent.name));
    if (gw == g->gateway_by_name.end()) continue;
    auto st = std::make_unique<ListenerSetState>();
    st->view = std::move(v);
    st->parent = gw->second;
    g->set_by_name[NsName(o->key.ns, o->key.name)] = st.get();
    g->sets.push_back(std::move(st));
  }
  return g;
}

}  // namespace gwapi::resolve
