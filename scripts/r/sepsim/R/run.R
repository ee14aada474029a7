# sepsim run, sepsim sweep and sepsim show: results as `sepsim_result` objects.

#' Run virtual trials of a scenario (`sepsim run`).
#'
#' @param scenario a scenario file (TOML); NULL for the bundled ImmunoSep default.
#' @param reps virtual trials; @param seed master seed.
#' @param set named list of overrides, `list("designs.immunosep.sample_size" = 400)`.
#' @param threads threads (NULL: all cores); @param designs names of designs to run.
#' @param null TRUE to make every treatment placebo (power = type I error).
#' @param out results file (.h5); NULL for a temporary file.
#' @param overwrite replace an existing `out`.
#' @param trials TRUE to store every virtual trial in the results file
#'   (`--trials`), for `as.data.frame(x, trials = TRUE)`.
#' @return a `sepsim_result`: the parsed JSON summary (`$json`), the results
#'   file (`$file`) and the grid (`$grid`, one row per point).
sepsim_run <- function(scenario = NULL, reps = 10000, seed = 1, set = list(), threads = NULL,
                       designs = NULL, null = FALSE, out = NULL, overwrite = FALSE,
                       trials = FALSE) {
  if (isTRUE(trials)) require_trials_command()
  out <- results_path(out)
  args <- c("run", simulation_args(scenario, reps, seed, set, threads, designs, null, out,
                                   overwrite, trials))
  new_sepsim_result(parse_json(sepsim_call(args)), out)
}

#' Run a scenario over a grid of values (`sepsim sweep`).
#'
#' @param vary named list, one entry per swept key, the first varying slowest:
#'   a vector of values, or a "START:STOP:STEP" string.
#' @param resume a `.partial.h5` file of an interrupted sweep to finish (then
#'   only `threads` is used; sepsim refuses it with `trials = TRUE`, as a sweep
#'   with per-trial rows keeps no partial file).
#' @inheritParams sepsim_run
sepsim_sweep <- function(scenario = NULL, vary = list(), reps = 10000, seed = 1, set = list(),
                         threads = NULL, designs = NULL, null = FALSE, out = NULL,
                         overwrite = FALSE, resume = NULL, trials = FALSE) {
  if (isTRUE(trials)) require_trials_command()
  if (!is.null(resume)) {
    args <- c("sweep", "--resume", path.expand(resume), opt("--threads", threads),
              opt_flag("--overwrite", overwrite), opt_flag("--trials", trials), "--json",
              "--no-progress")
    json <- parse_json(sepsim_call(args))
    return(new_sepsim_result(json, sub("\\.partial\\.h5$", ".h5", resume)))
  }
  out <- results_path(out)
  args <- c("sweep", scenario_arg(scenario), vary_args(vary),
            simulation_args(NULL, reps, seed, set, threads, designs, null, out, overwrite,
                            trials))
  new_sepsim_result(parse_json(sepsim_call(args)), out)
}

#' Read a sepsim results file (through `sepsim show FILE --json`).
read_sepsim <- function(file) {
  if (!file.exists(file)) stop("no such results file: ", file, call. = FALSE)
  new_sepsim_result(parse_json(sepsim_call(c("show", path.expand(file), "--json"))), file)
}

new_sepsim_result <- function(json, file) {
  structure(list(json = json, file = normalizePath(file, mustWork = FALSE),
                 grid = grid_frame(json$points)),
            class = "sepsim_result")
}

# The grid: one row per point, one column per swept key (first key slowest, as
# sepsim lists the points); zero columns for a plain run.
grid_frame <- function(points) {
  rows <- lapply(points, function(p) as.data.frame(lapply(p$params, na_null),
                                                  check.names = FALSE))
  if (!length(rows) || !length(points[[1]]$params)) {
    return(data.frame(row.names = seq_along(points)))
  }
  do.call(rbind, rows)
}

# JSON null (NaN in sepsim) as NA.
na_null <- function(x) if (is.null(x)) NA_real_ else x

# The designs' names, in the file's order.
design_names <- function(x) vapply(x$json$points[[1]]$designs, `[[`, "", "name")

print.sepsim_result <- function(x, ...) {
  j <- x$json
  axes <- names(x$grid)
  cat("sepsim results: scenario ", j$scenario, ", ", format(j$replicates, big.mark = ","),
      " trials", if (length(axes)) " per point", ", seed ", format(j$seed),
      if (isTRUE(j$null_hypothesis)) ", under the null", "\n", sep = "")
  if (length(axes)) {
    cat("  grid:", nrow(x$grid), "points over", paste(axes, collapse = " x "), "\n")
  }
  for (name in design_names(x)) {
    power <- vapply(x$json$points, function(p) design_of(p, name)$power %||% NA_real_, 0)
    cat("  ", name, ": power ", power_range(power), "\n", sep = "")
  }
  cat("  file: ", x$file, "\n", sep = "")
  invisible(x)
}

power_range <- function(power) {
  if (length(power) == 1L) return(sprintf("%.4f", power))
  sprintf("%.4f to %.4f", min(power, na.rm = TRUE), max(power, na.rm = TRUE))
}

design_of <- function(point, name) {
  for (d in point$designs) if (identical(d$name, name)) return(d)
  NULL
}

`%||%` <- function(a, b) if (is.null(a)) b else a
