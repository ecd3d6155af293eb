// Match allocates nothing: every operator new in this binary is counted.
#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "gtest/gtest.h"
#include "lib/route/snapshot.h"
#include "tests/route/testing.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace gwapi::route {
namespace {

using testing::AddBackend;
using testing::AddHeader;
using testing::AddQuery;
using testing::BoundRequest;
using testing::ConfigBuilder;
using testing::Exact;
using testing::Prefix;
using testing::Req;
namespace v1 = ::gwapi::v1;

TEST(MatchAllocations, NoneForAnyKindOfAnswer) {
  ConfigBuilder cb;
  auto* http = cb.Listener("http", 80, v1::PROTOCOL_HTTP, "");
  auto* https = cb.Listener("https", 443, v1::PROTOCOL_HTTPS, "*.example.com");
  auto* tls = cb.Listener("tls", 8443, v1::PROTOCOL_TLS, "");
  auto* tcp = cb.Listener("tcp", 9000, v1::PROTOCOL_TCP);
  for (int i = 0; i < 100; ++i) {
    int r = cb.Route("r" + std::to_string(i));
    cb.Attach(http, r, {"h" + std::to_string(i % 10) + ".example.com", "*.wild.org"});
    cb.Attach(https, r);
    v1::Rule* rule = cb.Rule(r);
    auto* m = Prefix(rule, "/a/b/" + std::to_string(i));
    AddHeader(m, "x-h", "1");
    AddQuery(m, "q", "1");
    Exact(rule, "/exact/" + std::to_string(i));
    AddBackend(rule, "b", 1);
    AddBackend(rule, "c", 2, i % 2 == 0);
  }
  int redirect = cb.Route("redirect");
  cb.Attach(http, redirect);
  Prefix(cb.Rule(redirect), "/old")->set_method("GET");
  cb.MutableRoute(redirect)->mutable_rules(0)->add_filters()->mutable_request_redirect();
  int cors = cb.Route("cors");
  cb.Attach(http, cors);
  Prefix(cb.Rule(cors), "/cors");
  cb.MutableRoute(cors)->mutable_rules(0)->add_filters()->mutable_cors()->add_allow_origins("*");
  int grpc = cb.Route("grpc", v1::ROUTE_KIND_GRPC);
  cb.Attach(http, grpc, {"grpc.example.com"});
  auto* gm = cb.Rule(grpc)->add_grpc_matches();
  gm->set_type(v1::MATCH_TYPE_EXACT);
  gm->set_service("a.B");
  AddBackend(cb.MutableRoute(grpc)->mutable_rules(0), "g");
  int tr = cb.Route("tls", v1::ROUTE_KIND_TLS);
  cb.Attach(tls, tr, {"db.example.com"});
  AddBackend(cb.Rule(tr), "db");
  int tc = cb.Route("tcp", v1::ROUTE_KIND_TCP);
  cb.Attach(tcp, tc);
  AddBackend(cb.Rule(tc), "t");
  auto snap = cb.Build();

  std::vector<Req> reqs = {
      Req().Host("h3.example.com").Path("/a/b/3/c?q=1").H("X-H", "1"),
      Req().Host("H3.EXAMPLE.COM:80").Path("/exact/3"),
      Req().Host("x.y.wild.org").Path("/a/b/5?q=1").H("x-h", "1"),
      Req().Host("h1.example.com").Path("/nothing"),
      Req().Host("10.0.0.1").Path("/old/x"),
      Req().Host("[::1]:80").Path("/a/../b"),
      Req().Host(std::string(70000, 'a')).Path(std::string(70000, 'b')),
      Req().Method("OPTIONS").Path("/cors").H("Origin", "https://a").H("Access-Control-Request-Method", "GET"),
      Req().Proto(RequestProtocol::kGrpc).Host("grpc.example.com").Path("/a.B/C"),
      Req().Proto(RequestProtocol::kHttps).Port(443).Sni("a.example.com").Host("b.example.com").Path("/"),
      Req().Proto(RequestProtocol::kTls).Port(8443).Sni("db.example.com"),
      Req().Proto(RequestProtocol::kTcp).Port(9000),
  };
  Req many = Req().Host("h2.example.com").Path("/a/b/2?" + std::string(5000, '&') + "q=1");
  for (int i = 0; i < 1000; ++i) many.H("k" + std::to_string(i), "v");
  many.H("x-h", "1");
  reqs.push_back(many);

  std::vector<std::unique_ptr<BoundRequest>> bound;
  for (const Req& r : reqs) bound.push_back(std::make_unique<BoundRequest>(*snap, r));
  {
    // The counter sees this binary's allocations.
    const long start = g_allocations.load();
    auto probe = std::make_unique<std::string>(100, 'x');
    ASSERT_GT(g_allocations.load(), start);
  }
  MatchResult result;
  for (const auto& b : bound) snap->Match(b->get(), &result);  // warm up
  const long before = g_allocations.load();
  int forwarded = 0;
  for (int rep = 0; rep < 10; ++rep) {
    for (const auto& b : bound) {
      for (uint64_t h = 0; h < 4; ++h) {
        Request r = b->get();
        r.hash = h;
        snap->Match(r, &result);
        forwarded += result.status == 0;
      }
    }
  }
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_GT(forwarded, 0);
}

}  // namespace
}  // namespace gwapi::route
