// libFuzzer target: arbitrary bytes as a scenario file. Every input must end
// in a parsed scenario or a ScenarioError (never a crash, a hang or another
// exception); a scenario that parses, and is small, is also simulated for two
// replicates, so odd but valid values reach the trial code.
// Build and run: scripts/fuzz.sh [SECONDS] (the `fuzz` CMake preset, clang).
#include "sepsim/input/scenario_reader.hpp"
#include "sepsim/run/engine.hpp"
#include "sepsim/trial/trial.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const sepsim::Scenario scenario = sepsim::parse_scenario(text, "fuzz/scenario.toml", {}, false);
    for (const auto& design : scenario.designs)
      if (design.max_enrolment() > 2000) return 0;
    sepsim::RunOptions options;
    options.replicates = 2;
    options.threads = 1;
    (void)sepsim::run_point(scenario, options);
  } catch (const sepsim::ScenarioError&) {
  } catch (const sepsim::IoError&) {        // a `base` file that cannot be read
  } catch (const sepsim::EnrolmentError&) { // eligible labels too rare to fill the trial
  }
  return 0;
}
