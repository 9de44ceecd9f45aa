#!/usr/bin/env python3
"""Evaluates the failover benchmark's logs (test/bench/failover calls it; stdlib only).

  analyze.py trial --probe FILE --fault-ns NS --end-ns NS --old NODE \
                   --monitor NODE=FILE ... [--kind K --trial I --load L]
                   [--removed-ns NS --removed-how TEXT]
      one JSON object (one line) for one trial, on stdout
  analyze.py last FILE
      one line for the latest trial in FILE
  analyze.py summary --timing-label TEXT FILE
      min / median / max per kind and the duplicate-VIP findings for the JSON lines in FILE

Failover time = end of the first probe attempt answered by a node other than the old
holder − the fault time (BENCHMARKING.md). VIP holders come from `ip -ts monitor address`
in every node namespace, started before the daemons, so every node starts without the VIP
and every add and delete is seen; "duplicate" = two or more nodes' eth0 carry the VIP at
the same moment by those timestamps, for every kind and over the whole trial (start-up,
fault, and after the fault was removed: --removed-ns, e.g. the link set up again or the
frozen process SIGCONTed).
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


def holder_overlaps(monitors, end_ns, initial=()):
    """Intervals in which two or more nodes hold the VIP: [(start, end, [nodes])].
    initial: the nodes holding it when the monitors started."""
    merged = sorted((t, kind, node) for node, evs in monitors.items() for t, kind in evs)
    held, out, open_since = set(initial), [], None
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
    removed = a.removed_ns

    duplicates = []
    for s, e, w in overlaps:
        d = {"from_ms": ms(s - fault), "overlap_ms": ms(e - s), "nodes": w,
             "open_at_end": "still at the end" in w}
        if removed is not None:
            d["after_removal"] = s >= removed
            # Began during the fault and ended once it was removed: it lasted as long
            # as the fault did (a lower bound for a longer freeze or link cut).
            d["until_removal"] = s < removed <= e
        duplicates.append(d)

    result = {
        "kind": a.kind, "trial": a.trial, "load": a.load, "old": a.old, "new": new_node,
        "failover_ms": ms(failover_ns),
        "observed_ms": ms(a.end_ns - fault),
        "old_vip_deleted_ms": ms(None if old_del is None else old_del - fault),
        "new_vip_added_ms": ms(None if new_add is None else new_add - fault),
        "vip_gap_ms": ms(new_add - old_del) if (old_del and new_add) else None,
        "duplicates": duplicates,
        "duplicate_total_ms": ms(sum(e - s for s, e, _ in overlaps)),
        "holders_at_end": sorted(still),
        "timeline": timeline,
        "probe": probe_summary,
    }
    if removed is not None:
        # What happened once the fault was removed: the VIP's adds and deletes on every
        # node, and who the client reached, until the end of the trial.
        vip_events = sorted((t, node, "+" if k > 0 else "-")
                            for node, evs in monitors.items() for t, k in evs if t >= removed)
        answers = [r[3] for r in rows if r[0] >= removed]
        result["removed"] = {
            "how": a.removed_how,
            "at_ms": ms(removed - fault),
            "vip_events": [f"{sign}{node}@{ms(t - removed):+.1f}" for t, node, sign in vip_events][:20],
            "old_answers_again": a.old in answers,
            "vip_adds": sum(1 for _t, _n, sign in vip_events if sign == "+"),
            "probe_after": [r[3] for r in rows if r[0] >= removed][:12],
        }
    print(json.dumps(result))


def fmt(v):
    return "-" if v is None else f"{v:.1f}"


def dup_text(d):
    text = f"{d['overlap_ms']:.1f} ms at {d['from_ms']:+.1f} ms ({','.join(d['nodes'])})"
    if d.get("until_removal"):
        text += " until the fault was removed"
    return text


def dups_brief(r, limit=3):
    """The trial's overlaps, those after the fault was removed counted, not listed."""
    during = [d for d in r["duplicates"] if not d.get("after_removal")]
    after = [d for d in r["duplicates"] if d.get("after_removal")]
    if not during and not after:
        return "none"
    parts = [dup_text(d) for d in during[:limit]]
    if len(during) > limit:
        parts.append(f"{len(during) - limit} more")
    if after:
        parts.append(f"{len(after)} after the fault was removed, "
                     f"{sum(d['overlap_ms'] for d in after):.1f} ms in all, longest "
                     f"{max(d['overlap_ms'] for d in after):.1f} ms" +
                     (", still at the end" if any(d["open_at_end"] for d in after) else ""))
    return "; ".join(parts)


