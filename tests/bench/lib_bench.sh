# The start every benchmark shares: the repo's root as working directory,
# an absolute BUILD with bootbox and the tools built, the namespace helpers
# (lib_netns.sh), root; `need_cmds CMD...` skips when a peer is missing.
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
BB=$BUILD/bootbox
[ -x "$BB" ] && [ -x "$BUILD/tools/tftp_get" ] || make -s BUILD="$BUILD" >/dev/null || exit 1
. tests/integration/lib_netns.sh
need_root

need_cmds() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || { echo "skip: no $c"; exit 0; }
	done
}
