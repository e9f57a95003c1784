// Fuzzes the server's own reading of requests (http/src/request_reader.hpp,
// the code every connection runs): header, chunked framing, chunk
// extensions, trailers, Content-Length, the per-route body limit, and
// pipelined requests, fed in pieces of varying size as a socket delivers
// them. It must never crash, never let a buffer or a body grow past its
// limit, never hand on a request that breaks the rules it checks, and
// refuse only with the statuses docs/security.md lists.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "request_reader.hpp"

namespace {

using maic::http::Request;
using maic::http::Response;
using Reader = maic::http::detail::RequestReader;

// Small limits, so that inputs of a few kilobytes reach every one.
maic::http::Limits limits() {
  maic::http::Limits l;
  l.header_bytes = 512;
  l.body_bytes = 1024;
  return l;
}

// Routes as a server's hook decides them: a large body, a refusal before
// the body, a small body.
maic::http::Expected<std::size_t> route_limit(const Request& header) {
  if (header.path.starts_with("/big")) return std::size_t{1024};
  if (header.path.starts_with("/deny")) return Response::error(401, "log in first");
  return std::size_t{64};
}

bool allowed_refusal(int status) {
  return status == 400 || status == 401 || status == 413 || status == 431;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  // The first byte sets how the rest arrives: in pieces of 1..64 bytes.
  const std::size_t piece = 1 + data[0] % 64;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  static const maic::http::Limits kLimits = limits();
  static const std::function<maic::http::Expected<std::size_t>(const Request&)> kHook = route_limit;
  static const std::function<void(std::string_view)> kReport;
  static const maic::http::AddressSet kProxies = *maic::http::AddressSet::parse({"127.0.0.0/8"});
  const std::size_t capacity = Reader::buffer_bytes(kLimits);

  std::string buffer;
  std::size_t next = 0;
  auto reader = std::make_unique<Reader>(kLimits, kHook, kReport, "127.0.0.1", kProxies);
  for (int guard = 0; guard < 100000; ++guard) {
    std::size_t consumed = 0;
    const auto progress = reader->feed(buffer, consumed);
    if (consumed > buffer.size()) std::abort();
    buffer.erase(0, consumed);
    switch (progress) {
      case Reader::Progress::kRefused: {
        const Response r = reader->take_refusal();
        if (!allowed_refusal(r.status)) std::abort();
        return 0;  // the server answers and closes
      }
      case Reader::Progress::kDone: {
        const Request q = reader->take_request();
        if (q.path.empty() || q.path.front() != '/') std::abort();
        if (q.path.starts_with("/deny")) std::abort();  // refused on its header
        if (q.body.size() > (q.path.starts_with("/big") ? 1024u : 64u)) std::abort();
        for (const auto& f : q.headers) {
          if (f.name.find_first_of("\r\n:") != std::string::npos) std::abort();
          if (f.value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
            std::abort();
        }
        // Pipelined: the next request is read from what is left.
        reader = std::make_unique<Reader>(kLimits, kHook, kReport, "127.0.0.1", kProxies);
        continue;
      }
      case Reader::Progress::kHeaderDone:
        if (reader->header().path.starts_with("/deny")) std::abort();
        continue;
      case Reader::Progress::kNeedMore:
        // The reader must refuse before its caller's buffer is full.
        if (buffer.size() >= capacity) std::abort();
        break;
    }
    if (next >= input.size()) return 0;  // the client stops sending
    const std::size_t n = std::min({piece, input.size() - next, capacity - buffer.size()});
    buffer.append(input.substr(next, n));
    next += n;
  }
  return 0;
}
