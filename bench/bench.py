#!/usr/bin/env python3
"""Jingzhun's benchmark. Run it through `bench/run`, which builds the binary
and installs wrk; this script only measures.

For each scale it generates the sample data, imports it, then starts the
release server twice on the database:
  - as configured for production (caches on), for the first view after the
    import and the cached public page under 64 connections;
  - with `--no-cache`, so every request runs its queries and draws its
    charts: the uncached figures, compared with the same queries timed
    straight on DuckDB (examples/raw_queries.rs).
It prints one table per scale, checks the targets, and writes everything
into BENCHMARKS.md between the bench:begin and bench:end markers.
"""

import datetime
import http.cookiejar
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("JINGZHUN_BIN") or sys.exit("run bench/run, which sets JINGZHUN_BIN")
EXAMPLES = os.environ["JINGZHUN_EXAMPLES"]
WORK = os.environ.get("BENCH_DIR", os.path.expanduser("~/.cache/jingzhun/bench"))
SCALES = [int(s) for s in os.environ.get("SCALES", "1 10 100").split()]
DURATION = int(os.environ.get("DURATION", "10"))
COMMAND = "bench/run" + (f" (SCALES=\"{' '.join(map(str, SCALES))}\")" if SCALES != [1, 10, 100] else "")

# Rounds of (raw DuckDB, page, JSON, CSV) per compared query, and the
# seconds of load per format in each round.
OVERHEAD_ROUNDS = 8
OVERHEAD_SLICE = 1


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


# Queries compared with raw DuckDB, with the parameters the server gets.
RAW_COMPARED = {
    "villages_by_incidence": "year=2016",
    "incidence_by_year": "",
    "income_by_zone_year": "",
    "measure_coverage": "",
}


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def run(args, **kw):
    return subprocess.run(args, check=True, text=True, capture_output=True, **kw)


def timed(args):
    """Runs a command under /usr/bin/time; returns (seconds, peak RSS MB, its output)."""
    out = run(["/usr/bin/time", "-f", "%e %M"] + args)
    lines = out.stderr.strip().splitlines()
    secs, kb = lines[-1].split()
    return float(secs), int(kb) / 1024, out.stdout + "\n".join(lines[:-1])


class Server:
    def __init__(self, db, *extra):
        self.proc = subprocess.Popen(
            [BIN, "serve", "--db", db, "--bind", "127.0.0.1:0", *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.proc.stdout.readline().strip()
        m = re.match(r"Jingzhun listening on (http://[^/]+)/", line)
        if not m:
            self.proc.kill()
            raise SystemExit(f"server did not start: {line!r}")
        self.base = m.group(1)
        self.cookie = None
        # As a load balancer would: no request before /readyz says ready
        # (the warm-up after start has run). How long that took is kept.
        t = time.perf_counter()
        while self.get("/readyz")[1] != 200:
            if time.perf_counter() - t > 600:
                self.proc.kill()
                raise SystemExit("server not ready after 600 s")
            time.sleep(0.05)
        self.ready_after = time.perf_counter() - t

    def url(self, path):
        return self.base + path

    def status(self, field):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def get(self, path, headers=None):
        """GET; returns (seconds, status, bytes)."""
        req = urllib.request.Request(self.url(path), headers=dict(headers or {}))
        if self.cookie:
            req.add_header("Cookie", self.cookie)
        t = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=300) as r:
                n = 0
                while True:
                    chunk = r.read(1 << 20)
                    if not chunk:
                        break
                    n += len(chunk)
                return time.perf_counter() - t, r.status, n
        except urllib.error.HTTPError as e:
            return time.perf_counter() - t, e.code, 0

    def sign_in(self, name, password):
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(self.url("/login")).read().decode()
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"csrf": csrf, "name": name, "password": password, "next": "/"}).encode()
        opener.open(self.url("/login"), data=data)
        self.cookie = "; ".join(f"{c.name}={c.value}" for c in jar)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def ms(text):
    """wrk's '1.23ms' / '456.00us' / '1.02s' in milliseconds."""
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    value, unit = float(m.group(1)), m.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(server, path, conns=1, threads=1, headers=(), duration=None):
    args = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{duration or DURATION}s", "--latency", "--timeout", "30s"]
    if server.cookie:
        args += ["-H", f"Cookie: {server.cookie}"]
    for h in headers:
        args += ["-H", h]
    out = run(args + [server.url(path)]).stdout
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = int((re.search(r"Non-2xx or 3xx responses: (\d+)", out) or [0, 0])[1])
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": ms(lat["50"]),
        "p99": ms(lat["99"]),
        "errors": errors + non2xx,
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
    }


