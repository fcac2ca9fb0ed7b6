#!/usr/bin/env bash
# Scale of the inventory: the engine work of one /ipxe request with 10
# machines against 10,000 machines, 1,000 role groups and a group per
# machine for half of them; DHCP CPU per exchange with an empty lease table
# against 100,000 leases (tests/tools/scale, CPU time, no network).
set -u
. "$(dirname "$0")/lib_bench.sh"
[ -x "$BUILD/tools/scale" ] || make -s BUILD="$BUILD" "$BUILD/tools/scale" >/dev/null || exit 1
out=$("$BUILD/tools/scale")
f() { echo "$out" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
echo "Inventory scale (engine CPU per request)"
printf '%-44s %10s %10s %8s\n' what small large ratio
printf '%-44s %10s %10s %8s\n' "/ipxe selection, us (10 vs 10,000 machines)" "$(f select_us_10)" "$(f select_us_10000)" \
	"$(awk -v a="$(f select_us_10000)" -v b="$(f select_us_10)" 'BEGIN {printf "%.2fx", (b > 0 ? a / b : 0)}')"
printf '%-44s %10s %10s %8s\n' "DHCP exchange, us (0 vs 100,000 leases)" "$(f dhcp_us_empty)" "$(f dhcp_us_100k)" \
	"$(awk -v a="$(f dhcp_us_100k)" -v b="$(f dhcp_us_empty)" 'BEGIN {printf "%.2fx", (b > 0 ? a / b : 0)}')"
echo "target: DHCP with 100,000 leases within 1.10x of the empty table, as the whole server's CPU per"
echo "exchange (bench_dhcp: syscalls and the journal included); the engine's extra us are the part that grows"
