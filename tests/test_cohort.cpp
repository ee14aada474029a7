// The virtual cohort against closed-form answers and calibration.md.
#include "sepsim/cohort/cohort.hpp"
#include "sepsim/core/cpu_features.hpp"

#include "sepsim/input/scenario_reader.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

using namespace sepsim;

namespace {

// 4 Monte Carlo SE of a proportion estimated from n draws.
double tol4(double p, double n) {
  return 4.0 * std::sqrt(p * (1 - p) / n);
}

const Treatment& treatment(const Scenario& s, const std::string& name) {
  for (const auto& t : s.treatments)
    if (t.name == name) return t;
  throw std::runtime_error("no treatment " + name);
}

} // namespace

TEST_CASE("Labels and label purity match the closed form of the classifier", "[cohort]") {
  const Scenario s = load_default_scenario();
  const Population& pop = s.population;
  const Classifier& c = s.classifier;
  const auto p_label = label_given_phenotype(pop, c);
  for (const auto& row : p_label)
    CHECK(row[0] + row[1] + row[2] == Approx(1.0));
  std::array<double, 3> share{}, purity{};
  for (int l = 0; l < 3; ++l) {
    for (int ph = 0; ph < 3; ++ph)
      share[l] += pop.prevalence[ph] * p_label[ph][l];
    purity[l] = pop.prevalence[l] * p_label[l][l] / share[l];
  }
  // calibration.md §8.7 (an independent Monte Carlo of the same parameters):
  // labelled 7.7% / 38.3% / 54.0%, purity of label MALS / SII 73% / 82%.
  CHECK(share[mals] == Approx(0.077).margin(0.001));
  CHECK(share[immunoparalysis] == Approx(0.383).margin(0.002));
  CHECK(share[unclassified] == Approx(0.540).margin(0.002));
  CHECK(purity[mals] == Approx(0.73).margin(0.01));
  CHECK(purity[immunoparalysis] == Approx(0.82).margin(0.01));

  constexpr int n = 400000;
  std::array<double, 3> count{}, correct{};
  for (std::uint32_t i = 0; i < n; ++i) {
    const ScreenedPatient p = screen_patient(pop, c, 11, 0, 0, i);
    ++count[p.label];
    correct[p.label] += p.label == p.phenotype;
  }
  for (int l = 0; l < 3; ++l) {
    INFO("label " << kPhenotypeNames[l]);
    CHECK(std::abs(count[l] / n - share[l]) < tol4(share[l], n));
    CHECK(std::abs(correct[l] / count[l] - purity[l]) < tol4(purity[l], count[l]));
  }
}

TEST_CASE("Each treatment gives the response and mortality the scenario states", "[cohort]") {
  const Scenario s = load_default_scenario();
  constexpr int n = 200000;
  std::vector<PatientNoise> noise;
  for (std::uint32_t i = 0; i < n; ++i)
    noise.push_back(draw_patient_noise(s.population, 5, 0, 1, i));
  for (const auto& t : s.treatments) {
    for (int ph = 0; ph < kPhenotypes; ++ph) {
      const auto phen = static_cast<Phenotype>(ph);
      double responders = 0, deaths = 0, early = 0;
      for (const auto& z : noise) {
        const Outcome o = outcome_under(s, t, phen, z);
        responders += o.response;
        deaths += o.death28;
        early += o.early_death;
      }
      const double p = t.response[ph];
      const double death =
          p * s.mortality28.responder[ph] + (1 - p) * s.mortality28.non_responder[ph];
      INFO(t.name << " in " << kPhenotypeNames[ph]);
      CHECK(std::abs(responders / n - p) < tol4(p, n));
      CHECK(std::abs(early / n - t.early_death[ph]) < tol4(t.early_death[ph], n));
      CHECK(std::abs(deaths / n - death) < tol4(death, n));
    }
  }
}

