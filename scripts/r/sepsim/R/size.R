# sepsim size and sepsim boundaries.

#' Smallest sample size reaching a target power (`sepsim size`).
#'
#' Arguments mirror the command line; NULL leaves sepsim's default.
#' @return a `sepsim_size`: the parsed JSON (design, target_power, replicates,
#'   sample_size, power, power_mcse, power_below, analytic_sample_size).
sepsim_size <- function(scenario, design, target_power = NULL, min = NULL, max = NULL,
                        step = NULL, reps = NULL, seed = NULL, threads = NULL, set = list()) {
  args <- c("size", path.expand(scenario), "--design", design,
            opt("--target-power", number_text(target_power)), opt("--min", number_text(min)),
            opt("--max", number_text(max)), opt("--step", number_text(step)),
            opt("--reps", number_text(reps)), opt("--seed", seed_text(seed)),
            opt("--threads", threads), set_args(set), "--json")
  structure(list(json = parse_json(sepsim_call(args)), scenario = scenario),
            class = "sepsim_size")
}

print.sepsim_size <- function(x, ...) {
  j <- x$json
  cat(sprintf("Design %s: smallest N with simulated power >= %.3f (%s trials per N)\n",
              j$design, j$target_power, format(j$replicates, big.mark = ",")))
  cat(sprintf("  N = %s: power %.4f +- %.4f (MC SE); one step below: %.4f\n",
              j$sample_size, j$power, j$power_mcse, na_null(j$power_below)))
  cat(sprintf("  normal approximation: N = %.1f\n", na_null(j$analytic_sample_size)))
  invisible(x)
}

as.data.frame.sepsim_size <- function(x, row.names = NULL, optional = FALSE, ...) {
  frame <- as.data.frame(lapply(x$json, na_null), stringsAsFactors = FALSE)
  if (!is.null(row.names)) row.names(frame) <- row.names
  frame
}

#' Group-sequential boundaries (`sepsim boundaries`).
#'
#' @param info information fractions (default equal); @param futility_z fixed
#'   futility z at the interims; @param futility_spending, @param beta beta
#'   spending; @param binding binding futility.
#' @return a `sepsim_boundaries`: the parsed JSON; as.data.frame gives one row per look.
sepsim_boundaries <- function(looks, alpha = NULL, sided = NULL, spending = NULL, info = NULL,
                              futility_z = NULL, futility_spending = NULL, beta = NULL,
                              binding = FALSE) {
  args <- c("boundaries", "--looks", number_text(looks), opt("--alpha", number_text(alpha)),
            opt("--sided", sided), opt("--spending", spending),
            opt("--info", commas(info)), opt("--futility-z", commas(futility_z)),
            opt("--futility-spending", futility_spending), opt("--beta", number_text(beta)),
            opt_flag("--binding", binding), "--json")
  structure(list(json = parse_json(sepsim_call(args))), class = "sepsim_boundaries")
}

commas <- function(values) {
  if (is.null(values)) NULL else paste(number_text(values), collapse = ",")
}

as.data.frame.sepsim_boundaries <- function(x, row.names = NULL, optional = FALSE, ...) {
  j <- x$json
  column <- function(key) vapply(j[[key]], na_null, 0)
  frame <- data.frame(look = seq_len(j$looks), information = column("information"),
                      efficacy_z = column("efficacy_z"), futility_z = column("futility_z"),
                      alpha_spent = column("alpha_spent"), nominal_p = column("nominal_p"))
  if (!is.null(row.names)) row.names(frame) <- row.names
  frame
}

print.sepsim_boundaries <- function(x, ...) {
  j <- x$json
  cat(sprintf("Group-sequential boundaries: %d looks, %s alpha %g, spending %s%s\n",
              j$looks, if (j$sided == 1) "one-sided" else "two-sided", j$alpha, j$spending,
              if (isTRUE(j$binding_futility)) ", binding futility" else ""))
  print(as.data.frame(x), row.names = FALSE, digits = 6)
  if (!is.null(j$drift) && j$drift > 0) {
    cat(sprintf("drift %.6f, maximum information %.5f x the fixed design's\n",
                j$drift, j$inflation))
  }
  invisible(x)
}
