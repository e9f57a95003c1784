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
  // The same content gzip-compressed, made at build time, with its own
  // entity tag; both empty when there is no such variant (the file does not
  // compress, or nobody made one). Sent as `Content-Encoding: gzip` to a
  // client whose Accept-Encoding allows it.
  std::string_view gzip = {};
  std::string_view gzip_etag = {};
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

// Whether a request's Accept-Encoding field (RFC 9110 §12.5.3) allows gzip:
// "gzip" (or "x-gzip") with a non-zero weight, else "*" with one. Absent
// or empty, only the identity is asked for. A weight of 0 refuses; a
// malformed weight counts as a refusal too (the identity is always safe).
bool accepts_gzip(std::string_view accept_encoding);

// A handler for Router::add_prefix("GET", options.mount, ...) serving the
// table: 200 with content type, ETag and Cache-Control; 304 when
// If-None-Match names the current ETag; 404 for a path not in the table.
// A file with a gzip variant is sent compressed (Content-Encoding: gzip,
// its own ETag) when the request's Accept-Encoding allows it, as is
// otherwise; either way with `Vary: Accept-Encoding`.
// Throws std::invalid_argument if options.mount is malformed.
// `assets` must outlive the handler.
Handler static_handler(AssetTable assets, StaticOptions options = {});

}  // namespace maic::http
