#include "maic/metering/modbus_meter.hpp"

#include <fmt/format.h>
#include <modbus/modbus.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "maic/core/ascii.hpp"

namespace maic::metering {
namespace {

// ---------------------------------------------------------------------------
// Settings: the limits, shared by the URL parser and validate().

struct Range {
  int min;
  int max;
};
constexpr Range kPortRange{1, 65535};
// On a serial line 0 is broadcast, which no meter answers, and 248..255 are
// reserved (Modbus over Serial Line, 2.2 addressing rules).
constexpr Range kRtuUnitRange{1, 247};
// Over TCP the unit id only routes through a gateway; a meter on the network
// itself answers whatever it was configured with, often 0 or 255 (Modbus
// Messaging on TCP/IP, 4.4.2: 0xFF when the id is not significant).
// libmodbus takes 0..247 and 255 there.
constexpr Range kTcpUnitRange{0, 247};
constexpr int kTcpUnitNotSignificant = 255;
constexpr Range kTimeoutMsRange{1, 60'000};
constexpr Range kIntervalSRange{1, 3600};
constexpr Range kDataBitsRange{5, 8};
constexpr Range kStopBitsRange{1, 2};
constexpr std::array kBaudRates = {1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400};

Status check_range(std::string_view name, long long value, Range range) {
  if (value < range.min || value > range.max) {
    return make_error(fmt::format("{} must be {}..{}, got {}", name, range.min, range.max, value));
  }
  return ok_status();
}

Status check_unit(ModbusTransport transport, long long unit) {
  if (transport == ModbusTransport::kRtu) {
    if (unit < kRtuUnitRange.min || unit > kRtuUnitRange.max) {
      return make_error(fmt::format("unit must be {}..{} over RTU, got {}", kRtuUnitRange.min,
                                    kRtuUnitRange.max, unit));
    }
    return ok_status();
  }
  if ((unit < kTcpUnitRange.min || unit > kTcpUnitRange.max) && unit != kTcpUnitNotSignificant) {
    return make_error(fmt::format("unit must be {}..{} or {} over TCP, got {}", kTcpUnitRange.min,
                                  kTcpUnitRange.max, kTcpUnitNotSignificant, unit));
  }
  return ok_status();
}

Status check_baud(long long baud) {
  if (std::find(kBaudRates.begin(), kBaudRates.end(), baud) == kBaudRates.end()) {
    return make_error(
        fmt::format("baud must be one of {}, got {}", fmt::join(kBaudRates, ", "), baud));
  }
  return ok_status();
}

// Host names (RFC 1123 letters, digits, '-', '.'), IPv4 and IPv6 addresses;
// anything else (spaces, '/', '@', ...) is a typo, not a host.
Status check_host(std::string_view host) {
  if (host.empty()) return make_error("missing host, as in tcp://192.168.1.20:502");
  const bool ipv6 = host.find(':') != std::string_view::npos;
  for (char c : host) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' ||
                    (ipv6 ? c == ':' || c == '%' : c == '-' || c == '_');
    if (!ok) return make_error(fmt::format("bad host '{}'", host));
  }
  return ok_status();
}

Status check_device(std::string_view device) {
  if (device.empty()) return make_error("missing serial device, as in rtu:/dev/ttyUSB0");
  if (device.front() != '/') {
    return make_error(fmt::format("serial device must be an absolute path, got '{}'", device));
  }
  for (char c : device) {
    if (std::isgraph(static_cast<unsigned char>(c)) == 0) {
      return make_error(fmt::format("bad serial device '{}'", device));
    }
  }
  return ok_status();
}

// ---------------------------------------------------------------------------
// The URL parser.

Result<long long> parse_whole(std::string_view name, std::string_view text) {
  const std::optional<std::int64_t> value = whole_number(text);
  if (!value) return make_error(fmt::format("{} must be a whole number, got '{}'", name, text));
  return static_cast<long long>(*value);
}

Result<int> parse_int(std::string_view name, std::string_view text, Range range) {
  Result<long long> value = parse_whole(name, text);
  if (!value) return value.error();
  if (Status s = check_range(name, *value, range); !s) return s.error();
  return static_cast<int>(*value);
}

enum Applies : unsigned { kTcpOnly = 1, kRtuOnly = 2, kBoth = 3 };

struct Param {
  std::string_view name;
  Applies applies;
  Status (*set)(ModbusSettings& s, std::string_view value);
};

Status set_int(int& field, std::string_view name, std::string_view text, Range range) {
  Result<int> v = parse_int(name, text, range);
  if (!v) return v.error();
  field = *v;
  return ok_status();
}

// Sets a duration field from a whole number of `Unit`s within `range`.
template <typename Unit, typename Field>
Status set_duration(Field& field, std::string_view name, std::string_view text, Range range) {
  int count = 0;
  if (Status st = set_int(count, name, text, range); !st) return st;
  field = std::chrono::duration_cast<Field>(Unit(count));
  return ok_status();
}

constexpr std::array<Param, 7> kParams{{
    {"unit", kBoth,
     [](ModbusSettings& s, std::string_view v) -> Status {
       // The transport is known: the URL's scheme is parsed before its query.
       Result<long long> unit = parse_whole("unit", v);
       if (!unit) return unit.error();
       if (Status st = check_unit(s.transport, *unit); !st) return st;
       s.unit = static_cast<int>(*unit);
       return ok_status();
     }},
    {"timeout_ms", kBoth,
     [](ModbusSettings& s, std::string_view v) {
       return set_duration<std::chrono::milliseconds>(s.response_timeout, "timeout_ms", v,
                                                      kTimeoutMsRange);
     }},
    {"interval_s", kBoth,
     [](ModbusSettings& s, std::string_view v) {
       return set_duration<std::chrono::seconds>(s.poll_interval, "interval_s", v, kIntervalSRange);
     }},
    {"baud", kRtuOnly,
     [](ModbusSettings& s, std::string_view v) -> Status {
       Result<long long> baud = parse_whole("baud", v);
       if (!baud) return baud.error();
       if (Status st = check_baud(*baud); !st) return st;
       s.baud = static_cast<int>(*baud);
       return ok_status();
     }},
    {"parity", kRtuOnly,
     [](ModbusSettings& s, std::string_view v) -> Status {
       const char c = v.size() == 1 ? static_cast<char>(std::toupper(v[0])) : '?';
       if (c != 'N' && c != 'E' && c != 'O') {
         return make_error(fmt::format("parity must be N, E or O, got '{}'", v));
       }
       s.parity = c;
       return ok_status();
     }},
    {"data", kRtuOnly,
     [](ModbusSettings& s, std::string_view v) {
       return set_int(s.data_bits, "data", v, kDataBitsRange);
     }},
    {"stop", kRtuOnly,
     [](ModbusSettings& s, std::string_view v) {
       return set_int(s.stop_bits, "stop", v, kStopBitsRange);
     }},
}};

// "tcp://" authority: HOST, HOST:PORT, [IPV6] or [IPV6]:PORT.
Status parse_authority(std::string_view authority, ModbusSettings& s) {
  std::string_view host = authority;
  std::optional<std::string_view> port;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return make_error(fmt::format("missing ']' after IPv6 address in '{}'", authority));
    }
    host = authority.substr(1, close - 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return make_error(fmt::format("unexpected '{}' after IPv6 address", rest));
      }
      port = rest.substr(1);
    }
    if (host.find(':') == std::string_view::npos) {
      return make_error(fmt::format("bad IPv6 address '{}'", host));
    }
  } else {
    const std::size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      if (authority.find(':', colon + 1) != std::string_view::npos) {
        return make_error(fmt::format(
            "bad host '{}': an IPv6 address needs brackets, as in tcp://[::1]:502", authority));
      }
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
  }
  if (Status st = check_host(host); !st) return st;
  s.host = std::string(host);
  if (port) return set_int(s.port, "port", *port, kPortRange);
  return ok_status();
}

