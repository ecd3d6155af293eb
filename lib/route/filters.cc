// The filters' effect once Match() decided: redirect Location, URL
// rewrites, header edits, mirrors and CORS headers. Off the hot path: these
// build strings.
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/route/impl.h"
#include "lib/route/snapshot.h"
#include "lib/route/text.h"

namespace gwapi::route {
namespace {

namespace v1 = ::gwapi::v1;

bool IsTls(RequestProtocol p) {
  return p == RequestProtocol::kHttps || p == RequestProtocol::kGrpcs ||
         p == RequestProtocol::kTls;
}

// The PathPrefix value that `result` matched ("/" for a rule without
// matches or a match without a path); the full path for an Exact match.
absl::string_view MatchedPrefix(const v1::Rule& rule, int32_t match,
                                absl::string_view path, bool* usable) {
  *usable = true;
  if (match < 0 || match >= rule.http_matches_size()) return "/";
  const v1::HttpMatch& m = rule.http_matches(match);
  if (!m.has_path()) return "/";
  switch (m.path().type()) {
    case v1::MATCH_TYPE_PATH_PREFIX:
      return m.path().value();
    case v1::MATCH_TYPE_EXACT:
      return path;
    default:
      *usable = false;  // a regex has no prefix to replace
      return "/";
  }
}

// ReplacePrefixMatch as the spec's table gives it: the matched prefix (its
// trailing '/' ignored) is replaced by `replacement` (its trailing '/'
// ignored); an empty result is "/".
std::string ReplacePrefix(absl::string_view path, absl::string_view prefix,
                          absl::string_view replacement) {
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  while (!replacement.empty() && replacement.back() == '/') {
    replacement.remove_suffix(1);
  }
  absl::string_view rest =
      prefix.size() <= path.size() ? path.substr(prefix.size()) : "";
  std::string out = absl::StrCat(replacement, rest);
  if (out.empty()) out = "/";
  if (out.front() != '/') out = absl::StrCat("/", out);
  return out;
}

// The path after a PathModifier, or nullopt when it leaves the path alone.
std::optional<std::string> ModifyPath(const v1::PathModifier& mod,
                                      const v1::Rule& rule, int32_t match,
                                      absl::string_view path) {
  switch (mod.type()) {
    case v1::PathModifier::TYPE_REPLACE_FULL_PATH:
      return mod.value();
    case v1::PathModifier::TYPE_REPLACE_PREFIX_MATCH: {
      bool usable;
      absl::string_view prefix = MatchedPrefix(rule, match, path, &usable);
      if (!usable) return std::nullopt;
      return ReplacePrefix(path, prefix, mod.value());
    }
    default:
      return std::nullopt;
  }
}

void AddHeaderModifier(const v1::HeaderModifier& mod, HeaderEdits* out) {
  for (const auto& h : mod.set()) out->set.emplace_back(h.name(), h.value());
  for (const auto& h : mod.add()) out->add.emplace_back(h.name(), h.value());
  for (const auto& name : mod.remove()) out->remove.push_back(name);
}

// splitmix64: decorrelates the mirror decision from the backend choice,
// which uses the same Request::hash.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

struct Origin {
  absl::string_view scheme;
  absl::string_view host;
  uint32_t port = 0;
  bool ok = false;
};

// "<scheme>://<host>[:<port>]", the port defaulted from the scheme.
Origin ParseOrigin(absl::string_view text) {
  Origin o;
  size_t sep = text.find("://");
  if (sep == absl::string_view::npos || sep == 0) return o;
  o.scheme = text.substr(0, sep);
  absl::string_view rest = text.substr(sep + 3);
  size_t colon = rest.rfind(':');
  if (colon != absl::string_view::npos && rest.find(']', colon) ==
                                              absl::string_view::npos) {
    if (!absl::SimpleAtoi(rest.substr(colon + 1), &o.port) || o.port == 0 ||
        o.port > 65535) {
      return o;
    }
    rest = rest.substr(0, colon);
  } else if (absl::EqualsIgnoreCase(o.scheme, "http")) {
    o.port = 80;
  } else if (absl::EqualsIgnoreCase(o.scheme, "https")) {
    o.port = 443;
  }
  if (rest.empty()) return o;
  o.host = rest;
  o.ok = true;
  return o;
}

// HTTPCORSFilter allowOrigins: "*" allows all; a '*' at the start of the
// host is a greedy match of one or more characters (any number of labels)
// to its left; scheme and port must be equal (ports defaulted by scheme).
bool OriginAllowed(const v1::Cors& cors, absl::string_view origin) {
  const Origin o = ParseOrigin(origin);
  for (const std::string& allowed : cors.allow_origins()) {
    if (allowed == "*") return true;
    if (!o.ok) continue;
    const Origin a = ParseOrigin(allowed);
    if (!a.ok || !absl::EqualsIgnoreCase(a.scheme, o.scheme) ||
        a.port != o.port) {
      continue;
    }
    if (a.host == "*") return true;
    if (a.host.front() == '*') {
      absl::string_view suffix = a.host.substr(1);
      if (o.host.size() > suffix.size() &&
          absl::EndsWithIgnoreCase(o.host, suffix)) {
        return true;
      }
    } else if (absl::EqualsIgnoreCase(a.host, o.host)) {
      return true;
    }
  }
  return false;
}

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& list,
              absl::string_view value) {
  for (const std::string& s : list) {
    if (s == value) return true;
  }
  return false;
}

// The Access-Control-* response headers of the HTTPCORSFilter doc. With a
// wildcard, the request's own value is echoed: the doc allows that in
// every case and requires it when credentials are allowed.
void AddCors(const v1::Cors& cors, const Request& request, bool preflight,
             HeaderEdits* out) {
  const Header* origin = FindHeader(request.headers, "origin");
  if (origin == nullptr || !OriginAllowed(cors, origin->value)) return;
  out->set.emplace_back("Access-Control-Allow-Origin",
                        std::string(origin->value));
  if (cors.allow_credentials()) {
    out->set.emplace_back("Access-Control-Allow-Credentials", "true");
  }
  if (preflight) {
    const Header* method =
        FindHeader(request.headers, "access-control-request-method");
    if (cors.allow_methods_size() > 0) {
      if (Contains(cors.allow_methods(), "*")) {
        if (method != nullptr) {
          out->set.emplace_back("Access-Control-Allow-Methods",
                                std::string(method->value));
        }
      } else {
        out->set.emplace_back("Access-Control-Allow-Methods",
                              absl::StrJoin(cors.allow_methods(), ", "));
      }
    }
    const Header* headers =
        FindHeader(request.headers, "access-control-request-headers");
    if (cors.allow_headers_size() > 0) {
      if (Contains(cors.allow_headers(), "*")) {
        if (headers != nullptr) {
          out->set.emplace_back("Access-Control-Allow-Headers",
                                std::string(headers->value));
        }
      } else {
        out->set.emplace_back("Access-Control-Allow-Headers",
                              absl::StrJoin(cors.allow_headers(), ", "));
      }
    }
    const int32_t max_age =
        cors.max_age_seconds() > 0 ? cors.max_age_seconds() : 5;
    out->set.emplace_back("Access-Control-Max-Age", absl::StrCat(max_age));
  }
  if (cors.expose_headers_size() > 0) {
    if (!Contains(cors.expose_headers(), "*")) {
      out->set.emplace_back("Access-Control-Expose-Headers",
                            absl::StrJoin(cors.expose_headers(), ", "));
    } else if (!cors.allow_credentials()) {
      out->set.emplace_back("Access-Control-Expose-Headers", "*");
    }
  }
}

}  // namespace

