#!/usr/bin/env bash
# Runs the suites named as arguments and prints one closing line
# "N passed, N failed, N skipped". Suites:
#   unit        $BUILD/tests/*_test           (each case counts)
#   asan        $ASAN_BUILD/tests/*_test       (the same under ASan+UBSan)
#   replay      $BUILD/fuzz/*.replay on tests/fuzz/corpus/<name>
#   fuzz        $FUZZ_BUILD/fuzz_* for FUZZ_SECONDS each (clang libFuzzer);
#               tests/fuzz/<name>.seconds, when present, sets that target's
#               time instead (FUZZ_SECONDS_FORCE=1 ignores those files)
#   integration tests/integration/*.sh       (root + netns; exit 77 = skip)
#   boot        tests/boot/test_*.sh         (QEMU; exit 77 = skip)
# A script may print "# N passed, M failed" to count its own cases.
set -u
BUILD=${BUILD:-build}
ASAN_BUILD=${ASAN_BUILD:-build-asan}
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
LOGDIR=${LOGDIR:-$BUILD/test-logs}
mkdir -p "$LOGDIR"
pass=0 fail=0 skip=0
failed_names=()

# run NAME CMD...: runs one test program, adds its cases to the totals
run() {
	local name=$1; shift
	local log="$LOGDIR/${name//\//_}.log" t0=$SECONDS
	"$@" >"$log" 2>&1
	tally "$name" "$log" $? $((SECONDS - t0))
}

# tally NAME LOG RC SECONDS: adds one finished program's cases to the totals
tally() {
	local name=$1 log=$2 rc=$3 secs=$4 line p f
	line=$(grep -E '^# [0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	if [ "$rc" = 77 ]; then
		skip=$((skip + 1))
		echo "skip  $name ($(grep -m1 -i 'skip' "$log" | cut -c1-100))"
		return
	fi
	if [ -n "$line" ]; then
		p=$(echo "$line" | sed -E 's/^# ([0-9]+) passed, ([0-9]+) failed.*/\1/')
		f=$(echo "$line" | sed -E 's/^# ([0-9]+) passed, ([0-9]+) failed.*/\2/')
		[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
	elif [ "$rc" = 0 ]; then
		p=1 f=0
	else
		p=0 f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$f" != 0 ]; then
		failed_names+=("$name")
		echo "FAIL  $name ($p passed, $f failed, rc=$rc, ${secs}s) — log: $log"
		grep -E '^not ok|CHECK|FAIL|error' "$log" | head -20 | sed 's/^/      /'
	else
		echo "ok    $name ($p passed, ${secs}s)"
	fi
}

for suite in "$@"; do
	case $suite in
	unit)
		for t in "$BUILD"/tests/*_test; do [ -x "$t" ] && run "unit/$(basename "$t")" "$t"; done ;;
	asan)
		for t in "$ASAN_BUILD"/tests/*_test; do
			[ -x "$t" ] && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
				run "asan/$(basename "$t")" "$t"
		done ;;
	replay)
		for t in "$BUILD"/fuzz/*.replay; do
			[ -x "$t" ] || continue
			n=$(basename "$t" .replay)
			run "replay/$n" "$t" "tests/fuzz/corpus/$n"
		done ;;
	fuzz)
		if ! ls "$FUZZ_BUILD"/fuzz_* >/dev/null 2>&1; then
			echo "skip  fuzz (no libFuzzer build)"; skip=$((skip + 1)); continue
		fi
		# FUZZ_JOBS targets at once (default: one a CPU), each for its
		# own time; the results are added up in order once all are done
		jobs_max=${FUZZ_JOBS:-$(nproc)}
		fuzzed=()
		for t in "$FUZZ_BUILD"/fuzz_*; do
			[ -x "$t" ] && [ -f "$t" ] || continue
			n=$(basename "$t")
			mkdir -p "$FUZZ_BUILD/corpus/$n"
			secs=$FUZZ_SECONDS
			[ -z "${FUZZ_SECONDS_FORCE:-}" ] && [ -f "tests/fuzz/$n.seconds" ] &&
				secs=$(tr -dc 0-9 < "tests/fuzz/$n.seconds")
			while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
			log="$LOGDIR/fuzz_$n.log"
			(t0=$SECONDS
			 # a crash exits 1, not libFuzzer's 77 (which reads as a
			 # skip here), and its input lands beside the log
			 "$t" -max_total_time="${secs:-$FUZZ_SECONDS}" -print_final_stats=0 \
				-error_exitcode=1 -artifact_prefix="$LOGDIR/$n-" \
				"$FUZZ_BUILD/corpus/$n" "tests/fuzz/corpus/$n" >"$log" 2>&1
			 echo "$? $((SECONDS - t0))" >"$log.rc") &
			fuzzed+=("$n")
		done
		wait
		for n in "${fuzzed[@]}"; do
			log="$LOGDIR/fuzz_$n.log"
			read -r rc secs <"$log.rc" || { rc=1 secs=0; }
			tally "fuzz/$n" "$log" "$rc" "$secs"
		done ;;
	integration)
		for t in tests/integration/test_*.sh; do
			[ -f "$t" ] && BUILD=$BUILD run "integration/$(basename "$t" .sh)" bash "$t"
		done ;;
	boot)
		for t in tests/boot/test_*.sh; do
			[ -f "$t" ] && BUILD=$BUILD run "boot/$(basename "$t" .sh)" bash "$t"
		done ;;
	*) echo "unknown suite $suite"; exit 2 ;;
	esac
done

if [ ${#failed_names[@]} -gt 0 ]; then
	echo "failed: ${failed_names[*]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
