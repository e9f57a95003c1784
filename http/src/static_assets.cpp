#include "maic/http/static_assets.hpp"

#include <array>
#include <memory>
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

struct Entry {
  const Asset* asset;
  std::string_view content_type;
};

struct Site {
  StaticOptions options;
  std::unordered_map<std::string_view, Entry> by_path;  // views into the static table
};

}  // namespace

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
    Response response;
    response.headers.set("ETag", std::string(asset.etag));
    response.headers.set("Cache-Control", opt.cache_control);
    response.headers.set("X-Content-Type-Options", "nosniff");
    const auto inm = request.headers.get("If-None-Match");
    if (inm && none_match_hits(*inm, asset.etag)) {
      response.status = 304;
      return response;
    }
    response.content_type = std::string(it->second.content_type);
    response.body = std::string(asset.bytes);
    return response;
  };
}

}  // namespace maic::http
