# as.data.frame for results: one row per design x grid point.
#
# Columns keep the names and units of results/FORMAT.md (rates and probabilities
# as proportions 0-1, counts as patients per trial, durations in months), with
# nested names joined by "_" (estimate/mean -> estimate_mean) and each estimate's
# Monte Carlo SE beside it as <name>_mcse, as in the JSON and the HDF5 file.

#' @param trials TRUE for per-trial results (`sepsim trials FILE`): one row per
#'   design x grid point x replicate, as that command prints them.
#' @param design with `trials = TRUE`, only this design.
as.data.frame.sepsim_result <- function(x, row.names = NULL, optional = FALSE, ...,
                                        trials = FALSE, design = NULL) {
  if (isTRUE(trials)) return(trials_frame(x, design))
  rows <- list()
  for (i in seq_along(x$json$points)) {
    point <- x$json$points[[i]]
    for (d in point$designs) {
      rows[[length(rows) + 1L]] <- c(list(point = i), grid_values(x$grid, i), design_row(d))
    }
  }
  frame <- bind_rows(rows)
  if (!is.null(row.names)) row.names(frame) <- row.names
  frame
}

grid_values <- function(grid, i) {
  if (!ncol(grid)) return(list())
  as.list(grid[i, , drop = FALSE])
}

# One design at one point, flattened: settings, estimates, the primary
# hypothesis's secondary analyses, other hypotheses' power, and the arms.
design_row <- function(d) {
  skip <- c("name", "hypotheses", "arms")
  row <- c(list(design = d$name), flatten(d[setdiff(names(d), skip)]))
  hypotheses <- d$hypotheses
  if (length(hypotheses)) {
    primary <- hypotheses[[1]]
    row <- c(row, flatten(primary[c("analysis_failures", "analysis_failures_mcse",
                                    "mortality28", "interaction")]))
    for (h in hypotheses[-1]) {
      row <- c(row, flatten(h[c("power", "power_mcse")], paste0("hypothesis_", h$name)))
    }
  }
  c(row, arm_columns(d))
}

# Arms by role: the primary hypothesis's treatment_ and control_ arms, any
# other arm as arm_<name>_ (so designs with different arm names share columns).
arm_columns <- function(d) {
  row <- list()
  for (arm in d$arms) {
    prefix <- if (identical(arm$name, d$treatment_arm)) "treatment"
              else if (identical(arm$name, d$control_arm)) "control"
              else paste0("arm_", arm$name)
    row <- c(row, flatten(arm[setdiff(names(arm), "name")], prefix))
  }
  row
}

# A nested JSON object as a flat named list of scalars; arrays become
# name_1, name_2, ... (per look), null becomes NA.
flatten <- function(x, prefix = NULL) {
  out <- list()
  for (key in names(x)) {
    name <- if (is.null(prefix)) key else paste(prefix, key, sep = "_")
    value <- x[[key]]
    if (is.list(value) && !is.null(names(value))) {
      out <- c(out, flatten(value, name))
    } else if (is.list(value) || length(value) > 1L) {
      values <- lapply(value, na_null)
      names(values) <- paste(name, seq_along(values), sep = "_")
      out <- c(out, values)
    } else {
      out[[name]] <- na_null(value)
    }
  }
  out
}

# Rows (named lists of scalars) into a data frame; a column missing from a row is NA.
bind_rows <- function(rows) {
  columns <- unique(unlist(lapply(rows, names)))
  frame <- lapply(columns, function(column) {
    values <- unlist(lapply(rows, function(r) if (is.null(r[[column]])) NA else r[[column]]))
    if (is.integer(values) && column != "point") as.numeric(values) else values
  })
  names(frame) <- columns
  as.data.frame(frame, check.names = FALSE, stringsAsFactors = FALSE)
}

# Per-trial results through `sepsim trials FILE [--design NAME]` (CSV on stdout,
# read from a file, not through R strings, so a million rows stay cheap).
# Columns and their order are sepsim's: `design`, `replicate` and `grid_point`
# (both 0-based, as sepsim prints them: row `point = grid_point + 1` of
# as.data.frame(x)), then the primary hypothesis's z, p, estimate, ..., the
# flags `rejected`, `efficacy_stop`, `futility_stop` as logical, counts as
# integer, and per arm position k `armk_name`, `armk_patients`, ...; "NA"
# (NaN, or an arm position a design lacks) is NA.
trials_frame <- function(x, design = NULL) {
  require_trials_command()
  csv <- tempfile("sepsim-trials-", fileext = ".csv")
  on.exit(unlink(csv), add = TRUE)
  args <- c("trials", path.expand(x$file), opt("--design", design))
  tryCatch(sepsim_call(args, stdout = csv), sepsim_error = function(e) {
    if (!any(grepl("no per-trial table", e$stderr, fixed = TRUE))) stop(e)
    sepsim_stop(args, e$status, e$stderr,
                advice = paste0(x$file, " has no per-trial rows: run it with ",
                                "sepsim_run(..., trials = TRUE) or ",
                                "sepsim_sweep(..., trials = TRUE)\n"))
  })
  header <- readLines(csv, n = 1L, warn = FALSE)
  if (!length(header)) stop("sepsim trials printed nothing for ", x$file, call. = FALSE)
  columns <- strsplit(header, ",", fixed = TRUE)[[1]]
  frame <- utils::read.csv(csv, colClasses = trial_column_classes(columns),
                           na.strings = "NA", check.names = FALSE, stringsAsFactors = FALSE)
  for (column in names(frame)) {
    values <- frame[[column]]
    if (column %in% trial_flags && all(values %in% c(0, 1, NA))) {
      frame[[column]] <- as.logical(values)
    } else if (is_trial_count(column) && all(is.na(values) | abs(values) <= .Machine$integer.max)) {
      frame[[column]] <- as.integer(values)
    }
  }
  frame
}

# Columns of `sepsim trials` (results/FORMAT.md, /trials).
trial_flags <- c("rejected", "efficacy_stop", "futility_stop")
trial_counts <- c("replicate", "grid_point", "stop_look", "enrolled", "screened")
trial_numbers <- c("z", "p", "estimate", "ci_low", "ci_high", "events")
arm_counts <- "^arm[0-9]+_(patients|responders|deaths28|deaths90)$"

is_trial_count <- function(column) column %in% trial_counts || grepl(arm_counts, column)

# Read as: character for the design's and arms' names, numeric for the known
# numbers (then flags to logical, counts to integer), anything newer as read.csv
# guesses.
trial_column_classes <- function(columns) {
  vapply(columns, function(column) {
    if (column == "design" || grepl("^arm[0-9]+_name$", column)) return("character")
    if (column %in% c(trial_flags, trial_counts, trial_numbers) || is_trial_count(column) ||
        grepl("^arm[0-9]+_ordinal_mean$", column)) return("numeric")
    NA_character_
  }, "", USE.NAMES = FALSE)
}
