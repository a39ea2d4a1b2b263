"""Benchmark: the vendored framework against a hand-written Channels consumer and DCRF 1.3.0.

    python3 bench/run.py [--rounds 5] [--duration 1.0] ...      (or: make bench BENCH_ARGS="...")

Bakes the template into build/bench/, installs the baked project's dependencies, DCRF 1.3.0 and
websockets into build/bench-venv/, serves each variant from its own daphne process on loopback and
measures them in interleaved rounds (the order rotates every round, so background noise hits every
variant alike). Prints medians and ratios as a Markdown table, also written to build/bench/results.md
(raw rounds in results.json). Every process it starts is stopped when it ends, however it ends.
"""

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = BENCH_DIR.parent
VENV_DIR = TEMPLATE_DIR / "build" / "bench-venv"
REQUIREMENTS = BENCH_DIR / "requirements.txt"
BAKE_OPTIONS = {"use_chat_demo": False, "use_user_consumers": False, "use_docker": False, "ci_tool": "None"}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="measured rounds per scenario (plus one warm-up)")
    parser.add_argument("--duration", type=float, default=1.0, help="seconds of load per variant per round")
    parser.add_argument("--clients", type=int, default=32, help="sockets with one action in flight each")
    parser.add_argument("--fanout", default="1,10,100", help="numbers of subscribed sockets")
    parser.add_argument("--window", type=int, default=4, help="saves in flight during fan-out")
    parser.add_argument("--rows", type=int, default=2000, help="rows seeded and loaded by the ORM scenario")
    parser.add_argument("--variants", default="channels,framework,dcrf")
    parser.add_argument("--no-redis", action="store_true", help="skip the fan-out over channels-redis")
    parser.add_argument("--output", type=Path, default=TEMPLATE_DIR / "build" / "bench")
    return parser.parse_args()


# Bootstrap: re-run inside the benchmark's own virtualenv
# ------------------------------------------------------------------------------


def in_bench_venv():
    return Path(sys.prefix).resolve() == VENV_DIR.resolve()


def pip_install(python, *arguments):
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *arguments], check=True)


def enter_bench_venv():
    python = VENV_DIR / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV_DIR)], check=True)
    stamp = VENV_DIR / "bench-requirements.txt"
    if not stamp.exists() or stamp.read_text() != REQUIREMENTS.read_text():
        pip_install(python, "-r", str(REQUIREMENTS))
        shutil.copyfile(REQUIREMENTS, stamp)
    os.execv(python, [str(python), __file__, *sys.argv[1:]])


# Preparation: bake, install the project's dependencies, migrate and seed
# ------------------------------------------------------------------------------


def bake(output):
    from cookiecutter.main import cookiecutter

    bake_dir = output / "bake"
    shutil.rmtree(bake_dir, ignore_errors=True)
    return Path(cookiecutter(str(TEMPLATE_DIR), no_input=True, output_dir=str(bake_dir), extra_context=BAKE_OPTIONS))


def install_project_dependencies(project):
    """The baked pyproject's pins, installed only when the venv does not have them already."""
    import tomllib
    from importlib import metadata

    requirements = tomllib.loads((project / "pyproject.toml").read_text())["project"]["dependencies"]
    missing = []
    for requirement in requirements:
        name, _, version = re.sub(r"\[.*\]", "", requirement).partition("==")
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            missing.append(requirement)
    if missing:
        pip_install(sys.executable, *missing)


def project_environment(project, db, variant="channels", redis_url=""):
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(BENCH_DIR), str(project)]),
        "DJANGO_SETTINGS_MODULE": "benchapp.settings",
        "BENCH_DB": str(db),
        "BENCH_VARIANT": variant,
        "REDIS_URL": redis_url,
    }


def prepare_database(project, output, rows):
    db = output / "seeded.sqlite3"
    for path in output.glob("*.sqlite3*"):
        path.unlink()
    env = project_environment(project, db)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--verbosity", "0"], cwd=project, env=env, check=True)
    subprocess.run([*manage, "bench_seed", str(rows)], cwd=project, env=env, check=True)
    return db


