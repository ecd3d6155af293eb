#include "lib/resolve/resolver.h"

#include <algorithm>
#include <set>

#include "lib/model/kinds.h"
#include "lib/resolve/graph.h"

namespace gwapi::resolve {

const model::Value* StatusSet::Find(const model::ObjectKey& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

std::string StatusSet::ToJson(const model::Store& store) const {
  std::string out = "[";
  bool first = true;
  for (const auto& [key, status] : entries_) {
    const model::Object* o = store.Get(key);
    if (!first) out.push_back(',');
    first = false;
    out.append("{\"apiVersion\":");
    model::AppendJsonString(o != nullptr ? o->meta.api_version : std::string(), &out);
    out.append(",\"kind\":");
    model::AppendJsonString(key.kind, &out);
    out.append(",\"namespace\":");
    model::AppendJsonString(key.ns, &out);
    out.append(",\"name\":");
    model::AppendJsonString(key.name, &out);
    out.append(",\"status\":");
    status.AppendJson(&out);
    out.push_back('}');
  }
  out.push_back(']');
  return out;
}

namespace {

std::unique_ptr<Graph> ResolveAll(const model::Store& store, const ResolveOptions& options,
                                  TransitionMemory* memory) {
  memory->Begin(options.now_unix);
  std::unique_ptr<Graph> g = BuildGraph(store, options.controller_name);
  ResolveGateways(g.get());
  ResolveRoutes(g.get(), memory);  // counts attachedRoutes per listener
  ResolvePolicies(g.get(), memory);
  RenderGateways(g.get(), memory);
  memory->Commit();
  return g;
}

bool IsRouteKind(const model::ObjectKey& k) {
  return k.group == model::kGatewayGroup && (k.kind == "HTTPRoute" || k.kind == "TLSRoute" ||
                                             k.kind == "TCPRoute" || k.kind == "UDPRoute");
}

}  // namespace

StatusSet Resolve(const model::Store& store, const ResolveOptions& options,
                  TransitionMemory* memory) {
  std::unique_ptr<Graph> g = ResolveAll(store, options, memory);
  return StatusSet(std::move(g->status));
}

Resolution::Resolution() = default;
Resolution::~Resolution() = default;

void Resolution::Full(const model::Store& store, const ResolveOptions& options,
                      TransitionMemory* memory) {
  graph_.reset();
  graph_ = ResolveAll(store, options, memory);
  status_ = StatusSet(std::move(graph_->status));
  graph_->status.clear();
  // The route views are read again for the routes that change; keeping
  // them would hold a copy of every route's references.
  graph_->routes.clear();
  graph_->routes.shrink_to_fit();
}

bool Resolution::Update(const model::Store& store, const ResolveOptions& options,
                        const std::vector<model::ObjectKey>& changed, TransitionMemory* memory) {
  Graph* g = graph_.get();
  if (g == nullptr || g->store != &store || g->controller_name != options.controller_name) {
    return false;
  }
  // GRPCRoutes conflict with HTTPRoutes across routes, and policies read
  // every route's backends: both need the whole route pass.
  if (g->grpc_routes > 0 || !g->policies.empty()) return false;
  for (const model::ObjectKey& k : changed) {
    if (!IsRouteKind(k)) return false;
  }
  std::vector<model::ObjectKey> keys = changed;
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());

  memory->BeginPartial(options.now_unix);
  std::set<GatewayState*> gateways;
  std::set<ListenerSetState*> sets;
  auto touch = [&](ListenerState* l) {
    if (l->set != nullptr) {
      sets.insert(l->set);
    } else {
      gateways.insert(l->gateway);
    }
  };
  StatusSet::Map& out = status_.entries_;
  for (const model::ObjectKey& key : keys) {
    // Take the old version back.
    if (auto it = g->route_listeners.find(key); it != g->route_listeners.end()) {
      for (ListenerState* l : it->second) {
        --l->attached_routes;
        touch(l);
      }
      g->route_listeners.erase(it);
    }
    out.erase(key);
    memory->Forget(key.ToString());
    // Add the new one.
    const model::Object* o = store.Get(key);
    if (o == nullptr) continue;
    RouteView r = ReadRoute(*o);
    std::vector<ListenerState*> counted;
    std::optional<model::Value> st = ResolveOneRoute(g, r, memory, &counted);
    for (ListenerState* l : counted) touch(l);
    if (!counted.empty()) g->route_listeners[key] = std::move(counted);
    if (st) out[key] = std::move(*st);
  }
  for (GatewayState* gw : gateways) out[gw->view.obj->key] = RenderGateway(*g, *gw, memory);
  for (ListenerSetState* s : sets) out[s->view.obj->key] = RenderListenerSet(*g, *s, memory);
  memory->Commit();
  return true;
}

}  // namespace gwapi::resolve
