#include "maic/http/static_assets.hpp"

#include <array>
#include <memory>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <utility>

namespace maic::http {
namespace {

struct MediaType {
  std::string_view extension;  // with the dot, lower case
  std::string_view type;
};

constexpr std::array<MediaType, 14> kMediaTypes{{
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".json", "application/json"},
    {".map", "application/json"},  // source maps are JSON
    {".webmanifest", "application/manifest+json"},
    {".txt", "text/plain; charset=utf-8"},
    {".woff2", "font/woff2"},
    {".jpg", "image/jpeg"},
    {".webp", "image/webp"},
}};

// Whether If-None-Match (a list of entity tags, or "*") names `etag`.
// Comparison is weak (RFC 9110 §13.1.2): a W/ prefix is ignored.
bool none_match_hits(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    std::string_view tag = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
  }
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether the parameters of one element of Accept-Encoding (";q=0.5")
// leave it a non-zero weight: yes without a q parameter, no for a zero or
// malformed one (qvalue, RFC 9110 §12.4.2).
bool positive_weight(std::string_view params) {
  while (!params.empty()) {
    const std::size_t semi = params.find(';');
    const std::string_view param = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    const std::size_t eq = param.find('=');
    if (eq == std::string_view::npos || !iequals(trim(param.substr(0, eq)), "q")) continue;
    const std::string_view q = trim(param.substr(eq + 1));
    if (q.empty() || (q[0] != '0' && q[0] != '1')) return false;
    if (q.size() > 1 && (q[1] != '.' || q.size() > 5)) return false;
    bool zero = q[0] == '0';
    for (std::size_t i = 2; i < q.size(); ++i) {
      if (q[i] < '0' || q[i] > '9') return false;
      if (q[i] != '0') {
        if (!zero) return false;  // "1.5" is not a qvalue
        zero = false;
      }
    }
    return !zero;
  }
  return true;
}

struct Entry {
  const Asset* asset;
  std::string_view content_type;
};

struct Site {
  StaticOptions options;
  std::unordered_map<std::string_view, Entry> by_path;  // views into the static table
};

}  // namespace

bool accepts_gzip(std::string_view header) {
  std::optional<bool> gzip;  // named explicitly
  std::optional<bool> any;   // "*"
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    const std::string_view element = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    const std::size_t semi = element.find(';');
    const std::string_view coding = trim(element.substr(0, semi));
    const bool allowed = positive_weight(semi == std::string_view::npos ? std::string_view()
                                                                        : element.substr(semi + 1));
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) {
      gzip = gzip.value_or(false) || allowed;
    } else if (coding == "*") {
      any = any.value_or(false) || allowed;
    }
  }
  if (gzip) return *gzip;
  return any.value_or(false);
}

std::string_view content_type_for(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  const std::size_t dot = path.rfind('.');
  if (dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash)) {
    const std::string_view ext = path.substr(dot);
    for (const MediaType& m : kMediaTypes) {
      if (iequals(ext, m.extension)) return m.type;
    }
  }
  return "application/octet-stream";
}

Handler static_handler(AssetTable assets, StaticOptions options) {
  if (!options.mount.starts_with('/') || !options.mount.ends_with('/')) {
    throw std::invalid_argument("static mount '" + options.mount + "' must start and end with '/'");
  }
  auto site = std::make_shared<Site>();
  site->options = std::move(options);
  for (const Asset& a : assets) site->by_path.emplace(a.path, Entry{&a, content_type_for(a.path)});

  return [site = std::shared_ptr<const Site>(std::move(site))](const Request& request) {
    const StaticOptions& opt = site->options;
    if (!request.path.starts_with(opt.mount)) {
      return Response::error(404, "no such file: " + request.path);
    }
    // The table's paths are relative to the mount and keep its trailing '/'.
    std::string path = request.path.substr(opt.mount.size() - 1);
    if (path.ends_with('/')) path += opt.index;
    const auto it = site->by_path.find(path);
    if (it == site->by_path.end()) return Response::error(404, "no such file: " + request.path);

    const Asset& asset = *it->second.asset;
    const bool has_gzip = !asset.gzip_etag.empty();
    const auto accept = request.headers.get("Accept-Encoding");
    const bool gzip = has_gzip && accept && accepts_gzip(*accept);
    const std::string_view etag = gzip ? asset.gzip_etag : asset.etag;
    Response response;
    response.headers.set("ETag", std::string(etag));
    response.headers.set("Cache-Control", opt.cache_control);
    response.headers.set("X-Content-Type-Options", "nosniff");
    // Caches must keep the two representations apart (RFC 9110 §12.5.5).
    if (has_gzip) response.headers.set("Vary", "Accept-Encoding");
    const auto inm = request.headers.get("If-None-Match");
    if (inm && none_match_hits(*inm, etag)) {
      response.status = 304;
      return response;
    }
    if (gzip) response.headers.set("Content-Encoding", "gzip");
    response.content_type = std::string(it->second.content_type);
    response.body = std::string(gzip ? asset.gzip : asset.bytes);
    return response;
  };
}

}  // namespace maic::http
