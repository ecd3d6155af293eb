// The CEL interpreter: a lexer and recursive-descent parser that build a
// Node tree, a checking pass that resolves identifiers, macros and functions
// (and compiles constant regexes), and a tree-walking evaluator over
// model::Value.
//
// Semantics follow cel-go as the Kubernetes API server configures it:
// heterogeneous equality (1 == 1.0), cross-type numeric ordering, commutative
// error absorption in && and ||, checked integer arithmetic, the ext strings
// library (version 2) and the Kubernetes IP/CIDR functions. Evaluation is
// charged with cel-go's runtime cost model and stops at the API server's
// per-rule limit, so every evaluation is bounded.
//
// Not supported (a compile error, never a silent pass): timestamps, bytes,
// type(), optional syntax (?. .?f optional.of) and optionalOldSelf,
// two-variable comprehensions, message construction, backtick identifiers,
// the cidr() type, and the Kubernetes quantity, URL, find/findAll, list
// aggregate, format, quote, reverse, semver and authz libraries.
#include "lib/validate/cel.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "lib/model/value.h"
#include "re2/re2.h"

namespace gwapi::validate::cel {
namespace {

// AST levels; deeper expressions do not compile, which bounds every recursion
// below (parser, checker, evaluator).
constexpr int kMaxHeight = 200;
// Nested sub-expressions (parentheses, arguments, list elements, the `:`
// branch of a ternary). Each costs the parser about 1.4 KiB of stack, so this
// keeps Compile within ~150 KiB however the input nests.
constexpr int kMaxNesting = 100;
// cel-go's default expression size limit.
constexpr size_t kMaxExpressionCodePoints = 100'000;
// The API server's per-rule runtime cost limit (celconfig.PerCallLimit).
constexpr uint64_t kCostLimit = 1'000'000;
// Bytes of strings and lists one evaluation may build. cel-go concatenates
// lists lazily; copying them needs this separate bound.
constexpr size_t kMemoryLimit = size_t{64} << 20;
constexpr uint64_t kListCreateCost = 10;  // cel-go common.ListCreateBaseCost
constexpr uint64_t kMapCreateCost = 30;   // cel-go common.MapCreateBaseCost

constexpr char kCostExceeded[] = "operation cancelled: actual cost limit exceeded";
constexpr char kMemoryExceeded[] = "operation cancelled: evaluation memory limit exceeded";

enum class Kind : uint8_t {
  kError,
  kNull,
  kBool,
  kInt,
  kUint,
  kDouble,
  kString,
  kList,
  kMap,
  kDuration,
  kIp,
};

// A CEL value. Trivially copyable: strings, lists and maps point into the
// model::Value tree being evaluated, into the compiled Node (constants) or
// into the evaluation's arena (Ctx), never own anything.
//
// 16 bytes, so that the evaluator passes and returns it in two registers:
// at 24 bytes every Eval returned it through memory, and reading it back hit
// a store-forwarding stall that was half of a field selection's samples
// (perf annotate, BM_DecodeValidate_JsonList/1000).
struct Val {
  Kind kind;
  bool computed;      // kList/kMap: `vec` (maps: key, value, key, value, ...), else `tree`
  uint8_t family;     // kIp: 4 or 6
  uint32_t str_size;  // kString: bytes (MakeString refuses 4 GiB and more)
  union {
    bool b;
    int64_t i;  // kInt; kDuration in nanoseconds
    uint64_t u;
    double d;
    const char* str_data;  // kString
    const model::Value* tree;
    const std::vector<Val>* vec;
    const char* err;
    const uint8_t* ip;  // kIp: 16 bytes in the arena, IPv4 in the first 4, the rest zero
  };

