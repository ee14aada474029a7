# plot(): base graphics, every estimate with its Monte Carlo error (+-1.96 SE).
#
# A run: power per design with error bars; when the designs were compared
# (several designs on the same patients) also their paired power difference,
# and when arms are precision (a policy per label), one-size-fits-all (one
# drug) and placebo, their response rates side by side (the teaching
# comparison). A sweep: power against the varied value with MC bands, one line
# per design (per value of a second axis, if any), and the paired difference.

plot.sepsim_result <- function(x, y, ..., x_axis = NULL) {
  frame <- as.data.frame(x)
  comparisons <- comparisons_frame(x)
  axes <- names(x$grid)
  panels <- 1L + (!is.null(comparisons)) + (!length(axes) && has_teaching_arms(frame))
  old <- par(mfrow = c(panels, 1L), mar = c(4.2, 4.2, 2.2, 1))
  on.exit(par(old))
  if (length(axes)) {
    x_axis <- x_axis %||% axes[1]
    plot_power_sweep(frame, x_axis, setdiff(axes, x_axis), x$json$scenario)
    if (!is.null(comparisons)) plot_difference_sweep(comparisons, x_axis, setdiff(axes, x_axis))
  } else {
    plot_power_run(frame, x$json$scenario)
    if (!is.null(comparisons)) plot_difference_run(comparisons)
    if (has_teaching_arms(frame)) plot_teaching(frame)
  }
  invisible(x)
}

# Error bars: estimate +- 1.96 SE at positions at.
error_bars <- function(at, estimate, se, horizontal = FALSE, col = 1) {
  ok <- is.finite(se) & se > 0
  if (!any(ok)) return(invisible())
  lo <- estimate[ok] - 1.96 * se[ok]
  hi <- estimate[ok] + 1.96 * se[ok]
  if (horizontal) arrows(lo, at[ok], hi, at[ok], angle = 90, code = 3, length = 0.04, col = col)
  else arrows(at[ok], lo, at[ok], hi, angle = 90, code = 3, length = 0.04, col = col)
}

# Room on the left for labels of n characters.
label_margin <- function(labels) {
  par(mar = c(4.2, max(4.2, 0.5 * max(nchar(labels)) + 1), 2.2, 1))
}

plot_power_run <- function(frame, scenario) {
  n <- nrow(frame)
  label_margin(frame$design)
  plot(frame$power, seq_len(n), xlim = c(0, 1), ylim = c(0.5, n + 0.5), yaxt = "n", pch = 19,
       xlab = "Power (95% MC interval)", ylab = "", main = paste0(scenario, ": power by design"))
  axis(2, at = seq_len(n), labels = frame$design, las = 1, cex.axis = 0.8)
  error_bars(seq_len(n), frame$power, frame$power_mcse, horizontal = TRUE)
  abline(v = c(0.05, 0.8), lty = 3, col = "grey50")
}

plot_difference_run <- function(cmp) {
  n <- nrow(cmp)
  d <- cmp$power_difference
  label_margin(paste(cmp$design_a, "-", cmp$design_b))
  lim <- range(c(0, d - 1.96 * cmp$power_difference_mcse, d + 1.96 * cmp$power_difference_mcse),
               na.rm = TRUE)
  plot(d, seq_len(n), xlim = lim, ylim = c(0.5, n + 0.5), yaxt = "n", pch = 19, ylab = "",
       xlab = "Power difference (paired MC interval)", main = "Designs on the same patients")
  axis(2, at = seq_len(n), labels = paste(cmp$design_a, "-", cmp$design_b), las = 1,
       cex.axis = 0.7)
  error_bars(seq_len(n), d, cmp$power_difference_mcse, horizontal = TRUE)
  abline(v = 0, lty = 2)
}

# Arm kind from its policy: a treatment per label (precision), "placebo", or one drug.
arm_kind <- function(policy) {
  ifelse(grepl("->", policy, fixed = TRUE), "precision",
         ifelse(policy == "placebo", "placebo", "one-size-fits-all"))
}

