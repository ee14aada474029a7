// sepsim boundaries: group-sequential boundaries by numerical integration
// (no simulation), as a table or JSON.
#include "commands.hpp"
#include "sepsim/output/json.hpp"
#include "sepsim/stats/boundaries.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

namespace sepsim::app {

namespace {

struct BoundaryArgs {
  int looks = 3;
  double alpha = 0.025;
  int sided = 1;
  std::string spending = "obf";
  std::vector<double> info;
  std::vector<double> futility_z;
  std::string futility_spending;
  double beta = 0.1;
  bool binding = false;
  bool json = false;
  std::string harm_spending; // optional harm (lower) bounds
  double harm_alpha = 0;     // 0: alpha / sided
};

// Harm bounds -c_k of a one-sided design spending harm_alpha (default alpha /
// sided) on the same information fractions, as a scenario's harm_spending.
std::vector<double> harm_bounds(const BoundaryArgs& args, const BoundaryRequest& request) {
  if (args.harm_spending.empty()) return {};
  BoundaryRequest harm;
  harm.information = request.information;
  harm.alpha = args.harm_alpha > 0.0 ? args.harm_alpha : args.alpha / args.sided;
  if (!(harm.alpha < 0.5))
    throw UsageError("--harm-alpha: the one-sided alpha spent for harm must lie in (0, 0.5)");
  harm.efficacy = parse_spending(args.harm_spending);
  std::vector<double> bounds;
  for (const double c : compute_boundaries(harm).efficacy_z)
    bounds.push_back(-c);
  return bounds;
}

BoundaryRequest request_of(const BoundaryArgs& args) {
  BoundaryRequest request;
  request.alpha = args.alpha;
  request.sided = args.sided;
  request.efficacy = parse_spending(args.spending);
  request.information = args.info;
  if (request.information.empty())
    for (int k = 1; k <= args.looks; ++k)
      request.information.push_back(double(k) / args.looks);
  else if (static_cast<int>(request.information.size()) != args.looks)
    throw BoundaryError("--info gives " + std::to_string(request.information.size()) +
                        " fractions for " + std::to_string(args.looks) + " looks");
  if (!args.futility_z.empty()) {
    request.futility = FutilityKind::fixed_z;
    request.futility_z = args.futility_z;
  }
  if (!args.futility_spending.empty()) {
    if (!args.futility_z.empty())
      throw BoundaryError("give --futility-z or --futility-spending, not both");
    request.futility = FutilityKind::beta_spending;
    request.futility_spending = parse_spending(args.futility_spending);
  }
  // --beta is checked even without futility spending, where it has no use:
  // a value out of range is a mistake either way.
  if (!(args.beta > 0.0 && args.beta < 0.5))
    throw UsageError("--beta " + CLI::detail::to_string(args.beta) +
                     ": the type II error spent on futility must lie in (0, 0.5)");
  request.beta = args.beta;
  request.binding = args.binding;
  return request;
}

void print_boundaries(const BoundaryArgs& args, const BoundaryRequest& request, const Boundaries& b,
                      double ms) {
  std::printf("Group-sequential boundaries: %d looks, %s alpha %g, efficacy %s%s\n", args.looks,
              args.sided == 2 ? "two-sided" : "one-sided", args.alpha,
              spending_name(request.efficacy).c_str(),
              request.futility == FutilityKind::none
                  ? ""
                  : (args.binding ? ", binding futility" : ", non-binding futility"));
  std::printf("%5s %12s %11s %12s %12s %11s\n", "look", "information", "efficacy z", "nominal p",
              "alpha spent", "futility z");
  for (std::size_t k = 0; k < b.information.size(); ++k) {
    std::printf("%5zu %12.4f %11.6f %12.6g %12.6g ", k + 1, b.information[k], b.efficacy_z[k],
                b.nominal_p[k], b.alpha_spent[k]);
    if (std::isfinite(b.futility_z[k]))
      std::printf("%11.6f\n", b.futility_z[k]);
    else
      std::printf("%11s\n", "-");
  }
  if (request.futility == FutilityKind::beta_spending)
    std::printf("beta %g: drift %.6f, maximum information %.5f x the fixed design's\n", args.beta,
                b.drift, b.inflation);
  if (!b.harm_z.empty()) {
    std::printf("harm z (%s):", args.harm_spending.c_str());
    for (const double h : b.harm_z)
      std::printf(" %.6f", h);
    std::printf("\n");
  }
  std::printf("(computed by recursive numerical integration in %.2f ms)\n", ms);
}

void boundaries(const BoundaryArgs& args) {
  const BoundaryRequest request = request_of(args);
  const auto start = std::chrono::steady_clock::now();
  Boundaries b = compute_boundaries(request);
  b.harm_z = harm_bounds(args, request);
  const double ms =
      1e3 * std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (args.json)
    std::cout << to_json(BoundariesQuery{args.looks, args.alpha, args.sided,
                                         spending_name(request.efficacy), args.binding},
                         b);
  else
    print_boundaries(args, request, b, ms);
}

} // namespace

Command add_boundaries_command(CLI::App& app) {
  auto args = std::make_shared<BoundaryArgs>();
  CLI::App* cmd =
      app.add_subcommand("boundaries", "Group-sequential boundaries (numerical integration)");
  cmd->add_option("--looks,-k", args->looks, "Number of looks")->check(CLI::Range(1, 20));
  cmd->add_option("--alpha,-a", args->alpha, "Alpha (one-sided, or two-sided total)");
  cmd->add_option("--sided", args->sided, "1 or 2")->check(CLI::IsMember({1, 2}));
  cmd->add_option("--spending", args->spending,
                  "obf, pocock, kd:RHO, hsd:GAMMA, user:a1,..,aK (Lan-DeMets spending); "
                  "OF, P, WT:DELTA, HP (classical)");
  cmd->add_option("--info", args->info, "Information fractions t1,...,tK (default equal)")
      ->delimiter(',');
  cmd->add_option("--futility-z", args->futility_z, "Fixed futility z at the interims")
      ->delimiter(',');
  cmd->add_option("--futility-spending", args->futility_spending,
                  "Beta-spending function for futility (e.g. hsd:-2)");
  cmd->add_option("--beta", args->beta, "Type II error for beta spending");
  cmd->add_flag("--binding", args->binding, "Binding futility (efficacy bounds adjusted)");
  cmd->add_option("--harm-spending", args->harm_spending,
                  "Harm (lower) bounds: the mirrored bounds of this one-sided spending");
  cmd->add_option("--harm-alpha", args->harm_alpha,
                  "One-sided alpha spent for harm (default alpha / sided)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", args->json, "Print JSON");
  return {cmd, [args](Processes&) { boundaries(*args); }};
}

} // namespace sepsim::app
