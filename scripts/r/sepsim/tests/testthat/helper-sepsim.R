# Shared by the tests: the executable under test (SEPSIM_EXE, as
# tests/r_package_test.sh sets it) and the repository's scenarios.

skip_without_sepsim <- function() {
  skip_if(!nzchar(Sys.getenv("SEPSIM_EXE")), "SEPSIM_EXE is not set")
}

# Per-trial results (--trials, `sepsim trials`) need a sepsim that has them.
skip_without_trials_command <- function() {
  skip_without_sepsim()
  skip_if_not(sepsim_has_command("trials"), "this sepsim has no trials command")
}

# A file of the repository's scenarios/ folder (SEPSIM_SCENARIOS).
scenario_file <- function(name) {
  dir <- Sys.getenv("SEPSIM_SCENARIOS")
  skip_if(!nzchar(dir), "SEPSIM_SCENARIOS is not set")
  file.path(dir, name)
}

# The command line directly (not through the package): its parsed --json output.
cli_json <- function(args) {
  out <- tempfile()
  on.exit(unlink(out))
  status <- system2(Sys.getenv("SEPSIM_EXE"), shQuote(args), stdout = out, stderr = FALSE)
  stopifnot(status == 0)
  jsonlite::fromJSON(paste(readLines(out), collapse = "\n"), simplifyVector = FALSE)
}

# Draw on a throwaway device.
with_null_device <- function(code) {
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  force(code)
}
