// Tests of gwapi::model::ParseYaml: scalar resolution as go-yaml v2 (via
// sigs.k8s.io/yaml) does it, multi-document streams, anchors, aliases and
// merge keys, the decode limits and malformed input.
#include "lib/model/yaml.h"

#include <cmath>
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
using ::testing::MatchesRegex;

// Parses a one-document stream and returns its root.
Value ParseOne(absl::string_view text, const DecodeLimits& limits = DecodeLimits()) {
  absl::StatusOr<std::vector<YamlDocument>> docs = ParseYaml(text, limits);
  EXPECT_TRUE(docs.ok()) << docs.status() << "\ninput:\n" << text;
  if (!docs.ok()) return Value();
  EXPECT_EQ(docs->size(), 1u) << text;
  if (docs->empty()) return Value();
  return (*docs)[0].value;
}

// The value of `v:` in a one-line document "v: <scalar>".
Value Scalar(absl::string_view scalar) {
  Value doc = ParseOne(absl::StrCat("v: ", scalar, "\n"));
  const Value* v = doc.Find("v");
  EXPECT_NE(v, nullptr) << scalar;
  return v == nullptr ? Value() : *v;
}

absl::Status ParseError(absl::string_view text, const DecodeLimits& limits = DecodeLimits()) {
  absl::StatusOr<std::vector<YamlDocument>> docs = ParseYaml(text, limits);
  if (docs.ok()) return absl::OkStatus();
  return docs.status();
}

// --- Scalars -----------------------------------------------------------------

TEST(YamlDecode, PlainYesIsBooleanQuotedYesIsString) {
  EXPECT_EQ(Scalar("yes"), Value::Bool(true));
  EXPECT_EQ(Scalar("\"yes\""), Value::String("yes"));
  EXPECT_EQ(Scalar("'yes'"), Value::String("yes"));
}

TEST(YamlDecode, YamlOneOneTruthyWordsAreTrue) {
  for (absl::string_view s :
       {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}) {
    Value v = Scalar(s);
    ASSERT_TRUE(v.is_bool()) << s << " -> " << v.ToJson();
    EXPECT_TRUE(v.bool_value()) << s;
  }
}

TEST(YamlDecode, YamlOneOneFalsyWordsAreFalse) {
  for (absl::string_view s :
       {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}) {
    Value v = Scalar(s);
    ASSERT_TRUE(v.is_bool()) << s << " -> " << v.ToJson();
    EXPECT_FALSE(v.bool_value()) << s;
  }
}

TEST(YamlDecode, MixedCaseBooleanLookalikesStayStrings) {
  for (absl::string_view s : {"yEs", "tRUE", "oN", "nO", "Yess", "truthy", "offline"}) {
    EXPECT_EQ(Scalar(s), Value::String(std::string(s))) << s;
  }
}

TEST(YamlDecode, NullForms) {
  for (absl::string_view s : {"~", "null", "Null", "NULL", ""}) {
    EXPECT_TRUE(Scalar(s).is_null()) << "'" << s << "' -> " << Scalar(s).ToJson();
  }
  EXPECT_EQ(Scalar("nULL"), Value::String("nULL"));
  EXPECT_EQ(Scalar("\"null\""), Value::String("null"));
  EXPECT_EQ(Scalar("\"~\""), Value::String("~"));
  EXPECT_EQ(Scalar("''"), Value::String(""));
}

TEST(YamlDecode, DecimalIntegers) {
  struct Case {
    absl::string_view text;
    int64_t want;
  };
  for (const Case& c : std::vector<Case>{{"0", 0},
                                         {"7", 7},
                                         {"-7", -7},
                                         {"+7", 7},
                                         {"-0", 0},
                                         {"1_000_000", 1000000},
                                         {"9223372036854775807", INT64_MAX},
                                         {"-9223372036854775808", INT64_MIN}}) {
    Value v = Scalar(c.text);
    ASSERT_TRUE(v.is_int()) << c.text << " -> " << v.ToJson();
    EXPECT_EQ(v.int_value(), c.want) << c.text;
  }
}

