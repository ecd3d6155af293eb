// Tests of the object layer of gwapi::model: the kinds registry, ObjectKey,
// ReadObjectMeta and the Store.
#include "lib/model/store.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/model/decode.h"
#include "lib/model/kinds.h"
#include "lib/model/limits.h"
#include "lib/model/object.h"
#include "lib/model/value.h"

namespace gwapi::model {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

// --- Kinds -------------------------------------------------------------------

std::vector<absl::string_view> Versions(const KindInfo& k) {
  return std::vector<absl::string_view>(k.versions.begin(), k.versions.end());
}

TEST(Kinds, FindKindKnowsGatewayApiKinds) {
  const KindInfo* route = FindKind(kGatewayGroup, "HTTPRoute");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->group, "gateway.networking.k8s.io");
  EXPECT_EQ(route->kind, "HTTPRoute");
  EXPECT_TRUE(route->namespaced);
  EXPECT_THAT(Versions(*route), ElementsAre("v1", "v1beta1"));

  const KindInfo* gc = FindKind(kGatewayGroup, "GatewayClass");
  ASSERT_NE(gc, nullptr);
  EXPECT_FALSE(gc->namespaced);

  const KindInfo* grpc = FindKind(kGatewayGroup, "GRPCRoute");
  ASSERT_NE(grpc, nullptr);
  EXPECT_THAT(Versions(*grpc), ElementsAre("v1"));
}

TEST(Kinds, FindKindKnowsCoreDiscoveryAndCiliumKinds) {
  const KindInfo* svc = FindKind("", "Service");
  ASSERT_NE(svc, nullptr);
  EXPECT_TRUE(svc->namespaced);
  EXPECT_THAT(Versions(*svc), ElementsAre("v1"));

  const KindInfo* ns = FindKind(kCoreGroup, "Namespace");
  ASSERT_NE(ns, nullptr);
  EXPECT_FALSE(ns->namespaced);

  EXPECT_NE(FindKind(kCoreGroup, "Secret"), nullptr);
  EXPECT_NE(FindKind(kCoreGroup, "ConfigMap"), nullptr);
  EXPECT_NE(FindKind(kDiscoveryGroup, "EndpointSlice"), nullptr);

  const KindInfo* pool = FindKind(kCiliumGroup, "CiliumLoadBalancerIPPool");
  ASSERT_NE(pool, nullptr);
  EXPECT_FALSE(pool->namespaced);
  EXPECT_THAT(Versions(*pool), ElementsAre("v2alpha1", "v2"));
}

TEST(Kinds, FindKindNeedsExactGroupAndKind) {
  EXPECT_EQ(FindKind(kGatewayGroup, "httproute"), nullptr);
  EXPECT_EQ(FindKind("", "HTTPRoute"), nullptr);
  EXPECT_EQ(FindKind(kGatewayGroup, "Service"), nullptr);
  EXPECT_EQ(FindKind("networking.k8s.io", "Ingress"), nullptr);
  EXPECT_EQ(FindKind(kGatewayGroup, "HTTPRouteList"), nullptr);
  EXPECT_EQ(FindKind("", ""), nullptr);
}

TEST(Kinds, AllKindsAreDistinctAndFindable) {
  absl::flat_hash_set<std::pair<std::string, std::string>> seen;
  for (const KindInfo& k : AllKinds()) {
    EXPECT_TRUE(seen.insert({std::string(k.group), std::string(k.kind)}).second)
        << k.group << "/" << k.kind;
    EXPECT_EQ(FindKind(k.group, k.kind), &k);
    EXPECT_FALSE(k.versions.empty()) << k.kind;
  }
  EXPECT_EQ(AllKinds().size(), 16u);
}

TEST(Kinds, SplitApiVersionWithGroup) {
  absl::string_view group, version;
  SplitApiVersion("gateway.networking.k8s.io/v1beta1", &group, &version);
  EXPECT_EQ(group, "gateway.networking.k8s.io");
  EXPECT_EQ(version, "v1beta1");
}

TEST(Kinds, SplitApiVersionCoreGroupHasNoSlash) {
  absl::string_view group = "stale", version = "stale";
  SplitApiVersion("v1", &group, &version);
  EXPECT_EQ(group, "");
  EXPECT_EQ(version, "v1");
}

