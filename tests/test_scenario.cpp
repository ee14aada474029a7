// Scenario parsing: defaults, overrides, and every problem reported at once.
#include "sepsim/scenario/scenario.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

using namespace sepsim;

namespace {

std::string default_text() {
  return std::string(default_scenario_text());
}

// Replaces the first occurrence of `from` in the default scenario.
std::string edited(const std::string& from, const std::string& to) {
  std::string text = default_text();
  const auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  return text.replace(pos, from.size(), to);
}

int line_of(const std::string& text, const std::string& needle) {
  const auto pos = text.find(needle);
  REQUIRE(pos != std::string::npos);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + pos, '\n'));
}

std::vector<Problem> problems_of(const std::string& text,
                                 const std::vector<Override>& overrides = {}) {
  try {
    parse_scenario(text, "test.toml", overrides);
  } catch (const ScenarioError& e) {
    return e.problems();
  }
  FAIL("the scenario was accepted");
  return {};
}

bool mentions(const std::vector<Problem>& ps, const std::string& key, const std::string& rule) {
  for (const auto& p : ps)
    if (p.key == key && p.rule.find(rule) != std::string::npos) return true;
  return false;
}

} // namespace

TEST_CASE("The bundled default is scenarios/immunosep.toml and parses", "[scenario]") {
  std::ifstream in(test::source_path("scenarios/immunosep.toml"));
  std::stringstream file;
  file << in.rdbuf();
  CHECK(file.str() == default_text());

  const Scenario s = load_default_scenario();
  CHECK(s.name == "immunosep");
  CHECK(s.population.prevalence[unclassified] == Approx(0.535));
  REQUIRE(s.designs.size() == 1);
  const Design& d = s.designs[0];
  CHECK(d.sample_size == 276);
  CHECK(d.analysis.alpha == 0.05);
  CHECK(d.analysis.sided == 2);
  CHECK(d.eligible_label == std::array<bool, 3>{true, true, false});
  REQUIRE(d.arms.size() == 2);
  CHECK(s.treatments[d.arms[0].treatment_by_label[mals]].name == "anakinra");
  CHECK(s.treatments[d.arms[0].treatment_by_label[immunoparalysis]].name == "ifn_gamma");
}

TEST_CASE("Derived SOFA-change means match calibration.md section 8.4", "[scenario]") {
  const Scenario s = load_default_scenario();
  auto mean = [&](const char* treatment, Phenotype p) {
    for (const auto& t : s.treatments)
      if (t.name == treatment) return t.sofa_change_mean[p];
    FAIL("no treatment");
    return 0.0;
  };
  // The sheet rounds to 2 decimals.
  CHECK(mean("placebo", mals) == Approx(-0.40).margin(0.006));
  CHECK(mean("placebo", immunoparalysis) == Approx(-0.51).margin(0.006));
  CHECK(mean("placebo", unclassified) == Approx(-0.47).margin(0.006));
  CHECK(mean("anakinra", mals) == Approx(2.76).margin(0.01));
  CHECK(mean("ifn_gamma", immunoparalysis) == Approx(0.87).margin(0.01));
  CHECK(mean("ifn_gamma", mals) == Approx(-0.97).margin(0.01));
  CHECK(mean("anakinra", immunoparalysis) == Approx(-0.73).margin(0.01));
}

TEST_CASE("Overrides (--set) reach the paths statisticians sweep", "[scenario]") {
  const Scenario s = load_default_scenario({{"population.prevalence.mals=0.04"},
                                            {"treatments.anakinra.response.mals=0.5"},
                                            {"designs.immunosep.sample_size=400"}});
  CHECK(s.population.prevalence[mals] == 0.04);
  CHECK(s.population.prevalence[unclassified] == Approx(0.56));
  const auto anakinra = std::find_if(s.treatments.begin(), s.treatments.end(),
                                     [](const Treatment& t) { return t.name == "anakinra"; });
  REQUIRE(anakinra != s.treatments.end());
  CHECK(anakinra->response[mals] == 0.5);
  CHECK(s.designs[0].sample_size == 400);
  CHECK(s.text.find("sample_size = 400") != std::string::npos);

  const Scenario rates = load_scenario(
      test::source_path("scenarios/validation/rates_two_arm.toml"),
      {{"designs.main.allocation=[2,1]"}, {"designs.main.randomisation.block_size=3"}});
  CHECK(rates.designs[0].arms[0].allocation == 2.0);
  CHECK(rates.designs[0].arms[1].allocation == 1.0);
}

