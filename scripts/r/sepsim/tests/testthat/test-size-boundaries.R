test_that("sepsim_size finds a sample size and matches the command line", {
  skip_without_sepsim()
  args <- list(target_power = 0.8, min = 100, max = 400, step = 2, reps = 300)
  x <- do.call(sepsim_size, c(list(scenario_file("immunosep.toml"), "immunosep"), args))
  expect_s3_class(x, "sepsim_size")
  cli <- cli_json(c("size", scenario_file("immunosep.toml"), "--design", "immunosep",
                    "--target-power", "0.8", "--min", "100", "--max", "400", "--step", "2",
                    "--reps", "300", "--json"))
  expect_identical(x$json, cli)
  frame <- as.data.frame(x)
  expect_equal(nrow(frame), 1L)
  expect_true(frame$power >= 0.8)
  expect_output(print(x), "smallest N")
})

test_that("sepsim_boundaries gives one row per look", {
  skip_without_sepsim()
  x <- sepsim_boundaries(3, spending = "obf", futility_spending = "hsd:-2", beta = 0.2)
  expect_s3_class(x, "sepsim_boundaries")
  frame <- as.data.frame(x)
  expect_equal(nrow(frame), 3L)
  expect_equal(frame$information, c(1, 2, 3) / 3, tolerance = 1e-9)
  expect_equal(frame$alpha_spent[3], 0.025, tolerance = 1e-12)
  expect_output(print(x), "3 looks")
  fixed <- as.data.frame(sepsim_boundaries(3, info = c(0.3, 0.6, 1), futility_z = c(0, 0.5)))
  expect_equal(fixed$futility_z, c(0, 0.5, NA))
  expect_error(sepsim_boundaries(3, alpha = 0.6, sided = 1), "sepsim boundaries failed")
})
