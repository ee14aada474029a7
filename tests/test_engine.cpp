// The engine: determinism across threads, common random numbers across
// designs, and results files that read back to what was written.
#include "sepsim/output/hdf5_file.hpp"
#include "sepsim/output/json.hpp"
#include "sepsim/output/table.hpp"
#include "sepsim/run/engine.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <map>
#include <utility>
#include <vector>

using namespace sepsim;

namespace {
std::string run_json(const Scenario& s, int threads, std::uint64_t reps = 3000) {
  RunOptions options;
  options.replicates = reps; // spans several chunks, the last one partial
  options.seed = 99;
  options.threads = threads;
  return to_json(run(s, options));
}
} // namespace

TEST_CASE("Same seed gives byte-identical results for any thread count", "[engine][determinism]") {
  const Scenario s = load_default_scenario();
  const std::string one = run_json(s, 1);
  CHECK(one == run_json(s, 2));
  CHECK(one == run_json(s, 3));
  CHECK(one != run_json(load_default_scenario({{"population.prevalence.mals=0.07"}}), 1));
}

namespace {
// One process as a distributed run: every chunk computed here, so the run
// takes the chunked path (two sets of chunk slots) instead of the local
// one's blocks folded in order.
// Every row's replicate, design by design, in the order given.
class RowOrder : public TrialSink {
public:
  void append(std::size_t design, const std::vector<TrialRow>& rows) override {
    for (const TrialRow& row : rows)
      replicates[design].push_back(row.replicate);
  }
  std::map<std::size_t, std::vector<std::uint64_t>> replicates;
};
} // namespace

TEST_CASE("Local runs (blocks folded in order) equal chunked runs, rows and progress in order",
          "[engine][determinism]") {
  const std::vector<Scenario> scenarios = {
      load_default_scenario(),
      load_scenario(test::source_path("scenarios/validation/rates_two_arm.toml"),
                    {{"designs.main.simulation=\"counts\""}}),
      load_scenario(test::source_path("scenarios/validation/gsd_rates.toml"))};
  for (const auto& [s, reps] :
       {std::pair{&scenarios[0], std::uint64_t{2100}}, std::pair{&scenarios[0], std::uint64_t{3}},
        std::pair{&scenarios[1], std::uint64_t{5000}}, std::pair{&scenarios[1], std::uint64_t{70}},
        std::pair{&scenarios[2], std::uint64_t{5000}}}) {
    INFO(s->name << ", " << reps << " trials");
    RunOptions options;
    options.replicates = reps;
    options.seed = 41;
    options.threads = 3;
    test::SingleRank one_rank;
    RunOptions chunked = options;
    chunked.exchange = &one_rank;
    RowOrder rows;
    options.trials = &rows;
    std::vector<std::uint64_t> progress;
    const std::string local = to_json(
        run(*s, options, [&](std::uint64_t done, std::uint64_t) { progress.push_back(done); }));
    CHECK(local == to_json(run(*s, chunked)));
    // Progress after every chunk of 1024 and at the end; rows in replicate order.
    REQUIRE(!progress.empty());
    for (std::size_t i = 0; i + 1 < progress.size(); ++i)
      CHECK(progress[i] == (i + 1) * kChunkReplicates);
    CHECK(progress.back() == reps);
    for (const auto& [design, order] : rows.replicates) {
      REQUIRE(order.size() == reps);
      for (std::uint64_t i = 0; i < reps; ++i)
        REQUIRE(order[i] == i);
    }
  }
}

TEST_CASE("A cancelled run stops with Interrupted", "[engine]") {
  const Scenario s = load_default_scenario();
  RunOptions options;
  options.replicates = 5000;
  options.threads = 2;
  std::atomic<bool> cancel{true};
  CHECK_THROWS_AS(run(s, options, {}, &cancel), Interrupted);
  cancel = false; // stopped from the first progress report on
  CHECK_THROWS_AS(run(
                      s, options, [&](std::uint64_t, std::uint64_t) { cancel = true; }, &cancel),
                  Interrupted);
}

TEST_CASE("Changing the design never changes the patients", "[engine][crn]") {
  // Another randomisation block size reassigns arms but enrols the same people.
  RunOptions options;
  options.replicates = 500;
  const DesignSummary a = test::only_design(run(load_default_scenario(), options));
  const DesignSummary b = test::only_design(
      run(load_default_scenario({{"designs.immunosep.randomisation.block_size=8"}}), options));
  for (int l = 0; l < kPhenotypes; ++l) {
    CHECK(a.enrolled_by_label[l].value == b.enrolled_by_label[l].value);
    CHECK(a.enrolled_by_phenotype[l].value == b.enrolled_by_phenotype[l].value);
  }
  CHECK(a.screened.value == b.screened.value);
  CHECK(a.power.value != b.power.value);
}