  absl::string_view str() const { return absl::string_view(str_data, str_size); }
};
static_assert(sizeof(Val) == 16, "Val must fit in two registers");

// The factories leave unused payload bytes unset: zeroing the union first
// makes the compiler assemble the Val on the stack and copy it (a
// store-forwarding stall on every field read).
Val MakeVal(Kind kind) {
  Val v;
  v.kind = kind;
  v.computed = false;
  v.family = 0;
  return v;
}
Val MakeNull() { return MakeVal(Kind::kNull); }
Val MakeBool(bool b) {
  Val v = MakeVal(Kind::kBool);
  v.b = b;
  return v;
}
Val MakeInt(int64_t i) {
  Val v = MakeVal(Kind::kInt);
  v.i = i;
  return v;
}
Val MakeUint(uint64_t u) {
  Val v = MakeVal(Kind::kUint);
  v.u = u;
  return v;
}
Val MakeDouble(double d) {
  Val v = MakeVal(Kind::kDouble);
  v.d = d;
  return v;
}
Val MakeString(absl::string_view s) {
  if (ABSL_PREDICT_FALSE(s.size() > std::numeric_limits<uint32_t>::max())) {
    // Unreachable through the decoders' limits (max_input_bytes), and
    // computed strings stop at kMemoryLimit.
    Val v = MakeVal(Kind::kError);
    v.err = "string of 4 GiB or more";
    return v;
  }
  Val v = MakeVal(Kind::kString);
  v.str_size = static_cast<uint32_t>(s.size());
  v.str_data = s.data();
  return v;
}
Val MakeDuration(int64_t ns) {
  Val v = MakeVal(Kind::kDuration);
  v.i = ns;
  return v;
}
Val MakeVec(Kind kind, const std::vector<Val>* vec) {
  Val v = MakeVal(kind);
  v.computed = true;
  v.vec = vec;
  return v;
}

Val FromTree(const model::Value& t) {
  using T = model::Value::Type;
  switch (t.type()) {
    case T::kNull:
      return MakeNull();
    case T::kBool:
      return MakeBool(t.bool_value());
    case T::kInt:
      return MakeInt(t.int_value());
    case T::kDouble:
      return MakeDouble(t.double_value());
    case T::kString:
      return MakeString(t.string_value());
    case T::kArray:
    case T::kObject: {
      Val v = MakeVal(t.is_array() ? Kind::kList : Kind::kMap);
      v.tree = &t;
      return v;
    }
  }
  return MakeNull();
}

const char* TypeName(const Val& v) {
  switch (v.kind) {
    case Kind::kError:
      return "error";
    case Kind::kNull:
      return "null_type";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kUint:
      return "uint";
    case Kind::kDouble:
      return "double";
    case Kind::kString:
      return "string";
    case Kind::kList:
      return "list";
    case Kind::kMap:
      return "map";
    case Kind::kDuration:
      return "google.protobuf.Duration";
    case Kind::kIp:
      return "net.IP";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------
// Lists and maps, whether backed by the Value tree or computed.

size_t ListSize(const Val& v) { return v.computed ? v.vec->size() : v.tree->array().size(); }

Val ListAt(const Val& v, size_t i) {
  return v.computed ? (*v.vec)[i] : FromTree(v.tree->array()[i]);
}

size_t MapSize(const Val& v) { return v.computed ? v.vec->size() / 2 : v.tree->object().size(); }

Val MapKeyAt(const Val& v, size_t i) {
  return v.computed ? (*v.vec)[2 * i] : MakeString(v.tree->object()[i].first);
}

Val MapValueAt(const Val& v, size_t i) {
  return v.computed ? (*v.vec)[2 * i + 1] : FromTree(v.tree->object()[i].second);
}

// The Val of a collection's i-th element: list elements, map keys.
Val RangeAt(const Val& v, size_t i) {
  return v.kind == Kind::kList ? ListAt(v, i) : MapKeyAt(v, i);
}

bool Equal(const Val& a, const Val& b);

bool MapFindField(const Val& m, absl::string_view key, Val* out) {
  if (!m.computed) {
    const model::Value* f = m.tree->Find(key);
    if (f == nullptr) return false;
    *out = FromTree(*f);
    return true;
  }
  const std::vector<Val>& e = *m.vec;
  for (size_t i = 0; i < e.size(); i += 2) {
    if (e[i].kind == Kind::kString && e[i].str() == key) {
      *out = e[i + 1];
      return true;
    }
  }
  return false;
}

// Key lookup with CEL's heterogeneous key equality (1 finds 1.0's entry).
bool MapFind(const Val& m, const Val& key, Val* out) {
  if (!m.computed) {
    if (key.kind != Kind::kString) return false;  // JSON objects have string keys only
    return MapFindField(m, key.str(), out);
  }
  const std::vector<Val>& e = *m.vec;
  for (size_t i = 0; i < e.size(); i += 2) {
    if (Equal(e[i], key)) {
      *out = e[i + 1];
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------
// Equality and ordering (cel-go common/types, compare.go).

bool IsNumber(const Val& v) {
  return v.kind == Kind::kInt || v.kind == Kind::kUint || v.kind == Kind::kDouble;
}

int CompareDoubles(double a, double b) { return a < b ? -1 : (a > b ? 1 : 0); }

int CompareDoubleInt(double d, int64_t i) {
  if (d < -9223372036854775808.0) return -1;
  if (d > 9223372036854775807.0) return 1;
  return CompareDoubles(d, static_cast<double>(i));
}

int CompareDoubleUint(double d, uint64_t u) {
  if (d < 0) return -1;
  if (d > 18446744073709551615.0) return 1;
  return CompareDoubles(d, static_cast<double>(u));
}

int CompareIntUint(int64_t i, uint64_t u) {
  if (i < 0 || u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return -1;
  const int64_t ui = static_cast<int64_t>(u);
  return i < ui ? -1 : (i > ui ? 1 : 0);
}

// -1, 0, 1; 2 when a NaN makes the operands unordered.
int CompareNumbers(const Val& a, const Val& b) {
  if ((a.kind == Kind::kDouble && std::isnan(a.d)) ||
      (b.kind == Kind::kDouble && std::isnan(b.d))) {
    return 2;
  }
  switch (a.kind) {
    case Kind::kInt:
      if (b.kind == Kind::kInt) return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
      if (b.kind == Kind::kUint) return CompareIntUint(a.i, b.u);
      return -CompareDoubleInt(b.d, a.i);
    case Kind::kUint:
      if (b.kind == Kind::kUint) return a.u < b.u ? -1 : (a.u > b.u ? 1 : 0);
      if (b.kind == Kind::kInt) return -CompareIntUint(b.i, a.u);
      return -CompareDoubleUint(b.d, a.u);
    default:
      if (b.kind == Kind::kDouble) return CompareDoubles(a.d, b.d);
      if (b.kind == Kind::kInt) return CompareDoubleInt(a.d, b.i);
      return CompareDoubleUint(a.d, b.u);
  }
}

bool Equal(const Val& a, const Val& b) {
  switch (a.kind) {
    case Kind::kError:
      return false;
    case Kind::kNull:
      return b.kind == Kind::kNull;
    case Kind::kBool:
      return b.kind == Kind::kBool && a.b == b.b;
    case Kind::kInt:
    case Kind::kUint:
    case Kind::kDouble:
      return IsNumber(b) && CompareNumbers(a, b) == 0;
    case Kind::kString:
      return b.kind == Kind::kString && a.str() == b.str();
    case Kind::kDuration:
      return b.kind == Kind::kDuration && a.i == b.i;
    case Kind::kIp:
      return b.kind == Kind::kIp && a.family == b.family && std::memcmp(a.ip, b.ip, 16) == 0;
    case Kind::kList: {
      if (b.kind != Kind::kList) return false;
      // JSON equality of two trees is CEL equality: 1 == 1.0, member order ignored.
      if (!a.computed && !b.computed) return *a.tree == *b.tree;
      const size_t n = ListSize(a);
      if (n != ListSize(b)) return false;
      for (size_t i = 0; i < n; ++i) {
        if (!Equal(ListAt(a, i), ListAt(b, i))) return false;
      }
      return true;
    }
    case Kind::kMap: {
      if (b.kind != Kind::kMap) return false;
      if (!a.computed && !b.computed) return *a.tree == *b.tree;
      const size_t n = MapSize(a);
      if (n != MapSize(b)) return false;
      for (size_t i = 0; i < n; ++i) {
        Val bv;
        if (!MapFind(b, MapKeyAt(a, i), &bv) || !Equal(MapValueAt(a, i), bv)) return false;
      }
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------
// UTF-8 helpers. Every string here is valid UTF-8: the JSON/YAML decoders
// validate input, and Compile validates the expression.

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

size_t CodePointCount(absl::string_view s) {
  size_t n = 0;
  for (char c : s) n += !IsContinuation(c);
  return n;
}

// Byte offset of code point `index` (index <= CodePointCount(s)).
size_t ByteOffset(absl::string_view s, size_t index) {
  size_t i = 0;
  while (index > 0 && i < s.size()) {
    ++i;
    while (i < s.size() && IsContinuation(s[i])) ++i;
    --index;
  }
  return i;
}

// Decodes the code point at s[*i] and advances *i past it.
uint32_t DecodeUtf8(absl::string_view s, size_t* i) {
  const unsigned char c = static_cast<unsigned char>(s[*i]);
  int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  size_t j = *i + 1;
  for (int k = 1; k < len && j < s.size(); ++k, ++j) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[j]) & 0x3F);
  }
  *i = j;
  return cp;
}

// Length of the UTF-8 sequence that ends just before s[end].
size_t LastCodePointLength(absl::string_view s, size_t end) {
  size_t start = end - 1;
  while (start > 0 && IsContinuation(s[start])) --start;
  return end - start;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool ValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len;
    uint32_t min;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      min = 0x10000;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (int k = 1; k < len; ++k) {
      if (!IsContinuation(s[i + k])) return false;
    }
    size_t j = i;
    const uint32_t cp = DecodeUtf8(s, &j);
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i = j;
  }
  return true;
}

// Go's unicode.IsSpace, for strings.TrimSpace.
bool IsUnicodeSpace(uint32_t c) {
  switch (c) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

// ---------------------------------------------------------------------------
// Go formatting and parsing that cel-go's conversions rely on.

// fmt.Sprintf("%g", d): shortest digits, exponent form below 1e-4 and from 1e6.
std::string FormatDoubleG(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  absl::string_view sci(buf, r.ptr - buf);  // [-]D[.DDD]e[+-]XX
  std::string out;
  if (sci[0] == '-') {
    out.push_back('-');
    sci.remove_prefix(1);
  }
  const size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  const int exp = std::atoi(std::string(sci.substr(e + 1)).c_str());
  const int nd = static_cast<int>(digits.size());
  if (exp < -4 || exp >= 6) {
    out.push_back(digits[0]);
    if (nd > 1) absl::StrAppend(&out, ".", absl::string_view(digits).substr(1));
    const int a = exp < 0 ? -exp : exp;
    absl::StrAppend(&out, exp < 0 ? "e-" : "e+", a < 10 ? "0" : "", a);
    return out;
  }
  const int dp = exp + 1;  // digits before the decimal point
  if (dp <= 0) {
    absl::StrAppend(&out, "0.", std::string(-dp, '0'), digits);
  } else if (dp >= nd) {
    absl::StrAppend(&out, digits, std::string(dp - nd, '0'));
  } else {
    absl::StrAppend(&out, absl::string_view(digits).substr(0, dp), ".",
                    absl::string_view(digits).substr(dp));
  }
  return out;
}

// strconv.FormatFloat(d, 'f', -1, 64).
std::string FormatDoubleF(double d) {
  char buf[400];
  const auto r = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::fixed);
  return std::string(buf, r.ptr - buf);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Go's time.ParseDuration, which cel-go's duration() uses.
bool ParseGoDuration(absl::string_view s, int64_t* out) {
  constexpr uint64_t kTwo63 = uint64_t{1} << 63;
  uint64_t d = 0;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    *out = 0;
    return true;
  }
  if (s.empty()) return false;
  while (!s.empty()) {
    uint64_t v = 0, f = 0;
    double scale = 1;
    if (!(s[0] == '.' || IsDigit(s[0]))) return false;
    size_t i = 0;
    for (; i < s.size() && IsDigit(s[i]); ++i) {
      if (v > kTwo63 / 10) return false;
      v = v * 10 + static_cast<uint64_t>(s[i] - '0');
      if (v > kTwo63) return false;
    }
    const bool pre = i > 0;
    s.remove_prefix(i);
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      bool overflow = false;
      size_t j = 0;
      for (; j < s.size() && IsDigit(s[j]); ++j) {
        if (overflow) continue;
        if (f > (kTwo63 - 1) / 10) {
          overflow = true;
          continue;
        }
        const uint64_t y = f * 10 + static_cast<uint64_t>(s[j] - '0');
        if (y > kTwo63) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = j > 0;
      s.remove_prefix(j);
    }
    if (!pre && !post) return false;
    size_t k = 0;
    while (k < s.size() && s[k] != '.' && !IsDigit(s[k])) ++k;
    if (k == 0) return false;
    const absl::string_view u = s.substr(0, k);
    s.remove_prefix(k);
    uint64_t unit;
    if (u == "ns") {
      unit = 1;
    } else if (u == "us" || u == "\xC2\xB5s" || u == "\xCE\xBCs") {
      unit = 1000;
    } else if (u == "ms") {
      unit = 1000'000;
    } else if (u == "s") {
      unit = 1000'000'000;
    } else if (u == "m") {
      unit = 60 * uint64_t{1000'000'000};
    } else if (u == "h") {
      unit = 3600 * uint64_t{1000'000'000};
    } else {
      return false;
    }
    if (v > kTwo63 / unit) return false;
    v *= unit;
    if (f > 0) {
      v += static_cast<uint64_t>(static_cast<double>(f) * (static_cast<double>(unit) / scale));
      if (v > kTwo63) return false;
    }
    d += v;
    if (d > kTwo63) return false;
  }
  if (neg) {
    *out = static_cast<int64_t>(~d + 1);
    return true;
  }
  if (d > kTwo63 - 1) return false;
  *out = static_cast<int64_t>(d);
  return true;
}

// cel-go's duration to string: seconds with the shortest exact decimals.
std::string FormatDuration(int64_t ns) {
  const int64_t sec = ns / 1000'000'000;
  const int64_t nsec = ns % 1000'000'000;
  return FormatDoubleF(static_cast<double>(sec) + static_cast<double>(nsec) / 1e9) + "s";
}

// ---------------------------------------------------------------------------
// IP addresses: Go's net/netip parsing, with the Kubernetes library's extra
// rules (no zones, no IPv4-mapped IPv6).

struct IpAddr {
  bool v6 = false;
  bool zone = false;
  uint8_t b[16] = {};
};

bool ParseIPv4Fields(absl::string_view s, uint8_t* out) {
  int val = 0, pos = 0, digits = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (IsDigit(c)) {
      if (digits == 1 && val == 0) return false;  // leading zero
      val = val * 10 + (c - '0');
      ++digits;
      if (val > 255) return false;
    } else if (c == '.') {
      if (i == 0 || i == s.size() - 1 || s[i - 1] == '.') return false;
      if (pos == 3) return false;
      out[pos++] = static_cast<uint8_t>(val);
      val = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  if (pos < 3) return false;
  out[3] = static_cast<uint8_t>(val);
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ParseIPv6(absl::string_view s, IpAddr* out) {
  out->v6 = true;
  const size_t pct = s.find('%');
  if (pct != absl::string_view::npos) {
    if (pct + 1 == s.size()) return false;  // empty zone
    out->zone = true;
    s = s.substr(0, pct);
  }
  uint8_t* ip = out->b;
  int ellipsis = -1;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    ellipsis = 0;
    s.remove_prefix(2);
    if (s.empty()) return true;
  }
  int i = 0;
  while (i < 16) {
    size_t off = 0;
    uint32_t acc = 0;
    for (; off < s.size(); ++off) {
      const int h = HexValue(s[off]);
      if (h < 0) break;
      acc = (acc << 4) + static_cast<uint32_t>(h);
      if (off > 3 || acc > 0xFFFF) return false;
    }
    if (off == 0) return false;
    if (off < s.size() && s[off] == '.') {
      if ((ellipsis < 0 && i != 12) || i + 4 > 16) return false;
      if (!ParseIPv4Fields(s, ip + i)) return false;
      s = absl::string_view();
      i += 4;
      break;
    }
    ip[i] = static_cast<uint8_t>(acc >> 8);
    ip[i + 1] = static_cast<uint8_t>(acc);
    i += 2;
    s.remove_prefix(off);
    if (s.empty()) break;
    if (s[0] != ':' || s.size() == 1) return false;
    s.remove_prefix(1);
    if (s[0] == ':') {
      if (ellipsis >= 0) return false;
      ellipsis = i;
      s.remove_prefix(1);
      if (s.empty()) break;
    }
  }
  if (!s.empty()) return false;
  if (i < 16) {
    if (ellipsis < 0) return false;
    const int n = 16 - i;
    for (int j = i - 1; j >= ellipsis; --j) ip[j + n] = ip[j];
    for (int j = ellipsis; j < ellipsis + n; ++j) ip[j] = 0;
  } else if (ellipsis >= 0) {
    return false;  // "::" must stand for at least one group
  }
  return true;
}

// netip.ParseAddr.
bool ParseGoAddr(absl::string_view s, IpAddr* out) {
  for (char c : s) {
    if (c == '.') return ParseIPv4Fields(s, out->b);
    if (c == ':') return ParseIPv6(s, out);
    if (c == '%') return false;
  }
  return false;
}

bool Is4In6(const IpAddr& a) {
  if (!a.v6) return false;
  for (int i = 0; i < 10; ++i) {
    if (a.b[i] != 0) return false;
  }
  return a.b[10] == 0xFF && a.b[11] == 0xFF;
}

// The Kubernetes library's parseIPAddr.
bool ParseKubernetesIp(absl::string_view s, IpAddr* out) {
  return ParseGoAddr(s, out) && !out->zone && !Is4In6(*out);
}

// The Kubernetes library's parseCIDR (netip.ParsePrefix, no IPv4-mapped IPv6).
bool IsKubernetesCidr(absl::string_view s) {
  const size_t slash = s.rfind('/');
  if (slash == absl::string_view::npos) return false;
  IpAddr a;
  if (!ParseGoAddr(s.substr(0, slash), &a) || a.zone || Is4In6(a)) return false;
  const absl::string_view bits = s.substr(slash + 1);
  if (bits.empty() || (bits.size() > 1 && (bits[0] < '1' || bits[0] > '9'))) return false;
  if (bits.size() > 3) return false;
  int n = 0;
  for (char c : bits) {
    if (!IsDigit(c)) return false;
    n = n * 10 + (c - '0');
  }
  return n <= (a.v6 ? 128 : 32);
}

// netip.Addr.String(): RFC 5952 for IPv6.
std::string IpToString(const Val& v) {
  if (v.family == 4) return absl::StrCat(v.ip[0], ".", v.ip[1], ".", v.ip[2], ".", v.ip[3]);
  auto group = [&](int i) { return (v.ip[2 * i] << 8) | v.ip[2 * i + 1]; };
  int zero_start = 255, zero_end = 255;
  for (int i = 0; i < 8; ++i) {
    int j = i;
    while (j < 8 && group(j) == 0) ++j;
    if (j - i >= 2 && j - i > zero_end - zero_start) {
      zero_start = i;
      zero_end = j;
    }
  }
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == zero_start) {
      out += "::";
      i = zero_end;
      if (i >= 8) break;
    } else if (i > 0) {
      out += ":";
    }
    absl::StrAppend(&out, absl::Hex(group(i)));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Field-name escaping (k8s.io/apiserver/pkg/cel/escaping.go).

bool IsCelReserved(absl::string_view w) {
  static constexpr const char* kWords[] = {
      "true",     "false",   "null",      "in",       "as",  "break",  "const",
      "continue", "else",    "for",       "function", "if",  "import", "let",
      "loop",     "package", "namespace", "return",   "var", "void",   "while"};
  for (const char* k : kWords) {
    if (w == k) return true;
  }
  return false;
}

// The property a CEL field name selects: Unescape() of the Kubernetes rules,
// or the name itself when it is not a valid escape (map keys are not escaped).
std::string UnescapeFieldName(absl::string_view name) {
  if (name.find("__") == absl::string_view::npos) return std::string(name);
  std::string out;
  size_t i = 0, copied = 0;
  // Matches of (_{2}[^_]+_{2}), leftmost first, non-overlapping.
  while (i + 1 < name.size()) {
    if (name[i] != '_' || name[i + 1] != '_') {
      ++i;
      continue;
    }
    size_t j = i + 2;
    while (j < name.size() && name[j] != '_') ++j;
    if (j == i + 2 || j + 1 >= name.size() || name[j + 1] != '_') {
      ++i;
      continue;
    }
    const absl::string_view contents = name.substr(i + 2, j - i - 2);
    const size_t end = j + 2;
    std::string repl;
    if (contents == "underscores") {
      repl = "__";
    } else if (contents == "dot") {
      repl = ".";
    } else if (contents == "dash") {
      repl = "-";
    } else if (contents == "slash") {
      repl = "/";
    } else if (IsCelReserved(contents) && i == 0 && end == name.size()) {
      repl = std::string(contents);
    } else {
      return std::string(name);
    }
    absl::StrAppend(&out, name.substr(copied, i - copied), repl);
    copied = end;
    i = end;
  }
  absl::StrAppend(&out, name.substr(copied));
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------
// The compiled tree.

enum class Op : uint8_t {
  kConst,
  kList,
  kMap,
  kIdent,  // parser only; the checker resolves it to kSelf, kOldSelf or kVar
  kSelf,
  kOldSelf,
  kVar,
  kSelect,
  kHas,
  kIndex,
  kNot,
  kNeg,
  kAnd,  // n-ary
  kOr,   // n-ary
  kCond,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kIn,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kCall,  // parser only; the checker resolves it to kFunc or a macro
  kFunc,
  kAll,
  kExists,
  kExistsOne,
  kFilter,
  kMapMacro,
};

enum class Fn : uint8_t {
  kNone,
  kSize,
  kMatches,
  kStartsWith,
  kEndsWith,
  kContains,
  kSubstring,
  kSplit,
  kLowerAscii,
  kUpperAscii,
  kTrim,
  kIndexOf,
  kLastIndexOf,
  kCharAt,
  kReplace,
  kJoin,
  kDuration,
  kGetHours,
  kGetMinutes,
  kGetSeconds,
  kGetMilliseconds,
  kIsIP,
  kIp,
  kIpIsCanonical,
  kIsCIDR,
  kFamily,
  kIsUnspecified,
  kIsLoopback,
  kIsLinkLocalMulticast,
  kIsLinkLocalUnicast,
  kIsGlobalUnicast,
  kInt,
  kUint,
  kDouble,
  kString,
  kBool,
  kDyn,
};

// Evaluation reads op, value, key and the children of every node it visits:
// they fill the node's first cache line, and the children are reached
// through `kid` without touching the `args` vector's separate buffer.
// Profiling BM_DecodeValidate_JsonList (docs/PERFORMANCE.md) found the load
// of `op` to be 40 % of Eval's samples: nodes are scattered and mostly cold.
// Nodes also come from a pool (NodePool below), so that the nodes of one
// rule sit together instead of among the schema's other allocations.
struct Node {
  Op op = Op::kConst;
  Fn fn = Fn::kNone;
  bool member = false;        // kCall/kFunc: receiver-style call, receiver is args[0]
  bool root = false;          // kIdent written with a leading dot
  bool literal_list = false;  // kConst folded from a list literal (still charged as one)
  uint8_t nkids = 0;          // min(args.size(), kInlineKids + 1), set by Link()
  int32_t slot = 0;           // kVar and comprehensions: iteration variable slot
  uint32_t key_size = 0;      // kSelect/kHas: the length of `field`
  Val value{};                // kConst
  uint64_t key_head = 0;      // kSelect/kHas: `field`'s first 8 bytes, zero padded
  static constexpr size_t kInlineKids = 3;
  const Node* kid[kInlineKids] = {};  // args[i].get(), set by Link()

  int32_t height = 1;
  size_t offset = 0;
  std::vector<std::unique_ptr<Node>> args;
  std::string name;        // identifier, selected field as written, function, iteration variable
  std::string field;       // kSelect/kHas: the property name after unescaping
  std::string text;        // storage of a string constant
  std::vector<Val> items;  // storage of a folded constant list
  std::unique_ptr<RE2> re;  // matches() with a constant pattern

  // Child i (i < args.size()), from the first cache line when it can be.
  const Node& Arg(size_t i) const { return i < kInlineKids ? *kid[i] : *args[i]; }

  void SetField(std::string f) {
    field = std::move(f);
    key_head = 0;
    std::memcpy(&key_head, field.data(), std::min<size_t>(field.size(), 8));
    key_size = static_cast<uint32_t>(field.size());
  }

  // Fills kid and nkids here and below; after the checker's rewrites.
  void Link() {
    nkids = static_cast<uint8_t>(std::min(args.size(), kInlineKids + 1));
    for (size_t i = 0; i < kInlineKids; ++i) kid[i] = i < args.size() ? args[i].get() : nullptr;
    for (auto& a : args) a->Link();
  }

  static void* operator new(size_t size);
  static void operator delete(void* p);
};

namespace {

// Fixed-size blocks for Nodes, handed out in order from chunks and recycled
// through a free list: a rule's nodes end up next to each other. Never
// returns memory to the system (at most the peak of live nodes, ~200 bytes
// each); thread-safe, as Compile may run on any thread.
class NodePool {
 public:
  void* Allocate() {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_ != nullptr) {
      FreeBlock* b = free_;
      free_ = b->next;
      return b;
    }
    if (next_ == end_) {
      constexpr size_t kChunkNodes = 256;
      next_ = static_cast<char*>(::operator new(kChunkNodes * kBlock));
      end_ = next_ + kChunkNodes * kBlock;
    }
    void* p = next_;
    next_ += kBlock;
    return p;
  }
  void Free(void* p) {
    std::lock_guard<std::mutex> lock(mu_);
    FreeBlock* b = static_cast<FreeBlock*>(p);
    b->next = free_;
    free_ = b;
  }
  static NodePool& Get() {
    static NodePool* const pool = new NodePool();  // leaked: Programs may outlive statics
    return *pool;
  }
  static constexpr size_t kBlock = (sizeof(Node) + 15) / 16 * 16;

 private:
  struct FreeBlock {
    FreeBlock* next;
  };
  std::mutex mu_;
  FreeBlock* free_ = nullptr;
  char* next_ = nullptr;
  char* end_ = nullptr;
};

}  // namespace

void* Node::operator new(size_t size) {
  // Node has no subclasses: every request is one block.
  (void)size;
  return NodePool::Get().Allocate();
}

void Node::operator delete(void* p) {
  if (p != nullptr) NodePool::Get().Free(p);
}

namespace {

// ---------------------------------------------------------------------------
// Function table.

struct FnInfo {
  const char* name;
  Fn fn;
  bool member;
  int min_args;  // not counting the receiver
  int max_args;
};

constexpr FnInfo kFunctions[] = {
    {"size", Fn::kSize, false, 1, 1},
    {"size", Fn::kSize, true, 0, 0},
    {"matches", Fn::kMatches, false, 2, 2},
    {"matches", Fn::kMatches, true, 1, 1},
    {"startsWith", Fn::kStartsWith, true, 1, 1},
    {"endsWith", Fn::kEndsWith, true, 1, 1},
    {"contains", Fn::kContains, true, 1, 1},
    {"substring", Fn::kSubstring, true, 1, 2},
    {"split", Fn::kSplit, true, 1, 2},
    {"lowerAscii", Fn::kLowerAscii, true, 0, 0},
    {"upperAscii", Fn::kUpperAscii, true, 0, 0},
    {"trim", Fn::kTrim, true, 0, 0},
    {"indexOf", Fn::kIndexOf, true, 1, 2},
    {"lastIndexOf", Fn::kLastIndexOf, true, 1, 2},
    {"charAt", Fn::kCharAt, true, 1, 1},
    {"replace", Fn::kReplace, true, 2, 3},
    {"join", Fn::kJoin, true, 0, 1},
    {"duration", Fn::kDuration, false, 1, 1},
    {"getHours", Fn::kGetHours, true, 0, 0},
    {"getMinutes", Fn::kGetMinutes, true, 0, 0},
    {"getSeconds", Fn::kGetSeconds, true, 0, 0},
    {"getMilliseconds", Fn::kGetMilliseconds, true, 0, 0},
    {"isIP", Fn::kIsIP, false, 1, 1},
    {"ip", Fn::kIp, false, 1, 1},
    {"ip.isCanonical", Fn::kIpIsCanonical, false, 1, 1},
    {"isCIDR", Fn::kIsCIDR, false, 1, 1},
    {"family", Fn::kFamily, true, 0, 0},
    {"isUnspecified", Fn::kIsUnspecified, true, 0, 0},
    {"isLoopback", Fn::kIsLoopback, true, 0, 0},
    {"isLinkLocalMulticast", Fn::kIsLinkLocalMulticast, true, 0, 0},
    {"isLinkLocalUnicast", Fn::kIsLinkLocalUnicast, true, 0, 0},
    {"isGlobalUnicast", Fn::kIsGlobalUnicast, true, 0, 0},
    {"int", Fn::kInt, false, 1, 1},
    {"uint", Fn::kUint, false, 1, 1},
    {"double", Fn::kDouble, false, 1, 1},
    {"string", Fn::kString, false, 1, 1},
    {"bool", Fn::kBool, false, 1, 1},
    {"dyn", Fn::kDyn, false, 1, 1},
};

const FnInfo* FindFunction(absl::string_view name, bool member, int argc) {
  for (const FnInfo& f : kFunctions) {
    if (f.member == member && name == f.name && argc >= f.min_args && argc <= f.max_args) {
      return &f;
    }
  }
  return nullptr;
}

bool FunctionNameExists(absl::string_view name) {
  for (const FnInfo& f : kFunctions) {
    if (name == f.name) return true;
  }
  return false;
}

const char* FnName(Fn fn) {
  for (const FnInfo& f : kFunctions) {
    if (f.fn == fn) return f.name;
  }
  return "?";
}

// ---------------------------------------------------------------------------
// Lexer.

enum class Tok : uint8_t {
  kEof,
  kIdent,
  kInt,
  kUint,
  kDouble,
  kString,
  kTrue,
  kFalse,
  kNull,
  kIn,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kLBrace,
  kRBrace,
  kDot,
  kComma,
  kColon,
  kQuestion,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
  kBang,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAndAnd,
  kOrOr,
};

struct Token {
  Tok type = Tok::kEof;
  size_t offset = 0;
  absl::string_view text;  // the token's source text
  uint64_t magnitude = 0;  // kInt, kUint (the parser applies a sign)
  double number = 0;       // kDouble
  std::string str;         // kString, escapes decoded
};

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }

class Lexer {
 public:
  explicit Lexer(absl::string_view src) : src_(src) {}

  // Reads the next token; false on a lexical error (see error()).
  bool Next(Token* t);
  const std::string& error() const { return error_; }

 private:
  bool Fail(size_t offset, absl::string_view what) {
    error_ = absl::StrCat("syntax error at offset ", offset, ": ", what);
    return false;
  }
  bool Number(Token* t);
  bool String(Token* t, size_t start, size_t quote, bool raw);
  bool Escape(std::string* out);

  absl::string_view src_;
  size_t pos_ = 0;
  std::string error_;
};

bool Lexer::Next(Token* t) {
  const size_t n = src_.size();
  while (pos_ < n) {
    const char c = src_[pos_];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
      ++pos_;
    } else if (c == '/' && pos_ + 1 < n && src_[pos_ + 1] == '/') {
      while (pos_ < n && src_[pos_] != '\n') ++pos_;
    } else {
      break;
    }
  }
  t->offset = pos_;
  t->str.clear();
  if (pos_ >= n) {
    t->type = Tok::kEof;
    t->text = absl::string_view();
    return true;
  }
  const char c = src_[pos_];
  if (IsDigit(c) || (c == '.' && pos_ + 1 < n && IsDigit(src_[pos_ + 1]))) return Number(t);
  if (IsIdentStart(c)) {
    const size_t start = pos_;
    while (pos_ < n && IsIdentChar(src_[pos_])) ++pos_;
    const absl::string_view word = src_.substr(start, pos_ - start);
    if (pos_ < n && (src_[pos_] == '"' || src_[pos_] == '\'')) {
      if (word == "r" || word == "R") return String(t, start, pos_, /*raw=*/true);
      const bool bytes =
          (word.size() == 1 && (word[0] == 'b' || word[0] == 'B')) ||
          (word.size() == 2 && (absl::StrContains(word, 'b') || absl::StrContains(word, 'B')) &&
           (absl::StrContains(word, 'r') || absl::StrContains(word, 'R')));
      if (bytes) {
        return Fail(start, "bytes literals are not supported");
      }
    }
    t->text = word;
    if (word == "true") {
      t->type = Tok::kTrue;
    } else if (word == "false") {
      t->type = Tok::kFalse;
    } else if (word == "null") {
      t->type = Tok::kNull;
    } else if (word == "in") {
      t->type = Tok::kIn;
    } else {
      t->type = Tok::kIdent;
    }
    return true;
  }
  if (c == '"' || c == '\'') return String(t, pos_, pos_, /*raw=*/false);
  const size_t start = pos_++;
  const char next = pos_ < n ? src_[pos_] : '\0';
  auto two = [&](Tok type) {
    ++pos_;
    t->type = type;
    return true;
  };
  bool ok = true;
  switch (c) {
    case '(':
      t->type = Tok::kLParen;
      break;
    case ')':
      t->type = Tok::kRParen;
      break;
    case '[':
      t->type = Tok::kLBracket;
      break;
    case ']':
      t->type = Tok::kRBracket;
      break;
    case '{':
      t->type = Tok::kLBrace;
      break;
    case '}':
      t->type = Tok::kRBrace;
      break;
    case '.':
      t->type = Tok::kDot;
      break;
    case ',':
      t->type = Tok::kComma;
      break;
    case ':':
      t->type = Tok::kColon;
      break;
    case '?':
      t->type = Tok::kQuestion;
      break;
    case '+':
      t->type = Tok::kPlus;
      break;
    case '-':
      t->type = Tok::kMinus;
      break;
    case '*':
      t->type = Tok::kStar;
      break;
    case '/':
      t->type = Tok::kSlash;
      break;
    case '%':
      t->type = Tok::kPercent;
      break;
    case '!':
      if (next == '=') {
        two(Tok::kNe);
      } else {
        t->type = Tok::kBang;
      }
      break;
    case '=':
      ok = next == '=' ? two(Tok::kEq) : Fail(start, "unexpected '=' (use '==')");
      break;
    case '<':
      if (next == '=') {
        two(Tok::kLe);
      } else {
        t->type = Tok::kLt;
      }
      break;
    case '>':
      if (next == '=') {
        two(Tok::kGe);
      } else {
        t->type = Tok::kGt;
      }
      break;
    case '&':
      ok = next == '&' ? two(Tok::kAndAnd) : Fail(start, "unexpected '&' (use '&&')");
      break;
    case '|':
      ok = next == '|' ? two(Tok::kOrOr) : Fail(start, "unexpected '|' (use '||')");
      break;
    default:
      ok = Fail(start, absl::StrCat("unexpected character '",
                                    absl::CHexEscape(src_.substr(start, 1)), "'"));
  }
  t->text = src_.substr(start, pos_ - start);
  return ok;
}

bool Lexer::Number(Token* t) {
  const size_t start = pos_;
  const size_t n = src_.size();
  bool overflow = false;
  uint64_t v = 0;
  if (src_[pos_] == '0' && pos_ + 2 < n && src_[pos_ + 1] == 'x' && HexValue(src_[pos_ + 2]) >= 0) {
    pos_ += 2;
    for (; pos_ < n && HexValue(src_[pos_]) >= 0; ++pos_) {
      if (v >> 60) overflow = true;
      v = (v << 4) | static_cast<uint64_t>(HexValue(src_[pos_]));
    }
  } else {
    while (pos_ < n && IsDigit(src_[pos_])) ++pos_;
    bool is_double = false;
    if (pos_ + 1 < n && src_[pos_] == '.' && IsDigit(src_[pos_ + 1])) {
      is_double = true;
      ++pos_;
      while (pos_ < n && IsDigit(src_[pos_])) ++pos_;
    }
    if (pos_ < n && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
      size_t p = pos_ + 1;
      if (p < n && (src_[p] == '+' || src_[p] == '-')) ++p;
      if (p < n && IsDigit(src_[p])) {
        is_double = true;
        pos_ = p;
        while (pos_ < n && IsDigit(src_[pos_])) ++pos_;
      }
    }
    t->text = src_.substr(start, pos_ - start);
    if (is_double) {
      const std::string text(t->text);
      t->number = std::strtod(text.c_str(), nullptr);
      if (std::isinf(t->number)) return Fail(start, "invalid double literal");
      t->type = Tok::kDouble;
      return true;
    }
    for (char c : t->text) {
      const uint64_t d = static_cast<uint64_t>(c - '0');
      if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) overflow = true;
      v = v * 10 + d;
    }
  }
  t->type = Tok::kInt;
  if (pos_ < n && (src_[pos_] == 'u' || src_[pos_] == 'U')) {
    ++pos_;
    t->type = Tok::kUint;
  }
  t->text = src_.substr(start, pos_ - start);
  if (overflow) {
    return Fail(start, t->type == Tok::kUint ? "invalid uint literal" : "invalid int literal");
  }
  t->magnitude = v;
  return true;
}

bool Lexer::String(Token* t, size_t start, size_t quote, bool raw) {
  const size_t n = src_.size();
  const char q = src_[quote];
  const bool triple = quote + 2 < n && src_[quote + 1] == q && src_[quote + 2] == q;
  pos_ = quote + (triple ? 3 : 1);
  std::string& out = t->str;
  while (true) {
    if (pos_ >= n) return Fail(start, "unterminated string literal");
    const char c = src_[pos_];
    if (triple) {
      if (c == q && pos_ + 2 < n && src_[pos_ + 1] == q && src_[pos_ + 2] == q) {
        pos_ += 3;
        break;
      }
    } else {
      if (c == q) {
        ++pos_;
        break;
      }
      if (c == '\n' || c == '\r') return Fail(start, "unterminated string literal");
    }
    if (c == '\\' && !raw) {
      if (!Escape(&out)) return false;
      continue;
    }
    out.push_back(c);
    ++pos_;
  }
  t->type = Tok::kString;
  t->text = src_.substr(start, pos_ - start);
  return true;
}

// Decodes the escape sequence at pos_ (a backslash) into out.
bool Lexer::Escape(std::string* out) {
  const size_t at = pos_;
  const size_t n = src_.size();
  if (pos_ + 1 >= n) return Fail(at, "unterminated string literal");
  const char e = src_[pos_ + 1];
  pos_ += 2;
  auto simple = [&](char c) {
    out->push_back(c);
    return true;
  };
  int digits = 0, base = 16;
  switch (e) {
    case 'a':
      return simple('\a');
    case 'b':
      return simple('\b');
    case 'f':
      return simple('\f');
    case 'n':
      return simple('\n');
    case 'r':
      return simple('\r');
    case 't':
      return simple('\t');
    case 'v':
      return simple('\v');
    case '\\':
    case '\'':
    case '"':
    case '`':
    case '?':
      return simple(e);
    case 'x':
    case 'X':
      digits = 2;
      break;
    case 'u':
      digits = 4;
      break;
    case 'U':
      digits = 8;
      break;
    case '0':
    case '1':
    case '2':
    case '3':
      digits = 3;
      base = 8;
      --pos_;  // the first octal digit is part of the value
      break;
    default:
      return Fail(at, "invalid escape sequence");
  }
  uint32_t cp = 0;
  for (int i = 0; i < digits; ++i) {
    if (pos_ >= n) return Fail(at, "invalid escape sequence");
    const int d = base == 16 ? HexValue(src_[pos_])
                             : (src_[pos_] >= '0' && src_[pos_] <= '7' ? src_[pos_] - '0' : -1);
    if (d < 0) return Fail(at, "invalid escape sequence");
    cp = cp * static_cast<uint32_t>(base) + static_cast<uint32_t>(d);
    ++pos_;
  }
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return Fail(at, "invalid unicode code point in escape sequence");
  }
  AppendUtf8(cp, out);
  return true;
}

// ---------------------------------------------------------------------------
// Parser: recursive descent over the CEL grammar.
//
//   Expr     = Or ["?" Or ":" Expr]
//   Or       = And {"||" And}
//   And      = Relation {"&&" Relation}
//   Relation = Addition {("<"|"<="|">="|">"|"=="|"!="|"in") Addition}
//   Addition = Mult {("+"|"-") Mult}
//   Mult     = Unary {("*"|"/"|"%") Unary}
//   Unary    = Member | "!" {"!"} Member | "-" {"-"} Member
//   Member   = Primary {"." IDENT ["(" [Args] ")"] | "[" Expr "]"}
//   Primary  = ["."] IDENT ["(" [Args] ")"] | "(" Expr ")" | "[" [Args] [","] "]"
//            | "{" [MapInits] [","] "}" | LITERAL

class Parser {
 public:
  explicit Parser(absl::string_view src) : lex_(src) {}

  std::unique_ptr<Node> Parse() {
    if (!Advance()) return nullptr;
    std::unique_ptr<Node> n = Expr();
    if (n == nullptr) return nullptr;
    if (tok_.type != Tok::kEof) return Unexpected("end of expression");
    return n;
  }
  const std::string& error() const { return error_; }

 private:
  using NodePtr = std::unique_ptr<Node>;

  bool Advance() {
    if (lex_.Next(&tok_)) return true;
    if (error_.empty()) error_ = lex_.error();
    return false;
  }
  // The error paths stay out of line: inlined, their temporaries would
  // enlarge the frames of the recursive descent.
  ABSL_ATTRIBUTE_NOINLINE std::nullptr_t Fail(size_t offset, absl::string_view what) {
    if (error_.empty()) error_ = absl::StrCat("syntax error at offset ", offset, ": ", what);
    return nullptr;
  }
  ABSL_ATTRIBUTE_NOINLINE std::nullptr_t TooDeep(size_t offset, int limit, const char* what) {
    return Fail(offset, absl::StrCat("expression nests more than ", limit, " ", what));
  }
  ABSL_ATTRIBUTE_NOINLINE std::nullptr_t Unexpected(absl::string_view expected) {
    return Fail(tok_.offset, absl::StrCat("expected ", expected, ", found ", Describe(tok_)));
  }
  static std::string Describe(const Token& t) {
    switch (t.type) {
      case Tok::kEof:
        return "end of expression";
      case Tok::kIdent:
        return absl::StrCat("identifier '", t.text, "'");
      case Tok::kInt:
      case Tok::kUint:
      case Tok::kDouble:
      case Tok::kString:
        return absl::StrCat("literal ", t.text);
      default:
        return absl::StrCat("'", t.text, "'");
    }
  }
  bool Expect(Tok type, absl::string_view what) {
    if (tok_.type != type) {
      Unexpected(what);
      return false;
    }
    return Advance();
  }

  ABSL_ATTRIBUTE_NOINLINE NodePtr Make(Op op, size_t offset, std::vector<NodePtr> args) {
    auto n = std::make_unique<Node>();
    n->op = op;
    n->offset = offset;
    int h = 0;
    for (const NodePtr& a : args) h = std::max(h, a->height);
    n->height = h + 1;
    n->args = std::move(args);
    if (n->height > kMaxHeight) return TooDeep(offset, kMaxHeight, "levels");
    return n;
  }
  ABSL_ATTRIBUTE_NOINLINE NodePtr Make(Op op, size_t offset, NodePtr a) {
    std::vector<NodePtr> args;
    args.push_back(std::move(a));
    return Make(op, offset, std::move(args));
  }
  ABSL_ATTRIBUTE_NOINLINE NodePtr Make(Op op, size_t offset, NodePtr a, NodePtr b) {
    std::vector<NodePtr> args;
    args.push_back(std::move(a));
    args.push_back(std::move(b));
    return Make(op, offset, std::move(args));
  }

  NodePtr Expr();
  NodePtr Logical(Tok tok, Op op);
  NodePtr Relation();
  NodePtr Addition();
  NodePtr Multiplication();
  NodePtr Unary();
  NodePtr Member(bool* negate);
  NodePtr Primary(bool* negate);
  NodePtr Literal(bool negate);
  bool Args(Tok close, bool trailing_comma, std::vector<NodePtr>* out);

  Lexer lex_;
  Token tok_;
  int depth_ = 0;
  std::string error_;
};

Parser::NodePtr Parser::Expr() {
  // Parentheses add no AST level, so the height check alone would not stop
  // "((((...".
  if (++depth_ > kMaxNesting) return TooDeep(tok_.offset, kMaxNesting, "sub-expressions");
  NodePtr c = Logical(Tok::kOrOr, Op::kOr);
  if (c != nullptr && tok_.type == Tok::kQuestion) {
    const size_t offset = tok_.offset;
    if (!Advance()) return nullptr;
    NodePtr t = Logical(Tok::kOrOr, Op::kOr);
    if (t == nullptr || !Expect(Tok::kColon, "':'")) return nullptr;
    NodePtr f = Expr();
    if (f == nullptr) return nullptr;
    std::vector<NodePtr> args;
    args.push_back(std::move(c));
    args.push_back(std::move(t));
    args.push_back(std::move(f));
    c = Make(Op::kCond, offset, std::move(args));
  }
  --depth_;
  return c;
}

// `||` over `&&` over relations; chains become one n-ary node (cel-go
// balances them instead; either way evaluation absorbs errors the same).
Parser::NodePtr Parser::Logical(Tok tok, Op op) {
  NodePtr first = tok == Tok::kOrOr ? Logical(Tok::kAndAnd, Op::kAnd) : Relation();
  if (first == nullptr || tok_.type != tok) return first;
  const size_t offset = tok_.offset;
  std::vector<NodePtr> operands;
  operands.push_back(std::move(first));
  while (tok_.type == tok) {
    if (!Advance()) return nullptr;
    NodePtr next = tok == Tok::kOrOr ? Logical(Tok::kAndAnd, Op::kAnd) : Relation();
    if (next == nullptr) return nullptr;
    operands.push_back(std::move(next));
  }
  return Make(op, offset, std::move(operands));
}

Parser::NodePtr Parser::Relation() {
  NodePtr l = Addition();
  while (l != nullptr) {
    Op op;
    switch (tok_.type) {
      case Tok::kEq:
        op = Op::kEq;
        break;
      case Tok::kNe:
        op = Op::kNe;
        break;
      case Tok::kLt:
        op = Op::kLt;
        break;
      case Tok::kLe:
        op = Op::kLe;
        break;
      case Tok::kGt:
        op = Op::kGt;
        break;
      case Tok::kGe:
        op = Op::kGe;
        break;
      case Tok::kIn:
        op = Op::kIn;
        break;
      default:
        return l;
    }
    const size_t offset = tok_.offset;
    if (!Advance()) return nullptr;
    NodePtr r = Addition();
    if (r == nullptr) return nullptr;
    l = Make(op, offset, std::move(l), std::move(r));
  }
  return l;
}

Parser::NodePtr Parser::Addition() {
  NodePtr l = Multiplication();
  while (l != nullptr && (tok_.type == Tok::kPlus || tok_.type == Tok::kMinus)) {
    const Op op = tok_.type == Tok::kPlus ? Op::kAdd : Op::kSub;
    const size_t offset = tok_.offset;
    if (!Advance()) return nullptr;
    NodePtr r = Multiplication();
    if (r == nullptr) return nullptr;
    l = Make(op, offset, std::move(l), std::move(r));
  }
  return l;
}

Parser::NodePtr Parser::Multiplication() {
  NodePtr l = Unary();
  while (l != nullptr &&
         (tok_.type == Tok::kStar || tok_.type == Tok::kSlash || tok_.type == Tok::kPercent)) {
    const Op op = tok_.type == Tok::kStar    ? Op::kMul
                  : tok_.type == Tok::kSlash ? Op::kDiv
                                             : Op::kMod;
    const size_t offset = tok_.offset;
    if (!Advance()) return nullptr;
    NodePtr r = Unary();
    if (r == nullptr) return nullptr;
    l = Make(op, offset, std::move(l), std::move(r));
  }
  return l;
}

// As in cel-go, an even run of `!` or `-` cancels out, and `-` directly before
// a number literal is the literal's sign (so -9223372036854775808 is an int).
Parser::NodePtr Parser::Unary() {
  if (tok_.type != Tok::kBang && tok_.type != Tok::kMinus) return Member(nullptr);
  const Tok op = tok_.type;
  const size_t offset = tok_.offset;
  int count = 0;
  while (tok_.type == op) {
    ++count;
    if (!Advance()) return nullptr;
  }
  bool odd = count % 2 == 1;
  NodePtr m = Member(op == Tok::kMinus ? &odd : nullptr);
  if (m == nullptr || !odd) return m;
  return Make(op == Tok::kBang ? Op::kNot : Op::kNeg, offset, std::move(m));
}

Parser::NodePtr Parser::Member(bool* negate) {
  NodePtr n = Primary(negate);
  while (n != nullptr) {
    if (tok_.type == Tok::kDot) {
      const size_t offset = tok_.offset;
      if (!Advance()) return nullptr;
      if (tok_.type != Tok::kIdent) return Unexpected("a field or method name");
      const std::string name(tok_.text);
      if (!Advance()) return nullptr;
      if (tok_.type == Tok::kLParen) {
        if (!Advance()) return nullptr;
        std::vector<NodePtr> args;
        args.push_back(std::move(n));
        if (!Args(Tok::kRParen, false, &args)) return nullptr;
        n = Make(Op::kCall, offset, std::move(args));
        if (n == nullptr) return nullptr;
        n->member = true;
      } else {
        n = Make(Op::kSelect, offset, std::move(n));
        if (n == nullptr) return nullptr;
      }
      n->name = name;
    } else if (tok_.type == Tok::kLBracket) {
      const size_t offset = tok_.offset;
      if (!Advance()) return nullptr;
      NodePtr index = Expr();
      if (index == nullptr || !Expect(Tok::kRBracket, "']'")) return nullptr;
      n = Make(Op::kIndex, offset, std::move(n), std::move(index));
    } else {
      break;
    }
  }
  return n;
}

Parser::NodePtr Parser::Primary(bool* negate) {
  const size_t offset = tok_.offset;
  switch (tok_.type) {
    case Tok::kDot:
    case Tok::kIdent: {
      const bool root = tok_.type == Tok::kDot;
      if (root) {
        if (!Advance()) return nullptr;
        if (tok_.type != Tok::kIdent) return Unexpected("an identifier");
      }
      const std::string name(tok_.text);
      if (!Advance()) return nullptr;
      NodePtr n;
      if (tok_.type == Tok::kLParen) {
        if (!Advance()) return nullptr;
        std::vector<NodePtr> args;
        if (!Args(Tok::kRParen, false, &args)) return nullptr;
        n = Make(Op::kCall, offset, std::move(args));
      } else {
        n = Make(Op::kIdent, offset, std::vector<NodePtr>());
      }
      if (n == nullptr) return nullptr;
      n->name = name;
      n->root = root;
      return n;
    }
    case Tok::kLParen: {
      if (!Advance()) return nullptr;
      NodePtr e = Expr();
      if (e == nullptr || !Expect(Tok::kRParen, "')'")) return nullptr;
      return e;
    }
    case Tok::kLBracket: {
      if (!Advance()) return nullptr;
      std::vector<NodePtr> items;
      if (!Args(Tok::kRBracket, true, &items)) return nullptr;
      return Make(Op::kList, offset, std::move(items));
    }
    case Tok::kLBrace: {
      if (!Advance()) return nullptr;
      std::vector<NodePtr> entries;
      while (tok_.type != Tok::kRBrace) {
        NodePtr k = Expr();
        if (k == nullptr || !Expect(Tok::kColon, "':'")) return nullptr;
        NodePtr v = Expr();
        if (v == nullptr) return nullptr;
        entries.push_back(std::move(k));
        entries.push_back(std::move(v));
        if (tok_.type != Tok::kComma) break;
        if (!Advance()) return nullptr;
      }
      if (!Expect(Tok::kRBrace, "',' or '}'")) return nullptr;
      return Make(Op::kMap, offset, std::move(entries));
    }
    case Tok::kInt:
    case Tok::kDouble: {
      const bool neg = negate != nullptr && *negate;
      if (neg) *negate = false;
      return Literal(neg);
    }
    case Tok::kUint:
    case Tok::kString:
    case Tok::kTrue:
    case Tok::kFalse:
    case Tok::kNull:
      return Literal(false);
    default:
      return Unexpected("an expression");
  }
}

Parser::NodePtr Parser::Literal(bool negate) {
  NodePtr n = Make(Op::kConst, tok_.offset, std::vector<NodePtr>());
  if (n == nullptr) return nullptr;
  switch (tok_.type) {
    case Tok::kInt: {
      const uint64_t limit = uint64_t{1} << 63;
      if (tok_.magnitude > (negate ? limit : limit - 1)) {
        return Fail(tok_.offset, "invalid int literal (out of range)");
      }
      n->value = MakeInt(negate ? static_cast<int64_t>(~tok_.magnitude + 1)
                                : static_cast<int64_t>(tok_.magnitude));
      break;
    }
    case Tok::kUint:
      n->value = MakeUint(tok_.magnitude);
      break;
    case Tok::kDouble:
      n->value = MakeDouble(negate ? -tok_.number : tok_.number);
      break;
    case Tok::kString:
      n->text = std::move(tok_.str);
      n->value = MakeString(n->text);
      break;
    case Tok::kTrue:
    case Tok::kFalse:
      n->value = MakeBool(tok_.type == Tok::kTrue);
      break;
    default:
      n->value = MakeNull();
  }
  if (!Advance()) return nullptr;
  return n;
}

bool Parser::Args(Tok close, bool trailing_comma, std::vector<NodePtr>* out) {
  const char* expected = close == Tok::kRParen ? "',' or ')'" : "',' or ']'";
  if (tok_.type == close) return Advance();
  while (true) {
    NodePtr e = Expr();
    if (e == nullptr) return false;
    out->push_back(std::move(e));
    if (tok_.type == close) return Advance();
    if (tok_.type != Tok::kComma) {
      Unexpected(expected);
      return false;
    }
    if (!Advance()) return false;
    if (trailing_comma && tok_.type == close) return Advance();
  }
}

// ---------------------------------------------------------------------------
// Checker: resolves identifiers to self/oldSelf/iteration variables, expands
// macros, binds functions, compiles constant regexes and folds constant lists.

class Checker {
 public:
  bool Check(Node* n);
  bool references_old_self() const { return references_old_self_; }
  const std::string& error() const { return error_; }

 private:
  bool Fail(const Node& n, absl::string_view what) {
    error_ = absl::StrCat("compile error at offset ", n.offset, ": ", what);
    return false;
  }
  bool IsVariable(absl::string_view name) const {
    return name == "self" || name == "oldSelf" ||
           std::find(vars_.begin(), vars_.end(), name) != vars_.end();
  }
  bool ResolveIdent(Node* n);
  bool CheckCall(Node* n);
  bool CheckMacro(Node* n, Op op);

  std::vector<std::string> vars_;  // iteration variables in scope; index = slot
  bool references_old_self_ = false;
  std::string error_;
};

Op MacroOp(absl::string_view name, size_t argc) {
  if (argc == 2) {
    if (name == "all") return Op::kAll;
    if (name == "exists") return Op::kExists;
    if (name == "exists_one") return Op::kExistsOne;
    if (name == "filter") return Op::kFilter;
    if (name == "map") return Op::kMapMacro;
  }
  if (argc == 3 && name == "map") return Op::kMapMacro;
  return Op::kCall;
}

bool Checker::Check(Node* n) {
  switch (n->op) {
    case Op::kIdent:
      return ResolveIdent(n);
    case Op::kCall:
      return CheckCall(n);
    case Op::kSelect:
      n->SetField(UnescapeFieldName(n->name));
      return Check(n->args[0].get());
    case Op::kList: {
      bool constant = true;
      for (auto& a : n->args) {
        if (!Check(a.get())) return false;
        constant = constant && a->op == Op::kConst;
      }
      if (constant) {  // build it once, not on every evaluation
        for (auto& a : n->args) n->items.push_back(a->value);
        n->op = Op::kConst;
        n->literal_list = true;
        n->value = MakeVec(Kind::kList, &n->items);
      }
      return true;
    }
    default:
      for (auto& a : n->args) {
        if (!Check(a.get())) return false;
      }
      return true;
  }
}

bool Checker::ResolveIdent(Node* n) {
  if (!n->root) {
    for (size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i] == n->name) {
        n->op = Op::kVar;
        n->slot = static_cast<int32_t>(i);
        return true;
      }
    }
  }
  if (n->name == "self") {
    n->op = Op::kSelf;
    return true;
  }
  if (n->name == "oldSelf") {
    n->op = Op::kOldSelf;
    references_old_self_ = true;
    return true;
  }
  if (IsCelReserved(n->name)) return Fail(*n, absl::StrCat("reserved identifier '", n->name, "'"));
  return Fail(*n, absl::StrCat("undeclared reference to '", n->name, "'"));
}

bool Checker::CheckMacro(Node* n, Op op) {
  const Node& var = *n->args[1];
  if (var.op != Op::kIdent || var.root) {
    return Fail(var, absl::StrCat(n->name, "() argument must be a simple name"));
  }
  if (IsCelReserved(var.name)) {
    return Fail(var, absl::StrCat("reserved identifier '", var.name, "'"));
  }
  if (!Check(n->args[0].get())) return false;
  const std::string name = var.name;
  n->slot = static_cast<int32_t>(vars_.size());
  vars_.push_back(name);
  for (size_t i = 2; i < n->args.size(); ++i) {
    if (!Check(n->args[i].get())) return false;
  }
  vars_.pop_back();
  n->args.erase(n->args.begin() + 1);  // now: range, predicate/transform [, transform]
  n->op = op;
  n->name = name;
  return true;
}

bool Checker::CheckCall(Node* n) {
  int argc = static_cast<int>(n->args.size()) - (n->member ? 1 : 0);
  if (!n->member && n->name == "has") {
    if (argc != 1 || n->args[0]->op != Op::kSelect) {
      return Fail(*n, "invalid argument to has() macro (want has(x.field))");
    }
    std::unique_ptr<Node> select = std::move(n->args[0]);
    n->op = Op::kHas;
    n->name = std::move(select->name);
    n->SetField(UnescapeFieldName(n->name));
    n->args = std::move(select->args);
    return Check(n->args[0].get());
  }
  if (n->member) {
    const Op macro = MacroOp(n->name, static_cast<size_t>(argc));
    if (macro != Op::kCall) return CheckMacro(n, macro);
    // A namespaced global function such as ip.isCanonical(s).
    const Node& target = *n->args[0];
    if (target.op == Op::kIdent && !target.root && !IsVariable(target.name)) {
      const std::string qualified = absl::StrCat(target.name, ".", n->name);
      if (FunctionNameExists(qualified)) {
        n->args.erase(n->args.begin());
        n->member = false;
        n->name = qualified;
      }
    }
  }
  const FnInfo* f = FindFunction(n->name, n->member, argc);
  if (f == nullptr) {
    if (FunctionNameExists(n->name)) {
      return Fail(*n, absl::StrCat("found no matching overload for '", n->name, "' applied to ",
                                   n->member ? "a receiver and " : "", argc, " argument(s)"));
    }
    return Fail(*n, absl::StrCat("undeclared reference to '", n->name, "'"));
  }
  n->op = Op::kFunc;
  n->fn = f->fn;
  for (auto& a : n->args) {
    if (!Check(a.get())) return false;
  }
  if (n->fn == Fn::kMatches) {
    const Node& pattern = *n->args[1];
    if (pattern.op == Op::kConst && pattern.value.kind == Kind::kString) {
      RE2::Options options;
      options.set_log_errors(false);
      auto re = std::make_unique<RE2>(re2::StringPiece(pattern.text.data(), pattern.text.size()),
                                      options);
      if (!re->ok()) {
        return Fail(pattern,
                    absl::StrCat("invalid regular expression '", pattern.text, "': ", re->error()));
      }
      n->re = std::move(re);
    }
  }
  return true;
}

// The kind an expression always produces, or kError when that depends on the
// input. Lets Compile reject rules that can never be a bool.
Kind StaticKind(const Node& n) {
  switch (n.op) {
    case Op::kConst:
      return n.value.kind;
    case Op::kList:
    case Op::kFilter:
    case Op::kMapMacro:
      return Kind::kList;
    case Op::kMap:
      return Kind::kMap;
    case Op::kNot:
    case Op::kAnd:
    case Op::kOr:
    case Op::kEq:
    case Op::kNe:
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe:
    case Op::kIn:
    case Op::kHas:
    case Op::kAll:
    case Op::kExists:
    case Op::kExistsOne:
      return Kind::kBool;
    case Op::kCond:
    case Op::kAdd:
    case Op::kSub:
    case Op::kMul:
    case Op::kDiv:
    case Op::kMod: {  // the operands' kind when they agree
      const Kind k = StaticKind(*n.args[n.args.size() - 2]);
      return k == StaticKind(*n.args.back()) ? k : Kind::kError;
    }
    case Op::kNeg:
      return StaticKind(*n.args[0]);
    case Op::kFunc:
      switch (n.fn) {
        case Fn::kSize:
        case Fn::kIndexOf:
        case Fn::kLastIndexOf:
        case Fn::kGetHours:
        case Fn::kGetMinutes:
        case Fn::kGetSeconds:
        case Fn::kGetMilliseconds:
        case Fn::kFamily:
        case Fn::kInt:
          return Kind::kInt;
        case Fn::kUint:
          return Kind::kUint;
        case Fn::kDouble:
          return Kind::kDouble;
        case Fn::kSubstring:
        case Fn::kLowerAscii:
        case Fn::kUpperAscii:
        case Fn::kTrim:
        case Fn::kCharAt:
        case Fn::kReplace:
        case Fn::kJoin:
        case Fn::kString:
          return Kind::kString;
        case Fn::kSplit:
          return Kind::kList;
        case Fn::kDuration:
          return Kind::kDuration;
        case Fn::kIp:
          return Kind::kIp;
        case Fn::kDyn:
        case Fn::kNone:
          return Kind::kError;
        default:
          return Kind::kBool;
      }
    default:
      return Kind::kError;
  }
}

// ---------------------------------------------------------------------------
// Evaluation.

// Per-evaluation state. The arena holds computed strings and lists; Vals point
// into it. Nothing is allocated for expressions that compute only scalars.
struct Ctx {
  const model::Value* self = nullptr;
  const model::Value* old_self = nullptr;
  Val* slots = nullptr;
  uint64_t cost = 0;
  size_t memory = 0;
  const char* cancelled = nullptr;  // why evaluation stopped early
  std::vector<std::unique_ptr<std::string>> strings;
  std::vector<std::unique_ptr<std::vector<Val>>> lists;
  std::vector<std::unique_ptr<std::string>> errors;  // never released: errors outlive iterations
};

Val Error(Ctx& ctx, std::string message) {
  ctx.errors.push_back(std::make_unique<std::string>(std::move(message)));
  Val v{};
  v.kind = Kind::kError;
  v.err = ctx.errors.back()->c_str();
  return v;
}

Val Cancelled(const Ctx& ctx) {
  Val v{};
  v.kind = Kind::kError;
  v.err = ctx.cancelled;
  return v;
}

void Charge(Ctx& ctx, uint64_t cost) {
  ctx.cost += cost;
  if (ctx.cost > kCostLimit && ctx.cancelled == nullptr) ctx.cancelled = kCostExceeded;
}

// ceil(n * factor) as cel-go computes size-proportional costs.
uint64_t Scaled(size_t n, double factor) {
  return static_cast<uint64_t>(std::ceil(static_cast<double>(n) * factor));
}
constexpr double kStringTraversal = 0.1;  // common.StringTraversalCostFactor
constexpr double kRegexLength = 0.25;     // common.RegexStringLengthCostFactor

bool Reserve(Ctx& ctx, size_t bytes) {
  ctx.memory += bytes;
  if (ctx.memory <= kMemoryLimit) return true;
  if (ctx.cancelled == nullptr) ctx.cancelled = kMemoryExceeded;
  return false;
}

// A new arena string; nullptr when the memory limit is reached.
std::string* NewString(Ctx& ctx, size_t bytes) {
  if (!Reserve(ctx, bytes)) return nullptr;
  ctx.strings.push_back(std::make_unique<std::string>());
  ctx.strings.back()->reserve(bytes);
  return ctx.strings.back().get();
}

// A new arena list; nullptr when the memory limit is reached.
std::vector<Val>* NewList(Ctx& ctx, size_t reserve) {
  if (!Reserve(ctx, reserve * sizeof(Val))) return nullptr;
  ctx.lists.push_back(std::make_unique<std::vector<Val>>());
  ctx.lists.back()->reserve(reserve);
  return ctx.lists.back().get();
}

bool Append(Ctx& ctx, std::vector<Val>* list, const Val& v) {
  if (!Reserve(ctx, sizeof(Val))) return false;
  list->push_back(v);
  return true;
}

Val StringResult(Ctx& ctx, std::string s) {
  std::string* out = NewString(ctx, s.size());
  if (out == nullptr) return Cancelled(ctx);
  *out = std::move(s);
  return MakeString(*out);
}

// Releases arena allocations made after construction (one comprehension
// iteration whose result is a scalar).
class ArenaMark {
 public:
  explicit ArenaMark(const Ctx& ctx)
      : strings_(ctx.strings.size()), lists_(ctx.lists.size()), memory_(ctx.memory) {}
  void Release(Ctx& ctx) const {
    ctx.strings.resize(strings_);
    ctx.lists.resize(lists_);
    ctx.memory = memory_;
  }

 private:
  size_t strings_, lists_, memory_;
};

Val NoOverload(Ctx& ctx, absl::string_view op, const Val& a) {
  return Error(ctx, absl::StrCat("no such overload: ", op, "(", TypeName(a), ")"));
}

Val NoOverload(Ctx& ctx, absl::string_view op, const Val& a, const Val& b) {
  return Error(ctx, absl::StrCat("no such overload: ", TypeName(a), " ", op, " ", TypeName(b)));
}

Val NoOverloadCall(Ctx& ctx, const Node& n, const Val* args, size_t argc) {
  std::string types;
  for (size_t i = n.member ? 1 : 0; i < argc; ++i) {
    absl::StrAppend(&types, types.empty() ? "" : ", ", TypeName(args[i]));
  }
  return Error(ctx, absl::StrCat("no such overload: ", n.member ? TypeName(args[0]) : "",
                                 n.member ? "." : "", FnName(n.fn), "(", types, ")"));
}

// cel-go actualSize: length of strings (bytes here, code points in cel-go),
// lists and maps; 1 for scalars.
size_t ActualSize(const Val& v) {
  switch (v.kind) {
    case Kind::kString:
      return v.str_size;
    case Kind::kList:
      return ListSize(v);
    case Kind::kMap:
      return MapSize(v);
    default:
      return 1;
  }
}

// The evaluator recurses once per AST level (at most kMaxHeight); the
// helpers stay out of line so that each level's stack frames stay small.
Val Eval(const Node& n, Ctx& ctx);

ABSL_ATTRIBUTE_NOINLINE Val SelectError(const Node& n, Ctx& ctx, const Val& x) {
  if (x.kind != Kind::kMap) {
    return Error(ctx, absl::StrCat("type '", TypeName(x), "' does not support field selection ('",
                                   n.name, "')"));
  }
  return Error(ctx, absl::StrCat("no such key: ", n.name));
}

// The member of a tree object named by a kSelect/kHas node. Every `self.x`
// of every rule runs it (MapFindField through Value::Find was 4 % of
// BM_DecodeValidate_JsonList): lengths and first 8 bytes are compared before
// any byte loop. Reading 8 bytes at data() is safe for any std::string: the
// inline buffer holds 16, a heap buffer size + 1 >= 17.
const model::Value* TreeFindField(const model::Value& object, const Node& n) {
  for (const model::Value::Member& m : object.object()) {
    const std::string& k = m.first;
    if (k.size() != n.key_size) continue;
    uint64_t head;
    std::memcpy(&head, k.data(), 8);
    if (n.key_size < 8) head &= (uint64_t{1} << (8 * n.key_size)) - 1;
    if (head != n.key_head) continue;
    if (n.key_size <= 8 ||
        std::memcmp(k.data() + 8, n.field.data() + 8, n.key_size - 8) == 0) {
      return &m.second;
    }
  }
  return nullptr;
}

bool SelectField(const Val& x, const Node& n, Val* out) {
  if (!x.computed) {
    const model::Value* f = TreeFindField(*x.tree, n);
    if (f == nullptr) return false;
    *out = FromTree(*f);
    return true;
  }
  return MapFindField(x, n.field, out);
}

// The operand of a kSelect/kHas: `self` and iteration variables, the usual
// ones, without a recursive Eval.
Val EvalOperand(const Node& target, Ctx& ctx) {
  switch (target.op) {
    case Op::kSelf:
      Charge(ctx, 1);
      return FromTree(*ctx.self);
    case Op::kVar:
      Charge(ctx, 1);
      return ctx.slots[target.slot];
    default:
      return Eval(target, ctx);
  }
}

ABSL_ATTRIBUTE_NOINLINE Val EvalSelect(const Node& n, Ctx& ctx) {
  const Val x = EvalOperand(*n.kid[0], ctx);
  if (x.kind == Kind::kError) return x;
  Charge(ctx, 1);
  Val out;
  if (x.kind == Kind::kMap && SelectField(x, n, &out)) return out;
  return SelectError(n, ctx, x);
}

ABSL_ATTRIBUTE_NOINLINE Val EvalHas(const Node& n, Ctx& ctx) {
  const Val x = EvalOperand(*n.kid[0], ctx);
  if (x.kind == Kind::kError) return x;
  Charge(ctx, 1);
  if (x.kind != Kind::kMap) {
    return Error(ctx, absl::StrCat("invalid type for field selection: has() on ", TypeName(x)));
  }
  Val out;
  return MakeBool(SelectField(x, n, &out));
}

// A child operand. Constants and field selections (most operands of the
// CRD rules: `self.type == 'Exact'`, `self.value.startsWith('/')`) skip
// Eval's dispatch, a call and a switch on a cold node per operand
// (BM_DecodeValidate_JsonList).
inline Val EvalKid(const Node& k, Ctx& ctx) {
  switch (k.op) {
    case Op::kConst:
      if (k.literal_list) Charge(ctx, kListCreateCost);
      return k.value;
    case Op::kSelect:
      return EvalSelect(k, ctx);
    case Op::kHas:
      return EvalHas(k, ctx);
    default:
      return Eval(k, ctx);
  }
}

std::string DescribeKey(const Val& k) {
  switch (k.kind) {
    case Kind::kString:
      return std::string(k.str());
    case Kind::kInt:
      return absl::StrCat(k.i);
    case Kind::kUint:
      return absl::StrCat(k.u, "u");
    case Kind::kBool:
      return k.b ? "true" : "false";
    case Kind::kDouble:
      return FormatDoubleG(k.d);
    default:
      return TypeName(k);
  }
}

ABSL_ATTRIBUTE_NOINLINE Val ApplyIndex(Ctx& ctx, const Val& x, const Val& k) {
  if (x.kind == Kind::kList) {
    int64_t i;
    if (k.kind == Kind::kInt) {
      i = k.i;
    } else if (k.kind == Kind::kUint && k.u <= uint64_t{1} << 62) {
      i = static_cast<int64_t>(k.u);
    } else if (k.kind == Kind::kDouble && k.d == std::trunc(k.d) && std::abs(k.d) < 1e18) {
      i = static_cast<int64_t>(k.d);
    } else {
      return Error(ctx, absl::StrCat("unsupported index type '", TypeName(k), "' in list"));
    }
    const size_t size = ListSize(x);
    if (i < 0 || static_cast<uint64_t>(i) >= size) {
      return Error(ctx, absl::StrCat("index out of range: ", i, " (list size ", size, ")"));
    }
    return ListAt(x, static_cast<size_t>(i));
  }
  if (x.kind == Kind::kMap) {
    Val out;
    if (MapFind(x, k, &out)) return out;
    return Error(ctx, absl::StrCat("no such key: ", DescribeKey(k)));
  }
  return NoOverload(ctx, "_[_]", x, k);
}

ABSL_ATTRIBUTE_NOINLINE Val EvalIndex(const Node& n, Ctx& ctx) {
  const Val x = Eval(*n.kid[0], ctx);
  if (x.kind == Kind::kError) return x;
  const Val k = Eval(*n.kid[1], ctx);
  if (k.kind == Kind::kError) return k;
  Charge(ctx, 1);
  return ApplyIndex(ctx, x, k);
}

ABSL_ATTRIBUTE_NOINLINE Val EvalList(const Node& n, Ctx& ctx) {
  Charge(ctx, kListCreateCost);
  std::vector<Val>* out = NewList(ctx, n.args.size());
  if (out == nullptr) return Cancelled(ctx);
  for (const auto& a : n.args) {
    const Val v = Eval(*a, ctx);
    if (v.kind == Kind::kError) return v;
    out->push_back(v);
  }
  return MakeVec(Kind::kList, out);
}

ABSL_ATTRIBUTE_NOINLINE Val EvalMap(const Node& n, Ctx& ctx) {
  Charge(ctx, kMapCreateCost);
  std::vector<Val>* out = NewList(ctx, n.args.size());
  if (out == nullptr) return Cancelled(ctx);
  for (size_t i = 0; i < n.args.size(); i += 2) {
    const Val k = Eval(*n.args[i], ctx);
    if (k.kind == Kind::kError) return k;
    const Val v = Eval(*n.args[i + 1], ctx);
    if (v.kind == Kind::kError) return v;
    if (k.kind != Kind::kString && k.kind != Kind::kInt && k.kind != Kind::kUint &&
        k.kind != Kind::kBool) {
      return Error(ctx, absl::StrCat("unsupported map key type: ", TypeName(k)));
    }
    for (size_t j = 0; j < out->size(); j += 2) {
      if (Equal((*out)[j], k)) {
        return Error(ctx, absl::StrCat("Failed with repeated key: ", DescribeKey(k)));
      }
    }
    out->push_back(k);
    out->push_back(v);
  }
  return MakeVec(Kind::kMap, out);
}

// && and ||: false (true) if any operand is, else the first error, else true
// (false). Commutative, as cel-go's absorption makes them.
ABSL_ATTRIBUTE_NOINLINE Val EvalLogical(const Node& n, Ctx& ctx) {
  const bool decisive = n.op == Op::kOr;
  Val error{};
  bool has_error = false;
  const size_t count = n.nkids <= Node::kInlineKids ? n.nkids : n.args.size();
  for (size_t i = 0; i < count; ++i) {
    const Val v = EvalKid(n.Arg(i), ctx);
    if (ctx.cancelled != nullptr) return Cancelled(ctx);
    if (v.kind == Kind::kBool) {
      if (v.b == decisive) return v;
    } else if (!has_error) {
      error = v.kind == Kind::kError ? v : NoOverload(ctx, decisive ? "_||_" : "_&&_", v);
      has_error = true;
    }
  }
  return has_error ? error : MakeBool(!decisive);
}

ABSL_ATTRIBUTE_NOINLINE Val EvalNeg(const Val& x, Ctx& ctx) {
  switch (x.kind) {
    case Kind::kInt:
      if (x.i == std::numeric_limits<int64_t>::min()) return Error(ctx, "integer overflow");
      return MakeInt(-x.i);
    case Kind::kDouble:
      return MakeDouble(-x.d);
    case Kind::kDuration:
      if (x.i == std::numeric_limits<int64_t>::min()) return Error(ctx, "integer overflow");
      return MakeDuration(-x.i);
    default:
      return NoOverload(ctx, "-_", x);
  }
}

// Ordering for <, <=, >, >=; sets *cmp or returns an error Val.
bool Compare(Ctx& ctx, const Val& a, const Val& b, int* cmp, Val* error) {
  if (IsNumber(a) && IsNumber(b)) {
    *cmp = CompareNumbers(a, b);
    if (*cmp == 2) {
      *error = Error(ctx, "NaN values cannot be ordered");
      return false;
    }
    return true;
  }
  if (a.kind == b.kind) {
    switch (a.kind) {
      case Kind::kString: {
        const int c = a.str().compare(b.str());
        *cmp = c < 0 ? -1 : (c > 0 ? 1 : 0);
        return true;
      }
      case Kind::kBool:
        *cmp = a.b == b.b ? 0 : (a.b ? 1 : -1);
        return true;
      case Kind::kDuration:
        *cmp = a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
        return true;
      default:
        break;
    }
  }
  *error = NoOverload(ctx, "<", a, b);
  return false;
}

Val Arithmetic(Op op, const Val& a, const Val& b, Ctx& ctx) {
  const char* sym = op == Op::kAdd   ? "+"
                    : op == Op::kSub ? "-"
                    : op == Op::kMul ? "*"
                    : op == Op::kDiv ? "/"
                                     : "%";
  if (a.kind != b.kind) return NoOverload(ctx, sym, a, b);
  switch (a.kind) {
    case Kind::kInt: {
      int64_t r;
      switch (op) {
        case Op::kAdd:
          if (__builtin_add_overflow(a.i, b.i, &r)) return Error(ctx, "integer overflow");
          return MakeInt(r);
        case Op::kSub:
          if (__builtin_sub_overflow(a.i, b.i, &r)) return Error(ctx, "integer overflow");
          return MakeInt(r);
        case Op::kMul:
          if (__builtin_mul_overflow(a.i, b.i, &r)) return Error(ctx, "integer overflow");
          return MakeInt(r);
        case Op::kDiv:
          if (b.i == 0) return Error(ctx, "division by zero");
          if (a.i == std::numeric_limits<int64_t>::min() && b.i == -1) {
            return Error(ctx, "integer overflow");
          }
          return MakeInt(a.i / b.i);
        default:
          if (b.i == 0) return Error(ctx, "modulus by zero");
          if (a.i == std::numeric_limits<int64_t>::min() && b.i == -1) {
            return Error(ctx, "integer overflow");
          }
          return MakeInt(a.i % b.i);
      }
    }
    case Kind::kUint: {
      uint64_t r;
      switch (op) {
        case Op::kAdd:
          if (__builtin_add_overflow(a.u, b.u, &r)) return Error(ctx, "unsigned integer overflow");
          return MakeUint(r);
        case Op::kSub:
          if (__builtin_sub_overflow(a.u, b.u, &r)) return Error(ctx, "unsigned integer overflow");
          return MakeUint(r);
        case Op::kMul:
          if (__builtin_mul_overflow(a.u, b.u, &r)) return Error(ctx, "unsigned integer overflow");
          return MakeUint(r);
        case Op::kDiv:
          if (b.u == 0) return Error(ctx, "division by zero");
          return MakeUint(a.u / b.u);
        default:
          if (b.u == 0) return Error(ctx, "modulus by zero");
          return MakeUint(a.u % b.u);
      }
    }
    case Kind::kDouble:
      switch (op) {
        case Op::kAdd:
          return MakeDouble(a.d + b.d);
        case Op::kSub:
          return MakeDouble(a.d - b.d);
        case Op::kMul:
          return MakeDouble(a.d * b.d);
        case Op::kDiv:
          return MakeDouble(a.d / b.d);
        default:
          break;
      }
      break;
    case Kind::kDuration: {
      int64_t r;
      if (op == Op::kAdd || op == Op::kSub) {
        const bool overflow = op == Op::kAdd ? __builtin_add_overflow(a.i, b.i, &r)
                                             : __builtin_sub_overflow(a.i, b.i, &r);
        if (overflow) return Error(ctx, "integer overflow");
        return MakeDuration(r);
      }
      break;
    }
    case Kind::kString:
      if (op == Op::kAdd) {
        std::string* out = NewString(ctx, a.str_size + b.str_size);
        if (out == nullptr) return Cancelled(ctx);
        absl::StrAppend(out, a.str(), b.str());
        return MakeString(*out);
      }
      break;
    case Kind::kList:
      if (op == Op::kAdd) {
        const size_t na = ListSize(a), nb = ListSize(b);
        std::vector<Val>* out = NewList(ctx, na + nb);
        if (out == nullptr) return Cancelled(ctx);
        for (size_t i = 0; i < na; ++i) out->push_back(ListAt(a, i));
        for (size_t i = 0; i < nb; ++i) out->push_back(ListAt(b, i));
        return MakeVec(Kind::kList, out);
      }
      break;
    default:
      break;
  }
  return NoOverload(ctx, sym, a, b);
}

ABSL_ATTRIBUTE_NOINLINE Val ApplyBinary(const Node& n, Ctx& ctx, const Val& a, const Val& b) {
  switch (n.op) {
    case Op::kEq:
    case Op::kNe: {
      Charge(ctx, Scaled(std::min(ActualSize(a), ActualSize(b)), kStringTraversal));
      const bool eq = Equal(a, b);
      return MakeBool(n.op == Op::kEq ? eq : !eq);
    }
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe: {
      Charge(ctx, a.kind == Kind::kString && b.kind == Kind::kString
                      ? Scaled(std::min(a.str_size, b.str_size), kStringTraversal)
                      : 1);
      int cmp;
      Val error;
      if (!Compare(ctx, a, b, &cmp, &error)) return error;
      switch (n.op) {
        case Op::kLt:
          return MakeBool(cmp < 0);
        case Op::kLe:
          return MakeBool(cmp <= 0);
        case Op::kGt:
          return MakeBool(cmp > 0);
        default:
          return MakeBool(cmp >= 0);
      }
    }
    case Op::kIn:
      if (b.kind == Kind::kList) {
        const size_t size = ListSize(b);
        Charge(ctx, size);
        for (size_t i = 0; i < size; ++i) {
          if (Equal(a, ListAt(b, i))) return MakeBool(true);
        }
        return MakeBool(false);
      }
      if (b.kind == Kind::kMap) {
        Charge(ctx, 1);
        Val unused;
        return MakeBool(MapFind(b, a, &unused));
      }
      return NoOverload(ctx, "in", a, b);
    default:
      Charge(ctx, n.op == Op::kAdd && a.kind == Kind::kString && b.kind == Kind::kString
                      ? Scaled(a.str_size + b.str_size, kStringTraversal)
                      : 1);
      return Arithmetic(n.op, a, b, ctx);
  }
}

ABSL_ATTRIBUTE_NOINLINE Val EvalBinary(const Node& n, Ctx& ctx) {
  const Val a = EvalKid(*n.kid[0], ctx);
  if (a.kind == Kind::kError) return a;
  const Val b = EvalKid(*n.kid[1], ctx);
  if (b.kind == Kind::kError) return b;
  return ApplyBinary(n, ctx, a, b);
}

// ext strings' indexOf(sub[, offset]) in code points.
Val IndexOf(Ctx& ctx, absl::string_view s, absl::string_view sub, int64_t offset) {
  if (sub.empty()) return MakeInt(offset);
  const size_t runes = CodePointCount(s);
  if (offset < 0 || static_cast<uint64_t>(offset) >= runes) {
    return Error(ctx, absl::StrCat("index out of range: ", offset));
  }
  const size_t from = ByteOffset(s, static_cast<size_t>(offset));
  const size_t at = s.find(sub, from);
  if (at == absl::string_view::npos) return MakeInt(-1);
  return MakeInt(static_cast<int64_t>(CodePointCount(s.substr(0, at))));
}

// ext strings' lastIndexOf(sub, offset): the last match starting at or
// before code point `offset`.
Val LastIndexOf(Ctx& ctx, absl::string_view s, absl::string_view sub, int64_t offset) {
  if (sub.empty()) return MakeInt(offset);
  const int64_t runes = static_cast<int64_t>(CodePointCount(s));
  if (offset < 0 || offset >= runes) {
    return Error(ctx, absl::StrCat("index out of range: ", offset));
  }
  const int64_t sub_runes = static_cast<int64_t>(CodePointCount(sub));
  if (offset > runes - sub_runes) offset = runes - sub_runes;
  if (offset < 0) return MakeInt(-1);
  const size_t at = s.rfind(sub, ByteOffset(s, static_cast<size_t>(offset)));
  if (at == absl::string_view::npos) return MakeInt(-1);
  return MakeInt(static_cast<int64_t>(CodePointCount(s.substr(0, at))));
}

// Go's strings.SplitN (n < 0: all), which ext strings' split uses.
Val Split(Ctx& ctx, absl::string_view s, absl::string_view sep, int64_t n) {
  std::vector<Val>* out = NewList(ctx, 0);
  if (out == nullptr) return Cancelled(ctx);
  if (n == 0) return MakeVec(Kind::kList, out);
  if (sep.empty()) {  // explode into code points
    const int64_t runes = static_cast<int64_t>(CodePointCount(s));
    if (n < 0 || n > runes) n = runes;
    size_t i = 0;
    for (int64_t k = 0; k < n - 1; ++k) {
      const size_t start = i;
      DecodeUtf8(s, &i);
      if (!Append(ctx, out, MakeString(s.substr(start, i - start)))) return Cancelled(ctx);
    }
    if (n > 0 && !Append(ctx, out, MakeString(s.substr(i)))) return Cancelled(ctx);
    return MakeVec(Kind::kList, out);
  }
  while (n < 0 || static_cast<int64_t>(out->size()) < n - 1) {
    const size_t at = s.find(sep);
    if (at == absl::string_view::npos) break;
    if (!Append(ctx, out, MakeString(s.substr(0, at)))) return Cancelled(ctx);
    s.remove_prefix(at + sep.size());
  }
  if (!Append(ctx, out, MakeString(s))) return Cancelled(ctx);
  return MakeVec(Kind::kList, out);
}

// Go's strings.Replace (n < 0: all).
Val Replace(Ctx& ctx, absl::string_view s, absl::string_view from, absl::string_view to,
            int64_t n) {
  if (from == to || n == 0) return MakeString(s);
  // Count matches (an empty `from` matches around every code point).
  int64_t m = 0;
  if (from.empty()) {
    m = static_cast<int64_t>(CodePointCount(s)) + 1;
  } else {
    for (size_t at = s.find(from); at != absl::string_view::npos;
         at = s.find(from, at + from.size())) {
      ++m;
    }
  }
  if (m == 0) return MakeString(s);
  if (n < 0 || m < n) n = m;
  const size_t bytes = s.size() + static_cast<size_t>(n) * to.size();
  std::string* out = NewString(ctx, bytes);
  if (out == nullptr) return Cancelled(ctx);
  size_t start = 0;
  for (int64_t i = 0; i < n; ++i) {
    size_t j = start;
    if (from.empty()) {
      if (i > 0) DecodeUtf8(s, &j);
    } else {
      j = s.find(from, start);
    }
    absl::StrAppend(out, s.substr(start, j - start), to);
    start = j + from.size();
  }
  absl::StrAppend(out, s.substr(std::min(start, s.size())));
  return MakeString(*out);
}

Val Matches(const Node& n, Ctx& ctx, const Val& s, const Val& pattern) {
  if (s.kind != Kind::kString || pattern.kind != Kind::kString) {
    const Val args[2] = {s, pattern};
    return NoOverloadCall(ctx, n, args, 2);
  }
  Charge(ctx, Scaled(1 + s.str_size, kStringTraversal) *
                  Scaled(CodePointCount(pattern.str()), kRegexLength));
  const re2::StringPiece text(s.str_data, s.str_size);
  if (n.re != nullptr) return MakeBool(RE2::PartialMatch(text, *n.re));
  RE2::Options options;
  options.set_log_errors(false);
  const RE2 re(re2::StringPiece(pattern.str_data, pattern.str_size), options);
  if (!re.ok()) {
    return Error(ctx,
                 absl::StrCat("invalid regular expression '", pattern.str(), "': ", re.error()));
  }
  return MakeBool(RE2::PartialMatch(text, re));
}

Val AsciiCase(Ctx& ctx, const Val& s, bool upper) {
  const absl::string_view in = s.str();
  const char lo = upper ? 'a' : 'A';
  const char hi = upper ? 'z' : 'Z';
  auto changes = [&](char c) { return c >= lo && c <= hi; };
  if (std::none_of(in.begin(), in.end(), changes)) return s;
  std::string* out = NewString(ctx, in.size());
  if (out == nullptr) return Cancelled(ctx);
  out->assign(in.data(), in.size());
  for (char& c : *out) {
    if (changes(c)) c = static_cast<char>(c ^ 0x20);
  }
  return MakeString(*out);
}

Val Trim(const Val& s) {
  absl::string_view in = s.str();
  size_t start = 0;
  while (start < in.size()) {
    size_t next = start;
    if (!IsUnicodeSpace(DecodeUtf8(in, &next))) break;
    start = next;
  }
  size_t end = in.size();
  while (end > start) {
    const size_t len = LastCodePointLength(in, end);
    size_t i = end - len;
    if (!IsUnicodeSpace(DecodeUtf8(in, &i))) break;
    end -= len;
  }
  return MakeString(in.substr(start, end - start));
}

Val Join(Ctx& ctx, const Val& list, absl::string_view sep) {
  const size_t n = ListSize(list);
  size_t bytes = 0;
  for (size_t i = 0; i < n; ++i) {
    const Val e = ListAt(list, i);
    if (e.kind != Kind::kString) {
      return Error(ctx, absl::StrCat("join: invalid input: element of type ", TypeName(e)));
    }
    bytes += e.str_size + (i > 0 ? sep.size() : 0);
  }
  Charge(ctx, Scaled(bytes, 2 * kStringTraversal));
  std::string* out = NewString(ctx, bytes);
  if (out == nullptr) return Cancelled(ctx);
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) absl::StrAppend(out, sep);
    absl::StrAppend(out, ListAt(list, i).str());
  }
  return MakeString(*out);
}

Val ToInt(Ctx& ctx, const Val& x) {
  switch (x.kind) {
    case Kind::kInt:
      return x;
    case Kind::kUint:
      if (x.u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Error(ctx, "integer overflow");
      }
      return MakeInt(static_cast<int64_t>(x.u));
    case Kind::kDouble:
      if (std::isnan(x.d) || x.d <= -9223372036854775808.0 || x.d >= 9223372036854775807.0) {
        return Error(ctx, "integer overflow");
      }
      return MakeInt(static_cast<int64_t>(x.d));
    case Kind::kDuration:
      return MakeInt(x.i);
    case Kind::kString: {
      // strconv.ParseInt(s, 10, 64): optional sign, decimal digits only.
      absl::string_view s = x.str();
      const bool neg = !s.empty() && s[0] == '-';
      if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
      uint64_t v = 0;
      bool ok = !s.empty();
      for (char c : s) {
        if (!IsDigit(c) || v > (uint64_t{1} << 63) / 10) {
          ok = false;
          break;
        }
        v = v * 10 + static_cast<uint64_t>(c - '0');
      }
      if (ok && v <= (neg ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1)) {
        return MakeInt(neg ? static_cast<int64_t>(~v + 1) : static_cast<int64_t>(v));
      }
      return Error(ctx,
                   absl::StrCat("type conversion error from 'string' to 'int': '", x.str(), "'"));
    }
    default:
      return Error(ctx, absl::StrCat("type conversion error from '", TypeName(x), "' to 'int'"));
  }
}

Val ToUint(Ctx& ctx, const Val& x) {
  switch (x.kind) {
    case Kind::kUint:
      return x;
    case Kind::kInt:
      if (x.i < 0) return Error(ctx, "unsigned integer overflow");
      return MakeUint(static_cast<uint64_t>(x.i));
    case Kind::kDouble:
      if (std::isnan(x.d) || x.d < 0 || x.d >= 18446744073709551616.0) {
        return Error(ctx, "unsigned integer overflow");
      }
      return MakeUint(static_cast<uint64_t>(x.d));
    case Kind::kString: {
      uint64_t v = 0;
      const absl::string_view s = x.str();
      bool ok = !s.empty();
      for (char c : s) {
        const uint64_t d = static_cast<uint64_t>(c - '0');
        if (!IsDigit(c) || v > (std::numeric_limits<uint64_t>::max() - d) / 10) {
          ok = false;
          break;
        }
        v = v * 10 + d;
      }
      if (ok) return MakeUint(v);
      return Error(ctx, absl::StrCat("type conversion error from 'string' to 'uint': '", s, "'"));
    }
    default:
      return Error(ctx, absl::StrCat("type conversion error from '", TypeName(x), "' to 'uint'"));
  }
}

Val ToDouble(Ctx& ctx, const Val& x) {
  switch (x.kind) {
    case Kind::kDouble:
      return x;
    case Kind::kInt:
      return MakeDouble(static_cast<double>(x.i));
    case Kind::kUint:
      return MakeDouble(static_cast<double>(x.u));
    case Kind::kString: {
      // strconv.ParseFloat, decimal forms and inf/nan.
      const std::string s(x.str());
      const char* begin = s.c_str();
      const bool sign = !s.empty() && (s[0] == '+' || s[0] == '-');
      double d = 0;
      const auto r = std::from_chars(begin + sign, begin + s.size(), d);
      if (!s.empty() && r.ec == std::errc() && r.ptr == begin + s.size() &&
          !(sign && s.size() > 1 && (s[1] == '+' || s[1] == '-'))) {
        return MakeDouble(s[0] == '-' ? -d : d);
      }
      return Error(ctx, absl::StrCat("type conversion error from 'string' to 'double': '", s, "'"));
    }
    default:
      return Error(ctx, absl::StrCat("type conversion error from '", TypeName(x), "' to 'double'"));
  }
}

Val ToStringVal(Ctx& ctx, const Val& x) {
  switch (x.kind) {
    case Kind::kString:
      return x;
    case Kind::kInt:
      return StringResult(ctx, absl::StrCat(x.i));
    case Kind::kUint:
      return StringResult(ctx, absl::StrCat(x.u));
    case Kind::kDouble:
      return StringResult(ctx, FormatDoubleG(x.d));
    case Kind::kBool:
      return MakeString(x.b ? "true" : "false");
    case Kind::kDuration:
      return StringResult(ctx, FormatDuration(x.i));
    case Kind::kIp:
      return StringResult(ctx, IpToString(x));
    default:
      return Error(ctx, absl::StrCat("type conversion error from '", TypeName(x), "' to 'string'"));
  }
}

Val ToBool(Ctx& ctx, const Val& x) {
  if (x.kind == Kind::kBool) return x;
  if (x.kind == Kind::kString) {
    const absl::string_view s = x.str();
    if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") {
      return MakeBool(true);
    }
    if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") {
      return MakeBool(false);
    }
  }
  return Error(ctx, absl::StrCat("type conversion error from '", TypeName(x), "' to 'bool'"));
}

