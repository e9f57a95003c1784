#include "request_reader.hpp"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <exception>
#include <limits>
#include <utility>

#include "response_check.hpp"

namespace maic::http::detail {
namespace {

namespace bhttp = boost::beast::http;
using boost::beast::error_code;
using Parser = bhttp::request_parser<bhttp::string_body>;

// Reads from the socket come in pieces of at most this size; the buffer
// keeps room for two of them beyond a whole header.
constexpr std::size_t kReadChunk = 4096;

// The answer to a parse that failed. `body_limit` is the limit this
// request's body was read under.
Response refusal_for(const error_code& ec, const Limits& limits, std::size_t body_limit) {
  if (ec == bhttp::error::header_limit) {
    return Response::error(
        431, "request header larger than " + std::to_string(limits.header_bytes) + " bytes");
  }
  if (ec == bhttp::error::body_limit) {
    return Response::error(413,
                           "request body larger than " + std::to_string(body_limit) + " bytes");
  }
  // The buffer is full (a chunk line or the trailer section does not end),
  // or the chunk extensions add up past their budget.
  if (ec == bhttp::error::buffer_overflow) {
    return Response::error(400, "chunk extensions or trailer fields larger than " +
                                    std::to_string(limits.header_bytes) + " bytes");
  }
  return Response::error(400, "malformed request: " + ec.message());
}

// What makes a request's framing ambiguous, or nothing (RFC 9112 §6.1,
// §6.3): a Transfer-Encoding whose last coding is not chunked would leave
// the body to be read as the next request (request smuggling), and
// Transfer-Encoding beside Content-Length is an attack or a broken client.
// Either is refused and the connection closed.
std::optional<std::string> framing_problem(const Parser& p) {
  const auto& h = p.get();
  if (h.find(bhttp::field::transfer_encoding) == h.end()) return std::nullopt;
  if (h.find(bhttp::field::content_length) != h.end()) {
    return "a request must not carry both Transfer-Encoding and Content-Length";
  }
  if (!p.chunked()) return std::string("a request's last transfer coding must be chunked");
  return std::nullopt;
}

// The header as ours (without the body). An error is the client's (400).
// Fields the parser adds later (a chunked body's trailer) are not in it:
// only the header counts.
Result<Request> header_request(const Parser::value_type& in, std::string client) {
  Request out;
  out.method = std::string(in.method_string());
  out.target = std::string(in.target());
  if (out.target.empty() || out.target.front() != '/') {
    return make_error("the request target must be a path starting with '/'");
  }
  if (in.version() >= 11 && in.find(bhttp::field::host) == in.end()) {
    return make_error("an HTTP/1.1 request needs a Host field");  // RFC 9112 §3.2
  }
  const std::size_t q = out.target.find('?');
  auto path = percent_decode(std::string_view(out.target).substr(0, q), Plus::kLiteral);
  if (!path) return make_error("request path: " + path.error().message);
  out.path = std::move(*path);
  if (q != std::string::npos) {
    auto query = parse_query(std::string_view(out.target).substr(q + 1));
    if (!query) return query.error();
    out.query = std::move(*query);
  }
  for (const auto& field : in) {
    out.headers.add(std::string(field.name_string()), std::string(field.value()));
  }
  out.remote = std::move(client);
  return out;
}

// The X-Forwarded-For fields, joined in order as one list (RFC 9110
// §5.3), or nothing.
std::optional<std::string> forwarded_for(const Parser::value_type& h) {
  std::optional<std::string> out;
  for (auto [f, end] = h.equal_range("X-Forwarded-For"); f != end; ++f) {
    out = out ? *out + ", " + std::string(f->value()) : std::string(f->value());
  }
  return out;
}

}  // namespace

struct RequestReader::Impl {
  Impl(const Limits& l, const std::function<Expected<std::size_t>(const Request&)>& hook,
       const std::function<void(std::string_view)>& r, std::string p, const AddressSet& proxies)
      : limits(l), body_limit_hook(hook), report(r), peer(std::move(p)), trusted(proxies) {
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(limits.header_bytes, std::numeric_limits<std::uint32_t>::max())));
    parser.body_limit(static_cast<std::uint64_t>(limits.body_bytes));
    // Chunk extensions are read and thrown away, but they are read:
    // together they may take no more than a header may.
    count_extensions = [this](std::uint64_t, std::string_view extensions, error_code& ec) {
      extension_bytes += extensions.size();
      if (extension_bytes > limits.header_bytes) ec = bhttp::error::buffer_overflow;
    };
    parser.on_chunk_header(count_extensions);
  }

  Progress refuse(Response r) {
    refusal = std::move(r);
    return state = Progress::kRefused;
  }
  // The checks made once the header is whole; the progress to report.
  Progress header_done();
  // The route's body limit from the hook, or the refusal.
  Expected<std::size_t> route_body_limit();

  const Limits& limits;
  const std::function<Expected<std::size_t>(const Request&)>& body_limit_hook;
  const std::function<void(std::string_view)>& report;
  const std::string peer;
  const AddressSet& trusted;

  Parser parser;
  std::function<void(std::uint64_t, std::string_view, error_code&)> count_extensions;
  std::size_t extension_bytes = 0;
  std::size_t body_limit = 0;  // set with the header
  bool header_seen = false;
  Progress state = Progress::kNeedMore;
  std::optional<Request> header;
  std::optional<Response> refusal;
};

