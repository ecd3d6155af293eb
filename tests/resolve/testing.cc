#include "tests/resolve/testing.h"

#include <gtest/gtest.h>

#include "lib/model/kinds.h"

namespace gwapi::resolve::testing {

std::unique_ptr<engine::Engine> NewEngine(bool bare, int64_t time) {
  engine::EngineOptions o;
  o.controller_name = std::string(kController);
  o.fixed_time_unix = time;
  auto e = engine::Engine::Create(o);
  EXPECT_TRUE(e.ok()) << e.status();
  std::unique_ptr<engine::Engine> engine = std::move(e).value();
  if (!bare) {
    Apply(engine.get(), R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: cilium}
spec: {controllerName: io.cilium/gateway-controller}
---
apiVersion: cilium.io/v2alpha1
kind: CiliumLoadBalancerIPPool
metadata: {name: pool}
spec:
  blocks:
  - cidr: 10.0.0.0/30
)");
  }
  return engine;
}

void Apply(engine::Engine* e, absl::string_view yaml) {
  auto r = e->Apply(yaml);
  ASSERT_TRUE(r.ok()) << r.status();
  for (const engine::ObjectResult& o : *r) {
    std::string errors;
    for (const auto& fe : o.errors) errors += fe.ToString() + "\n";
    EXPECT_NE(o.outcome, engine::Outcome::kRejected) << o.key.ToString() << ": " << errors;
  }
}

model::Value StatusOf(engine::Engine* e, absl::string_view kind, absl::string_view ns,
                      absl::string_view name) {
  absl::string_view group =
      kind == "Service" || kind == "Secret" ? model::kCoreGroup : model::kGatewayGroup;
  model::ObjectKey k{std::string(group), std::string(kind), std::string(ns), std::string(name)};
  const model::Value* v = e->Status().Find(k);
  return v == nullptr ? model::Value() : *v;
}

const model::Value* FindCondition(const model::Value* conditions, absl::string_view type) {
  if (conditions == nullptr || !conditions->is_array()) return nullptr;
  for (const model::Value& c : conditions->array()) {
    if (c.GetString("type") == type) return &c;
  }
  return nullptr;
}

std::string Cond(const model::Value* conditions, absl::string_view type) {
  const model::Value* c = FindCondition(conditions, type);
  if (c == nullptr) return "absent";
  return std::string(c->GetString("status")) + "/" + std::string(c->GetString("reason"));
}

const model::Value* Listener(const model::Value& status, absl::string_view name) {
  const model::Value* ls = status.Find("listeners");
  if (ls == nullptr || !ls->is_array()) return nullptr;
  for (const model::Value& l : ls->array()) {
    if (l.GetString("name") == name) return &l;
  }
  return nullptr;
}

const model::Value* ParentConditions(const model::Value& status, size_t i) {
  const model::Value* ps = status.Find("parents");
  if (ps == nullptr || !ps->is_array() || ps->array().size() <= i) return nullptr;
  return ps->array()[i].Find("conditions");
}

}  // namespace gwapi::resolve::testing
