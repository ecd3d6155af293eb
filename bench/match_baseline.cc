#include "bench/match_baseline.h"

#include <algorithm>
#include <tuple>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace gwapi::bench {
namespace {

namespace v1 = ::gwapi::v1;
using Entry = BaselineMatcher::Entry;

absl::StatusOr<std::unique_ptr<RE2>> CompileRegex(const std::string& pattern,
                                                  absl::string_view where) {
  RE2::Options o;
  o.set_log_errors(false);
  auto re = std::make_unique<RE2>(pattern, o);
  if (!re->ok()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": bad regex: ", re->error()));
  }
  return re;
}

absl::StatusOr<BaselineMatcher::HeaderMatcher> MakeHeaderMatcher(const v1::HeaderMatch& m,
                                                                 bool lower_name,
                                                                 absl::string_view where) {
  BaselineMatcher::HeaderMatcher h;
  h.name = lower_name ? absl::AsciiStrToLower(m.name()) : m.name();
  h.value = m.value();
  if (m.type() == v1::MATCH_TYPE_REGULAR_EXPRESSION) {
    auto re = CompileRegex(m.value(), where);
    if (!re.ok()) return re.status();
    h.regex = std::move(*re);
  }
  return h;
}

// Gateway API precedence among the entries of one virtual host: path type
// (Exact first; regex where options put it), longest path, method, most
// headers, most query parameters, oldest route (its index), rule, match.
bool Precedes(const Entry& a, const Entry& b, RegexRank regex_rank) {
  auto type_rank = [regex_rank](Entry::PathType t) {
    switch (t) {
      case Entry::kExact:
        return 0;
      case Entry::kRegex:
        return regex_rank == RegexRank::kAfterExact ? 1 : 2;
      default:
        return regex_rank == RegexRank::kAfterExact ? 2 : 1;
    }
  };
  auto key = [&](const Entry& e) {
    return std::make_tuple(type_rank(e.path_type), -static_cast<int64_t>(e.rank_length),
                           e.method.empty() ? 1 : 0, -static_cast<int64_t>(e.headers.size()),
                           -static_cast<int64_t>(e.query.size()), e.route, e.rule, e.match);
  };
  return key(a) < key(b);
}

// The first value of query parameter `name` in `query` ("a=1&b=2").
bool FindQueryParam(absl::string_view query, absl::string_view name, absl::string_view* value) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    absl::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    absl::string_view key = pair.substr(0, eq);
    if (key == name) {
      *value = eq == absl::string_view::npos ? absl::string_view() : pair.substr(eq + 1);
      return true;
    }
    if (amp == absl::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return false;
}

bool HeadersMatch(const Entry& e, absl::Span<const BaselineHeader> headers) {
  for (const BaselineMatcher::HeaderMatcher& m : e.headers) {
    const BaselineHeader* found = nullptr;
    for (const BaselineHeader& h : headers) {
      if (absl::EqualsIgnoreCase(h.name, m.name)) {
        found = &h;
        break;
      }
    }
    if (found == nullptr) return false;
    if (m.regex != nullptr) {
      if (!RE2::FullMatch(re2::StringPiece(found->value.data(), found->value.size()), *m.regex)) {
        return false;
      }
    } else if (found->value != m.value) {
      return false;
    }
  }
  return true;
}

bool QueryMatches(const Entry& e, absl::string_view query) {
  for (const BaselineMatcher::HeaderMatcher& m : e.query) {
    absl::string_view value;
    if (!FindQueryParam(query, m.name, &value)) return false;
    if (m.regex != nullptr) {
      if (!RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *m.regex)) return false;
    } else if (value != m.value) {
      return false;
    }
  }
  return true;
}

bool PathMatches(const Entry& e, absl::string_view path) {
  switch (e.path_type) {
    case Entry::kExact:
      return path == e.path;
    case Entry::kPrefix:
      // Element-wise: "/foo" matches "/foo", "/foo/" and "/foo/bar" but not
      // "/foobar"; the root prefix is stored as "".
      return absl::StartsWith(path, e.path) &&
             (path.size() == e.path.size() || path[e.path.size()] == '/');
    case Entry::kRegex:
      return RE2::FullMatch(re2::StringPiece(path.data(), path.size()), *e.path_regex);
  }
  return false;
}

}  // namespace

