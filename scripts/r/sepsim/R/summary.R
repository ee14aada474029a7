# summary(): the content of sepsim's terminal table, one row per design x point.

summary.sepsim_result <- function(object, ...) {
  frame <- as.data.frame(object)
  interval <- power_interval(frame$power, frame$power_mcse, object$json$replicates)
  keep <- c(names(object$grid), "design", "test", "sample_size")
  table <- frame[intersect(keep, names(frame))]
  table$power <- frame$power
  table$power_mcse <- frame$power_mcse
  table$power_lower95 <- interval$lower
  table$power_upper95 <- interval$upper
  extra <- c("expected_n", "expected_n_mcse", "estimate_mean", "estimate_mean_mcse",
             "estimate_true_difference", "estimate_ci_coverage", "mortality28_power",
             "interaction_power", "screened_per_enrolled", "treatment_response_rate",
             "treatment_response_rate_mcse", "control_response_rate",
             "control_response_rate_mcse")
  table <- cbind(table, frame[intersect(extra, names(frame))])
  structure(list(table = table, comparisons = comparisons_frame(object),
                 header = header_of(object), points = length(object$json$points)),
            class = "summary.sepsim_result")
}

# 95% interval of a power: estimate +- 1.96 MC SE, clipped to [0, 1]; at a
# power of exactly 0 or 1 (SE 0) the exact Clopper-Pearson interval, as the
# terminal table shows it.
power_interval <- function(power, se, reps) {
  reps <- as.numeric(reps)
  lower <- pmax(0, power - 1.96 * se)
  upper <- pmin(1, power + 1.96 * se)
  zero <- !is.na(power) & power == 0
  one <- !is.na(power) & power == 1
  upper[zero] <- 1 - 0.025^(1 / reps)
  lower[one] <- 0.025^(1 / reps)
  list(lower = lower, upper = upper)
}

# Paired power differences between designs (same virtual patients), per point.
comparisons_frame <- function(x) {
  rows <- list()
  for (i in seq_along(x$json$points)) {
    for (cmp in x$json$points[[i]]$comparisons) {
      rows[[length(rows) + 1L]] <- c(list(point = i), grid_values(x$grid, i),
                                     flatten(cmp))
    }
  }
  if (!length(rows)) return(NULL)
  bind_rows(rows)
}

header_of <- function(x) {
  j <- x$json
  sprintf("sepsim %s (commit %s): scenario %s, %s trials%s, seed %s%s",
          j$sepsim_version, j$git_commit, j$scenario, format(j$replicates, big.mark = ","),
          if (ncol(x$grid)) " per grid point" else "", format(j$seed),
          if (isTRUE(j$null_hypothesis)) ", null hypothesis (power = type I error)" else "")
}

print.summary.sepsim_result <- function(x, digits = 4, ...) {
  cat(x$header, "\n\n", sep = "")
  table <- round_frame(x$table, digits)
  if (x$points == 1L) {
    # one point: a column per design, as the terminal table reads
    shown <- t(format(table[setdiff(names(table), "design")]))
    colnames(shown) <- table$design
    print(noquote(shown))
  } else {
    print(table, row.names = FALSE)
  }
  if (!is.null(x$comparisons)) {
    cat("\nDesigns compared on the same virtual patients (paired MC SE):\n")
    print(round_frame(x$comparisons[setdiff(names(x$comparisons), "point")], digits),
          row.names = FALSE)
  }
  invisible(x)
}

round_frame <- function(frame, digits) {
  numeric <- vapply(frame, is.numeric, TRUE)
  frame[numeric] <- lapply(frame[numeric], signif, digits = digits)
  frame
}