Status parse_query(std::string_view query, ModbusSettings& s) {
  const unsigned transport = s.transport == ModbusTransport::kTcp ? kTcpOnly : kRtuOnly;
  std::array<bool, kParams.size()> seen{};
  for (;;) {
    const std::size_t amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    const std::size_t eq = item.find('=');
    if (item.empty()) return make_error("empty parameter (a stray '&' or '?')");
    if (eq == std::string_view::npos) {
      return make_error(fmt::format("parameter '{}' has no value (NAME=VALUE)", item));
    }
    const std::string_view name = item.substr(0, eq);
    const auto* param = std::find_if(kParams.begin(), kParams.end(),
                                     [&](const Param& p) { return p.name == name; });
    if (param == kParams.end()) {
      std::string known;
      for (const Param& p : kParams) {
        known += fmt::format("{}{}", known.empty() ? "" : ", ", p.name);
      }
      return make_error(fmt::format("unknown parameter '{}' (known: {})", name, known));
    }
    if ((param->applies & transport) == 0) {
      return make_error(fmt::format("parameter '{}' applies to {} only", name,
                                    param->applies == kRtuOnly ? "rtu" : "tcp"));
    }
    bool& was_seen = seen[static_cast<std::size_t>(param - kParams.begin())];
    if (was_seen) return make_error(fmt::format("parameter '{}' given twice", name));
    was_seen = true;
    if (Status st = param->set(s, item.substr(eq + 1)); !st) return st;
    if (amp == std::string_view::npos) return ok_status();
    query.remove_prefix(amp + 1);
  }
}

