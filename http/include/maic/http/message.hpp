// Plain request and response values: what handlers see and return.
//
// Deliberately free of Boost.Beast (which lives in server.cpp alone), so a
// handler, a router or a test includes only these small headers; handlers
// are plain functions from Request to Response, testable without sockets.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "maic/http/query.hpp"

namespace maic::http {

// ASCII case-insensitive comparison, as HTTP field names need (RFC 9110 §5.1).
bool iequals(std::string_view a, std::string_view b);

// Header fields in the order they were received or added. Names compare
// case-insensitively; a name may repeat.
class Headers {
 public:
  struct Field {
    std::string name;
    std::string value;
    friend bool operator==(const Field&, const Field&) = default;
  };

  // The first field named `name`, or nullopt.
  std::optional<std::string_view> get(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }

  // Appends a field (for fields that may repeat, such as Set-Cookie).
  void add(std::string name, std::string value);
  // Replaces every field named `name` by one with `value`.
  void set(std::string name, std::string value);
  void erase(std::string_view name);

  auto begin() const { return fields_.begin(); }
  auto end() const { return fields_.end(); }
  std::size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }

 private:
  std::vector<Field> fields_;
};

struct Request {
  std::string method;  // as sent: "GET"; methods are case-sensitive (RFC 9110 §9.1)
  std::string target;  // the raw request-target, "/api/v1/x?a=%20", for logs
  std::string path;    // the target's path, percent-decoded ('+' stays '+'); starts with '/'
  Query query;         // the target's query, decoded (see query.hpp)
  Headers headers;
  std::string body;    // at most Limits::body_bytes (server.hpp)
  std::string remote;  // the peer's IP address without port: "127.0.0.1", "::1"
};

struct Response {
  int status = 200;          // a final status, 200..999
  std::string content_type;  // empty: no Content-Type field (e.g. 204, 304)
  Headers headers;           // extra fields; framing (Content-Length, Transfer-Encoding,
                             // Connection) is the server's, a handler's values are dropped
  std::string body;          // for HEAD the server sends the headers of this body, not the body

  // A long poll: when set, the server answers not with this response but
  // with the first one `wait->poll` returns. It calls poll right away and
  // then every `interval` (holding no thread in between), and when
  // `timeout` has passed, or the server is stopping, sends
  // `wait->on_timeout()` instead. poll and on_timeout run on a server
  // thread, like handlers, and must be as quick.
  struct Wait {
    std::function<std::optional<Response>()> poll;
    std::function<Response()> on_timeout;
    std::chrono::milliseconds interval{200};
    std::chrono::milliseconds timeout{25'000};
  };
  std::shared_ptr<const Wait> wait;

  // A JSON body. `json_text` takes already serialised JSON.
  static Response json(const nlohmann::json& value, int status = 200);
  static Response json_text(std::string body, int status = 200);
  // A UTF-8 plain-text body.
  static Response text(std::string body, int status = 200);
  // The uniform error body of every maic endpoint: {"error": "<message>"}.
  static Response error(int status, std::string_view message);
};

// A handler maps a request to a response. It may throw: the server answers
// 500 and reports the exception (ServerOptions::on_error). Which thread it
// runs on is the server's business (server.hpp).
using Handler = std::function<Response(const Request&)>;

}  // namespace maic::http
