#!/usr/bin/env python3
"""The table of test/bench/idle (stdlib only).

  idle_report.py HZ WALL_NS < LINES

LINES: "NODE ROLE PID B_TICKS B_CHILD_TICKS B_SCHED_NS B_RSS B_PSS B_USS A_TICKS
A_CHILD_TICKS A_SCHED_NS A_RSS A_PSS A_USS MAX_RSS" per process (B = at the start of the window, A = at its
end, "-" where the process was gone). CPU % is of one core over the window.
"""
import sys

KEYS = ("rss", "rss_max", "pss", "uss", "cpu", "sched", "child")


def main():
    hz, wall_ns = int(sys.argv[1]), int(sys.argv[2])
    rows, nodes = [], []
    for line in sys.stdin:
        node, role, pid, *v = line.split()
        if node not in nodes:
            nodes.append(node)
        b, a, mx = v[0:6], v[6:12], v[12]
        if "-" in a[:4] or "-" in b[:4]:
            rows.append((node, role, pid, None))
            continue
        pct = lambda seconds: 100 * seconds * 1e9 / wall_ns
        rows.append((node, role, pid, {
            "rss": int(a[3]), "rss_max": max(int(mx), int(a[3])),
            "pss": int(a[4]) if a[4] != "-" else 0,
            "uss": int(a[5]) if a[5] != "-" else 0,
            "cpu": pct((int(a[0]) - int(b[0])) / hz),
            "sched": pct((int(a[2]) - int(b[2])) / 1e9),
            "child": pct((int(a[1]) - int(b[1])) / hz),
        }))
    wall = wall_ns / 1e9
    print(f"window {wall:.1f} s; clock tick {1000 / hz:.0f} ms, so 'CPU % ticks' moves in steps "
          f"of {100 / hz / wall:.3f} %")
    fmt = "{:<5} {:<12} {:>7} {:>8} {:>8} {:>8} {:>8} {:>12} {:>12} {:>11}"
    print(fmt.format("node", "process", "pid", "RSS kB", "max RSS", "PSS kB", "USS kB",
                     "CPU % ticks", "CPU % sched", "children %"))
    total = dict.fromkeys(KEYS, 0)

    def line(node, role, pid, d):
        return fmt.format(node, role, pid, d["rss"], d["rss_max"], d["pss"], d["uss"], f"{d['cpu']:.3f}",
                          f"{d['sched']:.3f}", f"{d['child']:.3f}")

    for node in nodes:
        s = dict.fromkeys(KEYS, 0)
        for n, role, pid, d in rows:
            if n != node:
                continue
            if d is None:
                print(f"{n:<5} {role:<12} {pid:>7}  gone during the window")
                continue
            print(line(n, role, pid, d))
            for k in KEYS:
                s[k] += d[k]
        print(line(node, "sum", "", s))
        for k in KEYS:
            total[k] += s[k]
    n = len(nodes) or 1
    print(f"mean per node (sum of its processes): RSS {total['rss'] / n:.0f} kB, PSS "
          f"{total['pss'] / n:.0f} kB, USS {total['uss'] / n:.0f} kB, CPU {total['cpu'] / n:.3f} % (ticks) / "
          f"{total['sched'] / n:.3f} % (schedstat) of one core, reaped children "
          f"{total['child'] / n:.3f} %")


if __name__ == "__main__":
    main()
