#include "lib/engine/engine.h"

#include <gtest/gtest.h>

#include <string>

namespace gwapi::engine {
namespace {

constexpr char kRoute[] = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: http
  namespace: default
spec:
  hostnames: [httpbin.example.com]
  rules:
  - backendRefs:
    - name: httpbin
      port: 8000
)";

std::unique_ptr<Engine> NewEngine() {
  auto e = Engine::Create(EngineOptions{});
  EXPECT_TRUE(e.ok()) << e.status();
  return std::move(e).value();
}

model::ObjectKey RouteKey(std::string name = "http") {
  return {"gateway.networking.k8s.io", "HTTPRoute", "default", std::move(name)};
}

TEST(EngineApply, ValidObjectIsStoredWithGenerationOne) {
  auto e = NewEngine();
  auto r = e->Apply(kRoute);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].outcome, Outcome::kAccepted);
  EXPECT_EQ((*r)[0].generation, 1);
  const model::Object* obj = e->Get(RouteKey());
  ASSERT_NE(obj, nullptr);
  EXPECT_EQ(obj->meta.generation, 1);
}

TEST(EngineApply, StoredObjectHasCrdDefaults) {
  auto e = NewEngine();
  ASSERT_TRUE(e->Apply(kRoute).ok());
  const model::Object* obj = e->Get(RouteKey());
  ASSERT_NE(obj, nullptr);
  const model::Value* rule = &obj->spec()->Find("rules")->array()[0];
  const model::Value* path = rule->Find("matches")->array()[0].Find("path");
  ASSERT_NE(path, nullptr);
  EXPECT_EQ(path->GetString("type"), "PathPrefix");
  EXPECT_EQ(path->GetString("value"), "/");
  const model::Value& backend = rule->Find("backendRefs")->array()[0];
  EXPECT_EQ(backend.Find("weight")->int_value(), 1);
  EXPECT_EQ(backend.GetString("kind"), "Service");
}

TEST(EngineApply, SameObjectAgainIsUnchanged) {
  auto e = NewEngine();
  ASSERT_TRUE(e->Apply(kRoute).ok());
  auto r = e->Apply(kRoute);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].outcome, Outcome::kUnchanged);
  EXPECT_EQ((*r)[0].generation, 1);
}

TEST(EngineApply, SpecChangeBumpsGenerationLabelChangeDoesNot) {
  auto e = NewEngine();
  ASSERT_TRUE(e->Apply(kRoute).ok());
  std::string relabelled = kRoute;
  relabelled.replace(relabelled.find("  namespace: default"), 20,
                     "  namespace: default\n  labels: {team: a}");
  auto r = e->Apply(relabelled);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].outcome, Outcome::kAccepted);
  EXPECT_EQ((*r)[0].generation, 1);
  std::string changed = relabelled;
  changed.replace(changed.find("port: 8000"), 10, "port: 8080");
  r = e->Apply(changed);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].generation, 2);
}

TEST(EngineApply, GenerationFromInputIsKept) {
  auto e = NewEngine();
  std::string with_gen = kRoute;
  with_gen.replace(with_gen.find("  namespace: default"), 20,
                   "  namespace: default\n  generation: 7\n"
                   "  creationTimestamp: \"2024-05-01T10:00:00Z\"");
  ASSERT_TRUE(e->Apply(with_gen).ok());
  const model::Object* obj = e->Get(RouteKey());
  ASSERT_NE(obj, nullptr);
  EXPECT_EQ(obj->meta.generation, 7);
  EXPECT_EQ(obj->meta.creation_timestamp, "2024-05-01T10:00:00Z");
}

TEST(EngineApply, InvalidObjectIsRejectedAndStoreKeepsOldVersion) {
  auto e = NewEngine();
  ASSERT_TRUE(e->Apply(kRoute).ok());
  std::string bad = kRoute;
  bad.replace(bad.find("httpbin.example.com"), 19, "Httpbin.example.com");
  auto r = e->Apply(bad);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].outcome, Outcome::kRejected);
  ASSERT_FALSE((*r)[0].errors.empty());
  EXPECT_EQ((*r)[0].errors[0].field, "spec.hostnames[0]");
  const model::Object* obj = e->Get(RouteKey());
  ASSERT_NE(obj, nullptr);
  EXPECT_EQ(obj->spec()->Find("hostnames")->array()[0].string_value(), "httpbin.example.com");
  EXPECT_EQ(e->List(ListFilter::kRejected).size(), 1u);
  EXPECT_EQ(e->List(ListFilter::kAll).size(), 2u);
}

