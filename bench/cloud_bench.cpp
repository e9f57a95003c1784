// The server's ingest and query costs, each beside a baseline measured in
// the same run (docs/performance.md):
//
//  ingest   minute records per second through the HTTP uplink (a real
//           loopback server, libcurl clients, batches of 2,000, rollups
//           maintained) into SQLite and into PostgreSQL; the baseline is
//           the same minute rows inserted straight into the same engine by
//           its fastest plain method (SQLite: one prepared INSERT reused in
//           a transaction per batch; PostgreSQL: COPY per batch);
//  queries  a year of one device's minute data, read through the request
//           handler as day, week and month series and as the /api minute
//           answer for one day.
//
//   build/release/bench/maic_cloud_bench [--records N] [--no-postgres] [--no-queries]
#include <curl/curl.h>
#include <fmt/format.h>
#include <sodium.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <stdexcept>
#include <thread>
#include <vector>

#include "maic/cloud/postgres_store.hpp"
#include "maic/cloud/service.hpp"
#include "maic/cloud/sqlite_store.hpp"
#include "maic/core/clock.hpp"
#include "maic/core/device_secrets.hpp"
#include "maic/core/minute_blob.hpp"
#include "maic/core/upload_codec.hpp"
#include "maic/http/server.hpp"
#include "maic/platform/system_clock.hpp"
#include "maic/testing/postgres_server.hpp"
#include "maic/testing/temp_dir.hpp"
#include "postgres_arrays.hpp"

