// Opens the store a database URL names (maic-cloud's --database):
//   sqlite:PATH               a SQLite file (relative paths are taken in the
//                             data directory); the default
//   postgresql://... or postgres://...
//                             a PostgreSQL database (libpq's URI syntax)
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "maic/cloud/store.hpp"
#include "maic/core/result.hpp"

namespace maic::cloud {

// The default database of a data directory: "sqlite:maic-cloud.db".
inline constexpr std::string_view kDefaultDatabase = "sqlite:maic-cloud.db";

// Errors name the URL's problem or the database's refusal; a password in
// the URL never appears in them.
Result<std::unique_ptr<Store>> open_store(std::string_view url, const std::string& data_dir,
                                          std::size_t connections = 4);

// The URL with any password replaced by "***", for logs.
std::string redact_database_url(std::string_view url);

}  // namespace maic::cloud