# The response of each kind of arm across designs (the first arm of each kind).
teaching_arms <- function(frame) {
  kinds <- c("precision", "one-size-fits-all", "placebo")
  rows <- list()
  for (role in c("treatment", "control")) {
    policy <- frame[[paste0(role, "_policy")]]
    if (is.null(policy)) next
    rows[[role]] <- data.frame(kind = arm_kind(policy),
                               rate = frame[[paste0(role, "_response_rate")]],
                               se = frame[[paste0(role, "_response_rate_mcse")]])
  }
  all <- do.call(rbind, rows)
  all <- all[!duplicated(all$kind), , drop = FALSE]
  all[order(match(all$kind, kinds)), , drop = FALSE]
}

has_teaching_arms <- function(frame) {
  if (is.null(frame$treatment_policy)) return(FALSE)
  all(c("precision", "one-size-fits-all", "placebo") %in% teaching_arms(frame)$kind)
}

plot_teaching <- function(frame) {
  arms <- teaching_arms(frame)
  n <- nrow(arms)
  par(mar = c(4.2, 4.2, 2.2, 1))
  plot(seq_len(n), arms$rate, xlim = c(0.5, n + 0.5), ylim = c(0, max(arms$rate) * 1.3),
       xaxt = "n", pch = 19, xlab = "", ylab = "Day-9 response rate",
       main = "Precision vs one-size-fits-all vs placebo")
  axis(1, at = seq_len(n), labels = arms$kind)
  error_bars(seq_len(n), arms$rate, arms$se)
}

# Lines with MC bands of y against the x axis, one per group.
band_lines <- function(frame, x_axis, y, se, groups, ylab, main, ylim = NULL) {
  colours <- grDevices::hcl.colors(max(2L, length(unique(groups))), "Dark 3")
  lo <- frame[[y]] - 1.96 * frame[[se]]
  hi <- frame[[y]] + 1.96 * frame[[se]]
  plot(range(frame[[x_axis]]), ylim %||% range(c(lo, hi), na.rm = TRUE), type = "n",
       xlab = x_axis, ylab = ylab, main = main)
  levels <- unique(groups)
  for (k in seq_along(levels)) {
    rows <- order(frame[[x_axis]])
    rows <- rows[groups[rows] == levels[k]]
    polygon(c(frame[[x_axis]][rows], rev(frame[[x_axis]][rows])), c(lo[rows], rev(hi[rows])),
            col = adjustcolor(colours[k], 0.25), border = NA)
    lines(frame[[x_axis]][rows], frame[[y]][rows], col = colours[k], lwd = 2)
    points(frame[[x_axis]][rows], frame[[y]][rows], col = colours[k], pch = 19, cex = 0.7)
  }
  if (length(levels) > 1L) legend("bottomright", legend = levels, col = colours, lwd = 2,
                                  bty = "n", cex = 0.8)
}

# Group label: the design, and the values of the other axes.
group_of <- function(frame, label, others) {
  parts <- c(list(frame[[label]]), lapply(others, function(a) paste0(a, "=", frame[[a]])))
  do.call(paste, c(parts, sep = ", "))
}

plot_power_sweep <- function(frame, x_axis, others, scenario) {
  band_lines(frame, x_axis, "power", "power_mcse", group_of(frame, "design", others),
             "Power (95% MC band)", paste0(scenario, ": power"), ylim = c(0, 1))
  abline(h = c(0.05, 0.8), lty = 3, col = "grey50")
}

plot_difference_sweep <- function(cmp, x_axis, others) {
  cmp$pair <- paste(cmp$design_a, "-", cmp$design_b)
  pairs <- unique(cmp$pair)
  band_lines(cmp, x_axis, "power_difference", "power_difference_mcse",
             group_of(cmp, "pair", others), "Power difference (paired MC band)",
             if (length(pairs) == 1L) paste(pairs, "on the same patients")
             else "Designs on the same patients")
  abline(h = 0, lty = 2)
}
