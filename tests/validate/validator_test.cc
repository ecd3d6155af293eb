#include "lib/validate/validator.h"

#include <ostream>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/model/json.h"
#include "lib/model/limits.h"
#include "lib/model/value.h"
#include "lib/model/yaml.h"

namespace gwapi::validate {

// Lets gMock print errors readably.
void PrintTo(const FieldError& e, std::ostream* os) {
  *os << e.ToString() << "  [" << e.constraint << "]";
}

namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

model::Value Yaml(absl::string_view text) {
  auto docs = model::ParseYaml(text, model::DecodeLimits{});
  EXPECT_TRUE(docs.ok()) << docs.status();
  EXPECT_EQ(docs->size(), 1u);
  return (*docs)[0].value;
}

model::Value Json(absl::string_view text) {
  auto v = model::ParseJson(text, model::DecodeLimits{});
  EXPECT_TRUE(v.ok()) << v.status();
  return *v;
}

std::vector<FieldError> Validate(model::Value& object, const model::Value* old = nullptr) {
  return SchemaSet::Builtin().DefaultAndValidate(object, old);
}

std::string Dump(const std::vector<FieldError>& errors) {
  std::string out;
  for (const FieldError& e : errors) {
    absl::StrAppend(&out, "\n  ", e.ToString(), "  [", e.constraint, "]");
  }
  return out;
}

// An error on `field` from constraint `constraint`.
::testing::Matcher<const FieldError&> Error(absl::string_view field, absl::string_view constraint) {
  return AllOf(Field(&FieldError::field, std::string(field)),
               Field(&FieldError::constraint, std::string(constraint)));
}

::testing::Matcher<const FieldError&> Error(absl::string_view field, absl::string_view constraint,
                                            absl::string_view type) {
  return AllOf(Field(&FieldError::field, std::string(field)),
               Field(&FieldError::constraint, std::string(constraint)),
               Field(&FieldError::type, std::string(type)));
}

// The value at a path of object keys and array indices ("spec", "rules", 0).
const model::Value* At(const model::Value& v, std::vector<std::string> path) {
  const model::Value* cur = &v;
  for (const std::string& step : path) {
    if (cur->is_array()) {
      size_t i = std::stoul(step);
      if (i >= cur->array().size()) return nullptr;
      cur = &cur->array()[i];
    } else {
      cur = cur->Find(step);
      if (cur == nullptr) return nullptr;
    }
  }
  return cur;
}

constexpr absl::string_view kRoute = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
  namespace: default
spec:
  parentRefs:
  - name: gw
  hostnames: ["example.com"]
  rules:
  - matches:
    - path: {type: PathPrefix, value: /api}
    backendRefs:
    - name: svc
      port: 8080
)";

constexpr absl::string_view kGateway = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  gatewayClassName: cilium
  listeners:
  - name: http
    port: 80
    protocol: HTTP
)";

// Valid objects the tests edit: a route with one rule, a Gateway with one
// listener.
model::Value Route() { return Yaml(kRoute); }
model::Value Gateway() { return Yaml(kGateway); }

// The value at `path` (which must exist), for editing.
model::Value& Mut(model::Value& v, std::vector<std::string> path) {
  return *const_cast<model::Value*>(At(v, std::move(path)));
}

// ---------------------------------------------------------------------------
// Valid objects and defaulting.

TEST(HttpRouteValidation, ValidRouteHasNoErrors) {
  model::Value route = Route();
  std::vector<FieldError> errors = Validate(route);
  EXPECT_THAT(errors, IsEmpty()) << Dump(errors);
}

TEST(HttpRouteValidation, V1beta1IsServedWithTheSameSchema) {
  model::Value route = Route();
  route.Set("apiVersion", model::Value::String("gateway.networking.k8s.io/v1beta1"));
  EXPECT_THAT(Validate(route), IsEmpty());
  Mut(route, {"spec", "hostnames", "0"}) = model::Value::String("Example.com");
  EXPECT_THAT(Validate(route), Contains(Error("spec.hostnames[0]", "spec.hostnames[]#pattern")));
}

TEST(HttpRouteDefaulting, RuleWithoutMatchesGetsPathPrefixSlash) {
  model::Value route = Route();
  Mut(route, {"spec", "rules", "0"}).Erase("matches");
  ASSERT_THAT(Validate(route), IsEmpty());
  EXPECT_EQ(At(route, {"spec", "rules", "0", "matches"})->ToJson(),
            R"([{"path":{"type":"PathPrefix","value":"/"}}])");
}

TEST(HttpRouteDefaulting, RouteWithoutRulesGetsOneCatchAllRule) {
  model::Value route = Route();
  Mut(route, {"spec"}).Erase("rules");
  ASSERT_THAT(Validate(route), IsEmpty());
  EXPECT_EQ(At(route, {"spec", "rules"})->ToJson(),
            R"([{"matches":[{"path":{"type":"PathPrefix","value":"/"}}]}])");
}

TEST(HttpRouteDefaulting, BackendRefGetsWeightOneKindServiceAndEmptyGroup) {
  model::Value route = Route();
  ASSERT_THAT(Validate(route), IsEmpty());
  const model::Value* ref = At(route, {"spec", "rules", "0", "backendRefs", "0"});
  ASSERT_NE(ref, nullptr);
  EXPECT_EQ(*ref->Find("weight"), model::Value::Int(1));
  EXPECT_EQ(ref->GetString("kind"), "Service");
  ASSERT_NE(ref->Find("group"), nullptr);
  EXPECT_EQ(ref->GetString("group"), "");
}

TEST(HttpRouteDefaulting, ParentRefGetsGatewayGroupAndKind) {
  model::Value route = Route();
  ASSERT_THAT(Validate(route), IsEmpty());
  const model::Value* ref = At(route, {"spec", "parentRefs", "0"});
  EXPECT_EQ(ref->GetString("group"), "gateway.networking.k8s.io");
  EXPECT_EQ(ref->GetString("kind"), "Gateway");
}

TEST(HttpRouteDefaulting, HeaderMatchTypeDefaultsToExact) {
  model::Value route = Route();
  Mut(route, {"spec", "rules", "0", "matches", "0"})
      .Set("headers", Yaml("[{name: x-env, value: canary}]"));
  ASSERT_THAT(Validate(route), IsEmpty());
  EXPECT_EQ(At(route, {"spec", "rules", "0", "matches", "0", "headers", "0"})->GetString("type"),
            "Exact");
}

TEST(HttpRouteDefaulting, NullWithDefaultIsDefaultedAndNullWithoutDefaultIsDropped) {
  model::Value route = Route();
  model::Value& ref = Mut(route, {"spec", "rules", "0", "backendRefs", "0"});
  ref.Set("weight", model::Value());
  ref.Set("namespace", model::Value());
  ASSERT_THAT(Validate(route), IsEmpty());
  EXPECT_EQ(*ref.Find("weight"), model::Value::Int(1));
  EXPECT_EQ(ref.Find("namespace"), nullptr);
}