def describe(r):
    fo = (f"{r['failover_ms']:.1f} ms" if r["failover_ms"] is not None
          else f"none within {r['observed_ms']:.0f} ms")
    tl = " ".join(f"{o}@{t:+.1f}" for o, t in r["timeline"][:12])
    if len(r["timeline"]) > 12:
        tl += " ..."
    text = (f"{r['kind']} #{r['trial']}: {r['old']} -> {r['new'] or '?'} failover {fo}; "
            f"VIP deleted on {r['old']} {fmt(r['old_vip_deleted_ms'])} ms, added on "
            f"{r['new'] or '?'} {fmt(r['new_vip_added_ms'])} ms (gap {fmt(r['vip_gap_ms'])} ms); "
            f"duplicate VIP: {dups_brief(r)}; holders at end: {' '.join(r['holders_at_end']) or '-'}; "
            f"load {r['load']}\n      probe: {tl}")
    rm = r.get("removed")
    if rm:
        ev = rm["vip_events"]
        text += (f"\n      fault removed ({rm['how']}) at {rm['at_ms']:+.1f} ms: VIP "
                 f"{' '.join(ev[:8]) or 'unchanged'}{' ...' if len(ev) > 8 else ''}; "
                 f"{rm['vip_adds']} add(s); {r['old']} answers again: "
                 f"{'yes' if rm['old_answers_again'] else 'no'}")
    return text + f"\n      {r['probe']}"


def last(a):
    """One line for the latest trial in FILE (the benchmark prints it as it goes)."""
    r = json.loads([line for line in open(a.file) if line.strip()][-1])
    fo = "no failover" if r["failover_ms"] is None else f"{r['failover_ms']:.1f} ms"
    text = f"  {r['kind']} #{r['trial']}: {r['old']} -> {r['new'] or '?'} {fo}, duplicate VIP: {dups_brief(r, 1)}"
    rm = r.get("removed")
    if rm:
        text += f"; after {rm['how']}: {rm['vip_adds']} VIP add(s), {r['old']} answers again: " + \
            ("yes" if rm["old_answers_again"] else "no")
    print(text, flush=True)


def stats(values):
    return f"min={min(values):.1f} median={statistics.median(values):.1f} max={max(values):.1f}"


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
            line = f"{kind}: n={len(times)} {stats(times)} ms ({a.timing_label})"
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
            totals = [r["duplicate_total_ms"] for r in dups]
            open_end = sum(1 for r in dups if any(d["open_at_end"] for d in r["duplicates"]))
            until = sum(1 for r in dups if any(d.get("until_removal") for d in r["duplicates"]))
            after = sum(1 for r in dups if any(d.get("after_removal") for d in r["duplicates"]))
            print(f"  duplicate VIP: {len(dups)}/{len(rs)} trials; time on two nodes per trial "
                  f"{stats(totals)} ms (" +
                  ", ".join(f"#{r['trial']} {r['duplicate_total_ms']:.1f}" for r in dups) + ")" +
                  (f"; in {open_end} two nodes still held it when the observation ended "
                   "(a lower bound)" if open_end else "") +
                  (f"; in {until} it lasted until the fault was removed" if until else "") +
                  (f"; in {after} (also) after the fault was removed" if after else ""))
        removed = [r["removed"] for r in rs if r.get("removed")]
        if removed:
            back = sum(1 for x in removed if x["old_answers_again"])
            flappy = sum(1 for x in removed if x["vip_adds"] > 1)
            print(f"  after the fault was removed ({removed[0]['how']}, "
                  f"{stats([x['at_ms'] for x in removed])} ms after the fault, watched 2 s): "
                  f"the old holder answered the client again in {back}/{len(removed)} trials; "
                  f"VIP adds per trial: {' '.join(str(x['vip_adds']) for x in removed)}" +
                  (f" (more than one add = flapping: {flappy}/{len(removed)})" if flappy else ""))
        gaps = [r["vip_gap_ms"] for r in rs if r["vip_gap_ms"] is not None]
        if gaps:
            print(f"  VIP gap (new holder's add − old holder's delete): min={min(gaps):.1f} "
                  f"median={statistics.median(gaps):.1f} max={max(gaps):.1f} ms")


def overlaps(a):
    """Every interval with two or more holders, one line each; exit 1 if there is one
    (the namespace tests' kernel-level check, test/integration/stop_safety_test.sh)."""
    monitors = {}
    for spec in a.monitor:
        node, path = spec.split("=", 1)
        monitors[node] = read_monitor(path, a.vip)
    found = holder_overlaps(monitors, a.end_ns, a.initial.split(",") if a.initial else ())
    adds = sum(1 for evs in monitors.values() for _, k in evs if k > 0)
    deletes = sum(1 for evs in monitors.values() for _, k in evs if k < 0)
    print(f"{adds} adds, {deletes} deletes of {a.vip}; {len(found)} overlap(s)")
    for s, e, who in found:
        print(f"overlap {ms(e - s)} ms ({','.join(who)})")
    sys.exit(1 if found else 0)


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
    t.add_argument("--removed-ns", type=int, default=None)
    t.add_argument("--removed-how", default="")
    la = sub.add_parser("last")
    la.add_argument("file")
    s = sub.add_parser("summary")
    s.add_argument("--timing-label", default="")
    s.add_argument("file")
    o = sub.add_parser("overlaps")
    o.add_argument("--monitor", action="append", default=[])
    o.add_argument("--vip", default="198.18.0.100")
    o.add_argument("--initial", default="")
    o.add_argument("--end-ns", type=int, required=True)
    a = p.parse_args()
    {"trial": trial, "last": last, "summary": summary, "overlaps": overlaps}[a.cmd](a)


if __name__ == "__main__":
    main()
