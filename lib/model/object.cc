#include "lib/model/object.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace gwapi::model {

std::string ObjectKey::ToString() const {
  if (ns.empty()) return absl::StrCat(kind, " ", name);
  return absl::StrCat(kind, " ", ns, "/", name);
}

namespace {

StringPairs ReadStringMap(const Value* v) {
  StringPairs out;
  if (v == nullptr || !v->is_object()) return out;
  for (const Value::Member& m : v->object()) {
    if (m.second.is_string()) out.emplace_back(m.first, m.second.string_value());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

void ReadObjectMeta(const Value& v, ObjectKey* key, ObjectMeta* meta) {
  meta->api_version = std::string(v.GetString("apiVersion"));
  absl::string_view group, version;
  SplitApiVersion(meta->api_version, &group, &version);
  key->group = std::string(group);
  key->kind = std::string(v.GetString("kind"));
  meta->version = std::string(version);
  const Value* md = v.Find("metadata");
  if (md == nullptr || !md->is_object()) return;
  key->ns = std::string(md->GetString("namespace"));
  key->name = std::string(md->GetString("name"));
  meta->uid = std::string(md->GetString("uid"));
  meta->resource_version = std::string(md->GetString("resourceVersion"));
  meta->creation_timestamp = std::string(md->GetString("creationTimestamp"));
  if (const Value* g = md->Find("generation"); g != nullptr && g->is_int()) {
    meta->generation = g->int_value();
  }
  meta->labels = ReadStringMap(md->Find("labels"));
  meta->annotations = ReadStringMap(md->Find("annotations"));
}

}  // namespace gwapi::model
