#!/usr/bin/env bash
# Install test: 'cmake --install' of this build tree into a temporary prefix,
# then an outside program (tests/install/app) is built against that copy --
# through find_package(leadscore), shared and static, and through pkg-config,
# shared and static -- and scores a lead with the seed points table: an
# executive at a 300-employee company who visited pricing and signed up for
# the trial scores 53. The prefix is then moved, and the CMake package and the
# pkg-config file must still work. Also: the installed man page renders without
# warnings and covers every subcommand and option of 'leadscore CMD --help',
# and the installed bash completion sources cleanly and completes.
# Environment (set by ctest): LS_SOURCE_DIR, LS_BINARY_DIR.
set -euo pipefail
: "${LS_SOURCE_DIR:?set LS_SOURCE_DIR to the source tree}"
: "${LS_BINARY_DIR:?set LS_BINARY_DIR to the build tree to install}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
app=$LS_SOURCE_DIR/tests/install/app
points=$LS_SOURCE_DIR/tests/data/points/seed.csv
# Build the outside program as the library was built: same compiler, and the
# sanitizers when the build tree has them (an ASan library needs an ASan program).
cache() { sed -n "s/^$1:[A-Z]*=//p" "$LS_BINARY_DIR/CMakeCache.txt"; }
cc=$(cache CMAKE_C_COMPILER)
cc=${cc:-cc}
san_flags=()
if [ "$(cache LEADSCORE_SANITIZE)" = ON ]; then
    san_flags=("-fsanitize=address,undefined" -fno-omit-frame-pointer)
fi
failures=0
fail() {
    echo "install: FAIL: $*" >&2
    failures=$((failures + 1))
}
die() {
    echo "install: FAIL: $*" >&2
    exit 1
}
step() { echo "install: $*"; }

# 1. Install.
step "cmake --install $LS_BINARY_DIR --prefix $prefix"
cmake --install "$LS_BINARY_DIR" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; die "cmake --install failed"; }

pc=$(find "$prefix" -name leadscore.pc -path '*/pkgconfig/*' | head -n 1)
[ -n "$pc" ] || die "cmake --install wrote no pkgconfig/leadscore.pc under $prefix:" \
    "CMakeLists.txt needs the packaging rules (install(EXPORT ...), the .pc and config files)"
libdir=$(dirname "$(dirname "$pc")")
for f in "$prefix/bin/leadscore" "$prefix/include/leadscore/scorer.h" "$prefix/include/leadscore/model.h" \
    "$libdir/libleadscore.a" "$libdir/libleadscore.so" "$libdir/cmake/leadscore/leadscoreConfig.cmake" \
    "$libdir/cmake/leadscore/leadscoreConfigVersion.cmake" "$libdir/cmake/leadscore/leadscoreTargets.cmake" \
    "$prefix/share/man/man1/leadscore.1" "$prefix/share/bash-completion/completions/leadscore"; do
    [ -e "$f" ] || fail "not installed: ${f#"$prefix"/}"
done
ls "$libdir"/libleadscore.so.* >/dev/null 2>&1 || fail "no versioned libleadscore.so.N in ${libdir#"$prefix"/}"
[ "$failures" -eq 0 ] || die "$failures installed files missing"

