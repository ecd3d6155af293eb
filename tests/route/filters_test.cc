// Filters: RequestRedirect (status and Location), URLRewrite, header
// modifiers, mirrors, CORS (preflight decided in Match, headers from
// ApplyFilters), timeouts and retry.
#include <string>
#include <tuple>

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
using testing::Regex;
using testing::Req;
namespace v1 = ::gwapi::v1;

class Filters : public ::testing::Test {
 protected:
  Filters() {
    listener_ = cb_.Listener("http", 80);
    alt_ = cb_.Listener("alt", 8080);
  }

  v1::Rule* AddRule() {
    int r = cb_.Route("r" + std::to_string(cb_.config().routes_size()));
    cb_.Attach(listener_, r);
    cb_.Attach(alt_, r);
    return cb_.Rule(r);
  }

  // Match then RedirectLocation.
  std::pair<int, std::string> Redirect(const Req& req) {
    if (!snap_) snap_ = cb_.Build();
    BoundRequest bound(*snap_, req);
    MatchResult r;
    snap_->Match(bound.get(), &r);
    return {r.status, snap_->RedirectLocation(bound.get(), r)};
  }

  std::pair<MatchResult, RequestEdits> Apply(const Req& req) {
    if (!snap_) snap_ = cb_.Build();
    BoundRequest bound(*snap_, req);
    MatchResult r;
    snap_->Match(bound.get(), &r);
    return {r, snap_->ApplyFilters(bound.get(), r)};
  }

  ConfigBuilder cb_;
  v1::Listener* listener_;
  v1::Listener* alt_;
  std::shared_ptr<const Snapshot> snap_;
};

std::string Get(const std::vector<HeaderPair>& headers, absl::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "<absent>";
}

v1::RequestRedirect* AddRedirect(v1::Rule* rule) {
  return rule->add_filters()->mutable_request_redirect();
}

TEST_F(Filters, RedirectDefaultsTo302WithRequestSchemeHostPortAndPath) {
  v1::Rule* rule = AddRule();
  Prefix(rule, "/");
  AddRedirect(rule);
  EXPECT_EQ(Redirect(Req().Host("Example.com:80").Path("/a/b?x=1")),
            std::make_pair(302, std::string("http://example.com/a/b?x=1")));
  EXPECT_EQ(Redirect(Req().Port(8080).Host("example.com:8080").Path("/a")),
            std::make_pair(302, std::string("http://example.com:8080/a")));
}

TEST_F(Filters, RedirectStatusCodeIsKept) {
  v1::Rule* rule = AddRule();
  AddRedirect(rule)->set_status_code(301);
  EXPECT_EQ(Redirect(Req()).first, 301);
  EXPECT_EQ(MatchOn(*snap_, Req()).backend, -1);
}

TEST_F(Filters, RedirectSchemeChangesTheDefaultPort) {
  v1::Rule* rule = AddRule();
  AddRedirect(rule)->set_scheme("https");
  EXPECT_EQ(Redirect(Req().Port(8080).Host("example.com:8080").Path("/p")).second,
            "https://example.com/p");
}

TEST_F(Filters, RedirectHttpsToHttpUsesPort80) {
  v1::Rule* rule = AddRule();
  AddRedirect(rule)->set_scheme("http");
  EXPECT_EQ(Redirect(Req().Path("/p")).second, "http://example.com/p");
}

TEST_F(Filters, RedirectExplicitPortIsShownUnlessDefault) {
  v1::Rule* a = AddRule();
  Prefix(a, "/a");
  AddRedirect(a)->set_port(8443);
  v1::Rule* b = AddRule();
  Prefix(b, "/b");
  auto* rb = AddRedirect(b);
  rb->set_scheme("https");
  rb->set_port(443);
  v1::Rule* c = AddRule();
  Prefix(c, "/c");
  auto* rc = AddRedirect(c);
  rc->set_scheme("https");
  rc->set_port(80);
  EXPECT_EQ(Redirect(Req().Path("/a")).second, "http://example.com:8443/a");
  EXPECT_EQ(Redirect(Req().Path("/b")).second, "https://example.com/b");
  EXPECT_EQ(Redirect(Req().Path("/c")).second, "https://example.com:80/c");
}

