// JSON text to Value, through simdjson's DOM parser.
#ifndef GWAPI_LIB_MODEL_JSON_H_
#define GWAPI_LIB_MODEL_JSON_H_

#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "lib/model/limits.h"
#include "lib/model/value.h"

namespace gwapi::model {

// Parses one JSON value (an object, or a List object). The input is copied
// into simdjson's padded buffer; it need not be padded. UTF-8 is validated.
absl::StatusOr<Value> ParseJson(absl::string_view text, const DecodeLimits& limits);

}  // namespace gwapi::model

#endif  // GWAPI_LIB_MODEL_JSON_H_
