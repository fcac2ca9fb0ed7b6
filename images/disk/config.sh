#!/bin/sh
# bootbox-config: the configuration comes from the BOOTBOX partition (FAT,
# edited on any laptop). `bootbox check` decides: a good file is served
# and kept as the last good one on the state partition; a bad or missing
# one is shown on the consoles, and the box serves the last good file, or
# nothing when there is none. The default boot.assets_dir,
# <state_dir>/assets, leads to the partition's assets/ folder.
set -u
SRC=/bootbox/bootbox.yaml
GOOD=/var/lib/bootbox/last-good.yaml
RUN=/run/bootbox/bootbox.yaml
STATUS=/run/bootbox/status
mkdir -p /run/bootbox
[ -e /var/lib/bootbox/assets ] || ln -s /bootbox/assets /var/lib/bootbox/assets
consoles() {
	for t in /dev/tty1 /dev/ttyS0; do
		[ -w "$t" ] && printf '%s\n' "$@" > "$t" 2>/dev/null
	done
	printf '%s\n' "$@"
}
if [ ! -f "$SRC" ]; then
	errs="no bootbox.yaml on the BOOTBOX partition"
elif errs=$(bootbox check -c "$SRC" 2>&1); then
	cp "$SRC" "$GOOD.tmp" && sync "$GOOD.tmp" && mv "$GOOD.tmp" "$GOOD" && sync /var/lib/bootbox
	cp "$SRC" "$RUN"
	echo "config ok" > "$STATUS"
	consoles "bootbox: $SRC: configuration ok"
	exit 0
fi
if [ -f "$GOOD" ]; then
	cp "$GOOD" "$RUN"
	then="serving the last good configuration"
else
	rm -f "$RUN"
	then="serving NOTHING until it is fixed"
fi
printf 'config ERRORS, %s\n%s\n' "$then" "$errs" > "$STATUS"
consoles "" "================ bootbox: CONFIGURATION ERROR ================" \
	"$errs" "" "bootbox: $then." \
	"Fix bootbox.yaml on the BOOTBOX partition and reboot." \
	"=============================================================="
exit 0
