#include "maic/device/web_api.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <memory>

#include "automation_json.hpp"
#include "calibration_json.hpp"
#include "maic/device/notifier_service.hpp"
#include "maic/device/settings_json.hpp"
#include "maic/http/browser_guard.hpp"
#include "maic/http/cookie.hpp"
#include "maic/http/expected.hpp"
#include "maic/http/json.hpp"
#include "maic/http/page_headers.hpp"
#include "metrics.hpp"
#include "readings_json.hpp"

namespace maic::device {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

constexpr std::string_view kCookie = "maic_session";

Response with_cookie(Response r, const std::string& token) {
  r.headers.add("Set-Cookie",
                fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict", kCookie, token));
  return r;
}

// The manual's factory PIN (§4): the site warns on every page while it is
// set, and the data server refuses to add a device that still has it.
constexpr std::string_view kFactoryPin = "0000";

// A navigation's answer: "see `location`" (RFC 9110 §15.4.4), relative so
// that the site also works behind a proxy under a sub-path.
Response see_other(std::string location) {
  Response r;
  r.status = 303;
  r.headers.set("Location", std::move(location));
  r.headers.set("Cache-Control", "no-store");
  return r;
}

Response ok(json extra = json::object()) {
  extra["result"] = "ok";
  return Response::json(extra);
}

// A JSON body, or the 400 refusing it.
http::Expected<json> json_body(const Request& q) {
  auto body = http::parse_json(q.body);
  if (!body) return Response::error(400, "the body is " + body.error().message);
  return std::move(*body);
}

// --- Notifications ---

// The e-mail queue; a device without a notifier shows it disabled and
// empty. A service the set disabled by a failure (`services`) shows so.
NotificationsStatus notifications_of(const NotifierService* notifier,
                                     const std::vector<ServiceSet::Report>& services) {
  NotificationsStatus n = notifier ? notifier->notifications() : NotificationsStatus{};
  for (const ServiceSet::Report& r : services) {
    if (r.name == "notify" && r.status.state == ServiceState::kFailed) {
      n.state = r.status.state;
      n.error = r.status.error;
    }
  }
  return n;
}

// For the status API.
json notifications_json(const NotificationsStatus& n) {
  return {
      {"state", to_string(n.state)},
      {"error", n.error},
      {"queued", n.queued},
      {"sent", n.sent},
      {"refused", {{"rate_limit", n.rate_limited}, {"daily_cap", n.daily_cap}, {"full", n.full}}},
      {"last_sent", n.last_sent}};
}

// ... and for /metrics.
void add_notification_gauges(std::vector<Gauge>& gauges, const NotificationsStatus& n) {
  const double refused = static_cast<double>(n.rate_limited + n.daily_cap + n.full);
  gauges.insert(
      gauges.end(),
      {{"maic_notify_queued", "E-mail notifications waiting to be sent",
        static_cast<double>(n.queued)},
       {"maic_notify_sent_total", "E-mail notifications the SMTP server accepted",
        static_cast<double>(n.sent), "counter"},
       {"maic_notify_refused_total",
        "E-mail notifications refused by the rate limit, the daily cap or a full queue", refused,
        "counter"},
       {"maic_notify_failed", "1 while e-mails cannot be sent (status: notifications.error)",
        n.state == ServiceState::kError || n.state == ServiceState::kFailed ? 1.0 : 0.0}});
}

// --- End of notifications ---

Response from_status(const Status& s, json done = json::object()) {
  if (!s) return Response::error(400, s.error().message);
  return ok(std::move(done));
}

// The session cookie a request carries, "" if none.
std::string_view session_of(const Request& q) { return http::cookie(q, kCookie).value_or(""); }

// Whether the browser rules apply (docs/security.md, "The device: a LAN
// attacker"): a browser marked the request (browser_guard.hpp) or it
// carries the session cookie that only a browser's log-in (or a script
// that chose to keep cookies) holds. Cookie-less scripts such as Home
// Assistant are neither.
bool from_browser(const Request& q) {
  return http::browser_marked(q) || http::cookie(q, kCookie).has_value();
}

// A 429 that says when to come back (compat.md §1: clients expect 429).
Response too_many(std::string_view why, Duration retry_after) {
  const auto wait =
      std::max<std::int64_t>(1, std::chrono::ceil<std::chrono::seconds>(retry_after).count());
  Response r = Response::error(429, fmt::format("{}; try again in {} s", why, wait));
  r.headers.set("Retry-After", std::to_string(wait));
  return r;
}

// Shared by the page API's devlogin and getdata and by /api/v1/login. The
// answer carries the session's CSRF token, as the cloud's log-in does.
Response login(Device& device, const Request& q, std::string_view pin) {
  const AccessControl::Attempt attempt{q.remote, pin, session_of(q), from_browser(q)};
  const auto result = device.access().login(attempt, device.settings().pin);
  switch (result.outcome) {
    case AccessControl::Outcome::kGranted:
      return with_cookie(ok({{"devid", device.identity().devid}, {"csrf_token", result.csrf}}),
                         result.token);
    case AccessControl::Outcome::kWrongPin:
      return Response::error(403, "wrong PIN");
    case AccessControl::Outcome::kLockedOut:
      return too_many("too many wrong PINs from this address", result.retry_after);
    case AccessControl::Outcome::kBackedOff:
      return too_many("too many wrong PINs on this device; only authorised clients may log in",
                      result.retry_after);
  }
  return Response::error(500, "unreachable");
}

// What a route does, as the browser rules need to know it.
enum class Access {
  kOpen,    // anyone may read it (status, readings, metrics)
  kLogin,   // carries the PIN itself (devlogin, getdata, /api/v1/login)
  kRead,    // needs a log-in, changes nothing
  kChange,  // needs a log-in and changes state: a browser must send the CSRF token
};
struct Rules {
  Access access;
  bool json_body = false;  // reads a JSON body: a browser must label it so
};

// The automation's gauges (docs/automation.md, "Status"): per condition
// whether it is fulfilled and its e-mails, the switches it made, the delay.
void add_automation_gauges(const AutomationStatus& a, std::vector<Gauge>& gauges) {
  gauges.push_back({"maic_automation_switches_total",
                    "Output switches made by conditions and the schedule since start",
                    static_cast<double>(a.switches), "counter"});
  gauges.push_back({"maic_automation_in_delay",
                    "1 while the delay after a switch holds the automation back",
                    a.in_delay ? 1.0 : 0.0});
  for (std::size_t i = 0; i < a.condition_states.size(); ++i) {
    gauges.push_back({"maic_condition_fulfilled",
                      "1 while a condition is fulfilled (in range longer than its filter)",
                      a.condition_states[i].fulfilled ? 1.0 : 0.0, "gauge",
                      fmt::format("condition=\"{}\"", i + 1)});
  }
  for (std::size_t i = 0; i < a.condition_states.size(); ++i) {
    gauges.push_back({"maic_condition_emails_total", "E-mails a condition has asked for",
                      static_cast<double>(a.condition_states[i].emails_sent), "counter",
                      fmt::format("condition=\"{}\"", i + 1)});
  }
}

class Api {
 public:
  Api(Device& device, const Clock& clock, http::Handler site, WebApiOptions options)
      : device_(device),
        clock_(clock),
        wall_clock_(options.wall_clock),
        site_(std::move(site)),
        limiter_(clock, options.requests_per_second, options.burst),
        hosts_(options.host_names),
        automation_(options.automation),
        notifier_(options.notifier),
        lifecycle_(options.lifecycle) {}

  // The built-in site's files pass through here: load shedding only. They
  // are public and change nothing, and a link from another site to the
  // device's page (Sec-Fetch-Site: cross-site) should open it.
  http::Handler shed(std::function<Response(const Request&)> handler) {
    return [this, handler = std::move(handler)](const Request& q) {
      if (!limiter_.allow(q.remote)) {
        Response r = Response::error(429, "too many requests");
        r.headers.set("Retry-After", "1");
        return r;
      }
      return handler(q);
    };
  }

  // Every API route passes through here: load shedding, the browser rules
  // and the log-in its `rules` ask for, then the handler.
  http::Handler guard(Rules rules, std::function<Response(const Request&)> handler) {
    return shed([this, rules, handler = std::move(handler)](const Request& q) {
      if (auto refused = refuse(q, rules)) return std::move(*refused);
      return handler(q);
    });
  }

  // The rules of docs/security.md, "The device: a LAN attacker", in order;
  // nullopt: admitted.
  std::optional<Response> refuse(const Request& q, Rules rules) {
    // A LAN device's sibling hosts (other devices, a router's pages) are
    // other parties: same-site is refused too.
    if (auto r = http::refuse_cross_site(q, http::SitePolicy::kRefuseSameSite)) return r;
    const bool browser = from_browser(q);
    if (browser) {
      if (auto r = http::refuse_foreign_host(q, hosts_)) return r;
      if (rules.json_body)
        if (auto r = http::refuse_non_json(q)) return r;
    }
    if (rules.access == Access::kRead || rules.access == Access::kChange) {
      if (!device_.access().authorised(q.remote, session_of(q)))
        return Response::error(401,
                               "log in first: page=devlogin&devpass=<PIN> or POST /api/v1/login");
    }
    if (browser && rules.access == Access::kChange) {
      if (session_of(q).empty())
        return Response::error(403,
                               "a browser changes settings only in its own session: log in from "
                               "it and send the session's X-CSRF-Token header");
      return http::refuse_wrong_csrf(q, device_.access().session_csrf(session_of(q)));
    }
    return std::nullopt;
  }

  // The page API: `GET /?page=<name>`, dispatched by kPages below.
  Response root(const Request& q);

  // The site's files, with the headers of a page that holds a session.
  Response site_file(const Request& q) {
    Response r = site_(q);
    http::add_page_headers(r);
    return r;
  }

  // "/" without page=: the site for a browser with a live session, the
  // log-in page (title "MAIC Login", compat.md §1) for everyone else. An
  // address grant alone (a script's devlogin) does not open the site: the
  // site's changes need the session's CSRF token.
  Response front_page(const Request& q) {
    const bool signed_in = !device_.access().session_csrf(session_of(q)).empty();
    Request file = q;
    file.path = signed_in ? "/" : "/login.html";
    return site_file(file);
  }

  // POST /login: the log-in page's form (pin=<PIN>), a real navigation as
  // the exporters' headless browsers expect (compat.md §1): the answer
  // sets the session cookie and sends the browser back to "/", which then
  // is the site. A refusal goes back to the log-in page with the reason
  // in the query, which the page shows in its language.
  Response login_form(const Request& q) {
    auto form = http::parse_form(q.body);
    if (!form) return Response::error(400, form.error().message);
    const std::string pin(form->get("pin").value_or(""));
    Response answer = login(device_, q, pin);
    switch (answer.status) {
      case 200: {
        Response r = see_other("./");
        for (const http::Headers::Field& f : answer.headers)
          if (f.name == "Set-Cookie") r.headers.add(f.name, f.value);
        return r;
      }
      case 403:
        return see_other("./?login=wrong");
      case 429:
        return see_other(fmt::format("./?login=locked&retry={}",
                                     answer.headers.get("Retry-After").value_or("60")));
      default:
        return answer;
    }
  }

  // GET /api/v1/session: what the site needs after its log-in navigation:
  // the session's CSRF token (this origin alone can read it: no CORS, and
  // cross-site requests are refused) and whether the factory PIN is set.
  Response session(const Request& q) {
    const Settings s = device_.settings();
    return Response::json({{"devid", device_.identity().devid},
                           {"csrf_token", device_.access().session_csrf(session_of(q))},
                           {"factory_pin", s.pin == kFactoryPin},
                           {"language", s.language}});
  }

  Response devlogin(const Request& q) {
    return login(device_, q, q.query.get("devpass").value_or(""));
  }

  // getwdata and getdata answer from the first second, before the first
  // reading and while the source is down, with the newest values known:
  // clients take any status but 200 and 400 for a broken device.
  Response getwdata(const Request&) {
    return Response::json_text(
        nlohmann::ordered_json{{"data", page_data(device_.newest_values())}}.dump());
  }

  Response webinit(const Request&) {
    return Response::json_text(
        page_webinit(device_.identity(), device_.settings(), device_.status().firmware_version)
            .dump());
  }

  Response mqtt(const Request& q) {
    auto patch = mqtt_page_patch(q.query);
    if (!patch) return Response::error(400, patch.error().message);
    return from_status(device_.update_settings(json_patch(*patch)));
  }

  Response initval(const Request& q) {
    auto values = initval_page_values(q.query);
    if (!values) return Response::error(400, values.error().message);
    return from_status(device_.set_initial_values(*values));
  }

  Response pout(const Request& q) {
    auto state = pout_page_state(q.query);
    if (!state) return Response::error(400, state.error().message);
    // The state after the switch, read back (not the one asked for): a
    // driver may have refused or another request switched it since.
    if (Status st = device_.set_output({*state, OutputCause::kWebPage}); !st)
      return from_status(st);
    return ok({{"pout", device_.output_on() ? "1" : "0"}});
  }

  Response getdata(const Request& q) {
    const Identity id = device_.identity();
    if (q.query.get("devid").value_or("") != id.devid) {
      return Response::error(400, "devid does not name this device");
    }
    Response granted = login(device_, q, q.query.get("devpass").value_or(""));
    if (granted.status != 200) return granted;
    return Response::json_text(
        page_getdata(id, device_.newest_values(), device_.output_on()).dump());
  }

  Response status() {
    const DeviceStatus s = device_.status();
    json body({{"devid", s.identity.devid},
               {"devtype", s.identity.devtype},
               {"firmware", s.firmware_version},
               // The site's language (manual code): the log-in page opens in it.
               {"language", device_.settings().language},
               {"uptime_s", std::chrono::duration_cast<std::chrono::seconds>(s.uptime).count()},
               {"address", s.web_address},
               {"source", {{"description", s.source.description}, {"error", s.source.last_error}}},
               {"output", {{"on", s.output_on}, {"driver", s.output_driver}}},
               {"led", s.led},
               {"mqtt",
                {{"state", to_string(s.mqtt_state)},
                 {"error", s.mqtt_error},
                 {"published", s.mqtt_published}}},
               {"journal", {{"records", s.journal_records}, {"newest_seq", s.journal_newest_seq}}},
               {"server",
                {{"state", to_string(s.server_state)},
                 {"last_success", s.server_last_success},
                 {"backlog", s.server_backlog},
                 {"error", s.server_error}}},
               {"notifications", notifications_json(notifications_of(notifier_, s.services))}});
    body["clock"] = clock_json();
    // --- automation
    if (automation_ != nullptr)
      body["automation"] = automation_status_to_json(automation_->status());
    if (lifecycle_ != nullptr) {
      const LifecycleReport l = lifecycle_->report();
      const bool connected = l.link.state == LinkState::kConnected;
      body["network"] = {
          {"state", to_string(l.link.state)},
          {"ssid", l.link.state == LinkState::kDisconnected ? json(nullptr) : json(l.link.ssid)},
          {"address", connected ? json(l.link.address) : json(nullptr)},
          {"signal_dbm", connected ? json(l.link.signal_dbm) : json(nullptr)},
          {"access_point", l.access_point ? json(*l.access_point) : json(nullptr)},
          {"error", l.error},
          {"networks", nullptr},
          {"connect", nullptr}};
      if (l.networks) {
        json list = json::array();
        for (const WifiNetwork& n : *l.networks) {
          list.push_back({{"ssid", n.ssid}, {"signal_dbm", n.signal_dbm}, {"secured", n.secured}});
        }
        body["network"]["networks"] = std::move(list);
      }
      if (l.connect) {
        body["network"]["connect"] = {
            {"ssid", l.connect->ssid},
            {"result", l.connect->outcome ? json(to_string(*l.connect->outcome)) : json(nullptr)},
            {"message", l.connect->message}};
      }
      body["led_pattern"] = to_string(l.led);
    }
    return Response::json(body);
  }

  // The device's time and where it comes from (the Status section): the
  // system clock, which the board's RTC keeps across restarts, until the
  // data server corrects it (docs/uplink.md).
  json clock_json() const {
    const auto unix = [](WallTime t) {
      return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    };
    const auto corrected = wall_clock_ ? wall_clock_->corrected_at() : std::nullopt;
    return {
        {"time", unix(clock_.wall_now())},
        {"source", corrected ? "server" : "rtc"},
        {"corrected_at", corrected ? unix(*corrected) : 0},
        {"offset_ms",
         wall_clock_
             ? std::chrono::duration_cast<std::chrono::milliseconds>(wall_clock_->offset()).count()
             : 0}};
  }

  Response metrics() {
    const DeviceStatus s = device_.status();
    std::vector<Gauge> gauges = {
        {"maic_output_on", "The controlled output: 1 on, 0 off", s.output_on ? 1.0 : 0.0},
        {"maic_uptime_seconds", "Seconds since the daemon started", seconds(s.uptime), "counter"},
        {"maic_mqtt_connected", "1 while connected to the MQTT broker",
         s.mqtt_state == ServiceState::kConnected ? 1.0 : 0.0},
        {"maic_mqtt_published_total", "MQTT messages published",
         static_cast<double>(s.mqtt_published), "counter"},
        {"maic_journal_records", "Minute records in the journal",
         static_cast<double>(s.journal_records)},
        {"maic_server_connected", "1 while the data server answers the uplink",
         s.server_state == ServiceState::kConnected ? 1.0 : 0.0},
        {"maic_mqtt_failed",
         "1 while the MQTT service is disabled by a failure (status: mqtt.error)",
         s.mqtt_state == ServiceState::kFailed ? 1.0 : 0.0},
        {"maic_server_failed", "1 while the uplink is disabled by a failure (status: server.error)",
         s.server_state == ServiceState::kFailed ? 1.0 : 0.0},
        {"maic_server_backlog_records", "Journal records the data server has not acknowledged",
         static_cast<double>(s.server_backlog)},
        {"maic_server_last_success_timestamp_seconds",
         "Unix time of the data server's last answer; 0: never",
         static_cast<double>(s.server_last_success)},
        {"maic_source_up", "1 while the source of readings answers",
         s.source.last_error.empty() ? 1.0 : 0.0},
    };
    // --- automation
    if (automation_ != nullptr) add_automation_gauges(automation_->status(), gauges);
    add_notification_gauges(gauges, notifications_of(notifier_, s.services));  // notifications
    Response r = Response::text(metrics_text(device_.published(), s.identity.devid, gauges));
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  }

  Response journal_csv(const Request& q) {
    auto from = q.query.get_unix_seconds("from");
    if (!from) return Response::error(400, from.error().message);
    auto to = q.query.get_unix_seconds("to");
    if (!to) return Response::error(400, to.error().message);
    const std::int64_t first = from->value_or(0);
    const std::int64_t last = to->value_or(std::numeric_limits<std::int64_t>::max());
    if (first > last) return Response::error(400, "from must not be after to");
    const auto minutes = device_.minutes(first, last);
    Response r = Response::text(minutes_csv(minutes, device_.phases()));
    r.content_type = "text/csv; charset=utf-8";
    r.headers.set("Content-Disposition",
                  fmt::format("attachment; filename=\"maic-{}.csv\"", device_.identity().devid));
    return r;
  }

  // --- Notifications ---
  // POST /api/v1/notifications/test: a test mail with the settings as
  // saved, sent now (not queued).
  Response notification_test() {
    if (notifier_ == nullptr) return Response::error(503, "notifications are not available");
    const Settings settings = device_.settings();
    if (Status valid = notify::validate(settings.notify.smtp); !valid)
      return Response::error(400, valid.error().message);
    if (Status sent = notifier_->send_test(settings); !sent)
      return Response::error(502, "the test e-mail was not sent: " + sent.error().message);
    return ok({{"sent", true}});
  }
  // --- End of notifications ---

  // --- Guided calibration ---
  Response calibration_status() {
    return Response::json(calibration_to_json(device_.calibration(), device_.phases()));
  }

  Response calibration_measure(const Request& q) {
    if (!device_.calibratable())
      return Response::error(409, device_.status().source.description +
                                      " cannot be calibrated: it measures no waveforms");
    const auto body = json_body(q);
    if (!body) return body.error();
    auto request = calibration_request_from_json(*body);
    if (!request) return Response::error(400, request.error().message);
    if (Status st = device_.start_calibration(*request); !st)
      return Response::error(400, st.error().message);
    return calibration_status();
  }

  // 409: nothing measured to apply, or the correction changed since.
  Response calibration_apply() {
    if (Status st = device_.apply_calibration(); !st)
      return Response::error(409, st.error().message);
    return calibration_status();
  }
  // --- End of guided calibration ---

  Device& device_;
  const Clock& clock_;
  const CorrectedClock* wall_clock_;  // may be null
  http::Handler site_;
  RateLimiter limiter_;
  http::HostAllowList hosts_;
  const AutomationService* automation_;
  NotifierService* notifier_;  // may be null
  LifecycleLoop* lifecycle_;   // may be null
};

// The pages of the page API (compat.md §1). devlogin and getdata carry the
// PIN themselves; every other page needs a log-in. All are GETs, so which
// of them change state is stated here, not read off the method.
struct Page {
  std::string_view name;
  Access access;
  Response (Api::*handle)(const Request&);
};
constexpr Page kPages[] = {
    {"devlogin", Access::kLogin, &Api::devlogin}, {"getdata", Access::kLogin, &Api::getdata},
    {"getwdata", Access::kRead, &Api::getwdata},  {"webinit", Access::kRead, &Api::webinit},
    {"mqtt", Access::kChange, &Api::mqtt},        {"initval", Access::kChange, &Api::initval},
    {"pout", Access::kChange, &Api::pout},
};

Response Api::root(const Request& q) {
  const auto name = q.query.get("page");
  if (!name) return front_page(q);
  const auto page = std::find_if(std::begin(kPages), std::end(kPages),
                                 [&](const Page& p) { return p.name == *name; });
  if (page == std::end(kPages))
    return Response::error(400, fmt::format("unknown page '{}'", *name));
  if (auto refused = refuse(q, {page->access})) return std::move(*refused);
  return (this->*page->handle)(q);
}

}  // namespace

http::Expected<std::size_t> web_body_limit(const http::Request& header) {
  if (header.method == "GET" || header.method == "HEAD") return std::size_t{0};
  return kWebBodyBytes;
}

std::string minutes_csv(std::span<const MinuteRecord> minutes, int phases) {
  const auto quantities = catalogue(catalogue_phases(phases));
  std::string out = "time";
  for (const Quantity& q : quantities) out += "," + q.key;
  out += "\n";
  for (const MinuteRecord& m : minutes) {
    out += std::to_string(m.minute);
    for (const Quantity& q : quantities)
      out += fmt::format(",{}", display_value(q, value_of(m, q)));
    out += "\n";
  }
  return out;
}

void add_web_routes(http::Router& router, Device& device, const Clock& clock, http::Handler site,
                    WebApiOptions options) {
  auto api = std::make_shared<Api>(device, clock, site, options);
  Api& a = *api;
  // root() applies each page's rules; without page= it is the site.
  router.add("GET", "/", a.shed([api](const Request& q) { return api->root(q); }));
  router.add_prefix("GET", "/", a.shed([api](const Request& q) { return api->site_file(q); }));
  const Rules open{Access::kOpen}, read{Access::kRead}, change{Access::kChange};
  const Rules change_json{Access::kChange, true};
  router.add("POST", "/login",
             a.guard({Access::kLogin}, [api](const Request& q) { return api->login_form(q); }));
  router.add("GET", "/api/v1/session",
             a.guard(read, [api](const Request& q) { return api->session(q); }));
  router.add("POST", "/api/v1/logout", a.guard(change, [api](const Request& q) {
    api->device_.access().logout(session_of(q));
    Response r = ok();
    r.headers.add("Set-Cookie",
                  fmt::format("{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0", kCookie));
    return r;
  }));
  // The Data Server section's "check connection": the uplink says hello
  // again at once; the outcome shows in the status ("server").
  router.add("POST", "/api/v1/server/check", a.guard(change, [api](const Request&) {
    api->device_.request_server_check();
    return ok();
  }));
  router.add("GET", "/api/v1/status",
             a.guard(open, [api](const Request&) { return api->status(); }));
  router.add("GET", "/api/v1/readings", a.guard(open, [api](const Request&) {
    auto r = api->device_.latest();
    if (!r) return Response::error(503, "no reading yet");
    return Response::json(readings_json(*r, api->device_.identity()));
  }));
  router.add("GET", "/metrics", a.guard(open, [api](const Request&) { return api->metrics(); }));
  router.add("POST", "/api/v1/login", a.guard({Access::kLogin, true}, [api](const Request& q) {
    const auto body = json_body(q);
    if (!body) return body.error();
    if (!body->is_object() || !body->contains("pin") || !(*body)["pin"].is_string()) {
      return Response::error(400, "pin: a string is required");
    }
    return login(api->device_, q, (*body)["pin"].get<std::string>());
  }));
  router.add("GET", "/api/v1/settings", a.guard(read, [api](const Request&) {
    return Response::json(to_json(api->device_.settings(), /*include_secrets=*/false));
  }));
  router.add("PATCH", "/api/v1/settings", a.guard(change_json, [api](const Request& q) {
    const auto body = json_body(q);
    if (!body) return body.error();
    if (Status s = api->device_.update_settings(json_patch(*body)); !s)
      return Response::error(400, s.error().message);
    return Response::json(to_json(api->device_.settings(), false));
  }));
  router.add("POST", "/api/v1/output", a.guard(change_json, [api](const Request& q) {
    const auto body = json_body(q);
    if (!body) return body.error();
    if (!body->is_object() || !body->contains("on") || !(*body)["on"].is_boolean()) {
      return Response::error(400, "on: true or false is required");
    }
    // Switched first, then read: in one call's arguments the order of the
    // two is unspecified, and the answer showed the state before the switch.
    const bool on = (*body)["on"].get<bool>();
    if (Status st = api->device_.set_output({on, OutputCause::kJsonApi}); !st)
      return from_status(st);
    return ok({{"on", api->device_.output_on()}});
  }));
  router.add("POST", "/api/v1/meters", a.guard(change_json, [api](const Request& q) {
    const auto body = json_body(q);
    if (!body) return body.error();
    if (!body->is_object())
      return Response::error(400, "an object such as {\"Wh1\": 123000} is expected");
    std::vector<http::Query::Param> params;
    for (const auto& [key, value] : body->items()) {
      if (!value.is_number()) return Response::error(400, key + ": a number of Wh is expected");
      params.emplace_back(key, fmt::format("{}", value.get<double>()));
    }
    auto values = initval_page_values(http::Query(std::move(params)));
    if (!values) return Response::error(400, values.error().message);
    return from_status(api->device_.set_initial_values(*values));
  }));
  router.add("GET", "/api/v1/journal.csv",
             a.guard(read, [api](const Request& q) { return api->journal_csv(q); }));
  router.add("POST", "/api/v1/factory-reset", a.guard(change, [api](const Request&) {
    return from_status(api->device_.factory_reset());
  }));
  // --- Notifications ---
  router.add("POST", "/api/v1/notifications/test",
             a.guard(change, [api](const Request&) { return api->notification_test(); }));
  // --- End of notifications ---
  // The manual's "WiFi and Network" section (§2): "Refresh" and "Connect",
  // asked for here and carried out by the life cycle's loop (the radio takes
  // seconds); the outcome shows in the status ("network").
  router.add("POST", "/api/v1/wifi/scan", a.guard(change, [api](const Request&) {
    if (api->lifecycle_ == nullptr) return Response::error(503, "no radio");
    api->lifecycle_->scan();
    return ok();
  }));
  router.add("POST", "/api/v1/wifi/connect", a.guard(change_json, [api](const Request& q) {
    if (api->lifecycle_ == nullptr) return Response::error(503, "no radio");
    const auto body = json_body(q);
    if (!body) return body.error();
    if (!body->is_object() || !body->contains("ssid") || !(*body)["ssid"].is_string())
      return Response::error(400, "ssid: a string is required");
    const std::string ssid = (*body)["ssid"].get<std::string>();
    std::string password;
    if (body->contains("password")) {
      if (!(*body)["password"].is_string())
        return Response::error(400, "password: a string is expected");
      password = (*body)["password"].get<std::string>();
    }
    // IEEE 802.11: a name of 1..32 bytes; WPA2-PSK: a passphrase of 8..63.
    if (ssid.empty() || ssid.size() > 32) return Response::error(400, "ssid: 1 to 32 bytes");
    if (!password.empty() && (password.size() < 8 || password.size() > 63))
      return Response::error(400, "password: none, or 8 to 63 characters");
    api->lifecycle_->connect_to(ssid, std::move(password));
    return ok();
  }));
  // Guided calibration (docs/metering.md, "Guided calibration"): measure
  // against a reference over the readings to come, watch the progress,
  // apply (saved in the settings) or cancel. 409: the source cannot be
  // calibrated, or there is nothing to apply.
  router.add("GET", "/api/v1/calibration",
             a.guard(read, [api](const Request&) { return api->calibration_status(); }));
  router.add("POST", "/api/v1/calibration/measure",
             a.guard(change_json, [api](const Request& q) { return api->calibration_measure(q); }));
  router.add("POST", "/api/v1/calibration/apply",
             a.guard(change, [api](const Request&) { return api->calibration_apply(); }));
  router.add("POST", "/api/v1/calibration/cancel", a.guard(change, [api](const Request&) {
    api->device_.cancel_calibration();
    return ok();
  }));
  router.add("POST", "/api/v1/reboot", a.guard(change, [api](const Request&) {
    // Asked for, not done: restarting the services may take seconds (MQTT's
    // goodbye, name resolution), too long for a request. The metering loop
    // does it at its next step (Device::request_reboot); with the life
    // cycle wired, as a short press of Reset, which also opens the access
    // point (manual §6).
    if (api->lifecycle_ != nullptr) {
      api->lifecycle_->press(ButtonPress::kShort);
    } else {
      api->device_.request_reboot();
    }
    return ok();
  }));
}

}  // namespace maic::device
