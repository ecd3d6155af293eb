// Tests of gwapi::model::DecodeObjects: format detection, splitting JSON
// arrays, YAML streams and List objects into objects, and max_objects.
#include "lib/model/decode.h"

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/model/limits.h"
#include "lib/model/value.h"

namespace gwapi::model {

// Failure messages show Values as JSON (found by argument-dependent lookup).
void PrintTo(const Value& v, std::ostream* os) { *os << v.ToJson(); }

namespace {

using ::testing::HasSubstr;

absl::StatusOr<std::vector<DecodedItem>> Decode(absl::string_view input,
                                                InputFormat format = InputFormat::kAuto) {
  return DecodeObjects(input, DecodeLimits(), format);
}

std::vector<std::string> Sources(const std::vector<DecodedItem>& items) {
  std::vector<std::string> out;
  for (const DecodedItem& i : items) out.push_back(i.source);
  return out;
}

std::vector<std::string> Names(const std::vector<DecodedItem>& items) {
  std::vector<std::string> out;
  for (const DecodedItem& i : items) {
    const Value* name = i.value.FindPath({"metadata", "name"});
    out.push_back(name != nullptr && name->is_string() ? name->string_value() : "?");
  }
  return out;
}

std::string JsonObject(absl::string_view kind, absl::string_view name) {
  return absl::StrCat(R"({"apiVersion":"gateway.networking.k8s.io/v1","kind":")", kind,
                      R"(","metadata":{"name":")", name, R"("}})");
}

TEST(DecodeObjects, JsonObjectIsDocumentOne) {
  absl::StatusOr<std::vector<DecodedItem>> items = Decode(JsonObject("Gateway", "gw"));
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ((*items)[0].source, "document 1");
  EXPECT_EQ((*items)[0].value.GetString("kind"), "Gateway");
}

TEST(DecodeObjects, JsonDetectedAfterLeadingWhitespace) {
  absl::StatusOr<std::vector<DecodedItem>> items =
      Decode(absl::StrCat(" \r\n\t ", JsonObject("Gateway", "gw")));
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ((*items)[0].source, "document 1");  // no "(line N)": the JSON path
}

TEST(DecodeObjects, JsonArrayGivesOneItemPerElement) {
  absl::StatusOr<std::vector<DecodedItem>> items =
      Decode(absl::StrCat("[", JsonObject("Gateway", "a"), ",", JsonObject("HTTPRoute", "b"), ",",
                          JsonObject("HTTPRoute", "c"), "]"));
  ASSERT_TRUE(items.ok()) << items.status();
  EXPECT_THAT(Sources(*items), ::testing::ElementsAre("[0]", "[1]", "[2]"));
  EXPECT_THAT(Names(*items), ::testing::ElementsAre("a", "b", "c"));
}

TEST(DecodeObjects, EmptyJsonArrayGivesNoItems) {
  absl::StatusOr<std::vector<DecodedItem>> items = Decode("[]");
  ASSERT_TRUE(items.ok()) << items.status();
  EXPECT_TRUE(items->empty());
}

TEST(DecodeObjects, JsonKindListIsExpanded) {
  absl::StatusOr<std::vector<DecodedItem>> items = Decode(absl::StrCat(
      R"({"apiVersion":"v1","kind":"List","metadata":{},"items":[)", JsonObject("Gateway", "a"),
      ",", JsonObject("HTTPRoute", "b"), ",", JsonObject("HTTPRoute", "c"), "]}"));
  ASSERT_TRUE(items.ok()) << items.status();
  EXPECT_THAT(Sources(*items), ::testing::ElementsAre("document 1 items[0]", "document 1 items[1]",
                                                      "document 1 items[2]"));
  EXPECT_THAT(Names(*items), ::testing::ElementsAre("a", "b", "c"));
}

TEST(DecodeObjects, TypedListKindIsExpanded) {
  absl::StatusOr<std::vector<DecodedItem>> items =
      Decode(absl::StrCat(R"({"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRouteList",)"
                          R"("metadata":{"resourceVersion":"12"},"items":[)",
                          JsonObject("HTTPRoute", "r1"), ",", JsonObject("HTTPRoute", "r2"), "]}"));
  ASSERT_TRUE(items.ok()) << items.status();
  EXPECT_THAT(Sources(*items),
              ::testing::ElementsAre("document 1 items[0]", "document 1 items[1]"));
  EXPECT_THAT(Names(*items), ::testing::ElementsAre("r1", "r2"));
}

TEST(DecodeObjects, ListWithNullOrEmptyItemsGivesNoItems) {
  for (absl::string_view text : {R"({"kind":"List","items":null})", R"({"kind":"List","items":[]})",
                                 "kind: List\nitems:\n", "kind: ServiceList\nitems: []\n"}) {
    absl::StatusOr<std::vector<DecodedItem>> items = Decode(text);
    ASSERT_TRUE(items.ok()) << items.status();
    EXPECT_TRUE(items->empty()) << text;
  }
}