namespace maic {
namespace {

using Seconds = std::chrono::duration<double>;
constexpr std::size_t kBatch = 2000;
constexpr std::int64_t kEpoch = 1'704'067'200;  // 2024-01-01 00:00 UTC

template <typename T>
T must(Result<T> r, std::string_view what) {
  if (!r) throw std::runtime_error(fmt::format("{}: {}", what, r.error().message));
  return std::move(r).value();
}

UploadRecord record(std::int64_t minute, std::uint32_t seq) {
  UploadRecord r;
  r.seq = seq;
  r.minute.minute = minute;
  r.minute.phases = 3;
  r.minute.readings = 12;
  r.minute.temperature_c = 31.5;
  const double wave = static_cast<double>(minute % 86'400) / 86'400;
  for (std::size_t p = 0; p < kMaxPhases; ++p) {
    PhaseValues& ph = r.minute.phase[p];
    ph.volts = 228 + 4 * wave + static_cast<double>(p);
    ph.watts = 200 + 1800 * wave + 50 * static_cast<double>(p);
    ph.amps = ph.watts / ph.volts;
    ph.power_factor = 0.97;
    ph.hertz = 50;
    ph.wh_delta = ph.watts / 60;
    ph.wh = static_cast<double>(seq) * ph.wh_delta;
  }
  return r;
}

// The rows a baseline inserts, prepared before its clock starts: the
// baseline is the engine's insert alone, with no decoding or encoding.
struct RawRow {
  std::int64_t minute;
  std::int64_t seq;
  std::string blob;
};

struct Fleet {
  struct Device {
    std::string devid;
    std::string secret;
    std::vector<std::string> batches;       // encoded uploads
    std::vector<std::vector<RawRow>> rows;  // the same, as table rows
  };
  std::vector<Device> devices;
  std::size_t records = 0;
};

Fleet make_fleet(std::size_t devices, std::size_t batches_per_device) {
  Fleet f;
  for (std::size_t d = 0; d < devices; ++d) {
    Fleet::Device dev{fmt::format("{:010}", 1'000'000'000 + d),
                      std::string(64, static_cast<char>('a' + d % 6)),
                      {},
                      {}};
    std::uint32_t seq = 1;
    for (std::size_t b = 0; b < batches_per_device; ++b) {
      UploadBatch batch{dev.devid, {}};
      for (std::size_t i = 0; i < kBatch; ++i, ++seq)
        batch.records.push_back(record(kEpoch + 60 * static_cast<std::int64_t>(seq), seq));
      f.records += batch.records.size();
      dev.batches.push_back(encode_upload(batch));
      auto& rows = dev.rows.emplace_back();
      for (const UploadRecord& r : batch.records)
        rows.push_back({r.minute.minute, r.seq, encode_minute_blob(r.minute)});
    }
    f.devices.push_back(std::move(dev));
  }
  return f;
}

std::size_t discard(char*, std::size_t size, std::size_t n, void*) { return size * n; }

// One libcurl client per thread, kept alive across requests like a device's.
class Client {
 public:
  explicit Client(std::string base) : base_(std::move(base)), curl_(curl_easy_init()) {}
  ~Client() { curl_easy_cleanup(curl_); }
  long post(const std::string& path, const std::string& body, const std::string& user) {
    curl_easy_setopt(curl_, CURLOPT_URL, (base_ + path).c_str());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(curl_, CURLOPT_USERPWD, user.c_str());
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, discard);
    if (curl_easy_perform(curl_) != CURLE_OK) return 0;
    long status = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }

 private:
  std::string base_;
  CURL* curl_;
};

// Records per second through the HTTP uplink into `store`.
double ingest_over_http(cloud::Store& store, const Fleet& fleet, unsigned clients) {
  const auto clock = platform::system_clock();
  cloud::CloudService service(store, *clock, {});
  http::ServerOptions options;
  options.listen = {"127.0.0.1", 0};
  options.threads = 2;
  options.limits.body_bytes = 4 << 20;
  auto server =
      must(http::Server::start(options, [&](const http::Request& r) { return service.handle(r); }),
           "server");
  const std::string base = fmt::format("http://127.0.0.1:{}", server.port());
  {
    Client hello(base);
    for (const auto& d : fleet.devices) {
      const std::string salt = new_pin_salt();
      const nlohmann::json body = {{"devid", d.devid},
                                   {"devtype", "D103"},
                                   {"firmware", "bench"},
                                   {"phases", 3},
                                   {"pin_salt", salt},
                                   {"pin_hash", must(pin_digest(salt, "4711"), "pin")},
                                   {"out", 0}};
      if (hello.post("/uplink/v1/hello", body.dump(), d.devid + ":" + d.secret) != 200)
        throw std::runtime_error("hello refused");
    }
  }
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < clients; ++t) {
    threads.emplace_back([&] {
      Client c(base);
      // Each client takes whole devices, so a device's batches go in order.
      for (std::size_t d; (d = next++) < fleet.devices.size();) {
        const auto& dev = fleet.devices[d];
        for (const auto& batch : dev.batches) {
          if (c.post("/uplink/v1/minutes", batch, dev.devid + ":" + dev.secret) != 200)
            failed = true;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double s = Seconds(std::chrono::steady_clock::now() - start).count();
  server.stop();
  if (failed) throw std::runtime_error("an upload failed");
  return static_cast<double>(fleet.records) / s;
}

// Baseline: the same rows straight into a SQLite table of the same shape.
double sqlite_raw(const std::string& path, const Fleet& fleet) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
               // The store's shape: identity (devid, stamp, seq), booked minute indexed.
               "CREATE TABLE minutes (devid TEXT NOT NULL, stamp INTEGER NOT NULL, seq INTEGER "
               "NOT NULL, minute INTEGER NOT NULL, blob BLOB NOT NULL, "
               "PRIMARY KEY (devid, stamp, seq)) WITHOUT ROWID;"
               "CREATE INDEX minutes_by_time ON minutes (devid, minute, seq);",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO minutes VALUES (?1, ?2, ?3, ?2, ?4)", -1, &insert, nullptr);
  const auto start = std::chrono::steady_clock::now();
  for (const auto& dev : fleet.devices) {
    for (const auto& batch : dev.rows) {
      sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
      for (const RawRow& r : batch) {
        sqlite3_bind_text(insert, 1, dev.devid.c_str(), -1, SQLITE_STATIC);
        sqlite3_bind_int64(insert, 2, r.minute);
        sqlite3_bind_int64(insert, 3, r.seq);
        sqlite3_bind_blob(insert, 4, r.blob.data(), static_cast<int>(r.blob.size()), SQLITE_STATIC);
        if (sqlite3_step(insert) != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db));
        sqlite3_reset(insert);
      }
      sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    }
  }
  const double s = Seconds(std::chrono::steady_clock::now() - start).count();
  sqlite3_finalize(insert);
  sqlite3_close(db);
  return static_cast<double>(fleet.records) / s;
}

// Baseline: the same rows into PostgreSQL by its fastest plain method here,
// one INSERT of binary arrays per batch (faster than COPY on this machine:
// bench/postgres_ingest_bench measures both).
double postgres_raw(const std::string& uri, const Fleet& fleet) {
  pqxx::connection conn(uri);
  {
    pqxx::work w(conn);
    w.exec(
        "CREATE TABLE raw_minutes (devid TEXT NOT NULL, stamp BIGINT NOT NULL, seq BIGINT "
        "NOT NULL, minute BIGINT NOT NULL, blob BYTEA NOT NULL, PRIMARY KEY (devid, stamp, seq))");
    w.exec("CREATE INDEX raw_minutes_by_time ON raw_minutes (devid, minute, seq)");
    w.commit();
  }
  conn.prepare("insert",
               "INSERT INTO raw_minutes (devid, stamp, seq, minute, blob) SELECT $1, m, s, m, b "
               "FROM unnest($2::bigint[], $3::bigint[], $4::bytea[]) AS t (m, s, b)");
  const auto start = std::chrono::steady_clock::now();
  for (const auto& dev : fleet.devices) {
    for (const auto& batch : dev.rows) {
      cloud::BinaryArray minutes(cloud::BinaryArray::kInt8, batch.size());
      cloud::BinaryArray seqs(cloud::BinaryArray::kInt8, batch.size());
      cloud::BinaryArray blobs(cloud::BinaryArray::kBytea, batch.size());
      for (const RawRow& r : batch) {
        minutes.i64(r.minute);
        seqs.i64(r.seq);
        blobs.bytes(r.blob);
      }
      pqxx::work w(conn);
      w.exec_prepared0("insert", dev.devid, minutes.param(), seqs.param(), blobs.param());
      w.commit();
    }
  }
  const double s = Seconds(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(fleet.records) / s;
}

// Median milliseconds of `f` over `runs` runs.
template <typename F>
double median_ms(int runs, F&& f) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

void queries(const std::string& dir) {
  auto store = must(cloud::SqliteStore::open(dir + "/year.db"), "sqlite");
  cloud::DeviceIdentity id{"1828719372", "D103", "bench", 3, secret_hash("x"), new_pin_salt(), ""};
  id.pin_hash = must(pin_digest(id.pin_salt, "4711"), "pin");
  must(store->upsert_device(id, kEpoch), "device");
  const auto clock = platform::system_clock();
  const std::string key = std::string(64, 'k');
  const auto user = must(store->create_user("bench@example.org", "x", key, kEpoch), "user");
  must(store->claim_device(id.devid, (*user).id, "Bench"), "claim");
  const auto load_start = std::chrono::steady_clock::now();
  std::vector<UploadRecord> batch;
  std::uint32_t seq = 1;
  for (std::int64_t m = kEpoch; m < kEpoch + 366 * 86'400; m += 60, ++seq) {
    batch.push_back(record(m, seq));
    if (batch.size() == kBatch) {
      must(store->ingest(id.devid, batch, kEpoch), "ingest");
      batch.clear();
    }
  }
  if (!batch.empty()) must(store->ingest(id.devid, batch, kEpoch), "ingest");
  fmt::print("  loaded a year of minutes ({} records) in {:.1f} s\n", seq - 1,
             Seconds(std::chrono::steady_clock::now() - load_start).count());

  cloud::CloudService service(*store, *clock, {});
  const auto get = [&](const std::string& target) {
    http::Request r;
    r.method = "GET";
    r.target = target;
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    r.query = must(http::parse_query(target.substr(q + 1)), "query");
    r.headers.set("Authorization", "Bearer " + key);
    const http::Response out = service.handle(r);
    if (out.status != 200) throw std::runtime_error(target + ": " + out.body);
    return out.body.size();
  };
  const std::string year = fmt::format("&from={}&to={}", kEpoch, kEpoch + 366 * 86'400 - 1);
  for (const char* period : {"day", "week", "month"}) {
    const std::string target =
        fmt::format("/api/v1/devices/{}/series?q=W,TWh,V1&period={}{}", id.devid, period, year);
    const double ms = median_ms(50, [&] { get(target); });
    fmt::print("  | a year as {} series (W, TWh, V1) | {:.2f} ms |\n", period, ms);
  }
  const std::string day =
      fmt::format("/api?devid={}&apikey={}&period=minute&date1={}&date2={}", id.devid, key,
                  kEpoch + 200 * 86'400, kEpoch + 201 * 86'400 - 60);
  const double ms = median_ms(50, [&] { get(day); });
  fmt::print("  | /api minute rows of one day (1,440 rows) | {:.2f} ms |\n", ms);
}

}  // namespace
}  // namespace maic

int main(int argc, char** argv) {
  using namespace maic;
  std::size_t records = 200'000;
  bool postgres = true;
  bool query = true;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--records") == 0 && i + 1 < argc) records = std::stoul(argv[++i]);
    if (std::strcmp(argv[i], "--no-postgres") == 0) postgres = false;
    if (std::strcmp(argv[i], "--no-queries") == 0) query = false;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const std::size_t devices = std::max<std::size_t>(records / (kBatch * 5), 1);
  const Fleet fleet = make_fleet(devices, 5);
  fmt::print("ingest: {} devices x 5 batches of {} = {} minute records\n", devices, kBatch,
             fleet.records);
  maic::testing::TempDir dir("maic-cloud-bench");
  {
    auto store = must(cloud::SqliteStore::open((dir.path() / "ingest.db").string()), "sqlite");
    const double http = ingest_over_http(*store, fleet, 2);
    const double raw = sqlite_raw((dir.path() / "raw.db").string(), fleet);
    fmt::print("  | SQLite | {:.0f} records/s | raw baseline {:.0f} records/s | {:.0f} % |\n", http,
               raw, 100 * http / raw);
  }
  if (postgres) {
    auto server = must(maic::testing::PostgresServer::start(), "postgres");
    auto store = must(cloud::PostgresStore::open(must(server->create_database(), "db"), 4), "pg");
    const double http = ingest_over_http(*store, fleet, 2);
    const double raw = postgres_raw(must(server->create_database(), "db"), fleet);
    fmt::print("  | PostgreSQL | {:.0f} records/s | raw baseline {:.0f} records/s | {:.0f} % |\n",
               http, raw, 100 * http / raw);
  }
  if (query) {
    fmt::print("queries (SQLite):\n");
    queries(dir.path().string());
  }
  curl_global_cleanup();
  return 0;
}
