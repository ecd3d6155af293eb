#include "lib/model/limits.h"

#include "absl/strings/cord.h"

namespace gwapi::model {

void SetLocation(absl::Status& status, absl::string_view location) {
  if (!status.ok()) status.SetPayload(kLocationPayload, absl::Cord(location));
}

std::string GetLocation(const absl::Status& status) {
  auto p = status.GetPayload(kLocationPayload);
  return p.has_value() ? std::string(*p) : std::string();
}

}  // namespace gwapi::model
