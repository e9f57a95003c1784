// The routing table: (method, path) -> handler, testable without sockets.
//
//   Router r;
//   r.add("GET", "/api/v1/readings", [&](const Request& q) { return readings(q, ctx); });
//   r.add_prefix("GET", "/", static_handler(assets));
//   Server::start(options, [&r](const Request& q) { return r.handle(q); });
//
// Build the table first, then serve: handle() is const and may be called
// from several threads at once; add() must not race with it.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "maic/http/message.hpp"

namespace maic::http {

class Router {
 public:
  // Routes `method` on exactly `path`. Throws std::invalid_argument (a
  // programming error) if `path` does not start with '/', `method` is empty,
  // or the same method and path were added before.
  Router& add(std::string method, std::string path, Handler handler);

  // Routes `method` on every path that starts with `prefix` and matches no
  // exact route, e.g. static files under "/". The longest matching prefix
  // wins. Same preconditions as add().
  Router& add_prefix(std::string method, std::string prefix, Handler handler);

  // Calls the handler of the request's method and path:
  //  - an exact route's path takes precedence over every prefix;
  //  - HEAD falls back to the GET handler (the server drops the body);
  //  - no route for the path: 404; routes but none for the method: 405 with
  //    an Allow field listing the methods that are routed.
  // Exceptions from the handler propagate (the server turns them into 500).
  Response handle(const Request& request) const;

 private:
  struct Route {
    std::string method;
    Handler handler;
  };
  using Routes = std::vector<Route>;  // of one path; a handful at most

  static void insert(Routes& routes, std::string method, Handler handler, std::string_view where);
  static Response dispatch(const Routes& routes, const Request& request);

  std::map<std::string, Routes, std::less<>> exact_;
  std::vector<std::pair<std::string, Routes>> prefixes_;  // longest first
};

}  // namespace maic::http
