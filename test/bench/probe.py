#!/usr/bin/env python3
"""Client probe for the failover benchmark (/work/shared/BENCHMARKING.md "Client probe").

Run it inside the client namespace. Every --interval (10 ms) it starts a new attempt: a
non-blocking TCP connect to HOST:PORT and an HTTP/1.0 GET, with its own --deadline (20 ms)
for the whole attempt. Attempts overlap, so the resolution stays 10 ms while attempts time
out. Writes one line per change of outcome, in the order attempts end:

    END_NS START_NS SEQ OUTCOME

END_NS / START_NS are CLOCK_REALTIME in ns (time.time_ns(), comparable with bash's
$EPOCHREALTIME and `date +%s%N`), SEQ the attempt's number (0-based), OUTCOME the body the
service answered (the node name) or one of: connect-timeout, read-timeout, refused, reset,
unreachable, bad-response, error-ERRNO. The first line is always written; a last line
"# attempts=N OUTCOME=COUNT ..." summarises every attempt.

Bounded: stops after --duration seconds or --max-attempts attempts, whichever comes first,
and never starts attempts faster than one per --interval (a late loop skips slots instead
of catching up). SIGTERM / SIGINT end it early, with the summary written. Stdlib only.
"""
import argparse
import asyncio
import collections
import errno
import signal
import socket
import struct
import sys
import time

MIN_INTERVAL = 0.01  # never more than ~100 attempts per second


class Probe:
    def __init__(self, args, out):
        self.host = args.host
        self.port = args.port
        self.deadline = args.deadline
        self.out = out
        self.request = (f"GET / HTTP/1.0\r\nHost: {args.host}:{args.port}\r\n"
                        "Connection: close\r\n\r\n").encode()
        self.last = None
        self.counts = collections.Counter()
        self.attempts = 0

    def record(self, start_ns, seq, outcome):
        end_ns = time.time_ns()
        self.counts[outcome] += 1
        if outcome != self.last:
            self.last = outcome
            self.out.write(f"{end_ns} {start_ns} {seq} {outcome}\n")
            self.out.flush()

    async def attempt(self, seq):
        loop = asyncio.get_running_loop()
        start_ns = time.time_ns()
        end = loop.time() + self.deadline
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        stage = "connect"
        try:
            await asyncio.wait_for(loop.sock_connect(sock, (self.host, self.port)),
                                   max(end - loop.time(), 0))
            stage = "read"
            await asyncio.wait_for(loop.sock_sendall(sock, self.request),
                                   max(end - loop.time(), 0))
            data = b""
            while len(data) < 65536:
                chunk = await asyncio.wait_for(loop.sock_recv(sock, 4096),
                                               max(end - loop.time(), 0))
                if not chunk:
                    break
                data += chunk
            outcome = parse(data)
        except asyncio.TimeoutError:
            outcome = f"{stage}-timeout"
        except ConnectionRefusedError:
            outcome = "refused"
        except ConnectionResetError:
            outcome = "reset"
        except OSError as e:
            if e.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
                outcome = "unreachable"
            else:
                outcome = "error-" + errno.errorcode.get(e.errno, str(e.errno))
        finally:
            # Close with RST (linger 0): no TIME_WAIT pile-up, no half-open sockets.
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            sock.close()
        self.record(start_ns, seq, outcome)

    async def run(self, interval, duration, max_attempts, stop):
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        stop_at = t0 + duration
        tasks = set()
        slot = 0
        while self.attempts < max_attempts and not stop.is_set():
            now = loop.time()
            if now >= stop_at:
                break
            seq = self.attempts
            self.attempts += 1
            task = asyncio.create_task(self.attempt(seq))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            # Next slot on the fixed grid; if the loop ran late, skip the missed slots.
            slot = max(slot + 1, int((loop.time() - t0) / interval) + 1)
            try:
                await asyncio.wait_for(stop.wait(), max(t0 + slot * interval - loop.time(), 0))
            except asyncio.TimeoutError:
                pass
        if tasks:
            await asyncio.wait(tasks, timeout=self.deadline + 1)


def parse(data):
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep or not head.startswith(b"HTTP/") or head.split(b" ", 2)[1:2] != [b"200"]:
        return "bad-response"
    name = body.strip().decode("ascii", "replace")
    if not name or any(c.isspace() for c in name) or len(name) > 64:
        return "bad-response"
    return name


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="198.18.0.100")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--interval", type=float, default=0.01, help="seconds between attempt starts (>= 0.01)")
    p.add_argument("--deadline", type=float, default=0.02, help="seconds per attempt")
    p.add_argument("--duration", type=float, default=30.0, help="stop after this many seconds (<= 600)")
    p.add_argument("--max-attempts", type=int, default=3000, help="stop after this many attempts")
    p.add_argument("--out", default="-", help="output file (default stdout)")
    args = p.parse_args()
    if args.interval < MIN_INTERVAL:
        p.error(f"--interval must be at least {MIN_INTERVAL} s")
    if not 0 < args.duration <= 600:
        p.error("--duration must be in (0, 600]")
    if not 0 < args.max_attempts <= 60000:
        p.error("--max-attempts must be in 1..60000")
    if not 0 < args.deadline <= 10:
        p.error("--deadline must be in (0, 10]")

    out = sys.stdout if args.out == "-" else open(args.out, "w", buffering=1)
    probe = Probe(args, out)

    async def amain():
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await probe.run(args.interval, args.duration, args.max_attempts, stop)

    asyncio.run(amain())
    summary = " ".join(f"{k}={v}" for k, v in sorted(probe.counts.items()))
    out.write(f"# attempts={probe.attempts} {summary}\n")
    out.flush()


if __name__ == "__main__":
    main()