TEST_F(Filters, RedirectHostnameReplacesHostAndDropsItsPort) {
  v1::Rule* rule = AddRule();
  AddRedirect(rule)->set_hostname("other.example.org");
  EXPECT_EQ(Redirect(Req().Host("example.com:80").Path("/p")).second,
            "http://other.example.org/p");
}

TEST_F(Filters, RedirectOfHttpsRequestKeepsHttps) {
  auto* tls = cb_.Listener("https", 443, v1::PROTOCOL_HTTPS, "");
  int r = cb_.Route("secure");
  cb_.Attach(tls, r);
  AddRedirect(cb_.Rule(r))->set_hostname("x.example.com");
  EXPECT_EQ(Redirect(Req().Proto(RequestProtocol::kHttps).Port(443).Sni("example.com").Path("/p"))
                .second,
            "https://x.example.com/p");
}

TEST_F(Filters, RedirectReplaceFullPath) {
  v1::Rule* rule = AddRule();
  Prefix(rule, "/old");
  auto* path = AddRedirect(rule)->mutable_path();
  path->set_type(v1::PathModifier::TYPE_REPLACE_FULL_PATH);
  path->set_value("/new");
  EXPECT_EQ(Redirect(Req().Path("/old/x?q=1")).second, "http://example.com/new?q=1");
}

TEST_F(Filters, RedirectAllFieldsTogether) {
  v1::Rule* rule = AddRule();
  Prefix(rule, "/old");
  auto* rd = AddRedirect(rule);
  rd->set_scheme("https");
  rd->set_hostname("new.example.com");
  rd->set_port(9443);
  rd->set_status_code(308);
  rd->mutable_path()->set_type(v1::PathModifier::TYPE_REPLACE_PREFIX_MATCH);
  rd->mutable_path()->set_value("/new");
  EXPECT_EQ(Redirect(Req().Path("/old/a")),
            std::make_pair(308, std::string("https://new.example.com:9443/new/a")));
}

// The spec's ReplacePrefixMatch table, for redirects and rewrites.
using PrefixCase = std::tuple<const char*, const char*, const char*, const char*>;
class ReplacePrefixMatch : public ::testing::TestWithParam<PrefixCase> {};