TEST_CASE("Overrides (--set) reject unknown paths and non-TOML values", "[scenario]") {
  auto ps = problems_of(default_text(), {{"designs.immunosep.sample_sise=300"}});
  CHECK(mentions(ps, "designs.immunosep.sample_sise", "unknown key"));
  ps = problems_of(default_text(), {{"designs.nope.sample_size=300"}});
  CHECK(mentions(ps, "designs.nope.sample_size", "no such table"));
  ps = problems_of(default_text(), {{"designs.immunosep.analysis.test=pooled"}});
  CHECK(mentions(ps, "designs.immunosep.analysis.test", "not a TOML value"));
  ps = problems_of(default_text(), {{"no_equals_sign"}});
  CHECK(mentions(ps, "no_equals_sign", "KEY=VALUE"));
}

TEST_CASE("A syntax error names the line and column", "[scenario]") {
  const std::string text = edited("sample_size = 276", "sample_size = = 276");
  const auto ps = problems_of(text);
  REQUIRE(ps.size() == 1);
  CHECK(ps[0].file == "test.toml");
  CHECK(ps[0].line == line_of(text, "sample_size = = 276"));
  CHECK(ps[0].rule.find("not valid TOML") != std::string::npos);
}

TEST_CASE("An unknown key is reported with its line and the known keys", "[scenario]") {
  const std::string text = edited("sample_size = 276", "sample_size = 276\nsampel_size = 300");
  const auto ps = problems_of(text);
  REQUIRE(ps.size() == 1);
  CHECK(ps[0].key == "designs.immunosep.sampel_size");
  CHECK(ps[0].line == line_of(text, "sampel_size"));
  CHECK(ps[0].rule.find("unknown key") != std::string::npos);
  CHECK(ps[0].rule.find("sample_size") != std::string::npos);
}

TEST_CASE("Impossible values are named with key, value and rule", "[scenario]") {
  SECTION("prevalences summing above 1") {
    const auto ps = problems_of(
        edited("mals = 0.065, immunoparalysis = 0.40", "mals = 0.65, immunoparalysis = 0.40"));
    CHECK(mentions(ps, "population.prevalence", "must not sum above 1"));
  }
  SECTION("negative sample size") {
    const std::string text = edited("sample_size = 276", "sample_size = -3");
    const auto ps = problems_of(text);
    REQUIRE(ps.size() == 1);
    CHECK(ps[0].key == "designs.immunosep.sample_size");
    CHECK(ps[0].value == "-3");
    CHECK(ps[0].line == line_of(text, "sample_size = -3"));
    CHECK(ps[0].rule == "must be a positive integer");
  }
  SECTION("unknown treatment in a policy") {
    const std::string text =
        edited("immunoparalysis = \"ifn_gamma\" }", "immunoparalysis = \"ifn_gama\" }");
    const auto ps = problems_of(text);
    REQUIRE(ps.size() == 1);
    CHECK(ps[0].key == "designs.immunosep.policy.precision");
    CHECK(ps[0].value == "\"ifn_gama\"");
    CHECK(ps[0].rule.find("unknown treatment") != std::string::npos);
    CHECK(ps[0].rule.find("ifn_gamma") != std::string::npos);
  }
  SECTION("response above the chance of surviving to day 9") {
    const auto ps = problems_of(edited("response = { mals = 0.58", "response = { mals = 0.95"));
    CHECK(mentions(ps, "treatments.anakinra.response.mals", "cannot exceed"));
  }
  SECTION("a format_version this sepsim does not read") {
    const auto ps = problems_of(edited("format_version = 1", "format_version = 2"));
    CHECK(mentions(ps, "format_version", "format_version = 1"));
  }
}

TEST_CASE("Every problem in a file is reported at once", "[scenario]") {
  std::string text = edited("sample_size = 276", "sample_size = 0");
  text.replace(text.find("alpha = 0.05"), 12, "alpha = 1.5");
  text.replace(text.find("sided = 2"), 9, "sided = 3");
  text.replace(text.find("assay_cv = 0.25"), 15, "assay_cv = -0.25");
  const auto ps = problems_of(text);
  CHECK(ps.size() == 4);
  CHECK(mentions(ps, "designs.immunosep.sample_size", "positive integer"));
  CHECK(mentions(ps, "designs.immunosep.analysis.alpha", "between 0 and 1"));
  CHECK(mentions(ps, "designs.immunosep.analysis.sided", "1 or 2"));
  CHECK(mentions(ps, "population.ferritin_ng_per_ml.assay_cv", ">= 0"));
  // Sorted by position in the file.
  for (std::size_t i = 1; i < ps.size(); ++i)
    CHECK(ps[i - 1].line <= ps[i].line);
}

TEST_CASE("A missing scenario file is an I/O error", "[scenario]") {
  CHECK_THROWS_AS(load_scenario("/nonexistent/scenario.toml"), IoError);
}
