test_that("sepsim_run gives exactly the command line's power for the same seed and reps", {
  skip_without_sepsim()
  x <- sepsim_run(reps = 2000, seed = 1)
  cli_out <- tempfile(fileext = ".h5")
  cli <- cli_json(c("run", "--reps", "2000", "--seed", "1", "--out", cli_out, "--json",
                    "--no-progress"))
  ours <- x$json$points[[1]]$designs[[1]]
  theirs <- cli$points[[1]]$designs[[1]]
  message(sprintf("value check: R power %.17g (MC SE %.17g), CLI power %.17g (MC SE %.17g)",
                  ours$power, ours$power_mcse, theirs$power, theirs$power_mcse))
  expect_identical(ours$power, theirs$power)
  expect_identical(ours$power_mcse, theirs$power_mcse)
  expect_identical(as.data.frame(x)$power, theirs$power)
  expect_identical(x$json$replicates, 2000L)
  expect_true(file.exists(x$file))
})

test_that("a run is a sepsim_result with one data-frame row per design", {
  skip_without_sepsim()
  x <- sepsim_run(scenario_file("teaching/opal-vs-immunosep.toml"), reps = 300, threads = 2)
  expect_s3_class(x, "sepsim_result")
  frame <- as.data.frame(x)
  expect_equal(nrow(frame), 2L)
  expect_setequal(frame$design, c("immunosep", "osfa_anakinra"))
  for (column in c("power", "expected_n", "estimate_mean", "treatment_response_rate",
                   "control_mortality28", "label_purity_mals")) {
    expect_true(paste0(column, "_mcse") %in% names(frame), info = column)
  }
  expect_true(all(frame$power >= 0 & frame$power <= 1))
})

test_that("set, designs and null reach the command line", {
  skip_without_sepsim()
  x <- sepsim_run(reps = 300, set = list("designs.immunosep.sample_size" = 400,
                                         "designs.immunosep.analysis.test" = "unpooled_z"),
                  null = TRUE)
  frame <- as.data.frame(x)
  expect_equal(frame$sample_size, 400)
  expect_equal(frame$test, "unpooled_z")
  expect_true(x$json$null_hypothesis)
  y <- sepsim_run(scenario_file("teaching/opal-vs-immunosep.toml"), reps = 300,
                  designs = "osfa_anakinra")
  expect_equal(as.data.frame(y)$design, "osfa_anakinra")
})

test_that("print, summary and plot run", {
  skip_without_sepsim()
  x <- sepsim_run(scenario_file("teaching/opal-vs-immunosep.toml"), reps = 300)
  expect_output(print(x), "osfa_anakinra")
  s <- summary(x)
  expect_s3_class(s, "summary.sepsim_result")
  expect_true(all(c("power", "power_mcse", "power_lower95", "power_upper95", "expected_n")
                  %in% names(s$table)))
  expect_equal(nrow(s$comparisons), 1L)
  expect_output(print(s), "power_lower95")
  with_null_device(expect_silent(plot(x)))
})

test_that("read_sepsim reads a results file back as it was run", {
  skip_without_sepsim()
  x <- sepsim_run(reps = 300)
  y <- read_sepsim(x$file)
  expect_identical(y$json, x$json)
  expect_error(read_sepsim(tempfile(fileext = ".h5")), "no such results file")
})

test_that("a seed beyond 2^53 goes through exactly", {
  skip_without_sepsim()
  x <- sepsim_run(reps = 30, seed = "18446744073709551615")
  expect_identical(x$json$seed, "18446744073709551615")
})