TEST(HttpRouteDefaulting, UnknownFieldsArePrunedSilently) {
  model::Value route = Route();
  Mut(route, {"spec"}).Set("colour", model::Value::String("blue"));
  Mut(route, {"spec", "rules", "0"}).Set("priority", model::Value::Int(3));
  route.Set("extra", model::Value::Bool(true));
  ASSERT_THAT(Validate(route), IsEmpty());
  EXPECT_EQ(At(route, {"spec", "colour"}), nullptr);
  EXPECT_EQ(At(route, {"spec", "rules", "0", "priority"}), nullptr);
  EXPECT_EQ(route.Find("extra"), nullptr);
}

TEST(HttpRouteDefaulting, StatusIsDropped) {
  model::Value route = Route();
  route.Set("status", Yaml("{parents: [{controllerName: x}]}"));
  ASSERT_THAT(Validate(route), IsEmpty());
  EXPECT_EQ(route.Find("status"), nullptr);
}

TEST(HttpRouteDefaulting, IntegralDoubleInIntegerFieldBecomesInteger) {
  model::Value route = Json(R"({"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute",
      "metadata":{"name":"r"},"spec":{"rules":[{"backendRefs":[{"name":"s","port":8080.0}]}]}})");
  ASSERT_THAT(Validate(route), IsEmpty());
  const model::Value* port = At(route, {"spec", "rules", "0", "backendRefs", "0", "port"});
  ASSERT_TRUE(port->is_int());
  EXPECT_EQ(port->int_value(), 8080);
}

TEST(HttpRouteValidation, FractionalNumberInIntegerFieldIsATypeError) {
  model::Value route = Json(R"({"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute",
      "metadata":{"name":"r"},"spec":{"rules":[{"backendRefs":[{"name":"s","port":80.5}]}]}})");
  EXPECT_THAT(Validate(route), Contains(Error("spec.rules[0].backendRefs[0].port",
                                              "spec.rules[].backendRefs[].port#type")));
}

TEST(GatewayDefaulting, ListenerGetsAllowedRoutesFromSameNamespace) {
  model::Value gw = Gateway();
  ASSERT_THAT(Validate(gw), IsEmpty());
  EXPECT_EQ(
      At(gw, {"spec", "listeners", "0", "allowedRoutes", "namespaces", "from"})->string_value(),
      "Same");
}

TEST(GatewayDefaulting, AddressTypeDefaultsToIPAddress) {
  model::Value gw = Gateway();
  Mut(gw, {"spec"}).Set("addresses", Yaml("[{value: 10.0.0.1}]"));
  ASSERT_THAT(Validate(gw), IsEmpty());
  EXPECT_EQ(At(gw, {"spec", "addresses", "0"})->GetString("type"), "IPAddress");
}

// ---------------------------------------------------------------------------
// The inputs of the brief, each rejected on the right field.

TEST(HttpRouteValidation, HostnameWithCapitalLetterIsRejected) {
  model::Value route = Route();
  Mut(route, {"spec", "hostnames", "0"}) = model::Value::String("Example.com");
  std::vector<FieldError> errors = Validate(route);
  ASSERT_THAT(errors, SizeIs(1)) << Dump(errors);
  EXPECT_THAT(errors,
              Contains(Error("spec.hostnames[0]", "spec.hostnames[]#pattern", "Invalid value")));
}

TEST(HttpRouteValidation, PathValueWithoutLeadingSlashIsRejected) {
  model::Value route = Route();
  Mut(route, {"spec", "rules", "0", "matches", "0", "path", "value"}) = model::Value::String("foo");
  std::vector<FieldError> errors = Validate(route);
  EXPECT_THAT(errors, Contains(Error("spec.rules[0].matches[0].path",
                                     "spec.rules[].matches[].path#x-kubernetes-validations[0]",
                                     "Invalid value")))
      << Dump(errors);
}

TEST(GatewayValidation, ListenerPortZeroIsRejected) {
  model::Value gw = Gateway();
  Mut(gw, {"spec", "listeners", "0", "port"}) = model::Value::Int(0);
  EXPECT_THAT(Validate(gw), Contains(Error("spec.listeners[0].port",
                                           "spec.listeners[].port#minimum", "Invalid value")));
}

TEST(GatewayValidation, ListenerPort65536IsRejected) {
  model::Value gw = Gateway();
  Mut(gw, {"spec", "listeners", "0", "port"}) = model::Value::Int(65536);
  EXPECT_THAT(Validate(gw), Contains(Error("spec.listeners[0].port",
                                           "spec.listeners[].port#maximum", "Invalid value")));
}

TEST(GatewayValidation, TwoListenersWithTheSameNameAreRejected) {
  model::Value gw = Gateway();
  Mut(gw, {"spec", "listeners"})
      .mutable_array()
      .push_back(Yaml("{name: http, port: 8080, protocol: HTTP}"));
  std::vector<FieldError> errors = Validate(gw);
  EXPECT_THAT(errors, Contains(Error("spec.listeners[1]", "spec.listeners#x-kubernetes-list-type",
                                     "Duplicate value")))
      << Dump(errors);
  // The CRD's own CEL rule says it too.
  EXPECT_THAT(errors,
              Contains(Error("spec.listeners", "spec.listeners#x-kubernetes-validations[4]")));
}

TEST(HttpRouteValidation, SeventeenRulesAreTooMany) {
  model::Value route = Route();
  model::Value::Array& rules = Mut(route, {"spec", "rules"}).mutable_array();
  while (rules.size() < 17) rules.push_back(rules[0]);
  std::vector<FieldError> errors = Validate(route);
  EXPECT_THAT(errors, Contains(AllOf(Error("spec.rules", "spec.rules#maxItems", "Too many"),
                                     Field(&FieldError::value, "17"))));
}

TEST(HttpRouteValidation, BackendWeightAboveOneMillionIsRejected) {
  model::Value route = Route();
  Mut(route, {"spec", "rules", "0", "backendRefs", "0"}).Set("weight", model::Value::Int(1000001));
  EXPECT_THAT(Validate(route),
              Contains(Error("spec.rules[0].backendRefs[0].weight",
                             "spec.rules[].backendRefs[].weight#maximum", "Invalid value")));
}

TEST(GatewayClassValidation, ControllerNameChangeIsRejectedOnUpdate) {
  constexpr absl::string_view kClass = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: cilium}
