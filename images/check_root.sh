#!/usr/bin/env bash
# Lists the files (and links) in a root file system that no Debian package
# installed (dpkg's file lists) and that no pattern of the allow list (shell
# globs, one a line, # comments) names: what a build writes on purpose and
# what maintainer scripts generate. Exit 1 and print them when there is any.
#   images/check_root.sh ROOT ALLOW...
set -eu
ROOT=$1
shift
python3 - "$ROOT" "$@" <<'PY'
import fnmatch, glob, os, sys

root, allows = sys.argv[1], sys.argv[2:]
merged = ('/bin/', '/sbin/', '/lib/', '/lib32/', '/lib64/', '/libx32/')

def canon(p):
    # merged /usr: dpkg lists /lib/x, the file lives at /usr/lib/x
    return '/usr' + p if p.startswith(merged) else p

owned = set()
for lst in glob.glob(os.path.join(root, 'var/lib/dpkg/info/*.list')):
    with open(lst, errors='replace') as f:
        owned.update(canon(l.rstrip('\n')) for l in f)
pats = []
for a in allows:
    with open(a) as f:
        pats += [l.strip() for l in f if l.strip() and not l.startswith('#')]
extra = []
for d, dirs, files in os.walk(root):
    rel = '/' + os.path.relpath(d, root) if d != root else ''
    names = files + [n for n in dirs if os.path.islink(os.path.join(d, n))]
    for n in names:
        p = canon(rel + '/' + n)
        if p in owned or any(fnmatch.fnmatch(p, x) for x in pats):
            continue
        extra.append(p)
for p in sorted(extra):
    print(p)
sys.exit(1 if extra else 0)
PY
