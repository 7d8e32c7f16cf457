#!/usr/bin/env python3
"""Unit test of timely_nexmark_report.py on a hand-made two-repeat result."""

import json
import os
import subprocess
import sys
import tempfile

REPORT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "timely_nexmark_report.py")


def write_run(out, repeat, query, rate, policy, sum_p, kept, fallback=0, errors=()):
    folder = os.path.join(out, f"repeat-{repeat}", "runs")
    os.makedirs(folder, exist_ok=True)
    summary = {
        "query": query, "rate": float(rate), "policy_requested": policy,
        "sum_parallelism": sum_p, "max_parallelism": sum_p - 2,
        "final_parallelism": [1, sum_p - 2, 1], "kept_second_half": kept,
        "applied_changes": 1,
    }
    decisions = [{"fallback": i < fallback} for i in range(4)]
    with open(os.path.join(folder, f"{query}-{rate}-{policy}.json"), "w") as f:
        json.dump({"summary": summary, "decisions": decisions, "errors": list(errors)}, f)


def main():
    with tempfile.TemporaryDirectory() as out:
        for repeat, (ds2_p, st_p) in enumerate([(5, 4), (5, 6), (7, 4)], start=1):
            write_run(out, repeat, "q1", 3000, "ds2", ds2_p, 1.0)
            write_run(out, repeat, "q1", 3000, "streamtune", st_p, 0.995, fallback=1)
            # At 6000 ds2 falls behind in two repeats of three: no equal throughput.
            write_run(out, repeat, "q1", 6000, "ds2", 6, 0.9 if repeat < 3 else 1.0)
            write_run(out, repeat, "q1", 6000, "streamtune", 7, 1.0)
        text = subprocess.run([sys.executable, REPORT, out], check=True,
                              capture_output=True, text=True).stdout
    failures = []

    def expect(fragment):
        if fragment not in text:
            failures.append(f"missing {fragment!r}")

    # Medians: ds2 Σp median(5, 5, 7) = 5, streamtune median(4, 6, 4) = 4.
    expect("| q1 | 3000 | 3 | 5 / 3 | 100.0% (100.0%) | 1 | 4 / 2 | 99.5% (99.5%) | 1 | yes | 0.80 |")
    expect("| q1 | 6000 | 3 | 6 / 4 | 90.0% (90.0%) | 1 | 7 / 5 | 100.0% (100.0%) | 1 | no | 1.17 |")
    # Only the equal-throughput row counts.
    expect("q1 0.80; mean 0.800, geometric mean 0.800, highest q1 0.80.")
    expect("in 1 of 1 equal-throughput rows")
    expect("streamtune: 24 decisions, 21 by its own method, 3 by the fallback.")
    expect("Median of 3 repeats")
    # A run whose calls failed (the service lost its database) is left out,
    # named, and the report fails.
    with tempfile.TemporaryDirectory() as out:
        for repeat in (1, 2):
            write_run(out, repeat, "q1", 3000, "ds2", 4, 1.0)
            write_run(out, repeat, "q1", 3000, "streamtune", 4, 1.0)
        write_run(out, 2, "q1", 3000, "streamtune", 5, 0.4, errors=["Unavailable: postgres"])
        outage = subprocess.run([sys.executable, REPORT, out], capture_output=True, text=True)
    if outage.returncode == 0:
        failures.append("a run with failed calls must fail the report")
    for fragment in ("| q1 | 3000 | 3 | 4 / 2 | 100.0% (100.0%) | 1 | 4 / 2 | 100.0% (100.0%) | 1 | no |",
                     "1 run(s) left out",
                     "repeat-2 q1 at 3000 with streamtune: 1 failed call(s), first: "
                     "Unavailable: postgres"):
        if fragment not in outage.stdout:
            failures.append(f"outage report: missing {fragment!r}")
    with tempfile.TemporaryDirectory() as empty:
        missing = subprocess.run([sys.executable, REPORT, empty], capture_output=True, text=True)
    if missing.returncode == 0 or "no " not in missing.stderr:
        failures.append(f"an empty folder must fail with a message, got {missing!r}")
    if failures:
        print(text)
        print("\n".join(failures))
        sys.exit(1)
    print("timely_nexmark_report: ok")


if __name__ == "__main__":
    main()