TEST(DecodeObjects, ListKindWithoutItemsArrayIsAnOrdinaryObject) {
  // Without an `items` array it is not a List; validation will judge it.
  for (absl::string_view text : {R"({"kind":"List"})", R"({"kind":"List","items":{"a":1}})",
                                 R"({"kind":"Listing","items":[{"kind":"X"}]})"}) {
    absl::StatusOr<std::vector<DecodedItem>> items = Decode(text);
    ASSERT_TRUE(items.ok()) << items.status();
    ASSERT_EQ(items->size(), 1u) << text;
    EXPECT_EQ((*items)[0].source, "document 1");
  }
}

TEST(DecodeObjects, NestedListsAreExpandedRecursively) {
  absl::StatusOr<std::vector<DecodedItem>> items =
      Decode(absl::StrCat(R"({"kind":"List","items":[)", JsonObject("Gateway", "a"),
                          R"(,{"kind":"List","items":[)", JsonObject("HTTPRoute", "b"), "]}]}"));
  ASSERT_TRUE(items.ok()) << items.status();
  EXPECT_THAT(Sources(*items),
              ::testing::ElementsAre("document 1 items[0]", "document 1 items[1] items[0]"));
  EXPECT_THAT(Names(*items), ::testing::ElementsAre("a", "b"));
}

TEST(DecodeObjects, JsonArrayOfListsIsExpanded) {
  absl::StatusOr<std::vector<DecodedItem>> items =
      Decode(absl::StrCat("[", JsonObject("Gateway", "a"), R"(,{"kind":"HTTPRouteList","items":[)",
                          JsonObject("HTTPRoute", "b"), ",", JsonObject("HTTPRoute", "c"), "]}]"));
  ASSERT_TRUE(items.ok()) << items.status();
  EXPECT_THAT(Sources(*items), ::testing::ElementsAre("[0]", "[1] items[0]", "[1] items[1]"));
  EXPECT_THAT(Names(*items), ::testing::ElementsAre("a", "b", "c"));
}

TEST(DecodeObjects, YamlDocumentsCarryNumberAndLine) {
  absl::StatusOr<std::vector<DecodedItem>> items = Decode(
      "apiVersion: v1\n"         // 1
      "kind: Service\n"          // 2
      "metadata: {name: a}\n"    // 3
      "---\n"                    // 4
      "---\n"                    // 5
      "kind: Service\n"          // 6
      "metadata: {name: b}\n");  // 7
  ASSERT_TRUE(items.ok()) << items.status();
  // The empty document is dropped and does not take a number.
  EXPECT_THAT(Sources(*items),
              ::testing::ElementsAre("document 1 (line 1)", "document 2 (line 5)"));
  EXPECT_THAT(Names(*items), ::testing::ElementsAre("a", "b"));
}

TEST(DecodeObjects, YamlDocumentContainingAListIsExpanded) {
  absl::StatusOr<std::vector<DecodedItem>> items = Decode(
      "kind: Gateway\n"
      "metadata: {name: gw}\n"
      "---\n"
      "apiVersion: v1\n"
      "kind: List\n"
      "items:\n"
      "- kind: HTTPRoute\n"
      "  metadata: {name: r0}\n"
      "- kind: HTTPRoute\n"
      "  metadata: {name: r1}\n"
      "- kind: HTTPRoute\n"
      "  metadata: {name: r2}\n");
  ASSERT_TRUE(items.ok()) << items.status();
  EXPECT_THAT(Sources(*items), ::testing::ElementsAre(
                                   "document 1 (line 1)", "document 2 (line 3) items[0]",
                                   "document 2 (line 3) items[1]", "document 2 (line 3) items[2]"));
  EXPECT_THAT(Names(*items), ::testing::ElementsAre("gw", "r0", "r1", "r2"));
}

TEST(DecodeObjects, EmptyInputGivesNoItems) {
  for (absl::string_view text : {"", "   \n", "# only a comment\n", "---\n---\n"}) {
    absl::StatusOr<std::vector<DecodedItem>> items = Decode(text);
    ASSERT_TRUE(items.ok()) << items.status();
    EXPECT_TRUE(items->empty()) << text;
  }
}

