// A snapshot message serialized in one place and loaded in another gives
// the same answers (the way a control plane hands it to a proxy); the
// snapshot's readers find names in its serialized form.
#include <string>

#include "lib/route/wire.h"

#include "gtest/gtest.h"
#include "lib/route/snapshot.h"
#include "tests/route/testing.h"

namespace gwapi::route {
namespace {

using testing::AddBackend;
using testing::BoundRequest;
using testing::ConfigBuilder;
using testing::Exact;
using testing::MatchOn;
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
  auto again = Snapshot::Create(loaded);
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
  EXPECT_EQ((*again)->Serialized(), wire);
  auto loaded_bytes = Snapshot::Load(wire);
  ASSERT_TRUE(loaded_bytes.ok());
  EXPECT_EQ((*loaded_bytes)->Serialized(), wire);
}

TEST(SnapshotWire, LoadRefusesBytesThatAreNotASnapshot) {
  auto bad = Snapshot::Load(std::string("\x0a\xff\xff\xff\xff\x0f", 6));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SnapshotReaders, RouteAndBackendReadTheSerializedMessage) {
  ConfigBuilder cb;
  auto* l = cb.Listener("http", 80);
  int r0 = cb.Route("first");
  cb.Attach(l, r0);
  Prefix(cb.Rule(r0), "/a");
  int r1 = cb.Route("second");
  cb.MutableRoute(r1)->set_namespace_("other-ns");
  cb.Attach(l, r1);
  Prefix(cb.Rule(r1), "/b");
  v1::Rule* rule = cb.Rule(r1);
  Prefix(rule, "/c");
  AddBackend(rule, "x", 3);
  v1::Backend* y = rule->add_backends();
  y->set_namespace_("far");
  y->set_name("y");
  y->set_port(8443);
  y->set_weight(7);
  y->set_valid(false);
  auto snap = cb.Build();

  RouteInfo route;
  ASSERT_TRUE(snap->RouteAt(r1, &route));
  EXPECT_EQ(route.kind, v1::ROUTE_KIND_HTTP);
  EXPECT_EQ(route.ns, "other-ns");
  EXPECT_EQ(route.name, "second");
  EXPECT_EQ(route.rule_count, 2);
  EXPECT_EQ(route.name.data()[route.name.size()], '\0');  // the C ABI lends it
  EXPECT_EQ(route.ns.data()[route.ns.size()], '\0');
  ASSERT_TRUE(snap->RouteAt(r0, &route));
  EXPECT_EQ(route.name, "first");
  EXPECT_FALSE(snap->RouteAt(2, &route));
  EXPECT_FALSE(snap->RouteAt(-1, &route));

  BackendInfo b;
  ASSERT_TRUE(snap->BackendAt(r1, 1, 1, &b));
  EXPECT_EQ(b.ns, "far");
  EXPECT_EQ(b.name, "y");
  EXPECT_EQ(b.port, 8443u);
  EXPECT_EQ(b.weight, 7u);
  EXPECT_FALSE(b.valid);
  EXPECT_EQ(b.name.data()[b.name.size()], '\0');
  ASSERT_TRUE(snap->BackendAt(r1, 1, 0, &b));
  EXPECT_EQ(b.name, "x");
  EXPECT_EQ(b.weight, 3u);
  EXPECT_TRUE(b.valid);
  EXPECT_FALSE(snap->BackendAt(r1, 1, 2, &b));
  EXPECT_FALSE(snap->BackendAt(r1, 2, 0, &b));
  EXPECT_FALSE(snap->BackendAt(r0, 0, -1, &b));

  // The same answers as the parsed message, for every backend.
  for (int k = 0; k < 2; ++k) {
    const v1::Rule& parsed = snap->config().routes(r1).rules(k);
    for (int i = 0; i < parsed.backends_size(); ++i) {
      ASSERT_TRUE(snap->BackendAt(r1, k, i, &b));
      EXPECT_EQ(b.name, parsed.backends(i).name());
      EXPECT_EQ(b.ns, parsed.backends(i).namespace_());
      EXPECT_EQ(b.port, parsed.backends(i).port());
      EXPECT_EQ(b.weight, parsed.backends(i).weight());
      EXPECT_EQ(b.valid, parsed.backends(i).valid());
    }
  }
}

TEST(WireWalker, ReadsFieldsAndStopsOnMalformedBytes) {
  v1::Backend b;
  b.set_name("svc");
  b.set_port(300);  // a two-byte varint
  b.set_weight(0);  // proto3: not written
  const std::string bytes = b.SerializeAsString();
  const absl::string_view view(bytes);
  absl::string_view name;
  ASSERT_TRUE(wire::NthBytes(view, v1::Backend::kNameFieldNumber, 0, &name));
  EXPECT_EQ(name, "svc");
  EXPECT_FALSE(wire::NthBytes(view, v1::Backend::kNameFieldNumber, 1, &name));
  EXPECT_EQ(wire::Varint(view, v1::Backend::kPortFieldNumber, 9), 300u);
  EXPECT_EQ(wire::Varint(view, v1::Backend::kWeightFieldNumber, 9), 9u);
  // Truncated anywhere: the walk reports it, and a string is read whole
  // or not at all.
  for (size_t n = 1; n < bytes.size(); ++n) {
    if (n == 5) continue;  // the cut falls between two fields: well formed
    EXPECT_FALSE(wire::ForEachBytes(view.substr(0, n), v1::Backend::kNameFieldNumber,
                                    [](size_t, size_t) {}))
        << n;
  }
  for (size_t n = 0; n < bytes.size(); ++n) {
    absl::string_view v;
    if (wire::NthBytes(view.substr(0, n), v1::Backend::kNameFieldNumber, 0, &v)) {
      EXPECT_EQ(v, "svc");  // whole, never a partial string
    }
  }
  auto malformed = [](absl::string_view bytes) {
    return !wire::ForEachBytes(bytes, 1, [](size_t, size_t) {});
  };
  using std::string_literals::operator""s;
  EXPECT_TRUE(malformed("\x00\x01"s));    // field number 0
  EXPECT_TRUE(malformed("\x0e\x01"s));    // wire type 6
  EXPECT_TRUE(malformed("\x0c"s));        // an end-group with no start
  EXPECT_TRUE(malformed("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"s));  // 11-byte varint
  EXPECT_TRUE(malformed("\x0a\xff\xff\xff\xff\x0f"s));  // a length past the end
  EXPECT_TRUE(malformed("\x0b\x08\x01"s));  // a group that never ends
  EXPECT_TRUE(malformed("\x0b\x14"s));      // ended by another field's end-group
  // A malformed message has no varint to report.
  EXPECT_EQ(wire::Varint("\x08\x07\x0e"s, 1, 5), 5u);
}

// Groups are not proto3, but protobuf's parser skips them as unknown
// fields; so does the walker, at the top level and inside a route.
TEST(WireWalker, SkipsGroupsAsProtobufDoes) {
  v1::Route route;
  route.set_kind(v1::ROUTE_KIND_GRPC);
  route.set_namespace_("ns");
  route.set_name("r");
  v1::Backend* backend = route.add_rules()->add_backends();
  backend->set_name("svc");
  backend->set_port(9000);
  backend->set_valid(true);
  // Field 15 as a group (start 0x7b, end 0x7c) holding a varint and a
  // nested group, before the route's own fields.
  const std::string group = "\x7b\x08\x01\x13\x14\x7c";
  const std::string route_bytes = group + route.SerializeAsString();
  v1::Snapshot top;
  top.add_gateways()->set_name("gw");
  std::string wire = group + top.SerializeAsString();
  wire.push_back(static_cast<char>((v1::Snapshot::kRoutesFieldNumber << 3) | 2));
  wire.push_back(static_cast<char>(route_bytes.size()));
  wire += route_bytes;
  v1::Snapshot parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));  // the premise: protobuf takes it
  auto snap = Snapshot::Load(wire);
  ASSERT_TRUE(snap.ok()) << snap.status();
  RouteInfo r;
  ASSERT_TRUE((*snap)->RouteAt(0, &r));
  EXPECT_EQ(r.kind, v1::ROUTE_KIND_GRPC);
  EXPECT_EQ(r.name, "r");
  BackendInfo b;
  ASSERT_TRUE((*snap)->BackendAt(0, 0, 0, &b));
  EXPECT_EQ(b.name, "svc");
  EXPECT_EQ(b.port, 9000u);
  EXPECT_TRUE(b.valid);
}

