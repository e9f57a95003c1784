// A handler's intermediate results: a value, or the response that refuses
// the request (400 for a bad parameter, 401, 404, 503 for a storage
// failure...). Steps of a handler return Expected<T>, and the handler
// passes a refusal on with the idiom maic::Result has everywhere:
//
//   Expected<Caller> who = authenticate(request, ctx);
//   if (!who) return who.error();          // the refusal, as it is
//   Expected<nlohmann::json> body = json_object_body(request);
//   if (!body) return body.error();
//   ... use *who, *body ...
//
// A step that only checks something returns Expected<Ok> (maic::Ok).
// Pure parsers below the HTTP layer return maic::Result<T> (an Error, a
// message) and know no statuses; the handler gives the status where it
// calls one: `if (!q) return Response::error(400, q.error().message);`.
#pragma once

#include "maic/core/result.hpp"
#include "maic/http/message.hpp"

namespace maic::http {

template <typename T>
using Expected = maic::Result<T, Response>;

}  // namespace maic::http
