#include "server_options.hpp"

namespace maic::apps {

ServerLimitOptions::ServerLimitOptions(const http::Limits& d)
    : max_connections(d.max_connections),
      per_client(d.max_connections_per_client),
      long_polls(d.max_long_polls),
      header_timeout_ms(d.header_timeout.count()),
      body_timeout_ms(d.body_timeout.count()),
      idle_timeout_ms(d.idle_timeout.count()) {}

void ServerLimitOptions::add_to(CLI::App& app, const std::string& env_prefix, bool behind_proxies) {
  const auto add = [&](const char* name, auto& value, const char* env, const std::string& help) {
    CLI::Option* o = app.add_option(name, value, help)->group("Connections")->capture_default_str();
    if (!env_prefix.empty()) o->envname(env_prefix + env);
    return o;
  };
  constexpr std::size_t kMost = 1'000'000;
  add("--max-connections", max_connections, "MAX_CONNECTIONS",
      "connections served at once (beyond: a client holding fewer takes the place of\n"
      "an idle or slow one of the client holding most, else a refusal with Retry-After)")
      ->check(CLI::Range(std::size_t{1}, kMost));
  add("--connections-per-client", per_client, "CONNECTIONS_PER_CLIENT",
      "of those, the most one address (an IPv6 /64) may hold")
      ->check(CLI::Range(std::size_t{1}, kMost));
  add("--header-timeout-ms", header_timeout_ms, "HEADER_TIMEOUT_MS",
      "deadline for a request's header, from its first byte (or the connection's start)")
      ->check(CLI::Range(1LL, 3'600'000LL));
  add("--body-timeout-ms", body_timeout_ms, "BODY_TIMEOUT_MS",
      "deadline for a request's body after its header, and for writing a response")
      ->check(CLI::Range(1LL, 3'600'000LL));
  add("--idle-timeout-ms", idle_timeout_ms, "IDLE_TIMEOUT_MS",
      "how long a kept-alive connection may wait for its next request")
      ->check(CLI::Range(1LL, 3'600'000LL));
  if (!behind_proxies) return;
  add("--long-polls", long_polls, "LONG_POLLS",
      "connections of devices waiting for commands, a pool apart from --max-connections")
      ->check(CLI::Range(std::size_t{1}, kMost));
  add("--trusted-proxy", trusted_proxies, "TRUSTED_PROXIES",
      "a reverse proxy's address or network (10.0.0.0/8), repeatable: its\n"
      "X-Forwarded-For names the client for budgets and connection shares")
      ->delimiter(',');
}

void ServerLimitOptions::apply(http::ServerOptions& o) const {
  o.limits.max_connections = max_connections;
  o.limits.max_connections_per_client = per_client;
  o.limits.max_long_polls = long_polls;
  o.limits.header_timeout = std::chrono::milliseconds(header_timeout_ms);
  o.limits.body_timeout = std::chrono::milliseconds(body_timeout_ms);
  o.limits.idle_timeout = std::chrono::milliseconds(idle_timeout_ms);
  o.trusted_proxies = trusted_proxies;
}

std::size_t ServerLimitOptions::descriptors() const { return 2 * max_connections + long_polls; }

}  // namespace maic::apps
