// The README's seed scenario (examples/seed): Gateway cilium-ingress/gateway
// Accepted and Programmed with 172.17.0.64, route default/http Accepted and
// ResolvedRefs.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/resolve/testing.h"

namespace gwapi::resolve {
namespace {

using testing::Cond;

// The manifests are the test's data (//examples/seed:manifests).
std::string ReadSeed(absl::string_view file) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  std::string path =
      absl::StrCat(srcdir == nullptr ? "." : srcdir, "/gwapi/examples/seed/", file);
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(SeedExample, GatewayProgrammedWithPoolAddressAndRouteAccepted) {
  auto e = testing::NewEngine(/*bare=*/true);
  for (absl::string_view f :
       {"gatewayclass.yaml", "lb-ippool.yaml", "gateway.yaml", "httpbin.yaml", "httproute.yaml"}) {
    testing::Apply(e.get(), ReadSeed(f));
  }
  model::Value gw = testing::StatusOf(e.get(), "Gateway", "cilium-ingress", "gateway");
  EXPECT_EQ(Cond(gw.Find("conditions"), "Accepted"), "True/Accepted");
  EXPECT_EQ(Cond(gw.Find("conditions"), "Programmed"), "True/Programmed");
  ASSERT_NE(gw.Find("addresses"), nullptr);
  EXPECT_EQ(gw.Find("addresses")->ToJson(), R"([{"type":"IPAddress","value":"172.17.0.64"}])");
  EXPECT_EQ(testing::Listener(gw, "http")->Find("attachedRoutes")->int_value(), 1);

  model::Value route = testing::StatusOf(e.get(), "HTTPRoute", "default", "http");
  EXPECT_EQ(Cond(testing::ParentConditions(route), "Accepted"), "True/Accepted");
  EXPECT_EQ(Cond(testing::ParentConditions(route), "ResolvedRefs"), "True/ResolvedRefs");
}

}  // namespace
}  // namespace gwapi::resolve
