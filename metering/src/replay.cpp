#include "maic/metering/replay.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>
#include <vector>

namespace maic::metering {
namespace {

constexpr std::string_view kMagic = "maic-replay/1";
constexpr std::size_t kMaxHeader = 4096;

// The per-phase fields of the header, in the order they are written.
double& field(PhaseCalibration& pc, std::string_view name) {
  if (name == "v_offset") return pc.voltage.offset;
  if (name == "v_scale") return pc.voltage.scale;
  if (name == "i_offset") return pc.current.offset;
  if (name == "i_scale") return pc.current.scale;
  return pc.phase_deg;
}
constexpr std::string_view kPhaseFields[] = {"v_offset", "v_scale", "i_offset", "i_scale",
                                             "phase_deg"};

void put_le16(char* p, std::int16_t v) {
  const auto u = static_cast<std::uint16_t>(v);
  p[0] = static_cast<char>(u & 0xff);
  p[1] = static_cast<char>(u >> 8);
}
std::int16_t get_le16(const char* p) {
  const auto u = static_cast<std::uint16_t>(static_cast<unsigned char>(p[0]) |
                                            (static_cast<unsigned char>(p[1]) << 8));
  return static_cast<std::int16_t>(u);
}

}  // namespace

std::string format_replay_header(const WaveformInfo& info) {
  std::string out = fmt::format("{} rate={} phases={} nominal_hz={}", kMagic, info.sample_rate_hz,
                                info.phases, info.nominal_hz);
  for (std::string_view name : kPhaseFields) {
    out += fmt::format(" {}=", name);
    for (int p = 0; p < info.phases; ++p) {
      PhaseCalibration pc = info.calibration[static_cast<std::size_t>(p)];
      out += fmt::format("{}{:.17g}", p ? "," : "", field(pc, name));
    }
  }
  return out + "\n";
}

Result<WaveformInfo> parse_replay_header(const std::string& line) {
  std::istringstream words(line);
  std::string word;
  if (!(words >> word) || word != kMagic) {
    return make_error(
        fmt::format("not a replay file: the first line must start with '{}'", kMagic));
  }
  WaveformInfo info;
  bool have_rate = false;
  std::vector<std::pair<std::string, std::string>> per_phase;
  while (words >> word) {
    const auto eq = word.find('=');
    if (eq == std::string::npos)
      return make_error("replay header: '" + word + "' is not key=value");
    const std::string key = word.substr(0, eq);
    const std::string value = word.substr(eq + 1);
    auto number = [&](double& out) -> Status {
      char* end = nullptr;
      out = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !std::isfinite(out)) {
        return make_error("replay header: " + key + " is not a number: '" + value + "'");
      }
      return ok_status();
    };
    double x = 0;
    if (key == "rate") {
      if (Status s = number(info.sample_rate_hz); !s) return s.error();
      have_rate = true;
    } else if (key == "phases") {
      if (Status s = number(x); !s) return s.error();
      if (x != 1 && x != 2 && x != 3) return make_error("replay header: phases must be 1, 2 or 3");
      info.phases = static_cast<int>(x);
    } else if (key == "nominal_hz") {
      if (Status s = number(info.nominal_hz); !s) return s.error();
    } else if (std::find(std::begin(kPhaseFields), std::end(kPhaseFields), key) !=
               std::end(kPhaseFields)) {
      per_phase.emplace_back(key, value);
    } else {
      return make_error("replay header: unknown field '" + key + "'");
    }
  }
  if (!have_rate) return make_error("replay header: rate= is missing");
  for (const auto& [key, list] : per_phase) {
    std::istringstream items(list);
    std::string item;
    int p = 0;
    while (std::getline(items, item, ',')) {
      if (p >= info.phases)
        return make_error("replay header: " + key + " has more values than phases");
      char* end = nullptr;
      const double v = std::strtod(item.c_str(), &end);
      if (item.empty() || *end != '\0' || !std::isfinite(v)) {
        return make_error("replay header: " + key + " has a bad value '" + item + "'");
      }
      field(info.calibration[static_cast<std::size_t>(p++)], key) = v;
    }
    if (p != info.phases) return make_error("replay header: " + key + " needs one value per phase");
  }
  if (Status s = validate(info.calibration, info.phases); !s) {
    return make_error("replay header: " + s.error().message);
  }
  if (!(info.sample_rate_hz >= 1000 && info.sample_rate_hz <= 32000) ||
      info.sample_rate_hz != std::floor(info.sample_rate_hz)) {
    return make_error("replay header: rate must be a whole number of Hz from 1000 to 32000");
  }
  return info;
}

ReplayWriter::ReplayWriter(std::ostream& out, const WaveformInfo& info)
    : out_(out), phases_(info.phases) {
  out_ << format_replay_header(info);
}

Status ReplayWriter::write(const SampleBlock& block) {
  const std::size_t frame = 4 * static_cast<std::size_t>(phases_);
  frame_bytes_.resize(block.frames * frame);
  for (std::size_t k = 0; k < block.frames; ++k) {
    for (std::size_t p = 0; p < static_cast<std::size_t>(phases_); ++p) {
      put_le16(&frame_bytes_[k * frame + 4 * p], block.voltage[p][k]);
      put_le16(&frame_bytes_[k * frame + 4 * p + 2], block.current[p][k]);
    }
  }
  out_.write(frame_bytes_.data(), static_cast<std::streamsize>(frame_bytes_.size()));
  if (!out_) return make_error("could not write replay samples");
  return ok_status();
}

Result<std::unique_ptr<ReplaySource>> ReplaySource::open(std::unique_ptr<std::istream> in,
                                                         bool loop) {
  std::string line;
  char c = 0;
  while (line.size() < kMaxHeader && in->get(c) && c != '\n') line.push_back(c);
  if (c != '\n') return make_error("not a replay file: no header line");
  Result<WaveformInfo> info = parse_replay_header(line);
  if (!info) return info.error();
  return std::unique_ptr<ReplaySource>(new ReplaySource(std::move(in), *info, loop));
}

ReplaySource::ReplaySource(std::unique_ptr<std::istream> in, WaveformInfo info, bool loop)
    : in_(std::move(in)), info_(info), loop_(loop), data_start_(in_->tellg()) {}

Result<std::size_t> ReplaySource::read(SampleBuffer& buffer, std::size_t frames) {
  const std::size_t frame = 4 * static_cast<std::size_t>(info_.phases);
  bytes_.resize(frames * frame);
  std::size_t got = 0;
  bool rewound = false;
  while (got < bytes_.size()) {
    in_->read(&bytes_[got], static_cast<std::streamsize>(bytes_.size() - got));
    got += static_cast<std::size_t>(in_->gcount());
    if (got == bytes_.size()) break;
    if (!in_->eof()) return make_error("replay: read error");
    // A torn last frame is dropped; with loop, play again from the start
    // (once per call, so an empty recording cannot spin).
    got -= got % frame;
    if (!loop_ || rewound) break;
    in_->clear();
    in_->seekg(data_start_);
    if (!*in_) return make_error("replay: cannot rewind the stream to loop");
    rewound = true;
  }
  const std::size_t n = got / frame;
  buffer.resize(info_.phases, n);
  for (std::size_t k = 0; k < n; ++k) {
    for (std::size_t p = 0; p < static_cast<std::size_t>(info_.phases); ++p) {
      buffer.voltage[p][k] = get_le16(&bytes_[k * frame + 4 * p]);
      buffer.current[p][k] = get_le16(&bytes_[k * frame + 4 * p + 2]);
    }
  }
  return n;
}

}  // namespace maic::metering
