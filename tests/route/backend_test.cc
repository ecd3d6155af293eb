// Backend choice: weights, the caller's hash, weight 0, invalid backends.
#include <map>
#include <string>

#include "gtest/gtest.h"
#include "lib/route/snapshot.h"
#include "tests/route/testing.h"

namespace gwapi::route {
namespace {

using testing::AddBackend;
using testing::ConfigBuilder;
using testing::MatchOn;
using testing::Req;
namespace v1 = ::gwapi::v1;

class Backends : public ::testing::Test {
 protected:
  Backends() {
    auto* l = cb_.Listener("http", 80);
    int r = cb_.Route("r");
    cb_.Attach(l, r);
    rule_ = cb_.Rule(r);
  }
  std::shared_ptr<const Snapshot> Build() { return cb_.Build(); }

  ConfigBuilder cb_;
  v1::Rule* rule_;
};

TEST_F(Backends, HashChoosesByCumulativeWeight) {
  AddBackend(rule_, "a", 1);
  AddBackend(rule_, "b", 3);
  auto snap = Build();
  // hash mod 4: 0 -> a, 1..3 -> b.
  EXPECT_EQ(MatchOn(*snap, Req().Hash(0)).backend, 0);
  EXPECT_EQ(MatchOn(*snap, Req().Hash(1)).backend, 1);
  EXPECT_EQ(MatchOn(*snap, Req().Hash(3)).backend, 1);
  EXPECT_EQ(MatchOn(*snap, Req().Hash(4)).backend, 0);
}

TEST_F(Backends, SameHashGivesSameBackend) {
  for (int i = 0; i < 5; ++i) AddBackend(rule_, "b" + std::to_string(i), 7);
  auto snap = Build();
  for (uint64_t h : {0ULL, 42ULL, 0xdeadbeefULL, ~0ULL}) {
    int32_t first = MatchOn(*snap, Req().Hash(h)).backend;
    for (int i = 0; i < 10; ++i) EXPECT_EQ(MatchOn(*snap, Req().Hash(h)).backend, first);
  }
}

TEST_F(Backends, SharesFollowWeights) {
  AddBackend(rule_, "a", 10);
  AddBackend(rule_, "b", 30);
  AddBackend(rule_, "c", 60);
  auto snap = Build();
  std::map<int32_t, int> counts;
  for (uint64_t h = 0; h < 1000; ++h) ++counts[MatchOn(*snap, Req().Hash(h * 7919)).backend];
  EXPECT_EQ(counts[0], 100);
  EXPECT_EQ(counts[1], 300);
  EXPECT_EQ(counts[2], 600);
}

TEST_F(Backends, WeightZeroIsNeverChosen) {
  AddBackend(rule_, "zero", 0);
  AddBackend(rule_, "one", 1);
  AddBackend(rule_, "zero2", 0);
  auto snap = Build();
  for (uint64_t h = 0; h < 100; ++h) EXPECT_EQ(MatchOn(*snap, Req().Hash(h)).backend, 1);
}

TEST_F(Backends, AllWeightsZeroIs500) {
  AddBackend(rule_, "a", 0);
  AddBackend(rule_, "b", 0);
  auto snap = Build();
  MatchResult r = MatchOn(*snap, Req());
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.backend, -1);
  EXPECT_EQ(r.route, 0);
}

TEST_F(Backends, NoBackendsIs500) {
  auto snap = Build();
  EXPECT_EQ(MatchOn(*snap, Req()).status, 500);
}

TEST_F(Backends, InvalidBackendGets500ForItsShareOnly) {
  AddBackend(rule_, "missing", 1, /*valid=*/false);
  AddBackend(rule_, "ok", 1);
  auto snap = Build();
  MatchResult r = MatchOn(*snap, Req().Hash(0));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.backend, 0);
  r = MatchOn(*snap, Req().Hash(1));
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.backend, 1);
}

}  // namespace
}  // namespace gwapi::route
