// libFuzzer target: arbitrary bytes as a scenario file, or (input starting
// with '@', never a valid TOML start) as command-line options on the bundled
// scenario, one a line:
//   KEY=VALUE      a --set override          --design NAME   a --design
//   --vary TEXT    parse_axis(TEXT), its first value then set as an override
//   --null         the null hypothesis
// Every input must end in a parsed scenario or a user error (never a crash, a
// hang or another exception); a scenario that parses, and is small, is also
// simulated for two replicates, so odd but valid values reach the trial code.
// Build and run: scripts/fuzz.sh [SECONDS] (the `fuzz` CMake preset, clang).
#include "sepsim/input/scenario_reader.hpp"
#include "sepsim/run/engine.hpp"
#include "sepsim/run/sweep.hpp"
#include "sepsim/trial/trial.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

// The options of an '@' input applied to the bundled scenario.
sepsim::Scenario load_options(std::string_view text) {
  std::vector<sepsim::Override> overrides;
  std::vector<std::string> designs;
  bool null_hypothesis = false;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string line(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line == "--null") {
      null_hypothesis = true;
    } else if (line.rfind("--design ", 0) == 0) {
      designs.push_back(line.substr(9));
    } else if (line.rfind("--vary ", 0) == 0) {
      const sepsim::Axis axis = sepsim::parse_axis(line.substr(7));
      overrides.push_back({axis.key + "=" + sepsim::toml_number(axis.values.front())});
    } else {
      overrides.push_back({line});
    }
  }
  if (!designs.empty()) overrides.push_back(sepsim::designs_override(designs));
  return sepsim::load_default_scenario(overrides, null_hypothesis);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const sepsim::Scenario scenario =
        !text.empty() && text.front() == '@'
            ? load_options(text.substr(1))
            : sepsim::parse_scenario(text, "fuzz/scenario.toml", {}, false);
    for (const auto& design : scenario.designs)
      if (design.max_enrolment() > 2000) return 0;
    sepsim::RunOptions options;
    options.replicates = 2;
    options.threads = 1;
    (void)sepsim::run_point(scenario, options);
  } catch (const sepsim::UserError&) { // ScenarioError, a bad --vary, EnrolmentError (eligible
                                       // labels too rare to fill the trial)
  } catch (const sepsim::IoError&) {   // a `base` file that cannot be read
  }
  return 0;
}
