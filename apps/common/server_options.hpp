// The web server's limits as command-line options, shared by the programs
// that serve HTTP (maic-device, maic-cloud). docs/security.md describes
// each limit and what its refusal means.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>
#include <vector>

#include "maic/http/server.hpp"

namespace maic::apps {

struct ServerLimitOptions {
  // Starts from a program's defaults.
  explicit ServerLimitOptions(const http::Limits& defaults);

  // Adds the options to `app` in a group of their own. `env_prefix`
  // ("MAIC_CLOUD_"): each may also come from the environment; empty: not.
  // `behind_proxies`: also the long-poll pool and the trusted proxies (the
  // server's), which a device has no use for.
  void add_to(CLI::App& app, const std::string& env_prefix, bool behind_proxies);

  // Sets the limits and the trusted proxies in `options`.
  void apply(http::ServerOptions& options) const;

  // The descriptors the limits may take at once: served and refused
  // connections, long polls.
  std::size_t descriptors() const;

  std::size_t max_connections;
  std::size_t per_client;
  std::size_t long_polls;
  long long header_timeout_ms;
  long long body_timeout_ms;
  long long idle_timeout_ms;
  std::vector<std::string> trusted_proxies;
};

}  // namespace maic::apps
