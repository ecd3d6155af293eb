// The compiled gwapi.v1.Snapshot of the reference scenario: programmed
// listeners, attachments with effective hostnames, backend verdicts,
// Services with their endpoints; and that it survives the wire.
#include "lib/compile/config.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/compile/scenario.h"

namespace gwapi {
namespace {

namespace v1 = gwapi::v1;

const v1::Snapshot& Config(engine::Engine& e) {
  auto snap = e.Snapshot();
  EXPECT_TRUE(snap.ok()) << snap.status();
  static std::shared_ptr<const route::Snapshot> keep;
  keep = *snap;
  return keep->config();
}

TEST(CompileConfig, ProgrammedGatewayWithItsAddressAndListeners) {
  auto e = testing::ScenarioEngine();
  const v1::Snapshot& c = Config(*e);
  ASSERT_EQ(c.gateways_size(), 1);
  const v1::Gateway& gw = c.gateways(0);
  EXPECT_EQ(gw.namespace_(), "cilium-ingress");
  EXPECT_EQ(gw.name(), "gateway");
  ASSERT_EQ(gw.addresses_size(), 1);
  EXPECT_EQ(gw.addresses(0), "172.17.0.64");
  ASSERT_EQ(gw.listeners_size(), 2);
  EXPECT_EQ(gw.listeners(0).protocol(), v1::PROTOCOL_HTTP);
  EXPECT_EQ(gw.listeners(0).hostname(), "*.example.com");
  EXPECT_EQ(gw.listeners(1).protocol(), v1::PROTOCOL_TCP);
  EXPECT_EQ(gw.listeners(1).port(), 9000u);
}

TEST(CompileConfig, AttachmentHostnamesAreTheIntersection) {
  auto e = testing::ScenarioEngine();
  const v1::Snapshot& c = Config(*e);
  const v1::Listener& http = c.gateways(0).listeners(0);
  ASSERT_EQ(http.attachments_size(), 1);
  const v1::Attachment& a = http.attachments(0);
  EXPECT_EQ(c.routes(a.route()).name(), "http");
  // other.org does not intersect *.example.com; the two others do, each as
  // the more specific of the pair.
  ASSERT_EQ(a.hostnames_size(), 2);
  EXPECT_EQ(a.hostnames(0), "*.example.com");
  EXPECT_EQ(a.hostnames(1), "httpbin.example.com");
  // The TCPRoute names the tcp listener only.
  const v1::Listener& tcp = c.gateways(0).listeners(1);
  ASSERT_EQ(tcp.attachments_size(), 1);
  EXPECT_EQ(c.routes(tcp.attachments(0).route()).name(), "tcp");
}

TEST(CompileConfig, BackendVerdictsAndRules) {
  auto e = testing::ScenarioEngine();
  const v1::Snapshot& c = Config(*e);
  const v1::Route* http = nullptr;
  for (const v1::Route& r : c.routes()) {
    if (r.name() == "http") http = &r;
  }
  ASSERT_NE(http, nullptr);
  EXPECT_EQ(http->kind(), v1::ROUTE_KIND_HTTP);
  ASSERT_EQ(http->rules_size(), 1);
  const v1::Rule& rule = http->rules(0);
  ASSERT_EQ(rule.http_matches_size(), 1);
  EXPECT_EQ(rule.http_matches(0).path().type(), v1::MATCH_TYPE_PATH_PREFIX);
  EXPECT_EQ(rule.http_matches(0).path().value(), "/get");
  ASSERT_EQ(rule.backends_size(), 2);
  EXPECT_TRUE(rule.backends(0).valid());
  EXPECT_EQ(rule.backends(0).app_protocol(), "http");
  EXPECT_EQ(rule.backends(0).weight(), 1u);
  EXPECT_FALSE(rule.backends(1).valid());  // Service "missing"
}

TEST(CompileConfig, ServicesCarryClusterIpsPortsAndEndpoints) {
  auto e = testing::ScenarioEngine();
  const v1::Snapshot& c = Config(*e);
  ASSERT_EQ(c.services_size(), 1);
  const v1::Service& s = c.services(0);
  EXPECT_EQ(s.name(), "httpbin");
  ASSERT_EQ(s.cluster_ips_size(), 1);
  EXPECT_EQ(s.cluster_ips(0), "10.96.120.15");
  ASSERT_EQ(s.ports_size(), 1);
  EXPECT_EQ(s.ports(0).target_port(), 8080u);
  ASSERT_EQ(s.endpoints_size(), 3);
  EXPECT_TRUE(s.endpoints(0).ready());
  EXPECT_TRUE(s.endpoints(1).terminating());
  EXPECT_FALSE(s.endpoints(2).ready());
  ASSERT_EQ(s.endpoints(0).ports_size(), 1);
  EXPECT_EQ(s.endpoints(0).ports(0).port(), 8080u);
}

TEST(CompileConfig, SameStoreSameBytes) {
  auto a = testing::ScenarioEngine();
  auto b = testing::ScenarioEngine();
  std::string x, y;
  ASSERT_TRUE(Config(*a).SerializeToString(&x));
  ASSERT_TRUE(Config(*b).SerializeToString(&y));
  EXPECT_EQ(x, y);
}

TEST(CompileConfig, SnapshotIsRepublishedOnlyWhenTheStoreChanges) {
  auto e = testing::ScenarioEngine();
  auto first = e->Snapshot();
  auto again = e->Snapshot();
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_EQ(first->get(), again->get());
  ASSERT_TRUE(e->Delete({"gateway.networking.k8s.io", "HTTPRoute", "default", "http"}).ok());
  auto after = e->Snapshot();
  ASSERT_TRUE(after.ok());
  EXPECT_NE(first->get(), after->get());
  EXPECT_EQ((*after)->config().gateways(0).listeners(0).attachments_size(), 0);
  // The old snapshot is untouched.
  EXPECT_EQ((*first)->config().gateways(0).listeners(0).attachments_size(), 1);
}

TEST(ParseDurationMs, GatewayApiDurations) {
  EXPECT_EQ(compile::ParseDurationMs("500ms"), 500);
  EXPECT_EQ(compile::ParseDurationMs("1h2m3s"), 3723000);
  EXPECT_EQ(compile::ParseDurationMs("0s"), 0);
  EXPECT_EQ(compile::ParseDurationMs(""), -1);
  EXPECT_EQ(compile::ParseDurationMs("1.5s"), -1);
  EXPECT_EQ(compile::ParseDurationMs("123456s"), -1);  // at most 5 digits
  EXPECT_EQ(compile::ParseDurationMs("1s1s1s1s1s"), -1);  // at most 4 parts
}

}  // namespace
}  // namespace gwapi
