// A user's devices: list, add by ID + PIN, rename, time zone, remove,
// boards, and the output (docs/api.md, "Devices"). Every route checks that
// the device is the caller's; another user's device is answered exactly
// like one that does not exist.
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "auth.hpp"
#include "context.hpp"
#include "data_views.hpp"
#include "maic/cloud/board_schema.hpp"
#include "maic/core/device_id.hpp"
#include "maic/core/device_secrets.hpp"
#include "maic/http/json.hpp"
#include "secrets.hpp"

namespace maic::cloud {
namespace {

constexpr std::size_t kMaxName = 64;
constexpr std::string_view kPrefix = "/api/v1/devices/";

// A name is shown in lists and on boards: printable, 1..64 bytes.
std::optional<std::string> name_problem(std::string_view name) {
  if (name.empty() || name.size() > kMaxName) return "name: 1 to 64 bytes are required";
  if (std::any_of(name.begin(), name.end(),
                  [](char c) { return static_cast<unsigned char>(c) < ' ' || c == 0x7f; }))
    return "name: control characters are not allowed";
  return std::nullopt;
}

bool online(const Context& ctx, const DeviceRow& d) {
  return d.last_seen > 0 && ctx.now() - d.last_seen <= ctx.options.online_window.count();
}

nlohmann::json device_json(Context& ctx, const DeviceRow& d, bool with_values) {
  nlohmann::json j = {{"devid", d.identity.devid},     {"name", d.name},
                      {"devtype", d.identity.devtype}, {"firmware", d.identity.firmware},
                      {"phases", d.identity.phases},   {"timezone", d.timezone},
                      {"online", online(ctx, d)},      {"first_seen", d.first_seen},
                      {"last_seen", d.last_seen},      {"newest_minute", d.newest_minute},
                      {"output_on", d.output_on}};
  if (with_values) {
    auto values = last_values(ctx, d);
    j["last"] = values ? *values : nlohmann::json::object();
  }
  return j;
}

// The caller's device `devid`, or the 404 every other case gets.
http::Expected<DeviceRow> owned(Context& ctx, const Caller& caller, std::string_view devid) {
  const auto not_found = [&] {
    return http::Response::error(404, "no device " + std::string(devid) + " in your account");
  };
  if (!DeviceId::valid(devid)) return not_found();
  auto device = ctx.store.device(std::string(devid));
  if (!device) return storage_failure(ctx, device.error());
  if (!*device || (*device)->owner != caller.user.id) return not_found();
  return std::move(**device);
}

http::Response list_devices(const http::Request& r, Context& ctx) {
  return with_caller(r, ctx, [&](const Caller& caller) {
    auto devices = ctx.store.devices_of(caller.user.id);
    if (!devices) return storage_failure(ctx, devices.error());
    nlohmann::json out = nlohmann::json::array();
    for (const DeviceRow& d : *devices) out.push_back(device_json(ctx, d, true));
    return http::Response::json(out);
  });
}

http::Response add_device(const http::Request& r, Context& ctx) {
  return with_caller(r, ctx, [&](const Caller& caller) {
    auto given = string_fields(
        r, {{"name", kMaxName}, {"devid", DeviceId::kDigits}, {"pin", kMaxPinDigits}});
    if (!given) return given.error();
    const auto& [name, id, given_pin] = *given;
    if (auto problem = name_problem(name)) return http::Response::error(400, *problem);
    if (!DeviceId::valid(id)) return http::Response::error(400, "devid: 10 digits are required");
    if (!valid_pin(given_pin))
      return http::Response::error(400, "pin: 1 to 10 digits are required");
    if (given_pin == "0000")
      return http::Response::error(
          400,
          "pin: a device whose PIN is still 0000 cannot be added; set a PIN on the device "
          "first");
    if (!ctx.claims_by_user.allow(fmt::format("{}/{}", caller.user.id, id)) ||
        !ctx.claims_by_device.allow(id)) {
      http::Response refused =
          http::Response::error(429, "too many attempts to add this device; try again later");
      refused.headers.set("Retry-After", "60");
      return refused;
    }
    auto device = ctx.store.device(id);
    if (!device) return storage_failure(ctx, device.error());
    if (!*device)
      return http::Response::error(404,
                                   "device " + id +
                                       " has not connected to this server yet; set its data server "
                                       "and try again");
    if ((*device)->owner != 0 && (*device)->owner != caller.user.id)
      return http::Response::error(409, "device " + id + " belongs to another account");
    const DeviceIdentity& identity = (*device)->identity;
    auto digest = pin_digest(identity.pin_salt, given_pin);
    if (!digest || !secrets_equal(*digest, identity.pin_hash))
      return http::Response::error(403, "pin: wrong PIN for device " + id);
    auto claimed = ctx.store.claim_device(id, caller.user.id, name);
    if (!claimed) return storage_failure(ctx, claimed.error());
    switch (*claimed) {
      case ClaimOutcome::kClaimed:
        break;
      case ClaimOutcome::kAlreadyYours:
        return http::Response::error(409, "device " + id + " is in your account already");
      case ClaimOutcome::kOwnedByOther:
        return http::Response::error(409, "device " + id + " belongs to another account");
      case ClaimOutcome::kUnknownDevice:
        return http::Response::error(404, "device " + id + " is not known");
    }
    ctx.log(fmt::format("device {} added by user {}", id, caller.user.id));
    auto now_row = ctx.store.device(id);
    if (!now_row) return storage_failure(ctx, now_row.error());
    return http::Response::json(device_json(ctx, **now_row, true), 201);
  });
}

http::Response patch_device(const http::Request& r, Context& ctx, const Caller& caller,
                            const DeviceRow& device) {
  auto body = json_object_body(r);
  if (!body) return body.error();
  const nlohmann::json& json = *body;
  for (const auto& [key, value] : json.items()) {
    if (key != "name" && key != "timezone")
      return http::Response::error(400, key + ": not a setting of a device (name, timezone)");
  }
  // Validate everything before changing anything.
  std::optional<std::string> name;
  std::optional<TimeZone> zone;
  if (json.contains("name")) {
    auto n = string_field(json, "name", kMaxName);
    if (!n) return n.error();
    if (auto problem = name_problem(*n)) return http::Response::error(400, *problem);
    name = std::move(*n);
  }
  if (json.contains("timezone")) {
    auto z = string_field(json, "timezone", 64);
    if (!z) return z.error();
    auto located = TimeZone::locate(*z);
    if (!located) return http::Response::error(400, "timezone: " + located.error().message);
    zone = *located;
  }
  const std::string& id = device.identity.devid;
  if (name) {
    if (auto done = ctx.store.rename_device(id, caller.user.id, *name); !done)
      return storage_failure(ctx, done.error());
  }
  // Choosing the zone the device reported is a choice too: it stays when
  // the device reports another.
  if (zone && (zone->name() != device.timezone || !device.timezone_chosen)) {
    if (auto done = ctx.store.set_device_timezone(id, caller.user.id, *zone); !done)
      return storage_failure(ctx, done.error());
  }
  auto row = ctx.store.device(id);
  if (!row) return storage_failure(ctx, row.error());
  return http::Response::json(device_json(ctx, **row, false));
}

http::Response boards_of(Context& ctx, const DeviceRow& device) {
  auto boards = ctx.store.boards(device.identity.devid);
  if (!boards) return storage_failure(ctx, boards.error());
  nlohmann::json out = nlohmann::json::object();
  for (const Board& b : *boards) {
    auto document = http::parse_json(b.document);
    out[b.layout] = document ? std::move(*document) : nlohmann::json();
  }
  return http::Response::json(out);
}

http::Expected<BoardLayout> layout_of(std::string_view name) {
  if (auto layout = board_layout(name)) return *layout;
  return http::Response::error(404, "no board layout '" + std::string(name) + "' (pc, mobile)");
}

// Stores a board checked against the schema (board_schema.hpp) and answers it.
http::Response store_board(Context& ctx, const DeviceRow& device, BoardLayout layout,
                           const nlohmann::json& board, int status) {
  auto put = ctx.store.put_board(device.identity.devid,
                                 Board{std::string(layout_name(layout)), board.dump()});
  if (!put) return storage_failure(ctx, put.error());
  // Released between the owner check and here: as if it had not been found.
  if (!*put)
    return http::Response::error(404, "no device " + device.identity.devid + " in your account");
  return http::Response::json(board, status);
}

http::Response put_board(const http::Request& r, Context& ctx, const DeviceRow& device,
                         std::string_view name) {
  auto layout = layout_of(name);
  if (!layout) return layout.error();
  if (r.body.size() > kBoardBodyBytes)
    return http::Response::error(413, "a board is at most 256 KiB");
  auto body = json_object_body(r);
  if (!body) return body.error();
  if (auto problem = board_problem(*body)) return http::Response::error(400, *problem);
  return store_board(ctx, device, *layout, *body, 200);
}

// The Dashboard offers the pre-configured boards when a device is added and
// calls this for each one the person accepts; again later, it re-creates one.
http::Response create_preset(Context& ctx, const DeviceRow& device, std::string_view name) {
  auto layout = layout_of(name);
  if (!layout) return layout.error();
  return store_board(ctx, device, *layout, preset_board(*layout, device.identity.phases), 200);
}

http::Response output_state(Context& ctx, const DeviceRow& device) {
  auto pending = ctx.store.pending_commands(device.identity.devid);
  if (!pending) return storage_failure(ctx, pending.error());
  nlohmann::json commands = nlohmann::json::array();
  for (const Command& c : *pending)
    commands.push_back({{"id", c.id}, {"on", c.output_on}, {"created", c.created}});
  return http::Response::json(
      {{"on", device.output_on}, {"online", online(ctx, device)}, {"pending", commands}});
}

http::Response switch_output(const http::Request& r, Context& ctx, const DeviceRow& device) {
  auto body = json_object_body(r);
  if (!body) return body.error();
  const nlohmann::json& json = *body;
  const auto on = json.find("on");
  if (on == json.end() || !on->is_boolean())
    return http::Response::error(400, "on: true or false is required");
  auto command = ctx.store.add_command(device.identity.devid, on->get<bool>(), ctx.now());
  if (!command) return storage_failure(ctx, command.error());
  ctx.commands.note(device.identity.devid, command->id);
  return http::Response::json(
      {{"id", command->id}, {"on", command->output_on}, {"created", command->created}}, 202);
}

// Everything under /api/v1/devices/<ID>[/...].
http::Response device_resource(const http::Request& r, Context& ctx) {
  return with_caller(r, ctx, [&](const Caller& caller) -> http::Response {
    std::string_view rest = std::string_view(r.path).substr(kPrefix.size());
    const auto slash = rest.find('/');
    const std::string_view devid = rest.substr(0, slash);
    const std::string_view sub =
        slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    auto found = owned(ctx, caller, devid);
    if (!found) return found.error();
    const DeviceRow& device = *found;
    const std::string& m = r.method;
    const bool read = m == "GET" || m == "HEAD";
    const auto wrong_method = [&](std::string_view allow) {
      http::Response refused = http::Response::error(405, "method not allowed here");
      refused.headers.set("Allow", std::string(allow));
      return refused;
    };
    if (sub.empty()) {
      if (read) return http::Response::json(device_json(ctx, device, true));
      if (m == "PATCH") return patch_device(r, ctx, caller, device);
      if (m == "DELETE") {
        auto released = ctx.store.release_device(device.identity.devid, caller.user.id);
        if (!released) return storage_failure(ctx, released.error());
        http::Response gone;
        gone.status = 204;
        return gone;
      }
      return wrong_method("GET, HEAD, PATCH, DELETE");
    }
    if (sub == "boards") return read ? boards_of(ctx, device) : wrong_method("GET, HEAD");
    if (sub.starts_with("boards/")) {
      const std::string_view board = sub.substr(7);
      if (board.ends_with("/preset")) {
        if (m == "POST") return create_preset(ctx, device, board.substr(0, board.size() - 7));
        return wrong_method("POST");
      }
      if (m == "PUT") return put_board(r, ctx, device, board);
      return wrong_method("PUT");
    }
    if (sub == "output") {
      if (read) return output_state(ctx, device);
      if (m == "POST") return switch_output(r, ctx, device);
      return wrong_method("GET, HEAD, POST");
    }
    if (sub == "series") return read ? device_series(r, ctx, device) : wrong_method("GET, HEAD");
    if (sub == "totals") return read ? device_totals(r, ctx, device) : wrong_method("GET, HEAD");
    if (sub == "export.csv") return read ? device_csv(r, ctx, device) : wrong_method("GET, HEAD");
    return http::Response::error(404, "no such resource of a device: " + std::string(sub));
  });
}

}  // namespace

http::Expected<std::size_t> device_body_limit(const http::Request& header, Context& ctx) {
  if (header.method != "PUT" || !header.path.starts_with(kPrefix)) return kBodyBytes;
  const std::string_view rest = std::string_view(header.path).substr(kPrefix.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos || !rest.substr(slash + 1).starts_with("boards/"))
    return kBodyBytes;
  // Only the owner may send a board's 256 KiB: the handler's own checks,
  // on the header.
  auto caller = authenticate(header, ctx);
  if (!caller) return caller.error();
  auto found = owned(ctx, *caller, rest.substr(0, slash));
  if (!found) return found.error();
  return kBoardBodyBytes;
}

void add_device_routes(http::Router& router, Context& ctx) {
  static constexpr Route kRoutes[] = {
      {"GET", "/api/v1/devices", list_devices},
      {"POST", "/api/v1/devices", add_device},
  };
  add_routes(router, ctx, kRoutes);
  for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    router.add_prefix(method, std::string(kPrefix),
                      [&ctx](const http::Request& r) { return device_resource(r, ctx); });
  }
}

}  // namespace maic::cloud