def raw_times(db, names=None, runs="20"):
    """Median ms of `runs` runs (a count, or "1s": as many as fit in a
    second) of each compared query (or of `names`), straight on DuckDB,
    read-only: it runs beside a read-only server on the same file."""
    args = [os.path.join(EXAMPLES, "raw_queries"), db, runs] + [
        f"{k}={v}" for k, v in RAW_COMPARED.items() if names is None or k in names]
    out = run(args).stdout
    return {name: float(p50) for name, p50, _mn, _rows in (l.split("\t") for l in out.splitlines())}


def one_village(db):
    out = run([BIN, "sql", "--db", db, "--format", "csv", "SELECT min(village_code) AS v FROM village"]).stdout
    return out.splitlines()[1].strip()


def bench_scale(scale):
    rows = []  # (what, figure, target, ok)

    def row(what, figure, target="", ok=None):
        rows.append((what, figure, target, "" if ok is None else ("✓" if ok else "✗")))
        log(f"s{scale}: {what}: {figure} {target}")

    data = os.path.join(WORK, f"s{scale}")
    db = os.path.join(WORK, f"s{scale}.duckdb")
    shutil.rmtree(data, ignore_errors=True)
    for f in (db, db + ".wal", db + ".session-key"):
        if os.path.exists(f):
            os.remove(f)

    secs, rss, out = timed([BIN, "sample", "--scale", str(scale), "--out", data])
    nrows = int(re.search(r"([\d]+) rows", out.replace(",", "")).group(1))
    row("sample generation", f"{secs:.1f} s ({nrows:,} rows, peak RSS {rss:.0f} MB)",
        "≤ 30 s at scale 100" if scale == 100 else "", secs <= 30 if scale == 100 else None)

    # The files a banner imports were not written a moment ago: let the
    # sample's gigabyte reach the disk first, so that its write-back does
    # not compete with the import being timed.
    os.sync()
    secs, rss, out = timed([BIN, "import", "--db", db, data])
    row("import", f"{secs:.1f} s, {nrows / secs / 1000:,.0f} k rows/s, peak RSS {rss:.0f} MB",
        "≤ 60 s at scale 100" if scale == 100 else "", secs <= 60 if scale == 100 else None)

    village = one_village(db)
    run([BIN, "user", "add", "bench", "--role", "statistician", "--password-stdin", "--db", db], input="bench-password-1\n")

    # Production settings: first views after the import, cached public page.
    s = Server(db, "--workers", "2")
    row("ready after start (/readyz; the warm-up builds every dashboard once)", f"{s.ready_after:.2f} s")
    first = {}
    for path in ("/d/overview", "/d/incidence", f"/village/{village}", "/public"):
        t, status, _ = s.get(path)
        assert status == 200, (path, status)
        first[path] = t * 1000
    r = wrk(s, "/public", conns=64, threads=2)
    row("cached public page, 64 connections", f"{r['rps']:,.0f} req/s, p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms, {r['errors']} errors",
        "≥ 10,000 req/s, p99 ≤ 20 ms, 0 errors", r["rps"] >= 10000 and r["p99"] <= 20 and r["errors"] == 0)
    r = wrk(s, "/public", conns=64, threads=2, headers=["Accept-Encoding: br, gzip"])
    row("the same, compressed (Accept-Encoding: br, gzip)", f"{r['rps']:,.0f} req/s, p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms, {r['errors']} errors",
        "≥ 10,000 req/s, p99 ≤ 20 ms, 0 errors", r["rps"] >= 10000 and r["p99"] <= 20 and r["errors"] == 0)
    peak_cached = s.status("VmHWM")
    s.stop()

    # Every request uncached. Read-only (as a replica is), so that the raw
    # DuckDB times can be taken on the same file between the load runs.
    s = Server(db, "--workers", "2", "--no-cache", "--read-only")
    steady = {}
    for path, label in (("/d/overview", "overview dashboard, uncached, all panels"),
                        ("/d/incidence", "incidence dashboard, uncached"),
                        (f"/village/{village}", "village page, uncached")):
        r = wrk(s, path)
        steady[path] = r["p50"]
        if path == "/d/overview":
            target = "p50 ≤ 50 ms" if scale == 1 else "p50 ≤ 500 ms" if scale == 100 else ""
            limit = 50 if scale == 1 else 500 if scale == 100 else None
            row(label, f"p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, {r['rps']:.1f} req/s", target,
                None if limit is None else r["p50"] <= limit)
        else:
            row(label, f"p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, {r['rps']:.1f} req/s")
    for path in ("/d/overview", "/d/incidence", f"/village/{village}"):
        ratio = first[path] / steady[path]
        row(f"first view after import: {path.split('/')[-1] if 'village' not in path else 'village page'}",
            f"{first[path]:.1f} ms = {ratio:.2f} × steady uncached p50", "≤ 2 ×", ratio <= 2)
    for name, qs in RAW_COMPARED.items():
        q = f"?{qs}" if qs else ""
        # The machine's speed moves by tens of percent from one second to
        # the next, and a ratio must not: the raw time and the server's
        # three formats are taken in turn, each for the same short time,
        # and each round gives its own ratios; the figure is the median
        # round.
        rounds = []
        for _ in range(OVERHEAD_ROUNDS):
            raw = raw_times(db, [name], runs=f"{OVERHEAD_SLICE}s")[name]
            loads = {fmt: wrk(s, f"/q/{name}{fmt}{q}", duration=OVERHEAD_SLICE) for fmt in ("", ".json", ".csv")}
            rounds.append((raw, {fmt: r["p50"] for fmt, r in loads.items()}))
        for fmt in ("", ".json", ".csv"):
            ratios = [p50s[fmt] / raw for raw, p50s in rounds]
            ratio = median(ratios)
            p50 = median([p50s[fmt] for _, p50s in rounds])
            raw = median([raw for raw, _ in rounds])
            label = {"": "page", ".json": "JSON", ".csv": "CSV"}[fmt]
            row(f"query {name} as {label}, uncached",
                f"p50 {p50:.2f} ms; raw DuckDB {raw:.2f} ms; overhead {100 * (ratio - 1):+.0f} % "
                f"(median of {len(rounds)} rounds; rounds {min(ratios) * 100 - 100:+.0f} to {max(ratios) * 100 - 100:+.0f} %)",
                "overhead ≤ 20 %" if fmt == "" else "", ratio <= 1.2 if fmt == "" else None)
    for path, label in (("/d/incidence/villages.svg", "chart as SVG (with its query)"),
                        ("/d/incidence/villages.png", "chart as PNG (with its query)"),
                        ("/d/incidence.pdf", "dashboard as PDF")):
        r = wrk(s, path)
        row(f"{label}, uncached", f"p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, {r['errors']} errors")
    s.sign_in("bench", "bench-password-1")
    before = s.status("VmRSS")
    t, status, size = s.get("/q/member_roster.csv")
    assert status == 200, status
    row("member table as CSV (whole table, signed in)",
        f"{size / 1e6:,.0f} MB in {t:.1f} s = {size / 1e6 / t:.0f} MB/s; RSS {before:.0f} → {s.status('VmRSS'):.0f} MB",
        "≥ 50 MB/s, flat memory" if scale == 100 else "", size / 1e6 / t >= 50 if scale == 100 else None)
    peak_uncached = s.status("VmHWM")
    peak = max(peak_cached, peak_uncached)
    row("server peak RSS", f"{peak:.0f} MB (cached server {peak_cached:.0f} MB, uncached server {peak_uncached:.0f} MB)",
        "≤ 500 MB at scale 100" if scale == 100 else "", peak <= 500 if scale == 100 else None)
    s.stop()
    return rows