std::string Snapshot::RedirectLocation(const Request& request,
                                       const MatchResult& result) const {
  if (result.status < 300 || result.status >= 400 || result.route < 0) {
    return std::string();
  }
  const v1::Rule* detail = impl_->Detail(result.route, result.rule);
  if (detail == nullptr) return std::string();  // no RequestRedirect filter
  const v1::Rule& rule = *detail;
  const v1::RequestRedirect* redirect = nullptr;
  for (const v1::Filter& f : rule.filters()) {
    if (f.has_request_redirect()) {
      redirect = &f.request_redirect();
      break;
    }
  }
  if (redirect == nullptr) return std::string();
  absl::string_view path, query;
  SplitPathQuery(request.path, &path, &query);
  const std::string scheme =
      !redirect->scheme().empty() ? absl::AsciiStrToLower(redirect->scheme())
      : IsTls(request.protocol)   ? "https"
                                  : "http";
  std::string host = redirect->hostname().empty()
                         ? absl::AsciiStrToLower(StripPort(request.host))
                         : redirect->hostname();
  uint32_t port;
  if (redirect->has_port()) {
    port = redirect->port();
  } else if (!redirect->scheme().empty()) {
    port = scheme == "http" ? 80 : scheme == "https" ? 443 : request.port;
  } else {
    port = request.port;
  }
  const bool default_port =
      (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  std::string new_path(path);
  if (redirect->has_path()) {
    if (auto p = ModifyPath(redirect->path(), rule, result.match, path)) {
      new_path = *std::move(p);
    }
  }
  std::string out = absl::StrCat(scheme, "://", host);
  if (!default_port && port != 0) absl::StrAppend(&out, ":", port);
  absl::StrAppend(&out, new_path);
  if (!query.empty()) absl::StrAppend(&out, "?", query);
  return out;
}

RequestEdits Snapshot::ApplyFilters(const Request& request,
                                    const MatchResult& result) const {
  RequestEdits edits;
  // Only rules with filters, timeouts or retry have a detail; the others
  // change nothing.
  const v1::Rule* detail = impl_->Detail(result.route, result.rule);
  if (detail == nullptr) return edits;
  const v1::Rule& rule = *detail;
  absl::string_view path, query;
  SplitPathQuery(request.path, &path, &query);
  const bool preflight = result.status == 200;
  auto apply = [&](const v1::Filter& f) {
    switch (f.kind_case()) {
      case v1::Filter::kRequestHeaderModifier:
        AddHeaderModifier(f.request_header_modifier(), &edits.request_headers);
        break;
      case v1::Filter::kResponseHeaderModifier:
        AddHeaderModifier(f.response_header_modifier(),
                          &edits.response_headers);
        break;
      case v1::Filter::kUrlRewrite: {
        const v1::UrlRewrite& rw = f.url_rewrite();
        if (!rw.hostname().empty()) edits.host = rw.hostname();
        if (rw.has_path()) {
          if (auto p = ModifyPath(rw.path(), rule, result.match, path)) {
            if (!query.empty()) absl::StrAppend(&*p, "?", query);
            edits.path = *std::move(p);
          }
        }
        break;
      }
      case v1::Filter::kRequestMirror: {
        const v1::RequestMirror& m = f.request_mirror();
        Mirror mirror;
        mirror.backend = &m.backend();
        if (m.denominator() != 0) {
          mirror.numerator = m.numerator();
          mirror.denominator = m.denominator();
        }
        mirror.selected =
            Mix(request.hash) % mirror.denominator < mirror.numerator;
        edits.mirrors.push_back(mirror);
        break;
      }
      case v1::Filter::kCors:
        AddCors(f.cors(), request, preflight, &edits.response_headers);
        break;
      default:
        break;
    }
  };
  for (const v1::Filter& f : rule.filters()) apply(f);
  if (!preflight && result.backend >= 0 &&
      result.backend < rule.backends_size()) {
    for (const v1::Filter& f : rule.backends(result.backend).filters()) {
      apply(f);
    }
  }
  if (rule.has_timeouts()) edits.timeouts = &rule.timeouts();
  if (rule.has_retry()) edits.retry = &rule.retry();
  return edits;
}

}  // namespace gwapi::route
