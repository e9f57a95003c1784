// The headers of a page that holds a session: both servers' sites send
// them with every file they serve, so that a page cannot be framed (click-
// jacking), fed a foreign or inline script (the builds emit none), or leak
// its address to another site.
#pragma once

#include "maic/http/message.hpp"

namespace maic::http {

// Sets Content-Security-Policy (everything from this origin, nothing
// inline, forms post only here, no framing), X-Content-Type-Options,
// Referrer-Policy and X-Frame-Options on `response`.
void add_page_headers(Response& response);

}  // namespace maic::http
