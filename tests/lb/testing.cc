#include "tests/lb/testing.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/str_format.h"

namespace gwapi::lb::testing {

Address Ip(const char* text) {
  absl::StatusOr<Address> a = Address::Parse(text);
  if (!a.ok()) std::abort();
  return *a;
}

Backend Be(const char* ip, uint16_t port, uint32_t weight, BackendState state, Protocol p) {
  Backend b;
  b.address = Ip(ip);
  b.port = port;
  b.weight = weight;
  b.state = state;
  b.protocol = p;
  return b;
}

Frontend Fe(const char* ip, uint16_t port, FrontendType type, std::vector<Backend> backends,
            Protocol p, uint16_t l7_proxy_port) {
  Frontend f;
  f.address = Ip(ip);
  f.port = port;
  f.type = type;
  f.protocol = p;
  f.l7_proxy_port = l7_proxy_port;
  f.backends = std::move(backends);
  return f;
}

Frontend ClusterIP(const char* ip, uint16_t port, std::vector<Backend> backends) {
  return Fe(ip, port, FrontendType::kClusterIP, std::move(backends));
}

DesiredState SeedScenario() {
  DesiredState d;
  Frontend gw;
  gw.address = Ip("172.17.0.64");
  gw.port = 80;
  gw.type = FrontendType::kL7LoadBalancer;
  gw.l7_proxy_port = 12141;
  gw.backends = {Be("192.192.192.192", 9999)};
  d.frontends.push_back(gw);
  d.frontends.push_back(ClusterIP("10.96.0.10", 8000, {Be("10.244.1.46", 8080)}));
  return d;
}

std::string Bytes(const char* hex) {
  std::string out;
  int nibbles = 0;
  unsigned cur = 0;
  for (const char* p = hex; *p; ++p) {
    int v;
    if (*p >= '0' && *p <= '9') {
      v = *p - '0';
    } else if (*p >= 'a' && *p <= 'f') {
      v = *p - 'a' + 10;
    } else {
      continue;
    }
    cur = cur * 16 + v;
    if (++nibbles == 2) {
      out.push_back(static_cast<char>(cur));
      nibbles = 0;
      cur = 0;
    }
  }
  return out;
}

std::string Hex(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out += ' ';
    out += absl::StrFormat("%02x", c);
  }
  return out;
}

std::map<MapId, std::map<std::string, std::string>> Snapshot(MapBackend& backend) {
  std::map<MapId, std::map<std::string, std::string>> out;
  for (MapId m : kAllMaps) {
    const MapSpec& spec = GetMapSpec(m);
    std::vector<uint8_t> keys, values;
    if (!backend.Dump(m, &keys, &values).ok()) std::abort();
    auto& dst = out[m];
    for (size_t i = 0; i < keys.size() / spec.key_size; ++i) {
      dst.emplace(
          std::string(reinterpret_cast<const char*>(&keys[i * spec.key_size]), spec.key_size),
          std::string(reinterpret_cast<const char*>(&values[i * spec.value_size]),
                      spec.value_size));
    }
  }
  return out;
}

}  // namespace gwapi::lb::testing
