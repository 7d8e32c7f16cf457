#!/usr/bin/env python3
"""Report of bench/flink-side-by-side.sh from its output directory.

  bench/flink_side_by_side_report.py OUT_DIR [--profiles="step trace"]
      [--repeats=N] [--tuners="streamtune ds2 flink-autoscaler"]
      [--time-scale=12] [--timelines]

Per (profile, tuner): the median over the repeats of reconfigurations (changes
of the running parallelism between two polls of Flink), mean and final total
parallelism, max source backlog, and seconds backpressured (the integral over
the run of the largest per-vertex mean backPressuredTimeMsPerSecond / 1000),
plus the agent's answers: from a model, DS2 fallbacks, and others (warm-up).
Then, for the streamtune runs, how the models' bottleneck predictions compare
with what Flink showed; --timelines adds every run's decisions.
"""
import argparse
import datetime
import json
import os
import re
import statistics

BUSY_MS = 700  # observed bottleneck: busy at least this many ms/s, ...
BP_MS = 300  # ... backpressured less than this, its input's vertex more
AFTER_S = 30  # "after" a decision: the poll this many seconds later
# Flink reports every vertex 1000 ms/s busy while its tasks (re)initialise:
# polls this soon after the start or a parallelism change show nothing.
SETTLE_S = 15
DRAINED = 100  # records: a backlog below this counts as worked off


def load_polls(path):
    start, rows = None, []
    for line in open(path):
        r = json.loads(line)
        if "start" in r:
            start = r["start"]
        elif "p" in r:
            rows.append(r)
    return start, rows


def load_answers(path):
    if not os.path.exists(path):
        return []
    text = open(path).read().strip()
    if not text:
        return []
    return json.loads(text).get("recommendations", [])


def epoch(ts):
    ts = ts.rstrip("Z")
    if "." in ts:
        head, frac = ts.split(".")
        ts = f"{head}.{frac[:6]}"
        fmt = "%Y-%m-%dT%H:%M:%S.%f"
    else:
        fmt = "%Y-%m-%dT%H:%M:%S"
    return datetime.datetime.strptime(ts, fmt).replace(
        tzinfo=datetime.timezone.utc).timestamp()


def kind(answer):
    if answer.get("fallback"):
        return "fallback"
    if answer.get("model_id"):
        return "model"
    return "other"


def run_metrics(polls, answers):
    configs, last = 0, None
    for r in polls:
        p = tuple(sorted(r["p"].items()))
        if last is not None and p != last:
            configs += 1
        last = p
    totals = [sum(r["p"].values()) for r in polls]
    # The harness's source starts behind its schedule (the MiniCluster's
    # start): backlog and backpressure count from when that backlog was
    # first worked off, the same rule for every tuner.
    first = next((i for i, r in enumerate(polls) if r.get("pending", DRAINED) < DRAINED), 0)
    steady = polls[first:]
    bp_s, prev_t = 0.0, None
    for r in steady:
        worst = max((v or 0) for v in r.get("bp", {}).values()) if r.get("bp") else 0
        if prev_t is not None:
            bp_s += min(r["t"] - prev_t, 5.0) * worst / 1000.0
        prev_t = r["t"]
    kinds = [kind(a) for a in answers]
    return {
        "reconfigurations": configs,
        "final": totals[-1] if totals else 0,
        "mean": sum(totals) / len(totals) if totals else 0,
        "backlog": max((r.get("pending", 0) for r in steady), default=0),
        "drained_at": polls[first]["t"] if polls else 0,
        "backpressured_s": bp_s,
        "model": kinds.count("model"),
        "fallback": kinds.count("fallback"),
        "other": kinds.count("other"),
    }


def observed(row):
    """Vertices Flink shows as bottlenecks in one poll (by name): busy with
    their own work while the vertex feeding them is backpressured, i.e. its
    output waits for them. The harness's job is a chain, so the vertex
    feeding one is the one before it in Flink's (topological) list."""
    out = set()
    names = list(row.get("busy", {}))
    for up, name in zip(names, names[1:]):
        busy = row["busy"].get(name)
        bp = row.get("bp", {}).get(name) or 0
        up_bp = row.get("bp", {}).get(up) or 0
        if busy is not None and busy >= BUSY_MS and bp < BP_MS and up_bp >= BP_MS:
            out.add(name)
    return out


