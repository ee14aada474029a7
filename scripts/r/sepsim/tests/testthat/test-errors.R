test_that("a sepsim error surfaces with sepsim's own message", {
  skip_without_sepsim()
  err <- tryCatch(sepsim_run(reps = 10, set = list("designs.immunosep.sampel_size" = 3)),
                  error = identity)
  expect_s3_class(err, "sepsim_error")
  expect_match(conditionMessage(err), "unknown key; did you mean sample_size?", fixed = TRUE)
  expect_equal(err$status, 2L)
})

test_that("an existing results file is kept unless overwrite = TRUE", {
  skip_without_sepsim()
  out <- tempfile(fileext = ".h5")
  sepsim_run(reps = 50, out = out)
  expect_error(sepsim_run(reps = 50, out = out), "pass --overwrite")
  expect_s3_class(sepsim_run(reps = 50, out = out, overwrite = TRUE), "sepsim_result")
})

test_that("the executable is found by option first, and a bad path is an R error", {
  skip_without_sepsim()
  withr_option <- function(value, code) {
    old <- options(sepsim.exe = value)
    on.exit(options(old))
    force(code)
  }
  expect_error(withr_option("/nonexistent/sepsim", sepsim_exe()), "option sepsim.exe")
  expect_equal(withr_option(Sys.getenv("SEPSIM_EXE"), sepsim_exe()),
               normalizePath(Sys.getenv("SEPSIM_EXE")))
})

test_that("per-trial results need the trials command", {
  skip_without_sepsim()
  x <- sepsim_run(reps = 50)
  if (sepsim_has_command("trials")) {
    trials <- as.data.frame(x, trials = TRUE)
    expect_equal(nrow(trials), 50L)
  } else {
    expect_error(as.data.frame(x, trials = TRUE), "sepsim trials")
  }
})

test_that("per-trial results: one row per design x point x replicate", {
  skip_without_sepsim()
  skip_if_not(sepsim_has_command("trials"), "this sepsim has no trials command")
  x <- sepsim_sweep(scenario_file("teaching/opal-vs-immunosep.toml"),
                    vary = list("designs.immunosep.sample_size" = c(100, 200)), reps = 30)
  expect_equal(nrow(as.data.frame(x, trials = TRUE)), 2L * 2L * 30L)
  expect_equal(nrow(as.data.frame(x, trials = TRUE, design = "immunosep")), 2L * 30L)
})
