#include "maic/http/message.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace maic::http {
namespace {

TEST(Headers, LookUpIgnoresCase) {
  Headers h;
  h.add("Content-Type", "text/plain");
  h.add("X-Tag", "a");
  h.add("x-tag", "b");
  EXPECT_EQ(h.get("content-type"), "text/plain");
  EXPECT_EQ(h.get("X-TAG"), "a");
  EXPECT_FALSE(h.get("Content-Length").has_value());
  h.set("X-TAG", "c");
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(h.get("x-tag"), "c");
  h.erase("CONTENT-type");
  EXPECT_FALSE(h.contains("Content-Type"));
}

TEST(Iequals, ComparesAsciiOnly) {
  EXPECT_TRUE(iequals("Keep-Alive", "keep-alive"));
  EXPECT_FALSE(iequals("keep-alive", "keep-alive "));
  EXPECT_FALSE(iequals("\xC3\x84", "\xC3\xA4"));  // Ä is not ä here: field names are ASCII
}

TEST(Response, HelpersSetTypeStatusAndBody) {
  const Response j = Response::json({{"a", 1}}, 201);
  EXPECT_EQ(j.status, 201);
  EXPECT_EQ(j.content_type, "application/json");
  EXPECT_EQ(j.body, R"({"a":1})");
  const Response t = Response::text("hi");
  EXPECT_EQ(t.status, 200);
  EXPECT_EQ(t.content_type, "text/plain; charset=utf-8");
}

TEST(Response, ErrorIsJsonWithTheMessageEscaped) {
  const Response e = Response::error(400, "bad \"value\"\n\xff");
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.content_type, "application/json");
  const auto body = nlohmann::json::parse(e.body);
  EXPECT_EQ(body.size(), 1u);
  EXPECT_EQ(body.at("error").get<std::string>(), "bad \"value\"\n\xEF\xBF\xBD");
}

}  // namespace
}  // namespace maic::http