def settled(polls):
    """The polls at least SETTLE_S after the start and every reconfiguration."""
    out, last, since = [], None, 0.0
    for r in polls:
        if last is not None and r["p"] != last:
            since = r["t"]
        last = r["p"]
        if r["t"] - since >= SETTLE_S:
            out.append(r)
    return out


def poll_at(polls, t, before=True):
    cands = [r for r in polls if (r["t"] <= t if before else r["t"] >= t)]
    if not cands:
        return None
    r = cands[-1] if before else cands[0]
    return r if abs(r["t"] - t) <= 6 else None


def compare(start, polls, answers, confusion, per_op, lines):
    """Predicted vs observed bottlenecks for each model answer of one run."""
    polls = settled(polls)
    for a in answers:
        if kind(a) != "model":
            continue
        t = epoch(a["created_at"]) - start
        now = poll_at(polls, t)
        if now is None:
            continue
        names = now["ids"]
        seen = observed(now)
        later = poll_at(polls, t + AFTER_S, before=False) if a.get("apply") else None
        seen_after = observed(later) if later else None
        pred_now, pred_after = set(), set()
        for op in a.get("operators", []):
            name = names.get(op["operator_id"], op["operator_id"])
            p_now = op.get("bottleneck_probability_current")
            p_rec = op.get("bottleneck_probability_recommended")
            if p_now is None:
                continue
            hit = p_now >= 0.5
            if hit:
                pred_now.add(name)
            stage = "fine-tuned" if "fine-tuned" in a.get("reason", "") else "pre-trained"
            key = ("now", hit, name in seen)
            skey = (stage, hit, name in seen)
            confusion[skey] = confusion.get(skey, 0) + 1
            confusion[key] = confusion.get(key, 0) + 1
            stats = per_op.setdefault(name, {"tp": 0, "fp": 0, "fn": 0, "tn": 0, "p": []})
            stats[{(True, True): "tp", (True, False): "fp", (False, True): "fn",
                   (False, False): "tn"}[(hit, name in seen)]] += 1
            stats["p"].append(p_now)
            if seen_after is not None and p_rec is not None:
                hit_after = p_rec >= 0.5
                if hit_after:
                    pred_after.add(name)
                key = ("after", hit_after, name in seen_after)
                confusion[key] = confusion.get(key, 0) + 1
        if a.get("apply") or pred_now != seen:
            lines.append(
                f"{t:6.0f} s  apply={str(bool(a.get('apply'))).lower():5}  "
                f"predicted {sorted(pred_now) or '-'}  Flink {sorted(seen) or '-'}"
                + (f"  | after {AFTER_S} s: predicted {sorted(pred_after) or '-'}"
                   f" Flink {sorted(seen_after) or '-'}" if seen_after is not None else "")
                + f"  ({a.get('reason', '')[:110]})")


def model_sizes(polls, answers):
    """Per operator, the model's own parallelism against the running one over
    the run's model answers ("running->model xcount", repeats merged)."""
    names = polls[-1]["ids"] if polls else {}
    seqs = {}
    for a in answers:
        if kind(a) != "model":
            continue
        for op in a.get("operators", []):
            m = re.search(r"\bmodel (\d+)", op.get("reason", ""))
            if not m:
                continue
            pair = f"{op['current_parallelism']}->{m.group(1)}"
            seq = seqs.setdefault(names.get(op["operator_id"], op["operator_id"]), [])
            if seq and seq[-1][0] == pair:
                seq[-1][1] += 1
            else:
                seq.append([pair, 1])
    return [f"{name}: " + ", ".join(f"{p} x{n}" for p, n in seq)
            for name, seq in sorted(seqs.items())]