TEST(YamlDecode, HexOctalAndBinaryIntegers) {
  struct Case {
    absl::string_view text;
    int64_t want;
  };
  for (const Case& c : std::vector<Case>{{"0x1F", 31},
                                         {"0xff", 255},
                                         {"0X10", 16},
                                         {"-0x10", -16},
                                         {"0x_ff", 255},
                                         {"017", 15},
                                         {"0o17", 15},
                                         {"-017", -15},
                                         {"0_17", 15},
                                         {"0b101", 5},
                                         {"-0b101", -5},
                                         {"0b1_0", 2}}) {
    Value v = Scalar(c.text);
    ASSERT_TRUE(v.is_int()) << c.text << " -> " << v.ToJson();
    EXPECT_EQ(v.int_value(), c.want) << c.text;
  }
}

TEST(YamlDecode, NonNumbersThatLookNumericStayStrings) {
  for (absl::string_view s :
       {"0x", "0xg1", "1.2.3", "1e", "+", "-x", "12abc", "1-2", "2024-01-01",
        "2024-01-01T00:00:00Z", "10.0.0.1", "1:30", "0b", "0b102", "e5", "v1", "80/tcp"}) {
    Value v = Scalar(s);
    EXPECT_EQ(v, Value::String(std::string(s))) << s << " -> " << v.ToJson();
  }
}

TEST(YamlDecode, Floats) {
  struct Case {
    absl::string_view text;
    double want;
  };
  for (const Case& c : std::vector<Case>{{"1.5", 1.5},
                                         {"-1.5", -1.5},
                                         {"+1.5", 1.5},
                                         {".5", 0.5},
                                         {"1.", 1.0},
                                         {"1e3", 1000.0},
                                         {"1.5e-3", 1.5e-3},
                                         {"1E+2", 100.0},
                                         {"1_000.5", 1000.5},
                                         {"0.1", 0.1}}) {
    Value v = Scalar(c.text);
    ASSERT_TRUE(v.is_double()) << c.text << " -> " << v.ToJson();
    EXPECT_EQ(v.double_value(), c.want) << c.text;
  }
}

