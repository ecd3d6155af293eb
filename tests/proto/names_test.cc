// The Kubernetes names of gwapi.v1's enumerations, both ways.
#include "lib/proto/names.h"

#include "gtest/gtest.h"

namespace gwapi::proto {
namespace {

namespace v1 = gwapi::v1;

TEST(ProtoNames, EveryRouteKindRoundTrips) {
  for (int k = v1::RouteKind_MIN + 1; k <= v1::RouteKind_MAX; ++k) {
    auto kind = static_cast<v1::RouteKind>(k);
    ASSERT_FALSE(RouteKindName(kind).empty()) << k;
    EXPECT_EQ(RouteKindFromName(RouteKindName(kind)), kind);
  }
  EXPECT_EQ(RouteKindName(v1::ROUTE_KIND_HTTP), "HTTPRoute");
}

TEST(ProtoNames, EveryProtocolRoundTrips) {
  for (int p = v1::Protocol_MIN + 1; p <= v1::Protocol_MAX; ++p) {
    auto protocol = static_cast<v1::Protocol>(p);
    ASSERT_FALSE(ProtocolName(protocol).empty()) << p;
    EXPECT_EQ(ProtocolFromName(ProtocolName(protocol)), protocol);
  }
}

TEST(ProtoNames, EveryTlsModeRoundTrips) {
  for (int m = v1::TlsMode_MIN + 1; m <= v1::TlsMode_MAX; ++m) {
    auto mode = static_cast<v1::TlsMode>(m);
    ASSERT_FALSE(TlsModeName(mode).empty()) << m;
    EXPECT_EQ(TlsModeFromName(TlsModeName(mode)), mode);
  }
}

TEST(ProtoNames, UnknownNamesAreUnspecifiedAndUnknownValuesNameless) {
  EXPECT_EQ(RouteKindFromName("httproute"), v1::ROUTE_KIND_UNSPECIFIED);  // exact case
  EXPECT_EQ(ProtocolFromName("SCTP"), v1::PROTOCOL_UNSPECIFIED);
  EXPECT_EQ(TlsModeFromName(""), v1::TLS_MODE_NONE);
  EXPECT_EQ(RouteKindName(v1::ROUTE_KIND_UNSPECIFIED), "");
  EXPECT_EQ(TlsModeName(v1::TLS_MODE_NONE), "");
  EXPECT_EQ(ProtocolName(static_cast<v1::Protocol>(99)), "");
}

}  // namespace
}  // namespace gwapi::proto
