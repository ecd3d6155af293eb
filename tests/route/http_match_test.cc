// HTTPRoute matching: the precedence rules of the v1.6.1 spec text, hostname
// and wildcard rules, path handling, headers, query parameters, regex, and
// the bad input of issue 4.
#include <cctype>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/route/snapshot.h"
#include "re2/re2.h"
#include "re2/set.h"
#include "tests/route/testing.h"

namespace gwapi::route {
namespace {

using testing::AddBackend;
using testing::AddHeader;
using testing::AddQuery;
using testing::ConfigBuilder;
using testing::Exact;
using testing::MatchOn;
using testing::Prefix;
using testing::Regex;
using testing::Req;
using testing::RouteName;
namespace v1 = ::gwapi::v1;

// One HTTP listener on port 80 without hostname; routes added by the test.
class Http : public ::testing::Test {
 protected:
  Http() { listener_ = cb_.Listener("http", 80); }

  // A route with one rule that forwards to a backend named like the route.
  v1::Rule* AddRoute(absl::string_view name,
                     std::initializer_list<absl::string_view> hosts = {}) {
    int r = cb_.Route(name);
    cb_.Attach(listener_, r, hosts);
    v1::Rule* rule = cb_.Rule(r);
    AddBackend(rule, name);
    return rule;
  }

  std::string Winner(const Req& req) {
    auto snap = cb_.Build();
    MatchResult r = MatchOn(*snap, req);
    if (r.status != 0) return "status " + std::to_string(r.status);
    return RouteName(*snap, r);
  }

