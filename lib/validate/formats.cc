#include "lib/validate/formats.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace gwapi::validate::internal {
namespace {

// Go's netip IPv4 parser: four decimal fields 0-255, no leading zeros.
bool ParseIPv4(absl::string_view s) {
  int fields = 0;
  size_t i = 0;
  while (true) {
    size_t start = i;
    int value = 0;
    while (i < s.size() && absl::ascii_isdigit(s[i]) && i - start < 3) {
      value = value * 10 + (s[i] - '0');
      ++i;
    }
    size_t len = i - start;
    if (len == 0 || value > 255 || (len > 1 && s[start] == '0')) return false;
    ++fields;
    if (i == s.size()) return fields == 4;
    if (s[i] != '.' || fields == 4) return false;
    ++i;
  }
}

// Go's netip IPv6 parser (an IPv4 tail is allowed, a zone is not).
bool ParseIPv6(absl::string_view s) {
  int groups = 0;
  bool ellipsis = false;
  size_t i = 0;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    ellipsis = true;
    i = 2;
    if (i == s.size()) return true;
  }
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && absl::ascii_isxdigit(s[i]) && i - start < 5) ++i;
    size_t len = i - start;
    if (len == 0 || len > 4) {
      return false;
    }
    if (i < s.size() && s[i] == '.') {
      // Dotted IPv4 in the last 32 bits.
      if (groups > 6 || !ParseIPv4(s.substr(start))) return false;
      groups += 2;
      i = s.size();
      break;
    }
    ++groups;
    if (groups > 8) return false;
    if (i == s.size()) break;
    if (s[i] != ':') return false;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (ellipsis) return false;
      ellipsis = true;
      ++i;
      if (i == s.size()) break;
    } else if (i == s.size()) {
      return false;  // trailing single colon
    }
  }
  // "::" must stand for at least one group of zeros.
  return ellipsis ? groups < 8 : groups == 8;
}

bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Parses exactly `n` digits at s[*i].
bool Digits(absl::string_view s, size_t* i, int n, int* out) {
  if (*i + n > s.size()) return false;
  int v = 0;
  for (int k = 0; k < n; ++k) {
    char c = s[*i + k];
    if (!absl::ascii_isdigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *i += n;
  *out = v;
  return true;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

bool ParseIP(absl::string_view s) {
  if (s.find(':') != absl::string_view::npos) return ParseIPv6(s);
  return ParseIPv4(s);
}

bool IsIPv4Format(absl::string_view s) {
  return s.find('.') != absl::string_view::npos && ParseIP(s);
}

bool IsIPv6Format(absl::string_view s) {
  return s.find(':') != absl::string_view::npos && ParseIP(s);
}

bool IsCidrFormat(absl::string_view s) {
  size_t slash = s.find('/');
  if (slash == absl::string_view::npos) return false;
  absl::string_view ip = s.substr(0, slash);
  absl::string_view bits = s.substr(slash + 1);
  bool v6 = ip.find(':') != absl::string_view::npos;
  if (!(v6 ? ParseIPv6(ip) : ParseIPv4(ip))) return false;
  if (bits.empty() || bits.size() > 3) return false;
  int n = 0;
  for (char c : bits) {
    if (!absl::ascii_isdigit(c)) return false;
    n = n * 10 + (c - '0');
  }
  return n <= (v6 ? 128 : 32);
}

bool IsDateTimeFormat(absl::string_view s) {
  // yyyy-mm-ddThh:mm:ss[.frac](Z|+hh:mm|-hh:mm), 'T' and 'Z' in either case.
  size_t i = 0;
  int year, month, day, hour, minute, second;
  if (!Digits(s, &i, 4, &year) || i >= s.size() || s[i++] != '-') return false;
  if (!Digits(s, &i, 2, &month) || i >= s.size() || s[i++] != '-') return false;
  if (!Digits(s, &i, 2, &day) || i >= s.size() || (s[i] != 'T' && s[i] != 't')) return false;
  ++i;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return false;
  if (day > kDays[month - 1] + (month == 2 && IsLeapYear(year) ? 1 : 0)) return false;
  if (!Digits(s, &i, 2, &hour) || i >= s.size() || s[i++] != ':') return false;
  if (!Digits(s, &i, 2, &minute) || i >= s.size() || s[i++] != ':') return false;
  if (!Digits(s, &i, 2, &second)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (i < s.size() && s[i] == '.') {
    size_t start = ++i;
    while (i < s.size() && absl::ascii_isdigit(s[i])) ++i;
    if (i == start) return false;
  }
  if (i == s.size()) return false;
  if (s[i] == 'Z' || s[i] == 'z') return i + 1 == s.size();
  if (s[i] != '+' && s[i] != '-') return false;
  ++i;
  int tzh, tzm;
  if (!Digits(s, &i, 2, &tzh) || i >= s.size() || s[i++] != ':') return false;
  if (!Digits(s, &i, 2, &tzm)) return false;
  return i == s.size();
}

bool IsBase64Format(absl::string_view s) {
  // Go's StdEncoding.DecodeString: skips CR and LF, needs full padding.
  size_t n = 0, pad = 0;
  for (char c : s) {
    if (c == '\r' || c == '\n') continue;
    if (c == '=') {
      ++pad;
    } else {
      if (pad > 0 || Base64Value(c) < 0) return false;
    }
    ++n;
  }
  if (n % 4 != 0 || pad > 2) return false;
  return true;
}

int64_t RuneCount(absl::string_view s) {
  int64_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string GoQuote(absl::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string GoFloat(double d) {
  if (d == 0) return "0";
  // The shortest precision that round-trips, as Go's strconv picks it.
  char buf[48];
  int digits = 1;
  for (; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof(buf), "%.*e", digits - 1, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  int exp = std::atoi(std::strchr(buf, 'e') + 1);
  if (exp < -4 || exp >= 6) {
    // Go: mantissa digits, then e+XX with at least two exponent digits.
    std::string mantissa(buf, std::strchr(buf, 'e'));
    char e[16];
    std::snprintf(e, sizeof(e), "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    return mantissa + e;
  }
  std::snprintf(buf, sizeof(buf), "%.*f", digits - 1 - exp > 0 ? digits - 1 - exp : 0, d);
  return buf;
}

}  // namespace gwapi::validate::internal