version=$("$prefix/bin/leadscore" --version) || die "the installed leadscore does not run"
version=${version#leadscore }
step "installed leadscore $version"

# expect_53 LABEL PROGRAM: runs the app and checks the score; checks linkage:
# shared builds need libleadscore.so, static ones must not.
expect_53() {
    local label=$1 prog=$2 kind=$3 out needed
    if ! out=$("$prog" "$points" 2>&1); then
        fail "$label: lead_score failed: $out"
        return
    fi
    grep -qx 'score 53' <<<"$out" || fail "$label: expected 'score 53', got: $out"
    grep -qx 'tier hot' <<<"$out" || fail "$label: expected 'tier hot', got: $out"
    needed=$(readelf -d "$prog" | grep NEEDED || true)
    if [ "$kind" = shared ] && ! grep -q 'libleadscore\.so' <<<"$needed"; then
        fail "$label: not linked to libleadscore.so"
    fi
    if [ "$kind" = static ] && grep -q 'libleadscore\.so' <<<"$needed"; then
        fail "$label: linked to libleadscore.so, expected the static library"
    fi
    step "$label: $(head -n 1 <<<"$out")"
}

# 2. CMake: find_package(leadscore) + leadscore::leadscore / leadscore::static.
cmake_app() { # LABEL KIND PREFIX
    local label=$1 kind=$2 pre=$3 dir=$tmp/cmake-$1
    local static=OFF
    [ "$kind" = static ] && static=ON
    if ! cmake -S "$app" -B "$dir" -DCMAKE_PREFIX_PATH="$pre" -DLEAD_SCORE_STATIC=$static \
        -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="${san_flags[*]}" \
        -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF >"$dir.log" 2>&1 ||
        ! cmake --build "$dir" >>"$dir.log" 2>&1; then
        cat "$dir.log" >&2
        fail "$label: the find_package(leadscore) project did not build"
        return
    fi
    local found
    found=$(sed -n 's/^leadscore_DIR:PATH=//p' "$dir/CMakeCache.txt")
    case $found in
    "$pre"/*) ;;
    *) fail "$label: find_package found leadscore in '$found', not under $pre" ;;
    esac
    expect_53 "$label" "$dir/lead_score" "$kind"
}
cmake_app find_package-shared shared "$prefix"
cmake_app find_package-static static "$prefix"

# 3. pkg-config: shared (-lleadscore, with an rpath) and static (--static).
pkgconfig_app() { # LABEL KIND PKG_CONFIG_DIR
    local label=$1 kind=$2 pcdir=$3 cflags libs ldir
    export PKG_CONFIG_PATH=$pcdir
    local modversion
    modversion=$(pkg-config --modversion leadscore) || { fail "$label: pkg-config does not find leadscore"; return; }
    [ "$modversion" = "$version" ] || fail "$label: pkg-config version $modversion, the CLI says $version"
    cflags=$(pkg-config --cflags leadscore)
    ldir=$(pkg-config --variable=libdir leadscore)
    [ "$(cd "$ldir" && pwd -P)" = "$(cd "$pcdir/.." && pwd -P)" ] ||
        fail "$label: pkg-config libdir '$ldir' is not the installed library directory"
    if [ "$kind" = shared ]; then
        libs="$(pkg-config --libs leadscore) -Wl,-rpath,$ldir"
    else
        libs=$(pkg-config --static --libs leadscore)
        libs=${libs/-lleadscore/-Wl,-Bstatic -lleadscore -Wl,-Bdynamic}
    fi
    # shellcheck disable=SC2086 # word splitting of the flags is intended
    if ! "$cc" -std=c11 -Wall -Wextra -Werror "${san_flags[@]}" $cflags -o "$tmp/$label" "$app/main.c" $libs \
        >"$tmp/$label.log" 2>&1; then
        cat "$tmp/$label.log" >&2
        fail "$label: $cc with \$(pkg-config ... leadscore) failed"
        unset PKG_CONFIG_PATH
        return
    fi
    unset PKG_CONFIG_PATH
    expect_53 "$label" "$tmp/$label" "$kind"
}
pkgconfig_app pkg-config-shared shared "$libdir/pkgconfig"
pkgconfig_app pkg-config-static static "$libdir/pkgconfig"

# 4. The install is relocatable: move it, build again.
moved=$tmp/moved
mv "$prefix" "$moved"
cmake_app moved-find_package-shared shared "$moved"
pkgconfig_app moved-pkg-config-static static "$moved/${libdir#"$prefix"/}/pkgconfig"
mv "$moved" "$prefix"

# 5. The man page: renders without warnings, and names every subcommand and
# every option of its --help in that subcommand's section.
man1=$prefix/share/man/man1/leadscore.1
if ! groff -man -Tutf8 -ww "$man1" >"$tmp/man.txt" 2>"$tmp/man.err" || [ -s "$tmp/man.err" ]; then
    fail "groff warns about leadscore.1: $(cat "$tmp/man.err")"
fi
if command -v man >/dev/null && ! MANWIDTH=80 man -l "$man1" 2>&1 | grep -q 'leadscore - learn lead-scoring points'; then
    fail "man -l leadscore.1 does not show the NAME line"
fi
# Options as the reader sees them: roff escapes and font changes removed.
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$man1" >"$tmp/man.src"
ls_bin=$prefix/bin/leadscore
commands=$("$ls_bin" --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p')
[ -n "$commands" ] || die "'leadscore --help' lists no commands"
for cmd in $commands; do
    section=$(awk -v h=".SS \"leadscore $cmd\"" '$0 == h {on = 1; next} on && /^\.S[SH] / {exit} on' "$tmp/man.src")
    if [ -z "$section" ]; then
        fail "leadscore.1 has no section for '$cmd' (run doc/update-man)"
        continue
    fi
    for opt in $("$ls_bin" "$cmd" --help | grep -E '^ +-' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
        grep -qE -- "$opt([^a-z0-9-]|\$)" <<<"$section" || fail "leadscore.1: '$cmd' does not describe $opt (run doc/update-man)"
    done
done

# 6. Bash completion: sources cleanly and completes subcommands and options.
comp=$prefix/share/bash-completion/completions/leadscore
comp_out=$(PATH=$prefix/bin:$PATH bash --norc --noprofile -c '
    set -u
    source "$1" || exit 1
    complete -p leadscore
    c() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
          COMPREPLY=(); _leadscore; echo "$* => ${COMPREPLY[*]}"; }
    c leadscore tr
    c leadscore synth
    c leadscore train --crit
    c leadscore plot --kind imp
    c leadscore compare a.json b.json --format j
' bash "$comp" 2>&1) || fail "sourcing the completion failed: $comp_out"
for want in "complete -F _leadscore leadscore" "leadscore tr => train" "leadscore synth => synth synth-events" \
    "leadscore train --crit => --criteria" "leadscore plot --kind imp => importance" \
    "leadscore compare a.json b.json --format j => json"; do
    grep -qxF -- "$want" <<<"$comp_out" || fail "completion: expected '$want', got: $comp_out"
done
# Every subcommand completes from its first letters.
for cmd in $commands; do
    got=$(PATH=$prefix/bin:$PATH bash --norc -c 'source "$1"; COMP_WORDS=(leadscore "$2"); COMP_CWORD=1; _leadscore
        printf "%s\n" "${COMPREPLY[@]}"' bash "$comp" "$cmd")
    grep -qx -- "$cmd" <<<"$got" || fail "completion: 'leadscore $cmd' does not complete to $cmd"
done

if [ "$failures" -ne 0 ]; then
    echo "install: $failures check(s) failed" >&2
    exit 1
fi
echo "install: all checks passed"
