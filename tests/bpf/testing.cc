#include "tests/bpf/testing.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace gwapi::lb::testing {
namespace {

// Ones' complement sum of `len` bytes, folded to 16 bits by the caller.
uint32_t Sum(const uint8_t* p, size_t len, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < len; i += 2) sum += (p[i] << 8) | p[i + 1];
  if (len & 1) sum += p[len - 1] << 8;
  return sum;
}

uint16_t Fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

void Put16(std::string* s, size_t off, uint16_t v) {
  (*s)[off] = static_cast<char>(v >> 8);
  (*s)[off + 1] = static_cast<char>(v & 0xff);
}

uint16_t Get16(const std::string& s, size_t off) {
  return (static_cast<uint8_t>(s[off]) << 8) | static_cast<uint8_t>(s[off + 1]);
}

// The L4 checksum over the pseudo header and `l4` (with its checksum field
// as it is); 0 when the segment is right.
uint16_t L4Sum(const std::string& frame, bool v6, size_t l4off, uint8_t proto) {
  const uint8_t* b = reinterpret_cast<const uint8_t*>(frame.data());
  const size_t l4len = frame.size() - l4off;
  uint32_t sum = 0;
  if (v6) {
    sum = Sum(b + 14 + 8, 32, sum);
  } else {
    sum = Sum(b + 14 + 12, 8, sum);
  }
  sum += proto;
  sum += static_cast<uint32_t>(l4len);
  sum = Sum(b + l4off, l4len, sum);
  return Fold(sum);
}

}  // namespace

LbMaps OpenLbMaps(const std::string& pin_path, uint32_t size) {
  LbMaps m;
  LibbpfMapOptions o;
  o.pin_path = pin_path;
  o.sizes.services = size;
  o.sizes.backends = size;
  o.sizes.rev_nat = size;
  auto b = LibbpfMapBackend::Open(o);
  if (!b.ok()) {
    ADD_FAILURE() << b.status();
    return m;
  }
  auto w = Writer::Create(b->get());
  if (!w.ok()) {
    ADD_FAILURE() << w.status();
    return m;
  }
  m.backend = std::move(*b);
  m.writer = std::move(*w);
  return m;
}

CgroupGuard::~CgroupGuard() {
  const std::string why = Leave();
  if (!why.empty()) ADD_FAILURE() << why;
}

std::string BuildPacket(const PacketSpec& p) {
  const bool v6 = p.src.family == Family::kV6;
  const bool tcp = p.proto == Protocol::kTcp;
  const size_t l3len = v6 ? 40 : 20;
  const size_t l4hdr = tcp ? 20 : 8;
  const size_t l4len = l4hdr + p.payload.size();
  std::string f(14 + l3len + l4len, '\0');
  const char eth[] = "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02";
  std::memcpy(f.data(), eth, 12);
  Put16(&f, 12, v6 ? 0x86dd : 0x0800);
  const size_t l3 = 14, l4 = 14 + l3len;
  const uint8_t proto = static_cast<uint8_t>(p.proto);
  if (v6) {
    f[l3] = 0x60;
    Put16(&f, l3 + 4, static_cast<uint16_t>(l4len));
    f[l3 + 6] = static_cast<char>(proto);
    f[l3 + 7] = 64;
    std::memcpy(&f[l3 + 8], p.src.bytes.data(), 16);
    std::memcpy(&f[l3 + 24], p.dst.bytes.data(), 16);
  } else {
    f[l3] = 0x45;
    Put16(&f, l3 + 2, static_cast<uint16_t>(l3len + l4len));
    Put16(&f, l3 + 4, 0x1234);
    Put16(&f, l3 + 6, p.fragment ? 0x2000 : 0x4000);
    f[l3 + 8] = 64;
    f[l3 + 9] = static_cast<char>(proto);
    std::memcpy(&f[l3 + 12], p.src.bytes.data(), 4);
    std::memcpy(&f[l3 + 16], p.dst.bytes.data(), 4);
    Put16(&f, l3 + 10, Fold(Sum(reinterpret_cast<const uint8_t*>(f.data()) + l3, 20)));
  }
  Put16(&f, l4, p.sport);
  Put16(&f, l4 + 2, p.dport);
  if (tcp) {
    Put16(&f, l4 + 4, 0);
    Put16(&f, l4 + 6, 1);  // seq 1
    f[l4 + 12] = 0x50;     // data offset 5
    f[l4 + 13] = 0x02;     // SYN
    Put16(&f, l4 + 14, 65535);
  } else {
    Put16(&f, l4 + 4, static_cast<uint16_t>(l4len));
  }
  std::memcpy(&f[l4 + l4hdr], p.payload.data(), p.payload.size());
  const size_t csum = l4 + (tcp ? 16 : 6);
  if (!(p.udp_zero_checksum && !tcp && !v6)) {
    uint16_t c = L4Sum(f, v6, l4, proto);
    if (!tcp && c == 0) c = 0xffff;  // UDP sends a zero sum as all ones
    Put16(&f, csum, c);
  }
  return f;
}

std::string ChecksumError(const std::string& frame) {
  if (frame.size() < 14) return "short frame";
  const uint16_t type = Get16(frame, 12);
  const bool v6 = type == 0x86dd;
  if (!v6 && type != 0x0800) return "not IP";
  const uint8_t* b = reinterpret_cast<const uint8_t*>(frame.data());
  size_t l4;
  uint8_t proto;
  if (v6) {
    l4 = 14 + 40;
    proto = b[14 + 6];
  } else {
    if (Fold(Sum(b + 14, 20)) != 0) return "IPv4 header checksum";
    l4 = 14 + 20;
    proto = b[14 + 9];
  }
  if (proto == 17 && !v6 && Get16(frame, l4 + 6) == 0) return "";  // no UDP checksum
  if (L4Sum(frame, v6, l4, proto) != 0) return proto == 6 ? "TCP checksum" : "UDP checksum";
  return "";
}

std::string HexDump(const std::string& bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    absl::StrAppendFormat(&out, "%s%02x", i == 0 ? "" : (i % 16 == 0 ? "\n" : " "),
                          static_cast<uint8_t>(bytes[i]));
  }
  return out;
}

}  // namespace gwapi::lb::testing
