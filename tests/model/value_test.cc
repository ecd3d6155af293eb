// Tests of gwapi::model::Value: construction, equality, lookup and mutation,
// and compact JSON output.
#include "lib/model/value.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <string>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace gwapi::model {

// Failure messages show Values as JSON (found by argument-dependent lookup).
void PrintTo(const Value& v, std::ostream* os) { *os << v.ToJson(); }

namespace {

Value Obj(Value::Object members) { return Value::MakeObject(std::move(members)); }
Value Arr(Value::Array elements) { return Value::MakeArray(std::move(elements)); }
Value Str(absl::string_view s) { return Value::String(std::string(s)); }

TEST(Value, DefaultIsNull) {
  Value v;
  EXPECT_TRUE(v.is_null());
  EXPECT_EQ(v.type(), Value::Type::kNull);
  EXPECT_EQ(v.size(), 0u);
  EXPECT_EQ(v.ToJson(), "null");
}

TEST(Value, FactoriesSetTypeAndPredicates) {
  EXPECT_TRUE(Value::Bool(true).is_bool());
  EXPECT_TRUE(Value::Int(3).is_int());
  EXPECT_TRUE(Value::Int(3).is_number());
  EXPECT_TRUE(Value::Double(3.5).is_double());
  EXPECT_TRUE(Value::Double(3.5).is_number());
  EXPECT_FALSE(Str("3").is_number());
  EXPECT_TRUE(Str("x").is_string());
  EXPECT_TRUE(Arr({}).is_array());
  EXPECT_TRUE(Obj({}).is_object());
  EXPECT_EQ(Value::Int(-7).int_value(), -7);
  EXPECT_EQ(Value::Int(-7).number_value(), -7.0);
  EXPECT_EQ(Value::Double(2.5).number_value(), 2.5);
}

TEST(Value, SizeCountsElementsMembersOrBytes) {
  EXPECT_EQ(Str("héllo").size(), 6u);  // bytes, not code points
  EXPECT_EQ(Arr({Value(), Value(), Value()}).size(), 3u);
  EXPECT_EQ(Obj({{"a", Value()}, {"b", Value()}}).size(), 2u);
  EXPECT_EQ(Value::Int(12).size(), 0u);
  EXPECT_EQ(Value::Bool(true).size(), 0u);
}

TEST(ValueEquality, ObjectMemberOrderIsIgnored) {
  Value a = Obj({{"x", Value::Int(1)}, {"y", Str("two")}});
  Value b = Obj({{"y", Str("two")}, {"x", Value::Int(1)}});
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a != b);
}

TEST(ValueEquality, ArrayElementOrderMatters) {
  EXPECT_NE(Arr({Value::Int(1), Value::Int(2)}), Arr({Value::Int(2), Value::Int(1)}));
  EXPECT_EQ(Arr({Value::Int(1), Value::Int(2)}), Arr({Value::Int(1), Value::Int(2)}));
}

TEST(ValueEquality, IntEqualsDoubleOfSameValue) {
  EXPECT_EQ(Value::Int(1), Value::Double(1.0));
  EXPECT_EQ(Value::Double(1.0), Value::Int(1));
  EXPECT_NE(Value::Int(1), Value::Double(1.5));
  EXPECT_EQ(Value::Int(0), Value::Double(-0.0));
}

TEST(ValueEquality, LargeIntsCompareExactly) {
  // Both ints: no rounding through double.
  EXPECT_NE(Value::Int(9007199254740993), Value::Int(9007199254740992));
  EXPECT_EQ(Value::Int(std::numeric_limits<int64_t>::min()),
            Value::Int(std::numeric_limits<int64_t>::min()));
}

TEST(ValueEquality, DifferentTypesAreUnequal) {
  EXPECT_NE(Value(), Value::Bool(false));
  EXPECT_NE(Value::Int(1), Value::Bool(true));
  EXPECT_NE(Str("1"), Value::Int(1));
  EXPECT_NE(Arr({}), Obj({}));
  EXPECT_NE(Str(""), Value());
  EXPECT_EQ(Value(), Value());
}

TEST(ValueEquality, ObjectsWithDifferentKeysOrSizesAreUnequal) {
  EXPECT_NE(Obj({{"a", Value::Int(1)}}), Obj({{"b", Value::Int(1)}}));
  EXPECT_NE(Obj({{"a", Value::Int(1)}}), Obj({{"a", Value::Int(1)}, {"b", Value()}}));
  EXPECT_NE(Obj({{"a", Value::Int(1)}, {"b", Value()}}), Obj({{"a", Value::Int(1)}}));
  EXPECT_NE(Obj({{"a", Value::Int(1)}}), Obj({{"a", Value::Int(2)}}));
}

