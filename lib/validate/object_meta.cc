#include "lib/validate/object_meta.h"

#include <array>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace gwapi::validate::internal {
namespace {

// metav1.ObjectMeta's fields and types. Times may be null in kubectl output
// ("creationTimestamp: null"); a null without a default is pruned.
constexpr absl::string_view kObjectMetaSchema = R"json({
  "type": "object",
  "properties": {
    "name": {"type": "string"},
    "generateName": {"type": "string"},
    "namespace": {"type": "string"},
    "selfLink": {"type": "string"},
    "uid": {"type": "string"},
    "resourceVersion": {"type": "string"},
    "generation": {"type": "integer", "format": "int64"},
    "creationTimestamp": {"type": "string", "format": "date-time"},
    "deletionTimestamp": {"type": "string", "format": "date-time"},
    "deletionGracePeriodSeconds": {"type": "integer", "format": "int64"},
    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
    "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    "ownerReferences": {"type": "array", "items": {"type": "object",
                        "x-kubernetes-preserve-unknown-fields": true}},
    "finalizers": {"type": "array", "items": {"type": "string"}},
    "managedFields": {"type": "array", "items": {"type": "object",
                      "x-kubernetes-preserve-unknown-fields": true}}
  }
})json";

// k8s.io/apimachinery/pkg/util/validation messages.
constexpr int kDns1123LabelMaxLength = 63;
constexpr int kDns1123SubdomainMaxLength = 253;
constexpr int kQualifiedNameMaxLength = 63;
constexpr int kLabelValueMaxLength = 63;
constexpr int64_t kTotalAnnotationSizeLimit = 256 * 1024;

constexpr absl::string_view kDns1123LabelErr =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character";
constexpr absl::string_view kDns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
constexpr absl::string_view kDns1123SubdomainErr =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character";
constexpr absl::string_view kDns1123SubdomainFmt =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr absl::string_view kDns1035LabelErr =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character";
constexpr absl::string_view kDns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?";
constexpr absl::string_view kQualifiedNameErr =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character";
constexpr absl::string_view kQualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr absl::string_view kLabelValueErr =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character";
constexpr absl::string_view kLabelValueFmt = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";

// validation.RegexError: the message, examples and the regex.
std::string RegexError(absl::string_view msg, absl::string_view fmt,
                       std::initializer_list<absl::string_view> examples) {
  std::string out(msg);
  out += " (e.g. ";
  bool first = true;
  for (absl::string_view e : examples) {
    if (!first) out += " or ";
    first = false;
    absl::StrAppend(&out, "'", e, "', ");
  }
  absl::StrAppend(&out, "regex used for validation is '", fmt, "')");
  return out;
}

std::string MaxLenError(int n) { return absl::StrCat("must be no more than ", n, " characters"); }

// Character classes of the name regexes, one table lookup per byte: these
// checks run for every label and annotation of every object.
enum : uint8_t { kLowerAlnum = 1, kAlnum = 2, kDash = 4, kNameExtra = 8 /* - _ . */ };

constexpr std::array<uint8_t, 256> MakeCharClasses() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    bool lower = c >= 'a' && c <= 'z', upper = c >= 'A' && c <= 'Z', digit = c >= '0' && c <= '9';
    if (lower || digit) t[c] |= kLowerAlnum;
    if (lower || upper || digit) t[c] |= kAlnum;
    if (c == '-') t[c] |= kDash;
    if (c == '-' || c == '_' || c == '.') t[c] |= kNameExtra;
  }
  return t;
}
constexpr std::array<uint8_t, 256> kCharClass = MakeCharClasses();

uint8_t ClassOf(char c) { return kCharClass[static_cast<unsigned char>(c)]; }

// `fold`: match as if the text were lowercased first (annotation keys).
bool MatchDns1123Label(absl::string_view s, bool fold = false) {
  if (s.empty() || s.front() == '-' || s.back() == '-') return false;
  const uint8_t allowed = (fold ? kAlnum : kLowerAlnum) | kDash;
  for (char c : s) {
    if ((ClassOf(c) & allowed) == 0) return false;
  }
  return true;
}