def timeline(polls):
    out, last = [], None
    for r in polls:
        p = r["p"]
        if last is not None and p != last:
            changes = ", ".join(f"{k} {last.get(k)}->{v}" for k, v in p.items() if last.get(k) != v)
            out.append(f"{r['t']:6.0f} s  {changes}  (backlog {r.get('pending', 0):.0f})")
        last = p
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--profiles", default="step trace")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--tuners", default="streamtune ds2 flink-autoscaler")
    ap.add_argument("--time-scale", default="12")
    ap.add_argument("--timelines", action="store_true")
    args = ap.parse_args()
    label = {"streamtune": "streamtune (agent, learned models)", "ds2": "ds2 (agent)",
             "flink-autoscaler": f"Flink autoscaler (library, windows / {args.time_scale})"}
    confusion, per_op, details = {}, {}, []
    for profile in args.profiles.split():
        print(f"\nProfile `{profile}` (median over the runs):\n")
        print("| tuner | runs | reconfigurations | mean total parallelism | final total parallelism "
              "| max source backlog (records) | backpressured (s) | answers: model / fallback / other (all runs) |")
        print("|---|---:|---:|---:|---:|---:|---:|---|")
        for tuner in args.tuners.split():
            runs = []
            for repeat in range(1, args.repeats + 1):
                name = f"{profile}-{repeat}-{tuner}"
                path = os.path.join(args.out, name + ".jsonl")
                if not os.path.exists(path):
                    continue
                start, polls = load_polls(path)
                answers = load_answers(os.path.join(args.out, name + "-recommendations.json"))
                runs.append(run_metrics(polls, answers))
                if tuner == "streamtune" and start is not None:
                    lines = []
                    compare(start, polls, answers, confusion, per_op, lines)
                    details.append((name, lines + ["model's own parallelism, running->model:"] +
                                    ["  " + x for x in model_sizes(polls, answers)],
                                    timeline(polls)))
                elif args.timelines:
                    details.append((name, [], timeline(polls)))
            if not runs:
                continue
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            if tuner == "flink-autoscaler":
                answers = "n/a"
            elif tuner == "streamtune":
                answers = " / ".join(str(sum(r[k] for r in runs))
                                     for k in ("model", "fallback", "other"))
            else:
                answers = f"{sum(r['other'] + r['fallback'] for r in runs)} rule-based"
            print(f"| {label.get(tuner, tuner)} | {len(runs)} | {med['reconfigurations']:g} | {med['mean']:.2f} "
                  f"| {med['final']:g} | {med['backlog']:.0f} | {med['backpressured_s']:.0f} | {answers} |")
    if confusion:
        print("\nStreamTune's bottleneck predictions (P >= 0.5) vs Flink "
              f"(busy >= {BUSY_MS} ms/s, backpressured < {BP_MS} ms/s, the vertex feeding it "
              f"backpressured >= {BP_MS} ms/s), operator-decisions:\n")
        print("| when | predicted & seen | predicted, not seen | seen, not predicted | neither |")
        print("|---|---:|---:|---:|---:|")
        for when, text in (("now", "at the decision"),
                           ("pre-trained", "... answered by a pre-trained (cluster) model"),
                           ("fine-tuned", "... answered by the job's fine-tuned model"),
                           ("after", f"{AFTER_S} s after an applied one, at the new parallelism")):
            c = [confusion.get((when, h, s), 0) for h, s in ((True, True), (True, False),
                                                             (False, True), (False, False))]
            print(f"| {text} | " + " | ".join(str(x) for x in c) + " |")
        print("\n| operator | predicted & seen | predicted, not seen | seen, not predicted "
              "| neither | median P(bottleneck) |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, s in sorted(per_op.items()):
            print(f"| {name} | {s['tp']} | {s['fp']} | {s['fn']} | {s['tn']} "
                  f"| {statistics.median(s['p']):.3f} |")
    if args.timelines:
        for name, lines, reconfs in details:
            print(f"\n### {name}\n\nreconfigurations seen by polling Flink:\n")
            print("\n".join("    " + l for l in reconfs) or "    none")
            if lines:
                print("\nmodel answers (applied, or predicted != seen):\n")
                print("\n".join("    " + l for l in lines))


if __name__ == "__main__":
    main()