Val MakeIp(Ctx& ctx, const IpAddr& a) {
  // Not charged to the memory limit, as when the address was inline in Val.
  ctx.strings.push_back(std::make_unique<std::string>(16, '\0'));
  uint8_t* bytes = reinterpret_cast<uint8_t*>(ctx.strings.back()->data());
  std::memcpy(bytes, a.b, a.v6 ? 16 : 4);
  Val v = MakeVal(Kind::kIp);
  v.family = a.v6 ? 6 : 4;
  v.ip = bytes;
  return v;
}

Val IpPredicate(Fn fn, const Val& ip) {
  const uint8_t* b = ip.ip;
  const bool v4 = ip.family == 4;
  auto all_zero = [&](int n) { return std::all_of(b, b + n, [](uint8_t x) { return x == 0; }); };
  const bool unspecified = all_zero(v4 ? 4 : 16);
  const bool loopback = v4 ? b[0] == 127 : (all_zero(15) && b[15] == 1);
  const bool multicast = v4 ? (b[0] & 0xF0) == 0xE0 : b[0] == 0xFF;
  const bool link_local_unicast =
      v4 ? (b[0] == 169 && b[1] == 254) : (b[0] == 0xFE && (b[1] & 0xC0) == 0x80);
  switch (fn) {
    case Fn::kIsUnspecified:
      return MakeBool(unspecified);
    case Fn::kIsLoopback:
      return MakeBool(loopback);
    case Fn::kIsLinkLocalMulticast:
      return MakeBool(v4 ? (b[0] == 224 && b[1] == 0 && b[2] == 0)
                         : (b[0] == 0xFF && (b[1] & 0x0F) == 0x02));
    case Fn::kIsLinkLocalUnicast:
      return MakeBool(link_local_unicast);
    default: {  // kIsGlobalUnicast
      const bool broadcast = v4 && b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255;
      return MakeBool(!unspecified && !broadcast && !loopback && !multicast && !link_local_unicast);
    }
  }
}