TEST(YamlDecode, InfinityAndNaN) {
  for (absl::string_view s : {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"}) {
    Value v = Scalar(s);
    ASSERT_TRUE(v.is_double()) << s;
    EXPECT_EQ(v.double_value(), std::numeric_limits<double>::infinity()) << s;
  }
  for (absl::string_view s : {"-.inf", "-.Inf", "-.INF"}) {
    Value v = Scalar(s);
    ASSERT_TRUE(v.is_double()) << s;
    EXPECT_EQ(v.double_value(), -std::numeric_limits<double>::infinity()) << s;
  }
  for (absl::string_view s : {".nan", ".NaN", ".NAN"}) {
    Value v = Scalar(s);
    ASSERT_TRUE(v.is_double()) << s;
    EXPECT_TRUE(std::isnan(v.double_value())) << s;
  }
  EXPECT_EQ(Scalar("inf"), Value::String("inf"));
  EXPECT_EQ(Scalar("nan"), Value::String("nan"));
  EXPECT_EQ(Scalar("\".inf\""), Value::String(".inf"));
}

TEST(YamlDecode, IntegerBeyondInt64IsANumberNotAString) {
  // go-yaml v2 reads 18446744073709551615 as a uint64 and larger integers as
  // float64; through sigs.k8s.io/yaml both reach the API server as JSON
  // numbers. ParseJson turns the same numbers into doubles.
  for (absl::string_view s : {"9223372036854775808", "18446744073709551615",
                              "100000000000000000000000", "0x8000000000000000"}) {
    Value v = Scalar(s);
    EXPECT_TRUE(v.is_number()) << s << " -> " << v.ToJson();
  }
  Value big = Scalar("18446744073709551615");
  if (big.is_number()) EXPECT_EQ(big.number_value(), 18446744073709551615.0);
}

TEST(YamlDecode, DecimalWithLeadingZeroAndNonOctalDigitIsAFloat) {
  // go-yaml v2: strconv.ParseInt("08", 0, 64) fails, then yamlStyleFloat
  // matches and ParseFloat gives 8.
  for (absl::string_view s : {"08", "09", "0129"}) {
    Value v = Scalar(s);
    EXPECT_TRUE(v.is_number()) << s << " -> " << v.ToJson();
    if (v.is_number()) EXPECT_EQ(v.number_value(), std::stod(std::string(s))) << s;
  }
}

TEST(YamlDecode, LeadingUnderscoreMakesAString) {
  // go-yaml v2 only tries numbers for scalars starting with a digit, sign or
  // dot; underscores are dropped only after that check.
  EXPECT_EQ(Scalar("_1"), Value::String("_1"));
  EXPECT_EQ(Scalar("_8080"), Value::String("_8080"));
}

TEST(YamlDecode, UppercaseOctalPrefixIsAnInteger) {
  // strconv.ParseInt(s, 0, 64), which go-yaml v2 uses, accepts 0o and 0O.
  Value v = Scalar("0O17");
  ASSERT_TRUE(v.is_int()) << v.ToJson();
  EXPECT_EQ(v.int_value(), 15);
}

TEST(YamlDecode, QuotedAndBlockScalarsStayStrings) {
  EXPECT_EQ(Scalar("\"80\""), Value::String("80"));
  EXPECT_EQ(Scalar("'80'"), Value::String("80"));
  EXPECT_EQ(Scalar("\"true\""), Value::String("true"));
  EXPECT_EQ(Scalar("'1.5'"), Value::String("1.5"));
  Value doc = ParseOne("a: |\n  80\nb: >\n  true\n");
  EXPECT_EQ(*doc.Find("a"), Value::String("80\n"));
  EXPECT_EQ(*doc.Find("b"), Value::String("true\n"));
}

TEST(YamlDecode, StrTagKeepsPlainScalarAString) {
  EXPECT_EQ(Scalar("!!str 80"), Value::String("80"));
  EXPECT_EQ(Scalar("!!str yes"), Value::String("yes"));
  EXPECT_EQ(Scalar("!!str ~"), Value::String("~"));
  EXPECT_EQ(Scalar("!!str 1.5"), Value::String("1.5"));
}

TEST(YamlDecode, DoubleQuotedEscapesAreDecoded) {
  // \x41 is "A"; the expected text spells it out to keep \xa9 from absorbing it.
  EXPECT_EQ(Scalar(R"("a\tb\n\u00e9\x41")"), Value::String(std::string("a\tb\n\xc3\xa9") + "A"));
  EXPECT_EQ(Scalar("'it''s'"), Value::String("it's"));
}

TEST(YamlDecode, PlainStringsKeepTheirText) {
  EXPECT_EQ(Scalar("hello world"), Value::String("hello world"));
  EXPECT_EQ(Scalar("/api/v1"), Value::String("/api/v1"));
  EXPECT_EQ(Scalar("gateway.networking.k8s.io/v1"), Value::String("gateway.networking.k8s.io/v1"));
  EXPECT_EQ(Scalar("h\xc3\xa9llo"), Value::String("h\xc3\xa9llo"));
}

// --- Structure ---------------------------------------------------------------

TEST(YamlDecode, MappingsAndSequencesKeepOrder) {
  Value v = ParseOne(
      "kind: HTTPRoute\n"
      "spec:\n"
      "  hostnames: [b.example, a.example]\n"
      "  rules:\n"
      "  - matches:\n"
      "    - path: {type: PathPrefix, value: /}\n"
      "    backendRefs:\n"
      "    - name: svc\n"
      "      port: 80\n");
  EXPECT_EQ(v.ToJson(), R"({"kind":"HTTPRoute","spec":{"hostnames":["b.example","a.example"],)"
                        R"("rules":[{"matches":[{"path":{"type":"PathPrefix","value":"/"}}],)"
                        R"("backendRefs":[{"name":"svc","port":80}]}]}})");
}

TEST(YamlDecode, NonStringKeysAreStringified) {
  Value w = ParseOne("1: a\ntrue: b\n0x10: d\n-5: e\n");
  EXPECT_EQ(w.ToJson(), R"({"1":"a","true":"b","16":"d","-5":"e"})");
  EXPECT_EQ(ParseOne("on: x\n").ToJson(), R"({"true":"x"})");
  EXPECT_EQ(ParseOne("off: x\n").ToJson(), R"({"false":"x"})");
  EXPECT_EQ(ParseOne("\"1\": a\n").ToJson(), R"({"1":"a"})");
}

TEST(YamlDecode, FloatKeysAreStringifiedLikeSigsK8sYaml) {
  // sigs.k8s.io/yaml formats float keys with strconv.FormatFloat(f, 'g', -1, 32).
  EXPECT_EQ(ParseOne("1.5: x\n").ToJson(), R"({"1.5":"x"})");
  EXPECT_EQ(ParseOne("0.1: x\n").ToJson(), R"({"0.1":"x"})");
  EXPECT_EQ(ParseOne("1e3: x\n").ToJson(), R"({"1000":"x"})");
  EXPECT_EQ(ParseOne(".inf: x\n").ToJson(), R"({".inf":"x"})");
  EXPECT_EQ(ParseOne("-.inf: x\n").ToJson(), R"({"-.inf":"x"})");
}

TEST(YamlDecode, KeysThatStringifyAlikeAreDuplicates) {
  absl::Status s = ParseError("1: a\n\"1\": b\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("duplicate field \"1\""));
  absl::Status t = ParseError("yes: a\ntrue: b\n");
  EXPECT_EQ(t.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(t.message(), HasSubstr("duplicate field \"true\""));
}

TEST(YamlDecode, CollectionKeysAreRejected) {
  absl::Status s = ParseError("? [a, b]\n: c\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("mapping keys must be scalars"));
}

TEST(YamlDecode, DuplicateKeyIsRejectedWithPath) {
  absl::Status s = ParseError(
      "metadata:\n"
      "  name: a\n"
      "spec:\n"
      "  rules:\n"
      "  - name: x\n"
      "    name: y\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("duplicate field \"name\""));
  EXPECT_THAT(s.message(), HasSubstr("spec.rules[0]"));
  EXPECT_THAT(GetLocation(s), HasSubstr("line 6"));
}

TEST(YamlDecode, DuplicateTopLevelKeyIsRejected) {
  absl::Status s = ParseError("a: 1\nb: 2\na: 3\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("duplicate field \"a\""));
  EXPECT_THAT(GetLocation(s), HasSubstr("line 3"));
}

