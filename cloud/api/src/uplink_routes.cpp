// What devices call (docs/uplink.md): hello, minute batches, the command
// long poll and its acknowledgement. A device authenticates with its ID and
// factory secret (HTTP Basic); the server keeps only the secret's hash and
// learns it on first contact.
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <limits>
#include <optional>

#include "context.hpp"
#include "maic/cloud/ingest_rules.hpp"
#include "maic/core/device_id.hpp"
#include "maic/core/device_secrets.hpp"
#include "maic/core/upload_codec.hpp"
#include "secrets.hpp"

namespace maic::cloud {
namespace {

// Unix seconds as a person reads them in a log line.
std::string utc_text(std::int64_t unix_seconds) {
  return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC",
                     std::chrono::sys_seconds(std::chrono::seconds(unix_seconds)));
}

struct DeviceCredentials {
  DeviceId devid;
  std::string secret;
};

bool hex_of_length(std::string_view s, std::size_t n) {
  return s.size() == n && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

http::Response unauthorized(std::string_view why) {
  http::Response r = http::Response::error(401, why);
  r.headers.set("WWW-Authenticate", "Basic realm=\"maic uplink\"");
  return r;
}

http::Expected<DeviceCredentials> credentials(const http::Request& r) {
  const auto auth = r.headers.get("Authorization");
  constexpr std::string_view kBasic = "Basic ";
  if (!auth || !auth->starts_with(kBasic))
    return unauthorized("devices authenticate with Basic <ID:secret>");
  const std::string_view encoded = auth->substr(kBasic.size());
  std::string decoded(encoded.size(), '\0');
  std::size_t n = 0;
  if (encoded.size() > 200 ||
      sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(),
                        encoded.data(), encoded.size(), nullptr, &n, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0)
    return unauthorized("the Authorization field is not valid base64");
  decoded.resize(n);
  const auto colon = decoded.find(':');
  if (colon == std::string::npos) return unauthorized("credentials must be ID:secret");
  std::optional<DeviceId> devid = DeviceId::parse(std::string_view(decoded).substr(0, colon));
  if (!devid) return unauthorized("the device ID must be 10 digits");
  DeviceCredentials c{std::move(*devid), decoded.substr(colon + 1)};
  if (!hex_of_length(c.secret, 64)) return unauthorized("the secret must be 64 hex digits");
  return c;
}

std::int64_t now_ms(const Context& ctx) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             ctx.clock.wall_now().time_since_epoch())
      .count();
}

nlohmann::json commands_json(const std::vector<Command>& commands) {
  nlohmann::json out = nlohmann::json::array();
  for (const Command& c : commands) out.push_back({{"id", c.id}, {"out", c.output_on ? 1 : 0}});
  return out;
}

// The known device these credentials open, or the refusal.
http::Expected<DeviceRow> known_device(Context& ctx, const DeviceCredentials& c) {
  auto device = ctx.store.device(c.devid.str());
  if (!device) return storage_failure(ctx, device.error());
  if (!*device) return http::Response::error(409, "unknown device: send hello first");
  if (!secrets_equal((*device)->identity.secret_hash, secret_hash(c.secret)))
    return unauthorized("wrong secret for device " + c.devid.str());
  return std::move(**device);
}