spec: {controllerName: io.cilium/gateway-controller}
)";
  model::Value old = Yaml(kClass);
  ASSERT_THAT(Validate(old), IsEmpty());  // create: no oldSelf, rule skipped

  model::Value same = Yaml(kClass);
  EXPECT_THAT(Validate(same, &old), IsEmpty());

  model::Value changed = Yaml(kClass);
  Mut(changed, {"spec", "controllerName"}) = model::Value::String("example.com/other");
  std::vector<FieldError> errors = Validate(changed, &old);
  ASSERT_THAT(errors, SizeIs(1)) << Dump(errors);
  EXPECT_THAT(errors[0], Error("spec.controllerName",
                               "spec.controllerName#x-kubernetes-validations[0]", "Invalid value"));
  EXPECT_EQ(errors[0].detail, "Value is immutable");
  EXPECT_EQ(errors[0].value, R"("example.com/other")");
}

// ---------------------------------------------------------------------------
// Every keyword kind.

TEST(SchemaValidation, WrongTypeIsATypeErrorAndSkipsTheRules) {
  model::Value gw = Gateway();
  Mut(gw, {"spec", "listeners", "0", "port"}) = model::Value::String("80");
  std::vector<FieldError> errors = Validate(gw);
  EXPECT_THAT(errors, Contains(Error("spec.listeners[0].port", "spec.listeners[].port#type",
                                     "Invalid value")));
  // As the API server: no CEL rule runs on a mistyped object, and it says so.
  EXPECT_THAT(errors, Contains(Error("<nil>", "#x-kubernetes-validations")));
}

TEST(SchemaValidation, EnumMismatchIsUnsupportedValue) {
  model::Value route = Route();
  Mut(route, {"spec", "rules", "0", "matches", "0", "path", "type"}) = model::Value::String("Glob");
  EXPECT_THAT(Validate(route),
              Contains(Error("spec.rules[0].matches[0].path.type",
                             "spec.rules[].matches[].path.type#enum", "Unsupported value")));
}

TEST(SchemaValidation, IntegerEnumMatchesItsValues) {
  model::Value route = Route();
  model::Value& rule = Mut(route, {"spec", "rules", "0"});
  rule.Erase("backendRefs");
  rule.Set("filters", Yaml("[{type: RequestRedirect, requestRedirect: {statusCode: 301}}]"));
  EXPECT_THAT(Validate(route), IsEmpty());
  Mut(rule, {"filters", "0", "requestRedirect", "statusCode"}) = model::Value::Int(399);
  EXPECT_THAT(Validate(route),
              Contains(Error("spec.rules[0].filters[0].requestRedirect.statusCode",
                             "spec.rules[].filters[].requestRedirect.statusCode#enum",
                             "Unsupported value")));
}

TEST(SchemaValidation, EmptyStringBelowMinLengthIsInvalid) {
  model::Value route = Route();
  Mut(route, {"spec", "parentRefs", "0", "name"}) = model::Value::String("");
  EXPECT_THAT(Validate(route),
              Contains(Error("spec.parentRefs[0].name", "spec.parentRefs[].name#minLength",
                             "Invalid value")));
}

TEST(SchemaValidation, StringAboveMaxLengthIsTooLong) {
  model::Value route = Route();
  Mut(route, {"spec", "hostnames", "0"}) = model::Value::String(std::string(254, 'a'));
  EXPECT_THAT(Validate(route),
              Contains(Error("spec.hostnames[0]", "spec.hostnames[]#maxLength", "Too long")));
}

TEST(SchemaValidation, MaxLengthCountsCodePointsNotBytes) {
  model::Value gw = Gateway();
  // 4096 two-byte characters: 8192 bytes, but within maxLength 4096.
  std::string value;
  for (int i = 0; i < 4096; ++i) value += "\xc3\xa9";
  Mut(gw, {"spec"}).Set("infrastructure", Yaml("{annotations: {}}"));
  Mut(gw, {"spec", "infrastructure", "annotations"})
      .Set("example.com/note", model::Value::String(value));
  EXPECT_THAT(Validate(gw), IsEmpty());
  value += "\xc3\xa9";
  Mut(gw, {"spec", "infrastructure", "annotations", "example.com/note"}) =
      model::Value::String(value);
  EXPECT_THAT(Validate(gw),
              Contains(Error("spec.infrastructure.annotations[example.com/note]",
                             "spec.infrastructure.annotations{}#maxLength", "Too long")));
}

TEST(SchemaValidation, EmptyListBelowMinItemsIsInvalid) {
  model::Value gw = Gateway();
  Mut(gw, {"spec", "listeners"}) = model::Value::MakeArray();
  EXPECT_THAT(Validate(gw),
              Contains(Error("spec.listeners", "spec.listeners#minItems", "Invalid value")));
}

TEST(SchemaValidation, MissingRequiredFieldIsRequiredValue) {
  model::Value gw = Gateway();
  Mut(gw, {"spec"}).Erase("gatewayClassName");
  Mut(gw, {"spec", "listeners", "0"}).Erase("protocol");
  std::vector<FieldError> errors = Validate(gw);
  EXPECT_THAT(errors, Contains(Error("spec.gatewayClassName", "spec.gatewayClassName#required",
                                     "Required value")));
  EXPECT_THAT(errors, Contains(Error("spec.listeners[0].protocol",
                                     "spec.listeners[].protocol#required", "Required value")));
}

TEST(SchemaValidation, MissingSpecIsRequiredAtTheRoot) {
  model::Value gw = Gateway();
  gw.Erase("spec");
  EXPECT_THAT(Validate(gw), Contains(Error("spec", "spec#required", "Required value")));
}

TEST(SchemaValidation, MapAboveMaxPropertiesIsTooMany) {
  model::Value gw = Gateway();
  model::Value labels = model::Value::MakeObject();
  for (int i = 0; i < 9; ++i) labels.Set(absl::StrCat("k", i), model::Value::String("v"));
  Mut(gw, {"spec"}).Set("infrastructure", model::Value::MakeObject());
  Mut(gw, {"spec", "infrastructure"}).Set("labels", labels);
  EXPECT_THAT(Validate(gw),
              Contains(AllOf(Error("spec.infrastructure.labels",
                                   "spec.infrastructure.labels#maxProperties", "Too many"),
                             Field(&FieldError::value, "9"))));
}

TEST(SchemaValidation, MapValuesAreCheckedUnderTheirKey) {
  model::Value gw = Gateway();
  Mut(gw, {"spec"}).Set("infrastructure", Yaml("{labels: {app: -bad-}}"));
  EXPECT_THAT(Validate(gw), Contains(Error("spec.infrastructure.labels[app]",
                                           "spec.infrastructure.labels{}#pattern")));
}