bool MatchDns1123Subdomain(absl::string_view s, bool fold = false) {
  while (true) {
    size_t dot = s.find('.');
    if (!MatchDns1123Label(s.substr(0, dot), fold)) return false;
    if (dot == absl::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}

bool MatchDns1035Label(absl::string_view s) {
  return !s.empty() && absl::ascii_islower(s.front()) && MatchDns1123Label(s);
}

bool MatchQualifiedNamePart(absl::string_view s) {
  if (s.empty() || (ClassOf(s.front()) & kAlnum) == 0 || (ClassOf(s.back()) & kAlnum) == 0) {
    return false;
  }
  for (char c : s) {
    if ((ClassOf(c) & (kAlnum | kNameExtra)) == 0) return false;
  }
  return true;
}

std::vector<std::string> IsDns1123Label(absl::string_view s) {
  std::vector<std::string> errs;
  if (s.size() > kDns1123LabelMaxLength) errs.push_back(MaxLenError(kDns1123LabelMaxLength));
  if (!MatchDns1123Label(s)) {
    errs.push_back(RegexError(kDns1123LabelErr, kDns1123LabelFmt, {"my-name", "123-abc"}));
  }
  return errs;
}

std::vector<std::string> IsDns1123Subdomain(absl::string_view s, bool fold = false) {
  std::vector<std::string> errs;
  if (s.size() > kDns1123SubdomainMaxLength) {
    errs.push_back(MaxLenError(kDns1123SubdomainMaxLength));
  }
  if (!MatchDns1123Subdomain(s, fold)) {
    errs.push_back(RegexError(kDns1123SubdomainErr, kDns1123SubdomainFmt, {"example.com"}));
  }
  return errs;
}

std::vector<std::string> IsDns1035Label(absl::string_view s) {
  std::vector<std::string> errs;
  if (s.size() > kDns1123LabelMaxLength) errs.push_back(MaxLenError(kDns1123LabelMaxLength));
  if (!MatchDns1035Label(s)) {
    errs.push_back(RegexError(kDns1035LabelErr, kDns1035LabelFmt, {"my-name", "abc-123"}));
  }
  return errs;
}

// True when IsQualifiedName(value, fold) has nothing to say: one pass, no
// allocation, for the common case of a valid key.
bool QualifiedNameOk(absl::string_view value, bool fold) {
  absl::string_view name = value;
  size_t slash = value.find('/');
  if (slash != absl::string_view::npos) {
    absl::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.size() > kDns1123SubdomainMaxLength) return false;
    // DNS-1123 subdomain: labels of [a-z0-9-], not starting or ending in '-'.
    const uint8_t allowed = (fold ? kAlnum : kLowerAlnum) | kDash;
    char prev = '.';
    for (char c : prefix) {
      if (c == '.') {
        if (prev == '.' || prev == '-') return false;
      } else if ((ClassOf(c) & allowed) == 0 || (c == '-' && prev == '.')) {
        return false;
      }
      prev = c;
    }
    if (prev == '.' || prev == '-') return false;  // also rejects an empty prefix
  }
  return name.size() <= kQualifiedNameMaxLength && MatchQualifiedNamePart(name);
}

// validation.IsQualifiedName; `fold` checks the key as lowercased, as
// ValidateAnnotations does. Allocates only to report an error.
std::vector<std::string> IsQualifiedName(absl::string_view value, bool fold = false) {
  std::vector<std::string> errs;
  if (QualifiedNameOk(value, fold)) return errs;
  absl::string_view name = value;
  size_t slash = value.find('/');
  if (slash != absl::string_view::npos) {
    if (value.find('/', slash + 1) != absl::string_view::npos) {
      errs.push_back(absl::StrCat(
          "a qualified name ",
          RegexError(kQualifiedNameErr, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}),
          " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"));
      return errs;
    }
    absl::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part must be non-empty");
    } else {
      for (const std::string& msg : IsDns1123Subdomain(prefix, fold)) {
        errs.push_back(absl::StrCat("prefix part ", msg));
      }
    }
  }
  if (name.empty()) {
    errs.push_back("name part must be non-empty");
  } else if (name.size() > kQualifiedNameMaxLength) {
    errs.push_back(absl::StrCat("name part ", MaxLenError(kQualifiedNameMaxLength)));
  }
  if (!MatchQualifiedNamePart(name)) {
    errs.push_back(absl::StrCat("name part ", RegexError(kQualifiedNameErr, kQualifiedNameFmt,
                                                         {"MyName", "my.name", "123-abc"})));
  }
  return errs;
}

