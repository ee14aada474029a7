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

test_that("a results file run without trials = TRUE: the error says so, with sepsim's message", {
  skip_without_trials_command()
  x <- sepsim_run(reps = 50)
  err <- tryCatch(as.data.frame(x, trials = TRUE), error = identity)
  expect_s3_class(err, "sepsim_error")
  expect_match(conditionMessage(err), "sepsim_run(..., trials = TRUE)", fixed = TRUE)
  expect_match(conditionMessage(err), "has no per-trial table: run the scenario with --trials",
               fixed = TRUE)
  expect_equal(err$status, 2L)
  y <- sepsim_run(reps = 20, trials = TRUE)
  expect_error(as.data.frame(y, trials = TRUE, design = "nope"), "no such design")
  expect_error(sepsim_sweep(resume = tempfile(fileext = ".partial.h5"), trials = TRUE),
               "--trials cannot be given", fixed = TRUE)
})

test_that("a sepsim without the trials command: a clear R error before calling it", {
  skip_without_sepsim()
  skip_on_os("windows")
  x <- sepsim_run(reps = 20)
  # stands in for a sepsim built before per-trial results: its --help lists no `trials`
  old_sepsim <- tempfile("sepsim-old-")
  writeLines(c("#!/bin/sh",
               "if [ \"$1\" = --help ]; then printf 'Subcommands:\\n  run  Run\\n  show  Show\\n'; exit 0; fi",
               "echo 'The following argument was not expected: --trials' >&2; exit 2"), old_sepsim)
  Sys.chmod(old_sepsim, "0755")
  old <- options(sepsim.exe = old_sepsim)
  on.exit(options(old))
  expect_false(sepsim_has_command("trials"))
  expect_error(as.data.frame(x, trials = TRUE), "need the `sepsim trials` command", fixed = TRUE)
  expect_error(sepsim_run(reps = 20, trials = TRUE), "build a newer sepsim", fixed = TRUE)
  expect_error(sepsim_sweep(vary = list("designs.immunosep.sample_size" = 200), reps = 20,
                            trials = TRUE), "build a newer sepsim", fixed = TRUE)
})
