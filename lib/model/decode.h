// Splits one input (multi-document YAML, a JSON object, a JSON array, or a
// `List`) into the objects it holds.
#ifndef GWAPI_LIB_MODEL_DECODE_H_
#define GWAPI_LIB_MODEL_DECODE_H_

#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "lib/model/limits.h"
#include "lib/model/value.h"

namespace gwapi::model {

// One object found in an input, and where: "document 2 (line 14)",
// "items[3]" or "document 1 (line 1) items[0]".
struct DecodedItem {
  Value value;
  std::string source;
};

enum class InputFormat { kAuto, kJson, kYaml };

// Decodes the input. JSON (first non-blank byte `{` or `[`) goes through
// simdjson, anything else through libyaml. `kind: List` and any `*List` kind
// with an `items` array are expanded in place. Malformed input fails the
// whole call; nothing in it is returned.
// `drop_status`: leave out each object's `status` while decoding JSON (a
// write to the main resource ignores it; the engine sets this).
absl::StatusOr<std::vector<DecodedItem>> DecodeObjects(absl::string_view input,
                                                       const DecodeLimits& limits,
                                                       InputFormat format = InputFormat::kAuto,
                                                       bool drop_status = false);

}  // namespace gwapi::model

#endif  // GWAPI_LIB_MODEL_DECODE_H_
