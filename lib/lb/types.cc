#include "lib/lb/types.h"

#include <arpa/inet.h>

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace gwapi::lb {

Address Address::V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  Address out;
  out.family = Family::kV4;
  out.bytes[0] = a;
  out.bytes[1] = b;
  out.bytes[2] = c;
  out.bytes[3] = d;
  return out;
}

absl::StatusOr<Address> Address::Parse(absl::string_view text) {
  std::string s(text);
  Address out;
  if (inet_pton(AF_INET, s.c_str(), out.bytes.data()) == 1) {
    out.family = Family::kV4;
    return out;
  }
  if (inet_pton(AF_INET6, s.c_str(), out.bytes.data()) == 1) {
    out.family = Family::kV6;
    return out;
  }
  return absl::InvalidArgumentError(absl::StrCat("not an IP address: \"", text, "\""));
}

std::string Address::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  const int af = family == Family::kV4 ? AF_INET : AF_INET6;
  if (inet_ntop(af, bytes.data(), buf, sizeof(buf)) == nullptr) return "?";
  return buf;
}

absl::string_view ProtocolName(Protocol p) {
  switch (p) {
    case Protocol::kTcp:
      return "TCP";
    case Protocol::kUdp:
      return "UDP";
    case Protocol::kSctp:
      return "SCTP";
    case Protocol::kAny:
      break;
  }
  return "ANY";
}

}  // namespace gwapi::lb
