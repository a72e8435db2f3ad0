"""`make benchmark`: this assistant against the Rasa starter bot, side by side in one run.

Starts both bots (scripts/benchmark_services.py), drives both with the same load tool
(scripts/benchmark_load.py) over Rasa's REST channel and prints:

* msg/s, p50 and p95 for whole conversations, 1 and 10 at a time without pauses,
  and the ratio of the assistant to the starter bot;
* capacity as a person feels it: how many conversations at once, each waiting about
  8 s (6 to 10 s) before every message, keep p95 under 1 s;
* resident memory (RSS now and peak) per process: Rasa server, action server (and
  this assistant's handoff service, which the starter bot does not have);
* the machine's load average before and after (other work on the same cores makes
  every figure worse).

The phases alternate between the bots (starter, assistant, starter, ...) so a
change in the machine's load hits both. Times are noisy: this is a report, not a
test; `make test` only checks that a tiny run works (tests/test_benchmark.py).

    .venv/bin/python scripts/benchmark.py                 # the full run (about 10 minutes)
    .venv/bin/python scripts/benchmark.py --quick         # a tiny run (seconds of load)
    .venv/bin/python scripts/benchmark.py --bots zelfscan --no-capacity
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import benchmark_load as load  # noqa: E402
import benchmark_services as services  # noqa: E402

THINK = (6.0, 10.0)  # seconds a person reads and types before each message
P95_LIMIT_MS = 1000.0


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def mib(kib: int) -> str:
    return f"{kib / 1024:,.0f} MiB"


class Run:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.bots: Dict[str, services.Bot] = {}
        self.results: Dict[str, Any] = {"load_before": loadavg(), "cores": os.cpu_count(), "phases": {},
                                        "capacity": {}, "memory": {}}
        self.out = services.BUILD / "benchmark"

    def log(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def start(self) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        wanted = [(name, None) for name in self.args.bots]
        wanted += [tuple(v.split("=", 1)) for v in self.args.variant]
        for label, off in wanted:
            workdir = self.out / f"{stamp}-{label}"
            self.log(f"Starting {label} (logs in {workdir.relative_to(services.ROOT)})")
            if label == "starter":
                bot: services.Bot = services.Starter(workdir)
            else:
                bot = services.Zelfscan(workdir, extra_env={"ZELFSCAN_RASA_PATCHES_OFF": off} if off else None)
            self.bots[label] = bot
            bot.start()

    def stop(self) -> None:
        for bot in self.bots.values():
            bot.stop()

    def closed(self, name: str, conversations: int, concurrency: int) -> Dict[str, Any]:
        bot = self.bots[name]
        stats, wall = asyncio.run(load.closed_loop(bot.url, bot.name, conversations, concurrency,
                                                   length=self.args.starter_length, issued_ids=bot.issued_ids))
        result = load.summary(stats, wall)
        result.update(wall_s=wall, concurrency=concurrency, load=loadavg(), first_errors=stats.errors[:3])
        self.log(f"  {name:9} {concurrency:2} at a time: {result['messages']} messages in {wall:.1f} s, "
                 f"{result['msg_per_s']:.1f} msg/s, p50 {result['p50_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms, "
                 f"{result['completed']}/{result['conversations']} completed, {result['errors']} errors "
                 f"(load {loadavg()})")
        return result

    def paced(self, name: str, people: int) -> Dict[str, Any]:
        bot = self.bots[name]
        stats = asyncio.run(load.paced(bot.url, bot.name, people, self.args.capacity_seconds, THINK,
                                       warmup=THINK[1], length=self.args.starter_length,
                                       issued_ids=bot.issued_ids))
        result = load.summary(stats, self.args.capacity_seconds - THINK[1])
        result.update(people=people, load=loadavg())
        ok = result["errors"] == 0 and result["messages"] > 0 and result["p95_ms"] < P95_LIMIT_MS
        result["ok"] = ok
        self.log(f"  {name:9} {people:3} people (~8 s between messages): {result['messages']} answers, "
                 f"p50 {result['p50_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms, {result['errors']} errors: "
                 f"{'under' if ok else 'NOT under'} 1 s")
        return result

    def capacity(self, name: str, estimate_msg_per_s: float) -> Dict[str, Any]:
        """Step the number of people up from about half the estimate until p95 passes 1 s."""
        # one person sends one message per ~8 s, so the throughput bound is msg/s * 8
        bound = max(2, estimate_msg_per_s * sum(THINK) / 2)
        levels = sorted({max(1, int(round(bound * f))) for f in self.args.capacity_steps})
        passed: Optional[Dict[str, Any]] = None
        failed: Optional[Dict[str, Any]] = None
        for people in levels:
            result = self.paced(name, people)
            if result["ok"]:
                passed = result
            else:
                failed = result
                break
        people = levels[0]
        while passed is None and people > 1:  # even the lowest level was too much: step down
            people = max(1, people // 2)
            levels.append(people)
            result = self.paced(name, people)
            if result["ok"]:
                passed = result
        return {"people": passed["people"] if passed else 0, "passed": passed, "failed": failed,
                "levels": levels}

    def run(self) -> Dict[str, Any]:
        a = self.args
        self.start()
        phases: Dict[str, Dict[str, Any]] = self.results["phases"]
        for name in self.bots:  # warm-up: first messages load lazy parts (not measured)
            asyncio.run(load.closed_loop(self.bots[name].url, self.bots[name].name, 1, 1, length=4,
                                         issued_ids=self.bots[name].issued_ids))
        self.results["memory_idle"] = {n: b.memory() for n, b in self.bots.items()}
        for concurrency, conversations in ((1, a.conversations_1), (10, a.conversations_10)):
            self.log(f"Whole conversations, {concurrency} at a time:")
            for name in self.bots:
                phases.setdefault(name, {})[str(concurrency)] = self.closed(name, conversations, concurrency)
        if a.capacity:
            self.log("Capacity: people at once, each ~8 s between messages, p95 under 1 s:")
            for name in [n for n in self.bots if n in ("starter", "zelfscan")]:
                estimate = phases[name]["10"]["msg_per_s"]
                self.results["capacity"][name] = self.capacity(name, estimate)
        self.results["memory"] = {n: b.memory() for n, b in self.bots.items()}
        self.results["load_after"] = loadavg()
        return self.results


def table(results: Dict[str, Any]) -> str:
    phases = results["phases"]
    names = [n for n in ("starter", "zelfscan") if n in phases] + [n for n in phases if n not in ("starter", "zelfscan")]
    label = {"starter": "starter bot (`rasa init`)", "zelfscan": "this assistant, whole scan"}
    for n in names:
        label.setdefault(n, f"this assistant, {n}")
    lines = ["| | msg/s, 1 at a time | p50 | p95 | msg/s, 10 at a time | p50 at 10 | p95 at 10 |",
             "|---|---|---|---|---|---|---|"]
    for n in names:
        one, ten = phases[n]["1"], phases[n]["10"]
        lines.append(f"| {label[n]} | {one['msg_per_s']:.1f} | {one['p50_ms']:,.0f} ms | {one['p95_ms']:,.0f} ms "
                     f"| {ten['msg_per_s']:.1f} | {ten['p50_ms']:,.0f} ms | {ten['p95_ms']:,.0f} ms |")
    for n in names:
        if n == "starter" or "starter" not in phases:
            continue
        s, z = phases["starter"], phases[n]

        def r(key: str, c: str, z: Dict[str, Any] = z, s: Dict[str, Any] = s) -> str:
            return f"{z[c][key] / s[c][key]:.2f}×" if s[c][key] else "–"
        who = "assistant" if n == "zelfscan" else n
        lines.append(f"| ratio {who} / starter | {r('msg_per_s', '1')} | {r('p50_ms', '1')} | {r('p95_ms', '1')} "
                     f"| {r('msg_per_s', '10')} | {r('p50_ms', '10')} | {r('p95_ms', '10')} |")
    return "\n".join(lines)


def memory_table(results: Dict[str, Any]) -> str:
    lines = ["| process | starter bot: RSS after the run (peak) | this assistant: RSS after the run (peak) |",
             "|---|---|---|"]
    mem = results["memory"]
    for key, label in (("rasa", "Rasa server"), ("actions", "action server"), ("handoff", "handoff service")):
        cells = []
        for n in ("starter", "zelfscan"):
            m = mem.get(n, {}).get(key)
            cells.append(f"{mib(m['rss'])} ({mib(m['peak'])})" if m else "–")
        lines.append(f"| {label} | {cells[0]} | {cells[1]} |")
    totals = []
    for n in ("starter", "zelfscan"):
        m = mem.get(n, {})
        totals.append(mib(sum(v["rss"] for v in m.values())) if m else "–")
    lines.append(f"| all processes | {totals[0]} | {totals[1]} |")
    return "\n".join(lines)


def capacity_lines(results: Dict[str, Any]) -> str:
    lines = []
    for n, c in results["capacity"].items():
        p, f = c["passed"], c["failed"]
        text = f"- {n}: {c['people']} conversations at once"
        if p:
            text += f" (p95 {p['p95_ms']:,.0f} ms, p50 {p['p50_ms']:,.0f} ms"
        if f:
            text += f"; {f['people']} gave p95 {f['p95_ms']:,.0f} ms"
        elif p:
            text += f"; the highest level tried, {c['levels'][-1]}, still passed"
        lines.append(text + (")" if p else ""))
    return "\n".join(lines)


def parse(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="a tiny run that only shows the benchmark works")
    p.add_argument("--bots", nargs="+", choices=("starter", "zelfscan"), default=["starter", "zelfscan"])
    p.add_argument("--conversations-1", type=int, default=3, help="conversations one at a time")
    p.add_argument("--conversations-10", type=int, default=20, help="conversations 10 at a time")
    p.add_argument("--variant", action="append", default=[], metavar="LABEL=PATCHES",
                   help="also run this assistant with some Rasa patches off (zelfscan_runtime/rasa_patches.py), "
                        "e.g. before=all or old_validator=validator; repeatable")
    p.add_argument("--no-capacity", dest="capacity", action="store_false")
    p.add_argument("--capacity-seconds", type=float, default=40.0, help="length of one capacity step")
    p.add_argument("--capacity-steps", type=float, nargs="+", default=[0.5, 0.75, 1.0, 1.25],
                   help="people as fractions of msg/s at 10 × 8 s")
    p.add_argument("--starter-length", type=int, default=26, help="messages per starter-bot conversation "
                   "(a whole scan is 25 to 27)")
    p.add_argument("--json", type=Path, default=services.BUILD / "benchmark" / "result.json")
    args = p.parse_args(argv)
    if args.quick:
        args.conversations_1, args.conversations_10 = 1, 2
        args.capacity_seconds, args.capacity_steps = THINK[1] + 6, [0.2]
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse(argv)
    run = Run(args)
    try:
        results = run.run()
    finally:
        run.stop()
    errors = sum(ph["errors"] for bot in results["phases"].values() for ph in bot.values())
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, default=str))
    print()
    print(f"Benchmark on {results['cores']} cores, load average {results['load_before']} before and "
          f"{results['load_after']} after (1, 5, 15 min){' - quick run' if args.quick else ''}")
    print()
    print(table(results))
    if results["capacity"]:
        print()
        print("Capacity (each person waits 6-10 s before every message; p95 under 1 s):")
        print(capacity_lines(results))
    print()
    print(memory_table(results))
    print()
    shown = args.json.resolve()
    shown = shown.relative_to(services.ROOT) if services.ROOT in shown.parents else shown
    print(f"Errors: {errors}. Details: {shown}")
    return 1 if errors or any(math.isnan(ph["p50_ms"]) for bot in results["phases"].values()
                              for ph in bot.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
