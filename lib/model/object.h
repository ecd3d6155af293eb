// A stored Kubernetes object: its identity and its body.
#ifndef GWAPI_LIB_MODEL_OBJECT_H_
#define GWAPI_LIB_MODEL_OBJECT_H_

#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "lib/model/kinds.h"
#include "lib/model/value.h"

namespace gwapi::model {

// Group, kind, namespace and name: what identifies an object in the store.
struct ObjectKey {
  std::string group;
  std::string kind;
  std::string ns;  // empty for cluster-scoped kinds
  std::string name;

  // "HTTPRoute default/http", "GatewayClass cilium".
  std::string ToString() const;

  friend bool operator==(const ObjectKey& a, const ObjectKey& b) {
    return a.group == b.group && a.kind == b.kind && a.ns == b.ns && a.name == b.name;
  }
  friend bool operator<(const ObjectKey& a, const ObjectKey& b) {
    return std::tie(a.group, a.kind, a.ns, a.name) < std::tie(b.group, b.kind, b.ns, b.name);
  }
  template <typename H>
  friend H AbslHashValue(H h, const ObjectKey& k) {
    return H::combine(std::move(h), k.group, k.kind, k.ns, k.name);
  }
};

using StringPairs = std::vector<std::pair<std::string, std::string>>;

// ObjectMeta fields the engine uses; everything else stays in the body.
struct ObjectMeta {
  std::string api_version;  // as given, e.g. "gateway.networking.k8s.io/v1"
  std::string version;      // "v1"
  std::string uid;
  std::string resource_version;
  std::string creation_timestamp;  // RFC 3339 as given, "" when absent
  int64_t generation = 0;          // 0 when absent
  // Order of first arrival in the engine: breaks creationTimestamp ties and
  // stands in for it when the input carries none.
  uint64_t arrival = 0;
  StringPairs labels;              // sorted by key
  StringPairs annotations;         // sorted by key
};

// An object accepted into (or offered to) the store. The body is the whole
// object as decoded, CRD defaults applied; `status` is dropped, as the API
// server drops it on writes to a resource with a status subresource.
struct Object {
  ObjectKey key;
  ObjectMeta meta;
  const KindInfo* info = nullptr;
  Value body;

  const Value* spec() const { return body.Find("spec"); }
};

// Reads the identity and metadata out of a decoded object. Fails only when
// the value is not an object; missing names are left for validation.
void ReadObjectMeta(const Value& v, ObjectKey* key, ObjectMeta* meta);

}  // namespace gwapi::model

#endif  // GWAPI_LIB_MODEL_OBJECT_H_
