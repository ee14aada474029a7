// Opening the files sepsim reads, safely: a symlink loop, a folder, a FIFO
// without a writer, a device, an unreadable file or one that vanishes between
// a check and its use gives an IoError naming the path and the reason (exit
// 3), never a crash or a hang.
#pragma once

#include "sepsim/core/errors.hpp"

#include <cstddef>
#include <string>

namespace sepsim {

// Up to max_bytes + 1 bytes of the file at PATH (one past the limit, so the
// caller can tell a file that is too big). A FIFO is opened without waiting
// for a writer. Unless regular_only, a device or pipe is read too (bounded by
// max_bytes); with it, only a regular file is accepted. `what` names the file
// in messages: "cannot read WHAT PATH: REASON" (or "cannot read PATH: REASON").
std::string read_file(const std::string& path, const std::string& what, std::size_t max_bytes,
                      bool regular_only);

// Whether A and B are the same file (device and inode, through symlinks and
// hard links); false when either does not exist.
bool same_file(const std::string& a, const std::string& b);

} // namespace sepsim