TEST(SchemaValidation, AddressThatIsNoIPFailsOneOfAndReportsTheFormat) {
  model::Value gw = Gateway();
  Mut(gw, {"spec"}).Set("addresses", Yaml("[{type: IPAddress, value: not-an-ip}]"));
  std::vector<FieldError> errors = Validate(gw);
  EXPECT_THAT(errors, Contains(Error("spec.addresses[0]", "spec.addresses[]#oneOf")))
      << Dump(errors);
  EXPECT_THAT(errors, Contains(Error("spec.addresses[0].value",
                                     "spec.addresses[]#oneOf[0].properties.value.anyOf")));
  EXPECT_THAT(errors,
              Contains(Error("spec.addresses[0].value",
                             "spec.addresses[]#oneOf[0].properties.value.anyOf[0].format")));
}

TEST(SchemaValidation, IPv6AddressSatisfiesTheAnyOf) {
  model::Value gw = Gateway();
  Mut(gw, {"spec"}).Set("addresses", Yaml("[{type: IPAddress, value: 'fd00::1'}]"));
  EXPECT_THAT(Validate(gw), IsEmpty());
}

TEST(SchemaValidation, DuplicateInSetListIsDuplicateValue) {
  model::Value route = Route();
  Mut(route, {"spec", "rules", "0"})
      .Set("filters",
           Yaml("[{type: RequestHeaderModifier, requestHeaderModifier: {remove: [a, b, a]}}]"));
  std::vector<FieldError> errors = Validate(route);
  EXPECT_THAT(errors,
              Contains(AllOf(Error("spec.rules[0].filters[0].requestHeaderModifier.remove[2]",
                                   "spec.rules[].filters[].requestHeaderModifier.remove#"
                                   "x-kubernetes-list-type",
                                   "Duplicate value"),
                             Field(&FieldError::value, R"("a")"))))
      << Dump(errors);
}

TEST(SchemaValidation, DuplicateMapListKeyCountsDefaultedKeys) {
  // Service ports are keyed by port and protocol; protocol defaults to TCP.
  model::Value svc = Yaml(R"(
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  ports:
  - {port: 80}
  - {port: 80, protocol: TCP}
  - {port: 80, protocol: UDP}
)");
  std::vector<FieldError> errors = Validate(svc);
  ASSERT_THAT(errors, SizeIs(1)) << Dump(errors);
  EXPECT_THAT(errors[0],
              Error("spec.ports[1]", "spec.ports#x-kubernetes-list-type", "Duplicate value"));
  EXPECT_EQ(errors[0].value, R"({"port":80,"protocol":"TCP"})");
}

TEST(SchemaValidation, Int32FormatRejectsOutOfRangeIntegers) {
  model::Value svc = Yaml(R"(
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  ports: [{port: 2147483648}]
)");
  std::vector<FieldError> errors = Validate(svc);
  EXPECT_THAT(errors, Contains(Error("spec.ports[0].port", "spec.ports[].port#format")));
  EXPECT_THAT(errors, Contains(Error("spec.ports[0].port", "spec.ports[].port#maximum")));
}

// ---------------------------------------------------------------------------
// Every error at once, paths, ids and message forms.

TEST(SchemaValidation, EveryErrorIsReportedAtOnce) {
  model::Value route = Route();
  Mut(route, {"spec", "hostnames", "0"}) = model::Value::String("Bad_Host");
  Mut(route, {"spec", "parentRefs", "0"}).Erase("name");
  Mut(route, {"spec", "rules", "0", "backendRefs", "0"}).Set("weight", model::Value::Int(-1));
  Mut(route, {"spec", "rules", "0", "matches", "0", "path", "type"}) = model::Value::String("Glob");
  std::vector<FieldError> errors = Validate(route);
  EXPECT_THAT(errors, Contains(Error("spec.hostnames[0]", "spec.hostnames[]#pattern")));
  EXPECT_THAT(errors,
              Contains(Error("spec.parentRefs[0].name", "spec.parentRefs[].name#required")));
  EXPECT_THAT(errors, Contains(Error("spec.rules[0].backendRefs[0].weight",
                                     "spec.rules[].backendRefs[].weight#minimum")));
  EXPECT_THAT(errors, Contains(Error("spec.rules[0].matches[0].path.type",
                                     "spec.rules[].matches[].path.type#enum")));
}

TEST(SchemaValidation, EveryCelRuleFailureIsReportedAtOnce) {
  model::Value route = Route();
  Mut(route, {"spec", "rules", "0", "matches", "0", "path", "value"}) =
      model::Value::String("a//b");
  Mut(route, {"spec", "rules", "0", "backendRefs", "0"}).Erase("port");
  std::vector<FieldError> errors = Validate(route);
  // "start with '/'" and "must not contain '//'" on the path, and the
  // backendRef's "Must have port for Service reference".
  EXPECT_THAT(errors, Contains(Error("spec.rules[0].matches[0].path",
                                     "spec.rules[].matches[].path#x-kubernetes-validations[0]")));
  EXPECT_THAT(errors, Contains(Error("spec.rules[0].matches[0].path",
                                     "spec.rules[].matches[].path#x-kubernetes-validations[1]")));
  EXPECT_THAT(errors, Contains(Error("spec.rules[0].backendRefs[0]",
                                     "spec.rules[].backendRefs[]#x-kubernetes-validations[0]")));
}

TEST(ErrorFormat, PatternErrorReadsAsTheApiServerPrintsIt) {
  model::Value route = Route();
  Mut(route, {"spec", "hostnames", "0"}) = model::Value::String("Example.com");
  std::vector<FieldError> errors = Validate(route);
  ASSERT_THAT(errors, SizeIs(1)) << Dump(errors);
  EXPECT_EQ(errors[0].ToString(),
            "spec.hostnames[0]: Invalid value: \"Example.com\": spec.hostnames[0] in body should "
            "match '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'");
}

TEST(ErrorFormat, TooManyTooLongRequiredAndUnsupportedReadAsUpstream) {
  model::Value route = Route();
  model::Value::Array& rules = Mut(route, {"spec", "rules"}).mutable_array();
  while (rules.size() < 17) rules.push_back(rules[0]);
  Mut(route, {"spec", "hostnames", "0"}) = model::Value::String(std::string(254, 'a'));
  Mut(route, {"spec", "parentRefs", "0"}).Erase("name");
  Mut(route, {"spec", "rules", "0", "matches", "0", "path", "type"}) = model::Value::String("Glob");
  std::vector<std::string> lines;
  for (const FieldError& e : Validate(route)) lines.push_back(e.ToString());
  EXPECT_THAT(lines, Contains("spec.rules: Too many: 17: must have at most 16 items"));
  EXPECT_THAT(lines, Contains("spec.hostnames[0]: Too long: may not be more than 253 bytes"));
  EXPECT_THAT(lines, Contains("spec.parentRefs[0].name: Required value"));
  EXPECT_THAT(lines,
              Contains("spec.rules[0].matches[0].path.type: Unsupported value: \"Glob\": "
                       "supported values: \"Exact\", \"PathPrefix\", \"RegularExpression\""));
  EXPECT_THAT(lines, Contains("<nil>: Invalid value: null: some validation rules were not checked "
                              "because the object was invalid; correct the existing errors to "
                              "complete validation"));
}

