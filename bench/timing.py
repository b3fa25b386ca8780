"""Wall time and peak memory of child processes, made robust to a noisy shared machine.

Times are the MIN over several runs: noise (other tenants, page cache, CPU frequency) only
ever adds time, so the fastest run is the best estimate of what the code itself costs. A
figure and its floor are run interleaved (figure, floor, figure, floor...) so a slow patch of
the machine hits both alike. The child's CPU time (user + sys, from wait4) is kept beside the
wall time: it hardly moves when other tenants compete for the cores, so when a wall-time
ratio looks odd, the CPU ratio in the JSON tells noise from a real regression.

Peak memory is `ru_maxrss` of the children of a fresh wrapper process: RUSAGE_CHILDREN keeps
the maximum over every child ever waited for, so one wrapper per measurement is what makes
the figure belong to that one command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple


class CommandFailed(RuntimeError):
    """A measured command exited non-zero: its timing would be meaningless."""


@dataclass(frozen=True)
class Cmd:
    """A command to run: argv and the environment it needs beyond ours."""

    argv: Sequence[str]
    env: Mapping[str, str] | None = None

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("CRM_DEBUG", None)
        env["NO_COLOR"] = "1"
        env.update(self.env or {})
        return env

    def show(self) -> str:
        prefix = " ".join(f"{k}={v}" for k, v in (self.env or {}).items())
        return f"{prefix} {' '.join(self.argv)}".strip()


class Timing(NamedTuple):
    """Seconds of one run (or the min of several, each field on its own)."""

    wall: float
    cpu: float

    def best(self, other: Timing) -> Timing:
        return Timing(min(self.wall, other.wall), min(self.cpu, other.cpu))


def run_once(cmd: Cmd) -> Timing:
    """Wall and CPU seconds of one run, output discarded (a pipe, as when scripted)."""
    start = time.perf_counter()
    child = subprocess.Popen(
        list(cmd.argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=cmd.environment(),
    )
    errors = child.stderr.read() if child.stderr else b""
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    child.stderr.close() if child.stderr else None
    if child.returncode != 0:
        message = errors.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
        raise CommandFailed(f"{cmd.show()} exited {child.returncode}: {message[0]}")
    return Timing(elapsed, usage.ru_utime + usage.ru_stime)


def interleaved(cmds: Mapping[str, Cmd], runs: int, *, warmup: int = 1) -> dict[str, Timing]:
    """Min wall (and min CPU) seconds of each command, run in rounds of one run each.

    A floor and the figures compared with it share every round, so a slow patch of the
    machine slows both rather than skewing the ratio; the order rotates from round to round
    so that no command is always the one after (say) the floor.
    """
    keys = list(cmds)
    for _ in range(warmup):
        for key in keys:
            run_once(cmds[key])
    best = dict.fromkeys(keys, Timing(float("inf"), float("inf")))
    for round_number in range(max(1, runs)):
        shift = round_number % len(keys)
        for key in keys[shift:] + keys[:shift]:
            best[key] = best[key].best(run_once(cmds[key]))
    return best


def output_of(cmd: Cmd) -> str:
    """Stdout of one run, for checking that a measured command does real work."""
    done = subprocess.run(
        list(cmd.argv), capture_output=True, text=True, env=cmd.environment(), check=False
    )
    if done.returncode != 0:
        raise CommandFailed(f"{cmd.show()} exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout


_RSS_WRAPPER = """
import json, resource, subprocess, sys
argv = json.loads(sys.argv[1])
done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"rc": done.returncode, "kib": kib, "err": done.stderr.decode()[-400:]}))
"""


def peak_rss_mib(cmd: Cmd) -> float:
    """Peak resident memory (MiB) of one run of `cmd`, via a fresh wrapper process."""
    done = subprocess.run(
        [sys.executable, "-c", _RSS_WRAPPER, json.dumps(list(cmd.argv))],
        capture_output=True,
        env=cmd.environment(),
        check=True,
        text=True,
    )
    result = json.loads(done.stdout)
    if result["rc"] != 0:
        raise CommandFailed(f"{cmd.show()} exited {result['rc']}: {result['err'].strip()}")
    return result["kib"] / 1024  # Linux reports KiB (macOS bytes: not supported here)
