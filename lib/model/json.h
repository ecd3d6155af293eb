// JSON text to Value, through simdjson's DOM parser.
#ifndef GWAPI_LIB_MODEL_JSON_H_
#define GWAPI_LIB_MODEL_JSON_H_

#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "lib/model/limits.h"
#include "lib/model/value.h"

namespace gwapi::model {

// Options of one ParseJson call. The defaults decode everything.
struct JsonParseOptions {
  // Leaves out the `status` member of every object that DecodeObjects would
  // hand to validation: the root object, the elements of a root array and
  // the items of a `*List` among those (recursively). A write to the main
  // resource drops `status` anyway (SchemaSet::DefaultAndValidate erases it
  // first), and in `kubectl get -o json` output it is about 30 % of an
  // HTTPRoute's nodes (bench/decode_bench.cc BM_Decode_JsonToValue_SkipStatus).
  // The skipped subtree is still checked (duplicate fields, max_string_bytes)
  // so that the same inputs fail, with the same messages, as without it.
  bool skip_top_level_status = false;
};

// Parses one JSON value (an object, or a List object). The input need not be
// padded: it is copied into simdjson's padded buffer. UTF-8 is validated.
//
// Each thread keeps one simdjson parser between calls (allocating one sized
// to the input on every call cost ~6 % of BM_DecodeValidate_JsonList in page
// faults). It grows to the largest input seen and is released and
// reallocated when it is more than 8 times (and 1 MiB) larger than needed.
// A thread therefore keeps up to ~15 bytes of allocations (touched only as
// far as inputs reach) per byte of its largest recent input, and none for
// inputs over 64 MiB, whose parser is released after the call.
absl::StatusOr<Value> ParseJson(absl::string_view text, const DecodeLimits& limits,
                                const JsonParseOptions& options);
inline absl::StatusOr<Value> ParseJson(absl::string_view text, const DecodeLimits& limits) {
  return ParseJson(text, limits, JsonParseOptions{});
}

}  // namespace gwapi::model

#endif  // GWAPI_LIB_MODEL_JSON_H_
