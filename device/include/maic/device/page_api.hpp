// The smart-MAIC page API (compat.md §1): `GET /?page=<name>&...`, as the
// Home Assistant integration, the Prometheus exporters and the Homebridge
// plug-in call it. This header holds the pure parts — the JSON shapes those
// clients parse and the parsing of their parameters; page_routes.hpp wires
// them to the device.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "maic/core/reading.hpp"
#include "maic/core/result.hpp"
#include "maic/device/settings.hpp"
#include "maic/http/query.hpp"

namespace maic::device {

// `data` of getwdata/getdata: every catalogue quantity as
// {"name": ..., "unit": ..., "value": "<number as text>"}, plus the group
// headings br0..br3 that carry only a "name". Values are strings, plain
// decimals without digit grouping. Order is the catalogue's.
nlohmann::ordered_json page_data(const Reading& r);

// getdata's answer: {"devid", "time", "pout", "powset", "data"}; devid,
// pout and powset ("0" or "1") are strings, time a number (unix seconds).
nlohmann::ordered_json page_getdata(const Identity& id, const Reading& r, bool output_on);

// webinit's answer: the settings as the original's web page reads them,
// with the MQTT fields "serv", "port", "uname", "pass", "mqtt_on",
// "mqttint", "separat", "prefix" and an "about" object holding at least
// {"devid": {"value"}, "devtype": {"value"}}.
nlohmann::ordered_json page_webinit(const Identity& id, const Settings& s,
                                    std::string_view firmware_version);

// The settings patch a `page=mqtt` request asks for (only the parameters
// present), in settings_json.hpp's shape; an error names the parameter.
Result<nlohmann::json> mqtt_page_patch(const http::Query& query);

// The largest starting value of a meter, in Wh. The original's manual says
// 1e13 Wh, but a meter counts µWh in an int64 (at most about 9.22e12 Wh):
// 9e12 Wh leaves room for 2.2e11 Wh of lifetime energy on top.
inline constexpr double kMaxInitialWh = 9e12;

// The meter starting values a `page=initval` request asks for: pairs of a
// catalogue energy quantity (Wh1..Wh3, rWh1..rWh3) and Wh, each a decimal
// number 0..kMaxInitialWh (no NaN, infinity, sign or trailing bytes). At
// least one.
struct InitialValue {
  Family family;  // kEnergy or kReverseEnergy
  int phase;      // 1..3
  double wh;
};
Result<std::vector<InitialValue>> initval_page_values(const http::Query& query);

// `page=pout`: state=0 or state=1.
Result<bool> pout_page_state(const http::Query& query);

}  // namespace maic::device