  ConfigBuilder cb_;
  v1::Listener* listener_;
};

TEST_F(Http, ExactBeatsLongerPrefix) {
  Prefix(AddRoute("prefix"), "/foo/bar/baz");
  Exact(AddRoute("exact"), "/foo/bar/baz");
  EXPECT_EQ(Winner(Req().Path("/foo/bar/baz")), "exact");
  EXPECT_EQ(Winner(Req().Path("/foo/bar/baz/qux")), "prefix");
}

TEST_F(Http, LongerPrefixBeatsShorter) {
  Prefix(AddRoute("short"), "/foo");
  Prefix(AddRoute("long"), "/foo/bar");
  EXPECT_EQ(Winner(Req().Path("/foo/bar/x")), "long");
  EXPECT_EQ(Winner(Req().Path("/foo/baz")), "short");
}

TEST_F(Http, PrefixWithTrailingSlashTiesWithoutIt) {
  // "/foo/" is the prefix "/foo": equal length, so the older route wins...
  Prefix(AddRoute("plain"), "/foo");
  Prefix(AddRoute("slash"), "/foo/");
  EXPECT_EQ(Winner(Req().Path("/foo")), "plain");
  EXPECT_EQ(Winner(Req().Path("/foo/x")), "plain");
}

TEST_F(Http, PrefixTrailingSlashTieGoesToHeaderMatches) {
  // ...and a header match counts before age.
  Prefix(AddRoute("plain"), "/foo");
  auto* m = Prefix(AddRoute("slash"), "/foo/");
  auto* h = m->add_headers();
  h->set_type(gwapi::v1::MATCH_TYPE_EXACT);
  h->set_name("X-A");
  h->set_value("1");
  EXPECT_EQ(Winner(Req().Path("/foo/x").H("x-a", "1")), "slash");
  EXPECT_EQ(Winner(Req().Path("/foo/x")), "plain");
}

TEST_F(Http, MethodBeatsNoMethod) {
  Prefix(AddRoute("any"), "/foo");
  Prefix(AddRoute("get"), "/foo")->set_method("GET");
  EXPECT_EQ(Winner(Req().Path("/foo")), "get");
  EXPECT_EQ(Winner(Req().Path("/foo").Method("POST")), "any");
}

TEST_F(Http, LongerPrefixBeatsMethod) {
  Prefix(AddRoute("method"), "/foo")->set_method("GET");
  Prefix(AddRoute("long"), "/foo/bar");
  EXPECT_EQ(Winner(Req().Path("/foo/bar")), "long");
}

TEST_F(Http, MethodBeatsMoreHeaders) {
  AddHeader(Prefix(AddRoute("header"), "/"), "x", "1");
  Prefix(AddRoute("method"), "/")->set_method("GET");
  EXPECT_EQ(Winner(Req().H("x", "1")), "method");
}

TEST_F(Http, MoreHeaderMatchesWin) {
  AddHeader(Prefix(AddRoute("one"), "/"), "a", "1");
  auto* two = Prefix(AddRoute("two"), "/");
  AddHeader(two, "a", "1");
  AddHeader(two, "b", "2");
  EXPECT_EQ(Winner(Req().H("a", "1").H("b", "2")), "two");
  EXPECT_EQ(Winner(Req().H("a", "1")), "one");
}

TEST_F(Http, HeaderMatchesBeatQueryParamMatches) {
  auto* q = Prefix(AddRoute("query"), "/");
  AddQuery(q, "a", "1");
  AddQuery(q, "b", "2");
  AddHeader(Prefix(AddRoute("header"), "/"), "h", "1");
  EXPECT_EQ(Winner(Req().Path("/?a=1&b=2").H("h", "1")), "header");
}

TEST_F(Http, MoreQueryParamMatchesWin) {
  AddQuery(Prefix(AddRoute("one"), "/"), "a", "1");
  auto* two = Prefix(AddRoute("two"), "/");
  AddQuery(two, "a", "1");
  AddQuery(two, "b", "2");
  EXPECT_EQ(Winner(Req().Path("/?a=1&b=2")), "two");
  EXPECT_EQ(Winner(Req().Path("/?a=1")), "one");
}

TEST_F(Http, OldestRouteWinsTie) {
  // Route index is the message's precedence order (oldest, then name).
  Prefix(AddRoute("older"), "/foo");
  Prefix(AddRoute("newer"), "/foo");
  EXPECT_EQ(Winner(Req().Path("/foo")), "older");
}

TEST_F(Http, FirstRuleWinsTieWithinRoute) {
  int r = cb_.Route("route");
  cb_.Attach(listener_, r);
  Prefix(cb_.Rule(r), "/foo");
  AddBackend(cb_.mutable_config()->mutable_routes(r)->mutable_rules(0), "a");
  v1::Rule* second = cb_.Rule(r);
  Prefix(second, "/foo");
  AddBackend(second, "b");
  auto snap = cb_.Build();
  MatchResult res = MatchOn(*snap, Req().Path("/foo"));
  EXPECT_EQ(res.rule, 0);
}

TEST_F(Http, LaterRuleWithBetterMatchWins) {
  int r = cb_.Route("route");
  cb_.Attach(listener_, r);
  v1::Rule* first = cb_.Rule(r);
  Prefix(first, "/");
  AddBackend(first, "a");
  v1::Rule* second = cb_.Rule(r);
  Prefix(second, "/foo");
  AddBackend(second, "b");
  auto snap = cb_.Build();
  EXPECT_EQ(MatchOn(*snap, Req().Path("/foo")).rule, 1);
  EXPECT_EQ(MatchOn(*snap, Req().Path("/bar")).rule, 0);
}

TEST_F(Http, BestMatchOfARuleCounts) {
  int r = cb_.Route("route");
  cb_.Attach(listener_, r);
  v1::Rule* rule = cb_.Rule(r);
  Prefix(rule, "/");
  Exact(rule, "/x");
  AddBackend(rule, "a");
  Prefix(AddRoute("other"), "/x");
  auto snap = cb_.Build();
  MatchResult res = MatchOn(*snap, Req().Path("/x"));
  EXPECT_EQ(RouteName(*snap, res), "route");
  EXPECT_EQ(res.match, 1);
}

TEST_F(Http, RuleWithoutMatchesIsPrefixSlash) {
  AddRoute("all");
  EXPECT_EQ(Winner(Req().Path("/anything/at/all")), "all");
}

TEST_F(Http, NoMatchIs404) {
  Prefix(AddRoute("foo"), "/foo");
  EXPECT_EQ(Winner(Req().Path("/bar")), "status 404");
}

// The conformance suite's HTTPRouteMatchingAcrossRoutes and
// HTTPRoutePathMatchOrder.
TEST(HttpConformance, MatchingAcrossRoutes) {
  ConfigBuilder cb;
  auto* l = cb.Listener("http", 80);
  int p1 = cb.Route("matching-part1");
  cb.Attach(l, p1, {"example.com", "example.net"});
  v1::Rule* r1 = cb.Rule(p1);
  Prefix(r1, "/");
  AddHeader(r1->add_http_matches(), "version", "one");
  AddBackend(r1, "infra-backend-v1");
  int p2 = cb.Route("matching-part2");
  cb.Attach(l, p2, {"example.com"});
  v1::Rule* r2 = cb.Rule(p2);
  Prefix(r2, "/v2");
  AddHeader(r2->add_http_matches(), "version", "two");
  AddBackend(r2, "infra-backend-v2");
  auto snap = cb.Build();
  auto backend = [&](const Req& req) {
    MatchResult r = MatchOn(*snap, req);
    return r.status == 0
               ? snap->config().routes(r.route).rules(r.rule).backends(r.backend).name()
               : "status " + std::to_string(r.status);
  };
  EXPECT_EQ(backend(Req().Host("example.com").Path("/")), "infra-backend-v1");
  EXPECT_EQ(backend(Req().Host("example.com").Path("/example")), "infra-backend-v1");
  EXPECT_EQ(backend(Req().Host("example.net").Path("/example")), "infra-backend-v1");
  EXPECT_EQ(backend(Req().Host("example.com").Path("/example").H("Version", "one")),
            "infra-backend-v1");
  EXPECT_EQ(backend(Req().Host("example.com").Path("/v2")), "infra-backend-v2");
  EXPECT_EQ(backend(Req().Host("example.net").Path("/v2")), "infra-backend-v1");
  EXPECT_EQ(backend(Req().Host("example.com").Path("/v2/example")), "infra-backend-v2");
  EXPECT_EQ(backend(Req().Host("example.com").Path("/").H("Version", "two")),
            "infra-backend-v2");
}

TEST(HttpConformance, PathMatchOrder) {
  ConfigBuilder cb;
  auto* l = cb.Listener("http", 80);
  int r = cb.Route("path-matching-order");
  cb.Attach(l, r);
  const struct {
    bool exact;
    const char* path;
    const char* backend;
  } rules[] = {{true, "/match", "v1"},          {true, "/match/exact", "v2"},
               {true, "/match/exact/one", "v3"}, {false, "/match/", "v3"},
               {false, "/match/prefix/", "v1"},  {false, "/match/prefix/one", "v2"}};
  for (const auto& rule : rules) {
    v1::Rule* added = cb.Rule(r);
    rule.exact ? Exact(added, rule.path) : Prefix(added, rule.path);
    AddBackend(added, rule.backend);
  }
  auto snap = cb.Build();
  auto backend = [&](absl::string_view path) {
    MatchResult m = MatchOn(*snap, Req().Path(path));
    return snap->config().routes(m.route).rules(m.rule).backends(m.backend).name();
  };
  EXPECT_EQ(backend("/match/exact/one"), "v3");
  EXPECT_EQ(backend("/match/exact"), "v2");
  EXPECT_EQ(backend("/match"), "v1");
  EXPECT_EQ(backend("/match/prefix/one/any"), "v2");
  EXPECT_EQ(backend("/match/prefix/any"), "v1");
  EXPECT_EQ(backend("/match/any"), "v3");
}

// --- Hostnames ---

TEST_F(Http, ExactHostnameBeatsWildcardAcrossRoutes) {
  Exact(AddRoute("wild", {"*.example.com"}), "/foo");
  Prefix(AddRoute("exact", {"foo.example.com"}), "/");
  // Hostname specificity decides before path specificity.
  EXPECT_EQ(Winner(Req().Host("foo.example.com").Path("/foo")), "exact");
  EXPECT_EQ(Winner(Req().Host("bar.example.com").Path("/foo")), "wild");
}

TEST_F(Http, LongerWildcardBeatsShorter) {
  Prefix(AddRoute("short", {"*.com"}), "/");
  Prefix(AddRoute("long", {"*.example.com"}), "/");
  EXPECT_EQ(Winner(Req().Host("a.example.com")), "long");
  EXPECT_EQ(Winner(Req().Host("a.other.com")), "short");
}

TEST_F(Http, FallsBackToLessSpecificHostnameWhenNoRuleMatches) {
  Prefix(AddRoute("exact", {"foo.example.com"}), "/a");
  Prefix(AddRoute("wild", {"*.example.com"}), "/b");
  Prefix(AddRoute("any"), "/c");
  EXPECT_EQ(Winner(Req().Host("foo.example.com").Path("/a")), "exact");
  EXPECT_EQ(Winner(Req().Host("foo.example.com").Path("/b")), "wild");
  EXPECT_EQ(Winner(Req().Host("foo.example.com").Path("/c")), "any");
  EXPECT_EQ(Winner(Req().Host("foo.example.com").Path("/d")), "status 404");
}

TEST_F(Http, WildcardCoversOneOrMoreLabelsButNotApex) {
  Prefix(AddRoute("wild", {"*.example.com"}), "/");
  EXPECT_EQ(Winner(Req().Host("a.example.com")), "wild");
  EXPECT_EQ(Winner(Req().Host("a.b.example.com")), "wild");
  EXPECT_EQ(Winner(Req().Host("example.com")), "status 404");
  EXPECT_EQ(Winner(Req().Host(".example.com")), "status 404");
  EXPECT_EQ(Winner(Req().Host("aexample.com")), "status 404");
}

TEST_F(Http, HostIsCaseInsensitiveAndPortIsIgnored) {
  Prefix(AddRoute("r", {"foo.example.com"}), "/");
  EXPECT_EQ(Winner(Req().Host("FOO.Example.COM")), "r");
  EXPECT_EQ(Winner(Req().Host("foo.example.com:8080")), "r");
  EXPECT_EQ(Winner(Req().Host("foo.example.com.")), "r");
  EXPECT_EQ(Winner(Req().Host("foo.example.com:")), "r");
  EXPECT_EQ(Winner(Req().Host("foo.example.com:x")), "status 404");
}

TEST_F(Http, LongHostsAreComparedWholeAtEveryPosition) {
  const std::string host = "abcdefghij-klmnop.qrstuvwxyz0123456789.example.com";
  Prefix(AddRoute("named", {host}), "/");
  Prefix(AddRoute("any"), "/");
  auto snap = cb_.Build();
  for (size_t i = 0; i < host.size(); ++i) {
    std::string upper = host;
    upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
    EXPECT_EQ(RouteName(*snap, MatchOn(*snap, Req().Host(upper))), "named") << upper;
    for (const char* bad : {"_", "\xc3", " ", "\x7f", "X"}) {
      std::string changed = host;
      changed[i] = host[i] == 'x' ? 'y' : bad[0];
      EXPECT_EQ(RouteName(*snap, MatchOn(*snap, Req().Host(changed))), "any") << changed;
    }
  }
  std::string all_upper = host;
  for (char& c : all_upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(RouteName(*snap, MatchOn(*snap, Req().Host(all_upper + ":443"))), "named");
  // Long digits-and-dots hosts are IP-like: only the route without hostname.
  EXPECT_EQ(RouteName(*snap, MatchOn(*snap, Req().Host("1234567890.1234567890.12"))), "any");
}

TEST(HttpListener, ExactListenerBeatsWildcardListener) {
  ConfigBuilder cb;
  auto* wild = cb.Listener("wild", 80, v1::PROTOCOL_HTTP, "*.example.com");
  auto* exact = cb.Listener("exact", 80, v1::PROTOCOL_HTTP, "foo.example.com");
  auto* any = cb.Listener("any", 80, v1::PROTOCOL_HTTP, "");
  for (auto* l : {wild, exact, any}) {
    int r = cb.Route(l->name());
    cb.Attach(l, r);
    AddBackend(cb.Rule(r), "b");
  }
  auto snap = cb.Build();
  EXPECT_EQ(MatchOn(*snap, Req().Host("foo.example.com")).listener, 1);
  EXPECT_EQ(MatchOn(*snap, Req().Host("bar.example.com")).listener, 0);
  EXPECT_EQ(MatchOn(*snap, Req().Host("example.com")).listener, 2);
  EXPECT_EQ(RouteName(*snap, MatchOn(*snap, Req().Host("x.foo.example.com"))),
            "wild");
}

TEST(HttpListener, LongestWildcardListenerWins) {
  ConfigBuilder cb;
  auto* a = cb.Listener("a", 80, v1::PROTOCOL_HTTP, "*.com");
  auto* b = cb.Listener("b", 80, v1::PROTOCOL_HTTP, "*.example.com");
  for (auto* l : {a, b}) {
    int r = cb.Route(l->name());
    cb.Attach(l, r);
    AddBackend(cb.Rule(r), "b");
  }
  auto snap = cb.Build();
  EXPECT_EQ(MatchOn(*snap, Req().Host("x.example.com")).listener, 1);
  EXPECT_EQ(MatchOn(*snap, Req().Host("example.com")).listener, 0);
  EXPECT_EQ(MatchOn(*snap, Req().Host("com")).status, 404);
}

TEST(HttpListener, RouteWithoutHostnamesTakesListenerHostname) {
  // Both routes effectively have "foo.example.com": path precedence
  // decides, not the route that spelled the hostname out.
  ConfigBuilder cb;
  auto* l = cb.Listener("l", 80, v1::PROTOCOL_HTTP, "foo.example.com");
  int named = cb.Route("named");
  cb.Attach(l, named, {"foo.example.com"});
  Prefix(cb.Rule(named), "/");
  AddBackend(cb.mutable_config()->mutable_routes(named)->mutable_rules(0), "a");
  int bare = cb.Route("bare");
  cb.Attach(l, bare);
  Exact(cb.Rule(bare), "/x");
  AddBackend(cb.mutable_config()->mutable_routes(bare)->mutable_rules(0), "b");
  auto snap = cb.Build();
  EXPECT_EQ(RouteName(*snap, MatchOn(*snap, Req().Host("foo.example.com").Path("/x"))),
            "bare");
}

TEST(HttpListener, UnknownGatewayOrPortIs404) {
  ConfigBuilder cb;
  auto* l = cb.Listener("l", 80);
  int r = cb.Route("r");
  cb.Attach(l, r);
  AddBackend(cb.Rule(r), "b");
  auto snap = cb.Build();
  EXPECT_EQ(MatchOn(*snap, Req().Port(81)).status, 404);
  Request req;
  req.gateway = 7;
  req.port = 80;
  req.path = "/";
  MatchResult res;
  snap->Match(req, &res);
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(snap->FindGateway("default", "nope"), -1);
  EXPECT_EQ(snap->FindGateway("default", "gw"), 0);
}

// --- Paths ---

TEST_F(Http, PrefixMatchesWholePathElements) {
  Prefix(AddRoute("abc"), "/abc");
  EXPECT_EQ(Winner(Req().Path("/abc")), "abc");
  EXPECT_EQ(Winner(Req().Path("/abc/")), "abc");
  EXPECT_EQ(Winner(Req().Path("/abc/def")), "abc");
  EXPECT_EQ(Winner(Req().Path("/abcd")), "status 404");
  EXPECT_EQ(Winner(Req().Path("/ab")), "status 404");
}

TEST_F(Http, PrefixTrailingSlashIsIgnored) {
  Prefix(AddRoute("abc"), "/abc/");
  EXPECT_EQ(Winner(Req().Path("/abc")), "abc");
  EXPECT_EQ(Winner(Req().Path("/abc/def")), "abc");
  EXPECT_EQ(Winner(Req().Path("/abcd")), "status 404");
}

TEST_F(Http, PathIsCaseSensitive) {
  Prefix(AddRoute("abc"), "/abc");
  Exact(AddRoute("exact"), "/Exact");
  EXPECT_EQ(Winner(Req().Path("/ABC")), "status 404");
  EXPECT_EQ(Winner(Req().Path("/exact")), "status 404");
  EXPECT_EQ(Winner(Req().Path("/Exact")), "exact");
}

TEST_F(Http, ExactDoesNotIgnoreTrailingSlash) {
  Exact(AddRoute("exact"), "/foo");
  EXPECT_EQ(Winner(Req().Path("/foo")), "exact");
  EXPECT_EQ(Winner(Req().Path("/foo/")), "status 404");
  EXPECT_EQ(Winner(Req().Path("/foo?x=1")), "exact");
}

TEST_F(Http, QueryStringIsNotPartOfThePath) {
  Prefix(AddRoute("abc"), "/abc");
  EXPECT_EQ(Winner(Req().Path("/abc?x=/def")), "abc");
  EXPECT_EQ(Winner(Req().Path("/abcd?x")), "status 404");
}

TEST_F(Http, NonNormalizedPathsAreRejectedWith400) {
  Prefix(AddRoute("all"), "/");
  for (const char* path :
       {"//admin", "/a//b", "/./a", "/a/./b", "/a/../b", "/a/..", "/a/.",
        "/..", "/a%2Fb", "/a%2fb", "/a%5Cb", "/%2e%2e/a", "/a%2E", "/%61",
        "/a\\b", "/a#b", "/a b", "/a%", "/a%2", "/a%zz", "", "a/b", "*",
        "http://example.com/"}) {
    EXPECT_EQ(Winner(Req().Path(path)), "status 400") << path;
  }
}

// The path rules of docs/MATCHING.md written out plainly, to check the
// matcher's vectorized scan against.
bool ReferenceAcceptable(const std::string& path) {
  if (path.empty() || path[0] != '/') return false;
  auto unreserved = [](int c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
  };
  std::vector<std::string> segments;
  std::string seg;
  for (size_t i = 1; i < path.size(); ++i) {
    unsigned char c = path[i];
    if (c <= 0x20 || c == 0x7f || c == '\\' || c == '#') return false;
    if (c == '%') {
      if (i + 2 >= path.size() || !std::isxdigit(static_cast<unsigned char>(path[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(path[i + 2]))) {
        return false;
      }
      int v = std::stoi(path.substr(i + 1, 2), nullptr, 16);
      if (unreserved(v) || v == '/' || v == '\\') return false;
    }
    if (c == '/') {
      segments.push_back(seg);
      seg.clear();
    } else {
      seg += static_cast<char>(c);
    }
  }
  segments.push_back(seg);
  for (size_t k = 0; k < segments.size(); ++k) {
    if (segments[k].empty() && k + 1 != segments.size()) return false;
    if (segments[k] == "." || segments[k] == "..") return false;
  }
  return true;
}

TEST_F(Http, PathCheckAgreesWithTheWrittenRulesOnRandomPaths) {
  Prefix(AddRoute("all"), "/");
  auto snap = cb_.Build();
  const std::string alphabet = "ab/./%2F%41%e9.\\#/ -~_x%\x7f\xc3";
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state >> 33);
  };
  for (int n = 0; n < 20000; ++n) {
    std::string path = "/";
    const size_t len = next() % 48;
    for (size_t i = 0; i < len; ++i) path += alphabet[next() % alphabet.size()];
    const bool expected = ReferenceAcceptable(path);
    EXPECT_EQ(MatchOn(*snap, Req().Path(path)).status == 400, !expected) << path;
  }
}

TEST_F(Http, PathCheckStopsAtTheQueryOnRandomTargets) {
  // The path is split from the query in the same pass that checks it: a
  // '?' ends the path wherever it falls (in an escape, after a dot
  // segment, at a 16-byte block boundary), and nothing after it is checked.
  Prefix(AddRoute("all"), "/");
  auto snap = cb_.Build();
  const std::string alphabet = "ab/./%2F%41?.\\#/ -~_x%\x7f?";
  uint64_t state = 777;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state >> 33);
  };
  for (int n = 0; n < 20000; ++n) {
    std::string target = "/";
    const size_t len = next() % 48;
    for (size_t i = 0; i < len; ++i) target += alphabet[next() % alphabet.size()];
    const bool expected = ReferenceAcceptable(target.substr(0, target.find('?')));
    EXPECT_EQ(MatchOn(*snap, Req().Path(target)).status == 400, !expected) << target;
  }
}

TEST_F(Http, HostLengthLimitCountsWithoutPortAndTrailingDot) {
  Prefix(AddRoute("wild", {"*.example.com"}), "/");
  Prefix(AddRoute("any"), "/");
  auto snap = cb_.Build();
  const std::string longest = std::string(241, 'a') + ".example.com";  // 253
  ASSERT_EQ(longest.size(), 253u);
  for (const std::string& host :
       {longest, longest + ".", longest + ":80", longest + ".:8080", longest + ":"}) {
    EXPECT_EQ(RouteName(*snap, MatchOn(*snap, Req().Host(host))), "wild") << host.size();
  }
  for (const std::string& host : {"b" + longest, "b" + longest + ".", "b" + longest + ":80",
                                  longest + ":8x", longest + "::80", longest + "_"}) {
    EXPECT_EQ(RouteName(*snap, MatchOn(*snap, Req().Host(host))), "any") << host.size();
  }
}

TEST_F(Http, PercentEncodingIsMatchedLiterally) {
  Exact(AddRoute("space"), "/a%20b");
  Prefix(AddRoute("all"), "/");
  EXPECT_EQ(Winner(Req().Path("/a%20b")), "space");
  // Escapes of reserved characters are kept and compared byte for byte.
  EXPECT_EQ(Winner(Req().Path("/a%3Ab")), "all");
}

TEST_F(Http, DeepPrefixesMatchAtEveryDepth) {
  std::string p15, p16, p20;
  for (int i = 0; i < 20; ++i) {
    if (i < 15) p15 += "/s" + std::to_string(i);
    if (i < 16) p16 += "/s" + std::to_string(i);
    p20 += "/s" + std::to_string(i);
  }
  Prefix(AddRoute("d15"), p15);
  Prefix(AddRoute("d16"), p16);
  Prefix(AddRoute("d20"), p20);
  Prefix(AddRoute("d1"), "/s0");
  EXPECT_EQ(Winner(Req().Path(p20 + "/x/y")), "d20");
  EXPECT_EQ(Winner(Req().Path(p20)), "d20");
  EXPECT_EQ(Winner(Req().Path(p16 + "/other")), "d16");
  EXPECT_EQ(Winner(Req().Path(p15 + "/other")), "d15");
  EXPECT_EQ(Winner(Req().Path("/s0/s1")), "d1");
  EXPECT_EQ(Winner(Req().Path("/s1")), "status 404");
}

TEST_F(Http, DotsInsideSegmentsAreOrdinaryCharacters) {
  Prefix(AddRoute("dots"), "/a..b");
  EXPECT_EQ(Winner(Req().Path("/a..b/c")), "dots");
  EXPECT_EQ(Winner(Req().Path("/.well-known")), "status 404");
}

// --- Headers, query parameters, method ---

TEST_F(Http, HeaderNamesAreCaseInsensitiveValuesExact) {
  AddHeader(Prefix(AddRoute("h"), "/"), "X-Version", "v2");
  EXPECT_EQ(Winner(Req().H("x-version", "v2")), "h");
  EXPECT_EQ(Winner(Req().H("X-VERSION", "v2")), "h");
  EXPECT_EQ(Winner(Req().H("x-version", "V2")), "status 404");
  EXPECT_EQ(Winner(Req().H("x-version", "v2 ")), "status 404");
}

TEST_F(Http, FirstOfRepeatedHeadersCounts) {
  AddHeader(Prefix(AddRoute("h"), "/"), "x", "b");
  EXPECT_EQ(Winner(Req().H("x", "a").H("X", "b")), "status 404");
  EXPECT_EQ(Winner(Req().H("x", "b").H("x", "a")), "h");
}

TEST_F(Http, QueryParamNamesAreCaseSensitiveAndFirstCounts) {
  AddQuery(Prefix(AddRoute("q"), "/"), "animal", "whale");
  EXPECT_EQ(Winner(Req().Path("/?animal=whale")), "q");
  EXPECT_EQ(Winner(Req().Path("/?Animal=whale")), "status 404");
  EXPECT_EQ(Winner(Req().Path("/?animal=dolphin&animal=whale")), "status 404");
  EXPECT_EQ(Winner(Req().Path("/?animal=whale&animal=dolphin")), "q");
  EXPECT_EQ(Winner(Req().Path("/?x=1&animal=whale")), "q");
}

TEST_F(Http, MalformedQueryStringsHaveDefinedAnswers) {
  AddQuery(Prefix(AddRoute("empty"), "/"), "a", "");
  AddQuery(Prefix(AddRoute("eq"), "/x"), "b", "c=d");
  EXPECT_EQ(Winner(Req().Path("/?a")), "empty");
  EXPECT_EQ(Winner(Req().Path("/?&&a=&")), "empty");
  EXPECT_EQ(Winner(Req().Path("/?=&a")), "empty");
  EXPECT_EQ(Winner(Req().Path("/?a=1")), "status 404");
  EXPECT_EQ(Winner(Req().Path("/x?b=c=d")), "eq");
  EXPECT_EQ(Winner(Req().Path("/x?%%%&b=c=d")), "eq");
  EXPECT_EQ(Winner(Req().Path("/x?")), "status 404");
}

TEST_F(Http, MethodIsCaseSensitive) {
  Prefix(AddRoute("get"), "/")->set_method("GET");
  EXPECT_EQ(Winner(Req().Method("GET")), "get");
  EXPECT_EQ(Winner(Req().Method("get")), "status 404");
}

// --- Regular expressions ---

TEST_F(Http, RegexPathIsAFullMatch) {
  Regex(AddRoute("re"), "/v[0-9]+/.*");
  EXPECT_EQ(Winner(Req().Path("/v1/users")), "re");
  EXPECT_EQ(Winner(Req().Path("/x/v1/users")), "status 404");
  EXPECT_EQ(Winner(Req().Path("/v1")), "status 404");
  EXPECT_EQ(Winner(Req().Path("/v1/a?q=1")), "re");
}

TEST_F(Http, RegexRanksAfterExactAndBeforeAnyPrefix) {
  Prefix(AddRoute("prefix"), "/v1/users");
  Regex(AddRoute("re"), "/v[0-9]+/.*");
  Exact(AddRoute("exact"), "/v1/users/me");
  EXPECT_EQ(Winner(Req().Path("/v1/users/me")), "exact");
  EXPECT_EQ(Winner(Req().Path("/v1/users/you")), "re");
  EXPECT_EQ(Winner(Req().Path("/v1/users")), "re");
}

TEST_F(Http, LongerRegexWinsBetweenRegexes) {
  Regex(AddRoute("short"), "/.*");
  Regex(AddRoute("long"), "/api/.*");
  EXPECT_EQ(Winner(Req().Path("/api/x")), "long");
  EXPECT_EQ(Winner(Req().Path("/web/x")), "short");
}

TEST_F(Http, ManyRegexPathsUseASetAndKeepPrecedence) {
  for (int i = 0; i < 20; ++i) {
    Regex(AddRoute("re" + std::to_string(i)), "/r" + std::to_string(i) + "/[a-z]+");
  }
  Prefix(AddRoute("all"), "/");
  EXPECT_EQ(Winner(Req().Path("/r7/abc")), "re7");
  EXPECT_EQ(Winner(Req().Path("/r19/x")), "re19");
  EXPECT_EQ(Winner(Req().Path("/r7/ABC")), "all");
}

TEST_F(Http, RegexPathsPastTheSetBudgetStillMatchInPrecedenceOrder) {
  // When RE2::Set::Compile runs out of its memory budget (and matching a
  // set whose Compile failed would crash), the table tries each regex in
  // turn, with the same answers.
  auto pattern = [](int i) {
    return "/api/v" + std::to_string(i) + "/[a-z]{1,40}(/[0-9]+)?";
  };
  constexpr int kPatterns = 3000;
  {
    // The premise, checked with RE2 alone: these patterns overflow a set.
    RE2::Options options;
    options.set_log_errors(false);
    RE2::Set set(options, RE2::ANCHOR_BOTH);
    for (int i = 0; i < kPatterns; ++i) ASSERT_GE(set.Add(pattern(i), nullptr), 0);
    ASSERT_FALSE(set.Compile()) << "pick patterns that exceed RE2::Set's budget";
  }
  for (int i = 0; i < kPatterns; ++i) Regex(AddRoute("re" + std::to_string(i)), pattern(i));
  Prefix(AddRoute("all"), "/");
  auto snap = cb_.Build();
  EXPECT_TRUE(snap->diagnostics().empty());
  EXPECT_EQ(RouteName(*snap, MatchOn(*snap, Req().Path("/api/v2999/users/42"))), "re2999");
  EXPECT_EQ(RouteName(*snap, MatchOn(*snap, Req().Path("/api/v7/users"))), "re7");
  EXPECT_EQ(RouteName(*snap, MatchOn(*snap, Req().Path("/api/v7/Users"))), "all");
  EXPECT_EQ(RouteName(*snap, MatchOn(*snap, Req().Path("/api/v7/" + std::string(41, 'a')))),
            "all");
}

TEST_F(Http, MethodLongerThanAnyHttpMethodIsReported) {
  v1::Rule* rule = AddRoute("long");
  Prefix(rule, "/")->set_method("PROPPATCHX");
  auto snap = cb_.Build();
  ASSERT_EQ(snap->diagnostics().size(), 1u);
  EXPECT_EQ(MatchOn(*snap, Req().Method("PROPPATCHX")).status, 404);
}

TEST_F(Http, HeaderAndQueryRegexAreFullMatches) {
  AddHeader(Prefix(AddRoute("h"), "/h"), "x", "v[0-9]", v1::MATCH_TYPE_REGULAR_EXPRESSION);
  AddQuery(Prefix(AddRoute("q"), "/q"), "x", "[a-c]+", v1::MATCH_TYPE_REGULAR_EXPRESSION);
  EXPECT_EQ(Winner(Req().Path("/h").H("X", "v1")), "h");
  EXPECT_EQ(Winner(Req().Path("/h").H("X", "v12")), "status 404");
  EXPECT_EQ(Winner(Req().Path("/q?x=abc")), "q");
  EXPECT_EQ(Winner(Req().Path("/q?x=abcd")), "status 404");
}

TEST_F(Http, RuleWithRegexRe2RejectsNeverMatchesAndIsReported) {
  int r = cb_.Route("bad");
  cb_.Attach(listener_, r);
  v1::Rule* bad = cb_.Rule(r);
  Regex(bad, "/(unclosed");
  AddBackend(bad, "x");
  v1::Rule* good = cb_.Rule(r);
  Prefix(good, "/ok");
  AddBackend(good, "y");
  auto snap = cb_.Build();
  ASSERT_EQ(snap->diagnostics().size(), 1u);
  EXPECT_EQ(snap->diagnostics()[0].route, r);
  EXPECT_EQ(snap->diagnostics()[0].rule, 0);
  EXPECT_EQ(MatchOn(*snap, Req().Path("/(unclosed")).status, 404);
  EXPECT_EQ(MatchOn(*snap, Req().Path("/ok")).rule, 1);
}

TEST_F(Http, RuleMarkedInvalidNeverMatches) {
  v1::Rule* rule = AddRoute("r");
  rule->set_invalid(true);
  EXPECT_EQ(Winner(Req()), "status 404");
}

TEST(HttpCreate, AttachmentToMissingRouteIsAnError) {
  ConfigBuilder cb;
  auto* l = cb.Listener("l", 80);
  cb.Attach(l, 3);
  auto snap = Snapshot::Create(cb.config());
  EXPECT_EQ(snap.status().code(), absl::StatusCode::kInvalidArgument);
}

// --- Bad input ---

TEST_F(Http, IpLiteralHostsMatchOnlyRoutesWithoutHostnames) {
  Prefix(AddRoute("named", {"example.com"}), "/");
  EXPECT_EQ(Winner(Req().Host("10.0.0.1")), "status 404");
  EXPECT_EQ(Winner(Req().Host("10.0.0.1:80")), "status 404");
  EXPECT_EQ(Winner(Req().Host("[::1]:80")), "status 404");
  EXPECT_EQ(Winner(Req().Host("[::1]")), "status 404");
  EXPECT_EQ(Winner(Req().Host("::1")), "status 404");
  Prefix(AddRoute("any"), "/");
  EXPECT_EQ(Winner(Req().Host("10.0.0.1")), "any");
  EXPECT_EQ(Winner(Req().Host("[::1]:80")), "any");
}

TEST_F(Http, EmptyHugeAndNonAsciiHostsMatchOnlyRoutesWithoutHostnames) {
  Prefix(AddRoute("named", {"example.com"}), "/");
  const std::string huge(64 * 1024, 'a');
  EXPECT_EQ(Winner(Req().Host("")), "status 404");
  EXPECT_EQ(Winner(Req().Host(huge)), "status 404");
  EXPECT_EQ(Winner(Req().Host("ex\xc3\xa4mple.com")), "status 404");
  EXPECT_EQ(Winner(Req().Host(std::string("example.com\0", 12))), "status 404");
  Prefix(AddRoute("any"), "/");
  EXPECT_EQ(Winner(Req().Host("")), "any");
  EXPECT_EQ(Winner(Req().Host(huge)), "any");
  EXPECT_EQ(Winner(Req().Host("ex\xc3\xa4mple.com")), "any");
}

TEST_F(Http, HugeAndNonAsciiPathsHaveDefinedAnswers) {
  Prefix(AddRoute("a"), "/a");
  std::string huge = "/a";
  while (huge.size() < 64 * 1024) huge += "/segment";
  EXPECT_EQ(Winner(Req().Path(huge)), "a");
  EXPECT_EQ(Winner(Req().Path("/a/caf\xc3\xa9")), "a");
  EXPECT_EQ(Winner(Req().Path("/\xff\xfe")), "status 404");
  EXPECT_EQ(Winner(Req().Path(std::string(64 * 1024, '/'))), "status 400");
}

TEST_F(Http, ThousandHeadersHaveADefinedAnswer) {
  AddHeader(Prefix(AddRoute("h"), "/"), "x-last", "1");
  Req req;
  for (int i = 0; i < 1000; ++i) req.H("x-" + std::to_string(i), "v");
  EXPECT_EQ(Winner(req), "status 404");
  req.H("X-Last", "1");
  EXPECT_EQ(Winner(req), "h");
}

}  // namespace
}  // namespace gwapi::route
