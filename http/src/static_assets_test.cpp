#include "maic/http/static_assets.hpp"

#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>

#include "maic/http/router.hpp"
#include "maic/http/testdata/site_assets.hpp"

namespace maic::http {
namespace {

using namespace std::string_view_literals;

constexpr std::array<Asset, 3> kSite{{
    {"/index.html", "<h1>home</h1>", "\"h1\""},
    {"/app.js", "console.log(1)", "\"j1\""},
    {"/docs/index.html", "<h1>docs</h1>", "\"d1\""},
}};

Request get(std::string path) {
  Request r;
  r.method = "GET";
  r.path = std::move(path);
  return r;
}

TEST(ContentType, ByExtension) {
  EXPECT_EQ(content_type_for("/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("/app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("/style.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_for("/logo.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_for("/icon.PNG"), "image/png");
  EXPECT_EQ(content_type_for("/data.json"), "application/json");
  EXPECT_EQ(content_type_for("/app.js.map"), "application/json");
  EXPECT_EQ(content_type_for("/LICENSE"), "application/octet-stream");
  EXPECT_EQ(content_type_for("/dir.d/file"), "application/octet-stream");
}

TEST(StaticHandler, ServesFilesWithTypeAndCaching) {
  const Handler h = static_handler(kSite);
  const Response r = h(get("/app.js"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "console.log(1)");
  EXPECT_EQ(r.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(r.headers.get("ETag"), "\"j1\"");
  EXPECT_EQ(r.headers.get("Cache-Control"), "no-cache");
}

TEST(StaticHandler, ServesIndexForDirectories) {
  const Handler h = static_handler(kSite);
  EXPECT_EQ(h(get("/")).body, "<h1>home</h1>");
  EXPECT_EQ(h(get("/")).content_type, "text/html; charset=utf-8");
  EXPECT_EQ(h(get("/docs/")).body, "<h1>docs</h1>");
  EXPECT_EQ(h(get("/docs")).status, 404);  // no redirect: paths are exact
}

TEST(StaticHandler, UnknownFileIs404) {
  const Handler h = static_handler(kSite);
  EXPECT_EQ(h(get("/missing.js")).status, 404);
  EXPECT_EQ(h(get("/../index.html")).status, 404);
}

TEST(StaticHandler, MatchingIfNoneMatchIs304) {
  const Handler h = static_handler(kSite);
  Request r = get("/app.js");
  for (const auto inm : {"\"j1\""sv, "\"x\", W/\"j1\""sv, "*"sv}) {
    r.headers.set("If-None-Match", std::string(inm));
    const Response res = h(r);
    EXPECT_EQ(res.status, 304) << inm;
    EXPECT_TRUE(res.body.empty());
    EXPECT_EQ(res.headers.get("ETag"), "\"j1\"");
  }
  r.headers.set("If-None-Match", "\"old\"");
  EXPECT_EQ(h(r).status, 200);
}

TEST(StaticHandler, ServesUnderAMount) {
  Router router;
  router.add_prefix("GET", "/static/", static_handler(kSite, {.mount = "/static/"}));
  EXPECT_EQ(router.handle(get("/static/app.js")).body, "console.log(1)");
  EXPECT_EQ(router.handle(get("/static/")).body, "<h1>home</h1>");
  EXPECT_EQ(router.handle(get("/app.js")).status, 404);
  EXPECT_THROW(static_handler(kSite, {.mount = "static"}), std::invalid_argument);
}

// The table maic_embed_assets generated from src/testdata/site at build time.
TEST(EmbeddedAssets, HoldEveryFileByteForByte) {
  const std::filesystem::path dir = MAIC_HTTP_TESTDATA_SITE;
  std::set<std::string> on_disk;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) {
      on_disk.insert("/" + entry.path().lexically_relative(dir).generic_string());
    }
  }
  const auto table = testdata::site_assets();
  ASSERT_EQ(table.size(), on_disk.size());
  std::set<std::string> etags;
  std::string previous;
  for (const Asset& a : table) {
    EXPECT_TRUE(on_disk.contains(std::string(a.path))) << a.path;
    EXPECT_LT(previous, a.path) << "sorted by path";
    previous = a.path;
    std::ifstream in(dir / std::string(a.path.substr(1)), std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    EXPECT_EQ(a.bytes, bytes) << a.path;
    EXPECT_TRUE(a.etag.starts_with('"') && a.etag.ends_with('"') && a.etag.size() > 10) << a.etag;
    etags.insert(std::string(a.etag));
  }
  EXPECT_EQ(etags.size(), table.size()) << "different content, different ETag";
}

TEST(EmbeddedAssets, ServeThroughTheHandler) {
  const Handler h = static_handler(testdata::site_assets());
  const Response index = h(get("/"));
  EXPECT_EQ(index.status, 200);
  EXPECT_NE(index.body.find("<title>test site</title>"), std::string::npos);
  const Response png = h(get("/img/dot.png"));
  EXPECT_EQ(png.content_type, "image/png");
  EXPECT_TRUE(png.body.starts_with("\x89PNG\r\n\x1a\n"));
  EXPECT_EQ(h(get("/empty.txt")).body, "");
  EXPECT_EQ(h(get("/sub/bytes.bin")).body.size(), 768u);
}

}  // namespace
}  // namespace maic::http
