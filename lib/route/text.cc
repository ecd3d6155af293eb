#include "lib/route/text.h"

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace gwapi::route {
namespace {

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// RFC 3986 unreserved characters: a normalizing backend decodes their
// escapes, so an escaped one would make the backend see another path.
bool IsUnreserved(unsigned char c) {
  return absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

}  // namespace

absl::string_view StripPort(absl::string_view host) {
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close == absl::string_view::npos) return host;
    return host.substr(0, close + 1);
  }
  size_t colon = host.find(':');
  if (colon == absl::string_view::npos) return host;
  if (host.find(':', colon + 1) != absl::string_view::npos) return host;
  return host.substr(0, colon);
}

namespace {

// What NormalizeHost does with each byte: its lower-case form, or 0 for a
// byte outside [A-Za-z0-9.-] (one load per byte where the vector loop does
// not reach: hosts shorter than 16 bytes).
struct HostByteTable {
  char lower[256];
  constexpr HostByteTable() : lower() {
    for (int c = 0; c < 256; ++c) {
      lower[c] = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                         c == '.' || c == '-'
                     ? static_cast<char>(c)
                 : (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32)
                                          : 0;
    }
  }
};
constexpr HostByteTable kHostBytes;

inline bool IsNumericByte(char c) { return (c >= '0' && c <= '9') || c == '.'; }

}  // namespace

HostName NormalizeHost(absl::string_view host, char* buf) {
  HostName out;
  if (host.empty() || host.front() == '[') return out;
  const size_t n = host.size();
  const char* p = host.data();
  // One pass: lower-case into `buf` and stop at the first byte outside
  // [A-Za-z0-9.-] (`end`), which must be the ':' of a port. A name longer
  // than kMaxHostName plus its trailing dot is refused, so no more than
  // that is read (BM_Match_*: the separate find(':') and byte loop were a
  // sixth of a match).
  const size_t limit = n < kMaxHostName + 1 ? n : kMaxHostName + 1;
  size_t end = limit;
  bool all_numeric = true;
#if defined(__SSE2__)
  if (limit >= 8) {
    const __m128i upper_lo = _mm_set1_epi8('A' - 1);
    const __m128i upper_hi = _mm_set1_epi8('Z' + 1);
    const __m128i lower_lo = _mm_set1_epi8('a' - 1);
    const __m128i lower_hi = _mm_set1_epi8('z' + 1);
    const __m128i digit_lo = _mm_set1_epi8('0' - 1);
    const __m128i digit_hi = _mm_set1_epi8('9' + 1);
    const __m128i dot = _mm_set1_epi8('.');
    const __m128i dash = _mm_set1_epi8('-');
    const __m128i case_bit = _mm_set1_epi8(0x20);
    // Blocks of 16; the last one overlaps the one before it (rewriting the
    // same bytes), so that no byte loop is needed for the tail. A name of 8
    // to 15 bytes is one block from two overlapping loads, zero past its
    // end, where the zero bytes stop it as a byte outside the set would
    // (BM_Match_FewHosts: "api.example.com" went through the byte loop).
    for (size_t i = 0;;) {
      __m128i v;
      if (limit < 16) {
        uint64_t lo, hi;
        std::memcpy(&lo, p, 8);
        std::memcpy(&hi, p + limit - 8, 8);
        hi = limit > 8 ? hi >> (8 * (16 - limit)) : 0;
        v = _mm_set_epi64x(static_cast<int64_t>(hi), static_cast<int64_t>(lo));
      } else {
        v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      }
      // Signed compares: bytes >= 0x80 are negative and fall in no range.
      const __m128i is_upper = _mm_and_si128(_mm_cmpgt_epi8(v, upper_lo),
                                             _mm_cmplt_epi8(v, upper_hi));
      v = _mm_or_si128(v, _mm_and_si128(is_upper, case_bit));
      const __m128i is_lower = _mm_and_si128(_mm_cmpgt_epi8(v, lower_lo),
                                             _mm_cmplt_epi8(v, lower_hi));
      const __m128i is_digit = _mm_and_si128(_mm_cmpgt_epi8(v, digit_lo),
                                             _mm_cmplt_epi8(v, digit_hi));
      const __m128i is_num = _mm_or_si128(is_digit, _mm_cmpeq_epi8(v, dot));
      const __m128i ok = _mm_or_si128(_mm_or_si128(is_lower, is_num),
                                      _mm_cmpeq_epi8(v, dash));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(buf + i), v);
      const unsigned bad = ~static_cast<unsigned>(_mm_movemask_epi8(ok)) &
                           0xffffu;
      const unsigned num = static_cast<unsigned>(_mm_movemask_epi8(is_num));
      // The bytes of this block before the first bad one.
      const unsigned before = bad != 0 ? (bad & -bad) - 1 : 0xffffu;
      if ((num & before) != before) all_numeric = false;
      if (bad != 0) {
        end = i + static_cast<size_t>(__builtin_ctz(bad));
        break;
      }
      if (i + 16 >= limit) break;
      i = i + 32 <= limit ? i + 16 : limit - 16;
    }
  } else