ABSL_ATTRIBUTE_NOINLINE Val ApplyFunc(const Node& n, Ctx& ctx, const Val* a, size_t argc) {
  auto no_overload = [&] { return NoOverloadCall(ctx, n, a, argc); };
  const bool str0 = a[0].kind == Kind::kString;
  switch (n.fn) {
    case Fn::kSize:
      Charge(ctx, 1);
      if (str0) return MakeInt(static_cast<int64_t>(CodePointCount(a[0].str())));
      if (a[0].kind == Kind::kList) return MakeInt(static_cast<int64_t>(ListSize(a[0])));
      if (a[0].kind == Kind::kMap) return MakeInt(static_cast<int64_t>(MapSize(a[0])));
      return no_overload();
    case Fn::kMatches:
      return Matches(n, ctx, a[0], a[1]);
    case Fn::kStartsWith:
    case Fn::kEndsWith:
    case Fn::kContains: {
      if (!str0 || a[1].kind != Kind::kString) return no_overload();
      const absl::string_view s = a[0].str(), x = a[1].str();
      if (n.fn == Fn::kContains) {
        Charge(ctx, Scaled(s.size(), kStringTraversal) * Scaled(x.size(), kStringTraversal));
        return MakeBool(absl::StrContains(s, x));
      }
      Charge(ctx, Scaled(s.size(), kStringTraversal));
      return MakeBool(n.fn == Fn::kStartsWith ? absl::StartsWith(s, x) : absl::EndsWith(s, x));
    }
    case Fn::kSubstring: {
      if (!str0 || a[1].kind != Kind::kInt || (argc == 3 && a[2].kind != Kind::kInt)) {
        return no_overload();
      }
      const absl::string_view s = a[0].str();
      Charge(ctx, Scaled(s.size(), kStringTraversal));
      const int64_t runes = static_cast<int64_t>(CodePointCount(s));
      const int64_t start = a[1].i;
      const int64_t end = argc == 3 ? a[2].i : runes;
      if (argc == 3 && start > end) {
        return Error(ctx, absl::StrCat("invalid substring range. start: ", start, ", end: ", end));
      }
      if (start < 0 || start > runes) {
        return Error(ctx, absl::StrCat("index out of range: ", start));
      }
      if (end < 0 || end > runes) return Error(ctx, absl::StrCat("index out of range: ", end));
      const size_t b = ByteOffset(s, static_cast<size_t>(start));
      const size_t e = b + ByteOffset(s.substr(b), static_cast<size_t>(end - start));
      return MakeString(s.substr(b, e - b));
    }
    case Fn::kSplit:
      if (!str0 || a[1].kind != Kind::kString || (argc == 3 && a[2].kind != Kind::kInt)) {
        return no_overload();
      }
      Charge(ctx, Scaled(a[0].str_size, 2 * kStringTraversal));
      return Split(ctx, a[0].str(), a[1].str(), argc == 3 ? a[2].i : -1);
    case Fn::kLowerAscii:
    case Fn::kUpperAscii:
      if (!str0) return no_overload();
      Charge(ctx, Scaled(a[0].str_size, kStringTraversal));
      return AsciiCase(ctx, a[0], n.fn == Fn::kUpperAscii);
    case Fn::kTrim:
      if (!str0) return no_overload();
      Charge(ctx, Scaled(a[0].str_size, kStringTraversal));
      return Trim(a[0]);
    case Fn::kIndexOf:
    case Fn::kLastIndexOf: {
      const bool last = n.fn == Fn::kLastIndexOf;
      if (a[0].kind == Kind::kList && argc == 2) {  // the Kubernetes lists library
        const size_t size = ListSize(a[0]);
        Charge(ctx, size);
        for (size_t k = 0; k < size; ++k) {
          const size_t i = last ? size - 1 - k : k;
          if (Equal(ListAt(a[0], i), a[1])) return MakeInt(static_cast<int64_t>(i));
        }
        return MakeInt(-1);
      }
      if (!str0 || a[1].kind != Kind::kString || (argc == 3 && a[2].kind != Kind::kInt)) {
        return no_overload();
      }
      const absl::string_view s = a[0].str(), sub = a[1].str();
      Charge(ctx, Scaled(s.size(), kStringTraversal));
      if (!last) return IndexOf(ctx, s, sub, argc == 3 ? a[2].i : 0);
      if (argc == 3) return LastIndexOf(ctx, s, sub, a[2].i);
      const int64_t runes = static_cast<int64_t>(CodePointCount(s));
      if (sub.empty()) return MakeInt(runes);
      return LastIndexOf(ctx, s, sub, runes - 1);
    }
    case Fn::kCharAt: {
      if (!str0 || a[1].kind != Kind::kInt) return no_overload();
      Charge(ctx, 1);
      const absl::string_view s = a[0].str();
      const int64_t runes = static_cast<int64_t>(CodePointCount(s));
      if (a[1].i < 0 || a[1].i > runes) {
        return Error(ctx, absl::StrCat("index out of range: ", a[1].i));
      }
      const size_t b = ByteOffset(s, static_cast<size_t>(a[1].i));
      size_t e = b;
      if (e < s.size()) DecodeUtf8(s, &e);
      return MakeString(s.substr(b, e - b));
    }
    case Fn::kReplace:
      if (!str0 || a[1].kind != Kind::kString || a[2].kind != Kind::kString ||
          (argc == 4 && a[3].kind != Kind::kInt)) {
        return no_overload();
      }
      Charge(ctx, Scaled(a[0].str_size, 2 * kStringTraversal));
      return Replace(ctx, a[0].str(), a[1].str(), a[2].str(), argc == 4 ? a[3].i : -1);
    case Fn::kJoin:
      if (a[0].kind != Kind::kList || (argc == 2 && a[1].kind != Kind::kString)) {
        return no_overload();
      }
      return Join(ctx, a[0], argc == 2 ? a[1].str() : absl::string_view());
    case Fn::kDuration: {
      Charge(ctx, 1);
      if (a[0].kind == Kind::kDuration) return a[0];
      if (!str0) return no_overload();
      int64_t ns;
      if (!ParseGoDuration(a[0].str(), &ns)) {
        return Error(ctx, absl::StrCat("type conversion error from 'string' to "
                                       "'google.protobuf.Duration': invalid duration \"",
                                       a[0].str(), "\""));
      }
      return MakeDuration(ns);
    }
    case Fn::kGetHours:
    case Fn::kGetMinutes:
    case Fn::kGetSeconds:
    case Fn::kGetMilliseconds: {
      if (a[0].kind != Kind::kDuration) return no_overload();
      Charge(ctx, 1);
      const int64_t unit = n.fn == Fn::kGetHours     ? int64_t{3600} * 1000'000'000
                           : n.fn == Fn::kGetMinutes ? int64_t{60} * 1000'000'000
                           : n.fn == Fn::kGetSeconds ? 1000'000'000
                                                     : 1000'000;
      return MakeInt(a[0].i / unit);
    }
    case Fn::kIsIP:
    case Fn::kIp:
    case Fn::kIpIsCanonical:
    case Fn::kIsCIDR: {
      if (!str0) return no_overload();
      Charge(ctx, Scaled(a[0].str_size,
                         n.fn == Fn::kIpIsCanonical ? 2 * kStringTraversal : kStringTraversal));
      if (n.fn == Fn::kIsCIDR) return MakeBool(IsKubernetesCidr(a[0].str()));
      IpAddr addr;
      const bool ok = ParseKubernetesIp(a[0].str(), &addr);
      if (n.fn == Fn::kIsIP) return MakeBool(ok);
      if (!ok) return Error(ctx, absl::StrCat("IP Address \"", a[0].str(), "\" is not valid"));
      if (n.fn == Fn::kIp) return MakeIp(ctx, addr);
      return MakeBool(IpToString(MakeIp(ctx, addr)) == a[0].str());
    }
    case Fn::kFamily:
    case Fn::kIsUnspecified:
    case Fn::kIsLoopback:
    case Fn::kIsLinkLocalMulticast:
    case Fn::kIsLinkLocalUnicast:
    case Fn::kIsGlobalUnicast:
      if (a[0].kind != Kind::kIp) return no_overload();
      Charge(ctx, 1);
      if (n.fn == Fn::kFamily) return MakeInt(a[0].family);
      return IpPredicate(n.fn, a[0]);
    case Fn::kInt:
      Charge(ctx, 1);
      return ToInt(ctx, a[0]);
    case Fn::kUint:
      Charge(ctx, 1);
      return ToUint(ctx, a[0]);
    case Fn::kDouble:
      Charge(ctx, 1);
      return ToDouble(ctx, a[0]);
    case Fn::kString:
      Charge(ctx, 1);
      return ToStringVal(ctx, a[0]);
    case Fn::kBool:
      Charge(ctx, 1);
      return ToBool(ctx, a[0]);
    case Fn::kDyn:
      return a[0];
    case Fn::kNone:
      break;
  }
  return no_overload();
}

