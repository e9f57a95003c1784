#include "maic/http/endpoint.hpp"

#include <gtest/gtest.h>

namespace maic::http {
namespace {

TEST(Endpoint, ParsesHostAndPort) {
  EXPECT_EQ(*parse_endpoint("127.0.0.1:8080"), (Endpoint{"127.0.0.1", 8080}));
  EXPECT_EQ(*parse_endpoint("localhost:0"), (Endpoint{"localhost", 0}));
  EXPECT_EQ(*parse_endpoint("[::1]:65535"), (Endpoint{"::1", 65535}));
  EXPECT_EQ(*parse_endpoint("[::]:80"), (Endpoint{"::", 80}));
}

TEST(Endpoint, RejectsMalformedAddresses) {
  for (const std::string_view bad :
       {"", "8080", ":8080", "host:", "host:x", "host:65536", "host:-1", "host:+1", "::1:80",
        "[::1]80", "[::1", "[]:80", "host:80 "}) {
    const auto e = parse_endpoint(bad);
    EXPECT_FALSE(e.ok()) << "'" << bad << "'";
    if (!e.ok()) {
      EXPECT_NE(e.error().message.find("HOST:PORT"), std::string::npos);
    }
  }
}

TEST(Endpoint, PrintsWhatItParses) {
  for (const std::string_view text : {"127.0.0.1:80", "[::1]:0", "example.org:443"}) {
    EXPECT_EQ(to_string(*parse_endpoint(text)), text);
  }
}

}  // namespace
}  // namespace maic::http