// --- Documents ---------------------------------------------------------------

TEST(YamlDocuments, MultiDocumentStreamGivesEachDocumentAndItsStartLine) {
  absl::StatusOr<std::vector<YamlDocument>> docs = ParseYaml(
      "a: 1\n"       // line 1
      "---\n"        // line 2
      "b: 2\n"       // line 3
      "---\n"        // line 4
      "# comment\n"  // line 5
      "c: 3\n",      // line 6
      DecodeLimits());
  ASSERT_TRUE(docs.ok()) << docs.status();
  ASSERT_EQ(docs->size(), 3u);
  EXPECT_EQ((*docs)[0].value.ToJson(), R"({"a":1})");
  EXPECT_EQ((*docs)[0].line, 1);
  EXPECT_EQ((*docs)[1].value.ToJson(), R"({"b":2})");
  EXPECT_EQ((*docs)[1].line, 2);
  EXPECT_EQ((*docs)[2].value.ToJson(), R"({"c":3})");
  EXPECT_EQ((*docs)[2].line, 4);
}

TEST(YamlDocuments, EmptyDocumentsAreDropped) {
  absl::StatusOr<std::vector<YamlDocument>> docs = ParseYaml(
      "---\n"   // 1: empty
      "---\n"   // 2
      "a: 1\n"  // 3
      "---\n"   // 4: empty
      "---\n"   // 5: only a comment
      "# nothing\n"
      "---\n"  // 7: explicit null
      "~\n"
      "---\n"  // 9
      "b: 2\n"
      "...\n"
      "---\n",
      DecodeLimits());
  ASSERT_TRUE(docs.ok()) << docs.status();
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[0].value.ToJson(), R"({"a":1})");
  EXPECT_EQ((*docs)[0].line, 2);
  EXPECT_EQ((*docs)[1].value.ToJson(), R"({"b":2})");
  EXPECT_EQ((*docs)[1].line, 9);
}

