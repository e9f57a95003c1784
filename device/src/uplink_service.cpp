#include "maic/device/uplink_service.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace maic::device {

// The uplink's two loops, each on its own thread (uplink_service.hpp: how
// long they wait). wake() cuts the waits short; the destructor stops the
// uplink (cancelling its requests) and joins.
class UplinkService::Threads {
 public:
  Threads(Uplink& uplink, const Clock& clock, std::function<Duration(Duration)> real_time)
      : uplink_(uplink), clock_(clock), real_time_(std::move(real_time)) {
    uploader_ = std::thread([this] { loop([this] { return uplink_.step(); }); });
    poller_ = std::thread([this] { loop([this] { return uplink_.poll_commands(); }); });
  }
  ~Threads() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    uplink_.stop();
    uploader_.join();
    poller_.join();
  }
  Threads(const Threads&) = delete;
  Threads& operator=(const Threads&) = delete;

  // The loops take their next step now, not when their wait ends.
  void wake() {
    {
      std::lock_guard lock(mutex_);
      ++wakes_;
    }
    wake_.notify_all();
  }

 private:
  template <typename Step>
  void loop(Step step) {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      const std::uint64_t woken = wakes_;
      lock.unlock();
      const SteadyTime next = step();
      lock.lock();
      const Duration ahead = std::max(Duration::zero(), next - clock_.steady_now());
      const Duration real =
          std::clamp<Duration>(real_time_ ? real_time_(ahead) : ahead,
                               std::chrono::milliseconds(20), std::chrono::seconds(1));
      // A wake() during the step counts too: it asked for a step after it.
      wake_.wait_for(lock, real, [&] { return stopping_ || wakes_ != woken; });
    }
  }

  Uplink& uplink_;
  const Clock& clock_;
  const std::function<Duration(Duration)> real_time_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;    // under mutex_
  std::uint64_t wakes_ = 0;  // under mutex_
  std::thread uploader_;
  std::thread poller_;
};

UplinkService::UplinkService(Device& device, const Clock& clock, MakeTransport make_transport,
                             Options options)
    : device_(device),
      clock_(clock),
      make_transport_(std::move(make_transport)),
      options_(std::move(options)) {}

UplinkService::~UplinkService() { stop(); }

Status UplinkService::start(const Settings&) {
  if (uplink_ != nullptr) return ok_status();
  uploads_ = make_transport_();
  commands_ = make_transport_();
  uplink_ = std::make_unique<Uplink>(
      UplinkDependencies{device_, *uploads_, *commands_, clock_, options_.set_wall, options_.log},
      options_.uplink);
  threads_ = std::make_unique<Threads>(*uplink_, clock_, options_.real_time);
  return ok_status();
}

Status UplinkService::reconfigure(const Settings&) { return ok_status(); }

Status UplinkService::restart(const Settings& settings) {
  if (uplink_ == nullptr) return start(settings);
  uplink_->reconnect();
  threads_->wake();  // at once, not after the threads' wait
  return ok_status();
}

void UplinkService::stop() {
  threads_.reset();  // cancels the requests in flight and joins
  uplink_.reset();
  uploads_.reset();
  commands_.reset();
}

ServiceStatus UplinkService::report() const {
  const ServerReport r = device_.server_report();
  return {r.state, r.last_error, 0};
}

}  // namespace maic::device
