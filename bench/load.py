"""Closed-loop load from a second process: CONCURRENCY keep-alive connections, each sending the
next request when the last one answered, for SECONDS. Prints one JSON object of results.

    .venv/bin/python bench/load.py ENDPOINT API_KEY QUERY_JSON CONCURRENCY SECONDS
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from urllib.parse import urlsplit


def worker(url, api_key: str, body: bytes, until: float, out: list, errors: list) -> None:
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    headers = {"content-type": "application/json", "x-api-key": api_key}
    while time.perf_counter() < until:
        t0 = time.perf_counter()
        try:
            conn.request("POST", url.path, body, headers)
            resp = conn.getresponse()
            doc = json.loads(resp.read())
            ok = resp.status == 200 and not doc.get("errors")
        except (OSError, http.client.HTTPException, ValueError):
            conn.close()
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
            ok = False
        out.append(time.perf_counter() - t0)  # list.append is atomic under the GIL
        if not ok:
            errors.append(1)
    conn.close()


def main() -> None:
    endpoint, api_key, query, concurrency, seconds = sys.argv[1:6]
    url = urlsplit(endpoint)
    latencies: list[float] = []
    errors: list[int] = []
    start = time.perf_counter()
    until = start + float(seconds)
    threads = [threading.Thread(target=worker, args=(url, api_key, query.encode(), until,
                                                     latencies, errors))
               for _ in range(int(concurrency))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    print(json.dumps({"requests": len(latencies), "errors": len(errors), "seconds": elapsed,
                      "rps": len(latencies) / elapsed, "p50": pick(0.50) if latencies else None,
                      "p99": pick(0.99) if latencies else None}))


if __name__ == "__main__":
    main()