TEST(YamlDocuments, EmptyAndCommentOnlyInputGiveNoDocuments) {
  for (absl::string_view text : {"", "\n\n", "# just a comment\n", "---\n", "---\n...\n"}) {
    absl::StatusOr<std::vector<YamlDocument>> docs = ParseYaml(text, DecodeLimits());
    ASSERT_TRUE(docs.ok()) << docs.status();
    EXPECT_TRUE(docs->empty()) << text;
  }
}

TEST(YamlDocuments, DocumentLineSkipsLeadingCommentsOfImplicitDocument) {
  absl::StatusOr<std::vector<YamlDocument>> docs =
      ParseYaml("# header\n\n# more\nkind: Gateway\n", DecodeLimits());
  ASSERT_TRUE(docs.ok()) << docs.status();
  ASSERT_EQ(docs->size(), 1u);
  EXPECT_EQ((*docs)[0].line, 4);
}

TEST(YamlDocuments, JsonTextIsValidYaml) {
  Value v = ParseOne(R"({"a": [1, "two", true, null], "b": {"c": 1.5}})");
  EXPECT_EQ(v.ToJson(), R"({"a":[1,"two",true,null],"b":{"c":1.5}})");
}

TEST(YamlDocuments, MaxObjectsBoundsTheDocumentCount) {
  DecodeLimits limits;
  limits.max_objects = 2;
  absl::StatusOr<std::vector<YamlDocument>> ok = ParseYaml("a: 1\n---\nb: 2\n---\n", limits);
  ASSERT_TRUE(ok.ok()) << ok.status();
  absl::Status s = ParseError("a: 1\n---\nb: 2\n---\nc: 3\n", limits);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("max_objects"));
}

// --- Anchors, aliases and merge keys -------------------------------------------

TEST(YamlAnchors, AliasesExpandToACopyOfTheAnchoredNode) {
  Value v = ParseOne(
      "base: &b {port: 80, name: svc}\n"
      "list: &l [1, 2]\n"
      "scalar: &s hello\n"
      "copies: [*b, *l, *s]\n");
  EXPECT_EQ(v.Find("copies")->ToJson(), R"([{"port":80,"name":"svc"},[1,2],"hello"])");
}

TEST(YamlAnchors, AnchoredScalarsKeepTheirResolvedType) {
  Value v = ParseOne("a: &n 80\nb: *n\nc: &q \"80\"\nd: *q\n");
  EXPECT_EQ(*v.Find("b"), Value::Int(80));
  EXPECT_EQ(*v.Find("d"), Value::String("80"));
}

TEST(YamlAnchors, LaterAnchorOfSameNameWins) {
  Value v = ParseOne("a: &x 1\nb: *x\nc: &x 2\nd: *x\n");
  EXPECT_EQ(v.ToJson(), R"({"a":1,"b":1,"c":2,"d":2})");
}

