// Logistic and linear regression against R's glm and lm on a fixed data set
// (tests/data/logistic_fixture.csv: 300 virtual patients from
// `sepsim cohort -n 300 --seed 7`, odd rows "treated" with anakinra). The
// reference numbers were produced once with R 4.2 and are recorded here:
//   d <- read.csv("tests/data/logistic_fixture.csv")
//   d$label <- factor(d$label, levels = c("immunoparalysis", "mals", "unclassified"))
//   glm(response ~ treated + baseline_sofa + age_years + label, binomial, d)   # 4 iterations
//   lm(age_years ~ treated + baseline_sofa, d)
#include "sepsim/stats/regression.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace sepsim;

namespace {

struct Fixture {
  std::vector<double> response, treated, sofa, age;
  std::vector<std::string> label;
};

Fixture read_fixture() {
  std::ifstream in(test::source_path("tests/data/logistic_fixture.csv"));
  REQUIRE(in);
  Fixture f;
  std::string line;
  std::getline(in, line); // header
  while (std::getline(in, line)) {
    std::stringstream row(line);
    std::string cell[5];
    for (auto& c : cell)
      std::getline(row, c, ',');
    f.response.push_back(std::stod(cell[0]));
    f.treated.push_back(std::stod(cell[1]));
    f.sofa.push_back(std::stod(cell[2]));
    f.age.push_back(std::stod(cell[3]));
    f.label.push_back(cell[4]);
  }
  return f;
}

} // namespace

TEST_CASE("Logistic regression agrees with R's glm to 1e-6", "[regression]") {
  const Fixture f = read_fixture();
  REQUIRE(f.response.size() == 300);
  DesignMatrix x{f.response.size(), 6, std::vector<double>(f.response.size() * 6)};
  for (std::size_t i = 0; i < f.response.size(); ++i) {
    x.at(i, 0) = 1.0;
    x.at(i, 1) = f.treated[i];
    x.at(i, 2) = f.sofa[i];
    x.at(i, 3) = f.age[i];
    x.at(i, 4) = f.label[i] == "mals";
    x.at(i, 5) = f.label[i] == "unclassified";
  }
  const Fit fit = fit_logistic(x, f.response);
  REQUIRE(fit.status == FitStatus::ok);
  const double coef[] = {-0.61915519334194, -0.09855599231713, -0.00188293129862,
                         -0.00733703299541, 1.41601639226154,  -0.58181767798996};
  const double se[] = {1.02665091454689, 0.30077141603508, 0.04786725483949,
                       0.01174593344877, 0.51798468052358, 0.32533664010507};
  for (int j = 0; j < 6; ++j) {
    CHECK(fit.coefficients[j] == Approx(coef[j]).margin(1e-6));
    CHECK(fit.standard_errors[j] == Approx(se[j]).margin(1e-6));
  }
  CHECK(fit.iterations == 4); // as glm
}

TEST_CASE("Linear regression (ANCOVA) agrees with R's lm to 1e-6", "[regression]") {
  const Fixture f = read_fixture();
  DesignMatrix x{f.age.size(), 3, std::vector<double>(f.age.size() * 3)};
  for (std::size_t i = 0; i < f.age.size(); ++i) {
    x.at(i, 0) = 1.0;
    x.at(i, 1) = f.treated[i];
    x.at(i, 2) = f.sofa[i];
  }
  const Fit fit = fit_linear(x, f.age);
  REQUIRE(fit.status == FitStatus::ok);
  const double coef[] = {70.482063711471, 0.582962494390, -0.143817468709};
  const double se[] = {2.592177522067, 1.511606987607, 0.242206699097};
  for (int j = 0; j < 3; ++j) {
    CHECK(fit.coefficients[j] == Approx(coef[j]).margin(1e-6));
    CHECK(fit.standard_errors[j] == Approx(se[j]).margin(1e-6));
  }
}

TEST_CASE("Separation and collinearity are reported, never a crash", "[regression]") {
  // Treatment predicts the response perfectly: no finite MLE.
  DesignMatrix x{8, 2, {1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1}};
  const std::vector<double> y = {0, 0, 0, 0, 1, 1, 1, 1};
  CHECK(fit_logistic(x, y).status != FitStatus::ok);
  // Two identical columns.
  DesignMatrix twins{4, 3, {1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1}};
  CHECK(fit_logistic(twins, {0, 1, 0, 1}).status == FitStatus::singular);
  CHECK(fit_linear(twins, {0, 1, 0, 1}).status == FitStatus::singular);
}