http::Response hello(const http::Request& r, Context& ctx) {
  auto given = credentials(r);
  if (!given) return given.error();
  const DeviceCredentials& c = *given;
  auto body = json_object_body(r);
  if (!body) return body.error();
  const nlohmann::json& json = *body;

  DeviceIdentity id;
  id.devid = c.devid.str();
  id.secret_hash = secret_hash(c.secret);
  for (auto [field, target, max] : {std::tuple{"devid", &id.devid, DeviceId::kDigits},
                                    std::tuple{"devtype", &id.devtype, std::size_t{16}},
                                    std::tuple{"firmware", &id.firmware, std::size_t{64}},
                                    std::tuple{"pin_salt", &id.pin_salt, std::size_t{32}},
                                    std::tuple{"pin_hash", &id.pin_hash, std::size_t{64}}}) {
    auto value = string_field(json, field, max);
    if (!value) return value.error();
    if (std::string_view(field) == "devid") {
      if (*value != c.devid.str())
        return http::Response::error(403, "devid: not the device that authenticated");
      continue;
    }
    *target = std::move(*value);
  }
  if (!hex_of_length(id.pin_salt, 32)) return http::Response::error(400, "pin_salt: 32 hex digits");
  if (!hex_of_length(id.pin_hash, 64)) return http::Response::error(400, "pin_hash: 64 hex digits");
  const auto phases = int_field(json, "phases", 1, 3);
  if (!phases) return phases.error();
  id.phases = static_cast<int>(*phases);
  // The device's own zone (optional: older firmware does not send it).
  std::optional<std::string> zone_name;
  if (json.contains("timezone")) {
    auto z = string_field(json, "timezone", 64);
    if (!z) return z.error();
    zone_name = std::move(*z);
  }

  // Checking the secret and recording the hello are one step in the store:
  // of two first contacts with different secrets, one wins and the other is
  // refused, never the one's secret with the other's PIN.
  auto stored = ctx.store.upsert_device(id, ctx.now());
  if (!stored) return storage_failure(ctx, stored.error());
  if (*stored == HelloOutcome::kWrongSecret)
    return unauthorized("wrong secret for device " + c.devid.str());
  if (*stored == HelloOutcome::kCreated)
    ctx.log("device " + c.devid.str() + " connected for the first time");
  ctx.debug("device " + c.devid.str() + ": hello, firmware " + id.firmware);
  auto device = ctx.store.device(c.devid.str());
  if (!device) return storage_failure(ctx, device.error());
  if (!*device) return storage_failure(ctx, make_error("device " + c.devid.str() + " vanished"));
  const DeviceRow& row = **device;
  // Most hellos repeat the zone the row holds (or one the owner overrode):
  // no write transaction for those.
  if (zone_name && !row.timezone_chosen && row.timezone != *zone_name) {
    // A zone this server's time zone database lacks (an older one than the
    // device's) must not stop the uplink: the data keeps the zone it had.
    auto zone = TimeZone::locate(*zone_name);
    if (!zone) {
      ctx.log("device " + c.devid.str() + ": its time zone " + *zone_name +
              " is ignored: " + zone.error().message);
    } else if (auto adopted = ctx.store.adopt_device_timezone(c.devid.str(), *zone); !adopted) {
      return storage_failure(ctx, adopted.error());
    }
  }
  auto pending = ctx.store.pending_commands(c.devid.str());
  if (!pending) return storage_failure(ctx, pending.error());
  return http::Response::json({{"time", now_ms(ctx)},
                               {"newest_seq", row.newest_seq},
                               {"newest_minute", row.newest_minute},
                               {"commands", commands_json(*pending)},
                               // The optional fields this server reads.
                               {"record_fields", {kCoveredField, kLifetimeField}},
                               {"batch_fields", {kDeviceClockField}}});
}

http::Response minutes(const http::Request& r, Context& ctx) {
  auto given = credentials(r);
  if (!given) return given.error();
  const DeviceCredentials& credentials = *given;
  // Decoded before the store is asked anything: the store serialises its
  // writers (SQLite has one), so work done outside it runs in parallel with
  // another device's commit.
  auto batch = decode_upload(r.body);
  if (!batch) return http::Response::error(400, batch.error().message);
  if (batch->devid != credentials.devid.str())
    return http::Response::error(403, "devid: not the device that authenticated");
  auto device = known_device(ctx, credentials);
  if (!device) return device.error();
  const std::string& devid = credentials.devid.str();
  // A record stamped after the device's clock could read is booked at a
  // corrected time (ingest_rules.hpp): acknowledged, never refused, since a
  // refused batch would come back for ever. The device's clock is the
  // server's unless the batch brings its own (a simulation).
  const std::int64_t reference = batch->device_clock.value_or(ctx.now());
  for (const Placement& moved : place_records(batch->records, device->newest_minute, reference)) {
    ctx.log(fmt::format(
        "device {}: record seq {} is stamped {}, after the device's clock ({}): booked at {}",
        devid, batch->records[moved.index].seq, utc_text(moved.stamped), utc_text(reference),
        utc_text(moved.booked)));
  }
  IngestResult result;
  if (!batch->records.empty()) {
    auto ingested = ctx.store.ingest(devid, batch->records, ctx.now());
    if (!ingested) return storage_failure(ctx, ingested.error());
    result = std::move(*ingested);
    // The server keeps the first version of a record (docs/uplink.md,
    // "Conflicts"): said in the answer, and here for the operator.
    for (const auto& [seq, stamp] : result.conflicting) {
      ctx.log(fmt::format(
          "device {}: record seq {} stamped {} was sent again with other content: the stored "
          "version is kept",
          devid, seq, utc_text(stamp)));
    }
    if (ctx.debugging()) {
      ctx.debug(fmt::format("device {}: {} minutes stored, {} already there, newest {}", devid,
                            result.inserted, result.duplicates,
                            batch->records.back().minute.minute));
    }
  }
  // Commands ride along when the board knows of one (the long poll is
  // their main road): no query per batch otherwise.
  std::vector<Command> pending;
  if (ctx.commands.may_have_command(devid)) {
    auto found = ctx.store.pending_commands(devid);
    if (!found) return storage_failure(ctx, found.error());
    pending = std::move(*found);
  }
  return http::Response::json({{"time", now_ms(ctx)},
                               {"committed", batch->records.size()},
                               {"inserted", result.inserted},
                               {"duplicates", result.duplicates},
                               {"conflicts", result.conflicts},
                               {"last_seq", batch->records.empty() ? 0 : batch->records.back().seq},
                               {"commands", commands_json(pending)}});
}