TEST(ErrorFormat, TypeErrorNamesBothTypes) {
  model::Value gw = Gateway();
  Mut(gw, {"spec", "listeners", "0", "port"}) = model::Value::String("80");
  std::vector<FieldError> errors = Validate(gw);
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].ToString(),
            "spec.listeners[0].port: Invalid value: \"string\": spec.listeners[0].port in body "
            "must be of type integer: \"string\"");
}

TEST(ErrorFormat, CelFailureUsesTheRuleMessageAndOmitsObjectValues) {
  model::Value route = Route();
  Mut(route, {"spec", "rules", "0", "backendRefs", "0"}).Erase("port");
  std::vector<FieldError> errors = Validate(route);
  ASSERT_THAT(errors, SizeIs(1)) << Dump(errors);
  EXPECT_EQ(errors[0].ToString(),
            "spec.rules[0].backendRefs[0]: Invalid value: Must have port for Service reference");
}

TEST(ErrorFormat, ReportedConstraintsAreListedByConstraints) {
  std::set<std::string> listed;
  for (const Constraint& c : SchemaSet::Builtin().Constraints()) {
    if (c.kind == "HTTPRoute" && c.version == "v1") {
      listed.insert(absl::StrCat(c.schema_path, "#", c.keyword));
    }
  }
  model::Value route = Route();
  Mut(route, {"spec", "hostnames", "0"}) = model::Value::String("Bad_Host");
  Mut(route, {"spec", "parentRefs", "0"}).Erase("name");
  Mut(route, {"spec", "rules", "0", "matches", "0", "path", "type"}) = model::Value::String("X");
  Mut(route, {"spec", "rules", "0", "backendRefs", "0"}).Set("weight", model::Value::Int(-1));
  std::vector<FieldError> errors = Validate(route);
  ASSERT_THAT(errors, SizeIs(5)) << Dump(errors);  // four and the CEL note
  for (const FieldError& e : errors) {
    if (e.field == "<nil>") continue;
    EXPECT_TRUE(listed.count(e.constraint)) << e.constraint;
  }
}

TEST(Constraints, IdsAreUniquePerSchemaAndCoverEveryCelRule) {
  std::set<std::string> ids;
  int http_route_rules = 0;
  for (const Constraint& c : SchemaSet::Builtin().Constraints()) {
    std::string id =
        absl::StrCat(c.group, "/", c.version, "/", c.kind, " ", c.schema_path, "#", c.keyword);
    EXPECT_TRUE(ids.insert(id).second) << id;
    if (c.kind == "HTTPRoute" && c.version == "v1" &&
        c.keyword.rfind("x-kubernetes-validations[", 0) == 0) {
      ++http_route_rules;
    }
  }
  // 89 rule occurrences in HTTPRoute v1 (see shared/reference/reliability.md).
  EXPECT_EQ(http_route_rules, 89);
  EXPECT_TRUE(
      ids.count("gateway.networking.k8s.io/v1/HTTPRoute "
                "spec.rules[].matches[].path.value#maxLength"));
  EXPECT_TRUE(
      ids.count("gateway.networking.k8s.io/v1/Gateway "
                "spec.addresses[]#oneOf[1].properties.type.not"));
  EXPECT_TRUE(ids.count("gateway.networking.k8s.io/v1/HTTPRoute spec.parentRefs[].name#required"));
}

// ---------------------------------------------------------------------------
// ObjectMeta.

TEST(ObjectMetaValidation, MissingNameIsRequiredAndSkipsTheRules) {
  model::Value route = Route();
  Mut(route, {"metadata"}).Erase("name");
  std::vector<FieldError> errors = Validate(route);
  EXPECT_THAT(errors, Contains(Error("metadata.name", "metadata.name#required", "Required value")));
  EXPECT_THAT(errors, Contains(Error("<nil>", "#x-kubernetes-validations")));
}

TEST(ObjectMetaValidation, CustomResourceNameMustBeADnsSubdomain) {
  model::Value route = Route();
  Mut(route, {"metadata", "name"}) = model::Value::String("Web_Route");
  EXPECT_THAT(Validate(route),
              Contains(Error("metadata.name", "metadata.name#dns1123Subdomain", "Invalid value")));
  Mut(route, {"metadata", "name"}) = model::Value::String("web.route-1");
  EXPECT_THAT(Validate(route), IsEmpty());
}

TEST(ObjectMetaValidation, ServiceNameMustBeADns1035Label) {
  model::Value svc = Yaml("{apiVersion: v1, kind: Service, metadata: {name: 1web, namespace: a}}");
  EXPECT_THAT(Validate(svc),
              Contains(Error("metadata.name", "metadata.name#dns1035Label", "Invalid value")));
}

TEST(ObjectMetaValidation, NamespaceNameMustBeADns1123Label) {
  model::Value ns = Yaml("{apiVersion: v1, kind: Namespace, metadata: {name: a.b}}");
  EXPECT_THAT(Validate(ns),
              Contains(Error("metadata.name", "metadata.name#dns1123Label", "Invalid value")));
}

TEST(ObjectMetaValidation, NamespaceMustBeADns1123Label) {
  model::Value route = Route();
  Mut(route, {"metadata", "namespace"}) = model::Value::String("Team_A");
  EXPECT_THAT(Validate(route), Contains(Error("metadata.namespace",
                                              "metadata.namespace#dns1123Label", "Invalid value")));
}

TEST(ObjectMetaValidation, ClusterScopedObjectLosesItsNamespace) {
  model::Value gc = Yaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: cilium, namespace: default}
spec: {controllerName: io.cilium/gateway-controller}
)");
  EXPECT_THAT(Validate(gc), IsEmpty());
  EXPECT_EQ(At(gc, {"metadata", "namespace"}), nullptr);
}

TEST(ObjectMetaValidation, LabelKeysAndValuesAreChecked) {
  model::Value route = Route();
  Mut(route, {"metadata"}).Set("labels", Yaml("{'bad key': ok, app: 'no spaces'}"));
  std::vector<FieldError> errors = Validate(route);
  EXPECT_THAT(errors, Contains(AllOf(Error("metadata.labels", "metadata.labels#qualifiedName"),
                                     Field(&FieldError::value, R"("bad key")"))));
  EXPECT_THAT(errors, Contains(AllOf(Error("metadata.labels", "metadata.labels#labelValue"),
                                     Field(&FieldError::value, R"("no spaces")"))));
  Mut(route, {"metadata"}).Set("labels", Yaml("{example.com/app: web, tier: ''}"));
  EXPECT_THAT(Validate(route), IsEmpty());
}

