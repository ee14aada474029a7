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

test_that("per-trial results are read from the trials command's CSV (a stand-in sepsim)", {
  skip_without_sepsim()
  skip_on_os("windows")
  x <- sepsim_run(reps = 20)
  stub <- tempfile("sepsim-stub-")
  writeLines(c("#!/bin/sh",
               "if [ \"$1\" = --help ]; then printf 'Subcommands:\\n  run  Run\\n  trials  Per-trial results\\n'; exit 0; fi",
               "if [ \"$1\" = trials ]; then echo \"design,point,replicate,reject\"; echo \"immunosep,1,1,1\"; echo \"immunosep,1,2,0\"; exit 0; fi",
               "exit 9"), stub)
  Sys.chmod(stub, "0755")
  old <- options(sepsim.exe = stub)
  on.exit(options(old))
  frame <- as.data.frame(x, trials = TRUE, design = "immunosep")
  expect_equal(nrow(frame), 2L)
  expect_equal(frame$reject, c(1L, 0L))
})
