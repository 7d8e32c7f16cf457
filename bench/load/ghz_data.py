#!/usr/bin/env python3
"""Writes the request array ghz sends to streamtune.v1.StreamTune/Recommend.

    bench/load/ghz_data.py --jobs=1000 --operators=20 --policy=ds2 \
        --id-prefix=d --first-step=3 > ds2.json

One SnapshotRequest per job (job ids ghz-job-0000 ...), as a JSON array that
starts with '[' (ghz only treats --data-file as an array then). ghz sends the
elements round-robin, element RequestNumber % jobs for call RequestNumber, and
renders each one as a Go template first, so call n is snapshot
`<id-prefix><n>` of job n % jobs, observed at step first_step + n / jobs
(T0 + 60 s per step): every call is a new snapshot of a long-running job, one
minute after that job's previous one, with history and (for streamtune) a
fine-tuned model from earlier steps.

Each job is a chain of --operators operators (source, maps, filters,
flat-maps, keyed and window aggregates, sink), its shape, capacities,
parallelism and source rate drawn from a seed per job. Metrics follow the
simulated engine's noise-free capacity model (docs/simulator.md sections 2-4,
as client/examples/README.md derives its snapshots): capacity p * c (no
per-instance overhead, no key skew), the source rate throttled by the
tightest operator, backpressure on that operator's upstream, the source's
backlog after one 60 s window.
"""

import argparse
import json
import random
import sys

T0 = 1704067200  # 2024-01-01T00:00:00Z, as client/examples.
WINDOW_S = 60

# (kind, selectivity range, input partitioning)
MIDDLE_KINDS = [
    ("OPERATOR_KIND_MAP", (1.0, 1.0), "PARTITIONING_FORWARD"),
    ("OPERATOR_KIND_FILTER", (0.7, 0.95), "PARTITIONING_FORWARD"),
    ("OPERATOR_KIND_FLAT_MAP", (1.0, 1.4), "PARTITIONING_REBALANCE"),
    ("OPERATOR_KIND_PROCESS", (1.0, 1.0), "PARTITIONING_REBALANCE"),
    ("OPERATOR_KIND_KEYED_AGGREGATE", (0.8, 1.0), "PARTITIONING_HASH"),
    ("OPERATOR_KIND_WINDOW_AGGREGATE", (0.8, 1.0), "PARTITIONING_HASH"),
]


def r3(x):
    return round(x, 3)


def job_snapshot(job, operators, first_step, id_prefix, jobs):
    rng = random.Random(job)
    rate = rng.uniform(5000, 50000)  # the source's demand, records/s
    ops = [("source", "OPERATOR_KIND_SOURCE", 1.0, None)]
    for i in range(1, operators - 1):
        kind, (lo, hi), part = rng.choice(MIDDLE_KINDS)
        name = kind.removeprefix("OPERATOR_KIND_").lower()
        ops.append((f"op{i}_{name}", kind, rng.uniform(lo, hi), part))
    ops.append(("sink", "OPERATOR_KIND_SINK", 0.0, "PARTITIONING_FORWARD"))

    demand, capacity, parallelism = [], [], []
    d = rate
    for _, kind, sel, _ in ops:
        demand.append(d)
        p = rng.randint(1, 8)
        # Per-instance capacity: most operators comfortable, some tight.
        c = d / p * rng.uniform(0.8, 4.0)
        parallelism.append(p)
        capacity.append(p * c)
        d *= sel if kind != "OPERATOR_KIND_SINK" else 1.0
    f = min(1.0, min(c / dm for c, dm in zip(capacity, demand)))
    bottleneck = min(range(len(ops)), key=lambda i: capacity[i] / demand[i])
    throttled = f < 0.999

    out_ops, edges = [], []
    for i, (op_id, kind, sel, part) in enumerate(ops):
        actual_in = f * demand[i]
        busy = 1000.0 * min(1.0, actual_in / capacity[i])
        bp = 1000.0 - busy if throttled and i < bottleneck else 0.0
        metrics = {
            "records_in_per_s": r3(actual_in),
            "records_out_per_s": r3(0.0 if kind == "OPERATOR_KIND_SINK" else actual_in * sel),
            "busy_ms_per_s_max": r3(busy),
            "busy_ms_per_s_avg": r3(busy),
            "backpressured_ms_per_s_max": r3(bp),
            "idle_ms_per_s_avg": r3(max(0.0, 1000.0 - busy - bp)),
        }
        if kind == "OPERATOR_KIND_SOURCE":
            metrics["records_out_per_s"] = r3(actual_in)
            metrics["pending_records"] = r3((rate - actual_in) * WINDOW_S)
            metrics["backlog_signal"] = "BACKLOG_SIGNAL_PENDING_RECORDS"
        out_ops.append({
            "id": op_id,
            "name": op_id,
            "kind": kind,
            "parallelism": parallelism[i],
            "max_parallelism": 128,
            "metrics": metrics,
        })
        if i > 0:
            edges.append({"from": ops[i - 1][0], "to": op_id, "partitioning": part})

    # Go templates, rendered by ghz per call (text/template with sprig).
    step = f"(add {first_step} (div .RequestNumber {jobs}))"
    return {
        "policy": "{{POLICY}}",
        "snapshot": {
            "job_id": f"ghz-job-{job:04d}",
            "snapshot_id": id_prefix + "{{.RequestNumber}}",
            "engine": "ENGINE_SIMULATED",
            "semantics": "METRIC_SEMANTICS_FLINK",
            "observed_at": "{{dateInZone `2006-01-02T15:04:05Z` "
                           f"(add {T0} (mul {WINDOW_S} {step})) `UTC`}}}}",
            "window_s": WINDOW_S,
            # Running since an hour before step 0: never stabilising.
            "seconds_since_restart": f"{{{{add 3600 (mul {WINDOW_S} {step})}}}}",
            "operators": out_ops,
            "edges": edges,
        },
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--operators", type=int, default=20)
    parser.add_argument("--policy", default="")
    parser.add_argument("--id-prefix", default="g",
                        help="snapshot id prefix; one per ghz run, [A-Za-z0-9._:-]")
    parser.add_argument("--first-step", type=int, default=0,
                        help="step (minute) of the run's first call of each job")
    parser.add_argument("--plain-job", type=int, default=-1,
                        help="instead: that job's snapshot as one plain "
                             "streamtune.v1.Snapshot (no templates), the base "
                             "streamtune-load --snapshot reads")
    args = parser.parse_args()
    if args.plain_job >= 0:
        snapshot = job_snapshot(args.plain_job, args.operators, 0, "s", 1)["snapshot"]
        snapshot.update(job_id="load-base", snapshot_id="s0",
                        observed_at="2024-01-01T00:00:00Z", seconds_since_restart=3600)
        json.dump(snapshot, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return
    if args.jobs < 1 or args.operators < 2 or args.first_step < 0:
        parser.error("--jobs >= 1, --operators >= 2, --first-step >= 0")
    requests = []
    for job in range(args.jobs):
        request = job_snapshot(job, args.operators, args.first_step, args.id_prefix,
                               args.jobs)
        request["policy"] = args.policy
        requests.append(request)
    json.dump(requests, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