TEST(Kinds, SplitApiVersionEdgeCases) {
  absl::string_view group, version;
  SplitApiVersion("", &group, &version);
  EXPECT_EQ(group, "");
  EXPECT_EQ(version, "");
  SplitApiVersion("cilium.io/", &group, &version);
  EXPECT_EQ(group, "cilium.io");
  EXPECT_EQ(version, "");
  SplitApiVersion("/v1", &group, &version);
  EXPECT_EQ(group, "");
  EXPECT_EQ(version, "v1");
}

// --- ObjectKey and ReadObjectMeta ------------------------------------------------

TEST(ObjectKey, ToStringShowsNamespaceOnlyWhenSet) {
  EXPECT_EQ((ObjectKey{"gateway.networking.k8s.io", "HTTPRoute", "default", "http"}).ToString(),
            "HTTPRoute default/http");
  EXPECT_EQ((ObjectKey{"gateway.networking.k8s.io", "GatewayClass", "", "cilium"}).ToString(),
            "GatewayClass cilium");
}

TEST(ObjectKey, OrdersByGroupKindNamespaceName) {
  ObjectKey a{"", "Service", "b", "a"};
  ObjectKey b{"", "Service", "b", "b"};
  ObjectKey c{"", "Service", "c", "a"};
  ObjectKey d{"g", "Aaa", "a", "a"};
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_LT(c, d);  // group first
  EXPECT_FALSE(b < a);
  EXPECT_EQ(a, (ObjectKey{"", "Service", "b", "a"}));
  EXPECT_FALSE(a == b);
}

Value Yaml(absl::string_view text) {
  absl::StatusOr<std::vector<DecodedItem>> items = DecodeObjects(text, DecodeLimits());
  EXPECT_TRUE(items.ok()) << items.status();
  if (!items.ok() || items->size() != 1) return Value();
  return (*items)[0].value;
}

TEST(ReadObjectMeta, ReadsIdentityAndMetadata) {
  Value v = Yaml(
      "apiVersion: gateway.networking.k8s.io/v1\n"
      "kind: HTTPRoute\n"
      "metadata:\n"
      "  name: web\n"
      "  namespace: prod\n"
      "  uid: 0c0ffee0-0000-4000-8000-000000000001\n"
      "  resourceVersion: \"12345\"\n"
      "  generation: 7\n"
      "  creationTimestamp: 2024-05-01T12:00:00Z\n");
  ObjectKey key;
  ObjectMeta meta;
  ReadObjectMeta(v, &key, &meta);
  EXPECT_EQ(key.group, "gateway.networking.k8s.io");
  EXPECT_EQ(key.kind, "HTTPRoute");
  EXPECT_EQ(key.ns, "prod");
  EXPECT_EQ(key.name, "web");
  EXPECT_EQ(meta.api_version, "gateway.networking.k8s.io/v1");
  EXPECT_EQ(meta.version, "v1");
  EXPECT_EQ(meta.uid, "0c0ffee0-0000-4000-8000-000000000001");
  EXPECT_EQ(meta.resource_version, "12345");
  EXPECT_EQ(meta.generation, 7);
  EXPECT_EQ(meta.creation_timestamp, "2024-05-01T12:00:00Z");
}

TEST(ReadObjectMeta, LabelsAndAnnotationsAreSortedByKey) {
  Value v = Yaml(
      "apiVersion: v1\n"
      "kind: Service\n"
      "metadata:\n"
      "  name: s\n"
      "  labels:\n"
      "    zone: b\n"
      "    app: web\n"
      "    tier: front\n"
      "  annotations:\n"
      "    z.example/x: \"1\"\n"
      "    a.example/y: two\n");
  ObjectKey key;
  ObjectMeta meta;
  ReadObjectMeta(v, &key, &meta);
  EXPECT_THAT(meta.labels,
              ElementsAre(Pair("app", "web"), Pair("tier", "front"), Pair("zone", "b")));
  EXPECT_THAT(meta.annotations, ElementsAre(Pair("a.example/y", "two"), Pair("z.example/x", "1")));
}

