test_that("a sweep has one data-frame row per design x grid point, first key slowest", {
  skip_without_sepsim()
  x <- sepsim_sweep(scenario_file("teaching/opal-vs-immunosep.toml"),
                    vary = list("designs.immunosep.sample_size" = c(100, 200, 300),
                                "population.prevalence.mals" = "0.1:0.2:0.1"),
                    reps = 300)
  expect_s3_class(x, "sepsim_result")
  expect_equal(nrow(x$grid), 6L)
  expect_equal(x$grid[["designs.immunosep.sample_size"]], rep(c(100, 200, 300), each = 2))
  expect_equal(x$grid[["population.prevalence.mals"]], rep(c(0.1, 0.2), 3))
  frame <- as.data.frame(x)
  expect_equal(nrow(frame), 2L * 6L)
  immunosep <- frame[frame$design == "immunosep", ]
  expect_equal(immunosep$sample_size, immunosep[["designs.immunosep.sample_size"]])
  expect_equal(nrow(summary(x)$comparisons), 6L)
  expect_output(print(x), "6 points")
  with_null_device(expect_silent(plot(x)))
  with_null_device(expect_silent(plot(x, x_axis = "population.prevalence.mals")))
})

test_that("a sweep point equals the run at the same values", {
  skip_without_sepsim()
  sweep <- sepsim_sweep(vary = list("designs.immunosep.sample_size" = c(150, 276)), reps = 300)
  run <- sepsim_run(reps = 300)
  expect_identical(as.data.frame(sweep)$power[2], as.data.frame(run)$power)
})
