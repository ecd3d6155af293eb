// Tests of gwapi::model::ParseJson: every JSON type, number conversion, the
// decode limits and malformed input.
#include "lib/model/json.h"

#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/model/limits.h"
#include "lib/model/value.h"

namespace gwapi::model {

// Failure messages show Values as JSON (found by argument-dependent lookup).
void PrintTo(const Value& v, std::ostream* os) { *os << v.ToJson(); }

namespace {

using ::testing::HasSubstr;

absl::StatusOr<Value> Parse(absl::string_view text) { return ParseJson(text, DecodeLimits()); }

std::string Nested(size_t depth, char open, char close, absl::string_view inner = "") {
  return absl::StrCat(std::string(depth, open), inner, std::string(depth, close));
}

TEST(JsonDecode, ObjectWithEveryType) {
  absl::StatusOr<Value> v =
      Parse(R"({"n":null,"t":true,"f":false,"i":-12,"d":2.5,"s":"str","a":[1,"x"],"o":{"k":"v"}})");
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_TRUE(v->is_object());
  EXPECT_TRUE(v->Find("n")->is_null());
  EXPECT_TRUE(v->Find("t")->bool_value());
  EXPECT_FALSE(v->Find("f")->bool_value());
  ASSERT_TRUE(v->Find("i")->is_int());
  EXPECT_EQ(v->Find("i")->int_value(), -12);
  ASSERT_TRUE(v->Find("d")->is_double());
  EXPECT_EQ(v->Find("d")->double_value(), 2.5);
  EXPECT_EQ(v->GetString("s"), "str");
  ASSERT_TRUE(v->Find("a")->is_array());
  EXPECT_EQ(v->Find("a")->ToJson(), R"([1,"x"])");
  EXPECT_EQ(v->FindPath({"o", "k"})->string_value(), "v");
}

TEST(JsonDecode, KeepsMemberOrder) {
  absl::StatusOr<Value> v = Parse(R"({"z":1,"a":2,"m":3})");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->ToJson(), R"({"z":1,"a":2,"m":3})");
}

TEST(JsonDecode, TopLevelScalarsAndArrays) {
  EXPECT_TRUE(Parse("null")->is_null());
  EXPECT_TRUE(Parse("true")->bool_value());
  EXPECT_EQ(Parse("7")->int_value(), 7);
  EXPECT_EQ(Parse(R"("s")")->string_value(), "s");
  EXPECT_EQ(Parse("[]")->ToJson(), "[]");
  EXPECT_EQ(Parse("{}")->ToJson(), "{}");
  EXPECT_EQ(Parse(" \n\t{ } \n")->ToJson(), "{}");
}

TEST(JsonDecode, IntegersInInt64RangeAreInts) {
  absl::StatusOr<Value> v = Parse("[0,-0,9223372036854775807,-9223372036854775808]");
  ASSERT_TRUE(v.ok()) << v.status();
  const Value::Array& a = v->array();
  for (const Value& e : a) EXPECT_TRUE(e.is_int()) << e.ToJson();
  EXPECT_EQ(a[0].int_value(), 0);
  EXPECT_EQ(a[2].int_value(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(a[3].int_value(), std::numeric_limits<int64_t>::min());
}

TEST(JsonDecode, FractionsAndExponentsAreDoubles) {
  absl::StatusOr<Value> v = Parse("[1.0,1e2,-2.5E-3,0.1]");
  ASSERT_TRUE(v.ok()) << v.status();
  const Value::Array& a = v->array();
  for (const Value& e : a) EXPECT_TRUE(e.is_double()) << e.ToJson();
  EXPECT_EQ(a[0].double_value(), 1.0);
  EXPECT_EQ(a[1].double_value(), 100.0);
  EXPECT_EQ(a[2].double_value(), -2.5e-3);
  EXPECT_EQ(a[3].double_value(), 0.1);
  // 1.0 is still equal to the integer 1.
  EXPECT_EQ(a[0], Value::Int(1));
}

TEST(JsonDecode, UnsignedBeyondInt64BecomesDouble) {
  absl::StatusOr<Value> v = Parse("[9223372036854775808,18446744073709551615]");
  ASSERT_TRUE(v.ok()) << v.status();
  const Value::Array& a = v->array();
  ASSERT_TRUE(a[0].is_double());
  EXPECT_EQ(a[0].double_value(), 9223372036854775808.0);
  ASSERT_TRUE(a[1].is_double());
  EXPECT_EQ(a[1].double_value(), 18446744073709551615.0);
}

TEST(JsonDecode, IntegerBeyondSixtyFourBitsIsAClearError) {
  // simdjson 3.0 cannot read integers beyond 64 bits. No Gateway API field
  // holds one, so gwapi rejects the input with a message that says why
  // rather than reading a lossy double.
  for (absl::string_view text :
       {"18446744073709551616", "-9223372036854775809", "100000000000000000000000"}) {
    absl::StatusOr<Value> v = Parse(absl::StrCat(R"({"n":)", text, "}"));
    ASSERT_FALSE(v.ok()) << text;
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(v.status().message().find("out of range"), absl::string_view::npos)
        << v.status();
  }
}

TEST(JsonDecode, NumberOutOfDoubleRangeIsRejected) {
  absl::StatusOr<Value> v = Parse(R"({"n":1e400})");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(JsonDecode, StringEscapesAreDecoded) {
  absl::StatusOr<Value> v =
      Parse(R"(["a\"b\\c\/d\n\t", "\u00e9\u2713", "\ud83d\ude00", "\u0000"])");
  ASSERT_TRUE(v.ok()) << v.status();
  const Value::Array& a = v->array();
  EXPECT_EQ(a[0].string_value(), "a\"b\\c/d\n\t");
  EXPECT_EQ(a[1].string_value(), "\xc3\xa9\xe2\x9c\x93");
  EXPECT_EQ(a[2].string_value(), "\xf0\x9f\x98\x80");
  EXPECT_EQ(a[3].string_value(), std::string("\0", 1));
}

TEST(JsonDecode, ToJsonOutputParsesBackToEqualValue) {
  const char* text =
      R"({"apiVersion":"v1","kind":"ConfigMap","data":{"k":"line\nnext\u0001"},"n":[1,2.5,null,true]})";
  absl::StatusOr<Value> v = Parse(text);
  ASSERT_TRUE(v.ok()) << v.status();
  absl::StatusOr<Value> again = Parse(v->ToJson());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*v, *again);
}

TEST(JsonDecode, DuplicateTopLevelKeyIsRejected) {
  absl::StatusOr<Value> v = Parse(R"({"a":1,"b":2,"a":3})");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(v.status().message(), HasSubstr("duplicate field \"a\""));
}

TEST(JsonDecode, DuplicateNestedKeyIsRejectedWithPath) {
  absl::StatusOr<Value> v = Parse(R"({"spec":{"rules":[{"name":"x"},{"name":"y","name":"z"}]}})");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(v.status().message(), HasSubstr("duplicate field \"name\""));
  EXPECT_THAT(v.status().message(), HasSubstr("spec.rules[1]"));
  EXPECT_EQ(GetLocation(v.status()), "spec.rules[1]");
}

TEST(JsonDecode, SameKeyInSiblingObjectsIsFine) {
  absl::StatusOr<Value> v = Parse(R"({"a":{"k":1},"b":{"k":2}})");
  ASSERT_TRUE(v.ok()) << v.status();
}

TEST(JsonDecode, StringOverLimitIsRejectedWithPath) {
  DecodeLimits limits;
  limits.max_string_bytes = 8;
  absl::StatusOr<Value> ok = ParseJson(R"({"a":["12345678"]})", limits);
  ASSERT_TRUE(ok.ok()) << ok.status();

  absl::StatusOr<Value> v = ParseJson(R"({"data":{"items":["ok","123456789"]}})", limits);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(v.status().message(), HasSubstr("max_string_bytes"));
  EXPECT_THAT(v.status().message(), HasSubstr("9 bytes"));
  EXPECT_EQ(GetLocation(v.status()), "data.items[1]");
  EXPECT_THAT(v.status().message(), HasSubstr("data.items[1]"));
}

TEST(JsonDecode, KeyOverStringLimitIsRejected) {
  DecodeLimits limits;
  limits.max_string_bytes = 4;
  absl::StatusOr<Value> v = ParseJson(R"({"spec":{"toolong":1}})", limits);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(v.status().message(), HasSubstr("max_string_bytes"));
  EXPECT_EQ(GetLocation(v.status()), "spec");
}

TEST(JsonDecode, InputOverByteLimitIsRejected) {
  DecodeLimits limits;
  limits.max_input_bytes = 10;
  absl::StatusOr<Value> v = ParseJson(R"({"a":"12345678"})", limits);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(v.status().message(), HasSubstr("max_input_bytes"));
}

TEST(JsonDecode, NestingAtDepthLimitIsAccepted) {
  DecodeLimits limits;
  limits.max_depth = 8;
  // Eight nested containers: exactly the limit.
  absl::StatusOr<Value> v = ParseJson(Nested(8, '[', ']'), limits);
  ASSERT_TRUE(v.ok()) << v.status();
  absl::StatusOr<Value> o =
      ParseJson(R"({"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}})", limits);  // 7 objects
  ASSERT_TRUE(o.ok()) << o.status();
}