TEST(ValueEquality, NestedComparisonIsDeepAndOrderInsensitiveForObjects) {
  Value a = Obj({{"spec", Obj({{"rules", Arr({Obj({{"p", Value::Int(80)}, {"n", Str("x")}})})}})}});
  Value b =
      Obj({{"spec", Obj({{"rules", Arr({Obj({{"n", Str("x")}, {"p", Value::Double(80)}})})}})}});
  EXPECT_EQ(a, b);
  Value c = Obj({{"spec", Obj({{"rules", Arr({Obj({{"n", Str("y")}, {"p", Value::Int(80)}})})}})}});
  EXPECT_NE(a, c);
}

TEST(ValueFind, FindsMembersAndReturnsNullForMissingOrNonObject) {
  Value v = Obj({{"a", Value::Int(1)}, {"b", Str("x")}});
  ASSERT_NE(v.Find("a"), nullptr);
  EXPECT_EQ(v.Find("a")->int_value(), 1);
  EXPECT_EQ(v.Find("c"), nullptr);
  EXPECT_EQ(Arr({Value::Int(1)}).Find("a"), nullptr);
  EXPECT_EQ(Value().Find("a"), nullptr);
  EXPECT_EQ(Str("a").Find("a"), nullptr);
}

TEST(ValueFind, FindMutableAllowsInPlaceChange) {
  Value v = Obj({{"a", Value::Int(1)}});
  Value* a = v.FindMutable("a");
  ASSERT_NE(a, nullptr);
  *a = Str("changed");
  EXPECT_EQ(v.GetString("a"), "changed");
  EXPECT_EQ(v.FindMutable("missing"), nullptr);
  Value null_value;
  EXPECT_EQ(null_value.FindMutable("a"), nullptr);
}

TEST(ValueFind, FindPathFollowsKeysAndStopsAtMissingLink) {
  Value v = Obj({{"metadata", Obj({{"labels", Obj({{"app", Str("web")}})}})}});
  const Value* app = v.FindPath({"metadata", "labels", "app"});
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->string_value(), "web");
  EXPECT_EQ(v.FindPath({"metadata", "annotations", "app"}), nullptr);
  EXPECT_EQ(v.FindPath({"metadata", "labels", "app", "deeper"}), nullptr);
  EXPECT_EQ(v.FindPath({}), &v);
}

TEST(ValueFind, GetStringIsEmptyForMissingOrNonString) {
  Value v = Obj({{"s", Str("text")}, {"i", Value::Int(5)}});
  EXPECT_EQ(v.GetString("s"), "text");
  EXPECT_EQ(v.GetString("i"), "");
  EXPECT_EQ(v.GetString("missing"), "");
  EXPECT_EQ(Value().GetString("s"), "");
}

TEST(ValueSet, AppendsNewKeysInOrder) {
  Value v = Value::MakeObject();
  v.Set("b", Value::Int(1));
  v.Set("a", Value::Int(2));
  ASSERT_EQ(v.object().size(), 2u);
  EXPECT_EQ(v.object()[0].first, "b");
  EXPECT_EQ(v.object()[1].first, "a");
  EXPECT_EQ(v.ToJson(), R"({"b":1,"a":2})");
}

TEST(ValueSet, ReplacesExistingKeyInPlace) {
  Value v = Obj({{"a", Value::Int(1)}, {"b", Value::Int(2)}, {"c", Value::Int(3)}});
  Value& replaced = v.Set("b", Str("two"));
  EXPECT_EQ(replaced.string_value(), "two");
  EXPECT_EQ(v.size(), 3u);
  EXPECT_EQ(v.ToJson(), R"({"a":1,"b":"two","c":3})");
}

TEST(ValueSet, ReturnsReferenceToStoredValue) {
  Value v = Value::MakeObject();
  Value& child = v.Set("child", Value::MakeObject());
  child.Set("x", Value::Bool(true));
  EXPECT_EQ(v.ToJson(), R"({"child":{"x":true}})");
}

TEST(ValueErase, RemovesPresentKeyAndKeepsOrderOfOthers) {
  Value v = Obj({{"a", Value::Int(1)}, {"b", Value::Int(2)}, {"c", Value::Int(3)}});
  EXPECT_TRUE(v.Erase("b"));
  EXPECT_EQ(v.ToJson(), R"({"a":1,"c":3})");
  EXPECT_EQ(v.Find("b"), nullptr);
}

TEST(ValueErase, ReturnsFalseForMissingKeyOrNonObject) {
  Value v = Obj({{"a", Value::Int(1)}});
  EXPECT_FALSE(v.Erase("z"));
  EXPECT_EQ(v.size(), 1u);
  Value arr = Arr({Value::Int(1)});
  EXPECT_FALSE(arr.Erase("a"));
  Value null_value;
  EXPECT_FALSE(null_value.Erase("a"));
}

