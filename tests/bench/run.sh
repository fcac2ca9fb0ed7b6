#!/usr/bin/env bash
# make bench: every tests/bench/bench_*.sh, each printing its own table.
set -u
cd "$(dirname "$0")/../.."
for b in tests/bench/bench_*.sh; do
	echo "== $b"
	bash "$b" || echo "(failed)"
done
