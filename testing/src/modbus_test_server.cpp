#include "maic/testing/modbus_test_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

namespace maic::testing {
namespace {

constexpr int kInputRegisters = 0x0200;  // covers every row of metering::sdm630::kRegisters

Error os_error(std::string_view what) {
  return make_error(fmt::format("test server: {}: {}", what, std::strerror(errno)));
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

struct ModbusTestServer::Impl {
  enum class Transport { kTcp, kRtu };

  Transport transport;
  int unit;
  modbus_t* ctx = nullptr;  // framing only: the server owns every descriptor itself
  modbus_mapping_t* mapping = nullptr;
  mutable std::mutex bank_mutex;  // guards mapping between the test and the server thread
  std::atomic<int> answered{0};

  int wake[2] = {-1, -1};  // self-pipe: stop() writes, the server thread wakes and returns
  std::thread thread;
  bool running = false;

  // TCP
  int listen_fd = -1;
  int port = 0;  // 0 until the first start() binds
  // RTU
  int pty_master = -1;
  int pty_slave = -1;  // held open so the master never sees a hang-up between clients
  std::string device;

  Impl(Transport t, int u) : transport(t), unit(u) {}

  ~Impl() {
    stop();
    close_fd(pty_slave);
    close_fd(pty_master);
    close_fd(wake[0]);
    close_fd(wake[1]);
    if (mapping != nullptr) modbus_mapping_free(mapping);
    if (ctx != nullptr) modbus_free(ctx);  // not modbus_close: the descriptors are ours
  }

  Status init() {
    if (::pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) return os_error("pipe2");
    mapping = modbus_mapping_new(0, 0, 0, kInputRegisters);
    if (mapping == nullptr) return os_error("modbus_mapping_new");
    if (transport == Transport::kTcp) {
      ctx = modbus_new_tcp("127.0.0.1", 0);
    } else {
      if (Status s = open_pty(); !s) return s;
      ctx = modbus_new_rtu(device.c_str(), 9600, 'N', 8, 1);
    }
    if (ctx == nullptr) return os_error("creating the libmodbus context");
    if (modbus_set_slave(ctx, unit) != 0) return os_error("modbus_set_slave");
    return ok_status();
  }

  Status open_pty() {
    pty_master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (pty_master < 0) return os_error("posix_openpt");
    std::array<char, 128> name{};
    if (::grantpt(pty_master) != 0 || ::unlockpt(pty_master) != 0 ||
        ::ptsname_r(pty_master, name.data(), name.size()) != 0) {
      return os_error("preparing the pty");
    }
    device = name.data();
    pty_slave = ::open(device.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (pty_slave < 0) return os_error("opening " + device);
    termios raw{};  // bytes through untouched until the meter sets its own modes
    if (::tcgetattr(pty_slave, &raw) != 0) return os_error("tcgetattr");
    ::cfmakeraw(&raw);
    if (::tcsetattr(pty_slave, TCSANOW, &raw) != 0) return os_error("tcsetattr");
    return ok_status();
  }

  Status listen() {
    listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd < 0) return os_error("socket");
    const int one = 1;
    // A restart binds the same port again while the old connections linger in TIME_WAIT.
    if (::setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) {
      return os_error("SO_REUSEADDR");
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    socklen_t length = sizeof address;
    if (::bind(listen_fd, reinterpret_cast<sockaddr*>(&address), length) != 0) {
      return os_error(fmt::format("bind 127.0.0.1:{}", port));
    }
    if (::listen(listen_fd, 16) != 0) return os_error("listen");
    if (::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      return os_error("getsockname");
    }
    port = ntohs(address.sin_port);
    return ok_status();
  }

  Status start() {
    if (running) return make_error("test server: already running");
    if (transport == Transport::kTcp) {
      if (Status s = listen(); !s) {
        close_fd(listen_fd);
        return s;
      }
    } else {
      ::tcflush(pty_master, TCIFLUSH);  // requests that went unanswered while stopped
    }
    thread = std::thread([this] { serve(); });
    running = true;
    return ok_status();
  }

  void stop() {
    if (!running) return;
    const char byte = 1;
    while (::write(wake[1], &byte, 1) < 0 && errno == EINTR) {
    }
    thread.join();
    char drain[16];
    while (::read(wake[0], drain, sizeof drain) > 0) {
    }
    close_fd(listen_fd);
    running = false;
  }

  // Answers one request on `fd`. False when the connection is finished.
  bool answer(int fd, std::array<std::uint8_t, MODBUS_TCP_MAX_ADU_LENGTH>& query) {
    modbus_set_socket(ctx, fd);
    const int length = modbus_receive(ctx, query.data());
    if (length < 0) return false;  // closed by the peer, or a garbled frame
    if (length == 0) return true;  // RTU: for another unit, ignored as on a bus
    const std::uint8_t addressed =
        query[static_cast<std::size_t>(modbus_get_header_length(ctx) - 1)];
    // Counted before the answer leaves, so a client holding the answer sees the count.
    answered.fetch_add(1);
    int rc = 0;
    {
      const std::lock_guard lock(bank_mutex);
      // RTU filtered other units already (modbus_receive returned 0).
      rc = transport == Transport::kTcp && addressed != unit
               ? modbus_reply_exception(ctx, query.data(), MODBUS_EXCEPTION_GATEWAY_TARGET)
               : modbus_reply(ctx, query.data(), length, mapping);
    }
    return rc >= 0;
  }

  // The server thread: waits on the wake pipe and every descriptor at once,
  // so stop() never waits for a timeout.
  void serve() {
    std::array<std::uint8_t, MODBUS_TCP_MAX_ADU_LENGTH> query{};
    std::vector<int> connections;
    std::vector<pollfd> fds;
    for (;;) {
      fds.assign({{wake[0], POLLIN, 0}});
      if (transport == Transport::kTcp) {
        fds.push_back({listen_fd, POLLIN, 0});
        for (int c : connections) fds.push_back({c, POLLIN, 0});
      } else {
        fds.push_back({pty_master, POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (fds[0].revents != 0) break;
      if (transport == Transport::kRtu) {
        if (fds[1].revents != 0) answer(pty_master, query);  // a bad frame is dropped
        continue;
      }
      std::vector<int> open;
      for (std::size_t i = 2; i < fds.size(); ++i) {
        int fd = fds[i].fd;
        if (fds[i].revents == 0 || answer(fd, query)) {
          open.push_back(fd);
        } else {
          close_fd(fd);
        }
      }
      connections = std::move(open);
      if ((fds[1].revents & POLLIN) != 0) {
        const int c = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0) connections.push_back(c);
      }
    }
    for (int& c : connections) close_fd(c);
  }
};

Result<std::unique_ptr<ModbusTestServer>> ModbusTestServer::tcp(int unit) {
  auto impl = std::make_unique<Impl>(Impl::Transport::kTcp, unit);
  if (Status s = impl->init(); !s) return s.error();
  if (Status s = impl->start(); !s) return s.error();
  return std::unique_ptr<ModbusTestServer>(new ModbusTestServer(std::move(impl)));
}

Result<std::unique_ptr<ModbusTestServer>> ModbusTestServer::rtu(int unit) {
  auto impl = std::make_unique<Impl>(Impl::Transport::kRtu, unit);
  if (Status s = impl->init(); !s) return s.error();
  if (Status s = impl->start(); !s) return s.error();
  return std::unique_ptr<ModbusTestServer>(new ModbusTestServer(std::move(impl)));
}

ModbusTestServer::ModbusTestServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ModbusTestServer::~ModbusTestServer() = default;

void ModbusTestServer::stop() { impl_->stop(); }
Status ModbusTestServer::start() { return impl_->start(); }

std::string ModbusTestServer::endpoint() const {
  if (impl_->transport == Impl::Transport::kRtu) return "rtu:" + impl_->device;
  return fmt::format("tcp://127.0.0.1:{}", impl_->port);
}

void ModbusTestServer::set(const metering::sdm630::Values& values) {
  const std::lock_guard lock(impl_->bank_mutex);
  metering::sdm630::encode(values, [&](std::uint16_t address, std::uint16_t word) {
    impl_->mapping->tab_input_registers[address] = word;
  });
}

void ModbusTestServer::set_input_register(std::uint16_t address, std::uint16_t word) {
  if (address >= kInputRegisters) std::abort();  // a test bug: the bank is smaller
  const std::lock_guard lock(impl_->bank_mutex);
  impl_->mapping->tab_input_registers[address] = word;
}

int ModbusTestServer::requests() const { return impl_->answered.load(); }

}  // namespace maic::testing
