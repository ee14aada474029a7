// The reading steps of a scenario, in the order parse_scenario runs them. Each
// reads its tables through the Reader, collecting problems rather than
// stopping at the first, and validates what it read; derive then calibrates a
// scenario read without problems. Private to sim/input.
#pragma once

#include "reader.hpp"

#include <string>
#include <vector>

namespace sepsim::input {

// [population], [classifier], [endpoint], [mortality_28d], [treatments] and
// `placebo` (read_population.cpp).
void read_population(Reader& r, const toml::table& root, Scenario& s);

// [organ_support] and [ordinal_status]; a treatment's `ordinal` and
// `ordinal_odds_ratio`; then, with every treatment and the placebo read, the
// validation model's checks and cumulative probabilities (read_ordinal.cpp).
void read_organ_support(Reader& r, const toml::table& root, Scenario& s);
void read_treatment_ordinal(Reader& r, const toml::table& tt, const std::string& path,
                            Treatment& tr);
void check_ordinal_model(Reader& r, const toml::table& root, Scenario& s);

// Every [designs.NAME] (read_design.cpp).
void read_designs(Reader& r, const toml::table& root, Scenario& s);

// [designs.NAME.analysis] and its hypotheses, and [designs.NAME.looks], of the
// design table `t` at `path` (read_analysis.cpp).
void read_analysis(Reader& r, const toml::table& t, const std::string& path,
                   const std::vector<std::string>& arm_names, Design& d);
void read_looks(Reader& r, const toml::table& t, const std::string& path, Design& d);
// Harm (lower) bounds of the looks at these information fractions, into b
// (read_harm.cpp): harm_z, harm_spending with harm_alpha, or harm = "none";
// two-sided designs default to -efficacy_z.
void read_harm(Reader& r, const toml::table& looks, const std::string& path,
               const std::vector<double>& information, const Design& d, Boundaries& b);
// Looks with several hypotheses (read_staged.cpp): what they need of the
// design, looks.success, and [designs.NAME.selection] (after the looks).
void check_staged_looks(Reader& r, const toml::table& design, const toml::table& looks,
                        const std::string& path, Design& d);
void read_success(Reader& r, const toml::table& looks, const std::string& path, Looks& l,
                  const Design& d);
void read_selection(Reader& r, const toml::table& t, const std::string& path, Design& d);
// analysis.transitions of multiplicity = "graphical" (read_staged.cpp).
void read_transitions(Reader& r, const toml::table& at, const std::string& ap, Analysis& a);
// After the accrual is read: event-driven looks need it.
void check_event_looks(Reader& r, const toml::table& t, const std::string& path, const Design& d);

// The smallest sample size whose expected share gives every arm of `d` one
// patient at its allocation (read_design.cpp).
std::int64_t patients_for_every_arm(const Design& d);

// The rule for names of designs, arms, hypotheses and treatments (names.cpp):
// [A-Za-z0-9_.-]{1,64}, not starting with '.'.
extern const char* const kNameRule;
bool valid_name(const std::string& name);
void check_name(Reader& r, const toml::source_region& where, const std::string& key,
                const std::string& name);

// The model constants (sim/cohort's calibration), and the problems only they
// reveal (derive.cpp).
void derive(Reader& r, const toml::table& root, Scenario& s);

} // namespace sepsim::input
