// The Dashboard at "/": its files, its index.html for the app's own paths
// (the app routes on the History API, so /devices/42 must load it), and the
// headers that keep a page holding a session from being framed or fed
// foreign scripts.
#include <array>
#include <string_view>

#include "context.hpp"
#include "maic/http/page_headers.hpp"
#include "maic/http/router.hpp"

namespace maic::cloud {
namespace {

// The API's own trees: an unknown path in them is a JSON 404, never the app.
constexpr std::array<std::string_view, 3> kApiTrees{"/api", "/uplink", "/metrics"};

bool in_api_tree(std::string_view path) {
  for (std::string_view tree : kApiTrees) {
    if (path.starts_with(tree) && (path.size() == tree.size() || path[tree.size()] == '/'))
      return true;
  }
  return false;
}

// The app's paths have no extension in their last segment; a missing
// "/app.css" or "/favicon.ico" stays a 404.
bool is_app_path(std::string_view path) {
  const std::string_view last = path.substr(path.rfind('/') + 1);
  return last.find('.') == std::string_view::npos;
}

http::Response not_found(const http::Request& r) {
  return http::Response::error(404, "no such resource: " + r.path);
}

}  // namespace

void add_site_routes(http::Router& router, http::AssetTable site) {
  if (site.empty()) return;
  router.add_prefix("GET", "/", [files = http::static_handler(site)](const http::Request& r) {
    if (in_api_tree(r.path)) return not_found(r);
    http::Response response = files(r);
    if (response.status == 404 && is_app_path(r.path)) {
      // Only what a static file's answer depends on: the path, If-None-Match
      // and Accept-Encoding.
      http::Request index;
      index.method = r.method;
      index.path.assign(1, '/');
      index.headers = r.headers;
      response = files(index);
    }
    http::add_page_headers(response);
    return response;
  });
  // Without these, "/" answering GET would turn every other unknown path's
  // 404 into a 405.
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE"})
    router.add_prefix(method, "/", not_found);
}

}  // namespace maic::cloud
