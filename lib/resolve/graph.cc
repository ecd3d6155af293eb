#include "lib/resolve/graph.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/model/kinds.h"

namespace gwapi::resolve {

uint32_t RouteKindBit(absl::string_view kind) {
  if (kind == "HTTPRoute") return 1;
  if (kind == "GRPCRoute") return 2;
  if (kind == "TLSRoute") return 4;
  if (kind == "TCPRoute") return 8;
  if (kind == "UDPRoute") return 16;
  return 0;
}

bool ListenerState::SupportsRouteKind(uint32_t bit) const {
  if (!route_kinds_known_) {
    for (const GroupKind& k : supported_kinds) {
      if (k.group == model::kGatewayGroup) route_kinds_ |= RouteKindBit(k.kind);
    }
    route_kinds_known_ = true;
  }
  return (route_kinds_ & bit) != 0;
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

// Whether BuildGraph reads objects of this group and kind.
bool ResolverReads(absl::string_view group, absl::string_view kind) {
  if (group == model::kGatewayGroup) {
    return kind == "GatewayClass" || kind == "Gateway" || kind == "ListenerSet" ||
           RouteKindBit(kind) != 0 || kind == "ReferenceGrant" || kind == "BackendTLSPolicy";
  }
  if (group.empty()) {
    return kind == "Service" || kind == "Secret" || kind == "ConfigMap" || kind == "Namespace";
  }
  return group == model::kCiliumGroup && kind == "CiliumLoadBalancerIPPool";
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

std::unique_ptr<Graph> BuildGraph(const model::Store& store, absl::string_view controller_name,
                                  const StatusSetData* previous, const Graph* previous_graph) {
  auto g = std::make_unique<Graph>();
  g->controller_name = std::string(controller_name);
  g->store = &store;
  std::vector<const model::Object*> gateways, sets;
  // The store iterates in key order, so every index below is built in the
  // same order whatever the order of arrival.
  // The previous routes are in key order too: walked alongside the store,
  // a cached view is found by comparing object addresses, and keys are
  // compared only to skip routes that are gone.
  size_t cached = 0;
  auto view_of = [&](const std::shared_ptr<const model::Object>& ptr) {
    if (previous != nullptr) {
      const std::vector<RouteStatus>& prev = previous->routes;
      while (cached < prev.size() && prev[cached].route->object != ptr &&
             prev[cached].key() < ptr->key) {
        ++cached;
      }
      if (cached < prev.size() && prev[cached].route->object == ptr) {
        return prev[cached++].route;
      }
    }
    auto e = std::make_shared<RouteEntry>();
    e->object = ptr;
    e->view = ReadRoute(*ptr);
    e->key_fingerprint = TransitionMemory::Fingerprint(ptr->key);
    return std::shared_ptr<const RouteEntry>(std::move(e));
  };
  size_t cached_service = 0;
  auto service_of = [&](const std::shared_ptr<const model::Object>& ptr) {
    if (previous_graph != nullptr) {
      const auto& prev = previous_graph->service_entries;
      while (cached_service < prev.size() && prev[cached_service]->object != ptr &&
             prev[cached_service]->object->key < ptr->key) {
        ++cached_service;
      }
      if (cached_service < prev.size() && prev[cached_service]->object == ptr) {
        return prev[cached_service++];
      }
    }
    auto e = std::make_shared<ServiceEntry>();
    e->object = ptr;
    e->view = ReadService(*ptr);
    e->ns = ptr->key.ns;
    e->name = ptr->key.name;
    e->nn_hash = NsNameHash(e->ns, e->name);
    return std::shared_ptr<const ServiceEntry>(std::move(e));
  };
  const model::Store::Map& objects = store.objects();
  for (auto next = objects.begin(); next != objects.end();) {
    const auto& [key, ptr] = *next;
    // Kinds the resolver does not read (EndpointSlices are half of the
    // benchmark workload's objects) are skipped in one lookup each.
    if (!ResolverReads(key.group, key.kind)) {
      std::string after_kind = key.kind;
      after_kind.push_back('\0');  // the least kind greater than this one
      next = objects.lower_bound(model::ObjectKey{key.group, std::move(after_kind), "", ""});
      continue;
    }
    ++next;
    const model::Object& o = *ptr;
    auto nn = [&key = key] { return NsName(key.ns, key.name); };
    if (key.group == model::kGatewayGroup) {
      if (key.kind == "GatewayClass") {
        const model::Value* spec = o.spec();
        if (spec != nullptr && spec->GetString("controllerName") == controller_name) {
          g->classes[key.name] = &o;
        }
      } else if (key.kind == "Gateway") {
        gateways.push_back(&o);
        g->any_gateway[nn()] = &o;
      } else if (key.kind == "ListenerSet") {
        sets.push_back(&o);
      } else if (key.kind == "HTTPRoute" || key.kind == "GRPCRoute" || key.kind == "TLSRoute" ||
                 key.kind == "TCPRoute" || key.kind == "UDPRoute") {
        g->routes.push_back(view_of(ptr));
      } else if (key.kind == "ReferenceGrant") {
        g->grants[key.ns].push_back(ReadReferenceGrant(o));
      } else if (key.kind == "BackendTLSPolicy") {
        g->policies.push_back(ReadBackendTlsPolicy(o));
      }
    } else if (key.group.empty()) {
      if (key.kind == "Service") {
        const ServiceEntry& e = *g->service_entries.emplace_back(service_of(ptr));
        g->services[NsNameKey{e.nn_hash, e.ns, e.name}] = &e.view;
      } else if (key.kind == "Secret") {
        g->secrets[nn()] = &o;
      } else if (key.kind == "ConfigMap") {
        g->config_maps[nn()] = &o;
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
    g->gateway_by_key[NsNameKey{NsNameHash(o->key.ns, o->key.name), o->key.ns, o->key.name}] =
        st.get();
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
    g->set_by_key[NsNameKey{NsNameHash(o->key.ns, o->key.name), o->key.ns, o->key.name}] = st.get();
    g->sets.push_back(std::move(st));
  }
  return g;
}

}  // namespace gwapi::resolve