TEST(DecodeObjects, ForcedJsonFormatRejectsYaml) {
  absl::StatusOr<std::vector<DecodedItem>> items = Decode("kind: Gateway\n", InputFormat::kJson);
  ASSERT_FALSE(items.ok());
  EXPECT_EQ(items.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(items.status().message(), HasSubstr("malformed JSON"));
}

TEST(DecodeObjects, ForcedYamlFormatReadsJsonAsYaml) {
  absl::StatusOr<std::vector<DecodedItem>> items =
      Decode(JsonObject("Gateway", "gw"), InputFormat::kYaml);
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ((*items)[0].source, "document 1 (line 1)");
  EXPECT_EQ(Names(*items)[0], "gw");
}

TEST(DecodeObjects, MalformedInputFailsWholeCall) {
  absl::StatusOr<std::vector<DecodedItem>> json =
      Decode(absl::StrCat("[", JsonObject("Gateway", "a"), ","));
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.status().code(), absl::StatusCode::kInvalidArgument);

  absl::StatusOr<std::vector<DecodedItem>> yaml =
      Decode("kind: Gateway\nmetadata: {name: a}\n---\nkind: [\n");
  ASSERT_FALSE(yaml.ok());
  EXPECT_EQ(yaml.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(GetLocation(yaml.status()), HasSubstr("line"));
}

TEST(DecodeObjects, MaxObjectsAllowsExactlyTheLimit) {
  DecodeLimits limits;
  limits.max_objects = 3;
  absl::StatusOr<std::vector<DecodedItem>> items =
      DecodeObjects(absl::StrCat("[", JsonObject("Gateway", "a"), ",", JsonObject("Gateway", "b"),
                                 ",", JsonObject("Gateway", "c"), "]"),
                    limits);
  ASSERT_TRUE(items.ok()) << items.status();
  EXPECT_EQ(items->size(), 3u);
}

TEST(DecodeObjects, MaxObjectsRejectsJsonArrayBeyondLimit) {
  DecodeLimits limits;
  limits.max_objects = 2;
  absl::StatusOr<std::vector<DecodedItem>> items =
      DecodeObjects(absl::StrCat("[", JsonObject("Gateway", "a"), ",", JsonObject("Gateway", "b"),
                                 ",", JsonObject("Gateway", "c"), "]"),
                    limits);
  ASSERT_FALSE(items.ok());
  EXPECT_EQ(items.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(items.status().message(), HasSubstr("max_objects"));
}

TEST(DecodeObjects, MaxObjectsCountsListItems) {
  DecodeLimits limits;
  limits.max_objects = 2;
  absl::StatusOr<std::vector<DecodedItem>> items =
      DecodeObjects("kind: List\nitems:\n- {kind: A}\n- {kind: B}\n- {kind: C}\n", limits);
  ASSERT_FALSE(items.ok());
  EXPECT_EQ(items.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(items.status().message(), HasSubstr("max_objects"));
}

TEST(DecodeObjects, MaxObjectsCountsAcrossDocumentsAndLists) {
  DecodeLimits limits;
  limits.max_objects = 3;
  absl::StatusOr<std::vector<DecodedItem>> items = DecodeObjects(
      "kind: A\n---\nkind: List\nitems:\n- {kind: B}\n- {kind: C}\n---\nkind: D\n", limits);
  ASSERT_FALSE(items.ok());
  EXPECT_THAT(items.status().message(), HasSubstr("max_objects"));
}

TEST(DecodeObjects, LimitsReachTheDecoders) {
  DecodeLimits limits;
  limits.max_string_bytes = 4;  // keys count too, so they are kept short here
  absl::StatusOr<std::vector<DecodedItem>> json =
      DecodeObjects(R"({"kind":"Gate","spec":{"name":"toolong"}})", limits);
  ASSERT_FALSE(json.ok());
  EXPECT_THAT(json.status().message(), HasSubstr("max_string_bytes"));
  EXPECT_EQ(GetLocation(json.status()), "spec.name");

  absl::StatusOr<std::vector<DecodedItem>> yaml =
      DecodeObjects("kind: Gate\nspec:\n  name: toolong\n", limits);
  ASSERT_FALSE(yaml.ok());
  EXPECT_THAT(yaml.status().message(), HasSubstr("spec.name"));
  EXPECT_THAT(yaml.status().message(), HasSubstr("max_string_bytes"));
}

TEST(DecodeObjects, DecodedValuesKeepFullBodies) {
  absl::StatusOr<std::vector<DecodedItem>> items = Decode(
      "apiVersion: gateway.networking.k8s.io/v1\n"
      "kind: HTTPRoute\n"
      "metadata:\n"
      "  name: r\n"
      "  namespace: default\n"
      "spec:\n"
      "  parentRefs: [{name: gw}]\n"
      "  rules:\n"
      "  - backendRefs: [{name: svc, port: 8080}]\n");
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ(
      (*items)[0].value.ToJson(),
      R"({"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute",)"
      R"("metadata":{"name":"r","namespace":"default"},)"
      R"("spec":{"parentRefs":[{"name":"gw"}],"rules":[{"backendRefs":[{"name":"svc","port":8080}]}]}})");
}

}  // namespace
}  // namespace gwapi::model

namespace gwapi::model {
namespace {

TEST(DecodeObjects, DropStatusLeavesOutEachListItemsStatusOnly) {
  constexpr char kList[] =
      R"({"kind":"List","items":[{"kind":"HTTPRoute","spec":{"status":1},"status":{"a":1}}]})";
  auto kept = DecodeObjects(kList, DecodeLimits{});
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_NE((*kept)[0].value.Find("status"), nullptr);
  auto dropped = DecodeObjects(kList, DecodeLimits{}, InputFormat::kAuto, /*drop_status=*/true);
  ASSERT_TRUE(dropped.ok()) << dropped.status();
  EXPECT_EQ((*dropped)[0].value.Find("status"), nullptr);
  // Only the object's own status: a field named status deeper down stays.
  EXPECT_NE((*dropped)[0].value.FindPath({"spec", "status"}), nullptr);
}

}  // namespace
}  // namespace gwapi::model
