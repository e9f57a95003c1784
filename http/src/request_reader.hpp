// Reading one request from bytes as they arrive: every rule the server
// reads by (limits on header, chunk extensions, trailers and body; framing;
// the per-route body limit decided on the header), with no I/O, so that the
// server's connections and the framing fuzzer run the same code.
//
// Use: append what the socket gives to a buffer of at most
// `buffer_bytes(limits)`, hand the buffer's contents to feed(), drop the
// bytes it consumed, and act on the progress it returns. Bytes after the
// request (a pipelined next one) are left unconsumed.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "maic/http/client_address.hpp"
#include "maic/http/expected.hpp"
#include "maic/http/message.hpp"
#include "maic/http/server.hpp"

namespace maic::http::detail {

class RequestReader {
 public:
  enum class Progress {
    kNeedMore,    // feed more bytes (none of the limits is broken yet)
    kHeaderDone,  // the header passed every check: returned once, before the body
    kDone,        // the whole request is read: take_request()
    kRefused,     // answer take_refusal() and close the connection
  };

  // The most bytes the caller's buffer may hold: a chunk line or the
  // trailer section must fit in it whole, so neither grows without bound.
  static std::size_t buffer_bytes(const Limits& limits);

  // `body_limit` and `report` as in ServerOptions (either may be empty);
  // `peer` the connection's address, `trusted_proxies` whose
  // X-Forwarded-For names the client (client_address.hpp). The references
  // must outlive the reader.
  RequestReader(const Limits& limits,
                const std::function<Expected<std::size_t>(const Request&)>& body_limit,
                const std::function<void(std::string_view)>& report, std::string peer,
                const AddressSet& trusted_proxies);
  ~RequestReader();
  RequestReader(const RequestReader&) = delete;
  RequestReader& operator=(const RequestReader&) = delete;

  // Parses from the front of `input`; `consumed` is set to the bytes used.
  Progress feed(std::string_view input, std::size_t& consumed);

  // After kHeaderDone: the request's header (its body still empty), and
  // what the client asked for.
  const Request& header() const;
  bool expects_continue() const;  // "Expect: 100-continue" (RFC 9110 §10.1.1)
  // After kHeaderDone or kDone: HTTP version (10, 11), whether the client
  // wants the connection kept open, whether it is a HEAD.
  unsigned version() const;
  bool keep_alive() const;
  bool head() const;

  // After kDone, once.
  Request take_request();
  // After kRefused, once.
  Response take_refusal();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace maic::http::detail
