#include "maic/device/page_api.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>

#include "maic/core/ascii.hpp"

namespace maic::device {
namespace {

using nlohmann::ordered_json;

// The device's own table groups quantities under headings (compat.md §1:
// br0..br3 carry only a name). Each heading stands before the family that
// opens its group.
struct Heading {
  Family before;
  std::string_view key;
  std::string_view name;
};
constexpr Heading kHeadings[] = {
    {Family::kVoltage, "br0", "Voltage and current"},
    {Family::kPower, "br1", "Power"},
    {Family::kEnergy, "br2", "Energy"},
    {Family::kPowerFactor, "br3", "Power factor, frequency, device"},
};

Result<double> number(std::string_view text, std::string_view name) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(v)) {
    return make_error(fmt::format("{}: '{}' is not a number", name, text));
  }
  return v;
}

}  // namespace

ordered_json page_data(const Reading& r) {
  ordered_json data = ordered_json::object();
  for (const Quantity& q : catalogue(catalogue_phases(r.phases))) {
    for (const Heading& h : kHeadings) {
      if (h.before == q.family && !data.contains(h.key)) data[h.key] = {{"name", h.name}};
    }
    const double v = value_of(r, q);
    data[q.key] = {{"name", q.name},
                   {"unit", q.unit},
                   {"value", fmt::format("{:.{}f}", std::isfinite(v) ? v : 0.0,
                                         family_info(q.family).decimals)}};
  }
  return data;
}

ordered_json page_getdata(const Identity& id, const Reading& r, bool output_on) {
  // As the original: devid, pout and powset are strings, time a number
  // (compat.md §1; a Go exporter decodes into string fields and refuses the
  // whole answer over one number).
  const char* state = output_on ? "1" : "0";
  return {{"devid", id.devid},
          {"time", unix_seconds(r.wall_end)},
          {"pout", state},
          {"powset", state},
          {"data", page_data(r)}};
}

ordered_json page_webinit(const Identity& id, const Settings& s, std::string_view firmware) {
  const MqttSettings& m = s.mqtt;
  auto value = [](auto v) { return ordered_json{{"value", v}}; };
  return {{"serv", m.host},
          {"port", m.port},
          {"uname", m.username},
          {"pass", m.password},
          {"mqtt_on", m.enabled ? 1 : 0},
          {"mqttint", m.interval_s},
          {"separat", m.layout},
          {"prefix", m.prefix},
          {"setout", m.control_enabled ? 1 : 0},
          {"onphrase", m.on_phrase},
          {"offphrase", m.off_phrase},
          {"lang", s.language},
          {"led", s.led ? 1 : 0},
          {"tz", s.timezone},
          {"server", s.server.url},
          {"about",
           {{"devid", value(id.devid)},
            {"devtype", value(id.devtype)},
            {"fw", value(std::string(firmware))}}}};
}

Result<nlohmann::json> mqtt_page_patch(const http::Query& query) {
  // page parameter -> settings field, and whether it is a number. Numbers
  // are only read here (settings fields are non-negative ints); their
  // ranges are the settings' own, checked where the patch is applied.
  struct Param {
    std::string_view page;
    std::string_view field;
    enum Kind { kText, kInteger, kFlag } kind;
  };
  static constexpr Param kParams[] = {
      {"serv", "host", Param::kText},
      {"port", "port", Param::kInteger},
      {"uname", "username", Param::kText},
      {"pass", "password", Param::kText},
      {"mqtt_on", "enabled", Param::kFlag},
      {"mqttint", "interval_s", Param::kInteger},
      {"separat", "layout", Param::kInteger},
      {"prefix", "prefix", Param::kText},
      {"setout", "control_enabled", Param::kFlag},
      {"onphrase", "on_phrase", Param::kText},
      {"offphrase", "off_phrase", Param::kText},
  };
  nlohmann::json mqtt = nlohmann::json::object();
  for (const auto& [key, text] : query) {
    if (key == "page") continue;
    const Param* p = nullptr;
    for (const Param& candidate : kParams) {
      if (candidate.page == key) p = &candidate;
    }
    if (!p) return make_error(fmt::format("mqtt: unknown parameter '{}'", key));
    if (p->kind == Param::kText) {
      // Named as the client sent it; settings validation says it again in
      // its own words, for the JSON API.
      if (!valid_utf8(text)) return make_error(fmt::format("{}: not valid UTF-8", key));
      if (has_control(text)) {
        return make_error(fmt::format("{}: control characters are refused", key));
      }
      mqtt[std::string(p->field)] = text;
      continue;
    }
    const bool flag = p->kind == Param::kFlag;
    auto n = http::parse_int(key, text, 0, flag ? 1 : std::numeric_limits<int>::max());
    if (!n) return n.error();
    if (flag) {
      mqtt[std::string(p->field)] = *n == 1;
    } else {
      mqtt[std::string(p->field)] = *n;
    }
  }
  return nlohmann::json{{"mqtt", std::move(mqtt)}};
}

Result<std::vector<InitialValue>> initval_page_values(const http::Query& query) {
  std::vector<InitialValue> out;
  for (const auto& [key, text] : query) {
    if (key == "page") continue;
    const Quantity* q = find_quantity(key);
    if (!q || q->is_total ||
        (q->family != Family::kEnergy && q->family != Family::kReverseEnergy)) {
      return make_error(fmt::format("initval: '{}' is not a meter (Wh1..Wh3, rWh1..rWh3)", key));
    }
    Result<double> wh = number(text, key);
    if (!wh) return wh.error();
    if (!(*wh >= 0 && *wh <= kMaxInitialWh)) {
      return make_error(fmt::format("{}: must be 0..{:.0f} Wh, not {}", key, kMaxInitialWh, text));
    }
    out.push_back({q->family, q->phase, *wh});
  }
  if (out.empty()) return make_error("initval: give at least one meter, e.g. Wh1=123000");
  return out;
}

Result<bool> pout_page_state(const http::Query& query) {
  auto state = query.get("state");
  if (!state) return make_error("pout: state=0 or state=1 is required");
  if (*state == "1") return true;
  if (*state == "0") return false;
  return make_error(fmt::format("pout: state must be 0 or 1, not '{}'", *state));
}

}  // namespace maic::device
