"""Where one variant's server spends its time under one scenario: py-spy samples, summarised per function.

    build/bench-venv/bin/python bench/profile.py framework fanout --subscribers 100 [--seconds 10]
    build/bench-venv/bin/python bench/profile.py framework create --in-process

With ``--in-process`` it runs ``benchapp.cpu`` instead: the consumer's CPU time per operation with no
server or network, steadier than any rate on a busy machine.

Uses the project and database of the last ``bench/run.py`` run (build/bench/), serves the variant from one
daphne process with the in-memory layer, drives the scenario's load and records the server with py-spy
(installed into the benchmark's venv on first use), sampling only the thread that holds the GIL, so the
figures show where Python spends CPU rather than where it waits. Prints the functions with the most samples,
inclusive and self; the raw collapsed stacks stay in build/bench/profile-<variant>-<scenario>.txt.
"""

import argparse
import asyncio
import subprocess
import sys
from collections import Counter
from pathlib import Path

from load import ActionLoad, FanOut
from run import VENV_DIR, Project, database_copy, in_bench_venv, pip_install, project_environment, serve
from servers import Servers

OUTPUT = Path(__file__).resolve().parent.parent / "build" / "bench"


async def drive(url, scenario, args):
    if scenario == "fanout":
        load = FanOut(url, args.subscribers, feed=2000 + args.subscribers, window=args.window)
        round_ = load.round
    else:
        load = ActionLoad(url, args.clients, seeded_rows=args.rows)
        request = getattr(load, scenario)

        def round_(duration):
            return load.round(request, duration)

    await load.open()
    try:
        await round_(1.0)  # warm-up, not recorded
        recorder = await asyncio.create_subprocess_exec(*args.py_spy)
        figures = await round_(args.seconds)
        await recorder.wait()
        return figures
    finally:
        await load.close()


def summary(collapsed, top):
    inclusive, own, total = Counter(), Counter(), 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        total += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
    lines = [f"{total} samples"]
    for title, counter in (("inclusive", inclusive), ("self", own)):
        lines.append(f"\n{title}:")
        lines += [f"{count / total:6.1%}  {frame}" for frame, count in counter.most_common(top)]
    return "\n".join(lines)


def in_process(project, args):
    scenario = "touch" if args.scenario == "fanout" else args.scenario
    count = args.count or {"ping": 6400, "retrieve": 3200, "list": 400, "create": 1600, "touch": 100}[scenario]
    db = database_copy(project.seeded, f"{args.variant}-cpu")
    command = [sys.executable, "-m", "benchapp.cpu", scenario, str(count)]
    command += ["--clients", str(args.clients), "--subscribers", str(args.subscribers)]
    env = project_environment(project.path, db, args.variant)
    subprocess.run(command, cwd=project.path, env=env, check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variant", choices=["channels", "framework", "dcrf"])
    parser.add_argument("scenario", choices=["ping", "retrieve", "list", "create", "fanout"])
    parser.add_argument("--subscribers", type=int, default=100)
    parser.add_argument("--window", type=int, default=4)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--in-process", action="store_true", help="CPU per operation through benchapp.cpu")
    parser.add_argument("--count", type=int, help="operations for --in-process (default: a few seconds' worth)")
    args = parser.parse_args()
    project = Project(OUTPUT / "bake" / "realtime_site", OUTPUT / "seeded.sqlite3")
    if args.in_process:
        in_process(project, args)
        return
    py_spy = Path(sys.executable).with_name("py-spy")
    if not py_spy.exists():
        pip_install(sys.executable, "py-spy")
    database_copy(project.seeded, f"{args.variant}-profile")
    collapsed = OUTPUT / f"profile-{args.variant}-{args.scenario}.txt"
    with Servers(OUTPUT / "logs") as servers:
        running, urls = serve(servers, project, None, [args.variant], "profile")
        pid = running[args.variant].process.pid
        args.py_spy = [str(py_spy), "record", "--pid", str(pid), "--duration", str(int(args.seconds)), "--rate", "250"]
        args.py_spy += ["--format", "raw", "--output", str(collapsed), "--nonblocking", "--gil"]
        figures = asyncio.run(drive(urls[args.variant], args.scenario, args))
    print(figures)
    print(summary(collapsed, args.top))


if __name__ == "__main__":
    if not in_bench_venv():
        sys.exit(f"run me with {VENV_DIR}/bin/python (bench/run.py creates it)")
    main()
