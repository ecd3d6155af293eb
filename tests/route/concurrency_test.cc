// Matching from several threads while another thread compiles and
// publishes new snapshots through SnapshotHolder. Also run by hand under
// ThreadSanitizer (g++ -fsanitize=thread over lib/route/*.cc, the generated
// snapshot.pb.cc and this file, linked with pkg-config's protobuf, re2,
// absl and gtest flags): Bazel's shared output tree is not rebuilt with
// sanitizer flags, and Debian's libraries are not instrumented.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "lib/route/holder.h"
#include "lib/route/snapshot.h"
#include "tests/route/testing.h"

namespace gwapi::route {
namespace {

using testing::AddBackend;
using testing::BoundRequest;
using testing::ConfigBuilder;
using testing::Prefix;
using testing::Req;
namespace v1 = ::gwapi::v1;

// Generation g routes "/g<g>" to a backend named "b<g>", plus 200 filler
// routes, so a reader can check the answer against the snapshot it holds.
std::shared_ptr<const Snapshot> Generation(int g) {
  ConfigBuilder cb;
  auto* l = cb.Listener("http", 80);
  for (int i = 0; i < 200; ++i) {
    int r = cb.Route("filler" + std::to_string(i));
    cb.Attach(l, r, {"host" + std::to_string(i) + ".example.com"});
    Prefix(cb.Rule(r), "/f/" + std::to_string(i));
    AddBackend(cb.MutableRoute(r)->mutable_rules(0), "f");
  }
  int r = cb.Route("current");
  cb.Attach(l, r);
  Prefix(cb.Rule(r), "/g" + std::to_string(g));
  AddBackend(cb.MutableRoute(r)->mutable_rules(0), "b" + std::to_string(g));
  cb.mutable_config()->set_revision(g);
  return cb.Build();
}

TEST(SnapshotHolder, ReadersMatchWhileWriterPublishes) {
  SnapshotHolder holder(Generation(0));
  std::atomic<bool> done{false};
  std::atomic<int> matches{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      while (!done.load(std::memory_order_relaxed)) {
        std::shared_ptr<const Snapshot> snap = holder.Get();
        const int g = static_cast<int>(snap->config().revision());
        BoundRequest bound(*snap, Req().Path("/g" + std::to_string(g) + "/x"));
        MatchResult res;
        snap->Match(bound.get(), &res);
        const bool ok =
            res.status == 0 && res.route >= 0 &&
            snap->config().routes(res.route).rules(res.rule).backends(res.backend).name() ==
                "b" + std::to_string(g);
        if (!ok) wrong.fetch_add(1);
        matches.fetch_add(1);
      }
    });
  }
  std::thread writer([&] {
    for (int g = 1; g <= 30; ++g) {
      std::shared_ptr<const Snapshot> next = Generation(g);
      holder.Publish(std::move(next));
    }
    done.store(true);
  });
  writer.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(matches.load(), 0);
  EXPECT_EQ(holder.Get()->config().revision(), 30u);
}

// The same, each reader through its own Reader: every answer must come
// from the snapshot the Reader returned, generations never go back, and
// every reader ends on the last one.
TEST(SnapshotHolder, ReadersThroughReaderSeeGenerationsInOrder) {
  SnapshotHolder holder(Generation(0));
  std::atomic<bool> done{false};
  std::atomic<int> wrong{0};
  std::atomic<int> backwards{0};
  std::atomic<int> ended_on_last{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      SnapshotHolder::Reader reader(holder);
      auto check = [&] {
        const Snapshot* snap = reader.Get();
        const int g = static_cast<int>(snap->config().revision());
        BoundRequest bound(*snap, Req().Path("/g" + std::to_string(g) + "/x"));
        MatchResult res;
        snap->Match(bound.get(), &res);
        const bool ok =
            res.status == 0 &&
            snap->config().routes(res.route).rules(res.rule).backends(res.backend).name() ==
                "b" + std::to_string(g);
        if (!ok) wrong.fetch_add(1);
        return g;
      };
      int last = 0;
      while (!done.load(std::memory_order_acquire)) {
        const int g = check();
        if (g < last) backwards.fetch_add(1);
        last = g;
      }
      // After the writer's last Publish, one more Get() must see it.
      if (check() == 30) ended_on_last.fetch_add(1);
    });
  }
  std::thread writer([&] {
    for (int g = 1; g <= 30; ++g) holder.Publish(Generation(g));
    done.store(true, std::memory_order_release);
  });
  writer.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(backwards.load(), 0);
  EXPECT_EQ(ended_on_last.load(), 4);
}

TEST(SnapshotHolder, ReaderKeepsItsSnapshotUntilAPublish) {
  SnapshotHolder holder;
  SnapshotHolder::Reader reader(holder);
  EXPECT_EQ(reader.Get(), nullptr);
  holder.Publish(Generation(1));
  const Snapshot* first = reader.Get();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->config().revision(), 1u);
  EXPECT_EQ(reader.Get(), first);  // no publish: the same snapshot
  // The Reader's reference keeps generation 1 alive after the holder let go.
  std::weak_ptr<const Snapshot> weak = reader.shared();
  holder.Publish(Generation(2));
  EXPECT_FALSE(weak.expired());
  EXPECT_EQ(reader.Get()->config().revision(), 2u);
  EXPECT_TRUE(weak.expired());
  reader.Release();
  EXPECT_EQ(reader.shared(), nullptr);
  EXPECT_EQ(reader.Get()->config().revision(), 2u);
}

TEST(SnapshotHolder, SnapshotOutlivesHolderAndMessage) {
  std::shared_ptr<const Snapshot> kept;
  {
    SnapshotHolder holder;
    EXPECT_EQ(holder.Get(), nullptr);
    holder.Publish(Generation(7));
    kept = holder.Get();
  }
  BoundRequest bound(*kept, Req().Path("/g7"));
  MatchResult res;
  kept->Match(bound.get(), &res);
  EXPECT_EQ(res.status, 0);
}

TEST(SnapshotHolder, PublishReturnsThePreviousSnapshot) {
  SnapshotHolder holder(Generation(1));
  std::shared_ptr<const Snapshot> old = holder.Publish(Generation(2));
  ASSERT_NE(old, nullptr);
  EXPECT_EQ(old->config().revision(), 1u);
  EXPECT_EQ(holder.Get()->config().revision(), 2u);
}

}  // namespace
}  // namespace gwapi::route