std::vector<std::string> IsValidLabelValue(absl::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kLabelValueMaxLength) errs.push_back(MaxLenError(kLabelValueMaxLength));
  if (!value.empty() && !MatchQualifiedNamePart(value)) {
    errs.push_back(RegexError(kLabelValueErr, kLabelValueFmt, {"MyValue", "my_value", "12345"}));
  }
  return errs;
}

std::string JsonString(absl::string_view s) {
  std::string out;
  model::AppendJsonString(s, &out);
  return out;
}

void Invalid(std::vector<FieldError>* errors, absl::string_view field, absl::string_view value,
             std::string detail, absl::string_view constraint) {
  FieldError e;
  e.field = std::string(field);
  e.type = "Invalid value";
  e.value = JsonString(value);
  e.detail = std::move(detail);
  e.constraint = std::string(constraint);
  errors->push_back(std::move(e));
}

}  // namespace

absl::string_view ObjectMetaSchemaJson() { return kObjectMetaSchema; }

bool CheckObjectMeta(const Schema& schema, model::Value& object, std::vector<FieldError>* errors) {
  bool blocking = false;
  model::Value* meta = object.FindMutable("metadata");
  if (meta != nullptr && !meta->is_object()) return false;  // the schema reports the type

  const model::Value* name = meta != nullptr ? meta->Find("name") : nullptr;
  if (name == nullptr || (name->is_string() && name->string_value().empty())) {
    FieldError e;
    e.field = "metadata.name";
    e.type = "Required value";
    e.detail = "name or generateName is required";
    e.constraint = "metadata.name#required";
    errors->push_back(std::move(e));
    blocking = true;
  } else if (name->is_string()) {
    const std::string& n = name->string_value();
    std::vector<std::string> msgs;
    absl::string_view constraint;
    switch (schema.name_rule) {
      case NameRule::kDns1123Subdomain:
        msgs = IsDns1123Subdomain(n);
        constraint = "metadata.name#dns1123Subdomain";
        break;
      case NameRule::kDns1123Label:
        msgs = IsDns1123Label(n);
        constraint = "metadata.name#dns1123Label";
        break;
      case NameRule::kDns1035Label:
        msgs = IsDns1035Label(n);
        constraint = "metadata.name#dns1035Label";
        break;
    }
    for (std::string& msg : msgs) Invalid(errors, "metadata.name", n, std::move(msg), constraint);
  }
  if (meta == nullptr) return blocking;

  if (!schema.namespaced) {
    // rest.BeforeCreate clears the namespace of cluster-scoped objects.
    meta->Erase("namespace");
  } else if (const model::Value* ns = meta->Find("namespace");
             ns != nullptr && ns->is_string() && !ns->string_value().empty()) {
    for (std::string& msg : IsDns1123Label(ns->string_value())) {
      Invalid(errors, "metadata.namespace", ns->string_value(), std::move(msg),
              "metadata.namespace#dns1123Label");
    }
  }

  if (const model::Value* labels = meta->Find("labels"); labels != nullptr && labels->is_object()) {
    for (const model::Value::Member& m : labels->object()) {
      for (std::string& msg : IsQualifiedName(m.first)) {
        Invalid(errors, "metadata.labels", m.first, std::move(msg),
                "metadata.labels#qualifiedName");
      }
      if (!m.second.is_string()) continue;
      for (std::string& msg : IsValidLabelValue(m.second.string_value())) {
        Invalid(errors, "metadata.labels", m.second.string_value(), std::move(msg),
                "metadata.labels#labelValue");
      }
    }
  }

  if (const model::Value* annotations = meta->Find("annotations");
      annotations != nullptr && annotations->is_object()) {
    int64_t total = 0;
    for (const model::Value::Member& m : annotations->object()) {
      // Annotation keys are qualified names in any letter case.
      for (std::string& msg : IsQualifiedName(m.first, /*fold=*/true)) {
        Invalid(errors, "metadata.annotations", m.first, std::move(msg),
                "metadata.annotations#qualifiedName");
      }
      total += static_cast<int64_t>(m.first.size());
      if (m.second.is_string()) total += static_cast<int64_t>(m.second.string_value().size());
    }
    if (total > kTotalAnnotationSizeLimit) {
      FieldError e;
      e.field = "metadata.annotations";
      e.type = "Too long";
      e.detail = absl::StrCat("may not be more than ", kTotalAnnotationSizeLimit, " bytes");
      e.constraint = "metadata.annotations#totalSize";
      errors->push_back(std::move(e));
      blocking = true;
    }
  }
  return blocking;
}

}  // namespace gwapi::validate::internal