def database_copy(seeded, name):
    """A private copy of the seeded database, so that no variant writes where another one reads."""
    copy = seeded.with_name(f"{name}.sqlite3")
    shutil.copyfile(seeded, copy)
    return copy


# Measurement
# ------------------------------------------------------------------------------


async def interleave(results, scenario, runners, rounds, duration, servers=None):
    """One warm-up round, then ``rounds`` rounds; round r starts with the r-th variant.

    With the variants' ``servers``, each round also records the server's CPU time per operation: unlike
    rates, it hardly moves when other processes compete for the cores.
    """
    from load import LoadError

    variants = list(runners)
    cpu_started, wall_started = time.process_time(), time.monotonic()
    for number in range(-1, rounds):
        shift = number % len(variants)
        for variant in variants[shift:] + variants[:shift]:
            if variant in results.failures[scenario]:
                continue
            server = (servers or {}).get(variant)
            cpu_before = server and server.cpu_seconds()
            try:
                figures = await runners[variant](duration if number >= 0 else duration / 3)
            except (LoadError, OSError, TimeoutError) as error:
                results.fail(scenario, variant, error)
                continue
            if cpu_before is not None and figures.get("ops"):
                figures["cpu_us"] = (server.cpu_seconds() - cpu_before) / figures["ops"] * 1e6
            if number >= 0:
                results.add(scenario, variant, figures)
            progress = f"round {number + 1}/{rounds}" if number >= 0 else "warm-up"
            print(f"  {scenario:<22} {progress:<9} {variant:<10} {short(figures)}", flush=True)
    results.load_cpu[scenario] = (time.process_time() - cpu_started) / (time.monotonic() - wall_started)


def short(figures):
    return " ".join(f"{key}={value:,.1f}" for key, value in figures.items() if key != "ops")


async def opened(results, scenario, loads):
    """Open every variant's sockets; a variant that cannot be reached is recorded as failed and left out."""
    from load import LoadError

    ready = {}
    for variant, load in loads.items():
        try:
            await load.open()
        except (LoadError, OSError, TimeoutError) as error:
            results.fail(scenario, variant, error)
        else:
            ready[variant] = load
    return ready


async def measure_actions(results, urls, servers, args):
    from load import ActionLoad

    loads = await opened(results, "retrieve", {v: ActionLoad(url, args.clients, args.rows) for v, url in urls.items()})
    try:
        for action in ("ping", "retrieve", "list", "create"):
            runners = {v: (lambda d, x=load, a=action: x.round(getattr(x, a), d)) for v, load in loads.items()}
            await interleave(results, action, runners, args.rounds, args.duration, servers)
    finally:
        for load in loads.values():
            await load.close()


async def measure_fanout(results, urls, servers, args, layer):
    from load import FanOut

    for subscribers in (int(k) for k in args.fanout.split(",")):
        scenario = f"fanout {layer} K={subscribers}"
        feed = 1000 + subscribers
        loads = {v: FanOut(url, subscribers, feed, args.window) for v, url in urls.items()}
        loads = await opened(results, scenario, loads)
        try:
            runners = {v: load.round for v, load in loads.items()}
            await interleave(results, scenario, runners, args.rounds, args.duration, servers)
        finally:
            for load in loads.values():
                await load.close()


async def measure_orm(results, project, seeded, args):
    import asyncio

    from load import LoadError

    async def load_rows(variant, duration):
        env = project_environment(project, seeded, variant)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchapp.ormload", str(args.rows), "5",
            cwd=project, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
        finally:
            if process.returncode is None:  # timed out or interrupted: it must not outlive the benchmark
                process.kill()
                await process.wait()
        if process.returncode:
            raise LoadError((stderr.decode(errors="replace").strip().splitlines() or ["no output"])[-1])
        figures = json.loads(stdout)
        return {**figures, "ratio": figures["observed"] / figures["unobserved"]}

    runners = {v: (lambda d, v=v: load_rows(v, d)) for v in args.variants.split(",")}
    await interleave(results, "orm", runners, args.rounds, args.duration)


