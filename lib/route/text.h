// Request text helpers shared by the matcher and the filters: host
// normalization, the path check, header and query-parameter lookup. None of
// them allocates. Thread-safety: pure functions.
#ifndef GWAPI_LIB_ROUTE_TEXT_H_
#define GWAPI_LIB_ROUTE_TEXT_H_

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/route/snapshot.h"

namespace gwapi::route {

// Longest host name that can match a configured hostname (RFC 1123).
inline constexpr size_t kMaxHostName = 253;

// A Host / :authority / SNI reduced to what hostname matching compares.
struct HostName {
  // Lower case, without ":port" and without one trailing dot; points into
  // the caller's buffer. Empty when `is_name` is false.
  absl::string_view name;
  // False for an empty host, an IP literal (v4, or v6 with or without
  // brackets), a host longer than kMaxHostName, or one with a byte outside
  // [A-Za-z0-9.-]: such a host matches only listeners and routes that have
  // no hostname.
  bool is_name = false;
};

// Normalizes `host` into `buf` (at least kMaxHostName + 1 bytes).
HostName NormalizeHost(absl::string_view host, char* buf);

// `host` without a trailing ":port" (brackets of an IPv6 literal kept).
absl::string_view StripPort(absl::string_view host);

// Splits "path?query" at the first '?'.
void SplitPathQuery(absl::string_view target, absl::string_view* path,
                    absl::string_view* query);

// True when the matcher accepts `path` (without query): it starts with '/',
// and contains no "//", no "." or ".." segment, no '\\', '#', control
// character or space, no malformed '%' escape, and no escape of an
// unreserved character, '/' or '\\' (docs/MATCHING.md, "Paths").
bool PathAcceptable(absl::string_view path);

// PathAcceptable that also records the offsets of the path's first `cap`
// slashes in `slashes` (the first is 0) and their number in `*count`, so
// that the matcher splits the path without scanning it again.
bool ScanPath(absl::string_view path, uint32_t* slashes, size_t cap,
              size_t* count);

// ScanPath over a whole request target ("path?query"): the path ends at the
// first '?', and *path and *query are what SplitPathQuery gives. One pass
// instead of a find('?') and then the scan (BM_Match_*).
bool ScanTarget(absl::string_view target, uint32_t* slashes, size_t cap,
                size_t* count, absl::string_view* path,
                absl::string_view* query);

// The first header named `name` (any case), or nullptr.
const Header* FindHeader(absl::Span<const Header> headers,
                         absl::string_view name);

// The value of the first query parameter named exactly `name`; false when
// there is none. "a" and "a=" both give "".
bool FindQueryParam(absl::string_view query, absl::string_view name,
                    absl::string_view* value);

}  // namespace gwapi::route

#endif  // GWAPI_LIB_ROUTE_TEXT_H_
