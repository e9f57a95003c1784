// Fuzzes the upload decoder, the server's hot path facing every device: any
// bytes as a body. What decodes must encode and decode again to the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "maic/core/upload_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto batch = maic::decode_upload(text);
  if (!batch) {
    if (batch.error().message.empty()) std::abort();
    return 0;
  }
  batch->send_covered = true;  // a round trip keeps every field
  auto again = maic::decode_upload(maic::encode_upload(*batch));
  if (!again || again->records.size() != batch->records.size()) std::abort();
  for (std::size_t k = 0; k < batch->records.size(); ++k) {
    const auto& a = batch->records[k];
    const auto& b = again->records[k];
    if (a.seq != b.seq || a.minute.minute != b.minute.minute) std::abort();
    for (std::size_t p = 0; p < maic::kMaxPhases; ++p) {
      if (a.minute.phase[p].wh != b.minute.phase[p].wh) std::abort();
    }
  }
  return 0;
}
