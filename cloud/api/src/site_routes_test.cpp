// The Dashboard's files at "/" and its index.html for the app's own paths,
// while the API keeps its routes and its JSON 404s.
#include <gtest/gtest.h>

#include <array>
#include <nlohmann/json.hpp>

#include "maic/cloud/service.hpp"
#include "maic/cloud/sqlite_store.hpp"
#include "maic/testing/temp_dir.hpp"
#include "testing/service_harness.hpp"

namespace maic::cloud {
namespace {

constexpr std::string_view kIndex = "<!doctype html><title>app</title>";
constexpr std::array<http::Asset, 2> kSite{{
    {"/app.js", "console.log(1)", "\"js\""},
    {"/index.html", kIndex, "\"html\""},
}};

class SiteTest : public ::testing::Test, protected testing::ServiceHarness {
 protected:
  SiteTest() : ServiceHarness(1'700'000'000) {
    auto opened = SqliteStore::open((dir_.path() / "cloud.db").string());
    if (!opened) throw std::runtime_error(opened.error().message);
    store_ = std::move(opened).value();
    CloudOptions options;
    options.site = kSite;
    serve(*store_, options);
  }
  ~SiteTest() override { stop_serving(); }

  maic::testing::TempDir dir_{"maic-cloud-site"};
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SiteTest, ServesTheAppsFilesWithSecurityHeaders) {
  const auto index = call("GET", "/");
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.body, kIndex);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  const auto policy = index.headers.get("Content-Security-Policy");
  ASSERT_TRUE(policy);
  EXPECT_NE(policy->find("script-src 'self'"), std::string_view::npos);
  EXPECT_NE(policy->find("frame-ancestors 'none'"), std::string_view::npos);
  EXPECT_EQ(policy->find("unsafe-inline"), std::string_view::npos);
  EXPECT_EQ(index.headers.get("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(index.headers.get("Referrer-Policy"), "same-origin");

  const auto script = call("GET", "/app.js");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.body, "console.log(1)");
}

TEST_F(SiteTest, AnswersTheIndexForTheAppsOwnPaths) {
  for (const char* path : {"/signin", "/signup", "/profile", "/devices", "/devices/1828719372",
                           "/devices/1828719372/boards/pc?period=day&date=2026-11-30"}) {
    const auto r = call("GET", path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, kIndex) << path;
    EXPECT_TRUE(r.headers.contains("Content-Security-Policy")) << path;
  }
}

TEST_F(SiteTest, KeepsTheApisRoutesAndNotFounds) {
  for (const char* path : {"/api/v1/nothing", "/api/v1", "/uplink/v1/nothing", "/metrics",
                           "/missing.js", "/favicon.ico"}) {
    const auto r = call("GET", path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.content_type, "application/json") << path;
    EXPECT_TRUE(nlohmann::json::parse(r.body).contains("error")) << path;
  }
  EXPECT_EQ(call("POST", "/signin", "{}").status, 404);
  EXPECT_EQ(call("POST", "/api/v1/nothing", "{}").status, 404);
  // The API's routes still answer as before.
  EXPECT_EQ(call("GET", "/api/v1/profile").status, 401);
  EXPECT_EQ(call("GET", "/api/v1/devices/1828719372").status, 401);
  EXPECT_EQ(call("GET", "/api").status, 401);
}

}  // namespace
}  // namespace maic::cloud