TEST(ObjectMetaValidation, AnnotationKeysAndTotalSizeAreChecked) {
  model::Value route = Route();
  Mut(route, {"metadata"}).Set("annotations", Yaml("{'a/b/c': x}"));
  EXPECT_THAT(Validate(route),
              Contains(Error("metadata.annotations", "metadata.annotations#qualifiedName")));
  model::Value big = model::Value::MakeObject();
  big.Set("note", model::Value::String(std::string(256 * 1024, 'x')));
  Mut(route, {"metadata"}).Set("annotations", big);
  EXPECT_THAT(Validate(route), Contains(Error("metadata.annotations",
                                              "metadata.annotations#totalSize", "Too long")));
}

TEST(ObjectMetaValidation, KubectlOutputMetadataIsAcceptedAndUnknownFieldsPruned) {
  model::Value route = Route();
  model::Value& md = Mut(route, {"metadata"});
  md.Set("uid", model::Value::String("5f1c"));
  md.Set("resourceVersion", model::Value::String("123"));
  md.Set("generation", model::Value::Int(2));
  md.Set("creationTimestamp", model::Value());
  md.Set("managedFields", Yaml("[{manager: kubectl, operation: Apply}]"));
  md.Set("bogus", model::Value::Int(1));
  EXPECT_THAT(Validate(route), IsEmpty());
  EXPECT_EQ(md.Find("bogus"), nullptr);
  EXPECT_EQ(md.Find("creationTimestamp"), nullptr);
  EXPECT_NE(md.Find("managedFields"), nullptr);
}

TEST(ObjectMetaValidation, BadCreationTimestampIsAFormatError) {
  model::Value route = Route();
  Mut(route, {"metadata"}).Set("creationTimestamp", model::Value::String("yesterday"));
  EXPECT_THAT(Validate(route),
              Contains(Error("metadata.creationTimestamp", "metadata.creationTimestamp#format")));
  Mut(route, {"metadata", "creationTimestamp"}) = model::Value::String("2024-02-29T10:00:00Z");
  EXPECT_THAT(Validate(route), IsEmpty());
}

// ---------------------------------------------------------------------------
// Kinds.

TEST(KindLookup, UnknownKindIsOneUnsupportedValueOnApiVersion) {
  model::Value obj = Yaml("{apiVersion: example.com/v1, kind: Widget, metadata: {name: w}}");
  std::vector<FieldError> errors = Validate(obj);
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_THAT(errors[0], Error("apiVersion", "apiVersion#schema", "Unsupported value"));
}

TEST(KindLookup, MissingOrMistypedApiVersionAndKindAreReported) {
  model::Value obj = Yaml("{apiVersion: 1, metadata: {name: w}}");
  std::vector<FieldError> errors = Validate(obj);
  ASSERT_THAT(errors, SizeIs(2)) << Dump(errors);
  EXPECT_THAT(errors[0], Error("apiVersion", "apiVersion#type", "Invalid value"));
  EXPECT_THAT(errors[1], Error("kind", "kind#required", "Required value"));
}

TEST(ObjectMetaValidation, MetadataThatIsNoObjectIsATypeError) {
  model::Value route = Route();
  route.Set("metadata", model::Value::String("web"));
  EXPECT_THAT(Validate(route), Contains(Error("metadata", "metadata#type", "Invalid value")));
}

TEST(KindLookup, UnservedVersionListsTheServedOnes) {
  model::Value route = Route();
  route.Set("kind", model::Value::String("TLSRoute"));
  route.Set("apiVersion", model::Value::String("gateway.networking.k8s.io/v1alpha2"));
  std::vector<FieldError> errors = Validate(route);
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].detail, "supported values: \"gateway.networking.k8s.io/v1\"");
}

TEST(KindLookup, EveryModelledKindHasASchema) {
  const SchemaSet& set = SchemaSet::Builtin();
  for (auto [group, version, kind] : std::vector<std::tuple<const char*, const char*, const char*>>{
           {"gateway.networking.k8s.io", "v1", "GatewayClass"},
           {"gateway.networking.k8s.io", "v1beta1", "GatewayClass"},
           {"gateway.networking.k8s.io", "v1", "Gateway"},
           {"gateway.networking.k8s.io", "v1beta1", "Gateway"},
           {"gateway.networking.k8s.io", "v1", "ListenerSet"},
           {"gateway.networking.k8s.io", "v1", "HTTPRoute"},
           {"gateway.networking.k8s.io", "v1beta1", "HTTPRoute"},
           {"gateway.networking.k8s.io", "v1", "GRPCRoute"},
           {"gateway.networking.k8s.io", "v1", "TLSRoute"},
           {"gateway.networking.k8s.io", "v1", "TCPRoute"},
           {"gateway.networking.k8s.io", "v1", "UDPRoute"},
           {"gateway.networking.k8s.io", "v1", "ReferenceGrant"},
           {"gateway.networking.k8s.io", "v1beta1", "ReferenceGrant"},
           {"gateway.networking.k8s.io", "v1", "BackendTLSPolicy"},
           {"", "v1", "Namespace"},
           {"", "v1", "Service"},
           {"discovery.k8s.io", "v1", "EndpointSlice"},
           {"", "v1", "Secret"},
           {"", "v1", "ConfigMap"},
           {"cilium.io", "v2alpha1", "CiliumLoadBalancerIPPool"},
           {"cilium.io", "v2", "CiliumLoadBalancerIPPool"},
       }) {
    EXPECT_NE(set.Find(group, version, kind), nullptr) << group << "/" << version << " " << kind;
  }
  EXPECT_EQ(set.Find("gateway.networking.k8s.io", "v1alpha2", "TLSRoute"), nullptr);
}

TEST(CoreValidation, ServiceGetsDefaultsAndKeepsUnknownFields) {
  model::Value svc = Yaml(R"(
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  sessionAffinity: None
  ports: [{name: http, port: 80, targetPort: http}]
status: {loadBalancer: {}}
)");
  ASSERT_THAT(Validate(svc), IsEmpty());
  EXPECT_EQ(At(svc, {"spec", "type"})->string_value(), "ClusterIP");
  EXPECT_EQ(At(svc, {"spec", "ports", "0", "protocol"})->string_value(), "TCP");
  EXPECT_EQ(At(svc, {"spec", "sessionAffinity"})->string_value(), "None");
}