absl::StatusOr<std::unique_ptr<BaselineMatcher>> BaselineMatcher::Create(
    const v1::Snapshot& config, const BaselineOptions& options) {
  std::unique_ptr<BaselineMatcher> m(new BaselineMatcher());
  m->options_ = options;
  // Entries of every route rule match, built once and shared by the
  // virtual hosts the route's hostnames put them in.
  std::vector<std::vector<std::shared_ptr<const Entry>>> route_entries(config.routes_size());
  for (int r = 0; r < config.routes_size(); ++r) {
    const v1::Route& route = config.routes(r);
    if (route.kind() != v1::ROUTE_KIND_HTTP) continue;
    for (int ri = 0; ri < route.rules_size(); ++ri) {
      const v1::Rule& rule = route.rules(ri);
      if (rule.invalid()) continue;
      RuleBackends rb;
      uint64_t sum = 0;
      for (const v1::Backend& b : rule.backends()) {
        sum += b.weight();
        rb.cumulative.push_back(sum);
        rb.valid.push_back(b.valid());
      }
      int32_t slot = static_cast<int32_t>(m->rules_.size());
      m->rules_.push_back(std::move(rb));
      std::string where = absl::StrCat(route.namespace_(), "/", route.name(), " rule ", ri);
      // A rule without matches matches everything (PathPrefix "/").
      v1::HttpMatch everything;
      std::vector<const v1::HttpMatch*> matches;
      for (const v1::HttpMatch& hm : rule.http_matches()) matches.push_back(&hm);
      if (matches.empty()) matches.push_back(&everything);
      for (size_t mi = 0; mi < matches.size(); ++mi) {
        const v1::HttpMatch& hm = *matches[mi];
        auto e = std::make_shared<Entry>();
        e->route = r;
        e->rule = ri;
        e->match = static_cast<int32_t>(mi);
        e->rule_slot = slot;
        e->method = hm.method();
        v1::MatchType type = hm.has_path() ? hm.path().type() : v1::MATCH_TYPE_PATH_PREFIX;
        std::string value = hm.has_path() ? hm.path().value() : "/";
        switch (type) {
          case v1::MATCH_TYPE_EXACT:
            e->path_type = Entry::kExact;
            e->path = value;
            break;
          case v1::MATCH_TYPE_REGULAR_EXPRESSION: {
            e->path_type = Entry::kRegex;
            e->path = value;
            auto re = CompileRegex(value, where);
            if (!re.ok()) return re.status();
            e->path_regex = std::move(*re);
            break;
          }
          default:
            e->path_type = Entry::kPrefix;
            e->path = value;
            while (!e->path.empty() && e->path.back() == '/') e->path.pop_back();
            break;
        }
        // A PathPrefix ranks without its trailing '/', which the spec
        // ignores ("/foo/" is the prefix "/foo").
        e->rank_length = static_cast<uint32_t>(
            e->path_type == Entry::kPrefix ? e->path.size() : value.size());
        for (const v1::HeaderMatch& h : hm.headers()) {
          auto hmatch = MakeHeaderMatcher(h, /*lower_name=*/true, where);
          if (!hmatch.ok()) return hmatch.status();
          e->headers.push_back(std::move(*hmatch));
        }
        for (const v1::HeaderMatch& q : hm.query_params()) {
          auto qmatch = MakeHeaderMatcher(q, /*lower_name=*/false, where);
          if (!qmatch.ok()) return qmatch.status();
          e->query.push_back(std::move(*qmatch));
        }
        route_entries[r].push_back(std::move(e));
      }
    }
  }

  for (const v1::Gateway& g : config.gateways()) {
    std::vector<Listener>& listeners = m->gateways_.emplace_back();
    for (int li = 0; li < g.listeners_size(); ++li) {
      const v1::Listener& l = g.listeners(li);
      if (l.protocol() != v1::PROTOCOL_HTTP && l.protocol() != v1::PROTOCOL_HTTPS) continue;
      Listener& out = listeners.emplace_back();
      out.port = l.port();
      out.index = li;
      absl::flat_hash_map<size_t, absl::flat_hash_map<std::string, VirtualHost>> wildcards;
      for (const v1::Attachment& a : l.attachments()) {
        if (a.route() >= route_entries.size()) {
          return absl::InvalidArgumentError(absl::StrCat("attachment to route ", a.route()));
        }
        const auto& entries = route_entries[a.route()];
        auto add = [&](VirtualHost* vh) {
          vh->entries.insert(vh->entries.end(), entries.begin(), entries.end());
        };
        if (a.hostnames().empty()) {
          out.has_any = true;
          add(&out.any);
        }
        for (const std::string& h : a.hostnames()) {
          if (absl::StartsWith(h, "*.")) {
            std::string suffix = h.substr(1);
            add(&wildcards[suffix.size()][suffix]);
          } else {
            add(&out.exact[h]);
          }
        }
      }
      for (auto& [len, table] : wildcards) out.wildcard.emplace_back(len, std::move(table));
      std::sort(out.wildcard.begin(), out.wildcard.end(),
                [](const auto& a, const auto& b) { return a.first > b.first; });
      auto sort_vhost = [&](VirtualHost& vh) {
        std::stable_sort(vh.entries.begin(), vh.entries.end(), [&](const auto& a, const auto& b) {
          return Precedes(*a, *b, options.regex_rank);
        });
        vh.entries.erase(std::unique(vh.entries.begin(), vh.entries.end()), vh.entries.end());
        m->entries_ += vh.entries.size();
      };
      for (auto& [name, vh] : out.exact) sort_vhost(vh);
      for (auto& [len, table] : out.wildcard) {
        for (auto& [name, vh] : table) sort_vhost(vh);
      }
      sort_vhost(out.any);
    }
  }
  return m;
}

