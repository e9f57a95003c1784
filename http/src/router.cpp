#include "maic/http/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace maic::http {
namespace {

void check(const std::string& method, const std::string& path) {
  if (method.empty()) throw std::invalid_argument("route method is empty");
  if (path.empty() || path.front() != '/') {
    throw std::invalid_argument("route path '" + path + "' does not start with '/'");
  }
}

}  // namespace

void Router::insert(Routes& routes, std::string method, Handler handler, std::string_view where) {
  const bool taken =
      std::any_of(routes.begin(), routes.end(), [&](const Route& r) { return r.method == method; });
  if (taken)
    throw std::invalid_argument("route " + method + " " + std::string(where) + " added twice");
  routes.push_back({std::move(method), std::move(handler)});
}

Router& Router::add(std::string method, std::string path, Handler handler) {
  check(method, path);
  Routes& routes = exact_[path];
  insert(routes, std::move(method), std::move(handler), path);
  return *this;
}

Router& Router::add_prefix(std::string method, std::string prefix, Handler handler) {
  check(method, prefix);
  auto it = std::find_if(prefixes_.begin(), prefixes_.end(),
                         [&](const auto& p) { return p.first == prefix; });
  if (it == prefixes_.end()) {
    // Keep longest first, so the first match in handle() is the longest.
    it = std::find_if(prefixes_.begin(), prefixes_.end(),
                      [&](const auto& p) { return p.first.size() < prefix.size(); });
    it = prefixes_.insert(it, {prefix, Routes{}});
  }
  insert(it->second, std::move(method), std::move(handler), prefix + "*");
  return *this;
}

Response Router::dispatch(const Routes& routes, const Request& request) {
  const auto find = [&](std::string_view method) -> const Route* {
    for (const Route& r : routes) {
      if (r.method == method) return &r;
    }
    return nullptr;
  };
  const Route* route = find(request.method);
  if (route == nullptr && request.method == "HEAD") route = find("GET");
  if (route != nullptr) return route->handler(request);

  std::string allow;
  for (const Route& r : routes) {
    if (!allow.empty()) allow += ", ";
    allow += r.method;
    if (r.method == "GET" && find("HEAD") == nullptr) allow += ", HEAD";
  }
  Response response = Response::error(405, "method " + request.method + " not allowed on " +
                                               request.path + " (allowed: " + allow + ")");
  response.headers.set("Allow", std::move(allow));
  return response;
}

Response Router::handle(const Request& request) const {
  if (const auto it = exact_.find(request.path); it != exact_.end()) {
    return dispatch(it->second, request);
  }
  for (const auto& [prefix, routes] : prefixes_) {
    if (request.path.starts_with(prefix)) return dispatch(routes, request);
  }
  return Response::error(404, "no such resource: " + request.path);
}

}  // namespace maic::http