#endif
  {
    for (size_t i = 0; i < limit; ++i) {
      const char c = kHostBytes.lower[static_cast<unsigned char>(p[i])];
      if (c == 0) {
        end = i;
        break;
      }
      buf[i] = c;
      if (!IsNumericByte(c)) all_numeric = false;
    }
  }
  if (end < n) {
    // Only a port may follow: ':' then digits (which also refuses the
    // second colon of an unbracketed IPv6 literal). At `limit`, any other
    // byte means the name is too long.
    if (p[end] != ':') return out;
    for (size_t i = end + 1; i < n; ++i) {
      if (p[i] < '0' || p[i] > '9') return out;
    }
  }
  size_t len = end;
  if (len > 0 && buf[len - 1] == '.') --len;
  if (len == 0 || len > kMaxHostName) return out;
  if (all_numeric) return out;  // an IPv4 literal (or digits only)
  out.name = absl::string_view(buf, len);
  out.is_name = true;
  return out;
}

void SplitPathQuery(absl::string_view target, absl::string_view* path,
                    absl::string_view* query) {
  size_t q = target.find('?');
  if (q == absl::string_view::npos) {
    *path = target;
    *query = absl::string_view();
  } else {
    *path = target.substr(0, q);
    *query = target.substr(q + 1);
  }
}

namespace {

// Byte classes for ScanPath: most bytes need no look at all. '?' ends the
// path when ScanTarget reads a whole request target; ScanPath, given a path
// alone, treats it as plain.
enum PathByte : uint8_t { kPlain = 0, kSlash, kPercent, kDot, kQuery, kBad };

struct PathByteTable {
  uint8_t cls[256];
  constexpr PathByteTable() : cls() {
    for (int c = 0; c < 256; ++c) {
      cls[c] = (c <= 0x20 || c == 0x7f || c == '\\' || c == '#') ? kBad
               : c == '/'                                         ? kSlash
               : c == '%'                                         ? kPercent
               : c == '.'                                         ? kDot
               : c == '?'                                         ? kQuery
                                                                  : kPlain;
    }
  }
};
constexpr PathByteTable kPathBytes;

// What ScanPath does at a byte that is neither plain, '/' nor (in a
// target) '?', which ScanImpl handles itself: false refuses the path.
template <bool kTarget>
__attribute__((always_inline)) inline bool PathSpecial(const char* p, size_t n,
                                                      size_t i) {
  switch (kPathBytes.cls[static_cast<unsigned char>(p[i])]) {
    case kPlain:
    case kSlash:
    case kQuery:  // plain in a path alone
      return true;
    case kDot: {
      // "." or ".." as a whole segment (the path ends at n, or at '?').
      if (p[i - 1] != '/') return true;
      size_t j = i + 1;
      if (j < n && p[j] == '.') ++j;
      return !(j == n || p[j] == '/' || (kTarget && p[j] == '?'));
    }
    case kPercent: {
      // In a target, a '?' is not a hex digit: "%2?" is refused as "%2".
      if (i + 2 >= n || !IsHex(p[i + 1]) || !IsHex(p[i + 2])) return false;
      const unsigned char decoded = static_cast<unsigned char>(
          HexValue(p[i + 1]) * 16 + HexValue(p[i + 2]));
      return !(IsUnreserved(decoded) || decoded == '/' || decoded == '\\');
    }
    default:
      return false;
  }
}

// ScanPath, and with kTarget also the split at the first '?' (the path's
// length goes to *path_len), in one pass.
template <bool kTarget>
bool ScanImpl(absl::string_view text, uint32_t* slashes, size_t cap,
              size_t* count_out, size_t* path_len) {
  *count_out = 0;
  const size_t n = text.size();
  *path_len = n;
  if (n == 0 || text[0] != '/') return false;
  const char* p = text.data();
  // Kept in a register: stores to `slashes` could alias `*count_out`.
  size_t count = 0;
  if (cap > 0) slashes[count++] = 0;
  size_t i = 1;
#if defined(__SSE2__)
  // Sixteen bytes at a time. '/' and '?', the common special bytes, are
  // handled from their masks: "//" is a slash whose previous byte is one,
  // and the bytes from the first '?' on are the query. The rarer bytes that
  // need a look ('%', '.', '\\', '#', DEL and everything up to space) go to
  // PathSpecial. A target of 8 to 16 bytes is one block built from two
  // overlapping loads, zero beyond its end; a longer one ends with a block
  // that overlaps the one before it, its bytes already seen masked off
  // (BM_Match_*: a byte loop, then a call per slash, were a sixth of a
  // match).
  if (n >= 8) {
    const __m128i slash = _mm_set1_epi8('/');
    const __m128i percent = _mm_set1_epi8('%');
    const __m128i dot = _mm_set1_epi8('.');
    const __m128i question = _mm_set1_epi8('?');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i hash = _mm_set1_epi8('#');
    const __m128i del = _mm_set1_epi8(0x7f);
    const __m128i space = _mm_set1_epi8(0x20);
    bool stop = false;
    while (i < n) {
      size_t at0;
      __m128i v, prev;
      unsigned fresh;
      if (n <= 16) {
        uint64_t lo, hi;
        std::memcpy(&lo, p, 8);
        std::memcpy(&hi, p + n - 8, 8);
        hi = n > 8 ? hi >> (8 * (16 - n)) : 0;
        v = _mm_set_epi64x(static_cast<int64_t>(hi), static_cast<int64_t>(lo));
        prev = _mm_slli_si128(v, 1);
        at0 = 0;
        fresh = ((1u << n) - 1) & ~1u;
      } else {
        at0 = i + 16 <= n ? i : n - 16;
        v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at0));
        prev = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at0 - 1));
        fresh = 0xffffu & ~((1u << (i - at0)) - 1);
      }
      const __m128i is_slash = _mm_cmpeq_epi8(v, slash);
      unsigned slashes_m =
          static_cast<unsigned>(_mm_movemask_epi8(is_slash)) & fresh;
      const __m128i is_doubled =
          _mm_and_si128(is_slash, _mm_cmpeq_epi8(prev, slash));
      unsigned doubled =
          static_cast<unsigned>(_mm_movemask_epi8(is_doubled)) & fresh;
      // Bytes <= 0x20 unsigned: min(v, 0x20) == v.
      __m128i sp = _mm_cmpeq_epi8(_mm_min_epu8(v, space), v);
      sp = _mm_or_si128(sp, _mm_cmpeq_epi8(v, percent));
      sp = _mm_or_si128(sp, _mm_cmpeq_epi8(v, dot));
      sp = _mm_or_si128(sp, _mm_cmpeq_epi8(v, backslash));
      sp = _mm_or_si128(sp, _mm_cmpeq_epi8(v, hash));
      sp = _mm_or_si128(sp, _mm_cmpeq_epi8(v, del));
      unsigned others = static_cast<unsigned>(_mm_movemask_epi8(sp)) & fresh;
      if (kTarget) {
        const unsigned q =
            static_cast<unsigned>(
                _mm_movemask_epi8(_mm_cmpeq_epi8(v, question))) &
            fresh;
        if (q != 0) {
          const unsigned before = (q & -q) - 1;
          slashes_m &= before;
          doubled &= before;
          others &= before;
          stop = true;
          *path_len = at0 + static_cast<size_t>(__builtin_ctz(q));
        }
      }
      // An empty segment is allowed only as the trailing slash.
      if (doubled != 0) return false;
      for (; others != 0; others &= others - 1) {
        const size_t at = at0 + static_cast<size_t>(__builtin_ctz(others));
        if (!PathSpecial<kTarget>(p, n, at)) return false;
      }
      for (; slashes_m != 0 && count < cap; slashes_m &= slashes_m - 1) {
        slashes[count++] = static_cast<uint32_t>(
            at0 + static_cast<size_t>(__builtin_ctz(slashes_m)));
      }
      if (stop) break;
      i = at0 + 16;
    }
    *count_out = count;
    return true;
  }