TEST(ReadObjectMeta, NonStringLabelValuesAreSkipped) {
  Value v = Yaml(
      "kind: Service\n"
      "metadata:\n"
      "  labels:\n"
      "    enabled: true\n"
      "    count: 3\n"
      "    name: ok\n");
  ObjectKey key;
  ObjectMeta meta;
  ReadObjectMeta(v, &key, &meta);
  EXPECT_THAT(meta.labels, ElementsAre(Pair("name", "ok")));
}

TEST(ReadObjectMeta, CoreApiVersionHasEmptyGroup) {
  Value v = Yaml("apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: default}\n");
  ObjectKey key;
  ObjectMeta meta;
  ReadObjectMeta(v, &key, &meta);
  EXPECT_EQ(key.group, "");
  EXPECT_EQ(meta.version, "v1");
  EXPECT_EQ(key.ToString(), "Service default/s");
}

TEST(ReadObjectMeta, MissingFieldsAreEmptyOrZero) {
  Value v = Yaml("kind: GatewayClass\nmetadata: {name: c}\n");
  ObjectKey key;
  ObjectMeta meta;
  ReadObjectMeta(v, &key, &meta);
  EXPECT_EQ(key.kind, "GatewayClass");
  EXPECT_EQ(key.name, "c");
  EXPECT_EQ(key.ns, "");
  EXPECT_EQ(meta.api_version, "");
  EXPECT_EQ(meta.creation_timestamp, "");
  EXPECT_EQ(meta.generation, 0);
  EXPECT_EQ(meta.arrival, 0u);
  EXPECT_TRUE(meta.labels.empty());
  EXPECT_TRUE(meta.annotations.empty());
}

TEST(ReadObjectMeta, NonIntegerGenerationIsIgnored) {
  Value v = Yaml("kind: Gateway\nmetadata: {name: g, generation: \"3\"}\n");
  ObjectKey key;
  ObjectMeta meta;
  ReadObjectMeta(v, &key, &meta);
  EXPECT_EQ(meta.generation, 0);
}

TEST(ReadObjectMeta, NoMetadataLeavesNameEmpty) {
  Value v = Yaml("apiVersion: v1\nkind: Namespace\n");
  ObjectKey key;
  ObjectMeta meta;
  ReadObjectMeta(v, &key, &meta);
  EXPECT_EQ(key.kind, "Namespace");
  EXPECT_EQ(key.name, "");
  EXPECT_EQ(key.ns, "");
}

TEST(ReadObjectMeta, WorksOnJsonInput) {
  absl::StatusOr<std::vector<DecodedItem>> items =
      DecodeObjects(R"({"apiVersion":"gateway.networking.k8s.io/v1beta1","kind":"ReferenceGrant",)"
                    R"("metadata":{"name":"rg","namespace":"ns","generation":2,)"
                    R"("creationTimestamp":"2023-01-02T03:04:05Z","labels":{"b":"2","a":"1"}}})",
                    DecodeLimits());
  ASSERT_TRUE(items.ok()) << items.status();
  ObjectKey key;
  ObjectMeta meta;
  ReadObjectMeta((*items)[0].value, &key, &meta);
  EXPECT_EQ(key.ToString(), "ReferenceGrant ns/rg");
  EXPECT_EQ(meta.version, "v1beta1");
  EXPECT_EQ(meta.generation, 2);
  EXPECT_EQ(meta.creation_timestamp, "2023-01-02T03:04:05Z");
  EXPECT_THAT(meta.labels, ElementsAre(Pair("a", "1"), Pair("b", "2")));
}

// --- Store --------------------------------------------------------------------

std::shared_ptr<const Object> MakeObject(std::string group, std::string kind, std::string ns,
                                         std::string name, int64_t generation = 1) {
  auto o = std::make_shared<Object>();
  o->key = ObjectKey{std::move(group), std::move(kind), std::move(ns), std::move(name)};
  o->meta.generation = generation;
  o->info = FindKind(o->key.group, o->key.kind);
  o->body = Value::MakeObject({{"kind", Value::String(o->key.kind)}});
  return o;
}

TEST(Store, EmptyStore) {
  Store s;
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(s.revision(), 0u);
  EXPECT_TRUE(s.objects().empty());
  EXPECT_EQ(s.Get(ObjectKey{"", "Service", "default", "x"}), nullptr);
}