TEST(ValueToJson, ScalarsAndContainers) {
  EXPECT_EQ(Value::Bool(true).ToJson(), "true");
  EXPECT_EQ(Value::Bool(false).ToJson(), "false");
  EXPECT_EQ(Value::Int(-42).ToJson(), "-42");
  EXPECT_EQ(Value::Int(std::numeric_limits<int64_t>::min()).ToJson(), "-9223372036854775808");
  EXPECT_EQ(Value::Double(1.5).ToJson(), "1.5");
  EXPECT_EQ(Arr({}).ToJson(), "[]");
  EXPECT_EQ(Obj({}).ToJson(), "{}");
  EXPECT_EQ(Arr({Value::Int(1), Value(), Str("a")}).ToJson(), R"([1,null,"a"])");
  EXPECT_EQ(Obj({{"k", Arr({Obj({})})}}).ToJson(), R"({"k":[{}]})");
}

TEST(ValueToJson, KeepsMemberOrderAsStored) {
  Value v = Obj({{"z", Value::Int(1)}, {"a", Value::Int(2)}});
  EXPECT_EQ(v.ToJson(), R"({"z":1,"a":2})");
}

TEST(ValueToJson, NonFiniteDoublesBecomeNull) {
  EXPECT_EQ(Value::Double(std::numeric_limits<double>::infinity()).ToJson(), "null");
  EXPECT_EQ(Value::Double(-std::numeric_limits<double>::infinity()).ToJson(), "null");
  EXPECT_EQ(Value::Double(std::nan("")).ToJson(), "null");
}

TEST(ValueToJson, DoublesRoundTripExactly) {
  for (double d : {0.1, 1e300, -2.5e-8, 123456789.123456789, 1.8446744073709552e19}) {
    std::string json = Value::Double(d).ToJson();
    EXPECT_EQ(std::stod(json), d) << json;
  }
}

TEST(ValueToJson, EscapesQuoteBackslashAndWhitespaceControls) {
  EXPECT_EQ(Str("a\"b").ToJson(), R"("a\"b")");
  EXPECT_EQ(Str("a\\b").ToJson(), R"("a\\b")");
  EXPECT_EQ(Str("a\nb").ToJson(), R"("a\nb")");
  EXPECT_EQ(Str("a\rb").ToJson(), R"("a\rb")");
  EXPECT_EQ(Str("a\tb").ToJson(), R"("a\tb")");
  EXPECT_EQ(Str("/").ToJson(), R"("/")");  // solidus needs no escape
}

TEST(ValueToJson, EscapesOtherControlCharactersAsUnicode) {
  EXPECT_EQ(Str(std::string("\x00", 1)).ToJson(), R"("\u0000")");
  EXPECT_EQ(Str("\x01").ToJson(), R"("\u0001")");
  EXPECT_EQ(Str("\b").ToJson(), R"("\u0008")");
  EXPECT_EQ(Str("\f").ToJson(), R"("\u000c")");
  EXPECT_EQ(Str("\x1f").ToJson(), R"("\u001f")");
  EXPECT_EQ(Str("\x20").ToJson(), R"(" ")");
  EXPECT_EQ(Str("\x7f").ToJson(), "\"\x7f\"");  // DEL is legal in JSON strings
}

TEST(ValueToJson, PassesUtf8ThroughUnescaped) {
  EXPECT_EQ(Str("h\xc3\xa9llo \xe2\x9c\x93").ToJson(), "\"h\xc3\xa9llo \xe2\x9c\x93\"");
}

TEST(ValueToJson, EscapesObjectKeys) {
  Value v = Obj({{"a\"b\n", Value::Int(1)}});
  EXPECT_EQ(v.ToJson(), R"({"a\"b\n":1})");
}

TEST(ValueToJson, AppendJsonAppendsToExistingText) {
  std::string out = "prefix:";
  Value::Int(7).AppendJson(&out);
  EXPECT_EQ(out, "prefix:7");
  AppendJsonString("q\"", &out);
  EXPECT_EQ(out, "prefix:7\"q\\\"\"");
}

TEST(ValueCountNodes, CountsEveryNodeIncludingRoot) {
  EXPECT_EQ(Value().CountNodes(), 1u);
  EXPECT_EQ(Arr({}).CountNodes(), 1u);
  EXPECT_EQ(Arr({Value::Int(1), Value::Int(2)}).CountNodes(), 3u);
  Value v = Obj({{"a", Arr({Value(), Obj({{"b", Value::Int(1)}})})}, {"c", Str("x")}});
  // root, a, a[0], a[1], a[1].b, c
  EXPECT_EQ(v.CountNodes(), 6u);
}

TEST(ValueCopy, CopiesAreIndependent) {
  Value a = Obj({{"x", Arr({Value::Int(1)})}});
  Value b = a;
  b.FindMutable("x")->mutable_array().push_back(Value::Int(2));
  EXPECT_EQ(a.ToJson(), R"({"x":[1]})");
  EXPECT_EQ(b.ToJson(), R"({"x":[1,2]})");
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace gwapi::model
