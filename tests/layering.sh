#!/bin/bash
# The include rules of the tree (make check-layering). Lower layers never
# include higher ones:
#   services/        engines: no OS, board or firmware header
#   firmware/config  the configuration: services/ and itself
#   firmware/serve   the service: services/, config, itself, board/board.h,
#                    and no OS header (sockets, files, threads, processes)
#   firmware/cmd     host commands: anything but board/lwip
#   board/posix      POSIX code the boards share (the journal and state
#                    files): services/, board/board.h and itself, and no
#                    Linux-only header
#   board/*          a board: services/, board/board.h, board/posix,
#                    firmware/serve|config
# Includes that break a rule today and are being moved are listed, each with
# its file, in tests/layering.allow; a new one fails, and a listed one that
# is gone must leave the list too (so it only shrinks).
set -u
cd "$(dirname "$0")/.."
allow=tests/layering.allow
fail=0
seen=$(mktemp)
trap 'rm -f "$seen"' EXIT

bad() { echo "layering: $1: includes $2 ($3)"; fail=1; }

if grep -rnE '#include <(sys/socket|sys/epoll|netinet/|arpa/|lwip/|fcntl|unistd|sys/stat|pthread|yaml|mbedtls/net)' services/; then
	echo "layering: services/ must not include OS headers"
	fail=1
fi

# file, included header, the rule that forbids it ("" when allowed)
rule() {
	local f=$1 h=$2
	case $f in
	services/*)
		case $h in board/* | firmware/*) echo "services/ is below board/ and firmware/" ;; esac ;;
	firmware/config/*)
		case $h in board/* | firmware/serve/* | firmware/cmd/*)
			echo "firmware/config includes only services/ and itself" ;; esac ;;
	firmware/serve/*)
		case $h in
		board/board.h) ;;
		board/* | firmware/cmd/*) echo "firmware/serve sees only board/board.h" ;;
		esac ;;
	firmware/cmd/*)
		case $h in board/lwip/*) echo "host commands run on the Linux board" ;; esac ;;
	board/posix/*)
		case $h in
		board/board.h | board/posix/*) ;;
		board/* | firmware/*)
			echo "board/posix includes only services/, board/board.h and itself" ;;
		esac ;;
	board/linux/*)
		case $h in board/lwip/* | firmware/*) echo "board/linux is below firmware/" ;; esac ;;
	board/lwip/*)
		case $h in board/linux/* | firmware/cmd/*) echo "board/lwip is its own board" ;; esac ;;
	esac
}

# the library is an archive: two sources of one name would leave one
dups=$(ls services/*/*.c firmware/*/*.c board/linux/*.c board/posix/*.c | xargs -n1 basename | sort | uniq -d)
if [ -n "$dups" ]; then
	echo "layering: library sources share a name (ar keeps one): $dups"
	fail=1
fi

while IFS=: read -r f _ line; do
	h=$(sed -n 's/^#include "\([^"]*\)".*/\1/p' <<<"$line")
	[ -n "$h" ] || continue
	why=$(rule "$f" "$h")
	[ -n "$why" ] || continue
	if grep -qxF "$f $h" "$allow"; then
		echo "$f $h" >>"$seen"
	else
		bad "$f" "$h" "$why"
	fi
done < <(grep -rn '^#include "' services firmware board --include=*.c --include=*.h)

# firmware/serve reaches the OS only through the board
os='^(sys/|netinet/|arpa/|linux/|netdb|fcntl|unistd|pthread|dirent|signal|ftw|pwd|grp|poll)'
while IFS=: read -r f _ line; do
	h=$(sed -n 's/^#include <\([^>]*\)>.*/\1/p' <<<"$line")
	grep -qE "$os" <<<"$h" || continue
	if grep -qxF "$f <$h>" "$allow"; then
		echo "$f <$h>" >>"$seen"
	else
		bad "$f" "<$h>" "firmware/serve reaches the OS only through board/board.h"
	fi
done < <(grep -rn '^#include <' firmware/serve --include=*.c --include=*.h)

# board/posix is for any POSIX board: no Linux-only interface
linux_only='^(linux/|sys/(epoll|eventfd|signalfd|timerfd|inotify|syscall|sendfile|random|prctl|mount)\.h)'
while IFS=: read -r f _ line; do
	h=$(sed -n 's/^#include <\([^>]*\)>.*/\1/p' <<<"$line")
	grep -qE "$linux_only" <<<"$h" && bad "$f" "<$h>" "board/posix is POSIX, not Linux"
done < <(grep -rn '^#include <' board/posix --include=*.c --include=*.h)

while read -r f h; do
	case $f in '#'* | '') continue ;; esac
	grep -qxF "$f $h" "$seen" ||
		{ echo "layering: $allow lists '$f $h', which is gone: remove the line"; fail=1; }
done <"$allow"

[ $fail = 0 ] && echo "layering: ok ($(grep -vc '^#\|^$' "$allow") listed includes left to move)"
exit $fail