Result<ModbusSettings> parse_url(std::string_view url) {
  ModbusSettings s;
  const std::size_t question = url.find('?');
  std::string_view base = url.substr(0, question);
  if (base.starts_with("tcp://")) {
    s.transport = ModbusTransport::kTcp;
    if (Status st = parse_authority(base.substr(6), s); !st) return st.error();
  } else if (base.starts_with("rtu:")) {
    s.transport = ModbusTransport::kRtu;
    if (Status st = check_device(base.substr(4)); !st) return st.error();
    s.device = std::string(base.substr(4));
  } else {
    const std::size_t colon = base.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return make_error("missing scheme: expected tcp://HOST[:PORT] or rtu:/dev/DEVICE");
    }
    const std::string_view scheme = base.substr(0, colon);
    if (scheme == "tcp") return make_error("a tcp URL starts with tcp://, as in tcp://HOST[:PORT]");
    return make_error(
        fmt::format("unknown scheme '{}': expected tcp://HOST[:PORT] or rtu:/dev/DEVICE", scheme));
  }
  if (question != std::string_view::npos) {
    if (Status st = parse_query(url.substr(question + 1), s); !st) return st.error();
  }
  if (Status st = validate(s); !st) return st.error();
  return s;
}

// "tcp://host:502" or "rtu:/dev/ttyUSB0": where the meter is, for messages.
std::string endpoint(const ModbusSettings& s) {
  if (s.transport == ModbusTransport::kRtu) return "rtu:" + s.device;
  if (s.host.find(':') != std::string::npos) return fmt::format("tcp://[{}]:{}", s.host, s.port);
  return fmt::format("tcp://{}:{}", s.host, s.port);
}

std::string libmodbus_error(int err) { return modbus_strerror(err); }

}  // namespace

// ---------------------------------------------------------------------------

Status validate(const ModbusSettings& s) {
  if (s.transport == ModbusTransport::kTcp) {
    if (Status st = check_host(s.host); !st) return st;
    if (Status st = check_range("port", s.port, kPortRange); !st) return st;
  } else {
    if (Status st = check_device(s.device); !st) return st;
    if (Status st = check_baud(s.baud); !st) return st;
    if (s.parity != 'N' && s.parity != 'E' && s.parity != 'O') {
      return make_error(fmt::format("parity must be N, E or O, got '{}'", s.parity));
    }
    if (Status st = check_range("data", s.data_bits, kDataBitsRange); !st) return st;
    if (Status st = check_range("stop", s.stop_bits, kStopBitsRange); !st) return st;
  }
  if (Status st = check_unit(s.transport, s.unit); !st) return st;
  if (Status st = check_range("timeout_ms", s.response_timeout.count(), kTimeoutMsRange); !st) {
    return st;
  }
  return check_range("interval_s", s.poll_interval.count(), kIntervalSRange);
}

Result<ModbusSettings> parse_modbus_url(std::string_view url) {
  Result<ModbusSettings> s = parse_url(url);
  if (!s) return make_error(fmt::format("modbus URL '{}': {}", url, s.error().message));
  return s;
}

std::string format_modbus_url(const ModbusSettings& s) {
  std::string url = endpoint(s) + "?";
  if (s.transport == ModbusTransport::kRtu) {
    url += fmt::format("baud={}&parity={}&data={}&stop={}&", s.baud, s.parity, s.data_bits,
                       s.stop_bits);
  }
  return url + fmt::format("unit={}&timeout_ms={}&interval_s={}", s.unit,
                           s.response_timeout.count(), s.poll_interval.count());
}

Reading make_reading(MeterCounters& counters, const sdm630::Values& current, SteadyTime end,
                     Duration span) {
  Reading r;
  r.end = end;
  r.span = span;
  r.phases = kMaxPhases;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    const sdm630::PhaseValues& now = current.phase[p];
    PhaseValues& out = r.phase[p];
    out.volts = now.volts;
    out.amps = now.amps;
    out.watts = std::max(now.watts, 0.0);
    out.reverse_watts = std::max(-now.watts, 0.0);
    // Meters sign PF by lead/lag or by direction; maic's PF is |P| / (V·I).
    out.power_factor = std::abs(now.power_factor);
    out.hertz = now.volts > 0 ? current.hertz : 0;
    out.wh_delta = counters.imported[p].add(end.time_since_epoch(), now.import_wh, out.watts);
    out.rwh_delta =
        counters.exported[p].add(end.time_since_epoch(), now.export_wh, out.reverse_watts);
  }
  return r;
}