TEST(YamlAnchors, UnknownAliasIsRejected) {
  absl::Status s = ParseError("a: *nope\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
}

TEST(YamlAnchors, AliasToEnclosingNodeIsRejected) {
  // The anchor is not defined until its node ends, so no cycle can form.
  absl::Status s = ParseError("a: &x [1, *x]\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("alias"));
}

TEST(YamlAnchors, AnchorsDoNotCrossDocuments) {
  absl::Status s = ParseError("a: &x 1\n---\nb: *x\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
}

TEST(YamlMerge, MergeKeyCopiesMissingKeys) {
  Value v = ParseOne(
      "defaults: &d {port: 80, weight: 1}\n"
      "backend:\n"
      "  <<: *d\n"
      "  name: svc\n");
  EXPECT_EQ(*v.Find("backend"), Value::MakeObject({{"name", Value::String("svc")},
                                                   {"port", Value::Int(80)},
                                                   {"weight", Value::Int(1)}}));
  EXPECT_EQ(v.Find("backend")->Find("<<"), nullptr);
}

TEST(YamlMerge, OwnKeysWinOverMergedKeysWhereverTheyAppear) {
  Value v = ParseOne(
      "defaults: &d {port: 80, weight: 1}\n"
      "before:\n"
      "  port: 8080\n"
      "  <<: *d\n"
      "after:\n"
      "  <<: *d\n"
      "  port: 9090\n");
  EXPECT_EQ(v.FindPath({"before", "port"})->int_value(), 8080);
  EXPECT_EQ(v.FindPath({"before", "weight"})->int_value(), 1);
  EXPECT_EQ(v.FindPath({"after", "port"})->int_value(), 9090);
  EXPECT_EQ(v.FindPath({"after", "weight"})->int_value(), 1);
}

TEST(YamlMerge, SequenceOfMergesEarlierMappingWins) {
  Value v = ParseOne(
      "a: &a {p: 1, q: 1}\n"
      "b: &b {q: 2, r: 2}\n"
      "c:\n"
      "  <<: [*a, *b]\n");
  EXPECT_EQ(*v.Find("c"),
            Value::MakeObject({{"p", Value::Int(1)}, {"q", Value::Int(1)}, {"r", Value::Int(2)}}));
}

TEST(YamlMerge, InlineMappingCanBeMerged) {
  Value v = ParseOne("c:\n  <<: {p: 1}\n  q: 2\n");
  EXPECT_EQ(*v.Find("c"), Value::MakeObject({{"p", Value::Int(1)}, {"q", Value::Int(2)}}));
}

TEST(YamlDecode, SingleLetterYAndNKeysAreBooleans) {
  // go-yaml v2 resolves plain y/n as booleans, in keys too: `y: 2` is "true".
  EXPECT_EQ(ParseOne("x: 1\ny: 2\nn: 3\n").ToJson(), R"({"x":1,"true":2,"false":3})");
}

TEST(YamlMerge, QuotedMergeKeyIsAnOrdinaryKey) {
  Value v = ParseOne("c:\n  \"<<\": {x: 1}\n");
  ASSERT_NE(v.FindPath({"c", "<<"}), nullptr);
  EXPECT_EQ(v.FindPath({"c", "<<", "x"})->int_value(), 1);
}

TEST(YamlMerge, MergingANonMappingIsRejected) {
  absl::Status s = ParseError("c:\n  <<: 5\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("merge key"));
  absl::Status t = ParseError("c:\n  <<: [{x: 1}, 2]\n");
  EXPECT_EQ(t.code(), absl::StatusCode::kInvalidArgument);
}

TEST(YamlLimits, BillionLaughsIsStoppedByMaxAliasNodes) {
  std::string text =
      "apiVersion: v1\nkind: ConfigMap\n"
      "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  const char* names = "abcdefghi";
  for (int i = 1; i < 9; ++i) {
    std::string alias = absl::StrCat("*", std::string(1, names[i - 1]));
    text += absl::StrCat(std::string(1, names[i]), ": &", std::string(1, names[i]), " [");
    for (int j = 0; j < 9; ++j) text += absl::StrCat(j == 0 ? "" : ",", alias);
    text += "]\n";
  }
  absl::Status s = ParseError(text);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("max_alias_nodes"));
  EXPECT_THAT(s.message(), HasSubstr("100000"));
  EXPECT_THAT(GetLocation(s), MatchesRegex("line [0-9]+, column [0-9]+"));
}

TEST(YamlLimits, AliasNodesWithinLimitAreExpanded) {
  DecodeLimits limits;
  limits.max_alias_nodes = 6;
  // Two aliases of a 3-node sequence: 6 nodes.
  Value v = ParseOne("a: &a [1, 2]\nb: *a\nc: *a\n", limits);
  EXPECT_EQ(v.ToJson(), R"({"a":[1,2],"b":[1,2],"c":[1,2]})");
  absl::Status s = ParseError("a: &a [1, 2]\nb: *a\nc: *a\nd: *a\n", limits);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("max_alias_nodes"));
}

TEST(YamlLimits, AliasBudgetCoversTheWholeStream) {
  DecodeLimits limits;
  limits.max_alias_nodes = 4;
  absl::Status s = ParseError("a: &a [1, 2]\nb: *a\n---\na: &a [1, 2]\nb: *a\n", limits);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("max_alias_nodes"));
}

TEST(YamlLimits, NestingAtDepthLimitIsAccepted) {
  DecodeLimits limits;
  limits.max_depth = 4;
  Value v = ParseOne("a:\n  b:\n    c: [x]\n", limits);  // 4 containers
  EXPECT_EQ(v.ToJson(), R"({"a":{"b":{"c":["x"]}}})");
}

TEST(YamlLimits, NestingBeyondDepthLimitIsRejected) {
  DecodeLimits limits;
  limits.max_depth = 4;
  absl::Status s = ParseError("a:\n  b:\n    c:\n      d: [x]\n", limits);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("max_depth"));
  EXPECT_THAT(s.message(), HasSubstr("a.b.c.d"));
  EXPECT_THAT(GetLocation(s), HasSubstr("line 4"));
}

