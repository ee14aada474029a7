# Per-trial results: sepsim_run/sepsim_sweep(trials = TRUE) and
# as.data.frame(x, trials = TRUE), read from `sepsim trials FILE` (CSV).

test_that("per-trial rows give exactly the summary's power (value check)", {
  skip_without_trials_command()
  x <- sepsim_run(reps = 500, seed = 3, trials = TRUE)
  tr <- as.data.frame(x, trials = TRUE)
  frame <- as.data.frame(x)
  expect_equal(nrow(tr), 500L * nrow(frame))
  expect_setequal(unique(tr$design), frame$design)
  for (d in frame$design) {
    rejected <- tr$rejected[tr$design == d]
    message(sprintf("trials value check: %s mean(rejected) %.17g over %d rows, power %.17g",
                    d, mean(rejected), length(rejected), frame$power[frame$design == d]))
    expect_equal(mean(rejected), frame$power[frame$design == d], tolerance = 0)
    expect_equal(tr$replicate[tr$design == d], 0:499)
  }
  expect_equal(unique(tr$grid_point), 0L)
})

test_that("per-trial columns: names and types as sepsim trials prints them", {
  skip_without_trials_command()
  x <- sepsim_run(scenario_file("followup-designs.toml"), reps = 20, trials = TRUE,
                  designs = c("immunosep", "three_arm"))
  tr <- as.data.frame(x, trials = TRUE)
  expect_equal(names(tr)[1:3], c("design", "replicate", "grid_point"))
  expect_true(all(c("z", "p", "estimate", "ci_low", "ci_high", "rejected", "stop_look",
                    "efficacy_stop", "futility_stop", "enrolled", "screened", "events")
                  %in% names(tr)))
  for (column in c("rejected", "efficacy_stop", "futility_stop")) {
    expect_type(tr[[column]], "logical")
    expect_false(anyNA(tr[[column]]), info = column)
  }
  for (column in c("replicate", "grid_point", "stop_look", "enrolled", "screened",
                   "arm1_patients", "arm1_responders", "arm1_deaths28", "arm1_deaths90")) {
    expect_type(tr[[column]], "integer")
  }
  for (column in c("z", "p", "estimate", "events", "arm1_ordinal_mean")) {
    expect_type(tr[[column]], "double")
  }
  expect_true(all(is.na(tr$events)))   # NaN (no event-driven looks) is NA
  expect_type(tr$arm1_name, "character")
  # two-arm designs beside a three-arm one: NA at arm position 3
  two <- tr$design == "immunosep"
  expect_true(any(two) && any(!two))
  expect_true(all(is.na(tr$arm3_name[two]) & is.na(tr$arm3_patients[two])))
  expect_type(tr$arm3_name, "character")
  expect_false(anyNA(tr$arm3_patients[!two]))
})

test_that("a sweep's per-trial rows: one per design x point x replicate, power per point", {
  skip_without_trials_command()
  x <- sepsim_sweep(scenario_file("teaching/opal-vs-immunosep.toml"),
                    vary = list("designs.immunosep.sample_size" = c(100, 200)), reps = 30,
                    trials = TRUE)
  tr <- as.data.frame(x, trials = TRUE)
  expect_equal(nrow(tr), 2L * 2L * 30L)
  frame <- as.data.frame(x)
  for (i in seq_len(nrow(frame))) {
    rows <- tr$design == frame$design[i] & tr$grid_point == frame$point[i] - 1L
    expect_equal(sum(rows), 30L)
    expect_equal(mean(tr$rejected[rows]), frame$power[i], tolerance = 0)
    expect_equal(unique(tr$enrolled[rows]), frame$sample_size[i])
  }
  one <- as.data.frame(x, trials = TRUE, design = "immunosep")
  expect_equal(nrow(one), 2L * 30L)
  all_immunosep <- tr[tr$design == "immunosep", names(one)]
  row.names(all_immunosep) <- NULL
  expect_identical(one, all_immunosep)
})
