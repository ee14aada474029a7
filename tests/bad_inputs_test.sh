#!/usr/bin/env bash
# The bad-input corpus: every file of tests/bad_inputs/ states what is wrong
# with it, the exit code sepsim must give ("# expect-exit: N") and a pattern
# its message must match ("# expect: ERE", usually FILE:LINE:COL and the key).
# Each is run with `sepsim run`, which must exit with that code, match the
# pattern, name the file, and write nothing. Inputs that cannot be committed
# as small files (enormous, deeply nested, non-UTF-8, binary) and bad command
# lines are made and checked below. Usage: bad_inputs_test.sh SEPSIM
set -uo pipefail
source "$(dirname "$0")/harness.sh"

# check CODE PATTERN NAME -- command...: exit code, message, no results file,
# and never a crash (a signal, or exit 70 = internal error).
check() {
  local code=$1 pattern=$2 name=$3
  shift 4
  rm -f "$work"/out.h5*
  timeout 60 "$@" >"$work/stdout" 2>"$work/stderr"
  local got=$?
  if [ "$got" -ne "$code" ]; then
    fail "$name: exit $got, expected $code"
    head -5 "$work/stderr" | sed 's/^/    /'
  elif ! grep -Eq -- "$pattern" "$work/stderr"; then
    fail "$name: the message does not match /$pattern/"
    head -5 "$work/stderr" | sed 's/^/    /'
  elif ls "$work"/out.h5* >/dev/null 2>&1; then
    fail "$name: left $(ls "$work"/out.h5*)"
  else
    passes=$((passes + 1))
  fi
}

run=("$sepsim" run --reps 20 --no-progress --out "$work/out.h5")