TEST(YamlLimits, TenThousandDeepFlowSequenceGivesDepthErrorNotCrash) {
  std::string text = absl::StrCat(std::string(10000, '['), std::string(10000, ']'), "\n");
  absl::Status s = ParseError(text);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("max_depth"));
}

TEST(YamlLimits, TwoThousandDeepBlockMappingGivesDepthErrorNotCrash) {
  std::string text;
  // 2,000 levels of block indentation (10,000 would be 50 MB of spaces).
  for (int i = 0; i < 2000; ++i) absl::StrAppend(&text, std::string(i, ' '), "k:\n");
  absl::Status s = ParseError(text);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("max_depth"));
}

TEST(YamlLimits, AliasesCannotBuildNestingBeyondDepthLimit) {
  // Each level holds only one container more than the anchor it aliases, so
  // each step passes the per-event depth check, but the resulting tree is
  // deeper than max_depth.
  DecodeLimits limits;
  limits.max_depth = 4;
  absl::Status s = ParseError(
      "a: &a [[[x]]]\n"  // depth 4 at a
      "b: [*a]\n",       // depth 5
      limits);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("max_depth"));
}

TEST(YamlLimits, StringOverLimitIsRejectedWithFieldPath) {
  DecodeLimits limits;
  limits.max_string_bytes = 8;
  Value ok = ParseOne("data:\n  k: \"12345678\"\n", limits);
  EXPECT_EQ(ok.FindPath({"data", "k"})->string_value(), "12345678");

  absl::Status s = ParseError(
      "kind: Secret\n"
      "data:\n"
      "  items:\n"
      "  - ok\n"
      "  - \"123456789\"\n",
      limits);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("data.items[1]"));
  EXPECT_THAT(s.message(), HasSubstr("9 bytes"));
  EXPECT_THAT(s.message(), HasSubstr("max_string_bytes"));
  EXPECT_EQ(GetLocation(s), "line 5, column 5");
}

TEST(YamlLimits, BlockScalarOverLimitIsRejected) {
  DecodeLimits limits;
  limits.max_string_bytes = 8;
  absl::Status s = ParseError("data:\n  cert: |\n    0123456789\n", limits);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("data.cert"));
  EXPECT_THAT(s.message(), HasSubstr("max_string_bytes"));
}

