// Helpers the notify tests share: reading a message back.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace maic::notify::test {

inline std::string base64_decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : in) {
    const int v = value(c);
    if (v < 0) continue;  // line breaks, padding
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

// `text` split at CRLF (the last piece after the final CRLF dropped when empty).
inline std::vector<std::string> crlf_lines(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find("\r\n", start);
    if (end == std::string_view::npos) {
      out.emplace_back(text.substr(start));
      break;
    }
    out.emplace_back(text.substr(start, end - start));
    start = end + 2;
  }
  return out;
}

// A parsed message: unfolded headers (name -> value, lower-case names) and
// the body.
struct Parsed {
  std::map<std::string, std::string> headers;
  std::string body;
};

inline Parsed parse_message(std::string_view data) {
  Parsed p;
  const std::size_t split = data.find("\r\n\r\n");
  const std::string_view head = data.substr(0, split);
  p.body = std::string(data.substr(split + 4));
  std::string name;
  for (const std::string& line : crlf_lines(head)) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      p.headers[name] += line;  // RFC 5322 §2.2.3: unfolding removes the CRLF only
      continue;
    }
    const std::size_t colon = line.find(':');
    name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::size_t value = colon + 1;
    while (value < line.size() && line[value] == ' ') ++value;
    p.headers[name] = line.substr(value);
  }
  return p;
}

// The text of RFC 2047 B encoded-words (UTF-8) separated by white space.
inline std::string decode_words(std::string_view value) {
  std::string out;
  std::size_t i = 0;
  while ((i = value.find("=?UTF-8?B?", i)) != std::string_view::npos) {
    const std::size_t start = i + 10;
    const std::size_t end = value.find("?=", start);
    out += base64_decode(value.substr(start, end - start));
    i = end + 2;
  }
  return out;
}

// The header's value from the first of its parameter (boundary="...").
inline std::string parameter(std::string_view value, std::string_view name) {
  const std::size_t at = value.find(std::string(name) + "=\"");
  if (at == std::string_view::npos) return {};
  const std::size_t start = at + name.size() + 2;
  return std::string(value.substr(start, value.find('"', start) - start));
}

}  // namespace maic::notify::test
