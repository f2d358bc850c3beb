#!/usr/bin/env python3
"""Scrapes two agents alternately, each over one kept-alive HTTP connection, as Prometheus does.

Usage: keepalive-scrapes.py WORK WARMUP SCRAPES NAME:PID:PORT NAME:PID:PORT

After WARMUP untimed scrapes of each, times SCRAPES scrapes of each and the CPU clock ticks the
agent's process used during each; writes WORK/NAME.times (seconds, one a line), WORK/NAME.out (the
last body) and WORK/NAME.cpu (total ticks), as scripts/bench/metrics reads them.
"""
import http.client
import sys
import time


def ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def main():
    work, warmup, scrapes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    agents = []
    for spec in sys.argv[4:]:
        name, pid, port = spec.split(":")
        connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
        agents.append((name, int(pid), connection))

    def scrape(connection):
        connection.request("GET", "/metrics")
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            sys.exit(f"scrape answered {response.status}")
        return body

    for _ in range(warmup):
        for _, _, connection in agents:
            scrape(connection)
    times = {name: [] for name, _, _ in agents}
    cpu = {name: 0 for name, _, _ in agents}
    last = {}
    for _ in range(scrapes):
        for name, pid, connection in agents:
            c0 = ticks(pid)
            t0 = time.perf_counter()
            last[name] = scrape(connection)
            times[name].append(time.perf_counter() - t0)
            cpu[name] += ticks(pid) - c0
    for name, _, connection in agents:
        connection.close()
        with open(f"{work}/{name}.times", "w") as f:
            f.writelines(f"{t:.6f}\n" for t in times[name])
        with open(f"{work}/{name}.out", "wb") as f:
            f.write(last[name])
        with open(f"{work}/{name}.cpu", "w") as f:
            f.write(f"{cpu[name]}\n")


if __name__ == "__main__":
    main()