TEST(YamlLimits, InputOverByteLimitIsRejected) {
  DecodeLimits limits;
  limits.max_input_bytes = 4;
  absl::Status s = ParseError("a: 12345\n", limits);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("max_input_bytes"));
}

// --- Malformed input -------------------------------------------------------------

TEST(YamlErrors, MalformedYamlReportsLineAndColumnInLocation) {
  absl::Status s = ParseError(
      "apiVersion: v1\n"
      "kind: Service\n"
      "metadata:\n"
      "  name: [unclosed\n"
      "spec: {}\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("malformed YAML"));
  std::string location = GetLocation(s);
  EXPECT_THAT(location, MatchesRegex("line [0-9]+, column [0-9]+"));
  EXPECT_THAT(s.message(), HasSubstr(location));
}

TEST(YamlErrors, BadIndentationPointsAtTheOffendingLine) {
  absl::Status s = ParseError(
      "a: 1\n"
      "b:\n"
      "  c: 2\n"
      " d: 3\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("malformed YAML"));
  EXPECT_EQ(GetLocation(s), "line 4, column 2");
}

TEST(YamlErrors, TabIndentationIsRejectedWithLocation) {
  absl::Status s = ParseError("a:\n\tb: 1\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(GetLocation(s), HasSubstr("line 2"));
}

TEST(YamlErrors, UnterminatedQuotedScalarIsRejected) {
  absl::Status s = ParseError("a: \"open\nb: 2\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(GetLocation(s), MatchesRegex("line [0-9]+, column [0-9]+"));
}

TEST(YamlErrors, ErrorInLaterDocumentFailsTheWholeStream) {
  absl::StatusOr<std::vector<YamlDocument>> docs = ParseYaml("a: 1\n---\nb: [\n", DecodeLimits());
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(YamlErrors, InvalidUtf8IsRejected) {
  absl::Status s = ParseError("a: \xff\xfe\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("malformed YAML"));
  absl::Status t = ParseError("a: \"\xc3\x28\"\n");
  EXPECT_EQ(t.code(), absl::StatusCode::kInvalidArgument);
  absl::Status u = ParseError("a: ok\nb: \xe2\x9c\n");  // truncated sequence
  EXPECT_EQ(u.code(), absl::StatusCode::kInvalidArgument);
}

TEST(YamlErrors, InvalidUtf8LocationPointsAtTheBadByte) {
  // libyaml reports reader errors through problem_offset, not problem_mark;
  // the location must still name the line holding the bad byte.
  absl::Status s = ParseError("a: ok\nb: ok\nc: \xe2\x9c\n");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(GetLocation(s), HasSubstr("line 3")) << s;
  absl::Status t = ParseError("a: ok\nb: ok\nc: d\x01\n");
  EXPECT_EQ(t.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(GetLocation(t), HasSubstr("line 3")) << t;
}

TEST(YamlErrors, ControlCharactersAreRejected) {
  absl::Status s = ParseError(std::string("a: b\x01\n"));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
}

TEST(YamlLimits, MappingWithManyKeysDecodesInLinearTime) {
  // 60,000 distinct keys (under 1 MB) take a linear decoder well under a
  // second; a pairwise duplicate check needs 1.8e9 key comparisons.
  std::string text;
  for (int i = 0; i < 60000; ++i) absl::StrAppend(&text, "k", 100000 + i, ": 1\n");
  absl::Time start = absl::Now();
  absl::StatusOr<std::vector<YamlDocument>> docs = ParseYaml(text, DecodeLimits());
  absl::Duration elapsed = absl::Now() - start;
  ASSERT_TRUE(docs.ok()) << docs.status();
  ASSERT_EQ(docs->size(), 1u);
  EXPECT_EQ((*docs)[0].value.size(), 60000u);
  EXPECT_LT(elapsed, absl::Seconds(1)) << "decoding took " << elapsed;
}

}  // namespace
}  // namespace gwapi::model
