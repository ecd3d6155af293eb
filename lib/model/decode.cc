#include "lib/model/decode.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/model/json.h"
#include "lib/model/yaml.h"

namespace gwapi::model {
namespace {

bool IsList(const Value& v) {
  if (!v.is_object()) return false;
  absl::string_view kind = v.GetString("kind");
  const Value* items = v.Find("items");
  return absl::EndsWith(kind, "List") && items != nullptr && (items->is_array() || items->is_null());
}

absl::Status Add(Value v, std::string source, const DecodeLimits& limits,
                 std::vector<DecodedItem>* out) {
  if (IsList(v)) {
    Value* items = v.FindMutable("items");
    if (items->is_array()) {
      size_t i = 0;
      for (Value& item : items->mutable_array()) {
        GWAPI_RETURN_IF_ERROR(Add(std::move(item), absl::StrCat(source, " items[", i++, "]"),
                                  limits, out));
      }
    }
    return absl::OkStatus();
  }
  if (out->size() >= limits.max_objects) {
    return absl::InvalidArgumentError(
        absl::StrCat("more than ", limits.max_objects, " objects in one input (max_objects)"));
  }
  out->push_back(DecodedItem{std::move(v), std::move(source)});
  return absl::OkStatus();
}

bool LooksLikeJson(absl::string_view input) {
  for (char c : input) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    return c == '{' || c == '[';
  }
  return false;
}

}  // namespace

absl::StatusOr<std::vector<DecodedItem>> DecodeObjects(absl::string_view input,
                                                       const DecodeLimits& limits,
                                                       InputFormat format, bool drop_status) {
  std::vector<DecodedItem> out;
  if (format == InputFormat::kJson || (format == InputFormat::kAuto && LooksLikeJson(input))) {
    JsonParseOptions json_options;
    json_options.skip_top_level_status = drop_status;
    GWAPI_ASSIGN_OR_RETURN(Value root, ParseJson(input, limits, json_options));
    if (root.is_array()) {
      size_t i = 0;
      for (Value& v : root.mutable_array()) {
        GWAPI_RETURN_IF_ERROR(Add(std::move(v), absl::StrCat("[", i++, "]"), limits, &out));
      }
    } else {
      GWAPI_RETURN_IF_ERROR(Add(std::move(root), "document 1", limits, &out));
    }
    return out;
  }
  GWAPI_ASSIGN_OR_RETURN(std::vector<YamlDocument> docs, ParseYaml(input, limits));
  size_t n = 0;
  for (YamlDocument& d : docs) {
    ++n;
    GWAPI_RETURN_IF_ERROR(Add(std::move(d.value),
                              absl::StrCat("document ", n, " (line ", d.line, ")"), limits, &out));
  }
  return out;
}

}  // namespace gwapi::model
