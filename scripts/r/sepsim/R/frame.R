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

# Per-trial results through `sepsim trials FILE [--design NAME]` (CSV on stdout).
trials_frame <- function(x, design = NULL) {
  if (!sepsim_has_command("trials")) {
    stop("per-trial results need the `sepsim trials` command, which this sepsim (",
         sepsim_exe(), ") does not have: build a newer sepsim and point ",
         "options(sepsim.exe) or SEPSIM_EXE at it", call. = FALSE)
  }
  lines <- sepsim_call(c("trials", x$file, opt("--design", design)))
  utils::read.csv(text = paste(lines, collapse = "\n"), check.names = FALSE,
                  stringsAsFactors = FALSE)
}
