#include "maic/http/router.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace maic::http {
namespace {

Request request(std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.target = r.path;
  return r;
}

Handler says(std::string what) {
  return [what](const Request&) { return Response::text(what); };
}

std::string error_of(const Response& r) {
  return nlohmann::json::parse(r.body).at("error").get<std::string>();
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router.add("GET", "/api/v1/readings", says("readings"))
        .add("POST", "/api/v1/output", says("post output"))
        .add("PUT", "/api/v1/output", says("put output"))
        .add_prefix("GET", "/", says("static"))
        .add_prefix("GET", "/api/", says("api prefix"))
        .add_prefix("DELETE", "/api/v1/items/", says("delete item"));
  }
  Router router;
};

TEST_F(RouterTest, ExactRouteCallsItsHandler) {
  const Response r = router.handle(request("GET", "/api/v1/readings"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "readings");
  EXPECT_EQ(router.handle(request("PUT", "/api/v1/output")).body, "put output");
}

TEST_F(RouterTest, HeadFallsBackToGet) {
  EXPECT_EQ(router.handle(request("HEAD", "/api/v1/readings")).body, "readings");
  EXPECT_EQ(router.handle(request("HEAD", "/index.html")).body, "static");
}

TEST_F(RouterTest, LongestPrefixWinsWhenNoExactRoute) {
  EXPECT_EQ(router.handle(request("GET", "/")).body, "static");
  EXPECT_EQ(router.handle(request("GET", "/app.js")).body, "static");
  EXPECT_EQ(router.handle(request("GET", "/api/v2/x")).body, "api prefix");
  EXPECT_EQ(router.handle(request("DELETE", "/api/v1/items/7")).body, "delete item");
}

TEST_F(RouterTest, WrongMethodOnExactPathIs405WithAllow) {
  const Response r = router.handle(request("DELETE", "/api/v1/output"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers.get("Allow"), "POST, PUT");
  EXPECT_NE(error_of(r).find("DELETE"), std::string::npos);

  // An exact path is not shadowed by a prefix, even for another method.
  const Response g = router.handle(request("POST", "/api/v1/readings"));
  EXPECT_EQ(g.status, 405);
  EXPECT_EQ(g.headers.get("allow"), "GET, HEAD");
}

TEST_F(RouterTest, WrongMethodOnPrefixIs405) {
  const Response r = router.handle(request("POST", "/style.css"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers.get("Allow"), "GET, HEAD");
}

TEST_F(RouterTest, MethodsAreCaseSensitive) {
  EXPECT_EQ(router.handle(request("get", "/api/v1/readings")).status, 405);
}

TEST(Router, UnknownPathIs404WithJsonError) {
  Router router;
  router.add("GET", "/a", says("a"));
  const Response r = router.handle(request("GET", "/b"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_NE(error_of(r).find("/b"), std::string::npos);
  EXPECT_EQ(router.handle(request("GET", "/a/")).status, 404);  // exact means exact
}

TEST(Router, ExplicitHeadRouteIsPreferredAndListedOnce) {
  Router router;
  router.add("GET", "/x", says("get")).add("HEAD", "/x", says("head"));
  EXPECT_EQ(router.handle(request("HEAD", "/x")).body, "head");
  EXPECT_EQ(router.handle(request("POST", "/x")).headers.get("Allow"), "GET, HEAD");
}

TEST(Router, RejectsInvalidAndDuplicateRoutes) {
  Router router;
  router.add("GET", "/x", says("x"));
  EXPECT_THROW(router.add("GET", "/x", says("again")), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "x", says("x")), std::invalid_argument);
  EXPECT_THROW(router.add("", "/y", says("y")), std::invalid_argument);
  router.add_prefix("GET", "/s/", says("s"));
  EXPECT_THROW(router.add_prefix("GET", "/s/", says("s")), std::invalid_argument);
  EXPECT_NO_THROW(router.add_prefix("POST", "/s/", says("s")));
}

TEST(Router, HandlerExceptionsPropagate) {
  Router router;
  router.add("GET", "/boom", [](const Request&) -> Response { throw std::runtime_error("boom"); });
  EXPECT_THROW(router.handle(request("GET", "/boom")), std::runtime_error);
}

TEST(Router, HandlerSeesTheRequest) {
  Router router;
  router.add("GET", "/echo", [](const Request& r) {
    return Response::text(std::string(r.query.get("q").value_or("none")));
  });
  Request r = request("GET", "/echo");
  r.query = *parse_query("q=hello+world");
  EXPECT_EQ(router.handle(r).body, "hello world");
}

}  // namespace
}  // namespace maic::http
