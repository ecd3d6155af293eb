#include "lib/lb/list.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "gwapi/lb_abi.h"
#include "lib/base/status_macros.h"
#include "lib/lb/encode.h"

namespace gwapi::lb {
namespace {

std::string HostPort(const Address& a, uint16_t port) {
  if (a.family == Family::kV6) return absl::StrCat("[", a.ToString(), "]:", port);
  return absl::StrCat(a.ToString(), ":", port);
}

std::string ProtoText(uint8_t proto) {
  switch (proto) {
    case 0:
    case 6:
    case 17:
    case 132:
      return std::string(ProtocolName(static_cast<Protocol>(proto)));
  }
  return absl::StrCat(proto);
}

}  // namespace

std::string ListRow::ServiceText() const {
  return absl::StrCat(HostPort(address, port), "/", ProtoText(proto),
                      scope == GWAPI_LB_LOOKUP_SCOPE_INT ? "/i" : "", " (", slot, ")");
}

std::string ListRow::BackendText() const {
  if (slot == 0) {
    Address zero;
    zero.family = address.family;
    std::string s = absl::StrCat(HostPort(zero, 0), " (", rev_nat, ") (0) [", flags, "]");
    if (l7_proxy_port != 0) absl::StrAppend(&s, " (L7LB Proxy Port: ", l7_proxy_port, ")");
    return s;
  }
  if (!backend_found) return absl::StrCat("backend ", backend_id, " not found");
  return absl::StrCat(HostPort(backend_address, backend_port), "/", ProtoText(backend_proto), " (",
                      rev_nat, ") (", slot, ")");
}

absl::StatusOr<std::vector<ListRow>> List(MapBackend& backend) {
  std::vector<ListRow> rows;
  for (Family fam : {Family::kV4, Family::kV6}) {
    absl::flat_hash_map<uint32_t, BackendFields> backends;
    GWAPI_ASSIGN_OR_RETURN(const MapDump bes, DumpMap(backend, BackendsMap(fam)));
    for (size_t i = 0; i < bes.size(); ++i) {
      uint32_t id;
      std::memcpy(&id, bes.key(i), sizeof(id));
      backends.emplace(id, DecodeBackend(fam, bes.value(i)));
    }
    GWAPI_ASSIGN_OR_RETURN(const MapDump services, DumpMap(backend, ServicesMap(fam)));
    for (size_t i = 0; i < services.size(); ++i) {
      const ServiceKeyFields k = DecodeServiceKey(fam, services.key(i));
      ListRow row;
      row.address = k.address;
      row.port = k.port;
      row.slot = k.slot;
      row.proto = k.proto;
      row.scope = k.scope;
      gwapi_lb_service v;
      std::memcpy(&v, services.value(i), sizeof(v));
      row.rev_nat = ntohs(v.rev_nat_index);
      if (row.slot == 0) {
        row.count = v.count;
        row.flags = ServiceFlagsString(v.flags, v.flags2);
        row.l7_proxy_port = DecodeL7ProxyPort(v);
      } else {
        row.backend_id = v.backend_id;
        auto it = backends.find(v.backend_id);
        if (it != backends.end()) {
          row.backend_found = true;
          row.backend_address = it->second.address;
          row.backend_port = it->second.port;
          row.backend_proto = it->second.proto;
          row.backend_state = it->second.state;
        }
      }
      rows.push_back(std::move(row));
    }
  }
  std::sort(rows.begin(), rows.end(), [](const ListRow& a, const ListRow& b) {
    return std::tie(a.address, a.port, a.proto, a.scope, a.slot) <
           std::tie(b.address, b.port, b.proto, b.scope, b.slot);
  });
  return rows;
}

std::string FormatList(const std::vector<ListRow>& rows) {
  constexpr char kService[] = "SERVICE ADDRESS";
  constexpr char kBackend[] = "BACKEND ADDRESS (REVNAT_ID) (SLOT)";
  std::vector<std::string> left;
  left.reserve(rows.size());
  size_t width = sizeof(kService) - 1;
  for (const ListRow& r : rows) {
    left.push_back(r.ServiceText());
    width = std::max(width, left.back().size());
  }
  auto line = [width](std::string* out, const std::string& a, const std::string& b) {
    absl::StrAppend(out, a, std::string(width - a.size() + 3, ' '), b, "\n");
  };
  std::string out;
  line(&out, kService, kBackend);
  for (size_t i = 0; i < rows.size(); ++i) line(&out, left[i], rows[i].BackendText());
  return out;
}

}  // namespace gwapi::lb
