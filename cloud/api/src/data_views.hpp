// A device's data as the Dashboard reads it: series, totals and CSV
// (private to the cloud library; routed by device_routes.cpp after the
// owner check).
#pragma once

#include "context.hpp"

namespace maic::cloud {

http::Response device_series(const http::Request& r, Context& ctx, const DeviceRow& device);
http::Response device_totals(const http::Request& r, Context& ctx, const DeviceRow& device);
http::Response device_csv(const http::Request& r, Context& ctx, const DeviceRow& device);

// The newest minute's values by catalogue key ({} when there is none).
Result<nlohmann::json> last_values(Context& ctx, const DeviceRow& device);

}  // namespace maic::cloud
