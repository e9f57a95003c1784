// Serving a front end that is compiled into the binary.
//
// cmake/MaicEmbed.cmake (maic_embed_assets) turns a directory produced by the
// web build into a generated .cpp defining a static AssetTable, so a binary
// serves its site with no files on disk; static_handler() serves such a
// table from a prefix route.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "maic/http/message.hpp"

namespace maic::http {

struct Asset {
  std::string_view path;   // relative to the embedded directory, with a leading '/': "/app.js"
  std::string_view bytes;  // the file's exact content (may hold NUL bytes)
  std::string_view etag;   // a quoted entity tag derived from the content: "\"3f2a...\""
};

// A table of static storage duration (generated tables are), sorted or not.
using AssetTable = std::span<const Asset>;

// The media type of a file by its extension (ASCII case-insensitive), with
// charset=utf-8 for text; "application/octet-stream" when unknown. The one
// table of extensions in maic: generated asset tables do not repeat it.
std::string_view content_type_for(std::string_view path);

struct StaticOptions {
  std::string mount = "/";           // URL prefix the table appears under; starts and ends with '/'
  std::string index = "index.html";  // served for a path that ends in '/'
  // Asset names carry no content hash, so clients must revalidate; the
  // ETag makes that a cheap 304.
  std::string cache_control = "no-cache";
};

// A handler for Router::add_prefix("GET", options.mount, ...) serving the
// table: 200 with content type, ETag and Cache-Control; 304 when
// If-None-Match names the current ETag; 404 for a path not in the table.
// Throws std::invalid_argument if options.mount is malformed.
// `assets` must outlive the handler.
Handler static_handler(AssetTable assets, StaticOptions options = {});

}  // namespace maic::http
