#include "maic/cloud/open_store.hpp"

#include <filesystem>

#include "maic/cloud/postgres_store.hpp"
#include "maic/cloud/sqlite_store.hpp"

namespace maic::cloud {

std::string redact_database_url(std::string_view url) {
  // scheme://user:password@host... -> scheme://user:***@host...
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  const auto at = url.find('@', scheme + 3);
  if (at == std::string_view::npos) return std::string(url);
  const auto colon = url.find(':', scheme + 3);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

Result<std::unique_ptr<Store>> open_store(std::string_view url, const std::string& data_dir,
                                          std::size_t connections) {
  if (url.starts_with("sqlite:")) {
    std::filesystem::path path(url.substr(7));
    if (path.empty()) return make_error("--database sqlite:PATH needs a path");
    if (path.is_relative()) path = std::filesystem::path(data_dir) / path;
    auto store = SqliteStore::open(path.string());
    if (!store) return make_error(path.string() + ": " + store.error().message);
    return std::unique_ptr<Store>(std::move(store).value());
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    auto store = PostgresStore::open(std::string(url), connections);
    if (!store) return make_error(redact_database_url(url) + ": " + store.error().message);
    return std::unique_ptr<Store>(std::move(store).value());
  }
  return make_error("--database must be sqlite:PATH or postgresql://..., not '" +
                    redact_database_url(url) + "'");
}

}  // namespace maic::cloud
