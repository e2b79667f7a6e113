#!/usr/bin/env bash
# Executes every notebook in notebooks/ with Debian's Jupyter (the python3
# kernel of /usr/bin/python3) against the built CLI, and fails on any cell
# error. Jupyter missing is a failure, not a skip: scripts/install-deps
# installs it (jupyter-nbconvert python3-ipykernel python3-pandas).
# The notebooks write into a temporary folder (LEADSCORE_WORK); the executed
# copies land there too, so the committed notebooks stay without outputs.
# Environment (set by ctest): LEADSCORE, LS_SOURCE_DIR.
set -euo pipefail
: "${LEADSCORE:?set LEADSCORE to the leadscore binary}"
: "${LS_SOURCE_DIR:?set LS_SOURCE_DIR to the source tree}"

jupyter=/usr/bin/jupyter
if [ ! -x "$jupyter" ] || ! "$jupyter" nbconvert --version >/dev/null 2>&1; then
    echo "notebooks: FAIL: '$jupyter nbconvert' is not installed:" \
        "run scripts/install-deps (apt-get install jupyter-nbconvert python3-ipykernel python3-pandas)" >&2
    exit 1
fi
for module in ipykernel pandas; do
    /usr/bin/python3 -c "import $module" 2>/dev/null || {
        echo "notebooks: FAIL: /usr/bin/python3 cannot import $module:" \
            "run scripts/install-deps (apt-get install python3-ipykernel python3-pandas)" >&2
        exit 1
    }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Jupyter's own state (kernel connection files, user kernels) stays in $tmp, so
# a kernel registered in the home folder (e.g. a pyenv python3 without pandas)
# cannot stand in for Debian's python3 kernel.
export JUPYTER_DATA_DIR=$tmp/jupyter-data JUPYTER_RUNTIME_DIR=$tmp/jupyter-runtime
export JUPYTER_CONFIG_DIR=$tmp/jupyter-config IPYTHONDIR=$tmp/ipython MPLCONFIGDIR=$tmp/mpl
export LEADSCORE_WORK=$tmp/work
export PATH=/usr/bin:$PATH
# Notebooks run from a copy, so the source tree gets no __pycache__ or outputs.
mkdir -p "$tmp/repo"
ln -s "$LS_SOURCE_DIR/datasets" "$tmp/repo/datasets"
cp -r "$LS_SOURCE_DIR/notebooks" "$tmp/repo/notebooks"

shopt -s nullglob
notebooks=("$tmp"/repo/notebooks/*.ipynb)
if [ ${#notebooks[@]} -eq 0 ]; then
    echo "notebooks: FAIL: no notebooks in $LS_SOURCE_DIR/notebooks" >&2
    exit 1
fi

failed=0
for nb in "${notebooks[@]}"; do
    name=$(basename "$nb")
    # A committed notebook carries no outputs (so diffs stay small).
    if grep -q '"output_type"' "$nb"; then
        echo "notebooks: FAIL: $name is committed with outputs: clear them" \
            "(jupyter nbconvert --clear-output --inplace notebooks/$name)" >&2
        failed=$((failed + 1))
    fi
    start=$(date +%s)
    if "$jupyter" nbconvert --to notebook --execute --ExecutePreprocessor.timeout=300 \
        --ExecutePreprocessor.kernel_name=python3 --output-dir "$tmp/executed" "$nb" \
        >"$tmp/$name.log" 2>&1; then
        echo "notebooks: $name ok ($(($(date +%s) - start)) s)"
    else
        echo "notebooks: FAIL: $name raised an error:" >&2
        tail -n 40 "$tmp/$name.log" >&2
        failed=$((failed + 1))
    fi
done
if [ "$failed" -ne 0 ]; then
    echo "notebooks: $failed failure(s)" >&2
    exit 1
fi
echo "notebooks: all ${#notebooks[@]} notebooks executed without errors"
