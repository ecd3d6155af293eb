#include "lib/resolve/resolver.h"

#include <algorithm>
#include <set>

#include "absl/synchronization/mutex.h"
#include "lib/model/json.h"
#include "lib/model/kinds.h"
#include "lib/resolve/graph.h"
#include "lib/resolve/status_data.h"

namespace gwapi::resolve {

absl::string_view MessagePool::Intern(absl::string_view s) {
  auto it = index_.find(s);
  if (it != index_.end()) return *it;
  absl::string_view kept = strings_.emplace_back(s);
  index_.insert(kept);
  return kept;
}

size_t StatusSetData::LowerBound(const model::ObjectKey& key) const {
  return static_cast<size_t>(std::lower_bound(routes.begin(), routes.end(), key,
                                              [](const RouteStatus& r, const model::ObjectKey& k) {
                                                return r.key() < k;
                                              }) -
                             routes.begin());
}

namespace {

using model::Value;

Value RenderParentRef(const RouteParentRef& pr) {
  Value::Object o;
  o.reserve(6);
  o.push_back(M("group", Value::String(std::string(pr.group))));
  o.push_back(M("kind", Value::String(std::string(pr.kind))));
  o.push_back(M("namespace", Value::String(std::string(pr.ns))));
  o.push_back(M("name", Value::String(std::string(pr.name))));
  if (pr.section_name) o.push_back(M("sectionName", Value::String(std::string(*pr.section_name))));
  if (pr.port) o.push_back(M("port", Value::Int(*pr.port)));
  return Value::MakeObject(std::move(o));
}

Value RenderCondition(const CompactCondition& c, int64_t generation, TimeFormatter* times) {
  return Obj(M("type", Value::String(std::string(c.type))),
             M("status", Value::String(c.is_true ? "True" : "False")),
             M("observedGeneration", Value::Int(generation)),
             M("lastTransitionTime", Value::String(times->Format(c.time))),
             M("reason", Value::String(std::string(c.reason))),
             M("message", Value::String(std::string(c.message))));
}

// Keys and fixed text are appended as literals: they need no escaping.
void AppendCondition(const CompactCondition& c, int64_t generation, TimeFormatter* times,
                     std::string* out) {
  out->append("{\"type\":");
  model::AppendJsonString(c.type, out);
  out->append(c.is_true ? ",\"status\":\"True\"" : ",\"status\":\"False\"");
  absl::StrAppend(out, ",\"observedGeneration\":", generation, ",\"lastTransitionTime\":");
  model::AppendJsonString(times->Format(c.time), out);
  out->append(",\"reason\":");
  model::AppendJsonString(c.reason, out);
  out->append(",\"message\":");
  model::AppendJsonString(c.message, out);
  out->push_back('}');
}

}  // namespace

Value StatusSetData::RenderRoute(const RouteStatus& r, TimeFormatter* times) const {
  int64_t generation = r.route->object->meta.generation;
  Value::Array out;
  out.reserve(r.count);
  for (uint32_t i = r.begin; i < r.begin + r.count; ++i) {
    const RouteParentStatus& p = parents[i];
    Value::Array conditions;
    conditions.reserve(3);
    conditions.push_back(RenderCondition(p.accepted, generation, times));
    conditions.push_back(RenderCondition(p.resolved_refs, generation, times));
    if (p.has_partially_invalid) {
      conditions.push_back(RenderCondition(p.partially_invalid, generation, times));
    }
    out.push_back(Obj(M("parentRef", RenderParentRef(*p.ref)),
                      M("controllerName", Value::String(controller_name)),
                      M("conditions", Value::MakeArray(std::move(conditions)))));
  }
  return Obj(M("parents", Value::MakeArray(std::move(out))));
}

void StatusSetData::AppendRouteJson(const RouteStatus& r, TimeFormatter* times,
                                    std::string* out) const {
  int64_t generation = r.route->object->meta.generation;
  out->append("{\"parents\":[");
  for (uint32_t i = r.begin; i < r.begin + r.count; ++i) {
    const RouteParentStatus& p = parents[i];
    const RouteParentRef& pr = *p.ref;
    if (i != r.begin) out->push_back(',');
    out->append("{\"parentRef\":{\"group\":");
    model::AppendJsonString(pr.group, out);
    out->append(",\"kind\":");
    model::AppendJsonString(pr.kind, out);
    out->append(",\"namespace\":");
    model::AppendJsonString(pr.ns, out);
    out->append(",\"name\":");
    model::AppendJsonString(pr.name, out);
    if (pr.section_name) {
      out->append(",\"sectionName\":");
      model::AppendJsonString(*pr.section_name, out);
    }
    if (pr.port) absl::StrAppend(out, ",\"port\":", *pr.port);
    out->append("},\"controllerName\":");
    model::AppendJsonString(controller_name, out);
    out->append(",\"conditions\":[");
    AppendCondition(p.accepted, generation, times, out);
    out->push_back(',');
    AppendCondition(p.resolved_refs, generation, times, out);
    if (p.has_partially_invalid) {
      out->push_back(',');
      AppendCondition(p.partially_invalid, generation, times, out);
    }
    out->append("]}");
  }
  out->append("]}");
}

StatusSet::StatusSet() = default;
StatusSet::~StatusSet() = default;
StatusSet::StatusSet(StatusSet&&) noexcept = default;
StatusSet& StatusSet::operator=(StatusSet&&) noexcept = default;
StatusSet::StatusSet(std::unique_ptr<StatusSetData> d) : d_(std::move(d)) {}

size_t StatusSet::size() const { return d_ == nullptr ? 0 : d_->others.size() + d_->routes.size(); }

const model::Value* StatusSet::Find(const model::ObjectKey& key) const {
  if (d_ == nullptr) return nullptr;
  if (auto it = d_->others.find(key); it != d_->others.end()) {
    const OtherStatus& o = it->second;
    absl::MutexLock lock(&d_->render_mu);
    if (o.value == nullptr) {
      // Text this library wrote: it parses.
      absl::StatusOr<model::Value> v = model::ParseJson(o.json, model::DecodeLimits());
      o.value = std::make_unique<model::Value>(v.ok() ? *std::move(v) : model::Value());
    }
    return o.value.get();
  }
  size_t i = d_->LowerBound(key);
  if (i == d_->routes.size() || !(d_->routes[i].key() == key)) return nullptr;
  const RouteStatus& r = d_->routes[i];
  absl::MutexLock lock(&d_->render_mu);
  if (r.rendered == nullptr) {
    TimeFormatter times;
    r.rendered = std::make_unique<model::Value>(d_->RenderRoute(r, &times));
  }
  return r.rendered.get();
}

std::string StatusSet::ToJson(const model::Store& store) const {
  std::string out = "[";
  if (d_ == nullptr) return out + "]";
  TimeFormatter times;
  auto header = [&](const model::ObjectKey& key, const model::Object* o) {
    if (out.size() > 1) out.push_back(',');
    out.append("{\"apiVersion\":");
    model::AppendJsonString(o != nullptr ? absl::string_view(o->meta.api_version) : "", &out);
    out.append(",\"kind\":");
    model::AppendJsonString(key.kind, &out);
    out.append(",\"namespace\":");
    model::AppendJsonString(key.ns, &out);
    out.append(",\"name\":");
    model::AppendJsonString(key.name, &out);
    out.append(",\"status\":");
  };
  // The stored objects, looked up in key order: consecutive stanzas are
  // mostly consecutive in the store, so the next one is usually one step
  // on (a lookup per route was a third of BM_Status_RenderJson).
  const model::Store::Map& objects = store.objects();
  auto stored = objects.begin();
  auto find_stored = [&](const model::ObjectKey& key) -> const model::Object* {
    if (stored != objects.end() && stored->first < key) {
      ++stored;
      if (stored != objects.end() && stored->first < key) stored = objects.lower_bound(key);
    }
    return stored != objects.end() && stored->first == key ? stored->second.get() : nullptr;
  };
  // Two sorted sequences merged into key order.
  auto other = d_->others.begin();
  size_t route = 0;
  const std::vector<RouteStatus>& routes = d_->routes;
  while (other != d_->others.end() || route < routes.size()) {
    if (route < routes.size() &&
        (other == d_->others.end() || routes[route].key() < other->first)) {
      const RouteStatus& r = routes[route++];
      header(r.key(), find_stored(r.key()));
      d_->AppendRouteJson(r, &times, &out);
    } else {
      header(other->first, find_stored(other->first));
      // Text when there is text: `value` may be being filled by Find().
      if (!other->second.json.empty()) {
        out.append(other->second.json);
      } else {
        other->second.value->AppendJson(&out);
      }
      ++other;
    }
    out.push_back('}');
  }
  out.push_back(']');
  return out;
}

namespace {

std::unique_ptr<Graph> ResolveAll(const model::Store& store, const ResolveOptions& options,
                                  TransitionMemory* memory, const StatusSetData* previous,
                                  const Graph* previous_graph,
                                  std::unique_ptr<StatusSetData>* out) {
  memory->Begin(options.now_unix);
  *out = std::make_unique<StatusSetData>();
  (*out)->controller_name = options.controller_name;
  std::unique_ptr<Graph> g = BuildGraph(store, options.controller_name, previous, previous_graph);
  g->out = out->get();
  ResolveGateways(g.get());
  ResolveRoutes(g.get(), memory);  // counts attachedRoutes per listener
  ResolvePolicies(g.get(), memory);
  RenderGateways(g.get(), memory);
  memory->Commit();
  (*out)->others = std::move(g->status);
  g->status.clear();
  return g;
}

bool IsRouteKind(const model::ObjectKey& k) {
  return k.group == model::kGatewayGroup && (k.kind == "HTTPRoute" || k.kind == "TLSRoute" ||
                                             k.kind == "TCPRoute" || k.kind == "UDPRoute");
}

}  // namespace

StatusSet Resolve(const model::Store& store, const ResolveOptions& options,
                  TransitionMemory* memory) {
  std::unique_ptr<StatusSetData> out;
  ResolveAll(store, options, memory, nullptr, nullptr, &out);
  return StatusSet(std::move(out));
}

Resolution::Resolution() = default;
Resolution::~Resolution() = default;

void Resolution::Full(const model::Store& store, const ResolveOptions& options,
                      TransitionMemory* memory) {
  // The previous status and graph hold the route and Service views this
  // resolution reuses.
  StatusSet previous = std::move(status_);
  std::unique_ptr<Graph> previous_graph = std::move(graph_);
  std::unique_ptr<StatusSetData> out;
  graph_ = ResolveAll(store, options, memory, previous.d_.get(), previous_graph.get(), &out);
  previous_graph.reset();
  status_ = StatusSet(std::move(out));
  messages_after_full_ = status_.d_->messages.size();
  // The route views are kept by the status; the graph's list would only
  // duplicate it.
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
  StatusSetData* d = status_.d_.get();
  if (d->messages.size() > 2 * messages_after_full_ + 4096) return false;
  std::vector<model::ObjectKey> keys = changed;
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());