TEST(JsonDecode, NestingBeyondDepthLimitIsRejected) {
  DecodeLimits limits;
  limits.max_depth = 8;
  absl::StatusOr<Value> v = ParseJson(Nested(9, '[', ']'), limits);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(v.status().message(), HasSubstr("max_depth"));
}

TEST(JsonDecode, TenThousandDeepArrayGivesDepthErrorNotCrash) {
  absl::StatusOr<Value> v = Parse(Nested(10000, '[', ']'));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(v.status().message(), HasSubstr("nesting deeper than 64 levels"));
  EXPECT_THAT(v.status().message(), HasSubstr("max_depth"));
}

TEST(JsonDecode, TenThousandDeepObjectGivesDepthErrorNotCrash) {
  std::string text;
  for (int i = 0; i < 10000; ++i) text += R"({"a":)";
  text += "1";
  text += std::string(10000, '}');
  absl::StatusOr<Value> v = Parse(text);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(v.status().message(), HasSubstr("max_depth"));
}

TEST(JsonDecode, InvalidUtf8InStringIsRejected) {
  absl::StatusOr<Value> v = Parse("{\"a\":\"\xff\xfe\"}");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(v.status().message(), HasSubstr("malformed JSON"));
  EXPECT_THAT(v.status().message(), HasSubstr("UTF-8"));
}

