// Reading a scenario: TOML layers (base files, --set overrides, --null) are
// read, every problem collected, and the result validated, derived and frozen
// into a const Scenario. The only module that sees toml++.
#pragma once

#include "sepsim/core/errors.hpp"
#include "sepsim/scenario/scenario.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace sepsim {

// "KEY=VALUE" with VALUE in TOML syntax, e.g. "designs.main.allocation=[2,1]".
struct Override {
  std::string text;
};

// The override that `--design NAME` (repeatable) stands for:
// designs_to_run = ["NAME", ...], which keeps only the named designs of the
// scenario (unknown names are refused with the list of known ones).
Override designs_override(const std::vector<std::string>& names);

// With null_hypothesis, every treatment's response, early death and adverse
// events are replaced by the placebo's (sepsim run --null): the scenario under
// which power is the type I error and the family-wise error is measured.
Scenario parse_scenario(std::string_view toml_text, const std::string& source,
                        const std::vector<Override>& overrides = {}, bool null_hypothesis = false);
Scenario load_scenario(const std::string& path, const std::vector<Override>& overrides = {},
                       bool null_hypothesis = false);
Scenario load_default_scenario(const std::vector<Override>& overrides = {},
                               bool null_hypothesis = false);

// The bundled default scenario (scenarios/immunosep.toml, compiled in).
std::string_view default_scenario_text();

} // namespace sepsim