// ---------------------------------------------------------------------------
// The I/O: one libmodbus context, connected lazily, closed on any error.

class ModbusMeter::Link {
 public:
  static Result<std::unique_ptr<Link>> create(const ModbusSettings& s) {
    modbus_t* ctx = nullptr;
    if (s.transport == ModbusTransport::kTcp) {
      ctx = modbus_new_tcp_pi(s.host.c_str(), std::to_string(s.port).c_str());
    } else {
      ctx = modbus_new_rtu(s.device.c_str(), s.baud, s.parity, s.data_bits, s.stop_bits);
    }
    if (ctx == nullptr) {
      return make_error(fmt::format("{}: {}", endpoint(s), libmodbus_error(errno)));
    }
    auto link = std::unique_ptr<Link>(new Link(ctx, endpoint(s)));
    const auto ms = s.response_timeout.count();
    const auto sec = static_cast<std::uint32_t>(ms / 1000);
    const auto usec = static_cast<std::uint32_t>(ms % 1000 * 1000);
    if (modbus_set_slave(ctx, s.unit) != 0 || modbus_set_response_timeout(ctx, sec, usec) != 0 ||
        modbus_set_byte_timeout(ctx, sec, usec) != 0) {
      return make_error(fmt::format("{}: {}", link->where_, libmodbus_error(errno)));
    }
    return link;
  }

  ~Link() {
    close();
    modbus_free(ctx_);
  }
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  Status connect() {
    if (connected_) return ok_status();
    if (modbus_connect(ctx_) != 0) {
      const int err = errno;
      return make_error(fmt::format("{}: connect: {}", where_, libmodbus_error(err)));
    }
    connected_ = true;
    return ok_status();
  }

  Status read(const sdm630::ReadBlock& block, std::vector<std::uint16_t>& words) {
    const int rc = modbus_read_input_registers(ctx_, block.start, block.count, words.data());
    if (rc != block.count) {
      const int err = rc < 0 ? errno : EMBBADDATA;
      return make_error(fmt::format("{}: reading input registers 0x{:04X}..0x{:04X}: {}", where_,
                                    block.start, block.start + block.count - 1,
                                    libmodbus_error(err)));
    }
    return ok_status();
  }

  void close() {
    if (connected_) modbus_close(ctx_);
    connected_ = false;
  }

 private:
  Link(modbus_t* ctx, std::string where) : ctx_(ctx), where_(std::move(where)) {}

  modbus_t* ctx_;
  std::string where_;
  bool connected_ = false;
};

Result<std::unique_ptr<ModbusMeter>> ModbusMeter::create(const ModbusSettings& settings) {
  if (Status s = validate(settings); !s) return s.error();
  Result<std::unique_ptr<Link>> link = Link::create(settings);
  if (!link) return link.error();
  return std::unique_ptr<ModbusMeter>(new ModbusMeter(settings, std::move(*link)));
}

ModbusMeter::ModbusMeter(ModbusSettings settings, std::unique_ptr<Link> link)
    : settings_(std::move(settings)), link_(std::move(link)), plan_(sdm630::plan_reads()) {
  for (const sdm630::ReadBlock& b : plan_)
    blocks_.push_back({b.start, std::vector<std::uint16_t>(b.count)});
}

ModbusMeter::~ModbusMeter() = default;

std::string ModbusMeter::describe() const {
  return fmt::format("SDM630 over Modbus {} (unit {}, every {} s)", endpoint(settings_),
                     settings_.unit, settings_.poll_interval.count());
}

Status ModbusMeter::poll(SteadyTime now, std::vector<Reading>& out) {
  if (next_due_ && now < *next_due_) return ok_status();
  // Due again one interval after this attempt, whatever its outcome: a late
  // poll is not followed by a burst of catch-up reads, and a dead meter is
  // asked once per interval, not on every call.
  next_due_ = now + settings_.poll_interval;
  Result<sdm630::Values> values = fetch();
  if (!values) return values.error();
  // The first read starts the counters; later ones end a window each.
  Reading r = make_reading(counters_, *values, now, last_read_ ? now - *last_read_ : Duration{});
  if (last_read_) out.push_back(std::move(r));
  last_read_ = now;
  return ok_status();
}

// Fetch: connect if needed and read every block of the plan; then convert.
Result<sdm630::Values> ModbusMeter::fetch() {
  if (Status s = link_->connect(); !s) return s.error();
  for (std::size_t i = 0; i < plan_.size(); ++i) {
    if (Status s = link_->read(plan_[i], blocks_[i].words); !s) {
      link_->close();  // the next due poll reconnects: a fresh link also resynchronises RTU framing
      return s.error();
    }
  }
  return sdm630::decode(blocks_);
}

}  // namespace maic::metering