TEST_P(ReplacePrefixMatch, RedirectAndRewriteFollowTheSpecTable) {
  const auto [request_path, prefix, replacement, expected] = GetParam();
  for (bool redirect : {true, false}) {
    ConfigBuilder cb;
    auto* l = cb.Listener("http", 80);
    int r = cb.Route("r");
    cb.Attach(l, r);
    v1::Rule* rule = cb.Rule(r);
    Prefix(rule, prefix);
    v1::PathModifier* mod =
        redirect ? rule->add_filters()->mutable_request_redirect()->mutable_path()
                 : rule->add_filters()->mutable_url_rewrite()->mutable_path();
    mod->set_type(v1::PathModifier::TYPE_REPLACE_PREFIX_MATCH);
    mod->set_value(replacement);
    AddBackend(rule, "b");
    auto snap = cb.Build();
    BoundRequest bound(*snap, Req().Path(request_path));
    MatchResult res;
    snap->Match(bound.get(), &res);
    if (redirect) {
      EXPECT_EQ(snap->RedirectLocation(bound.get(), res),
                std::string("http://example.com") + expected);
    } else {
      RequestEdits edits = snap->ApplyFilters(bound.get(), res);
      ASSERT_TRUE(edits.path.has_value());
      EXPECT_EQ(*edits.path, expected);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    SpecTable, ReplacePrefixMatch,
    ::testing::Values(PrefixCase{"/foo/bar", "/foo", "/xyz", "/xyz/bar"},
                      PrefixCase{"/foo/bar", "/foo", "/xyz/", "/xyz/bar"},
                      PrefixCase{"/foo/bar", "/foo/", "/xyz", "/xyz/bar"},
                      PrefixCase{"/foo/bar", "/foo/", "/xyz/", "/xyz/bar"},
                      PrefixCase{"/foo", "/foo", "/xyz", "/xyz"},
                      PrefixCase{"/foo/", "/foo", "/xyz", "/xyz/"},
                      PrefixCase{"/foo/bar", "/foo", "", "/bar"},
                      PrefixCase{"/foo/", "/foo", "", "/"},
                      PrefixCase{"/foo", "/foo", "", "/"},
                      PrefixCase{"/foo/", "/foo", "/", "/"},
                      PrefixCase{"/foo", "/foo", "/", "/"},
                      PrefixCase{"/a/b", "/", "/x", "/x/a/b"}));

TEST_F(Filters, RewriteKeepsQueryAndReplacesHost) {
  v1::Rule* rule = AddRule();
  Prefix(rule, "/api");
  auto* rw = rule->add_filters()->mutable_url_rewrite();
  rw->set_hostname("internal.svc");
  rw->mutable_path()->set_type(v1::PathModifier::TYPE_REPLACE_FULL_PATH);
  rw->mutable_path()->set_value("/v2");
  AddBackend(rule, "b");
  auto [res, edits] = Apply(Req().Path("/api/x?y=1"));
  EXPECT_EQ(res.status, 0);
  EXPECT_EQ(edits.host, "internal.svc");
  EXPECT_EQ(edits.path, "/v2?y=1");
}

TEST_F(Filters, RewriteOfRegexMatchLeavesPrefixAlone) {
  v1::Rule* rule = AddRule();
  Regex(rule, "/r/.*");
  auto* rw = rule->add_filters()->mutable_url_rewrite();
  rw->mutable_path()->set_type(v1::PathModifier::TYPE_REPLACE_PREFIX_MATCH);
  rw->mutable_path()->set_value("/x");
  AddBackend(rule, "b");
  EXPECT_FALSE(Apply(Req().Path("/r/a")).second.path.has_value());
}

TEST_F(Filters, NoRewriteLeavesPathAndHostUnset) {
  AddBackend(AddRule(), "b");
  auto [res, edits] = Apply(Req().Path("/a"));
  EXPECT_FALSE(edits.path.has_value());
  EXPECT_FALSE(edits.host.has_value());
}

TEST_F(Filters, HeaderModifiersRuleThenBackend) {
  v1::Rule* rule = AddRule();
  auto* req_mod = rule->add_filters()->mutable_request_header_modifier();
  auto* s = req_mod->add_set();
  s->set_name("X-Set");
  s->set_value("1");
  auto* a = req_mod->add_add();
  a->set_name("X-Add");
  a->set_value("2");
  req_mod->add_remove("X-Remove");
  auto* resp_mod = rule->add_filters()->mutable_response_header_modifier();
  auto* rs = resp_mod->add_set();
  rs->set_name("X-Resp");
  rs->set_value("3");
  v1::Backend* b = AddBackend(rule, "b");
  auto* bs = b->add_filters()->mutable_request_header_modifier()->add_add();
  bs->set_name("X-Backend");
  bs->set_value("4");
  auto [res, edits] = Apply(Req());
  ASSERT_EQ(edits.request_headers.set.size(), 1u);
  EXPECT_EQ(edits.request_headers.set[0], HeaderPair("X-Set", "1"));
  ASSERT_EQ(edits.request_headers.add.size(), 2u);
  EXPECT_EQ(edits.request_headers.add[0], HeaderPair("X-Add", "2"));
  EXPECT_EQ(edits.request_headers.add[1], HeaderPair("X-Backend", "4"));
  EXPECT_EQ(edits.request_headers.remove, std::vector<std::string>{"X-Remove"});
  EXPECT_EQ(Get(edits.response_headers.set, "X-Resp"), "3");
}

TEST_F(Filters, MirrorsCarryTheirShareAndADeterministicDecision) {
  v1::Rule* rule = AddRule();
  auto* all = rule->add_filters()->mutable_request_mirror();
  all->mutable_backend()->set_name("mirror-all");
  auto* half = rule->add_filters()->mutable_request_mirror();
  half->mutable_backend()->set_name("mirror-half");
  half->set_numerator(50);
  half->set_denominator(100);
  AddBackend(rule, "b");
  int selected = 0;
  for (uint64_t h = 0; h < 1000; ++h) {
    auto [res, edits] = Apply(Req().Hash(h));
    ASSERT_EQ(edits.mirrors.size(), 2u);
    EXPECT_EQ(edits.mirrors[0].backend->name(), "mirror-all");
    EXPECT_TRUE(edits.mirrors[0].selected);
    EXPECT_EQ(edits.mirrors[1].numerator, 50u);
    EXPECT_EQ(edits.mirrors[1].denominator, 100u);
    selected += edits.mirrors[1].selected;
    EXPECT_EQ(Apply(Req().Hash(h)).second.mirrors[1].selected, edits.mirrors[1].selected);
  }
  EXPECT_GT(selected, 400);
  EXPECT_LT(selected, 600);
}

TEST_F(Filters, TimeoutsAndRetryAreLent) {
  v1::Rule* rule = AddRule();
  rule->mutable_timeouts()->set_request_ms(1500);
  rule->mutable_retry()->add_codes(503);
  rule->mutable_retry()->set_attempts(3);
  AddBackend(rule, "b");
  auto [res, edits] = Apply(Req());
  ASSERT_NE(edits.timeouts, nullptr);
  EXPECT_EQ(edits.timeouts->request_ms(), 1500u);
  ASSERT_NE(edits.retry, nullptr);
  EXPECT_EQ(edits.retry->attempts(), 3u);
  AddBackend(AddRule(), "c");
}

// --- CORS, after the conformance suite's HTTPRouteCORS ---

class Cors : public Filters {
 protected:
  Cors() {
    v1::Rule* rule = AddRule();
    Prefix(rule, "/cors-1");
    v1::Cors* c = rule->add_filters()->mutable_cors();
    c->add_allow_origins("https://www.foo.com");
    c->add_allow_origins("https://*.bar.com");
    c->add_allow_methods("GET");
    c->add_allow_methods("OPTIONS");
    c->add_allow_headers("x-header-1");
    c->add_allow_headers("x-header-2");
    c->add_expose_headers("x-header-3");
    c->add_expose_headers("x-header-4");
    c->set_allow_credentials(true);
    c->set_max_age_seconds(3600);
    AddBackend(rule, "b");

    v1::Rule* wild = AddRule();
    Prefix(wild, "/cors-2");
    v1::Cors* w = wild->add_filters()->mutable_cors();
    w->add_allow_origins("*");
    w->add_allow_methods("*");
    w->add_allow_headers("*");
    w->add_expose_headers("*");
    AddBackend(wild, "b");

    v1::Rule* creds = AddRule();
    Prefix(creds, "/cors-3");
    v1::Cors* cr = creds->add_filters()->mutable_cors();
    cr->add_allow_origins("*");
    cr->add_allow_methods("*");
    cr->add_allow_headers("*");
    cr->add_expose_headers("*");
    cr->set_allow_credentials(true);
    AddBackend(creds, "b");
  }

  static Req Preflight(absl::string_view path, absl::string_view origin) {
    return Req()
        .Method("OPTIONS")
        .Path(path)
        .H("Origin", origin)
        .H("Access-Control-Request-Method", "GET")
        .H("Access-Control-Request-Headers", "x-header-1, x-header-2");
  }
};

TEST_F(Cors, PreflightIsAnsweredAtTheGateway) {
  auto [res, edits] = Apply(Preflight("/cors-1", "https://www.foo.com"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.backend, -1);
  const auto& h = edits.response_headers.set;
  EXPECT_EQ(Get(h, "Access-Control-Allow-Origin"), "https://www.foo.com");
  EXPECT_EQ(Get(h, "Access-Control-Allow-Methods"), "GET, OPTIONS");
  EXPECT_EQ(Get(h, "Access-Control-Allow-Headers"), "x-header-1, x-header-2");
  EXPECT_EQ(Get(h, "Access-Control-Expose-Headers"), "x-header-3, x-header-4");
  EXPECT_EQ(Get(h, "Access-Control-Max-Age"), "3600");
  EXPECT_EQ(Get(h, "Access-Control-Allow-Credentials"), "true");
}

TEST_F(Cors, WildcardOriginHostCoversOneOrMoreLabels) {
  for (const char* origin : {"https://www.bar.com", "https://xpto.www.bar.com",
                             "https://www.bar.com:443", "HTTPS://WWW.BAR.COM"}) {
    auto [res, edits] = Apply(Preflight("/cors-1", origin));
    EXPECT_EQ(Get(edits.response_headers.set, "Access-Control-Allow-Origin"), origin);
  }
  for (const char* origin : {"https://bar.com", "http://www.bar.com",
                             "https://www.bar.com:8443", "https://foobar.com",
                             "null", ""}) {
    auto [res, edits] = Apply(Preflight("/cors-1", origin));
    EXPECT_EQ(res.status, 200) << origin;
    EXPECT_TRUE(edits.response_headers.set.empty()) << origin;
  }
}

TEST_F(Cors, WildcardsEchoTheRequestWithoutCredentials) {
  auto [res, edits] = Apply(Preflight("/cors-2", "https://foobar.com:12345"));
  const auto& h = edits.response_headers.set;
  EXPECT_EQ(Get(h, "Access-Control-Allow-Origin"), "https://foobar.com:12345");
  EXPECT_EQ(Get(h, "Access-Control-Allow-Methods"), "GET");
  EXPECT_EQ(Get(h, "Access-Control-Allow-Headers"), "x-header-1, x-header-2");
  EXPECT_EQ(Get(h, "Access-Control-Expose-Headers"), "*");
  EXPECT_EQ(Get(h, "Access-Control-Max-Age"), "5");
  EXPECT_EQ(Get(h, "Access-Control-Allow-Credentials"), "<absent>");
}

TEST_F(Cors, WildcardsNeverAnswerStarWithCredentials) {
  auto [res, edits] = Apply(Preflight("/cors-3", "https://other.foo.com"));
  const auto& h = edits.response_headers.set;
  EXPECT_EQ(Get(h, "Access-Control-Allow-Origin"), "https://other.foo.com");
  EXPECT_EQ(Get(h, "Access-Control-Allow-Methods"), "GET");
  EXPECT_EQ(Get(h, "Access-Control-Allow-Headers"), "x-header-1, x-header-2");
  EXPECT_EQ(Get(h, "Access-Control-Expose-Headers"), "<absent>");
  EXPECT_EQ(Get(h, "Access-Control-Allow-Credentials"), "true");
  // Without Access-Control-Request-Headers, no Allow-Headers.
  auto [res2, edits2] = Apply(Req()
                                  .Method("OPTIONS")
                                  .Path("/cors-3")
                                  .H("Origin", "https://a.com")
                                  .H("Access-Control-Request-Method", "PUT"));
  EXPECT_EQ(Get(edits2.response_headers.set, "Access-Control-Allow-Headers"), "<absent>");
  EXPECT_EQ(Get(edits2.response_headers.set, "Access-Control-Allow-Methods"), "PUT");
}

TEST_F(Cors, NormalRequestIsForwardedWithCorsHeaders) {
  auto [res, edits] = Apply(Req().Path("/cors-1").H("origin", "https://www.bar.com"));
  EXPECT_EQ(res.status, 0);
  EXPECT_EQ(res.backend, 0);
  const auto& h = edits.response_headers.set;
  EXPECT_EQ(Get(h, "Access-Control-Allow-Origin"), "https://www.bar.com");
  EXPECT_EQ(Get(h, "Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(Get(h, "Access-Control-Allow-Methods"), "<absent>");
  EXPECT_EQ(Get(h, "Access-Control-Max-Age"), "<absent>");
}

TEST_F(Cors, OptionsWithoutPreflightHeadersIsForwarded) {
  auto [res, edits] = Apply(Req().Method("OPTIONS").Path("/cors-1").H("Origin", "https://www.foo.com"));
  EXPECT_EQ(res.status, 0);
  auto [res2, edits2] = Apply(Req().Method("OPTIONS").Path("/cors-1").H("Access-Control-Request-Method", "GET"));
  EXPECT_EQ(res2.status, 0);
}

TEST_F(Cors, RequestWithoutOriginGetsNoCorsHeaders) {
  auto [res, edits] = Apply(Req().Path("/cors-1"));
  EXPECT_TRUE(edits.response_headers.set.empty());
}

}  // namespace
}  // namespace gwapi::route
