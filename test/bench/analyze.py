#!/usr/bin/env python3
"""Evaluates the failover benchmark's logs (test/bench/failover calls it; stdlib only).

  analyze.py trial --probe FILE --fault-ns NS --end-ns NS --old NODE \
                   --monitor NODE=FILE ... [--kind K --trial I --load L]
      one JSON object (one line) for one trial, on stdout
  analyze.py summary --timing-label TEXT FILE
      min / median / max per kind and the duplicate-VIP findings for the JSON lines in FILE

Failover time = end of the first probe attempt answered by a node other than the old
holder − the fault time (BENCHMARKING.md). VIP holders come from `ip -ts monitor address`
in every node namespace, started before the daemons, so every node starts without the VIP
and every add and delete is seen; "duplicate" = two or more nodes' eth0 carry the VIP at
the same moment by those timestamps.
"""
import argparse
import datetime
import json
import re
import statistics
import sys

MON_RE = re.compile(r"^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)\]\s+(Deleted\s+)?\d+:\s+\S+\s+inet\s+(\S+)/")


def ms(ns):
    return None if ns is None else round(ns / 1e6, 1)


def read_probe(path):
    rows, summary = [], ""
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                summary = line[1:].strip()
                continue
            parts = line.split()
            if len(parts) == 4:
                rows.append((int(parts[0]), int(parts[1]), int(parts[2]), parts[3]))
    return rows, summary


def read_monitor(path, vip):
    """[(t_ns, +1 add | -1 delete)] for the VIP; ip -ts stamps are UTC (TZ=UTC)."""
    events = []
    with open(path) as f:
        for line in f:
            m = MON_RE.match(line)
            if not m or m.group(3) != vip:
                continue
            stamp = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f")
            stamp = stamp.replace(tzinfo=datetime.timezone.utc)
            t_ns = int(stamp.timestamp()) * 10**9 + stamp.microsecond * 1000
            events.append((t_ns, -1 if m.group(2) else +1))
    return events


def holder_overlaps(monitors, end_ns):
    """Intervals in which two or more nodes hold the VIP: [(start, end, [nodes])]."""
    merged = sorted((t, kind, node) for node, evs in monitors.items() for t, kind in evs)
    held, out, open_since = set(), [], None
    for t, kind, node in merged:
        if kind > 0:
            held.add(node)
        else:
            held.discard(node)
        if len(held) >= 2 and open_since is None:
            open_since, who = t, sorted(held)
        elif len(held) >= 2:
            who = sorted(set(who) | held)
        elif open_since is not None:
            out.append((open_since, t, who))
            open_since = None
    if open_since is not None:
        out.append((open_since, end_ns, who + ["still at the end"]))
    return out


def trial(a):
    rows, probe_summary = read_probe(a.probe)
    fault = a.fault_ns
    monitors = {}
    for spec in a.monitor:
        node, path = spec.split("=", 1)
        monitors[node] = read_monitor(path, a.vip)
    nodes = set(monitors)

    new_node, failover_ns = None, None
    for end, _start, _seq, outcome in rows:
        if end > fault and outcome in nodes and outcome != a.old:
            new_node, failover_ns = outcome, end - fault
            break
    # The outcome changes from just before the fault to shortly after the failover.
    timeline = []
    before = [r for r in rows if r[0] <= fault]
    if before:
        timeline.append((before[-1][3], ms(before[-1][0] - fault)))
    horizon = fault + (failover_ns or 0) + 2 * 10**9
    timeline += [(r[3], ms(r[0] - fault)) for r in rows if fault < r[0] <= horizon]

    old_del = next((t for t, k in monitors.get(a.old, []) if k < 0 and t > fault), None)
    new_add = None
    if new_node:
        new_add = next((t for t, k in monitors[new_node] if k > 0 and t > fault), None)
    overlaps = holder_overlaps(monitors, a.end_ns)
    still = [n for n, evs in monitors.items() if sum(k for _, k in evs) > 0]

    result = {
        "kind": a.kind, "trial": a.trial, "load": a.load, "old": a.old, "new": new_node,
        "failover_ms": ms(failover_ns),
        "observed_ms": ms(a.end_ns - fault),
        "old_vip_deleted_ms": ms(None if old_del is None else old_del - fault),
        "new_vip_added_ms": ms(None if new_add is None else new_add - fault),
        "vip_gap_ms": ms(new_add - old_del) if (old_del and new_add) else None,
        "duplicates": [{"from_ms": ms(s - fault), "overlap_ms": ms(e - s), "nodes": w}
                       for s, e, w in overlaps],
        "holders_at_end": sorted(still),
        "timeline": timeline,
        "probe": probe_summary,
    }
    print(json.dumps(result))


