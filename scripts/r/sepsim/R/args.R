# Turning R arguments into sepsim's command-line options.

# One option with a value, or nothing when the value is NULL.
opt <- function(flag, value) {
  if (is.null(value)) return(character())
  c(flag, as.character(value))
}

# A repeated option: --flag v1 --flag v2 ...
opt_each <- function(flag, values) {
  as.vector(rbind(rep(flag, length(values)), as.character(values)))
}

# A flag present when TRUE.
opt_flag <- function(flag, on) if (isTRUE(on)) flag else character()

# A number as TOML/CLI text: whole numbers without exponent (an integer key
# refuses 1e+06), others with 15 significant digits.
number_text <- function(x) {
  if (is.null(x)) return(NULL)
  whole <- is.finite(x) & x == round(x) & abs(x) < 1e15
  ifelse(whole, sprintf("%.0f", x), format(x, digits = 15, trim = TRUE))
}

# An R value as a TOML value for --set: numbers and logicals as themselves
# (a vector of length > 1 as an array), character as a TOML string; wrap text in
# I() to pass it verbatim as TOML (an inline table, an array of strings).
toml_value <- function(value) {
  if (inherits(value, "AsIs")) return(as.character(value))
  text <- if (is.logical(value)) {
    tolower(as.character(value))
  } else if (is.numeric(value)) {
    number_text(value)
  } else if (is.character(value)) {
    paste0("\"", gsub("([\"\\\\])", "\\\\\\1", value), "\"")
  } else {
    stop("set: cannot turn a ", class(value)[1], " into a TOML value", call. = FALSE)
  }
  if (length(text) == 1L) text else paste0("[", paste(text, collapse = ", "), "]")
}

# set = list(key = value) as --set key=value options.
set_args <- function(set) {
  if (!length(set)) return(character())
  keys <- names(set)
  if (is.null(keys) || any(!nzchar(keys))) {
    stop("set must be a named list: list(\"designs.immunosep.sample_size\" = 400)", call. = FALSE)
  }
  opt_each("--set", paste0(keys, "=", vapply(set, toml_value, "")))
}

# vary = list(key = c(v1, v2)) or list(key = "START:STOP:STEP") as --vary options.
vary_args <- function(vary) {
  keys <- names(vary)
  if (!length(vary) || is.null(keys) || any(!nzchar(keys))) {
    stop("vary must be a named list: list(\"designs.immunosep.sample_size\" = c(200, 300))",
         call. = FALSE)
  }
  values <- vapply(vary, function(v) {
    if (is.character(v)) paste(v, collapse = ",") else paste(number_text(v), collapse = ",")
  }, "")
  opt_each("--vary", paste0(keys, "=", values))
}

# Options shared by run and sweep, after the scenario (first: the repeatable
# options --set, --vary and --design take several values and would swallow it).
simulation_args <- function(scenario, reps, seed, set, threads, designs, null, out, overwrite,
                            trials = FALSE) {
  c(scenario_arg(scenario),
    opt("--reps", number_text(reps)), opt("--seed", seed_text(seed)),
    opt("--threads", threads), set_args(set), opt_each("--design", designs),
    opt("--out", path.expand(out)), opt_flag("--overwrite", overwrite),
    opt_flag("--null", null), opt_flag("--trials", trials), "--json", "--no-progress")
}

scenario_arg <- function(scenario) if (is.null(scenario)) character() else path.expand(scenario)

# A seed up to 2^64 - 1: give it as a string beyond 2^53.
seed_text <- function(seed) {
  if (is.null(seed)) return(NULL)
  if (is.character(seed)) seed else number_text(seed)
}

# A results file to write: the one asked for, or a fresh temporary .h5.
results_path <- function(out) {
  if (is.null(out)) tempfile("sepsim-", fileext = ".h5") else out
}
