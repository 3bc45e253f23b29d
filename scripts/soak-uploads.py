#!/usr/bin/env python3
"""A long soak of a running server with mutated uploads, its resident memory sampled as it goes.

    scripts/soak-uploads.py --base http://127.0.0.1:8080 --video CLIP.mp4 --pid PID \\
        [--count 10000] [--every 500] [--seed 1]

Each upload is the clip intact, cut short, with bytes flipped, with a chunk zeroed or with a
chunk repeated (a seeded choice), sent as a raw body at 1 frame a second. A `429` (queue full) is
retried after a pause, so the queue stays short and the soak measures a server that works, not one
that refuses. Prints the server's VmRSS every `--every` uploads and once the queue has drained.
Only the standard library: runs wherever the server's tests run.
"""
import argparse
import http.client
import json
import random
import time
import urllib.parse


def mutate(data: bytes, rng: random.Random) -> bytes:
    kind = rng.choice(["intact", "cut", "flip", "zero", "repeat"])
    b = bytearray(data)
    if kind == "cut":
        return bytes(b[: rng.randrange(1, len(b))])
    if kind == "flip":
        for _ in range(20):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    elif kind == "zero":
        at = rng.randrange(len(b))
        b[at : at + 4096] = bytes(len(b[at : at + 4096]))
    elif kind == "repeat":
        at = rng.randrange(len(b))
        b[at:at] = b[at : at + 4096]
    return bytes(b)


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def request(conn, method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    return resp.status, resp.read()


def queued(conn) -> int:
    total = 0
    for status in ("queued", "running"):
        _, body = request(conn, "GET", f"/v1/jobs?status={status}&limit=1000")
        total += len(json.loads(body).get("items", []))
    return total


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--base", required=True)
    p.add_argument("--video", required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--every", type=int, default=500)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    url = urllib.parse.urlparse(a.base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    data = open(a.video, "rb").read()
    rng = random.Random(a.seed)
    statuses = {}
    start = time.time()
    print(f"upload 0: rss {rss_kb(a.pid) // 1024} MB", flush=True)
    for i in range(1, a.count + 1):
        body = mutate(data, rng)
        while True:
            status, _ = request(conn, "POST", "/v1/jobs?sample_fps=1", body,
                                {"content-type": "video/mp4"})
            if status != 429:
                break
            time.sleep(0.2)
        statuses[status] = statuses.get(status, 0) + 1
        if i % a.every == 0:
            print(f"upload {i}: rss {rss_kb(a.pid) // 1024} MB, {time.time() - start:.0f} s, "
                  f"statuses {dict(sorted(statuses.items()))}", flush=True)
    while queued(conn):
        time.sleep(1)
    print(f"drained: rss {rss_kb(a.pid) // 1024} MB, {time.time() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
