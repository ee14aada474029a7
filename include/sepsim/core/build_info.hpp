// What changes numbers: recorded in every results file.
#pragma once

#include <string_view>

namespace sepsim {

struct BuildInfo {
  std::string_view version;
  std::string_view git_commit;
  std::string_view compiler;
  std::string_view boost_version;
  std::string_view tbb_version;
  std::string_view hdf5_version;
  std::string_view build_type;
};

const BuildInfo& build_info();

} // namespace sepsim