TEST(CoreValidation, ServiceTypeAndProtocolAreEnums) {
  model::Value svc = Yaml(R"(
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  type: Magic
  ports: [{port: 80, protocol: ICMP, targetPort: 0}]
)");
  std::vector<FieldError> errors = Validate(svc);
  EXPECT_THAT(errors, Contains(Error("spec.type", "spec.type#enum", "Unsupported value")));
  EXPECT_THAT(errors, Contains(Error("spec.ports[0].protocol", "spec.ports[].protocol#enum")));
  EXPECT_THAT(errors,
              Contains(Error("spec.ports[0].targetPort", "spec.ports[].targetPort#minimum")));
}

TEST(CoreValidation, EndpointSliceNeedsAddressTypeAndAddresses) {
  model::Value eps = Yaml(R"(
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-abc, namespace: default}
endpoints:
- addresses: []
  conditions: {ready: yes}
- conditions: {ready: true}
)");
  std::vector<FieldError> errors = Validate(eps);
  EXPECT_THAT(errors, Contains(Error("addressType", "addressType#required")));
  EXPECT_THAT(errors, Contains(Error("endpoints[0].addresses", "endpoints[].addresses#minItems")));
  EXPECT_THAT(errors, Contains(Error("endpoints[1].addresses", "endpoints[].addresses#required")));
}

TEST(CoreValidation, SecretDataMustBeBase64) {
  model::Value secret = Yaml(R"(
apiVersion: v1
kind: Secret
metadata: {name: tls, namespace: default}
data: {tls.crt: 'aGVsbG8=', tls.key: 'not base64!'}
)");
  std::vector<FieldError> errors = Validate(secret);
  ASSERT_THAT(errors, SizeIs(1)) << Dump(errors);
  EXPECT_THAT(errors[0], Error("data[tls.key]", "data{}#format"));
  EXPECT_EQ(At(secret, {"type"})->string_value(), "Opaque");
}

TEST(CoreValidation, CiliumPoolChecksCidrAndAllowFirstLastIPs) {
  model::Value pool = Yaml(R"(
apiVersion: cilium.io/v2alpha1
kind: CiliumLoadBalancerIPPool
metadata: {name: pool}
spec:
  blocks: [{cidr: 10.0.0.0/24}, {cidr: 10.0.0.0/33}]
  allowFirstLastIPs: Maybe
)");
  std::vector<FieldError> errors = Validate(pool);
  EXPECT_THAT(errors, Contains(Error("spec.blocks[1].cidr", "spec.blocks[].cidr#format")));
  EXPECT_THAT(errors, Contains(Error("spec.allowFirstLastIPs", "spec.allowFirstLastIPs#enum")));
  EXPECT_THAT(errors, Not(Contains(Error("spec.blocks[0].cidr", "spec.blocks[].cidr#format"))));
}

// ---------------------------------------------------------------------------
// Keywords the built-in CRDs do not use, through a schema of our own.

constexpr absl::string_view kWidgetSchema = R"json([
{"group": "example.com", "kind": "Widget", "version": "v1", "scope": "Namespaced",
 "schema": {"type": "object", "properties": {
   "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
   "spec": {"type": "object", "properties": {
     "ratio": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 1,
               "multipleOf": 0.25},
     "note": {"type": "string", "nullable": true},
     "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
     "either": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
                "anyOf": [{"required": ["a"]}, {"required": ["b"]}]},
     "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
               "properties": {"known": {"type": "integer"}}},
     "bare": {"type": "object"},
     "mode": {"type": "string", "not": {"enum": ["legacy"]}},
     "pair": {"type": "object", "minProperties": 1, "properties": {"x": {"type": "integer"}},
              "allOf": [{"properties": {"x": {"minimum": 0}}},
                        {"properties": {"x": {"maximum": 10}}}]},
     "choice": {"type": "object",
                "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
                "oneOf": [{"required": ["a"]}, {"required": ["b"]}]},
     "entries": {"type": "array", "x-kubernetes-list-type": "map",
                 "x-kubernetes-list-map-keys": ["name"],
                 "items": {"type": "object", "required": ["name"],
                           "properties": {"name": {"type": "string"},
                                          "value": {"type": "string"}},
                           "x-kubernetes-validations": [
                             {"rule": "self.value == oldSelf.value",
                              "message": "value is immutable"}]}},
     "limits": {"type": "object",
                "properties": {"min": {"type": "integer"}, "max": {"type": "integer"}},
                "x-kubernetes-validations": [
       {"rule": "self.max >= self.min", "message": "max must be at least min"},
       {"rule": "self.missing > 0"},
       {"rule": "self.(", "message": "never compiles"},
       {"rule": "self.min >= 0", "reason": "FieldValueForbidden", "fieldPath": ".min",
        "message": "min must not be negative"}]}
   }}}}}
])json";

const SchemaSet& Widgets() {
  static const SchemaSet* set = [] {
    auto s = SchemaSet::FromJson({kWidgetSchema});
    EXPECT_TRUE(s.ok()) << s.status();
    return s->release();
  }();
  return *set;
}

model::Value Widget(absl::string_view spec) {
  model::Value w = Yaml("{apiVersion: example.com/v1, kind: Widget, metadata: {name: w}}");
  w.Set("spec", Yaml(spec));
  return w;
}

TEST(CustomSchemaValidation, ExclusiveMinimumMaximumAndMultipleOf) {
  model::Value w = Widget("{ratio: 0}");
  EXPECT_THAT(Widgets().DefaultAndValidate(w, nullptr),
              Contains(Error("spec.ratio", "spec.ratio#minimum")));
  w = Widget("{ratio: 0.3}");
  EXPECT_THAT(Widgets().DefaultAndValidate(w, nullptr),
              Contains(Error("spec.ratio", "spec.ratio#multipleOf")));
  w = Widget("{ratio: 1.5}");
  EXPECT_THAT(Widgets().DefaultAndValidate(w, nullptr),
              Contains(Error("spec.ratio", "spec.ratio#maximum")));
  w = Widget("{ratio: 0.75}");
  EXPECT_THAT(Widgets().DefaultAndValidate(w, nullptr), IsEmpty());
}

TEST(CustomSchemaValidation, NotRejectsWhatItsSchemaAccepts) {
  model::Value w = Widget("{mode: legacy}");
  EXPECT_THAT(Widgets().DefaultAndValidate(w, nullptr),
              Contains(Error("spec.mode", "spec.mode#not")));
  w = Widget("{mode: modern}");
  EXPECT_THAT(Widgets().DefaultAndValidate(w, nullptr), IsEmpty());
}

TEST(CustomSchemaValidation, AllOfReportsEveryFailingSchema) {
  model::Value w = Widget("{pair: {x: 11}}");
  std::vector<FieldError> errors = Widgets().DefaultAndValidate(w, nullptr);
  EXPECT_THAT(errors, Contains(Error("spec.pair", "spec.pair#allOf")));
  EXPECT_THAT(errors, Contains(Error("spec.pair.x", "spec.pair#allOf[1].properties.x.maximum")));
  w = Widget("{pair: {}}");
  EXPECT_THAT(Widgets().DefaultAndValidate(w, nullptr),
              Contains(Error("spec.pair", "spec.pair#minProperties", "Invalid value")));
}