TEST_CASE("Adverse events follow the treatment given", "[engine]") {
  RunOptions options;
  options.replicates = 4000;
  const DesignSummary d = test::only_design(run(load_default_scenario(), options));
  const ArmSummary& placebo = test::arm(d, "placebo");
  const Estimate placebo_anaemia = placebo.adverse_events[AdverseEvent::anaemia];
  CHECK(std::abs(placebo_anaemia.value - 0.15) < 4 * placebo_anaemia.mcse);
  // Precision gives anakinra (anaemia 0.25) to the ~17% labelled MALS.
  const double mals_share = d.enrolled_by_label[mals].value / d.sample_size;
  const Estimate precision = test::arm(d, "precision").adverse_events[AdverseEvent::anaemia];
  CHECK(std::abs(precision.value - (0.15 + 0.10 * mals_share)) < 4 * precision.mcse + 1e-3);
}

TEST_CASE("A trial no one is eligible for is refused before it runs", "[engine]") {
  const auto load = [] {
    return load_default_scenario({{"population.prevalence={ mals = 0.0, immunoparalysis = 0.0 }"},
                                  {"population.ferritin_ng_per_ml.median.unclassified=1.0"},
                                  {"population.hla_dr_per_monocyte.median.unclassified=1e9"},
                                  {"designs.immunosep.sample_size=2"}});
  };
  CHECK_THROWS_WITH(load(), Catch::Matchers::Contains("eligible_labels") &&
                                Catch::Matchers::Contains("the trial could not enrol"));
}

TEST_CASE("A results file reads back to what was written", "[engine][hdf5]") {
  const auto dir = std::filesystem::temp_directory_path() / "sepsim-test-hdf5";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "roundtrip.h5").string();
  RunOptions options;
  options.replicates = 300;
  const RunSummary written = run(load_default_scenario(), options);
  write_results(path, written);
  const RunSummary read = read_results(path);
  CHECK(to_json(read) == to_json(written));
  CHECK(read.provenance.scenario_text == written.provenance.scenario_text);
  CHECK(read.provenance.tbb_version == written.provenance.tbb_version);
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    CHECK(entry.path().filename() == "roundtrip.h5"); // no temporary left behind
  std::filesystem::remove_all(dir);
}

TEST_CASE("Unwritable output fails before any work and leaves nothing", "[engine][hdf5]") {
  CHECK_THROWS_AS(check_writable("/nonexistent-folder/out.h5"), IoError);
  CHECK_THROWS_AS(read_results("/nonexistent-folder/out.h5"), IoError);
  RunOptions options;
  options.replicates = 10;
  CHECK_THROWS_AS(
      write_results("/nonexistent-folder/out.h5", run(load_default_scenario(), options)), IoError);
}

TEST_CASE("A results file another writer made first is kept, and so are ours", "[engine][hdf5]") {
  const auto dir = std::filesystem::temp_directory_path() / "sepsim-test-noreplace";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "r.h5").string();
  RunOptions options;
  options.replicates = 10;
  const RunSummary summary = run(load_default_scenario(), options);
  write_results(path, summary, false);
  const auto first = std::filesystem::last_write_time(path);
  CHECK_THROWS_WITH(
      write_results(path, summary, false),
      Catch::Matchers::Contains("another run wrote a results file there") &&
          Catch::Matchers::Contains("these results are kept in " + (dir / "r.kept-").string()));
  CHECK(std::filesystem::last_write_time(path) == first);
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    ++files;
    CHECK(to_json(read_results(entry.path().string())) == to_json(summary));
  }
  CHECK(files == 2); // the first file and the kept one, no temporary
  std::filesystem::remove_all(dir);
}

TEST_CASE("Under --null the power is the type I error and stays at nominal", "[engine][null]") {
  // Two-sided 0.05 counts only rejections favouring treatment: nominal 0.025.
  RunOptions options;
  options.replicates = 20000;
  const Scenario null = load_default_scenario({}, /*null_hypothesis=*/true);
  CHECK(null.null_hypothesis);
  for (const auto& t : null.treatments)
    CHECK(t.response == null.treatments[null.placebo].response);
  const DesignSummary d = test::only_design(run(null, options));
  INFO("type I error " << d.power.value << " ± " << d.power.mcse);
  CHECK(d.power.value <= 0.025 + 3 * d.power.mcse);
  CHECK(d.true_difference.value == 0.0);
  // The placebo must be a treatment; without one a scenario cannot be made null.
  CHECK_THROWS_AS(load_default_scenario({{"placebo=\"saline\""}}), ScenarioError);
  CHECK_THROWS_AS(load_default_scenario({{"placebo=\"saline\""}}, true), ScenarioError);
}