TEST_CASE("Potential outcomes share noise: a better drug never loses a responder", "[cohort]") {
  // In true MALS, anakinra has a higher SOFA-change mean and fewer early deaths
  // than placebo, so with common random numbers every placebo responder also
  // responds on anakinra.
  const Scenario s = load_default_scenario();
  const Treatment& placebo = treatment(s, "placebo");
  const Treatment& anakinra = treatment(s, "anakinra");
  int placebo_responders = 0;
  for (std::uint32_t i = 0; i < 20000; ++i) {
    const PatientNoise z = draw_patient_noise(s.population, 3, 0, 0, i);
    const Outcome on_placebo = outcome_under(s, placebo, mals, z);
    const Outcome on_anakinra = outcome_under(s, anakinra, mals, z);
    placebo_responders += on_placebo.response;
    if (on_placebo.response) REQUIRE(on_anakinra.response);
    REQUIRE(on_anakinra.sofa_change > on_placebo.sofa_change);
  }
  CHECK(placebo_responders > 3000);
}

TEST_CASE("Covariates reproduce ImmunoSep's baseline table", "[cohort]") {
  const Scenario s = load_default_scenario();
  constexpr int n = 100000;
  std::vector<int> sofa;
  double age = 0, female = 0, sofa10 = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    const PatientNoise z = draw_patient_noise(s.population, 9, 0, 0, i);
    sofa.push_back(z.baseline_sofa);
    age += z.age_years;
    female += z.female;
    sofa10 += z.baseline_sofa >= 10;
    REQUIRE(z.baseline_sofa >= 2);
    REQUIRE(z.baseline_sofa <= 24);
  }
  std::sort(sofa.begin(), sofa.end());
  CHECK(sofa[n / 2] == 9); // median 9 (S1)
  CHECK(sofa[n / 4] == 7); // IQR 7-11 (S1)
  CHECK(sofa[3 * n / 4] == 11);
  CHECK(sofa10 / n == Approx(0.489).margin(0.02)); // 48.9% >= 10 (S1a)
  CHECK(age / n == Approx(70.0).margin(0.5)); // mean 70 (S1); truncation at 100 y lowers it ~0.4
  CHECK(std::abs(female / n - 0.337) < tol4(0.337, n));
}

TEST_CASE("Screening eight patients at a time gives screen_patient's patients", "[cohort]") {
  // Groups of eight from their streams' first words (most patients), the
  // others drawn from the stream when a normal needs more words: each patient
  // the same bits as screen_patient alone, in and out of order.
  // Both paths (AVX-512 lanes where this CPU has them, and scalar), groups of
  // 8 and 16 streams, the default prevalences and ones where every phenotype
  // is common (the SIMD path's blends of the phenotypes' parameters).
  Scenario s = load_default_scenario();
  const auto path = GENERATE(ScreeningPath::fastest, ScreeningPath::scalar);
  const auto group_size = GENERATE(values<std::uint32_t>({kPhiloxBatch, 2 * kPhiloxBatch}));
  if (GENERATE(false, true)) s.population.prevalence = {0.3, 0.3, 0.4};
  EntityStreams streams({13, Purpose::patient_screening, 1, 2, 0}, kScreeningBlocks, group_size);
  int from_stream = 0;
  std::array<int, kPhenotypes> labels{};
  const auto bits = [](double x) { return std::bit_cast<std::uint64_t>(x); };
  for (const std::uint32_t base : {0u, 8u, 800u, 16u, 4000u}) {
    for (std::uint32_t group = 0; group < 40; ++group) {
      const std::uint32_t first = base + 8 * group * (base == 4000u ? 1 : 3);
      ScreenedPatient batch[kPhiloxBatch];
      screen_patients(s.population, s.classifier, streams, first, batch, path);
      for (std::uint32_t j = 0; j < kPhiloxBatch; ++j) {
        const ScreenedPatient one = screen_patient(s.population, s.classifier, 13, 1, 2, first + j);
        ScreeningDraws draws;
        from_stream += !screening_first_tries(streams.words(first + j), draws);
        REQUIRE(batch[j].phenotype == one.phenotype);
        REQUIRE(batch[j].label == one.label);
        REQUIRE(bits(batch[j].log_ferritin_true) == bits(one.log_ferritin_true));
        REQUIRE(bits(batch[j].log_ferritin_measured) == bits(one.log_ferritin_measured));
        REQUIRE(bits(batch[j].log_hla_dr_true) == bits(one.log_hla_dr_true));
        REQUIRE(bits(batch[j].log_hla_dr_measured) == bits(one.log_hla_dr_measured));
        ++labels[batch[j].label];
      }
    }
  }
  // About 11% of patients need a normal's further words (1 - 0.972^4).
  CHECK(from_stream > 5);
  for (const int n : labels) // every label seen (1,600 patients)
    CHECK(n > 20);
}

