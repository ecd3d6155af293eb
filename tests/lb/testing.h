// Shared fixtures for the lib/lb tests: the seed scenario and byte helpers.
#ifndef GWAPI_TESTS_LB_TESTING_H_
#define GWAPI_TESTS_LB_TESTING_H_

#include <map>
#include <string>
#include <vector>

#include "lib/lb/map_backend.h"
#include "lib/lb/types.h"

namespace gwapi::lb::testing {

Address Ip(const char* text);
Backend Be(const char* ip, uint16_t port, uint32_t weight = 1,
           BackendState state = BackendState::kActive, Protocol p = Protocol::kTcp);
Frontend Fe(const char* ip, uint16_t port, FrontendType type, std::vector<Backend> backends,
            Protocol p = Protocol::kTcp, uint16_t l7_proxy_port = 0);
Frontend ClusterIP(const char* ip, uint16_t port, std::vector<Backend> backends);

// The reference scenario: Gateway 172.17.0.64:80 redirected to proxy port
// 12141 (one dummy backend 192.192.192.192:9999, as Cilium's gateways
// have), and the ClusterIP Service 10.96.0.10:8000 with backend
// 10.244.1.46:8080.
DesiredState SeedScenario();

// Bytes from "2f 6d 00 00 ..." (spaces and '|' ignored).
std::string Bytes(const char* hex);
// "2f 6d 00 00" from bytes.
std::string Hex(const std::string& bytes);

// Every entry of every map, keyed by map, for before/after comparisons.
std::map<MapId, std::map<std::string, std::string>> Snapshot(MapBackend& backend);

}  // namespace gwapi::lb::testing

#endif  // GWAPI_TESTS_LB_TESTING_H_