ABSL_ATTRIBUTE_NOINLINE Val EvalFunc(const Node& n, Ctx& ctx) {
  Val a[4];
  const size_t argc = n.nkids;  // at most 4: the receiver and 3 arguments
  for (size_t i = 0; i < argc; ++i) {
    a[i] = EvalKid(n.Arg(i), ctx);
    if (a[i].kind == Kind::kError) return a[i];
  }
  return ApplyFunc(n, ctx, a, argc);
}

ABSL_ATTRIBUTE_NOINLINE Val IterationError(Ctx& ctx, const Val& range) {
  return Error(ctx, absl::StrCat("cannot iterate over a value of type '", TypeName(range), "'"));
}

// The macros, as cel-go expands them into comprehensions: `all`/`exists`
// stop at the first false/true and absorb errors from other elements;
// `exists_one`, `filter` and `map` fail on any error.
ABSL_ATTRIBUTE_NOINLINE Val EvalComprehension(const Node& n, Ctx& ctx) {
  const Val range = Eval(*n.kid[0], ctx);
  if (range.kind == Kind::kError) return range;
  if (range.kind != Kind::kList && range.kind != Kind::kMap) {
    return IterationError(ctx, range);
  }
  const size_t count = range.kind == Kind::kList ? ListSize(range) : MapSize(range);
  const Node& body = *n.kid[1];
  Val& var = ctx.slots[n.slot];
  switch (n.op) {
    case Op::kAll:
    case Op::kExists: {
      const bool decisive = n.op == Op::kExists;
      Val error{};
      bool has_error = false;
      for (size_t i = 0; i < count; ++i) {
        Charge(ctx, 3);  // the loop condition and the accumulator update
        if (ctx.cancelled != nullptr) return Cancelled(ctx);
        var = RangeAt(range, i);
        const ArenaMark mark(ctx);
        const Val p = EvalKid(body, ctx);
        if (ctx.cancelled != nullptr) return Cancelled(ctx);
        if (p.kind == Kind::kBool) {
          if (p.b == decisive) return p;
        } else if (!has_error) {
          error = p.kind == Kind::kError ? p : NoOverload(ctx, decisive ? "_||_" : "_&&_", p);
          has_error = true;
        }
        mark.Release(ctx);
      }
      return has_error ? error : MakeBool(!decisive);
    }
    case Op::kExistsOne: {
      int64_t matched = 0;
      for (size_t i = 0; i < count; ++i) {
        Charge(ctx, 2);
        if (ctx.cancelled != nullptr) return Cancelled(ctx);
        var = RangeAt(range, i);
        const ArenaMark mark(ctx);
        const Val p = EvalKid(body, ctx);
        if (ctx.cancelled != nullptr) return Cancelled(ctx);
        if (p.kind == Kind::kError) return p;
        if (p.kind != Kind::kBool) return NoOverload(ctx, "_?_:_", p);
        matched += p.b;
        mark.Release(ctx);
      }
      Charge(ctx, 2);
      return MakeBool(matched == 1);
    }
    default: {  // kFilter, kMapMacro
      Charge(ctx, kListCreateCost);
      std::vector<Val>* out = NewList(ctx, 0);
      if (out == nullptr) return Cancelled(ctx);
      const bool is_map = n.op == Op::kMapMacro;
      const Node* filter = is_map && n.args.size() == 3 ? &body : nullptr;
      const Node& transform = is_map ? *n.args.back() : body;
      for (size_t i = 0; i < count; ++i) {
        Charge(ctx, 1);
        if (ctx.cancelled != nullptr) return Cancelled(ctx);
        var = RangeAt(range, i);
        if (filter != nullptr || !is_map) {
          const ArenaMark mark(ctx);
          const Val p = EvalKid(is_map ? *filter : body, ctx);
          if (ctx.cancelled != nullptr) return Cancelled(ctx);
          if (p.kind == Kind::kError) return p;
          if (p.kind != Kind::kBool) return NoOverload(ctx, "_?_:_", p);
          mark.Release(ctx);
          if (!p.b) continue;
        }
        Val item = var;
        if (is_map) {  // transform results may live in the arena: no release
          item = Eval(transform, ctx);
          if (ctx.cancelled != nullptr) return Cancelled(ctx);
          if (item.kind == Kind::kError) return item;
        }
        Charge(ctx, kListCreateCost + 2);  // __result__ + [item]
        if (!Append(ctx, out, item)) return Cancelled(ctx);
      }
      return MakeVec(Kind::kList, out);
    }
  }
}