TEST(SnapshotReaders, EmptyRulesAndBackendsAndLoadedBytes) {
  ConfigBuilder cb;
  auto* l = cb.Listener("http", 80);
  int bare = cb.Route("bare");  // no rules at all
  cb.Attach(l, bare);
  int r = cb.Route("r");
  cb.Attach(l, r);
  Prefix(cb.Rule(r), "/none");  // a rule without backends
  AddBackend(cb.Rule(r), std::string("nul\0name", 8));
  auto built = cb.Build();
  auto loaded = Snapshot::Load(std::string(built->Serialized()));
  ASSERT_TRUE(loaded.ok());
  for (const auto& snap : {built, *loaded}) {
    RouteInfo info;
    ASSERT_TRUE(snap->RouteAt(bare, &info));
    EXPECT_EQ(info.name, "bare");
    EXPECT_EQ(info.rule_count, 0);
    BackendInfo b;
    EXPECT_FALSE(snap->BackendAt(bare, 0, 0, &b));
    ASSERT_TRUE(snap->RouteAt(r, &info));
    EXPECT_EQ(info.rule_count, 2);
    EXPECT_FALSE(snap->BackendAt(r, 0, 0, &b));
    ASSERT_TRUE(snap->BackendAt(r, 1, 0, &b));
    EXPECT_EQ(b.name, absl::string_view("nul\0name", 8));  // whole, NUL and all
    EXPECT_EQ(b.name.data()[b.name.size()], '\0');
    EXPECT_EQ(MatchOn(*snap, Req().Path("/none")).status, 500);
  }
}

// proto3 strings must be UTF-8. Create() takes such a message as protobuf's
// serializer does, but the message cannot be parsed back: ParseConfig says
// so, config() is empty rather than half, and matching is unaffected.
TEST(SnapshotReaders, StringThatIsNotUtf8IsReportedByParseConfig) {
  ConfigBuilder cb;
  auto* l = cb.Listener("http", 80);
  int r = cb.Route("r");
  cb.Attach(l, r);
  v1::Rule* rule = cb.Rule(r);
  Prefix(rule, "/a");
  AddBackend(rule, "x\xc3");
  auto snap = cb.Build();
  v1::Snapshot out;
  EXPECT_EQ(snap->ParseConfig(&out).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(out.routes_size(), 0);
  EXPECT_EQ(snap->config().routes_size(), 0);
  EXPECT_EQ(MatchOn(*snap, Req().Path("/a")).status, 0);
  EXPECT_FALSE(Snapshot::Load(std::string(snap->Serialized())).ok());
}

}  // namespace
}  // namespace gwapi::route