def fmt(v):
    return "-" if v is None else f"{v:.1f}"


def describe(r):
    dup = "none" if not r["duplicates"] else "; ".join(
        f"{d['overlap_ms']:.1f} ms at {d['from_ms']:+.1f} ms ({','.join(d['nodes'])})"
        for d in r["duplicates"])
    fo = (f"{r['failover_ms']:.1f} ms" if r["failover_ms"] is not None
          else f"none within {r['observed_ms']:.0f} ms")
    tl = " ".join(f"{o}@{t:+.1f}" for o, t in r["timeline"][:12])
    if len(r["timeline"]) > 12:
        tl += " ..."
    return (f"{r['kind']} #{r['trial']}: {r['old']} -> {r['new'] or '?'} failover {fo}; "
            f"VIP deleted on {r['old']} {fmt(r['old_vip_deleted_ms'])} ms, added on "
            f"{r['new'] or '?'} {fmt(r['new_vip_added_ms'])} ms (gap {fmt(r['vip_gap_ms'])} ms); "
            f"duplicate VIP: {dup}; holders at end: {' '.join(r['holders_at_end']) or '-'}; "
            f"load {r['load']}\n      probe: {tl}\n      {r['probe']}")


def summary(a):
    results = [json.loads(line) for line in open(a.file) if line.strip()]
    kinds = []
    for r in results:
        if r["kind"] not in kinds:
            kinds.append(r["kind"])
    print("raw per trial (ms after the fault):")
    for r in results:
        print("  " + describe(r))
    print("summary:")
    for kind in kinds:
        rs = [r for r in results if r["kind"] == kind]
        times = [r["failover_ms"] for r in rs if r["failover_ms"] is not None]
        missing = len(rs) - len(times)
        if times:
            line = (f"{kind}: n={len(times)} min={min(times):.1f} median={statistics.median(times):.1f} "
                    f"max={max(times):.1f} ms ({a.timing_label})")
        else:
            line = f"{kind}: n=0 ({a.timing_label})"
        if missing:
            line += f"; {missing} trial(s) without a failover"
        print(line)
        print(f"  raw: {' '.join(fmt(r['failover_ms']) for r in rs)}")
        dups = [r for r in rs if r["duplicates"]]
        if not dups:
            print(f"  duplicate VIP: none ({len(rs)}/{len(rs)} trials never had the VIP on two nodes)")
        else:
            worst = max(d["overlap_ms"] for r in dups for d in r["duplicates"])
            open_end = sum(1 for r in dups if any("still at the end" in d["nodes"] for d in r["duplicates"]))
            print(f"  duplicate VIP: {len(dups)}/{len(rs)} trials, longest overlap {worst:.1f} ms: " +
                  ", ".join(f"#{r['trial']} " + "+".join(f"{d['overlap_ms']:.1f}" for d in r["duplicates"])
                            for r in dups) +
                  (f"; in {open_end} of them two nodes still held it when the observation ended"
                   if open_end else ""))
        gaps = [r["vip_gap_ms"] for r in rs if r["vip_gap_ms"] is not None]
        if gaps:
            print(f"  VIP gap (new holder's add − old holder's delete): min={min(gaps):.1f} "
                  f"median={statistics.median(gaps):.1f} max={max(gaps):.1f} ms")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("trial")
    t.add_argument("--probe", required=True)
    t.add_argument("--fault-ns", type=int, required=True)
    t.add_argument("--end-ns", type=int, required=True)
    t.add_argument("--old", required=True)
    t.add_argument("--monitor", action="append", default=[])
    t.add_argument("--vip", default="198.18.0.100")
    t.add_argument("--kind", default="")
    t.add_argument("--trial", type=int, default=0)
    t.add_argument("--load", default="")
    s = sub.add_parser("summary")
    s.add_argument("--timing-label", default="")
    s.add_argument("file")
    a = p.parse_args()
    trial(a) if a.cmd == "trial" else summary(a)


if __name__ == "__main__":
    main()