Val Eval(const Node& n, Ctx& ctx) {
  switch (n.op) {
    case Op::kConst:
      if (n.literal_list) Charge(ctx, kListCreateCost);
      return n.value;
    case Op::kSelf:
      Charge(ctx, 1);
      return FromTree(*ctx.self);
    case Op::kOldSelf:
      Charge(ctx, 1);
      if (ctx.old_self == nullptr) {
        return Error(ctx, "oldSelf is not available (transition rules run only on update)");
      }
      return FromTree(*ctx.old_self);
    case Op::kVar:
      Charge(ctx, 1);
      return ctx.slots[n.slot];
    case Op::kSelect:
      return EvalSelect(n, ctx);
    case Op::kHas:
      return EvalHas(n, ctx);
    case Op::kIndex:
      return EvalIndex(n, ctx);
    case Op::kList:
      return EvalList(n, ctx);
    case Op::kMap:
      return EvalMap(n, ctx);
    case Op::kNot: {
      const Val x = EvalKid(*n.kid[0], ctx);
      if (x.kind == Kind::kBool) return MakeBool(!x.b);
      return x.kind == Kind::kError ? x : NoOverload(ctx, "!_", x);
    }
    case Op::kNeg: {
      const Val x = Eval(*n.kid[0], ctx);
      if (x.kind == Kind::kError) return x;
      Charge(ctx, 1);
      return EvalNeg(x, ctx);
    }
    case Op::kAnd:
    case Op::kOr:
      return EvalLogical(n, ctx);
    case Op::kCond: {
      const Val c = EvalKid(*n.kid[0], ctx);
      if (c.kind != Kind::kBool) return c.kind == Kind::kError ? c : NoOverload(ctx, "_?_:_", c);
      return EvalKid(*n.kid[c.b ? 1 : 2], ctx);
    }
    case Op::kFunc:
      return EvalFunc(n, ctx);
    case Op::kAll:
    case Op::kExists:
    case Op::kExistsOne:
    case Op::kFilter:
    case Op::kMapMacro:
      return EvalComprehension(n, ctx);
    case Op::kIdent:
    case Op::kCall:
      return Error(ctx, "internal error: unresolved expression");
    default:
      return EvalBinary(n, ctx);
  }
}

}  // namespace

