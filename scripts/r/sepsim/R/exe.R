# Finding and calling the sepsim executable.

#' The sepsim executable this package calls.
#'
#' Looked up in order: option `sepsim.exe`, environment variable `SEPSIM_EXE`,
#' the path recorded when the package was installed (file `sepsim_exe` of the
#' installed package, written by `configure` from `SEPSIM_EXE` at install time),
#' then `sepsim` on the PATH.
sepsim_exe <- function() {
  candidates <- list(
    list(getOption("sepsim.exe"), "option sepsim.exe"),
    list(Sys.getenv("SEPSIM_EXE"), "environment variable SEPSIM_EXE"),
    list(recorded_exe(), "the path recorded at install time"),
    list(unname(Sys.which("sepsim")), "the PATH")
  )
  for (candidate in candidates) {
    path <- candidate[[1]]
    if (is.null(path) || !nzchar(path)) next
    if (!file.exists(path)) {
      stop("sepsim executable not found at ", path, " (from ", candidate[[2]], ")",
           call. = FALSE)
    }
    return(normalizePath(path))
  }
  stop("cannot find the sepsim executable: set options(sepsim.exe = \"/path/to/build/sepsim\") ",
       "or the environment variable SEPSIM_EXE, or reinstall the package with ",
       "scripts/install-r-package.sh after building (it records build/sepsim)", call. = FALSE)
}

# The path written into the installed package by `configure`, or "" when none
# was recorded or the recorded file has gone (then the PATH is tried).
recorded_exe <- function() {
  file <- system.file("sepsim_exe", package = "sepsim")
  if (!nzchar(file)) return("")
  path <- trimws(readLines(file, n = 1L, warn = FALSE))
  if (length(path) == 0L || !file.exists(path)) return("")
  path
}

#' Run sepsim with arguments; return its stdout lines (or, given a file
#' `stdout`, write its standard output there and return that path).
#'
#' A non-zero exit becomes an R error of class `sepsim_error` whose message
#' holds sepsim's stderr verbatim.
sepsim_call <- function(args, stdout = NULL) {
  exe <- sepsim_exe()
  out <- if (is.null(stdout)) tempfile("sepsim-out-") else stdout
  err <- tempfile("sepsim-err-")
  on.exit(unlink(c(if (is.null(stdout)) out, err)), add = TRUE)
  status <- suppressWarnings(system2(exe, shQuote(args), stdout = out, stderr = err))
  if (!identical(as.integer(status), 0L)) {
    stderr <- if (file.exists(err)) readLines(err, warn = FALSE) else character()
    lines <- if (!length(stderr) && file.exists(out)) readLines(out, warn = FALSE)
    sepsim_stop(args, status, c(stderr, lines))
  }
  if (!is.null(stdout)) return(invisible(out))
  if (file.exists(out)) readLines(out, warn = FALSE) else character()
}

sepsim_stop <- function(args, status, lines, advice = NULL) {
  message <- paste0(advice, "sepsim ", args[1], " failed (exit ", status, "):\n",
                    paste(lines, collapse = "\n"))
  stop(structure(class = c("sepsim_error", "error", "condition"),
                 list(message = message, call = NULL, status = status, stderr = lines)))
}

#' Does this sepsim have subcommand `name`?
#'
#' Reads the "Subcommands:" list of `sepsim --help` (an unknown subcommand's
#' `--help` prints the main help and exits 0, so its exit status tells nothing),
#' kept per executable (path, size and modification time) for the session.
sepsim_has_command <- function(name) {
  help <- main_help()
  start <- grep("^Subcommands:", help)
  if (!length(start)) return(FALSE)
  listed <- sub("^\\s+(\\S+).*$", "\\1", help[seq(start[1] + 1L, length.out = length(help) - start[1])])
  name %in% listed
}

help_cache <- new.env(parent = emptyenv())

main_help <- function() {
  exe <- tryCatch(sepsim_exe(), error = function(e) NULL)
  if (is.null(exe)) return(character())
  info <- file.info(exe)
  key <- paste(exe, info$size, format(as.numeric(info$mtime), digits = 15))
  help <- help_cache[[key]]
  if (is.null(help)) {
    help <- tryCatch(sepsim_call("--help"), error = function(e) NULL)
    if (is.null(help)) return(character())
    assign(key, help, envir = help_cache)
  }
  help
}

# Per-trial results need `sepsim run --trials` and `sepsim trials` (a sepsim
# built before them refuses both): an R error that says so, before calling it.
require_trials_command <- function() {
  if (!sepsim_has_command("trials")) {
    stop("per-trial results (trials = TRUE) need the `sepsim trials` command and ",
         "`--trials` option, which this sepsim (", sepsim_exe(), ") does not have: build a ",
         "newer sepsim and point options(sepsim.exe) or SEPSIM_EXE at it", call. = FALSE)
  }
}

# Parse sepsim's JSON, keeping nulls (NaN) as NULL for the caller to map to NA.
# A seed beyond 2^53 (up to 2^64 - 1) is kept exactly, as a string.
parse_json <- function(lines) {
  text <- paste(lines, collapse = "\n")
  json <- jsonlite::fromJSON(text, simplifyVector = FALSE)
  seed <- regmatches(text, regexec("\n  \"seed\": ([0-9]+)", text))[[1]]
  if (length(seed) == 2L && is.double(json$seed) && json$seed >= 2^53) json$seed <- seed[2]
  json
}
