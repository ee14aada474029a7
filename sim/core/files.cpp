#include "sepsim/core/files.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sepsim {

namespace {

// Closes the descriptor on every path out.
class Descriptor {
public:
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }

private:
  int fd_;
};

[[noreturn]] void fail(const std::string& what, const std::string& path,
                       const std::string& reason) {
  throw IoError("cannot read " + (what.empty() ? "" : what + " ") + path + ": " + reason);
}

} // namespace

std::string read_file(const std::string& path, const std::string& what, std::size_t max_bytes,
                      bool regular_only) {
  // O_NONBLOCK: opening a FIFO does not wait for a writer (nor a device for
  // its carrier); the flag is cleared once the type is known.
  Descriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) fail(what, path, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail(what, path, std::strerror(errno));
  if (S_ISDIR(st.st_mode)) fail(what, path, "it is a folder");
  if (regular_only && !S_ISREG(st.st_mode)) fail(what, path, "it is not a regular file");
  if (S_ISSOCK(st.st_mode)) fail(what, path, "it is a socket");
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0)
    fail(what, path, std::strerror(errno));
  std::string bytes;
  char buffer[65536];
  while (bytes.size() <= max_bytes) {
    const std::size_t want = std::min(sizeof buffer, max_bytes + 1 - bytes.size());
    const ssize_t n = ::read(fd.get(), buffer, want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(what, path, std::strerror(errno));
    if (n == 0) break;
    bytes.append(buffer, static_cast<std::size_t>(n));
  }
  return bytes;
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {
  }, sb{};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

} // namespace sepsim
