// Names that become HDF5 groups, JSON keys and file names (scenario, designs,
// arms, hypotheses, treatments): letters, digits, '_', '.', '-', not starting
// with '.', at most 64 characters. A name outside this rule would pass the
// reader, simulate for minutes and then fail at the write.
#include "read.hpp"

#include <algorithm>

namespace sepsim::input {

namespace {
constexpr std::size_t kMaxNameLength = 64;

bool name_character(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}
} // namespace

const char* const kNameRule = "names may use only letters, digits, '_', '.' and '-', must not "
                              "start with '.' and have 1 to 64 characters";

bool valid_name(const std::string& name) {
  return !name.empty() && name.size() <= kMaxNameLength && name.front() != '.' &&
         std::all_of(name.begin(), name.end(), name_character);
}

void check_name(Reader& r, const toml::source_region& where, const std::string& key,
                const std::string& name) {
  if (!valid_name(name)) r.problem(where, key, '"' + name + '"', kNameRule);
}

} // namespace sepsim::input