TEST(EngineApply, UnknownKindIsIgnoredWithNote) {
  auto e = NewEngine();
  auto r = e->Apply("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].outcome, Outcome::kIgnored);
  EXPECT_NE((*r)[0].note.find("Deployment"), std::string::npos);
  EXPECT_EQ(e->store().size(), 0u);
}

TEST(EngineApply, MissingKindIsRejected) {
  auto e = NewEngine();
  auto r = e->Apply("apiVersion: v1\nmetadata: {name: x}\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].outcome, Outcome::kRejected);
  EXPECT_EQ((*r)[0].errors[0].field, "kind");
}

TEST(EngineApply, NamespaceDefaultsToDefault) {
  auto e = NewEngine();
  auto r = e->Apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].outcome, Outcome::kAccepted);
  EXPECT_NE(e->Get({"", "ConfigMap", "default", "c"}), nullptr);
}

TEST(EngineApply, MalformedInputChangesNothing) {
  auto e = NewEngine();
  ASSERT_TRUE(e->Apply(kRoute).ok());
  uint64_t revision = e->store().revision();
  std::string input = std::string(kRoute) + "---\nkind: [unclosed\n";
  auto r = e->Apply(input);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(e->store().revision(), revision);
}

TEST(EngineDelete, RemovesStoredAndReportsNotFoundAfter) {
  auto e = NewEngine();
  ASSERT_TRUE(e->Apply(kRoute).ok());
  EXPECT_TRUE(e->Delete(RouteKey()).ok());
  EXPECT_EQ(e->Get(RouteKey()), nullptr);
  EXPECT_EQ(e->Delete(RouteKey()).code(), absl::StatusCode::kNotFound);
}

TEST(EngineList, SortedByKeyWhateverTheArrivalOrder) {
  auto a = NewEngine();
  auto b = NewEngine();
  const char* x = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-x, namespace: ns-n}\n";
  const char* y = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-y, namespace: ns-m}\n";
  ASSERT_TRUE(a->Apply(x).ok());
  ASSERT_TRUE(a->Apply(y).ok());
  ASSERT_TRUE(b->Apply(y).ok());
  ASSERT_TRUE(b->Apply(x).ok());
  auto la = a->List(ListFilter::kStored);
  auto lb = b->List(ListFilter::kStored);
  ASSERT_EQ(la.size(), 2u);
  ASSERT_EQ(lb.size(), 2u);
  for (size_t i = 0; i < la.size(); ++i) EXPECT_EQ(la[i].key, lb[i].key);
  EXPECT_EQ(la[0].key.ns, "ns-m");
}

TEST(EngineApply, GatewayClassControllerNameIsImmutable) {
  auto e = NewEngine();
  const char* gc =
      "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: c}\n"
      "spec: {controllerName: example.com/a}\n";
  ASSERT_TRUE(e->Apply(gc).ok());
  auto r = e->Apply(
      "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: c}\n"
      "spec: {controllerName: example.com/b}\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].outcome, Outcome::kRejected);
  EXPECT_EQ((*r)[0].errors[0].field, "spec.controllerName");
}

TEST(EngineStatus, ResolvesLazilyAndOnlyAfterTheStoreChanges) {
  EngineOptions o;
  o.controller_name = "example.com/ctl";
  o.fixed_time_unix = 1767225600;
  auto created = Engine::Create(o);
  ASSERT_TRUE(created.ok()) << created.status();
  std::unique_ptr<Engine> e = std::move(created).value();
  EXPECT_TRUE(e->Status().empty());
  ASSERT_TRUE(e->Apply(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: c}
spec: {controllerName: example.com/ctl}
)").ok());
  const resolve::StatusSet* first = &e->Status();
  ASSERT_EQ(first->size(), 1u);
  std::string json = first->ToJson(e->store());
  // No change: the same result.
  EXPECT_EQ(e->Status().ToJson(e->store()), json);
  ASSERT_TRUE(e->Delete({"gateway.networking.k8s.io", "GatewayClass", "", "c"}).ok());
  EXPECT_TRUE(e->Status().empty());
}

}  // namespace
}  // namespace gwapi::engine
