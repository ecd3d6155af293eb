// What a snapshot answers besides Match(): names and verdicts read from the
// serialized message (no parse, no allocation), the rules kept for
// ApplyFilters, and the whole message parsed on demand.
#include <cstdint>
#include <mutex>

#include "absl/status/status.h"
#include "google/protobuf/stubs/logging.h"
#include "gwapi/v1/snapshot.pb.h"
#include "lib/route/impl.h"
#include "lib/route/snapshot.h"
#include "lib/route/wire.h"

namespace gwapi::route {

namespace v1 = ::gwapi::v1;

bool SnapshotImpl::RouteBytes(int32_t route, absl::string_view* out) const {
  if (route < 0 || static_cast<size_t>(route) >= route_bytes.size()) {
    return false;
  }
  const Range& r = route_bytes[route];
  *out = absl::string_view(serialized).substr(r.begin, r.end - r.begin);
  return true;
}

bool SnapshotImpl::RuleBytes(int32_t route, int32_t rule,
                             absl::string_view* out) const {
  absl::string_view bytes;
  return rule >= 0 && RouteBytes(route, &bytes) &&
         wire::NthBytes(bytes, v1::Route::kRulesFieldNumber, rule, out);
}

uint32_t SnapshotImpl::RulesEnd(int32_t route) const {
  return static_cast<size_t>(route) + 1 < rule_base.size()
             ? rule_base[route + 1]
             : static_cast<uint32_t>(rules.size());
}

uint32_t SnapshotImpl::RuleId(int32_t route, int32_t rule) const {
  if (route < 0 || static_cast<size_t>(route) >= rule_base.size() ||
      rule < 0) {
    return kNone;
  }
  const uint32_t id = rule_base[route] + static_cast<uint32_t>(rule);
  return id < RulesEnd(route) ? id : kNone;
}

const v1::Rule* SnapshotImpl::Detail(int32_t route, int32_t rule) const {
  const uint32_t id = RuleId(route, rule);
  if (id == kNone || rules[id].detail == kNone) return nullptr;
  return details[rules[id].detail];
}

bool SnapshotImpl::BackendValid(const RuleInfo& rule, int32_t backend) const {
  absl::string_view rule_bytes, bytes;
  return RuleBytes(static_cast<int32_t>(rule.route),
                   static_cast<int32_t>(rule.rule), &rule_bytes) &&
         wire::NthBytes(rule_bytes, v1::Rule::kBackendsFieldNumber, backend,
                        &bytes) &&
         wire::Varint(bytes, v1::Backend::kValidFieldNumber, 0) != 0;
}

bool Snapshot::RouteAt(int32_t route, RouteInfo* out) const {
  const SnapshotImpl& s = *impl_;
  absl::string_view bytes;
  if (!s.RouteBytes(route, &bytes)) return false;
  *out = RouteInfo();
  out->kind = static_cast<v1::RouteKind>(
      wire::Varint(bytes, v1::Route::kKindFieldNumber, 0));
  out->ns = s.Name(s.route_names[2 * route]);
  out->name = s.Name(s.route_names[2 * route + 1]);
  out->rule_count = static_cast<int32_t>(s.RulesEnd(route) - s.rule_base[route]);
  return true;
}

bool Snapshot::BackendAt(int32_t route, int32_t rule, int32_t backend,
                         BackendInfo* out) const {
  const SnapshotImpl& s = *impl_;
  const uint32_t id = s.RuleId(route, rule);
  absl::string_view rule_bytes, bytes;
  if (id == kNone || backend < 0 || !s.RuleBytes(route, rule, &rule_bytes) ||
      !wire::NthBytes(rule_bytes, v1::Rule::kBackendsFieldNumber, backend,
                      &bytes)) {
    return false;
  }
  const size_t at = 2 * (static_cast<size_t>(s.backend_base[id]) + backend);
  *out = BackendInfo();
  out->ns = s.Name(s.backend_names[at]);
  out->name = s.Name(s.backend_names[at + 1]);
  out->port = static_cast<uint32_t>(
      wire::Varint(bytes, v1::Backend::kPortFieldNumber, 0));
  out->weight = static_cast<uint32_t>(
      wire::Varint(bytes, v1::Backend::kWeightFieldNumber, 0));
  out->valid = wire::Varint(bytes, v1::Backend::kValidFieldNumber, 0) != 0;
  return true;
}

absl::string_view Snapshot::Serialized() const { return impl_->serialized; }

absl::Status Snapshot::ParseConfig(v1::Snapshot* out) const {
  // The bytes came from protobuf's parser or serializer, so this fails only
  // for a message Create() took with a string that is not UTF-8 (proto3
  // forbids it; the serializer merely logs it), which the parser refuses.
  google::protobuf::LogSilencer quiet;
  if (!out->ParseFromString(impl_->serialized)) {
    out->Clear();
    return absl::DataLossError(
        "the snapshot's message does not parse back: a string field is not "
        "UTF-8");
  }
  return absl::OkStatus();
}

const v1::Snapshot& Snapshot::config() const {
  std::call_once(impl_->config_once, [this] {
    auto config = std::make_unique<v1::Snapshot>();
    ParseConfig(config.get()).IgnoreError();  // empty on failure, never half
    impl_->config = std::move(config);
  });
  return *impl_->config;
}

}  // namespace gwapi::route