def serve(servers, project, results, variants, layer, redis_url=""):
    """One daphne per variant; returns the servers and the websocket URL of each one that came up."""
    from servers import ServerError, daphne_command

    started = {}
    for variant in variants:
        db = database_copy(project.seeded, f"{variant}-{layer}")
        env = project_environment(project.path, db, variant, redis_url)
        started[variant] = servers.start(f"daphne-{variant}-{layer}", daphne_command(), cwd=project.path, env=env)
    urls = {}
    for variant, server in started.items():
        try:
            server.wait_listening()
        except ServerError as error:
            results.fail(f"server {layer}", variant, error)
        else:
            urls[variant] = f"ws://127.0.0.1:{server.port}/ws/items/"
    return started, urls


@dataclass
class Project:
    path: Path
    seeded: Path  # the migrated, seeded database every server process gets a copy of


def versions():
    from importlib import metadata

    packages = ["django", "channels", "daphne", "djangorestframework", "channels-redis", "djangochannelsrestframework"]
    return ", ".join(f"{name} {metadata.version(name)}" for name in packages)


def template_revision():
    """The template's commit, marked when the framework (tests aside) or the benchmark has uncommitted changes."""
    framework = [str(path) for path in TEMPLATE_DIR.glob("*/*/channels_rest")]
    paths = [str(BENCH_DIR), *framework, ":(exclude,glob)**/channels_rest/tests/**"]
    try:
        commit = git("rev-parse", "--short", "HEAD")
        status = git("status", "--porcelain", "--", *paths)
    except (OSError, subprocess.CalledProcessError):
        return "template revision unknown (not a git checkout)"
    return f"template {commit}{' with uncommitted changes' if status else ''}"


def git(*arguments):
    return subprocess.run(
        ["git", "-C", str(TEMPLATE_DIR), *arguments], capture_output=True, text=True, check=True
    ).stdout.strip()


def main():
    import asyncio

    from report import Results, notes, table
    from servers import Servers, interrupt_on_sigterm, redis_command

    args = parse_args()
    interrupt_on_sigterm()
    output = args.output.resolve()
    (output / "logs").mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    print("baking the template and preparing the database", flush=True)
    project_dir = bake(output)
    install_project_dependencies(project_dir)
    variants = args.variants.split(",")
    results = Results(variants)
    project = Project(project_dir, prepare_database(project_dir, output, args.rows))
    load_before = os.getloadavg()

    with Servers(output / "logs") as servers:
        print("in-memory channel layer: one daphne per variant", flush=True)
        running, urls = serve(servers, project, results, variants, "memory")
        asyncio.run(measure_actions(results, urls, running, args))
        asyncio.run(measure_fanout(results, urls, running, args, "memory"))
        servers.stop(running.values())

        if args.no_redis:
            print("channels-redis skipped (--no-redis)")
        elif shutil.which("redis-server") is None:
            print("channels-redis skipped: no redis-server on PATH")
        else:
            print("channels-redis on a private redis-server: one daphne per variant", flush=True)
            redis_dir = output / "redis"
            redis_dir.mkdir(exist_ok=True)
            redis = servers.start("redis-server", redis_command(redis_dir))
            redis.wait_listening()
            running, urls = serve(servers, project, results, variants, "redis", f"redis://127.0.0.1:{redis.port}/0")
            asyncio.run(measure_fanout(results, urls, running, args, "redis"))

    print("ORM loading: a fresh process per variant and round", flush=True)
    asyncio.run(measure_orm(results, project_dir, project.seeded, args))

    summary = [
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {load_before[0]:.2f} before / {os.getloadavg()[0]:.2f} after, "
        f"{time.monotonic() - started:.0f}s in all",
        f"{template_revision()}; {versions()}",
        f"SQLite (WAL, synchronous=NORMAL), {args.rows} seeded rows; {args.rounds} rounds of {args.duration}s "
        f"+ 1 warm-up; {args.clients} action clients; fan-out window {args.window} saves",
    ]
    report = "\n".join([table(results), "", *(f"- {line}" for line in summary), notes(results)])
    print("\n" + report)
    (output / "results.md").write_text(report + "\n")
    (output / "results.json").write_text(json.dumps(results.as_json(), indent=1))


if __name__ == "__main__":
    if not in_bench_venv():
        enter_bench_venv()
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted: every server this run started has been stopped")