  memory->BeginPartial(options.now_unix);
  g->out = d;
  std::set<GatewayState*> gateways;
  std::set<ListenerSetState*> sets;
  auto touch = [&](ListenerState* l) {
    if (l->set != nullptr) {
      sets.insert(l->set);
    } else {
      gateways.insert(l->gateway);
    }
  };
  std::vector<RouteStatus>& routes = d->routes;
  for (const model::ObjectKey& key : keys) {
    size_t i = d->LowerBound(key);
    bool had = i < routes.size() && routes[i].key() == key;
    // Take the old version back.
    if (had) {
      for (ListenerState* l : g->route_listeners[i]) {
        --l->attached_routes;
        touch(l);
      }
      d->dead_parents += routes[i].count;
    }
    memory->Forget(key);
    // Add the new one.
    auto stored = store.objects().find(key);
    RouteStatus st;
    absl::InlinedVector<ListenerState*, 2> counted;
    bool resolved = false;
    if (stored != store.objects().end()) {
      auto e = std::make_shared<RouteEntry>();
      e->object = stored->second;
      e->view = ReadRoute(*e->object);
      e->key_fingerprint = TransitionMemory::Fingerprint(key);
      resolved = ResolveOneRoute(g, std::move(e), memory, &st, &counted);
      for (ListenerState* l : counted) touch(l);
    }
    auto& listeners = g->route_listeners;
    if (resolved && had) {
      routes[i] = std::move(st);
      listeners[i] = std::move(counted);
    } else if (resolved) {
      routes.insert(routes.begin() + i, std::move(st));
      listeners.insert(listeners.begin() + i, std::move(counted));
    } else if (had) {
      routes.erase(routes.begin() + i);
      listeners.erase(listeners.begin() + i);
    }
  }
  // Parents of replaced routes stay in the list until they outnumber the
  // live ones.
  if (d->dead_parents > 1024 && d->dead_parents * 2 > d->parents.size()) {
    std::vector<RouteParentStatus> live;
    live.reserve(d->parents.size() - d->dead_parents);
    for (RouteStatus& r : routes) {
      uint32_t begin = static_cast<uint32_t>(live.size());
      live.insert(live.end(), d->parents.begin() + r.begin, d->parents.begin() + r.begin + r.count);
      r.begin = begin;
    }
    d->parents.swap(live);
    d->dead_parents = 0;
  }
  for (GatewayState* gw : gateways) {
    OtherStatus& st = d->others[gw->view.obj->key];
    st.json = RenderGateway(*g, *gw, memory);
    st.value.reset();
  }
  for (ListenerSetState* s : sets) {
    OtherStatus& st = d->others[s->view.obj->key];
    st.json = RenderListenerSet(*g, *s, memory);
    st.value.reset();
  }
  memory->Commit();
  return true;
}

}  // namespace gwapi::resolve
