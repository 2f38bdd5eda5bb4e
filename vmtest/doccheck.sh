#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The kernel documentation of portown builds without a warning: both rst
# files (Documentation/admin-guide/LSM/portown.rst and
# Documentation/security/portown.rst) of the patched tree, with the
# kernel's own Sphinx configuration and extensions (Documentation/conf.py),
# in a project of their own, so that the references between them are
# resolved and the build takes seconds, not the whole of htmldocs. Also:
# both LSM indexes list portown, and the kernel documentation names no
# make target or script of this repository.
# Usage: doccheck.sh [TREE]  (default: the patched tree, build/linux).
# Writes TAP on stdout; exits non-zero if any line is "not ok".
. "$(dirname "$0")/lib.sh"

tree=${1:-$TREE}
docs=(admin-guide/LSM/portown security/portown)
fail=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fail=1; }

command -v sphinx-build >/dev/null || die "no sphinx-build: make deps installs python3-sphinx"
[ -f "$tree/Documentation/conf.py" ] || die "no patched tree in $tree"

mkdir -p "$B"
work=$(mktemp -d "$B/doccheck.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src"
{
	printf '=======\nportown\n=======\n\n.. toctree::\n\n'
	for d in "${docs[@]}"; do
		printf '   %s\n' "$d"
	done
} >"$work/src/index.rst"
for d in "${docs[@]}"; do
	mkdir -p "$work/src/$(dirname "$d")"
	cp "$tree/Documentation/$d.rst" "$work/src/$d.rst"
done

# kfigure's notice that graphviz is absent is the only warning allowed:
# neither file has a figure.
if nice sphinx-build -b html -q -w "$work/warnings" -c "$tree/Documentation" \
	"$work/src" "$work/html" >"$work/out" 2>&1; then
	rc=0
else
	rc=$?
fi
grep -v 'dot(1) not found' "$work/warnings" >"$work/real" || true
if [ "$rc" = 0 ] && [ ! -s "$work/real" ]; then
	ok "Sphinx builds ${docs[*]/%/.rst} without a warning"
else
	notok "Sphinx (exit $rc): $(wc -l <"$work/real") warnings in ${docs[*]/%/.rst}"
	if [ -s "$work/real" ]; then
		sed -e "s|$work/src/|Documentation/|" -e 's/^/# /' "$work/real"
	else
		sed 's/^/# /' "$work/out"
	fi | head -n 40
fi

for idx in admin-guide/LSM/index.rst security/index.rst; do
	if grep -qx '   portown' "$tree/Documentation/$idx"; then
		ok "Documentation/$idx lists portown"
	else
		notok "Documentation/$idx does not list portown"
	fi
done

# Kernel documentation describes the kernel: no make target, script or
# path of this repository (those belong in docs/ and tools/portown/).
files=()
for d in "${docs[@]}"; do
	files+=("$tree/Documentation/$d.rst")
done
leaks=$(grep -nE 'make (check|demo|deb|deps|patch|bench|fuzz|kcsan|kernel)|vmtest/|build/|glue/|portown-scenario|mkdeb-' \
	"${files[@]}" || true)
if [ -z "$leaks" ]; then
	ok "the kernel documentation names no make target or script of this repository"
else
	notok "the kernel documentation names this repository's make targets or scripts"
	printf '%s\n' "$leaks" | sed 's/^/# /' | head -n 20
fi

exit "$fail"