TEST_CASE("Eight patients' noise on SIMD lanes is draw_patient_noise's", "[cohort]") {
  // Lanes of entities in any order and number (as the enrolment gathers
  // them), with and without covariates, at one site and at 33: every lane
  // noise_lanes gives has draw_patient_noise's bits; the others (a normal
  // needing more words, a covariate outside its bounds) are left to it.
  Scenario s = load_default_scenario();
  const bool covariates = GENERATE(false, true);
  if (GENERATE(false, true)) s.population.sites = 1;
  EntityStreams outcomes({21, Purpose::patient_outcomes, 3, 4, 0},
                         covariates ? kOutcomeBlocksWithCovariates : kOutcomeBlocks);
  EntityStreams survival({21, Purpose::patient_survival, 3, 4, 0}, kSurvivalBlocks);
  const auto same = [](double a, double b) {
    return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
  };
  int done = 0, lanes = 0;
  for (std::uint32_t set = 0; set < 600; ++set) {
    std::array<std::uint32_t, kPhiloxBatch> entities{};
    for (std::uint32_t j = 0; j < kPhiloxBatch; ++j)
      entities[j] = 7 * set + (5 * j + set) % 11;
    const std::uint32_t n = 1 + set % kPhiloxBatch;
    EntityStreams::fill_entities(outcomes, survival, entities.data(), n);
    std::array<PatientNoise, kPhiloxBatch> batch;
    const std::uint32_t mask =
        noise_lanes(s.population, outcomes, survival, covariates, batch.data());
    for (std::uint32_t j = 0; j < n; ++j, ++lanes) {
      if (!(mask >> j & 1)) continue;
      ++done;
      const PatientNoise one = draw_patient_noise(s.population, 21, 3, 4, entities[j], covariates);
      const PatientNoise& b = batch[j];
      REQUIRE(same(b.age_years, one.age_years));
      REQUIRE(b.female == one.female);
      REQUIRE(b.baseline_sofa == one.baseline_sofa);
      REQUIRE(b.site == one.site);
      for (const auto field :
           {&PatientNoise::sofa_change_z, &PatientNoise::early_death_u, &PatientNoise::mortality_u,
            &PatientNoise::death_day_u, &PatientNoise::late_death_u, &PatientNoise::late_day_u,
            &PatientNoise::support_u, &PatientNoise::support_z, &PatientNoise::ordinal_u})
        REQUIRE(same(b.*field, one.*field));
      for (int a = 0; a < kAdverseEvents; ++a)
        REQUIRE(same(b.adverse_u[a], one.adverse_u[a]));
    }
  }
#ifdef SEPSIM_X86_SIMD
  if (cpu_has_avx512f()) { // 1 - 0.972^2 without covariates, about 1 - 0.97^4 with
    CHECK(done > 0.8 * lanes);
    CHECK(done < lanes);
  }
#endif
  CHECK(lanes == 600 * 9 / 2);
}