void BaselineMatcher::Match(const BaselineRequest& request, BaselineResult* result) const {
  *result = BaselineResult();
  result->status = 404;
  if (request.gateway < 0 || static_cast<size_t>(request.gateway) >= gateways_.size()) return;
  const Listener* listener = nullptr;
  for (const Listener& l : gateways_[request.gateway]) {
    if (l.port == request.port) {
      listener = &l;
      break;
    }
  }
  if (listener == nullptr) return;
  result->listener = listener->index;

  // ignore_port_in_host_matching, then Envoy's per-request lower-case copy.
  absl::string_view host_view = request.host;
  size_t colon = host_view.rfind(':');
  if (colon != absl::string_view::npos && host_view.find(']', colon) == absl::string_view::npos) {
    host_view = host_view.substr(0, colon);
  }
  const std::string host = absl::AsciiStrToLower(host_view);

  // sanitizePathBeforePathMatching: the path without its query.
  absl::string_view path = request.path;
  absl::string_view query;
  if (size_t q = path.find('?'); q != absl::string_view::npos) {
    query = path.substr(q + 1);
    path = path.substr(0, q);
  }
  if (auto it = listener->exact.find(host); it != listener->exact.end()) {
    if (MatchVirtualHost(it->second, request, path, query, result)) return;
    if (!options_.host_fallback) return;
  }
  for (const auto& [len, table] : listener->wildcard) {
    if (len >= host.size()) continue;
    auto w = table.find(absl::string_view(host).substr(host.size() - len));
    if (w != table.end()) {
      if (MatchVirtualHost(w->second, request, path, query, result)) return;
      if (!options_.host_fallback) return;
    }
  }
  if (listener->has_any) MatchVirtualHost(listener->any, request, path, query, result);
}

bool BaselineMatcher::MatchVirtualHost(const VirtualHost& vh, const BaselineRequest& request,
                                       absl::string_view path, absl::string_view query,
                                       BaselineResult* result) const {
  for (const std::shared_ptr<const Entry>& ep : vh.entries) {
    const Entry& e = *ep;
    // matchRoute(): headers and query parameters before the path.
    if (!e.method.empty() && e.method != request.method) continue;
    if (!e.headers.empty() && !HeadersMatch(e, request.headers)) continue;
    if (!e.query.empty() && !QueryMatches(e, query)) continue;
    if (!PathMatches(e, path)) continue;
    result->route = e.route;
    result->rule = e.rule;
    const RuleBackends& rb = rules_[e.rule_slot];
    if (rb.cumulative.empty() || rb.cumulative.back() == 0) {
      result->status = 500;
      return true;
    }
    uint64_t x = request.hash % rb.cumulative.back();
    size_t b =
        std::upper_bound(rb.cumulative.begin(), rb.cumulative.end(), x) - rb.cumulative.begin();
    result->backend = static_cast<int32_t>(b);
    result->status = rb.valid[b] ? 0 : 500;
    return true;
  }
  return false;
}

}  // namespace gwapi::bench
