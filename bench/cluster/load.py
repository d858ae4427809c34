#!/usr/bin/env python3
"""A bounded load generator for bench/cluster/cluster.sh: --jobs jobs at --rate per second, round robin over the API nodes
given, a mix of noop, sleep (0.2 s) and fail jobs (1 in 10 each), single creates with an Idempotency-Key, retried on
failure. Prints how many were accepted and the p50/p99 of the create requests."""
import argparse, json, threading, time, urllib.request, statistics

parser = argparse.ArgumentParser()
parser.add_argument("--key", required=True)
parser.add_argument("--jobs", type=int, default=2000)
parser.add_argument("--rate", type=int, default=200)
parser.add_argument("nodes", nargs="+")
args = parser.parse_args()

latencies, lock = [], threading.Lock()

def create(i):
    kind = "sleep" if i % 10 == 1 else "fail" if i % 10 == 2 else "noop"
    body = {"type": kind}
    if kind == "sleep": body["metadata"] = {"seconds": 0.2}
    if kind == "fail": body.update(max_attempts=1, metadata={"message": "load"})
    data = json.dumps(body).encode()
    for attempt in range(50):
        node = args.nodes[(i + attempt) % len(args.nodes)]
        request = urllib.request.Request(node + "/api/v1/jobs", data=data, method="POST", headers={
            "X-Api-Key": args.key, "Content-Type": "application/json", "Idempotency-Key": f"load-{i}"})
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
            with lock: latencies.append((time.perf_counter() - started) * 1000)
            return
        except Exception:
            time.sleep(0.2)

threads, start = [], time.perf_counter()
for i in range(args.jobs):
    delay = start + i / args.rate - time.perf_counter()
    if delay > 0: time.sleep(delay)
    t = threading.Thread(target=create, args=(i,)); t.start(); threads.append(t)
    threads = [t for t in threads if t.is_alive()]
for t in threads: t.join()
latencies.sort()
p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0
print(f"RESULT bench=cluster-load jobs={args.jobs} accepted={len(latencies)} seconds={time.perf_counter() - start:.1f} "
      f"create_p50_ms={p(0.5):.1f} create_p99_ms={p(0.99):.1f}")