def chart_rows():
    out = run([os.path.join(EXAMPLES, "chart_timing")]).stdout
    rows = []
    times = [float(m) for m in re.findall(r"^\S+\s+([\d.]+)\s*ms", out, re.M)]
    if times:
        rows.append(("one chart to SVG (each kind, no query)", f"{min(times):.2f}–{max(times):.2f} ms", "≤ 2 ms", max(times) <= 2))
    out = run([os.path.join(EXAMPLES, "render_timing"), "21"]).stdout
    m = re.search(r"svg_to_png.*?median ([\d.]+) ms", out)
    if m:
        png = float(m.group(1))
        rows.append(("one chart SVG to PNG at 2× (no query)", f"{png:.1f} ms", "≤ 30 ms", png <= 30))
    return [(w, f, t, "✓" if ok else "✗") for w, f, t, ok in rows]


def machine():
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, Linux {platform.release()}"


def table(rows):
    lines = ["| what | measured | target | met |", "| --- | --- | --- | --- |"]
    lines += [f"| {w} | {f} | {t} | {ok} |" for w, f, t, ok in rows]
    return "\n".join(lines)


def main():
    os.makedirs(WORK, exist_ok=True)
    started = time.time()
    sections = [("Charts alone", chart_rows())]
    for scale in SCALES:
        sections.append((f"Scale {scale}", bench_scale(scale)))
    minutes = (time.time() - started) / 60
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = [f"Run {stamp} on {machine()}; load generator wrk on the same machine, "
            f"{DURATION} s per run; `{COMMAND}` took {minutes:.0f} min.", ""]
    for title, rows in sections:
        text += [f"### {title}", "", table(rows), ""]
    body = "\n".join(text)
    print(body)
    path = os.path.join(ROOT, "BENCHMARKS.md")
    with open(path) as f:
        doc = f.read()
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    if begin in doc and end in doc:
        doc = doc[: doc.index(begin) + len(begin)] + "\n" + body + doc[doc.index(end):]
        with open(path, "w") as f:
            f.write(doc)
        log("BENCHMARKS.md updated")
    else:
        log("BENCHMARKS.md has no bench:begin/bench:end markers; table not written")


if __name__ == "__main__":
    main()