http::Response command_poll(const http::Request& r, Context& ctx) {
  auto given = credentials(r);
  if (!given) return given.error();
  auto device = known_device(ctx, *given);
  if (!device) return device.error();
  const auto wait_s = r.query.get_int("wait", 0, ctx.options.max_command_wait.count());
  if (!wait_s) return http::Response::error(400, wait_s.error().message);
  // Being connected counts as being seen: a device with nothing to upload
  // stays online on the Dashboard.
  const DeviceRow& row = *device;
  if (auto seen = ctx.store.upsert_device(row.identity, ctx.now()); !seen)
    return storage_failure(ctx, seen.error());
  const std::string devid = row.identity.devid;
  auto wait = std::make_shared<http::Response::Wait>();
  wait->poll = [&ctx, devid]() -> std::optional<http::Response> {
    if (!ctx.commands.may_have_command(devid)) return std::nullopt;
    auto pending = ctx.store.pending_commands(devid);
    if (!pending) return storage_failure(ctx, pending.error());
    if (pending->empty()) {
      ctx.commands.settle(devid, std::numeric_limits<std::int64_t>::max());
      return std::nullopt;
    }
    return http::Response::json({{"time", now_ms(ctx)}, {"commands", commands_json(*pending)}});
  };
  wait->on_timeout = [&ctx] {
    return http::Response::json({{"time", now_ms(ctx)}, {"commands", nlohmann::json::array()}});
  };
  wait->interval = ctx.options.command_check_interval;
  wait->timeout = std::chrono::seconds(wait_s->value_or(25));
  http::Response deferred;
  deferred.wait = std::move(wait);
  return deferred;
}

http::Response command_ack(const http::Request& r, Context& ctx) {
  auto given = credentials(r);
  if (!given) return given.error();
  auto device = known_device(ctx, *given);
  if (!device) return device.error();
  auto body = json_object_body(r);
  if (!body) return body.error();
  const nlohmann::json& json = *body;
  const auto id = int_field(json, "id", 1, std::numeric_limits<std::int64_t>::max());
  if (!id) return id.error();
  const auto out = int_field(json, "out", 0, 1);
  if (!out) return out.error();
  const std::string& devid = device->identity.devid;
  auto acked = ctx.store.ack_command(devid, *id, *out == 1, ctx.now());
  if (!acked) return storage_failure(ctx, acked.error());
  ctx.commands.settle(devid, *id);
  // A command superseded or acknowledged before is done all the same.
  return http::Response::json({{"time", now_ms(ctx)}, {"acknowledged", *acked}});
}

}  // namespace

http::Expected<std::size_t> uplink_body_limit(const http::Request& header, Context& ctx) {
  if (header.method != "POST" || header.path != "/uplink/v1/minutes") return kBodyBytes;
  // A batch is read only for a device that proves who it is.
  auto given = credentials(header);
  if (!given) return given.error();
  auto device = known_device(ctx, *given);
  if (!device) return device.error();
  return kUplinkBodyBytes;
}

void add_uplink_routes(http::Router& router, Context& ctx) {
  static constexpr Route kRoutes[] = {
      {"POST", "/uplink/v1/hello", hello},
      {"POST", "/uplink/v1/minutes", minutes},
      {"GET", "/uplink/v1/commands", command_poll},
      {"POST", "/uplink/v1/commands/ack", command_ack},
  };
  add_routes(router, ctx, kRoutes);
}

}  // namespace maic::cloud
