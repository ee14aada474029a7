// Which of a scenario's designs run: two layer-level keys, consumed before any
// value is read so that the scenario text recorded in results is an ordinary
// scenario holding just the designs run. Private to sim/input.
//   drop_base_designs = true   in a file with `base`: the base's designs are
//                              dropped, the file's own kept;
//   designs_to_run = ["a"]     only these designs run (what `--design a` sets).
#pragma once

#include "sepsim/input/scenario_reader.hpp"

#include <string>

#include <toml++/toml.h>

namespace sepsim::input {

// Before `root` (one file) is laid over `base` (its base, resolved): drops the
// base's [designs] if root says drop_base_designs = true, and removes the key.
void drop_base_designs(toml::table& root, toml::table& base, const std::string& source);

// After the overrides: keeps only the designs named by designs_to_run, and
// removes the key. ScenarioError for a name that is not a design (with the
// list of those that are) or a drop_base_designs left in a file without base.
void keep_designs(toml::table& root, const std::string& source);

} // namespace sepsim::input
