"""What the notebooks share: where the leadscore CLI, the bundled data and the
work folder are, and `leadscore(...)`, which runs one command and shows it.

Environment:
  LEADSCORE       the CLI (default: build/leadscore, then build/release/leadscore
                  under the repository, then `leadscore` on PATH)
  LEADSCORE_WORK  where the notebooks write their files (default: out/notebooks
                  under the repository)

SPDX-License-Identifier: GPL-3.0-or-later
"""
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path


def _find_repo():
    """The repository: the first folder at or above this file with the bundled data."""
    here = Path(__file__).resolve().parent
    for d in (here, *here.parents):
        if (d / "datasets" / "x-education-leads" / "Leads.csv").is_file():
            return d
    raise FileNotFoundError(
        f"cannot find the leadscore repository above {here}: "
        "the notebooks expect to live in its notebooks/ folder")


REPO = _find_repo()
DATA = REPO / "datasets" / "x-education-leads"
WORK = Path(os.environ.get("LEADSCORE_WORK") or REPO / "out" / "notebooks").resolve()
WORK.mkdir(parents=True, exist_ok=True)


def _find_cli():
    env = os.environ.get("LEADSCORE")
    if env:
        p = Path(env)
        p = p if p.is_absolute() else REPO / p
        if not os.access(p, os.X_OK):
            raise FileNotFoundError(f"LEADSCORE={env}: no executable leadscore there")
        return p.resolve()
    for p in (REPO / "build" / "leadscore", REPO / "build" / "release" / "leadscore"):
        if os.access(p, os.X_OK):
            return p
    on_path = shutil.which("leadscore")
    if on_path:
        return Path(on_path)
    raise FileNotFoundError(
        "leadscore is not built: run 'cmake -S . -B build && cmake --build build' in "
        f"{REPO}, or set LEADSCORE=/path/to/leadscore before starting Jupyter")


CLI = _find_cli()


class Run(subprocess.CompletedProcess):
    """A finished command: .returncode, .stdout, .stderr. Shows nothing as a
    cell's last value (leadscore() has printed it already)."""

    def _ipython_display_(self):
        pass


class LeadscoreError(RuntimeError):
    """A leadscore command exited with a failure; the message is its error."""


def _show(arg):
    """An argument as the reader should see it: repository files relative to it."""
    if isinstance(arg, Path):
        try:
            return str(arg.resolve().relative_to(REPO))
        except ValueError:
            return str(arg)
    return str(arg)


def commands():
    """The subcommands this leadscore has (from 'leadscore --help')."""
    out = subprocess.run([str(CLI), "--help"], capture_output=True, text=True, check=True).stdout
    listing = out.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in listing.splitlines() if line.strip()]


def leadscore(*args, check=True, show_output=True):
    """Runs `leadscore ARGS...` in WORK and prints the command, its output and
    its notes. Returns a Run (a CompletedProcess, stdout as text). With check=True a
    failure raises LeadscoreError with leadscore's own message."""
    print("$ leadscore " + " ".join(shlex.quote(_show(a)) for a in args))
    p = subprocess.run([str(CLI), *map(str, args)], cwd=WORK, capture_output=True, text=True)
    r = Run(p.args, p.returncode, p.stdout, p.stderr)
    if show_output and r.stdout:
        print(r.stdout, end="" if r.stdout.endswith("\n") else "\n")
    if r.stderr:
        print(r.stderr, end="" if r.stderr.endswith("\n") else "\n", file=sys.stderr)
    if check and r.returncode != 0:
        last = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "no message"
        raise LeadscoreError(f"leadscore {args[0]} exited with {r.returncode}: {last}")
    return r


print(f"leadscore: {_show(CLI)}  data: {_show(DATA)}  work folder: {WORK}")
