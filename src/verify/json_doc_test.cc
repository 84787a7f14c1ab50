#include "src/verify/json_doc.h"

#include "gtest/gtest.h"
#include "src/verify/decimal.h"

namespace lithium::verify {
namespace {

TEST(Decimal, NormalizesExactly) {
  auto a = ParseDecimal("0.10");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->digits, "1");
  EXPECT_EQ(a->scale, 1);
  EXPECT_EQ(a->Z3Numeral(), "1/10");
  EXPECT_EQ(ParseDecimal("-1.5e3")->Z3Numeral(), "-1500");
  EXPECT_EQ(ParseDecimal("12.5E-2")->ToString(), "0.125");
  EXPECT_EQ(ParseDecimal("-0.0")->Z3Numeral(), "0");
  EXPECT_TRUE(ParseDecimal("100")->is_integer());
  EXPECT_TRUE(ParseDecimal("1.000")->is_integer());
  EXPECT_EQ(ParseDecimal("12345678901234567890.1")->Z3Numeral(), "123456789012345678901/10");
}

TEST(Decimal, RejectsMalformedAndHuge) {
  for (const char* bad : {"", "-", "1.", ".5", "01", "1e", "1e+", "abc", "1.2.3", "+1", " 1"}) {
    EXPECT_FALSE(ParseDecimal(bad).ok()) << bad;
  }
  EXPECT_TRUE(ParseDecimal("+012.50", /*lenient=*/true).ok());
  EXPECT_FALSE(ParseDecimal("1e999999999").ok());
  EXPECT_FALSE(ParseDecimal("1e-5000").ok());
}

TEST(JsonDoc, KeepsNumberTextAndSpans) {
  const std::string text = R"({"a": 0.1, "b": [1, "x\u00e9"], "c": {"d": null}})";
  auto doc = ParseJson(text);
  ASSERT_TRUE(doc.ok()) << doc.status().message();
  const JsonValue* a = doc->Find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->text, "0.1");
  EXPECT_EQ(text.substr(a->begin, a->end - a->begin), "0.1");
  const JsonValue* b = doc->Find("b");
  ASSERT_EQ(b->items.size(), 2u);
  EXPECT_EQ(b->items[1].text, "x\xc3\xa9");
  EXPECT_EQ(text.substr(b->items[1].begin, b->items[1].end - b->items[1].begin), "\"x\\u00e9\"");
  EXPECT_EQ(doc->Find("c")->Find("d")->kind, JsonValue::Kind::kNull);
  EXPECT_EQ(ToNlohmann(*doc).dump(), R"({"a":0.1,"b":[1,"xé"],"c":{"d":null}})");
}

TEST(JsonDoc, ErrorsNameLineAndColumn) {
  auto r = ParseJson("{\n  \"a\": 1,\n  \"a\": 2\n}");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("line 3, column 3"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("duplicate key"), std::string::npos);
  for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "\"\x01\"", "\"\xff\"", "01", "nul", "[1] x", "\"\\ud800\""}) {
    EXPECT_FALSE(ParseJson(bad).ok()) << bad;
  }
  std::string deep(300, '[');
  EXPECT_FALSE(ParseJson(deep).ok());
}

}  // namespace
}  // namespace lithium::verify