TEST(JsonDecode, OverlongUtf8EncodingIsRejected) {
  // "/" encoded in two bytes (C0 AF) is invalid UTF-8.
  absl::StatusOr<Value> v = Parse("{\"a\":\"\xc0\xaf\"}");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(JsonDecode, TruncatedUtf8SequenceIsRejected) {
  absl::StatusOr<Value> v = Parse("{\"a\":\"\xe2\x9c\"}");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(JsonDecode, EmptyInputIsRejected) {
  absl::StatusOr<Value> v = Parse("");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(v.status().message(), HasSubstr("malformed JSON"));
}

TEST(JsonDecode, WhitespaceOnlyInputIsRejected) {
  absl::StatusOr<Value> v = Parse(" \n\t ");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(JsonDecode, TruncatedInputIsRejected) {
  for (absl::string_view text : {R"({"a":1)", R"({"a":)", R"({"a)", R"({"a":"str)", R"([1,2)",
                                 R"({"a":[1,{"b":2})", "{", "["}) {
    absl::StatusOr<Value> v = Parse(text);
    ASSERT_FALSE(v.ok()) << text;
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(v.status().message(), HasSubstr("malformed JSON")) << text;
  }
}

TEST(JsonDecode, SyntaxErrorsAreRejected) {
  for (absl::string_view text :
       {R"({"a":1,})", R"({'a':1})", R"({a:1})", R"({"a":01})", R"({"a":1}})", R"({"a":1} {"b":2})",
        R"({"a":tru})", R"({"a":NaN})", R"([1 2])"}) {
    absl::StatusOr<Value> v = Parse(text);
    ASSERT_FALSE(v.ok()) << text;
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
}

TEST(JsonDecode, UnpaddedInputWithinLargerBufferIsReadToItsEnd) {
  // The view ends before the closing text of the surrounding buffer.
  std::string buffer = R"({"a":1}garbage)";
  absl::StatusOr<Value> v = Parse(absl::string_view(buffer.data(), 7));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->ToJson(), R"({"a":1})");
}

TEST(JsonDecode, ObjectWithManyKeysDecodesInLinearTime) {
  // 60,000 distinct keys (under 1 MB, far below max_input_bytes) take a
  // linear decoder a few milliseconds. A pairwise duplicate check needs 1.8e9
  // key comparisons, seconds of CPU: a denial of service for large inputs.
  std::string text = "{";
  for (int i = 0; i < 60000; ++i) absl::StrAppend(&text, i ? "," : "", "\"k", 100000 + i, "\":1");
  text += "}";
  absl::Time start = absl::Now();
  absl::StatusOr<Value> v = Parse(text);
  absl::Duration elapsed = absl::Now() - start;
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->size(), 60000u);
  EXPECT_LT(elapsed, absl::Seconds(1)) << "decoding took " << elapsed;
}

}  // namespace
}  // namespace gwapi::model

namespace gwapi::model {
namespace {

TEST(JsonErrors, MalformedInputNamesLineAndColumn) {
  absl::StatusOr<Value> v = ParseJson("{\n  \"a\": 1,\n  \"b\": tru\n}", DecodeLimits{});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(GetLocation(v.status()), "line 3, column 8");
}

TEST(JsonErrors, TrailingCommaIsLocated) {
  absl::StatusOr<Value> v = ParseJson(R"({"a": [1, 2,]})", DecodeLimits{});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(GetLocation(v.status()), "line 1, column 13");
}

TEST(JsonErrors, DepthExcessIsLocatedAtTheFirstTooDeepBracket) {
  DecodeLimits limits;
  limits.max_depth = 3;
  absl::StatusOr<Value> v = ParseJson(R"({"a":{"b":{"c":{}}}})", limits);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(GetLocation(v.status()), "line 1, column 16");
}

}  // namespace
}  // namespace gwapi::model
