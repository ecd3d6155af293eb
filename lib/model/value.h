// A JSON value tree: the one in-memory form of every decoded document.
//
// Both decoders (simdjson for JSON, libyaml for YAML) produce it, and the
// validator, CEL evaluator and store all read it. Object members keep their
// input order (kubectl's output order survives a round trip); keys are unique.
// Thread-safety: a const Value may be read from any number of threads.
#ifndef GWAPI_LIB_MODEL_VALUE_H_
#define GWAPI_LIB_MODEL_VALUE_H_

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include <utility>
#include <variant>
#include <vector>

namespace gwapi::model {

class Value {
 public:
  enum class Type : uint8_t { kNull, kBool, kInt, kDouble, kString, kArray, kObject };
  using Array = std::vector<Value>;
  using Member = std::pair<std::string, Value>;
  using Object = std::vector<Member>;

  Value() = default;  // null
  static Value Bool(bool b) { return Value(b); }
  static Value Int(int64_t i) { return Value(i); }
  static Value Double(double d) { return Value(d); }
  static Value String(std::string s) { return Value(std::move(s)); }
  static Value MakeArray(Array a = {}) { return Value(std::move(a)); }
  static Value MakeObject(Object o = {}) { return Value(std::move(o)); }

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_null() const { return type() == Type::kNull; }
  bool is_bool() const { return type() == Type::kBool; }
  bool is_int() const { return type() == Type::kInt; }
  bool is_double() const { return type() == Type::kDouble; }
  bool is_number() const { return is_int() || is_double(); }
  bool is_string() const { return type() == Type::kString; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_object() const { return type() == Type::kObject; }

  // Accessors require the matching type (checked in debug builds only).
  bool bool_value() const { return std::get<bool>(v_); }
  int64_t int_value() const { return std::get<int64_t>(v_); }
  double double_value() const { return std::get<double>(v_); }
  double number_value() const {
    return is_int() ? static_cast<double>(int_value()) : double_value();
  }
  const std::string& string_value() const { return std::get<std::string>(v_); }
  const Array& array() const { return std::get<Array>(v_); }
  Array& mutable_array() { return std::get<Array>(v_); }
  const Object& object() const { return std::get<Object>(v_); }
  Object& mutable_object() { return std::get<Object>(v_); }

  // Object member lookup; nullptr when absent or when this is not an object.
  const Value* Find(absl::string_view key) const;
  Value* FindMutable(absl::string_view key);
  // Follows a chain of object keys; nullptr if any link is missing.
  const Value* FindPath(std::initializer_list<absl::string_view> keys) const;
  // The string at key, or "" when absent or not a string.
  absl::string_view GetString(absl::string_view key) const;
  // Sets key (replacing an existing member in place). This must be an object.
  Value& Set(std::string key, Value v);
  bool Erase(absl::string_view key);

  // Elements of an array, members of an object, bytes of a string, else 0.
  size_t size() const;

  // JSON equality: object member order is ignored, 1 == 1.0.
  friend bool operator==(const Value& a, const Value& b);
  friend bool operator!=(const Value& a, const Value& b) { return !(a == b); }

  // Compact JSON, members in stored order.
  void AppendJson(std::string* out) const;
  std::string ToJson() const;

  // Number of nodes in the tree (this one included).
  size_t CountNodes() const;

 private:
  explicit Value(bool b) : v_(b) {}
  explicit Value(int64_t i) : v_(i) {}
  explicit Value(double d) : v_(d) {}
  explicit Value(std::string s) : v_(std::move(s)) {}
  explicit Value(Array a) : v_(std::move(a)) {}
  explicit Value(Object o) : v_(std::move(o)) {}

  std::variant<std::monostate, bool, int64_t, double, std::string, Array, Object> v_;
};

// Appends s as a JSON string literal (quotes and escapes included).
void AppendJsonString(absl::string_view s, std::string* out);

}  // namespace gwapi::model

#endif  // GWAPI_LIB_MODEL_VALUE_H_
