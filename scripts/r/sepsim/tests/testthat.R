# R CMD check entry point; tests/r_package_test.sh runs testthat::test_dir on
# tests/testthat against the installed package instead.
library(testthat)
library(sepsim)
test_check("sepsim")
