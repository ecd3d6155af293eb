#include "lib/resolve/resolver.h"

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

StatusSet Resolve(const model::Store& store, const ResolveOptions& options,
                  TransitionMemory* memory) {
  memory->Begin(options.now_unix);
  std::unique_ptr<Graph> g = BuildGraph(store, options.controller_name);
  ResolveGateways(g.get());
  ResolveRoutes(g.get(), memory);  // counts attachedRoutes per listener
  ResolvePolicies(g.get(), memory);
  RenderGateways(g.get(), memory);
  memory->Commit();
  return StatusSet(std::move(g->status));
}

}  // namespace gwapi::resolve