#endif
  bool ok = true;
  for (; i < n; ++i) {
    if (kPathBytes.cls[static_cast<unsigned char>(p[i])] == kPlain) continue;
    if (kTarget && p[i] == '?') {
      *path_len = i;
      break;
    }
    if (p[i] == '/') {
      // An empty segment is allowed only as the trailing slash.
      if (p[i - 1] == '/') {
        ok = false;
        break;
      }
      if (count < cap) slashes[count++] = static_cast<uint32_t>(i);
      continue;
    }
    if (!PathSpecial<kTarget>(p, n, i)) {
      ok = false;
      break;
    }
  }
  *count_out = count;
  return ok;
}

}  // namespace

bool PathAcceptable(absl::string_view path) {
  size_t count, len;
  return ScanImpl<false>(path, nullptr, 0, &count, &len);
}

bool ScanPath(absl::string_view path, uint32_t* slashes, size_t cap,
              size_t* count) {
  size_t len;
  return ScanImpl<false>(path, slashes, cap, count, &len);
}

bool ScanTarget(absl::string_view target, uint32_t* slashes, size_t cap,
                size_t* count, absl::string_view* path,
                absl::string_view* query) {
  size_t len;
  const bool ok = ScanImpl<true>(target, slashes, cap, count, &len);
  *path = target.substr(0, len);
  *query = len < target.size() ? target.substr(len + 1) : absl::string_view();
  return ok;
}

const Header* FindHeader(absl::Span<const Header> headers,
                         absl::string_view name) {
  for (const Header& h : headers) {
    if (h.name.size() == name.size() && absl::EqualsIgnoreCase(h.name, name)) {
      return &h;
    }
  }
  return nullptr;
}

bool FindQueryParam(absl::string_view query, absl::string_view name,
                    absl::string_view* value) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    absl::string_view pair = query.substr(0, amp);
    query = amp == absl::string_view::npos ? absl::string_view()
                                           : query.substr(amp + 1);
    size_t eq = pair.find('=');
    absl::string_view key = pair.substr(0, eq);
    if (key == name) {
      *value = eq == absl::string_view::npos ? absl::string_view()
                                             : pair.substr(eq + 1);
      return true;
    }
  }
  return false;
}

}  // namespace gwapi::route