TEST(Store, PutThenGet) {
  Store s;
  auto o = MakeObject("", "Service", "default", "web");
  s.Put(o);
  EXPECT_EQ(s.size(), 1u);
  const Object* got = s.Get(ObjectKey{"", "Service", "default", "web"});
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got, o.get());
  EXPECT_EQ(got->info, FindKind("", "Service"));
  EXPECT_EQ(s.Get(ObjectKey{"", "Service", "other", "web"}), nullptr);
  EXPECT_EQ(s.Get(ObjectKey{"", "ConfigMap", "default", "web"}), nullptr);
}

TEST(Store, PutReplacesAndKeepsOldVersionAliveForHolders) {
  Store s;
  auto v1 = MakeObject(std::string(kGatewayGroup), "Gateway", "ns", "gw", 1);
  auto v2 = MakeObject(std::string(kGatewayGroup), "Gateway", "ns", "gw", 2);
  s.Put(v1);
  std::weak_ptr<const Object> weak_v1 = v1;
  std::shared_ptr<const Object> snapshot = s.objects().begin()->second;
  v1.reset();
  s.Put(v2);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.Get(v2->key)->meta.generation, 2);
  // A snapshot taken before the replace still sees the old object.
  EXPECT_EQ(snapshot->meta.generation, 1);
  EXPECT_FALSE(weak_v1.expired());
  snapshot.reset();
  EXPECT_TRUE(weak_v1.expired());
}

TEST(Store, RevisionGrowsWithEveryPutAndSuccessfulErase) {
  Store s;
  auto a = MakeObject("", "Service", "ns", "a");
  s.Put(a);
  EXPECT_EQ(s.revision(), 1u);
  s.Put(a);  // an identical Put still counts
  EXPECT_EQ(s.revision(), 2u);
  s.Put(MakeObject("", "Service", "ns", "b"));
  EXPECT_EQ(s.revision(), 3u);
  EXPECT_TRUE(s.Erase(a->key));
  EXPECT_EQ(s.revision(), 4u);
}

TEST(Store, EraseOfMissingKeyReturnsFalseAndKeepsRevision) {
  Store s;
  s.Put(MakeObject("", "Service", "ns", "a"));
  uint64_t before = s.revision();
  EXPECT_FALSE(s.Erase(ObjectKey{"", "Service", "ns", "zzz"}));
  EXPECT_EQ(s.revision(), before);
  EXPECT_EQ(s.size(), 1u);
}

TEST(Store, EraseRemovesOnlyThatKey) {
  Store s;
  s.Put(MakeObject("", "Service", "ns", "a"));
  s.Put(MakeObject("", "Service", "ns", "b"));
  EXPECT_TRUE(s.Erase(ObjectKey{"", "Service", "ns", "a"}));
  EXPECT_EQ(s.Get(ObjectKey{"", "Service", "ns", "a"}), nullptr);
  EXPECT_NE(s.Get(ObjectKey{"", "Service", "ns", "b"}), nullptr);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_FALSE(s.Erase(ObjectKey{"", "Service", "ns", "a"}));
}

TEST(Store, IterationIsInKeyOrderRegardlessOfArrival) {
  std::vector<std::shared_ptr<const Object>> objects = {
      MakeObject(std::string(kGatewayGroup), "HTTPRoute", "b", "r"),
      MakeObject("", "Service", "a", "z"),
      MakeObject(std::string(kGatewayGroup), "Gateway", "a", "gw"),
      MakeObject("", "Service", "a", "b"),
      MakeObject(std::string(kGatewayGroup), "HTTPRoute", "a", "r"),
      MakeObject("", "Namespace", "", "a"),
  };
  std::vector<std::string> want = {
      "Namespace a", "Service a/b", "Service a/z", "Gateway a/gw", "HTTPRoute a/r", "HTTPRoute b/r",
  };
  Store forward, backward;
  for (const auto& o : objects) forward.Put(o);
  for (auto it = objects.rbegin(); it != objects.rend(); ++it) backward.Put(*it);
  for (const Store* s : {&forward, &backward}) {
    std::vector<std::string> got;
    for (const auto& [key, object] : s->objects()) {
      EXPECT_EQ(key, object->key);
      got.push_back(key.ToString());
    }
    EXPECT_EQ(got, want);
  }
}

}  // namespace
}  // namespace gwapi::model
