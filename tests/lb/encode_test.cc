// Encoding of LB entries into the Cilium 1.16 byte layout.
#include "lib/lb/encode.h"

#include <cstring>
#include <string>

#include "gtest/gtest.h"
#include "tests/lb/testing.h"

namespace gwapi::lb {
namespace {

using testing::Be;
using testing::Bytes;
using testing::Hex;
using testing::Ip;

template <typename T>
std::string Raw(const T& v) {
  return std::string(reinterpret_cast<const char*>(&v), sizeof(v));
}

TEST(LbEncode, GatewayMasterCarriesProxyPortBigEndianInLow16Bits) {
  gwapi_lb_service m = EncodeMaster(FrontendType::kL7LoadBalancer, 12141, 1, 5);
  EXPECT_EQ(Hex(Raw(m)), Hex(Bytes("2f 6d 00 00 | 01 00 | 00 05 | 60 | 04 | 00 00")));
  EXPECT_EQ(DecodeL7ProxyPort(m), 12141);
}

TEST(LbEncode, GatewayKey) {
  gwapi_lb4_key k = EncodeKey4(Ip("172.17.0.64"), 80, 0, 0, 0);
  EXPECT_EQ(Hex(Raw(k)), Hex(Bytes("ac 11 00 40 | 00 50 | 00 00 | 00 | 00 | 00 00")));
}

TEST(LbEncode, ClusterIPMasterHasNoFlagsAndRevNatBigEndian) {
  gwapi_lb_service m = EncodeMaster(FrontendType::kClusterIP, 0, 1, 0x0102);
  EXPECT_EQ(Hex(Raw(m)), Hex(Bytes("00 00 00 00 | 01 00 | 01 02 | 00 | 00 | 00 00")));
  EXPECT_EQ(DecodeL7ProxyPort(m), 0);
}

TEST(LbEncode, L4LoadBalancerIsLoadBalancerAndRoutable) {
  gwapi_lb_service m = EncodeMaster(FrontendType::kLoadBalancer, 0, 3, 7);
  EXPECT_EQ(Hex(Raw(m)), Hex(Bytes("00 00 00 00 | 03 00 | 00 07 | 60 | 00 | 00 00")));
}

TEST(LbEncode, SlotHoldsHostOrderBackendId) {
  gwapi_lb_service s = EncodeSlot(0x26, 8);
  EXPECT_EQ(Hex(Raw(s)), Hex(Bytes("26 00 00 00 | 00 00 | 00 08 | 00 | 00 | 00 00")));
  gwapi_lb4_key k = EncodeKey4(Ip("10.96.0.10"), 8000, 5, 0, 0);
  EXPECT_EQ(Hex(Raw(k)), Hex(Bytes("0a 60 00 0a | 1f 40 | 05 00 | 00 | 00 | 00 00")));
}

TEST(LbEncode, BackendAndReverseNat) {
  gwapi_lb4_backend b = EncodeBackend4(Ip("10.244.1.46"), 8080, 0, GWAPI_LB_BE_STATE_ACTIVE);
  EXPECT_EQ(Hex(Raw(b)), Hex(Bytes("0a f4 01 2e | 1f 90 | 00 | 00 | 00 00 | 00 | 00")));
  gwapi_lb4_backend t = EncodeBackend4(Ip("10.244.1.46"), 8080, 0, GWAPI_LB_BE_STATE_TERMINATING);
  EXPECT_EQ(Hex(Raw(t)), Hex(Bytes("0a f4 01 2e | 1f 90 | 00 | 01 | 00 00 | 00 | 00")));
  gwapi_lb4_reverse_nat r = EncodeRevNat4(Ip("10.96.0.10"), 8000);
  EXPECT_EQ(Hex(Raw(r)), Hex(Bytes("0a 60 00 0a | 1f 40")));
  EXPECT_EQ(Hex(Raw(EncodeRevNatKey(2))), Hex(Bytes("00 02")));
}

TEST(LbEncode, Ipv6Layouts) {
  gwapi_lb6_key k = EncodeKey6(Ip("fd00::a"), 443, 2, 6, 1);
  EXPECT_EQ(Hex(Raw(k)), Hex(Bytes("fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 0a | 01 bb | "
                                   "02 00 | 06 | 01 | 00 00")));
  gwapi_lb6_backend b = EncodeBackend6(Ip("fd00::1"), 8080, 0, 1);
  EXPECT_EQ(Hex(Raw(b)), Hex(Bytes("fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 | 1f 90 | "
                                   "00 | 01 | 00 00 | 00 | 00")));
  gwapi_lb6_reverse_nat r = EncodeRevNat6(Ip("fd00::a"), 443);
  EXPECT_EQ(Hex(Raw(r)), Hex(Bytes("fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 0a | 01 bb")));
}

TEST(LbExpandSlots, EqualWeightsGiveOneSlotEach) {
  std::vector<Backend> b = {Be("10.0.0.1", 80, 5), Be("10.0.0.2", 80, 5), Be("10.0.0.3", 80, 5)};
  EXPECT_EQ(ExpandSlots(b, 256), (std::vector<uint32_t>{0, 1, 2}));
}

TEST(LbExpandSlots, WeightsReducedByGcdAndRepeated) {
  std::vector<Backend> b = {Be("10.0.0.1", 80, 20), Be("10.0.0.2", 80, 60)};
  EXPECT_EQ(ExpandSlots(b, 256), (std::vector<uint32_t>{0, 1, 1, 1}));
}

TEST(LbExpandSlots, TerminatingAndZeroWeightGetNoSlot) {
  std::vector<Backend> b = {Be("10.0.0.1", 80, 1, BackendState::kTerminating),
                            Be("10.0.0.2", 80, 0), Be("10.0.0.3", 80, 2)};
  EXPECT_EQ(ExpandSlots(b, 256), (std::vector<uint32_t>{2}));
  b.pop_back();
  EXPECT_TRUE(ExpandSlots(b, 256).empty());
}

TEST(LbExpandSlots, LargeWeightsScaledToBoundKeepingEveryBackend) {
  std::vector<Backend> b = {Be("10.0.0.1", 80, 1), Be("10.0.0.2", 80, 999)};
  std::vector<uint32_t> s = ExpandSlots(b, 100);
  ASSERT_LE(s.size(), 100u + 2u);
  EXPECT_EQ(std::count(s.begin(), s.end(), 0u), 1);
  EXPECT_EQ(std::count(s.begin(), s.end(), 1u), 99);
}

TEST(LbFlags, CiliumServiceFlagsText) {
  EXPECT_EQ(ServiceFlagsString(ServiceFlags(FrontendType::kL7LoadBalancer),
                               ServiceFlags2(FrontendType::kL7LoadBalancer)),
            "LoadBalancer, l7-load-balancer");
  EXPECT_EQ(ServiceFlagsString(0, 0), "ClusterIP, non-routable");
  EXPECT_EQ(ServiceFlagsString(0x60, 0), "LoadBalancer");
}

TEST(LbAddress, ParsesAndPrints) {
  EXPECT_EQ(Ip("10.96.0.10").ToString(), "10.96.0.10");
  EXPECT_EQ(Ip("fd00::a").ToString(), "fd00::a");
  EXPECT_FALSE(Address::Parse("10.96.0").ok());
}

}  // namespace
}  // namespace gwapi::lb