Expected<std::size_t> RequestReader::Impl::route_body_limit() {
  if (!body_limit_hook) return limits.body_bytes;
  Expected<std::size_t> limit = [&]() -> Expected<std::size_t> {
    try {
      return body_limit_hook(*header);
    } catch (...) {
      if (report)
        report("body_limit for " + header->method + " " + header->path +
               " threw: " + describe(std::current_exception()));
      return Response::error(500, "internal error");
    }
  }();
  if (limit) return std::min(*limit, limits.body_bytes);
  if (const auto what = invalid_response(limit.error())) {
    if (report)
      report("body_limit for " + header->method + " " + header->path + " returned an invalid " +
             *what);
    return Response::error(500, "internal error");
  }
  return limit;
}

RequestReader::Progress RequestReader::Impl::header_done() {
  header_seen = true;
  if (auto problem = framing_problem(parser)) return refuse(Response::error(400, *problem));
  const auto& h = parser.get();
  const auto xff = forwarded_for(h);
  auto parsed = header_request(
      h,
      forwarded_client(peer, xff ? std::optional<std::string_view>(*xff) : std::nullopt, trusted));
  // Its body is not worth reading.
  if (!parsed) return refuse(Response::error(400, parsed.error().message));
  header = std::move(*parsed);
  // The body's limit is the route's, decided on the header alone: a
  // request the handler would refuse (no credentials, no such route) is
  // refused before its body is read.
  auto limit = route_body_limit();
  if (!limit) return refuse(std::move(limit.error()));
  body_limit = *limit;
  parser.body_limit(static_cast<std::uint64_t>(body_limit));
  // Beast checks a Content-Length against the limit while parsing the
  // header, i.e. against the one set before; chunks it checks as they come.
  const auto length = parser.content_length();
  if (length && *length > body_limit) {
    return refuse(refusal_for(bhttp::error::body_limit, limits, body_limit));
  }
  parser.eager(true);  // from here on, parse all that is there
  return state = Progress::kHeaderDone;
}

std::size_t RequestReader::buffer_bytes(const Limits& limits) {
  return limits.header_bytes + 2 * kReadChunk;
}

RequestReader::RequestReader(const Limits& limits,
                             const std::function<Expected<std::size_t>(const Request&)>& body_limit,
                             const std::function<void(std::string_view)>& report, std::string peer,
                             const AddressSet& trusted_proxies)
    : impl_(std::make_unique<Impl>(limits, body_limit, report, std::move(peer), trusted_proxies)) {}

RequestReader::~RequestReader() = default;

RequestReader::Progress RequestReader::feed(std::string_view input, std::size_t& consumed) {
  Impl& m = *impl_;
  consumed = 0;
  if (m.state == Progress::kDone || m.state == Progress::kRefused) return m.state;
  for (;;) {
    if (m.header_seen && m.parser.is_done()) return m.state = Progress::kDone;
    if (consumed == input.size()) return Progress::kNeedMore;
    error_code ec;
    consumed += m.parser.put(
        boost::asio::const_buffer(input.data() + consumed, input.size() - consumed), ec);
    if (ec == bhttp::error::need_more) {
      // What is left must be a partial header, chunk line or trailer
      // section: if it fills the buffer, it will never end within the limits.
      if (input.size() - consumed >= buffer_bytes(m.limits)) {
        return m.refuse(refusal_for(bhttp::error::buffer_overflow, m.limits, m.body_limit));
      }
      return Progress::kNeedMore;
    }
    if (ec) {
      return m.refuse(
          refusal_for(ec, m.limits, m.header_seen ? m.body_limit : m.limits.body_bytes));
    }
    if (!m.header_seen && m.parser.is_header_done()) return m.header_done();
  }
}

const Request& RequestReader::header() const { return *impl_->header; }

bool RequestReader::expects_continue() const {
  const auto expect = impl_->parser.get()[bhttp::field::expect];
  return !impl_->parser.is_done() &&
         iequals(std::string_view(expect.data(), expect.size()), "100-continue");
}

unsigned RequestReader::version() const { return impl_->parser.get().version(); }
bool RequestReader::keep_alive() const { return impl_->parser.get().keep_alive(); }
bool RequestReader::head() const { return impl_->parser.get().method() == bhttp::verb::head; }

Request RequestReader::take_request() {
  Request out = std::move(*impl_->header);
  out.body = std::move(impl_->parser.get().body());
  return out;
}

Response RequestReader::take_refusal() { return std::move(*impl_->refusal); }

}  // namespace maic::http::detail
