// How deep JSON may nest, checked before anything parses it.
//
// nlohmann's parser and its dump() recurse once per level of nesting: a
// 130 KB body of 65,000 '[' overflows the stack. Every JSON that comes from
// the network or a file (request bodies on both servers, MQTT payloads,
// settings and meter files, the uplink's batches) passes this check first.
// No document maic reads needs more than a handful of levels (a board, the
// deepest, under 10), so kMaxJsonDepth leaves ample room.
#pragma once

#include <cstddef>
#include <string_view>

namespace maic {

// The deepest nesting of arrays and objects maic accepts: `[]` is depth 1,
// `{"a":[1]}` depth 2.
inline constexpr std::size_t kMaxJsonDepth = 32;

// Whether no array or object in `text` is nested more than `max_depth`
// deep. A scan without recursion: it counts '[' and '{' (and their
// closers) outside strings, honouring backslash escapes inside them. It
// does not validate the JSON otherwise: text that passes may still be
// rejected by the parser that follows.
bool json_within_depth(std::string_view text, std::size_t max_depth = kMaxJsonDepth);

}  // namespace maic