# 1. The committed corpus.
for file in "$here"/tests/bad_inputs/*.toml; do
  name=$(basename "$file")
  code=$(sed -n 's/^# expect-exit: //p' "$file" | head -1)
  pattern=$(sed -n 's/^# expect: //p' "$file" | head -1)
  if [ -z "$code" ] || [ -z "$pattern" ]; then
    fail "$name: no '# expect-exit:' or '# expect:' line"
    continue
  fi
  before=$failures
  check "$code" "$pattern" "$name" -- "${run[@]}" "$file"
  # Every scenario problem names the file it is in.
  if [ "$failures" -eq "$before" ] && [ "$code" -eq 2 ] && ! grep -q "$name" "$work/stderr"; then
    fail "$name: the message does not name the file"
    passes=$((passes - 1))
  fi
done
corpus=$(ls "$here"/tests/bad_inputs/*.toml | wc -l)

# 2. Made here: too big, too deep, not text.
head -c 2000000 /dev/zero | tr '\0' '#' >"$work/enormous.toml"
check 2 "enormous.toml:1:1: .*over 1 MiB" "a 2 MB file" -- "${run[@]}" "$work/enormous.toml"
/usr/bin/python3 -c "print('format_version = 1\n[' + '.'.join(['a'] * 100000) + ']')" >"$work/deep-header.toml"
check 2 "deep-header.toml:2:1: .*more than 64 parts" "a table header 100,000 deep" -- "${run[@]}" "$work/deep-header.toml"
/usr/bin/python3 -c "print('format_version = 1\nx = ' + '[' * 100000 + ']' * 100000)" >"$work/deep-array.toml"
check 2 "deep-array.toml:2:.*nested" "arrays nested 100,000 deep" -- "${run[@]}" "$work/deep-array.toml"
/usr/bin/python3 -c "print('format_version = 1\nx = ' + '{a = ' * 100000 + '1' + '}' * 100000)" >"$work/deep-inline.toml"
check 2 "deep-inline.toml:2:.*nested" "inline tables nested 100,000 deep" -- "${run[@]}" "$work/deep-inline.toml"
printf 'format_version = 1\nname = "caf\xe9"\n' >"$work/latin1.toml"
check 2 "latin1.toml:2:.*not valid TOML" "a Latin-1 byte (not UTF-8)" -- "${run[@]}" "$work/latin1.toml"
printf 'format_version = 1\nname = "a\0b"\n' >"$work/nul.toml"
check 2 "nul.toml:2:.*not valid TOML" "a NUL byte" -- "${run[@]}" "$work/nul.toml"
head -c 4096 /dev/urandom >"$work/random.toml"
check 2 "random.toml" "4 KB of random bytes" -- "${run[@]}" "$work/random.toml"
: >"$work/empty.toml"
check 2 "empty.toml.*format_version" "an empty file" -- "${run[@]}" "$work/empty.toml"

# 2b. Made here: files that are not plain readable files (every file sepsim
#     opens), and standard output on a full disk. Never exit 70, a signal or a hang.
mkdir -p "$work/files"
f=$work/files
ln -sf l2.toml "$f/l1.toml" && ln -sf l1.toml "$f/l2.toml"
printf 'format_version = 1\nbase = "l1.toml"\n' >"$f/loop-base.toml"
check 3 "cannot read scenario file $f/l1.toml: Too many levels of symbolic links" "a symlink loop as the base" -- "${run[@]}" "$f/loop-base.toml"
check 3 "cannot read scenario file $f/l1.toml: Too many levels" "a symlink loop as the scenario" -- "${run[@]}" "$f/l1.toml"
check 3 "cannot read $f/l1.toml: Too many levels" "a symlink loop to show" -- "$sepsim" show "$f/l1.toml"
check 3 "cannot read $f/l1.toml: Too many levels" "a symlink loop to resume" -- "$sepsim" sweep --resume "$f/l1.toml"
mkfifo "$f/fifo.toml" "$f/fifo.h5"
check 2 "fifo.toml.*format_version" "a FIFO without a writer as the scenario" -- "${run[@]}" "$f/fifo.toml"
printf 'format_version = 1\nbase = "fifo.toml"\n' >"$f/fifo-base.toml"
check 2 "fifo.toml:1:1: " "a FIFO without a writer as the base" -- "${run[@]}" "$f/fifo-base.toml"
check 3 "cannot read $f/fifo.h5: it is not a regular file" "a FIFO to show" -- "$sepsim" show "$f/fifo.h5"
check 3 "cannot read $f/fifo.h5: it is not a regular file" "a FIFO to resume" -- "$sepsim" sweep --resume "$f/fifo.h5"
check 3 "cannot read /dev/null: it is not a regular file" "a device to show" -- "$sepsim" show /dev/null
check 3 "cannot read $f: it is a folder" "a folder to show" -- "$sepsim" show "$f"
printf 'format_version = 1\nbase = "files"\n' >"$work/folder-base.toml"
check 3 "cannot read scenario file $work/files: it is a folder" "a folder as the base" -- "${run[@]}" "$work/folder-base.toml"
check 3 "cannot write to standard output: No space left on device" "run --json to a full disk" -- \
  bash -c '"$0" run --reps 20 --json --no-progress --out "$1" >/dev/full' "$sepsim" "$work/full.h5"
[ -f "$work/full.h5" ] || fail "run --json to a full disk: the results file was not kept"
check 3 "cannot write to standard output: No space left on device" "cohort to a full disk" -- \
  bash -c '"$0" cohort -n 500 >/dev/full' "$sepsim"
check 3 "cannot write to standard output: No space left on device" "a short output (boundaries) to a full disk" -- \
  bash -c '"$0" boundaries --looks 2 >/dev/full' "$sepsim"
# Permissions: as an ordinary user (nobody, when the tests run as root).
printf 'format_version = 1\n' >"$f/secret.toml" && chmod 600 "$f/secret.toml"
printf 'format_version = 1\nbase = "secret.toml"\n' >"$f/secret-base.toml" && chmod 644 "$f/secret-base.toml"
mkdir -p "$work/locked" && chmod 555 "$work/locked"
chmod 755 "$f"
if other_user_prefix; then
  check 3 "cannot read scenario file $f/secret.toml: Permission denied" "an unreadable scenario" -- "${other_user[@]}" "${run[@]}" "$f/secret.toml"
  check 3 "cannot read scenario file $f/secret.toml: Permission denied" "an unreadable base" -- "${other_user[@]}" "${run[@]}" "$f/secret-base.toml"
  check 3 "cannot write results to $work/locked/r.h5: Permission denied" "a results folder without write permission" -- \
    "${other_user[@]}" "$sepsim" run --reps 20 --no-progress --out "$work/locked/r.h5"
fi

# 3. Bad files and command lines.
check 3 "cannot read scenario file $work/none.toml" "a missing file" -- "${run[@]}" "$work/none.toml"
check 2 "/dev/zero:1:1: .*over 1 MiB" "an endless device as the scenario" -- "${run[@]}" /dev/zero
printf 'format_version = 1\nbase = "/dev/urandom"\n' >"$work/endless-base.toml"
check 2 "/dev/urandom:1:1: .*over 1 MiB" "an endless device as the base" -- "${run[@]}" "$work/endless-base.toml"

check 3 "it is a folder" "a folder as the scenario" -- "${run[@]}" "$work"
check 2 "reps" "--reps 0" -- "$sepsim" run --reps 0 --out "$work/out.h5"
check 2 "reps" "--reps of 10^13" -- "$sepsim" run --reps 10000000000000 --out "$work/out.h5"
check 2 "reps" "--reps not a number" -- "$sepsim" run --reps many --out "$work/out.h5"
check 2 "threads" "--threads -1" -- "$sepsim" run --threads -1 --out "$work/out.h5"
check 2 "seed must be a whole number" "--seed -1 (no wrap to 2^64 - 1)" -- "${run[@]}" --seed -1
check 2 "seed must be a whole number" "--seed of 2^64" -- "${run[@]}" --seed 18446744073709551616
check 2 "seed must be a whole number" "cohort --seed -1" -- "$sepsim" cohort --seed -1
check 2 "hsd:GAMMA needs the parameter within \[-40, 40\]" "boundaries hsd:-1000" -- "$sepsim" boundaries --looks 5 --spending hsd:-1000
check 2 "'nan' is not a finite number" "boundaries hsd:nan" -- "$sepsim" boundaries --looks 5 --spending hsd:nan
check 2 "beta .* must lie in \(0, 0.5\)" "boundaries --beta 0.99" -- "$sepsim" boundaries --looks 3 --futility-spending hsd:-2 --beta 0.99
check 2 "--beta 0.99: the type II error spent on futility must lie in \(0, 0.5\)" "boundaries --beta 0.99 without futility" -- "$sepsim" boundaries --looks 5 --beta 0.99
check 2 "--beta nan: the type II error" "boundaries --beta nan" -- "$sepsim" boundaries --looks 5 --beta nan
check 2 "WT:DELTA needs the parameter within" "boundaries WT:1e6" -- "$sepsim" boundaries --spending WT:1e6
check 2 "must end at the one-sided alpha" "boundaries user spending past alpha" -- "$sepsim" boundaries --looks 3 --spending user:0.01,0.02,0.05
check 2 "given to --vary twice" "--vary of one key twice" -- "$sepsim" sweep --vary designs.immunosep.sample_size=100,200 --vary designs.immunosep.sample_size=300 --out "$work/out.h5"
check 2 "need --min <= --max" "size with --min above --max" -- "$sepsim" size "$here/scenarios/validation/rates_two_arm.toml" --design main --min 300 --max 200
check 2 "SOURCE_DATE_EPOCH=.*must be whole seconds" "a SOURCE_DATE_EPOCH past year 9999" -- env SOURCE_DATE_EPOCH=99999999999999 "${run[@]}"
check 2 "--set needs KEY=VALUE" "--set without =" -- "${run[@]}" --set designs.immunosep.sample_size
check 2 "did you mean sample_size" "--set of a misspelt key" -- "${run[@]}" --set designs.immunosep.sample_sise=10
check 2 "add it with its keys, e.g. --set 'designs.new=\{ x = 1 \}'" "--set in a missing table" -- "${run[@]}" --set designs.new.x=1
check 2 "--design:.*\"opal\": no such design; the scenario has: immunosep" "--design of an unknown design" -- "${run[@]}" --design opal
check 2 "--set:1:1: designs.immunosep.sample_size = \[1,: is not a TOML value" "--set with a bad value" -- "${run[@]}" --set 'designs.immunosep.sample_size=[1,'
check 2 "--vary needs" "--vary without =" -- "$sepsim" sweep --vary designs.immunosep.sample_size --out "$work/out.h5"
check 2 "not a number" "--vary with a word" -- "$sepsim" sweep --vary designs.immunosep.sample_size=10,ten --out "$work/out.h5"
check 2 "START <= STOP" "--vary with a backward range" -- "$sepsim" sweep --vary designs.immunosep.sample_size=10:5:1 --out "$work/out.h5"
check 2 "more than 100,000 values" "--vary with a billion values" -- "$sepsim" sweep --vary designs.immunosep.sample_size=1:1000000000:1 --out "$work/out.h5"
check 2 "this run needs about .* GiB .* use fewer --threads or a smaller sample size" \
  "a run that would not fit in memory" -- "${run[@]}" --threads 1024 \
  --set designs.immunosep.sample_size=10000000 --set 'designs.immunosep.analysis.test="logistic"'
check 3 "cannot write results to $work/no/such/folder" "an output folder that does not exist" -- "$sepsim" run --reps 20 --out "$work/no/such/folder/out.h5"

total=$((passes + failures))
echo "bad inputs: $corpus committed files, $((total - corpus)) made here or on the command line; $passes passed, $failures failed"
[ "$failures" -eq 0 ]
