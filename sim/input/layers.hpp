// The layers of a scenario, before any value is read: the file's text (size
// and syntax guarded), the `base` files beneath it, and the --set overrides
// and --null on top. Private to sim/input.
#pragma once

#include "sepsim/input/scenario_reader.hpp"

#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace sepsim::input {

// A scenario file's text; IoError if it cannot be read, ScenarioError if it
// is too big to be a scenario.
std::string read_text(const std::string& path);

// The TOML tree of `text` over its bases, with the overrides and --null
// applied; ScenarioError for text that is not TOML, a missing or cyclic base,
// or overrides that cannot be applied. The base files read, outermost first,
// go to *base_files when given.
toml::table layered_scenario(std::string_view text, const std::string& source,
                             const std::vector<Override>& overrides, bool null_hypothesis,
                             std::vector<std::string>* base_files = nullptr);

} // namespace sepsim::input
