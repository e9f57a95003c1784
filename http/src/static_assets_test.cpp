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

// app.js with a gzip variant (the bytes stand in for real gzip: the handler
// does not look inside), style.css without.
constexpr std::array<Asset, 2> kCompressed{{
    {"/app.js", "console.log(1)", "\"j1\"", "GZ-BYTES", "\"j1gz\""},
    {"/style.css", "p{}", "\"s1\"", {}, {}},
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

TEST(AcceptEncoding, AllowsGzipUnlessRefused) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("gzip, deflate, br, zstd"));
  EXPECT_TRUE(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
  EXPECT_TRUE(accepts_gzip("x-gzip"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_TRUE(accepts_gzip("identity, *;q=0.1"));
  EXPECT_TRUE(accepts_gzip(" gzip ; q=1 "));
  EXPECT_TRUE(accepts_gzip("gzip;q=0.001"));
  EXPECT_TRUE(accepts_gzip("gzip;Q=1.000"));

  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip("br, deflate"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("gzip; q=0.000"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0, *"));  // named refusal beats "*"
  EXPECT_FALSE(accepts_gzip("*;q=0"));
  EXPECT_FALSE(accepts_gzip("gzipped, xgzip"));
  // Malformed weights refuse: the identity is always safe.
  for (const auto bad :
       {"gzip;q=", "gzip;q=2", "gzip;q=1.5", "gzip;q=0.0001", "gzip;q=abc", "gzip;q=.5"}) {
    EXPECT_FALSE(accepts_gzip(bad)) << bad;
  }
}

TEST(StaticHandler, SendsGzipWhenAccepted) {
  const Handler h = static_handler(kCompressed);
  Request r = get("/app.js");
  for (const auto accept :
       {"gzip"sv, "gzip, deflate, br"sv, "*"sv, "identity;q=0.5, gzip;q=0.8"sv}) {
    r.headers.set("Accept-Encoding", std::string(accept));
    const Response res = h(r);
    EXPECT_EQ(res.status, 200) << accept;
    EXPECT_EQ(res.body, "GZ-BYTES") << accept;
    EXPECT_EQ(res.headers.get("Content-Encoding"), "gzip") << accept;
    EXPECT_EQ(res.headers.get("Vary"), "Accept-Encoding") << accept;
    EXPECT_EQ(res.headers.get("ETag"), "\"j1gz\"") << accept;
    EXPECT_EQ(res.content_type, "text/javascript; charset=utf-8") << accept;
    EXPECT_EQ(res.headers.get("Cache-Control"), "no-cache") << accept;
  }
}

TEST(StaticHandler, SendsIdentityWhenGzipIsNotAccepted) {
  const Handler h = static_handler(kCompressed);
  Request r = get("/app.js");
  const auto check = [&](std::string_view what) {
    const Response res = h(r);
    EXPECT_EQ(res.status, 200) << what;
    EXPECT_EQ(res.body, "console.log(1)") << what;
    EXPECT_FALSE(res.headers.get("Content-Encoding")) << what;
    EXPECT_EQ(res.headers.get("Vary"), "Accept-Encoding") << what;
    EXPECT_EQ(res.headers.get("ETag"), "\"j1\"") << what;
  };
  check("absent");
  for (const auto accept : {"gzip;q=0"sv, "identity"sv, ""sv, "br"sv, "*;q=0"sv}) {
    r.headers.set("Accept-Encoding", std::string(accept));
    check(accept);
  }
}

TEST(StaticHandler, WithoutAVariantNoVary) {
  const Handler h = static_handler(kCompressed);
  Request r = get("/style.css");
  r.headers.set("Accept-Encoding", "gzip");
  const Response res = h(r);
  EXPECT_EQ(res.body, "p{}");
  EXPECT_FALSE(res.headers.get("Content-Encoding"));
  EXPECT_FALSE(res.headers.get("Vary"));
}

TEST(StaticHandler, IfNoneMatchComparesTheChosenEncodingsTag) {
  const Handler h = static_handler(kCompressed);
  Request r = get("/app.js");
  r.headers.set("Accept-Encoding", "gzip");
  r.headers.set("If-None-Match", "\"j1gz\"");
  Response res = h(r);
  EXPECT_EQ(res.status, 304);
  EXPECT_EQ(res.headers.get("ETag"), "\"j1gz\"");
  EXPECT_EQ(res.headers.get("Vary"), "Accept-Encoding");
  // The identity's tag does not validate the gzip representation, and back.
  r.headers.set("If-None-Match", "\"j1\"");
  res = h(r);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "GZ-BYTES");
  r.headers.set("Accept-Encoding", "gzip;q=0");
  EXPECT_EQ(h(r).status, 304);
  r.headers.set("If-None-Match", "\"j1gz\"");
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
  // "X.gz" beside "X" is X's gzip variant, not an asset of its own.
  std::set<std::string> variants;
  for (const std::string& p : on_disk) {
    if (p.ends_with(".gz") && on_disk.contains(p.substr(0, p.size() - 3))) variants.insert(p);
  }
  const std::size_t variant_count = variants.size();
  EXPECT_GT(variant_count, 0u) << "the test site has gzip variants";
  for (const std::string& v : variants) on_disk.erase(v);
  const auto read = [&](std::string_view path) {
    std::ifstream in(dir / std::string(path.substr(1)), std::ios::binary);
    return std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  };
  const auto table = testdata::site_assets();
  ASSERT_EQ(table.size(), on_disk.size());
  std::set<std::string> etags;
  std::string previous;
  for (const Asset& a : table) {
    EXPECT_TRUE(on_disk.contains(std::string(a.path))) << a.path;
    EXPECT_LT(previous, a.path) << "sorted by path";
    previous = a.path;
    EXPECT_EQ(a.bytes, read(a.path)) << a.path;
    EXPECT_TRUE(a.etag.starts_with('"') && a.etag.ends_with('"') && a.etag.size() > 10) << a.etag;
    etags.insert(std::string(a.etag));
    const std::string variant = std::string(a.path) + ".gz";
    if (variants.contains(variant)) {
      EXPECT_EQ(a.gzip, read(variant)) << a.path;
      EXPECT_TRUE(a.gzip_etag.starts_with('"') && a.gzip_etag.ends_with('"')) << a.gzip_etag;
      etags.insert(std::string(a.gzip_etag));
      variants.erase(variant);
    } else {
      EXPECT_TRUE(a.gzip.empty() && a.gzip_etag.empty()) << a.path;
    }
  }
  EXPECT_TRUE(variants.empty()) << "every variant in the table";
  EXPECT_EQ(etags.size(), table.size() + variant_count) << "different content, different ETag";
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
  Request gz = get("/app.js");
  gz.headers.set("Accept-Encoding", "gzip");
  const Response app = h(gz);
  EXPECT_EQ(app.headers.get("Content-Encoding"), "gzip");
  EXPECT_TRUE(app.body.starts_with("\x1f\x8b")) << "gzip's magic";
  EXPECT_EQ(h(get("/app.js.gz")).status, 404) << "a variant is no file of its own";
}

}  // namespace
}  // namespace maic::http