Program::~Program() = default;

absl::StatusOr<std::unique_ptr<const Program>> Program::Compile(absl::string_view expression) {
  if (!ValidUtf8(expression)) return absl::InvalidArgumentError("expression is not valid UTF-8");
  if (CodePointCount(expression) > kMaxExpressionCodePoints) {
    return absl::InvalidArgumentError(
        absl::StrCat("expression is longer than ", kMaxExpressionCodePoints, " code points"));
  }
  Parser parser(expression);
  std::unique_ptr<Node> root = parser.Parse();
  if (root == nullptr) return absl::InvalidArgumentError(parser.error());
  Checker checker;
  if (!checker.Check(root.get())) return absl::InvalidArgumentError(checker.error());
  const Kind kind = StaticKind(*root);
  if (kind != Kind::kError && kind != Kind::kBool) {
    Val v{};
    v.kind = kind;
    return absl::InvalidArgumentError(
        absl::StrCat("compile error: rule must evaluate to a bool, not ", TypeName(v)));
  }
  root->Link();
  std::unique_ptr<Program> program(new Program());
  program->expression_ = std::string(expression);
  program->root_ = std::move(root);
  program->references_old_self_ = checker.references_old_self();
  return std::unique_ptr<const Program>(std::move(program));
}

absl::StatusOr<bool> Program::EvalBool(const model::Value& self,
                                       const model::Value* old_self) const {
  Val slots[kMaxHeight];  // iteration variables; trivially constructible, so free
  Ctx ctx;
  ctx.self = &self;
  ctx.old_self = old_self;
  ctx.slots = slots;
  const Val result = Eval(*root_, ctx);
  if (ctx.cancelled != nullptr) return absl::InvalidArgumentError(ctx.cancelled);
  if (result.kind == Kind::kError) return absl::InvalidArgumentError(result.err);
  if (result.kind != Kind::kBool) {
    return absl::InvalidArgumentError(
        absl::StrCat("rule evaluated to a ", TypeName(result), ", not a bool"));
  }
  return result.b;
}

}  // namespace gwapi::validate::cel
