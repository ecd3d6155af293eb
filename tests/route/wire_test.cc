// A snapshot message serialized in one place and loaded in another gives
// the same answers (the way a control plane hands it to a proxy).
#include <string>

#include "gtest/gtest.h"
#include "lib/route/snapshot.h"
#include "tests/route/testing.h"

namespace gwapi::route {
namespace {

using testing::AddBackend;
using testing::BoundRequest;
using testing::ConfigBuilder;
using testing::Exact;
using testing::Prefix;
using testing::Req;
namespace v1 = ::gwapi::v1;

TEST(SnapshotWire, LoadedMessageMatchesLikeTheOriginal) {
  ConfigBuilder cb;
  auto* l = cb.Listener("http", 80, v1::PROTOCOL_HTTP, "*.example.com");
  for (int i = 0; i < 50; ++i) {
    int r = cb.Route("r" + std::to_string(i));
    cb.Attach(l, r, {i % 2 ? "a.example.com" : "*.example.com"});
    v1::Rule* rule = cb.Rule(r);
    Prefix(rule, "/p/" + std::to_string(i % 7));
    Exact(rule, "/e/" + std::to_string(i));
    AddBackend(rule, "b" + std::to_string(i), 1 + i % 3);
    AddBackend(rule, "c" + std::to_string(i), i % 2);
  }
  const std::string wire = cb.config().SerializeAsString();
  v1::Snapshot loaded;
  ASSERT_TRUE(loaded.ParseFromString(wire));
  auto original = cb.Build();
  auto again = Snapshot::Create(std::move(loaded));
  ASSERT_TRUE(again.ok());
  for (const char* host : {"a.example.com", "b.example.com", "example.com"}) {
    for (int i = 0; i < 60; ++i) {
      for (const std::string& path :
           {"/p/" + std::to_string(i % 9) + "/x", "/e/" + std::to_string(i)}) {
        Req req = Req().Host(host).Path(path).Hash(i * 31);
        BoundRequest a(*original, req);
        BoundRequest b(**again, req);
        MatchResult ra, rb;
        original->Match(a.get(), &ra);
        (*again)->Match(b.get(), &rb);
        EXPECT_EQ(ra.status, rb.status);
        EXPECT_EQ(ra.route, rb.route);
        EXPECT_EQ(ra.rule, rb.rule);
        EXPECT_EQ(ra.backend, rb.backend);
        EXPECT_EQ(ra.match, rb.match);
      }
    }
  }
  EXPECT_EQ((*again)->config().SerializeAsString(), wire);
}

}  // namespace
}  // namespace gwapi::route