TEST(CustomSchemaValidation, OneOfNeedsExactlyOneAlternative) {
  model::Value w = Widget("{choice: {a: p, b: q}}");
  std::vector<FieldError> errors = Widgets().DefaultAndValidate(w, nullptr);
  ASSERT_THAT(errors, SizeIs(1)) << Dump(errors);
  EXPECT_THAT(errors[0], Error("spec.choice", "spec.choice#oneOf"));
  EXPECT_EQ(errors[0].detail,
            "\"spec.choice\" must validate one and only one schema (oneOf). Found 2 valid "
            "alternatives");
  w = Widget("{choice: {}}");
  errors = Widgets().DefaultAndValidate(w, nullptr);
  EXPECT_THAT(errors, Contains(Error("spec.choice", "spec.choice#oneOf")));
  EXPECT_THAT(errors,
              Contains(Error("spec.choice.a", "spec.choice#oneOf[0].properties.a.required")));
  w = Widget("{choice: {b: q}}");
  EXPECT_THAT(Widgets().DefaultAndValidate(w, nullptr), IsEmpty());
}

TEST(CustomSchemaValidation, TransitionRuleOnMapListItemSeesTheItemWithTheSameKey) {
  model::Value old = Widget("{entries: [{name: a, value: '1'}, {name: b, value: '2'}]}");
  ASSERT_THAT(Widgets().DefaultAndValidate(old, nullptr), IsEmpty());
  // Reordered and with a new item: each old item is found by its key.
  model::Value w =
      Widget("{entries: [{name: c, value: '9'}, {name: b, value: '2'}, {name: a, value: '1'}]}");
  EXPECT_THAT(Widgets().DefaultAndValidate(w, &old), IsEmpty());
  w = Widget("{entries: [{name: b, value: '2'}, {name: a, value: '5'}]}");
  std::vector<FieldError> errors = Widgets().DefaultAndValidate(w, &old);
  ASSERT_THAT(errors, SizeIs(1)) << Dump(errors);
  EXPECT_THAT(errors[0], Error("spec.entries[1]", "spec.entries[]#x-kubernetes-validations[0]"));
  EXPECT_EQ(errors[0].detail, "value is immutable");
}

TEST(CustomSchemaValidation, NullableFieldKeepsItsNull) {
  model::Value w = Widget("{note: null}");
  EXPECT_THAT(Widgets().DefaultAndValidate(w, nullptr), IsEmpty());
  ASSERT_NE(At(w, {"spec", "note"}), nullptr);
  EXPECT_TRUE(At(w, {"spec", "note"})->is_null());
}

TEST(CustomSchemaValidation, ObjectWithoutPropertiesLosesItsFields) {
  // Structural pruning: an object schema that names no properties (and does
  // not preserve unknown fields) keeps none.
  model::Value w = Widget("{bare: {min: 1, max: 2}}");
  EXPECT_THAT(Widgets().DefaultAndValidate(w, nullptr), IsEmpty());
  EXPECT_EQ(At(w, {"spec", "bare"})->ToJson(), "{}");
}

TEST(CustomSchemaValidation, NullListItemIsATypeError) {
  model::Value w = Widget("{tags: [a, null]}");
  EXPECT_THAT(Widgets().DefaultAndValidate(w, nullptr),
              Contains(Error("spec.tags[1]", "spec.tags[]#type")));
}

TEST(CustomSchemaValidation, AnyOfNeedsOneAlternative) {
  model::Value w = Widget("{either: {}}");
  std::vector<FieldError> errors = Widgets().DefaultAndValidate(w, nullptr);
  EXPECT_THAT(errors, Contains(Error("spec.either", "spec.either#anyOf")));
  EXPECT_THAT(errors,
              Contains(Error("spec.either.a", "spec.either#anyOf[0].properties.a.required")));
  w = Widget("{either: {b: x}}");
  EXPECT_THAT(Widgets().DefaultAndValidate(w, nullptr), IsEmpty());
}

TEST(CustomSchemaValidation, PreservedUnknownFieldsAreKeptAndKnownOnesChecked) {
  model::Value w = Widget("{extra: {known: 1, other: {deep: true}}}");
  EXPECT_THAT(Widgets().DefaultAndValidate(w, nullptr), IsEmpty());
  EXPECT_NE(At(w, {"spec", "extra", "other", "deep"}), nullptr);
  w = Widget("{extra: {known: x}}");
  EXPECT_THAT(Widgets().DefaultAndValidate(w, nullptr),
              Contains(Error("spec.extra.known", "spec.extra.known#type")));
}

TEST(CustomSchemaValidation, CelMessagesEvaluationErrorsReasonsAndFieldPaths) {
  model::Value w = Widget("{limits: {min: -1, max: -2}}");
  std::vector<FieldError> errors = Widgets().DefaultAndValidate(w, nullptr);
  EXPECT_THAT(errors, Contains(AllOf(Error("spec.limits", "spec.limits#x-kubernetes-validations[0]",
                                           "Invalid value"),
                                     Field(&FieldError::detail, "max must be at least min"))))
      << Dump(errors);
  // A rule that cannot be evaluated is an Invalid value that says so.
  EXPECT_THAT(
      errors,
      Contains(AllOf(
          Error("spec.limits", "spec.limits#x-kubernetes-validations[1]", "Invalid value"),
          Field(&FieldError::detail, ::testing::HasSubstr("evaluating rule: self.missing > 0")))));
  EXPECT_THAT(
      errors,
      Contains(AllOf(Error("spec.limits", "spec.limits#x-kubernetes-validations[2]"),
                     Field(&FieldError::detail, ::testing::StartsWith("rule compile error")))));
  EXPECT_THAT(errors, Contains(Error("spec.limits.min", "spec.limits#x-kubernetes-validations[3]",
                                     "Forbidden")));
}

TEST(CustomSchemaSet, MalformedSchemaIsInvalidArgument) {
  auto s = SchemaSet::FromJson({R"([{"group":"x","kind":"Y","version":"v1","scope":"Cluster",
      "schema":{"type":"object","properties":{"metadata":{"type":"object"},
      "a":{"type":"strin"}}}}])"});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  s = SchemaSet::FromJson({R"([{"group":"x","kind":"Y","version":"v1","scope":"Cluster",
      "schema":{"type":"object","properties":{"metadata":{"type":"object"},
      "a":{"type":"string","pattern":"("}}}}])"});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace gwapi::validate
