#include "lib/validate/cel.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "lib/model/json.h"
#include "lib/model/limits.h"
#include "lib/model/value.h"
#include "lib/model/yaml.h"

namespace gwapi::validate::cel {
namespace {

using model::Value;

Value Json(absl::string_view text) {
  absl::StatusOr<Value> v = model::ParseJson(text, model::DecodeLimits{});
  EXPECT_TRUE(v.ok()) << v.status() << " parsing " << text;
  return v.ok() ? *std::move(v) : Value();
}

// Compiles and evaluates `expr` with `self` (JSON) and optionally `oldSelf`;
// "true", "false", "error: <message>" or "compile error: <message>".
std::string Outcome(absl::string_view expr, absl::string_view self = "null",
                    const char* old_self = nullptr) {
  absl::StatusOr<std::unique_ptr<const Program>> p = Program::Compile(expr);
  if (!p.ok()) return absl::StrCat("compile error: ", p.status().message());
  const Value s = Json(self);
  Value old;
  if (old_self != nullptr) old = Json(old_self);
  absl::StatusOr<bool> r = (*p)->EvalBool(s, old_self != nullptr ? &old : nullptr);
  if (!r.ok()) {
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    return absl::StrCat("error: ", r.status().message());
  }
  return *r ? "true" : "false";
}

// EXPECT that `result` (from Outcome) starts with `prefix` and contains `part`.
void ExpectResult(const std::string& result, absl::string_view prefix, absl::string_view part) {
  EXPECT_TRUE(absl::StartsWith(result, prefix) && absl::StrContains(result, part))
      << "got \"" << result << "\", want \"" << prefix << "...\" containing \"" << part << "\"";
}
void ExpectError(absl::string_view expr, absl::string_view self, absl::string_view part) {
  SCOPED_TRACE(expr);
  ExpectResult(Outcome(expr, self), "error: ", part);
}
void ExpectCompileError(absl::string_view expr, absl::string_view part) {
  SCOPED_TRACE(expr);
  ExpectResult(Outcome(expr), "compile error: ", part);
}

// ---------------------------------------------------------------------------
// Literals and parsing.

TEST(CelParse, IntegerLiterals) {
  EXPECT_EQ(Outcome("1 + 2 == 3"), "true");
  EXPECT_EQ(Outcome("0x1F == 31 && 0xfF == 255"), "true");
  ExpectCompileError("0X1F == 31", "found identifier 'X1F'");  // the prefix is lowercase only
  EXPECT_EQ(Outcome("-9223372036854775808 < 0"), "true");
  EXPECT_EQ(Outcome("9223372036854775807 > 0"), "true");
  EXPECT_EQ(Outcome("010 == 10"), "true");  // decimal, not octal, as in cel-go
  ExpectCompileError("9223372036854775808 > 0", "invalid int literal");
  ExpectCompileError("99999999999999999999 > 0", "invalid int literal");
}

TEST(CelParse, UintLiterals) {
  EXPECT_EQ(Outcome("1u == 1u && 0x10u == 16u"), "true");
  EXPECT_EQ(Outcome("18446744073709551615u > 0u"), "true");
  EXPECT_EQ(Outcome("1u == 1"), "true");  // heterogeneous equality
  ExpectError("1u + 1 == 2", "null", "no such overload");
}

TEST(CelParse, DoubleLiterals) {
  EXPECT_EQ(Outcome("1.5 + 1.5 == 3.0"), "true");
  EXPECT_EQ(Outcome(".5 == 0.5"), "true");
  EXPECT_EQ(Outcome("1e3 == 1000.0 && 1.5e-3 == 0.0015 && 2E+2 == 200.0"), "true");
  EXPECT_EQ(Outcome("-2.5 < 0.0"), "true");
  ExpectCompileError("1e400 > 0.0", "invalid double literal");
}

TEST(CelParse, QuotedStrings) {
  EXPECT_EQ(Outcome("'abc' == \"abc\""), "true");
  EXPECT_EQ(Outcome(R"('it\'s' == "it's")"), "true");
  EXPECT_EQ(Outcome(R"("say \"hi\"" == 'say "hi"')"), "true");
  EXPECT_EQ(Outcome("'a' + 'b' == 'ab'"), "true");
  ExpectCompileError("'abc", "unterminated string");
  ExpectCompileError("'a\nb' == ''", "unterminated string");
}

TEST(CelParse, TripleQuotedStrings) {
  EXPECT_EQ(Outcome("'''a'b''' == \"a'b\""), "true");
  EXPECT_EQ(Outcome("\"\"\"line1\nline2\"\"\" == 'line1\\nline2'"), "true");
  EXPECT_EQ(Outcome("\"\"\"x\\ty\"\"\" == 'x\\ty'"), "true");
}

TEST(CelParse, RawStringsKeepBackslashes) {
  EXPECT_EQ(Outcome(R"(r'\d' == '\\d')"), "true");
  EXPECT_EQ(Outcome(R"(R"\n".size() == 2)"), "true");
  EXPECT_EQ(Outcome(R"(r"""^[a-z]+\.$""" == '^[a-z]+\\.$')"), "true");
  EXPECT_EQ(Outcome(R"(r'''a'b''' == "a'b")"), "true");
}

TEST(CelParse, EscapeSequences) {
  EXPECT_EQ(Outcome(R"('\x41\101\u0042\U00000043' == 'AABC')"), "true");
  EXPECT_EQ(Outcome(R"('\u00e9' == 'é' && '\u00e9'.size() == 1)"), "true");
  EXPECT_EQ(Outcome(R"('\xe9' == 'é')"), "true");  // \x is a code point in strings
  EXPECT_EQ(Outcome(R"('\U0001F600'.size() == 1)"), "true");
  EXPECT_EQ(Outcome(R"('\a\b\f\n\r\t\v\\\?\`'.size() == 10)"), "true");
  ExpectCompileError(R"('\q' == '')", "invalid escape sequence");
  ExpectCompileError(R"('\ud800' == '')", "invalid unicode code point");
  ExpectCompileError(R"('\x4' == '')", "invalid escape sequence");
}

TEST(CelParse, BoolNullAndListLiterals) {
  EXPECT_EQ(Outcome("true != false"), "true");
  EXPECT_EQ(Outcome("null == null"), "true");
  EXPECT_EQ(Outcome("[1, 2, 3,].size() == 3 && [].size() == 0"), "true");
  EXPECT_EQ(Outcome("[[1], [2, 3]][1][0] == 2"), "true");
}

TEST(CelParse, MapLiterals) {
  EXPECT_EQ(Outcome("{'a': 1, 'b': 2}['b'] == 2"), "true");
  EXPECT_EQ(Outcome("{'a': 1,}.a == 1 && {}.size() == 0"), "true");
  EXPECT_EQ(Outcome("{1: 'x', true: 'y'}[1] == 'x'"), "true");
  ExpectError("{'a': 1, 'a': 2}.size() == 2", "null", "repeated key");
  ExpectError("{[1]: 2}.size() == 1", "null", "unsupported map key type");
}

TEST(CelParse, CommentsAndWhitespace) { EXPECT_EQ(Outcome("1 == // one\n\t1"), "true"); }

TEST(CelParse, SyntaxErrorsNameOffsetAndExpectation) {
  ExpectCompileError("1 +", "offset 3: expected an expression, found end of expression");
  ExpectCompileError("(1 == 1", "offset 7: expected ')'");
  ExpectCompileError("true ? 1", "expected ':'");
  ExpectCompileError("1 = 1", "offset 2: unexpected '='");
  ExpectCompileError("a & b", "unexpected '&'");
  ExpectCompileError("self.", "expected a field or method name");
  ExpectCompileError("true true", "offset 5: expected end of expression");
  ExpectCompileError("b'abc' == b'abc'", "bytes literals are not supported");
  ExpectCompileError("self.a ? b ? c : d : e", "expected ':'");  // middle operand is not a ternary
  ExpectCompileError("#", "unexpected character");
}

TEST(CelParse, UnknownFunctionsAndNamesAreCompileErrors) {
  ExpectCompileError("foo(1)", "undeclared reference to 'foo'");
  ExpectCompileError("self.frobnicate()", "undeclared reference to 'frobnicate'");
  ExpectCompileError("'a'.substring(1, 2, 3) == 'a'", "no matching overload for 'substring'");
  ExpectCompileError("size() == 0", "no matching overload for 'size'");
  ExpectCompileError("x == 1", "undeclared reference to 'x'");
  ExpectCompileError("namespace == 1", "reserved identifier 'namespace'");
  ExpectCompileError("self.all(x.y, true)", "must be a simple name");
  ExpectCompileError("has(self)", "invalid argument to has()");
  ExpectCompileError("self.all(x, x) && x", "undeclared reference to 'x'");  // scope ends
}

TEST(CelParse, InvalidConstantRegexIsCompileError) {
  ExpectCompileError("'a'.matches('(')", "invalid regular expression '('");
  ExpectCompileError("matches('a', '[z-a]')", "invalid regular expression");
}

TEST(CelParse, NonBoolConstantResultIsCompileError) {
  ExpectCompileError("1 + 1", "must evaluate to a bool");
  ExpectCompileError("'a'.lowerAscii()", "must evaluate to a bool");
  ExpectError("self", "1", "not a bool");  // only known at run time
}

TEST(CelParse, NestingIsBounded) {
  std::string deep(101, '(');
  deep += "true";
  deep += std::string(101, ')');
  ExpectCompileError(deep, "nests more than 100 sub-expressions");
  std::string chain = "self";
  for (int i = 0; i < 300; ++i) chain += ".a";
  ExpectCompileError(chain + " == 1", "nests more than 200 levels");
  std::string sum = "1";
  for (int i = 0; i < 300; ++i) sum += " + 1";
  ExpectCompileError(sum + " == 301", "nests more than 200 levels");
  // Long && / || chains are flat, as cel-go balances them.
  std::string conj = "true";
  for (int i = 0; i < 500; ++i) conj += " && true";
  EXPECT_EQ(Outcome(conj), "true");
  std::string nested = "1";
  for (int i = 0; i < 99; ++i) nested = "(" + nested + ")";
  EXPECT_EQ(Outcome(nested + " == 1"), "true");
  // 190 AST levels that nest no sub-expression.
  std::string calls = "'A'";
  for (int i = 0; i < 190; ++i) calls += ".lowerAscii()";
  EXPECT_EQ(Outcome(calls + " == 'a'"), "true");
}

TEST(CelParse, InvalidUtf8IsRejected) { ExpectCompileError("'\xff' == ''", "not valid UTF-8"); }

// ---------------------------------------------------------------------------
// Operators.

TEST(CelEval, Precedence) {
  EXPECT_EQ(Outcome("1 + 2 * 3 == 7"), "true");
  EXPECT_EQ(Outcome("(1 + 2) * 3 == 9"), "true");
  EXPECT_EQ(Outcome("10 - 4 - 3 == 3"), "true");  // left associative
  EXPECT_EQ(Outcome("100 / 10 / 5 == 2"), "true");
  EXPECT_EQ(Outcome("7 % 4 * 2 == 6"), "true");
  EXPECT_EQ(Outcome("-2 * 3 == -6 && - -2 == 2"), "true");
  EXPECT_EQ(Outcome("true || false && false"), "true");           // && binds tighter
  EXPECT_EQ(Outcome("!false && false"), "false");                 // ! binds tighter
  EXPECT_EQ(Outcome("1 < 2 == true"), "true");                    // relations are left associative
  EXPECT_EQ(Outcome("(false ? 1 : true ? 2 : 3) == 2"), "true");  // ternary is right associative
  EXPECT_EQ(Outcome("1 + 1 == 2 ? 'y' == 'y' : false"), "true");
  EXPECT_EQ(Outcome("2 in [1, 2] && !(3 in [1, 2])"), "true");
}

TEST(CelEval, EvenRunsOfNotAndMinusCancel) {
  EXPECT_EQ(Outcome("!!true"), "true");
  EXPECT_EQ(Outcome("!!!true"), "false");
  EXPECT_EQ(Outcome("--5 == 5"), "true");
}

TEST(CelEval, AndOrAbsorbErrors) {
  EXPECT_EQ(Outcome("false && self.missing"), "false");
  EXPECT_EQ(Outcome("self.missing && false"), "false");
  EXPECT_EQ(Outcome("true || self.missing"), "true");
  EXPECT_EQ(Outcome("self.missing || true"), "true");
  EXPECT_EQ(Outcome("1 / 0 == 1 || 'x' == 'x'"), "true");
  ExpectError("self.missing && true", "{}", "no such key: missing");
  ExpectError("true && self.missing", "{}", "no such key: missing");
  ExpectError("self.missing || false", "{}", "no such key: missing");
  ExpectError("self.a || self.b", "{}", "no such key: a");  // the first error wins
  EXPECT_EQ(Outcome("self.x && 1 && false"), "false");      // non-bool operands are errors too
  ExpectError("true && 1", "null", "no such overload");
}

TEST(CelEval, TernaryEvaluatesOnlyTheChosenBranch) {
  EXPECT_EQ(Outcome("true ? true : self.missing"), "true");
  EXPECT_EQ(Outcome("false ? 1 / 0 == 1 : true"), "true");
  ExpectError("self.missing ? true : false", "{}", "no such key");
  ExpectError("1 ? true : false", "null", "no such overload");
}

TEST(CelEval, HeterogeneousEquality) {
  EXPECT_EQ(Outcome("1 == 1.0 && 1.0 == 1 && 1u == 1.0"), "true");
  EXPECT_EQ(Outcome("1 != 'a' && 'a' != null && null != false"), "true");
  EXPECT_EQ(Outcome("[1, 2] == [1.0, 2u] && [1] != [1, 2]"), "true");
  EXPECT_EQ(Outcome("{'a': 1, 'b': [2]} == {'b': [2.0], 'a': 1}"), "true");
  EXPECT_EQ(Outcome("{'a': 1} != {'a': 2} && {'a': 1} != {'b': 1}"), "true");
  EXPECT_EQ(Outcome("self == {'b': 2, 'a': 1.0}", R"({"a": 1, "b": 2})"), "true");
  EXPECT_EQ(Outcome("self.a == [1, 'x']", R"({"a": [1, "x"]})"), "true");
  EXPECT_EQ(Outcome("double('NaN') != double('NaN')"), "true");
}

TEST(CelEval, Ordering) {
  EXPECT_EQ(Outcome("1 < 2.5 && 2.5 < 3u && 3u < 4 && -1 < 0u"), "true");
  EXPECT_EQ(Outcome("'abc' < 'abd' && 'b' > 'abc' && 'a' <= 'a' && 'é' > 'z'"), "true");
  EXPECT_EQ(Outcome("false < true && true >= true"), "true");
  ExpectError("'a' < 1", "null", "no such overload");
  ExpectError("[1] < [2]", "null", "no such overload");
  ExpectError("double('NaN') < 1.0", "null", "NaN values cannot be ordered");
}

TEST(CelEval, IntegerOverflowIsAnError) {
  ExpectError("9223372036854775807 + 1 > 0", "null", "integer overflow");
  ExpectError("-9223372036854775808 - 1 < 0", "null", "integer overflow");
  ExpectError("9223372036854775807 * 2 > 0", "null", "integer overflow");
  ExpectError("-(-9223372036854775808) > 0", "null", "integer overflow");
  ExpectError("-9223372036854775808 / -1 > 0", "null", "integer overflow");
  ExpectError("0u - 1u > 0u", "null", "unsigned integer overflow");
  ExpectError("18446744073709551615u + 1u > 0u", "null", "unsigned integer overflow");
}

TEST(CelEval, DivisionByZeroIsAnError) {
  ExpectError("1 / 0 == 0", "null", "division by zero");
  ExpectError("1 % 0 == 0", "null", "modulus by zero");
  ExpectError("1u / 0u == 0u", "null", "division by zero");
  EXPECT_EQ(Outcome("1.0 / 0.0 > 1e308"), "true");             // IEEE doubles
  EXPECT_EQ(Outcome("-7 / 2 == -3 && -7 % 2 == -1"), "true");  // truncating, as Go
}

TEST(CelEval, ArithmeticNeedsMatchingTypes) {
  ExpectError("1 + 1.0 == 2.0", "null", "no such overload: int + double");
  ExpectError("'a' + 1 == 'a1'", "null", "no such overload");
  EXPECT_EQ(Outcome("[1] + [2, 3] == [1, 2, 3]"), "true");
  EXPECT_EQ(Outcome("2.5 * 2.0 - 1.0 == 4.0"), "true");
}

TEST(CelEval, InListsAndMapKeys) {
  EXPECT_EQ(Outcome("'b' in ['a', 'b']"), "true");
  EXPECT_EQ(Outcome("1 in [1.0]"), "true");
  EXPECT_EQ(Outcome("'x' in self && !('z' in self)", R"({"x": 1})"), "true");
  EXPECT_EQ(Outcome("1 in self", R"({"1": 1})"), "false");  // JSON keys are strings
  EXPECT_EQ(Outcome("'*' in self", R"(["a", "*"])"), "true");
  ExpectError("1 in 1", "null", "no such overload");
}

// ---------------------------------------------------------------------------
// Fields.

TEST(CelEval, HasTestsPresence) {
  const char* obj = R"({"a": {"b": 1}, "n": null, "e": ""})";
  EXPECT_EQ(Outcome("has(self.a)", obj), "true");
  EXPECT_EQ(Outcome("has(self.a.b)", obj), "true");
  EXPECT_EQ(Outcome("has(self.z)", obj), "false");
  EXPECT_EQ(Outcome("has(self.e) && has(self.n)", obj), "true");  // present, even if empty/null
  ExpectError("has(self.z.b)", obj, "no such key: z");
  ExpectError("has(self.a.b.c)", obj, "invalid type for field selection");
  EXPECT_EQ(Outcome("has({'k': 1}.k) && !has({'k': 1}.j)"), "true");
}

TEST(CelEval, MissingFieldIsAnError) {
  ExpectError("self.missing == 1", "{}", "no such key: missing");
  ExpectError("self.a.b == 1", R"({"a": 1})", "does not support field selection");
  ExpectError("self['x'] == 1", "{}", "no such key: x");
}

TEST(CelEval, Indexing) {
  EXPECT_EQ(Outcome("self[0] == 'a' && self[1] == 'b'", R"(["a", "b"])"), "true");
  EXPECT_EQ(Outcome("self['k-1'] == 2", R"({"k-1": 2})"), "true");
  EXPECT_EQ(Outcome("self[1u] == 'b'", R"(["a", "b"])"), "true");
  ExpectError("self[2] == 'a'", R"(["a", "b"])", "index out of range");
  ExpectError("self[-1] == 'a'", R"(["a"])", "index out of range");
  ExpectError("self['0'] == 'a'", R"(["a"])", "unsupported index type");
}

TEST(CelEval, EscapedFieldNames) {
  EXPECT_EQ(Outcome("self.__namespace__ == 'ns'", R"({"namespace": "ns"})"), "true");
  EXPECT_EQ(Outcome("has(self.__namespace__)", R"({"namespace": "ns"})"), "true");
  EXPECT_EQ(Outcome("has(self.__namespace__)", R"({"name": "x"})"), "false");
  EXPECT_EQ(Outcome("self.a__dash__b == 1", R"({"a-b": 1})"), "true");
  EXPECT_EQ(Outcome("self.a__dot__b == 1", R"({"a.b": 1})"), "true");
  EXPECT_EQ(Outcome("self.a__slash__b == 1", R"({"a/b": 1})"), "true");
  EXPECT_EQ(Outcome("self.a__underscores__b == 1", R"({"a__b": 1})"), "true");
  EXPECT_EQ(Outcome("self.__if__ && self.__return__", R"({"if": true, "return": true})"), "true");
  EXPECT_EQ(Outcome("self.x_y == 1", R"({"x_y": 1})"), "true");
}

TEST(CelEval, OldSelfForTransitionRules) {
  absl::StatusOr<std::unique_ptr<const Program>> p = Program::Compile("self == oldSelf");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE((*p)->references_old_self());
  EXPECT_EQ((*p)->expression(), "self == oldSelf");
  EXPECT_EQ(Outcome("self == oldSelf", R"("a")", R"("a")"), "true");
  EXPECT_EQ(Outcome("self == oldSelf", R"("a")", R"("b")"), "false");
  EXPECT_EQ(Outcome("self == oldSelf", R"({"a": [1, {"b": 2}]})", R"({"a": [1, {"b": 2.0}]})"),
            "true");
  ExpectError("self == oldSelf", R"("a")", "oldSelf is not available");
  absl::StatusOr<std::unique_ptr<const Program>> q = Program::Compile("self == 'a'");
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE((*q)->references_old_self());
}

// ---------------------------------------------------------------------------
// Functions.

TEST(CelFunctions, SizeCountsCodePointsElementsAndEntries) {
  EXPECT_EQ(Outcome("size('héllo') == 5 && 'héllo'.size() == 5"), "true");
  EXPECT_EQ(Outcome("'日本'.size() == 2"), "true");
  EXPECT_EQ(Outcome("size(self) == 3 && self.size() == 3", "[1, 2, 3]"), "true");
  EXPECT_EQ(Outcome("size(self) == 2", R"({"a": 1, "b": 2})"), "true");
  EXPECT_EQ(Outcome("self.size() == 0", R"("")"), "true");
  ExpectError("size(1) == 1", "null", "no such overload");
}

TEST(CelFunctions, MatchesIsAnUnanchoredRe2Search) {
  EXPECT_EQ(Outcome("'abc123'.matches('[0-9]+')"), "true");
  EXPECT_EQ(Outcome("'abc'.matches('^b')"), "false");
  EXPECT_EQ(Outcome("'abc'.matches('^abc$')"), "true");
  EXPECT_EQ(Outcome("matches('xyz', 'y')"), "true");
  EXPECT_EQ(Outcome(R"('FOO.bar'.matches(r"""^(?i)[a-z]+\.[a-z]+$"""))"), "true");
  EXPECT_EQ(Outcome("'a\\nb'.matches('^b')"), "false");    // ^ is start of text, not of line
  EXPECT_EQ(Outcome("'日本'.matches('^.{2}$')"), "true");  // UTF-8 aware
  // Non-constant patterns compile at run time.
  EXPECT_EQ(Outcome("self.s.matches(self.p)", R"({"s": "aab", "p": "a+b"})"), "true");
  ExpectError("self.s.matches(self.p)", R"({"s": "a", "p": "("})", "invalid regular expression");
  ExpectError("self.matches('a')", "1", "no such overload");
}

TEST(CelFunctions, StartsEndsContains) {
  EXPECT_EQ(Outcome("'/path'.startsWith('/') && !'path'.startsWith('/')"), "true");
  EXPECT_EQ(Outcome("'/a/..'.endsWith('/..') && !'/a'.endsWith('/..')"), "true");
  EXPECT_EQ(Outcome("'a//b'.contains('//') && !'a/b'.contains('//') && 'x'.contains('')"), "true");
  ExpectError("self.contains('a')", "1", "no such overload");
  ExpectCompileError("startsWith('a', 'b')", "no matching overload for 'startsWith'");
}

TEST(CelFunctions, SubstringUsesCodePoints) {
  EXPECT_EQ(Outcome("'héllo'.substring(1) == 'éllo'"), "true");
  EXPECT_EQ(Outcome("'héllo'.substring(1, 3) == 'él'"), "true");
  EXPECT_EQ(Outcome("'abc'.substring(3) == '' && 'abc'.substring(0, 0) == ''"), "true");
  ExpectError("'abc'.substring(4) == ''", "null", "index out of range: 4");
  ExpectError("'abc'.substring(-1) == ''", "null", "index out of range: -1");
  ExpectError("'abc'.substring(2, 1) == ''", "null", "invalid substring range");
  ExpectError("'abc'.substring(1, 9) == ''", "null", "index out of range: 9");
}

TEST(CelFunctions, SplitFollowsGoStringsSplit) {
  EXPECT_EQ(Outcome("'a/b/c'.split('/') == ['a', 'b', 'c']"), "true");
  EXPECT_EQ(Outcome("'abc'.split('/') == ['abc'] && ''.split('/') == ['']"), "true");
  EXPECT_EQ(Outcome("'a/b/c'.split('/', 2) == ['a', 'b/c']"), "true");
  EXPECT_EQ(Outcome("'a/b'.split('/', 0) == []"), "true");
  EXPECT_EQ(Outcome("'héj'.split('') == ['h', 'é', 'j'] && ''.split('') == []"), "true");
  EXPECT_EQ(Outcome("'example.com/key'.split('/')[0].size() == 11"), "true");
}

TEST(CelFunctions, CaseTrimIndexOf) {
  EXPECT_EQ(Outcome("'AbÉ'.lowerAscii() == 'abÉ' && 'abé'.upperAscii() == 'ABé'"), "true");
  EXPECT_EQ(Outcome("'  a b \\t\\n'.trim() == 'a b' && '\\u00a0x\\u3000'.trim() == 'x'"), "true");
  EXPECT_EQ(Outcome("'héllo'.indexOf('l') == 2 && 'abc'.indexOf('z') == -1"), "true");
  EXPECT_EQ(Outcome("'abcabc'.indexOf('b', 2) == 4 && 'abc'.indexOf('') == 0"), "true");
  EXPECT_EQ(Outcome("'abcabc'.lastIndexOf('b') == 4 && 'abcabc'.lastIndexOf('b', 3) == 1"), "true");
  EXPECT_EQ(Outcome("'abc'.lastIndexOf('') == 3"), "true");
  ExpectError("''.indexOf('a') == -1", "null", "index out of range: 0");  // as cel-go
  ExpectError("'abc'.indexOf('a', 5) == -1", "null", "index out of range: 5");
}

TEST(CelFunctions, CharAtReplaceJoin) {
  EXPECT_EQ(Outcome("'héllo'.charAt(1) == 'é' && 'abc'.charAt(3) == ''"), "true");
  ExpectError("'abc'.charAt(4) == ''", "null", "index out of range");
  EXPECT_EQ(Outcome("'a-b-c'.replace('-', '/') == 'a/b/c'"), "true");
  EXPECT_EQ(Outcome("'a-b-c'.replace('-', '/', 1) == 'a/b-c'"), "true");
  EXPECT_EQ(Outcome("'ab'.replace('', '.') == '.a.b.'"), "true");
  EXPECT_EQ(Outcome("['a', 'b'].join() == 'ab' && ['a', 'b'].join(', ') == 'a, b'"), "true");
  ExpectError("[1].join() == ''", "null", "join: invalid input");
}

TEST(CelFunctions, ListIndexOf) {
  EXPECT_EQ(Outcome("[1, 2, 1].indexOf(1) == 0 && [1, 2, 1].lastIndexOf(1) == 2"), "true");
  EXPECT_EQ(Outcome("['a'].indexOf('b') == -1"), "true");
}

TEST(CelFunctions, Conversions) {
  EXPECT_EQ(Outcome("int('42') == 42 && int('-7') == -7 && int(3.9) == 3 && int(-3.9) == -3"),
            "true");
  EXPECT_EQ(Outcome("int(5u) == 5 && uint(5) == 5u && uint('7') == 7u"), "true");
  EXPECT_EQ(Outcome("double(2) == 2.0 && double('1.5') == 1.5 && double('1e3') == 1000.0"), "true");
  EXPECT_EQ(Outcome("string(42) == '42' && string(7u) == '7' && string(true) == 'true'"), "true");
  EXPECT_EQ(
      Outcome("string(1.5) == '1.5' && string(1e6) == '1e+06' && string(123456.0) == '123456'"),
      "true");
  EXPECT_EQ(Outcome("string(0.0001) == '0.0001' && string(0.00001) == '1e-05'"), "true");
  EXPECT_EQ(Outcome("string('x') == 'x' && bool('true') && !bool('0') && dyn(1) == 1"), "true");
  ExpectError("int('4x') == 4", "null", "type conversion error");
  ExpectError("int(' 4') == 4", "null", "type conversion error");
  ExpectError("int('9223372036854775808') == 0", "null", "type conversion error");
  ExpectError("int(1e19) == 0", "null", "integer overflow");
  ExpectError("uint(-1) == 0u", "null", "unsigned integer overflow");
  ExpectError("int([1]) == 1", "null", "type conversion error");
}

TEST(CelFunctions, DurationParsesGoSyntaxAndCompares) {
  EXPECT_EQ(Outcome("duration('1h2m3.5s') == duration('3723500ms')"), "true");
  EXPECT_EQ(Outcome("duration('500ms') < duration('1s') && duration('0s') == duration('0')"),
            "true");
  EXPECT_EQ(Outcome("duration('1.5h') == duration('90m') && duration('1us') == duration('1000ns')"),
            "true");
  EXPECT_EQ(Outcome("duration('1µs') == duration('1us') && duration('-1s') < duration('0s')"),
            "true");
  EXPECT_EQ(Outcome("duration('2m') >= duration('120s') && duration('1m') != duration('1s')"),
            "true");
  EXPECT_EQ(Outcome("duration('1h') + duration('1m') == duration('61m')"), "true");
  EXPECT_EQ(Outcome("duration('90m').getHours() == 1 && duration('90m').getMinutes() == 90"),
            "true");
  EXPECT_EQ(Outcome("string(duration('1m30s')) == '90s' && string(duration('1ms')) == '0.001s'"),
            "true");
  EXPECT_EQ(Outcome("int(duration('1s')) == 1000000000"), "true");
  ExpectError("duration('1d') > duration('0s')", "null", "invalid duration");
  ExpectError("duration('') > duration('0s')", "null", "invalid duration");
  ExpectError("duration('1') > duration('0s')", "null", "invalid duration");
  ExpectError("duration('.s') > duration('0s')", "null", "invalid duration");
  ExpectError("duration('3000000h') > duration('0s')", "null", "invalid duration");
  ExpectError("duration('1s') < 1", "null", "no such overload");
}

TEST(CelFunctions, IsIPFollowsTheKubernetesLibrary) {
  EXPECT_EQ(Outcome("isIP('1.2.3.4') && isIP('0.0.0.0') && isIP('255.255.255.255')"), "true");
  EXPECT_EQ(Outcome("isIP('::1') && isIP('2001:db8::1') && isIP('::') && isIP('fe80::1:2:3:4')"),
            "true");
  EXPECT_EQ(Outcome("isIP('1:2:3:4:5:6:7:8') && isIP('::1.2.3.4') && isIP('64:ff9b::1.2.3.4')"),
            "true");
  EXPECT_EQ(Outcome("isIP('01.2.3.4')"), "false");  // leading zero
  EXPECT_EQ(Outcome("isIP('256.1.1.1')"), "false");
  EXPECT_EQ(Outcome("isIP('1.2.3')"), "false");
  EXPECT_EQ(Outcome("isIP('1.2.3.4.5')"), "false");
  EXPECT_EQ(Outcome("isIP('fe80::1%eth0')"), "false");    // zone
  EXPECT_EQ(Outcome("isIP('::ffff:1.2.3.4')"), "false");  // IPv4-mapped IPv6
  EXPECT_EQ(Outcome("isIP(':::1') || isIP('1::2::3') || isIP('12345::')"), "false");
  EXPECT_EQ(Outcome("isIP('1:2:3:4:5:6:7:8:9') || isIP('1:2:3:4:5:6:7::8')"), "false");
  EXPECT_EQ(Outcome("isIP('example.com') || isIP('') || isIP(' 1.2.3.4')"), "false");
}

TEST(CelFunctions, IpAndCidr) {
  EXPECT_EQ(Outcome("ip('1.2.3.4').family() == 4 && ip('::1').family() == 6"), "true");
  EXPECT_EQ(Outcome("ip('127.0.0.1').isLoopback() && ip('::1').isLoopback()"), "true");
  EXPECT_EQ(Outcome("ip('0.0.0.0').isUnspecified() && ip('::').isUnspecified()"), "true");
  EXPECT_EQ(Outcome("ip('169.254.1.1').isLinkLocalUnicast() && ip('fe80::1').isLinkLocalUnicast()"),
            "true");
  EXPECT_EQ(
      Outcome("ip('224.0.0.1').isLinkLocalMulticast() && ip('ff02::1').isLinkLocalMulticast()"),
      "true");
  EXPECT_EQ(
      Outcome("ip('192.168.0.1').isGlobalUnicast() && !ip('255.255.255.255').isGlobalUnicast()"),
      "true");
  EXPECT_EQ(Outcome("ip('2001:DB8::1') == ip('2001:db8:0::1')"), "true");
  EXPECT_EQ(Outcome("string(ip('2001:db8:0:0:1:0:0:1')) == '2001:db8::1:0:0:1'"), "true");
  EXPECT_EQ(Outcome("ip.isCanonical('2001:db8::abcd') && !ip.isCanonical('2001:DB8::ABCD')"),
            "true");
  ExpectError("ip('1.2.3').family() == 4", "null", "is not valid");
  EXPECT_EQ(Outcome("isCIDR('10.0.0.0/8') && isCIDR('2001:db8::/32') && isCIDR('1.2.3.4/32')"),
            "true");
  EXPECT_EQ(Outcome("isCIDR('10.0.0.0/33') || isCIDR('10.0.0.0/08') || isCIDR('10.0.0.0')"),
            "false");
  EXPECT_EQ(Outcome("isCIDR('fe80::/10%x') || isCIDR('::ffff:1.2.3.4/96')"), "false");
}

// ---------------------------------------------------------------------------
// Macros.

TEST(CelMacros, AllOverListsAndMapKeys) {
  EXPECT_EQ(Outcome("self.all(x, x > 0)", "[1, 2, 3]"), "true");
  EXPECT_EQ(Outcome("self.all(x, x > 1)", "[1, 2, 3]"), "false");
  EXPECT_EQ(Outcome("self.all(x, x > 1)", "[]"), "true");
  EXPECT_EQ(Outcome("self.all(k, k.startsWith('a'))", R"({"ab": 1, "ac": 2})"), "true");
  EXPECT_EQ(Outcome("self.all(k, self[k] > 1)", R"({"ab": 1, "ac": 2})"), "false");
}

TEST(CelMacros, AllAndExistsAbsorbErrors) {
  // The error for the first element is absorbed by the false/true of another.
  EXPECT_EQ(Outcome("self.all(x, x.v > 0)", R"([{}, {"v": 0}])"), "false");
  EXPECT_EQ(Outcome("self.exists(x, x.v > 0)", R"([{}, {"v": 1}])"), "true");
  ExpectError("self.all(x, x.v > 0)", R"([{}, {"v": 1}])", "no such key: v");
  ExpectError("self.exists(x, x.v > 0)", R"([{"v": 0}, {}])", "no such key: v");
  ExpectError("self.all(x, x)", "[1]", "no such overload");
}

TEST(CelMacros, ExistsStopsAtFirstMatch) {
  EXPECT_EQ(Outcome("self.exists(x, x == 2)", "[1, 2, 3]"), "true");
  EXPECT_EQ(Outcome("self.exists(x, x == 9)", "[1, 2, 3]"), "false");
  EXPECT_EQ(Outcome("self.exists(k, k == 'b')", R"({"a": 1, "b": 2})"), "true");
}

TEST(CelMacros, ExistsOneCountsExactlyOne) {
  EXPECT_EQ(Outcome("self.exists_one(x, x == 2)", "[1, 2, 3]"), "true");
  EXPECT_EQ(Outcome("self.exists_one(x, x > 1)", "[1, 2, 3]"), "false");
  EXPECT_EQ(Outcome("self.exists_one(x, x > 5)", "[1, 2, 3]"), "false");
  EXPECT_EQ(Outcome("self.exists_one(k, k == 'a')", R"({"a": 1, "b": 2})"), "true");
  ExpectError("self.exists_one(x, x.v == 1)", R"([{"v": 1}, {}])", "no such key");
}

TEST(CelMacros, FilterAndMap) {
  EXPECT_EQ(Outcome("self.filter(x, x % 2 == 1) == [1, 3]", "[1, 2, 3]"), "true");
  EXPECT_EQ(
      Outcome("self.filter(f, f.type == 'A').size() <= 1", R"([{"type": "A"}, {"type": "B"}])"),
      "true");
  EXPECT_EQ(Outcome("self.map(x, x * 2) == [2, 4, 6]", "[1, 2, 3]"), "true");
  EXPECT_EQ(Outcome("self.map(x, x > 1, x * 10) == [20, 30]", "[1, 2, 3]"), "true");
  EXPECT_EQ(Outcome("self.map(k, k + '!') == ['a!', 'b!']", R"({"a": 1, "b": 2})"), "true");
  EXPECT_EQ(Outcome("self.filter(k, self[k] > 1) == ['b']", R"({"a": 1, "b": 2})"), "true");
  EXPECT_EQ(Outcome("self.map(x, x.split('/')).map(l, l.size()) == [2, 1]", R"(["a/b", "c"])"),
            "true");
  ExpectError("self.filter(x, x.v) == []", R"([{}])", "no such key");
  ExpectError("self.map(x, 1 / x) == []", "[1, 0]", "division by zero");
}

TEST(CelMacros, NestedMacrosAndShadowing) {
  EXPECT_EQ(Outcome("self.all(a, self.exists_one(b, a == b))", "[1, 2, 3]"), "true");
  EXPECT_EQ(Outcome("self.all(a, self.exists_one(b, a == b))", "[1, 2, 1]"), "false");
  EXPECT_EQ(Outcome("[[1, 2], [3]].all(x, x.all(x, x > 0))"), "true");  // inner x shadows outer
  EXPECT_EQ(Outcome("[1].all(self, self == 1)", "{}"), "true");         // shadows self too
  ExpectError("self.all(x, x)", "1", "cannot iterate");
}

// ---------------------------------------------------------------------------
// Limits, threads.

TEST(CelEval, CostLimitStopsRunawayEvaluation) {
  std::string list = "[";
  for (int i = 0; i < 200; ++i) absl::StrAppend(&list, i == 0 ? "" : ",", i);
  list += "]";
  // 200^3 iterations exceed the API server's per-rule limit of 1,000,000.
  ExpectError("self.all(a, self.all(b, self.all(c, a + b + c >= 0)))", list,
              "actual cost limit exceeded");
  // The error is not absorbed by || or &&.
  ExpectError("self.all(a, self.all(b, self.all(c, a + b + c >= 0))) || true", list,
              "actual cost limit exceeded");
  EXPECT_EQ(Outcome("self.all(a, self.all(b, a + b >= 0))", list), "true");  // 40,000 is fine
}

TEST(CelEval, DoublingListsHitTheLimits) {
  std::string expr = "[[0]]";
  for (int i = 0; i < 60; ++i) expr += ".map(x, x + x)";
  ExpectError(expr + ".size() == 1", "null", "operation cancelled");
}

TEST(CelEval, ProgramsAreSafeToShareAcrossThreads) {
  absl::StatusOr<std::unique_ptr<const Program>> p =
      Program::Compile("self.all(h, h.matches('^[a-z.]+$') && h.split('.').size() >= 2)");
  ASSERT_TRUE(p.ok());
  const Value good = Json(R"(["a.example", "b.example"])");
  const Value bad = Json(R"(["a.example", "B"])");
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        absl::StatusOr<bool> g = (*p)->EvalBool(good, nullptr);
        absl::StatusOr<bool> b = (*p)->EvalBool(bad, nullptr);
        if (!g.ok() || !*g || !b.ok() || *b) ++failures[t];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

// ---------------------------------------------------------------------------
// The Gateway API v1.6.1 standard CRDs.

std::string SharedDir() {
  const char* env = std::getenv("GWAPI_SHARED_DIR");
  return env != nullptr && *env != '\0' ? env : "/work/shared";
}

void CollectRules(const Value& v, std::set<std::string>* rules) {
  if (v.is_object()) {
    for (const Value::Member& m : v.object()) {
      if (m.first == "x-kubernetes-validations" && m.second.is_array()) {
        for (const Value& r : m.second.array()) {
          if (const Value* rule = r.Find("rule"); rule != nullptr && rule->is_string()) {
            rules->insert(rule->string_value());
          }
        }
      }
      CollectRules(m.second, rules);
    }
  } else if (v.is_array()) {
    for (const Value& e : v.array()) CollectRules(e, rules);
  }
}

// Every distinct `rule` of every CRD in the standard channel; fails the
// calling test (never skips) when the files are missing.
std::set<std::string> LoadCrdRules() {
  const std::filesystem::path dir =
      std::filesystem::path(SharedDir()) / "gateway-api" / "v1.6.1" / "standard";
  std::set<std::string> rules;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    ADD_FAILURE() << "Gateway API CRDs not found at " << dir
                  << "; set GWAPI_SHARED_DIR to the directory holding gateway-api/v1.6.1";
    return rules;
  }
  int crds = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    model::DecodeLimits limits;
    limits.max_depth = 256;
    absl::StatusOr<std::vector<model::YamlDocument>> docs = model::ParseYaml(text.str(), limits);
    if (!docs.ok()) {
      ADD_FAILURE() << entry.path() << ": " << docs.status();
      continue;
    }
    for (const model::YamlDocument& doc : *docs) {
      if (doc.value.GetString("kind") != "CustomResourceDefinition") continue;
      ++crds;
      CollectRules(doc.value, &rules);
    }
  }
  EXPECT_GE(crds, 9) << "expected the standard-channel CRDs in " << dir;
  return rules;
}

TEST(GatewayApiRules, EveryCrdRuleCompiles) {
  const std::set<std::string> rules = LoadCrdRules();
  EXPECT_EQ(rules.size(), 79u) << "distinct rules in the v1.6.1 standard CRDs";
  for (const std::string& rule : rules) {
    absl::StatusOr<std::unique_ptr<const Program>> p = Program::Compile(rule);
    EXPECT_TRUE(p.ok()) << rule << "\n" << p.status();
    if (!p.ok()) continue;
    EXPECT_EQ((*p)->references_old_self(), absl::StrContains(rule, "oldSelf")) << rule;
    // Any input terminates with a bool or an error.
    for (const char* input : {"null", "{}", "[]", R"("")", "0", R"([{}])"}) {
      const Value v = Json(input);
      (void)(*p)->EvalBool(v, &v);
    }
  }
}

struct RuleCase {
  std::string rule;
  std::string valid;    // self that satisfies the rule
  std::string invalid;  // self the API server rejects with the rule's message
  std::string old_valid = "";
  std::string old_invalid = "";
};

// `n` GRPC/HTTP route rules with `per_rule` matches each.
std::string RouteRules(int n, int per_rule) {
  std::string matches = "[";
  for (int i = 0; i < per_rule; ++i) {
    absl::StrAppend(&matches, i ? "," : "", R"({"path": {"type": "PathPrefix", "value": "/"}})");
  }
  matches += "]";
  std::string out = "[";
  for (int i = 0; i < n; ++i) absl::StrAppend(&out, i ? "," : "", R"({"matches": )", matches, "}");
  return out + "]";
}

std::vector<RuleCase> RuleCases() {
  const std::string redirect_prefix =
      R"({"type": "RequestRedirect", "requestRedirect": {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/x"}}})";
  const std::string rewrite_prefix =
      R"({"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/x"}}})";
  const std::string prefix_match = R"([{"path": {"type": "PathPrefix", "value": "/a"}}])";
  const std::string exact_match = R"([{"path": {"type": "Exact", "value": "/a"}}])";
  return {
      {R"(self.all(p1, self.all(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name ? ((!has(p1.sectionName) || p1.sectionName == '') == (!has(p2.sectionName) || p2.sectionName == '')) : true)))",
       R"([{"group": "", "kind": "Service", "name": "a", "sectionName": "x"},
           {"group": "", "kind": "Service", "name": "a", "sectionName": "y"}])",
       R"([{"group": "", "kind": "Service", "name": "a"},
           {"group": "", "kind": "Service", "name": "a", "sectionName": "y"}])"},
      {R"(self.all(p1, self.exists_one(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.sectionName) || p1.sectionName == '') && (!has(p2.sectionName) || p2.sectionName == '')) || (has(p1.sectionName) && has(p2.sectionName) && p1.sectionName == p2.sectionName)))))",
       R"([{"group": "", "kind": "Service", "name": "a", "sectionName": "x"},
           {"group": "", "kind": "Service", "name": "a", "sectionName": "y"}])",
       R"([{"group": "", "kind": "Service", "name": "a", "sectionName": "x"},
           {"group": "", "kind": "Service", "name": "a", "sectionName": "x"}])"},
      {R"(!(self.type == "Hostname" && (!has(self.hostname) || self.hostname == "")))",
       R"({"type": "Hostname", "hostname": "a.example"})", R"({"type": "Hostname"})"},
      {R"(!(self.type != "Hostname" && has(self.hostname) && self.hostname != ""))",
       R"({"type": "URI", "uri": "spiffe://a", "hostname": ""})",
       R"({"type": "URI", "uri": "spiffe://a", "hostname": "a.example"})"},
      {R"(!(self.type == "URI" && (!has(self.uri) || self.uri == "")))",
       R"({"type": "URI", "uri": "spiffe://a"})", R"({"type": "URI", "uri": ""})"},
      {R"(!(self.type != "URI" && has(self.uri) && self.uri != ""))",
       R"({"type": "Hostname", "hostname": "h"})",
       R"({"type": "Hostname", "hostname": "h", "uri": "spiffe://a"})"},
      {R"(!(has(self.caCertificateRefs) && size(self.caCertificateRefs) > 0 && has(self.wellKnownCACertificates) && self.wellKnownCACertificates != ""))",
       R"({"caCertificateRefs": [{"name": "ca"}], "hostname": "a"})",
       R"({"caCertificateRefs": [{"name": "ca"}], "wellKnownCACertificates": "System"})"},
      {R"((has(self.caCertificateRefs) && size(self.caCertificateRefs) > 0 || has(self.wellKnownCACertificates) && self.wellKnownCACertificates != ""))",
       R"({"wellKnownCACertificates": "System"})", R"({"caCertificateRefs": []})"},
      {"self == oldSelf", R"("example.net/gateway-controller")",
       R"("example.net/gateway-controller")", R"("example.net/gateway-controller")",
       R"("example.net/other")"},
      {R"(self.type == 'Hostname' ? (!has(self.value) || self.value.matches(r"""^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$""")): true)",
       R"({"type": "Hostname", "value": "*.example.com"})",
       R"({"type": "Hostname", "value": "Example.com"})"},
      {R"(self.all(a1, a1.type == 'IPAddress' && has(a1.value) ? self.exists_one(a2, a2.type == a1.type && has(a2.value) && a2.value == a1.value) : true ))",
       R"([{"type": "IPAddress", "value": "10.0.0.1"}, {"type": "Hostname", "value": "10.0.0.1"}])",
       R"([{"type": "IPAddress", "value": "10.0.0.1"}, {"type": "IPAddress", "value": "10.0.0.1"}])"},
      {R"(self.all(a1, a1.type == 'Hostname'  && has(a1.value) ? self.exists_one(a2, a2.type == a1.type && has(a2.value) && a2.value == a1.value) : true ))",
       R"([{"type": "Hostname", "value": "a.example"}, {"type": "Hostname", "value": "b.example"}])",
       R"([{"type": "Hostname", "value": "a.example"}, {"type": "Hostname", "value": "a.example"}])"},
      {R"(self.all(key, key.matches(r"""^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$""")))",
       R"({"example.com/my-key": "v", "plain_Key.1": "v"})", R"({"example.com/-bad": "v"})"},
      {R"(self.all(key, key.split("/")[0].size() < 253))",
       absl::StrCat(R"({")", std::string(252, 'a'), R"(/key": "v", "plain": "v"})"),
       absl::StrCat(R"({")", std::string(253, 'a'), R"(/key": "v"})")},
      {R"(self.mode == 'Terminate' ? size(self.certificateRefs) > 0 || size(self.options) > 0 : true)",
       R"({"mode": "Terminate", "certificateRefs": [{"name": "cert"}], "options": {}})",
       R"({"mode": "Terminate", "certificateRefs": [], "options": {}})"},
      {R"(self.all(l, l.protocol in ['HTTP', 'TCP', 'UDP'] ? !has(l.tls) : true))",
       R"([{"name": "a", "protocol": "HTTPS", "port": 443, "tls": {"mode": "Terminate"}},
           {"name": "b", "protocol": "HTTP", "port": 80}])",
       R"([{"name": "a", "protocol": "TCP", "port": 80, "tls": {"mode": "Terminate"}}])"},
      {R"(self.all(l, (l.protocol == 'HTTPS' && has(l.tls)) ? (l.tls.mode == '' || l.tls.mode == 'Terminate') : true))",
       R"([{"name": "a", "protocol": "HTTPS", "tls": {"mode": "Terminate"}}])",
       R"([{"name": "a", "protocol": "HTTPS", "tls": {"mode": "Passthrough"}}])"},
      {R"(self.all(l, (l.protocol == 'TLS' ? has(l.tls) && has(l.tls.mode) && l.tls.mode != '' : true)))",
       R"([{"name": "a", "protocol": "TLS", "tls": {"mode": "Passthrough"}}])",
       R"([{"name": "a", "protocol": "TLS"}])"},
      {R"(self.all(l, l.protocol in ['TCP', 'UDP']  ? (!has(l.hostname) || l.hostname == '') : true))",
       R"([{"name": "a", "protocol": "TCP"}, {"name": "b", "protocol": "HTTP", "hostname": "h"}])",
       R"([{"name": "a", "protocol": "UDP", "hostname": "a.example"}])"},
      {"self.all(l1, self.exists_one(l2, l1.name == l2.name))", R"([{"name": "a"}, {"name": "b"}])",
       R"([{"name": "a"}, {"name": "a"}])"},
      {R"(self.all(l1, self.exists_one(l2, l1.port == l2.port && l1.protocol == l2.protocol && (has(l1.hostname) && has(l2.hostname) ? l1.hostname == l2.hostname : !has(l1.hostname) && !has(l2.hostname)))))",
       R"([{"port": 80, "protocol": "HTTP", "hostname": "a"}, {"port": 80, "protocol": "HTTP"}])",
       R"([{"port": 80, "protocol": "HTTP"}, {"port": 80, "protocol": "HTTP"}])"},
      {"self.all(t1, self.exists_one(t2, t1.port == t2.port))",
       R"([{"port": 443}, {"port": 8443}])", R"([{"port": 443}, {"port": 443}])"},
      {R"(self.type == 'Hostname' ? self.value.matches(r"""^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"""): true)",
       R"({"type": "IPAddress", "value": "not a hostname"})",
       R"({"type": "Hostname", "value": "-a.example"})"},
      // Namespaces differ, so the missing sectionName is fine; this reads
      // the `namespace` field through its escaped name.
      {R"(self.all(p1, self.all(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__ )) ? ((!has(p1.sectionName) || p1.sectionName == '') == (!has(p2.sectionName) || p2.sectionName == '')) : true)))",
       R"([{"group": "g", "kind": "Gateway", "name": "gw", "namespace": "a", "sectionName": "s"},
           {"group": "g", "kind": "Gateway", "name": "gw", "namespace": "b"}])",
       R"([{"group": "g", "kind": "Gateway", "name": "gw", "namespace": "a", "sectionName": "s"},
           {"group": "g", "kind": "Gateway", "name": "gw", "namespace": "a"}])"},
      {R"(self.all(p1, self.exists_one(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__ )) && (((!has(p1.sectionName) || p1.sectionName == '') && (!has(p2.sectionName) || p2.sectionName == '')) || (has(p1.sectionName) && has(p2.sectionName) && p1.sectionName == p2.sectionName)))))",
       R"([{"group": "g", "kind": "Gateway", "name": "gw", "namespace": "a"},
           {"group": "g", "kind": "Gateway", "name": "gw", "namespace": "b"}])",
       R"([{"group": "g", "kind": "Gateway", "name": "gw", "namespace": ""},
           {"group": "g", "kind": "Gateway", "name": "gw"}])"},
      {"(size(self.group) == 0 && self.kind == 'Service') ? has(self.port) : true",
       R"({"group": "", "kind": "Service", "name": "s", "port": 80})",
       R"({"group": "", "kind": "Service", "name": "s"})"},
      {"self.numerator <= self.denominator", R"({"numerator": 100, "denominator": 100})",
       R"({"numerator": 101, "denominator": 100})"},
      {"!(has(self.percent) && has(self.fraction))",
       R"({"backendRef": {"name": "s"}, "percent": 50})",
       R"({"backendRef": {"name": "s"}, "percent": 50, "fraction": {"numerator": 1}})"},
      {"!(has(self.requestHeaderModifier) && self.type != 'RequestHeaderModifier')",
       R"({"type": "RequestHeaderModifier", "requestHeaderModifier": {}})",
       R"({"type": "RequestMirror", "requestHeaderModifier": {}})"},
      {"!(!has(self.requestHeaderModifier) && self.type == 'RequestHeaderModifier')",
       R"({"type": "RequestHeaderModifier", "requestHeaderModifier": {}})",
       R"({"type": "RequestHeaderModifier"})"},
      {"self.filter(f, f.type == 'RequestHeaderModifier').size() <= 1",
       R"([{"type": "RequestHeaderModifier"}, {"type": "ResponseHeaderModifier"}])",
       R"([{"type": "RequestHeaderModifier"}, {"type": "RequestHeaderModifier"}])"},
      {"has(self.type) ? has(self.service) || has(self.method) : true",
       R"({"type": "Exact", "method": "Get"})", R"({"type": "Exact"})"},
      {R"((!has(self.type) || self.type == 'Exact') && has(self.service) ? self.service.matches(r"""^(?i)\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$"""): true)",
       R"({"service": "Foo.Bar_baz"})", R"({"type": "Exact", "service": "foo..bar"})"},
      {R"((!has(self.type) || self.type == 'Exact') && has(self.method) ? self.method.matches(r"""^[A-Za-z_][A-Za-z_0-9]*$"""): true)",
       R"({"type": "RegularExpression", "method": "1.*"})", R"({"method": "1bad"})"},
      {R"((self.size() > 0 ? (has(self[0].matches) ? self[0].matches.size() : 0) : 0) + (self.size() > 1 ? (has(self[1].matches) ? self[1].matches.size() : 0) : 0) + (self.size() > 2 ? (has(self[2].matches) ? self[2].matches.size() : 0) : 0) + (self.size() > 3 ? (has(self[3].matches) ? self[3].matches.size() : 0) : 0) + (self.size() > 4 ? (has(self[4].matches) ? self[4].matches.size() : 0) : 0) + (self.size() > 5 ? (has(self[5].matches) ? self[5].matches.size() : 0) : 0) + (self.size() > 6 ? (has(self[6].matches) ? self[6].matches.size() : 0) : 0) + (self.size() > 7 ? (has(self[7].matches) ? self[7].matches.size() : 0) : 0) + (self.size() > 8 ? (has(self[8].matches) ? self[8].matches.size() : 0) : 0) + (self.size() > 9 ? (has(self[9].matches) ? self[9].matches.size() : 0) : 0) + (self.size() > 10 ? (has(self[10].matches) ? self[10].matches.size() : 0) : 0) + (self.size() > 11 ? (has(self[11].matches) ? self[11].matches.size() : 0) : 0) + (self.size() > 12 ? (has(self[12].matches) ? self[12].matches.size() : 0) : 0) + (self.size() > 13 ? (has(self[13].matches) ? self[13].matches.size() : 0) : 0) + (self.size() > 14 ? (has(self[14].matches) ? self[14].matches.size() : 0) : 0) + (self.size() > 15 ? (has(self[15].matches) ? self[15].matches.size() : 0) : 0) <= 128)",
       // Rules without matches count zero.
       absl::StrCat("[{}, ", RouteRules(2, 64).substr(1)), RouteRules(3, 43)},
      {R"(!('*' in self && self.size() > 1))", R"(["*"])", R"(["*", "X-Custom"])"},
      {"self.type == 'ReplaceFullPath' ? has(self.replaceFullPath) : true",
       R"({"type": "ReplaceFullPath", "replaceFullPath": "/x"})", R"({"type": "ReplaceFullPath"})"},
      {"has(self.replaceFullPath) ? self.type == 'ReplaceFullPath' : true",
       R"({"type": "ReplacePrefixMatch", "replacePrefixMatch": "/x"})",
       R"({"type": "ReplacePrefixMatch", "replaceFullPath": "/x"})"},
      {"!(self.exists(f, f.type == 'RequestRedirect') && self.exists(f, f.type == 'URLRewrite'))",
       R"([{"type": "RequestRedirect"}, {"type": "RequestHeaderModifier"}])",
       R"([{"type": "RequestRedirect"}, {"type": "URLRewrite"}])"},
      {"self.filter(f, f.type == 'URLRewrite').size() <= 1", R"([{"type": "URLRewrite"}])",
       R"([{"type": "URLRewrite"}, {"type": "URLRewrite"}])"},
      {"(self.type in ['Exact','PathPrefix']) ? self.value.startsWith('/') : true",
       R"({"type": "RegularExpression", "value": "a.*"})", R"({"type": "Exact", "value": "a"})"},
      {"(self.type in ['Exact','PathPrefix']) ? !self.value.contains('//') : true",
       R"({"type": "PathPrefix", "value": "/a/b"})", R"({"type": "PathPrefix", "value": "/a//b"})"},
      {"(self.type in ['Exact','PathPrefix']) ? !self.value.contains('%2F') : true",
       R"({"type": "Exact", "value": "/a%20b"})", R"({"type": "Exact", "value": "/a%2Fb"})"},
      {"(self.type in ['Exact','PathPrefix']) ? !self.value.contains('#') : true",
       R"({"type": "Exact", "value": "/a"})", R"({"type": "Exact", "value": "/a#b"})"},
      {"(self.type in ['Exact','PathPrefix']) ? !self.value.endsWith('/..') : true",
       R"({"type": "Exact", "value": "/a/..b"})", R"({"type": "Exact", "value": "/a/.."})"},
      {"self.type in ['Exact','PathPrefix'] || self.type == 'RegularExpression'",
       R"({"type": "RegularExpression", "value": "/.*"})", R"({"type": "Glob", "value": "/"})"},
      {R"((self.type in ['Exact','PathPrefix']) ? self.value.matches(r"""^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$""") : true)",
       R"({"type": "Exact", "value": "/a%20b/c~d"})", R"({"type": "Exact", "value": "/a%zz"})"},
      {R"(!(has(self.request) && has(self.backendRequest) && duration(self.request) != duration('0s') && duration(self.backendRequest) > duration(self.request)))",
       R"({"request": "0s", "backendRequest": "1h"})",
       R"({"request": "1s", "backendRequest": "1m"})"},
      {R"((has(self.backendRefs) && size(self.backendRefs) > 0) ? (!has(self.filters) || self.filters.all(f, !has(f.requestRedirect))): true)",
       R"({"backendRefs": [{"name": "a"}], "filters": [{"type": "RequestHeaderModifier"}]})",
       R"({"backendRefs": [{"name": "a"}], "filters": [{"type": "RequestRedirect", "requestRedirect": {}}]})"},
      {R"((has(self.filters) && self.filters.exists_one(f, has(f.requestRedirect) && has(f.requestRedirect.path) && f.requestRedirect.path.type == 'ReplacePrefixMatch' && has(f.requestRedirect.path.replacePrefixMatch))) ? ((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != 'PathPrefix') ? false : true) : true)",
       absl::StrCat(R"({"filters": [)", redirect_prefix, R"(], "matches": )", prefix_match, "}"),
       absl::StrCat(R"({"filters": [)", redirect_prefix, R"(], "matches": )", exact_match, "}")},
      {R"((has(self.backendRefs) && self.backendRefs.exists_one(b, (has(b.filters) && b.filters.exists_one(f, has(f.urlRewrite) && has(f.urlRewrite.path) && f.urlRewrite.path.type == 'ReplacePrefixMatch' && has(f.urlRewrite.path.replacePrefixMatch))) )) ? ((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != 'PathPrefix') ? false : true) : true)",
       absl::StrCat(R"({"backendRefs": [{"name": "a", "filters": [)", rewrite_prefix,
                    R"(]}], "matches": )", prefix_match, "}"),
       absl::StrCat(R"({"backendRefs": [{"name": "a", "filters": [)", rewrite_prefix,
                    R"(]}], "matches": [{"path": {"type": "PathPrefix", "value": "/a"}}, {}]})")},
      {R"((self.size() > 0 ? self[0].matches.size() : 0) + (self.size() > 1 ? self[1].matches.size() : 0) + (self.size() > 2 ? self[2].matches.size() : 0) + (self.size() > 3 ? self[3].matches.size() : 0) + (self.size() > 4 ? self[4].matches.size() : 0) + (self.size() > 5 ? self[5].matches.size() : 0) + (self.size() > 6 ? self[6].matches.size() : 0) + (self.size() > 7 ? self[7].matches.size() : 0) + (self.size() > 8 ? self[8].matches.size() : 0) + (self.size() > 9 ? self[9].matches.size() : 0) + (self.size() > 10 ? self[10].matches.size() : 0) + (self.size() > 11 ? self[11].matches.size() : 0) + (self.size() > 12 ? self[12].matches.size() : 0) + (self.size() > 13 ? self[13].matches.size() : 0) + (self.size() > 14 ? self[14].matches.size() : 0) + (self.size() > 15 ? self[15].matches.size() : 0) <= 128)",
       RouteRules(2, 64), RouteRules(3, 43)},
      {R"(self.all(l1, !has(l1.port) || self.exists_one(l2, has(l2.port) && l1.port == l2.port && l1.protocol == l2.protocol && (has(l1.hostname) && has(l2.hostname) ? l1.hostname == l2.hostname : !has(l1.hostname) && !has(l2.hostname)))))",
       R"([{"name": "a", "protocol": "HTTP"}, {"name": "b", "protocol": "HTTP"}])",
       R"([{"name": "a", "port": 80, "protocol": "HTTP"}, {"name": "b", "port": 80, "protocol": "HTTP"}])"},
      {"self.all(h, !isIP(h))", R"(["example.com", "1.2.3.4.example", "01.2.3.4"])",
       R"(["example.com", "2001:db8::1"])"},
      {R"(self.all(h, !h.contains('*') ? h.matches('^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$') : true))",
       R"(["foo.example.com", "*.example.com"])", R"(["foo.example.com", "Foo.example.com"])"},
      {R"(self.all(h, h.contains('*') ? (h.startsWith('*.') && h.substring(2).matches('^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$')) : true))",
       R"(["*.example.com", "example.com"])", R"(["foo.*.example.com"])"},
  };
}

TEST(GatewayApiRules, HandWrittenCasesMatchTheApiServer) {
  const std::set<std::string> crd_rules = LoadCrdRules();
  const std::vector<RuleCase> cases = RuleCases();
  std::set<std::string> distinct;
  for (const RuleCase& c : cases) {
    SCOPED_TRACE(c.rule);
    distinct.insert(c.rule);
    EXPECT_TRUE(crd_rules.count(c.rule)) << "not a rule of the v1.6.1 standard CRDs";
    absl::StatusOr<std::unique_ptr<const Program>> p = Program::Compile(c.rule);
    ASSERT_TRUE(p.ok()) << p.status();
    const Value valid = Json(c.valid);
    const Value invalid = Json(c.invalid);
    const Value old_valid = Json(c.old_valid.empty() ? "null" : c.old_valid);
    const Value old_invalid = Json(c.old_invalid.empty() ? "null" : c.old_invalid);
    absl::StatusOr<bool> ok = (*p)->EvalBool(valid, c.old_valid.empty() ? nullptr : &old_valid);
    absl::StatusOr<bool> bad =
        (*p)->EvalBool(invalid, c.old_invalid.empty() ? nullptr : &old_invalid);
    ASSERT_TRUE(ok.ok()) << ok.status();
    ASSERT_TRUE(bad.ok()) << bad.status();
    EXPECT_TRUE(*ok) << "valid value rejected: " << c.valid;
    EXPECT_FALSE(*bad) << "invalid value accepted: " << c.invalid;
  }
  EXPECT_GE(distinct.size(), 30u);
}

// Cases whose outcome is an evaluation error in the API server too (the rule
// reads a field the object lacks), or that exercise a subtle edge of a rule.
TEST(GatewayApiRules, EdgeCases) {
  // certificateRefs and options both absent: size() of a missing field.
  ExpectError(
      "self.mode == 'Terminate' ? size(self.certificateRefs) > 0 || size(self.options) > 0 : true",
      R"({"mode": "Terminate"})", "no such key: certificateRefs");
  // ... but one true operand absorbs the other's error.
  EXPECT_EQ(Outcome("self.mode == 'Terminate' ? size(self.certificateRefs) > 0 || "
                    "size(self.options) > 0 : true",
                    R"({"mode": "Terminate", "options": {"k": "v"}})"),
            "true");
  // A wildcard must be the whole first label.
  EXPECT_EQ(
      Outcome(
          R"(self.all(h, h.contains('*') ? (h.startsWith('*.') && h.substring(2).matches('^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$')) : true))",
          R"(["*foo.example.com"])"),
      "false");
  // 253 characters of prefix before the slash are too many; the key itself
  // is checked elsewhere.
  EXPECT_EQ(Outcome(R"(self.all(key, key.split("/")[0].size() < 253))",
                    absl::StrCat(R"({")", std::string(300, 'a'), R"(": "v"})")),
            "false");
  // Timeouts: equal request and backendRequest are fine; 0s disables.
  const char* timeouts =
      R"(!(has(self.request) && has(self.backendRequest) && duration(self.request) != duration('0s') && duration(self.backendRequest) > duration(self.request)))";
  EXPECT_EQ(Outcome(timeouts, R"({"request": "1m", "backendRequest": "60s"})"), "true");
  EXPECT_EQ(Outcome(timeouts, R"({"request": "1h", "backendRequest": "59m59s"})"), "true");
  EXPECT_EQ(Outcome(timeouts, R"({"request": "10ms"})"), "true");
}

}  // namespace
}  // namespace gwapi::validate::cel
