#!/usr/bin/env python3
"""Jingzhun's benchmark. Run it through `bench/run`, which builds the binary
and installs wrk; this script only measures.

For each scale it generates the sample data, imports it, then starts the
release server twice on the database:
  - as configured for production (caches on), for the first view after the
    import and the cached public page under 64 connections;
  - with `--no-cache`, so every request runs its queries and draws its
    charts: the uncached figures, and the server's overhead, taken in
    pairs with the same queries timed straight on DuckDB
    (examples/overhead.rs).
It prints one table per scale, checks the targets, and writes everything
into BENCHMARKS.md between the bench:begin and bench:end markers.
"""

import atexit
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

# Seconds per compared query of rounds (raw DuckDB, server, floor server),
# and of wrk load per format.
OVERHEAD_SECONDS = 6
OVERHEAD_LOAD = 2
# Runs back to back per side in each round (at most; about 40 ms of them).
OVERHEAD_BLOCK = 8


# Queries compared with raw DuckDB, with the parameters the server gets.
RAW_COMPARED = {
    "villages_by_incidence": "year=2016",
    "incidence_by_year": "",
    "income_by_zone_year": "",
    "measure_coverage": "",
}


# Servers started by the bench: none outlives it, even when a row's check
# or a load run fails half-way.
CHILDREN = []
atexit.register(lambda: [p.kill() for p in CHILDREN if p.poll() is None])


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
        CHILDREN.append(self.proc)
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


def paired(server, db):
    """The server's overhead, from examples/overhead.rs: each compared
    query straight on DuckDB, through the server and through the floor
    server in turn, in blocks of runs back to back, as pages, JSON and CSV.
    {(name, fmt): (raw ms, server ms, ratio, extra ms, rounds, floor ms,
    floor ratio, floor extra ms)}."""
    env = dict(os.environ, OVERHEAD_BLOCK=str(OVERHEAD_BLOCK))
    if server.cookie:
        env["JINGZHUN_COOKIE"] = server.cookie
    args = [os.path.join(EXAMPLES, "overhead"), db, server.url(""), f"{OVERHEAD_SECONDS}s"] + [
        f"{k}={v}" for k, v in RAW_COMPARED.items()]
    out = run(args, env=env).stdout
    return {(name, fmt): (float(raw), float(srv), float(ratio), float(extra), int(n), float(fl), float(fratio), float(fextra))
            for name, fmt, raw, srv, ratio, extra, n, fl, fratio, fextra in (l.split("\t") for l in out.splitlines())}


class Floor:
    """The floor server of examples/overhead.rs (examples/floor.rs): a server
    as thin as we could write that still keeps DuckDB off its HTTP worker,
    in a process of its own, for the compared queries. wrk on it gives
    that design's latency here, once per query before the server's three
    formats (not interleaved with them, as the rounds are)."""

    def __init__(self, db):
        self.proc = subprocess.Popen(
            [os.path.join(EXAMPLES, "floor"), db] + [f"{k}={v}" for k, v in RAW_COMPARED.items()],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        CHILDREN.append(self.proc)
        self.base = self.proc.stdout.readline().strip()
        if not self.base.startswith("http://"):
            self.proc.kill()
            raise SystemExit(f"floor server did not start: {self.base!r}")
        self.cookie = None

    def url(self, path):
        return self.base + path

    def stop(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


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
            row(label, f"p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, {r['rps']:.1f} req/s, {r['errors']} errors", target + ", 0 errors" if target else "",
                None if limit is None else r["p50"] <= limit and r["errors"] == 0)
        else:
            row(label, f"p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, {r['rps']:.1f} req/s, {r['errors']} errors", "0 errors", r["errors"] == 0)
    for path in ("/d/overview", "/d/incidence", f"/village/{village}"):
        ratio = first[path] / steady[path]
        row(f"first view after import: {path.split('/')[-1] if 'village' not in path else 'village page'}",
            f"{first[path]:.1f} ms = {ratio:.2f} × steady uncached p50", "≤ 2 ×", ratio <= 2)
    # The machine's speed moves by tens of percent from one second to the
    # next, and a ratio must not: the overhead comes from rounds of short
    # blocks, each query straight on DuckDB, through the server and through
    # the floor server in turn, so that the sides of every round share the
    # same moment. wrk then gives each format's latency, and the floor
    # server's, under a real load generator.
    pairs = paired(s, db)
    floor = Floor(db)
    for name, qs in RAW_COMPARED.items():
        q = f"?{qs}" if qs else ""
        # The floor answers every format alike (a row count).
        f = wrk(floor, f"/q/{name}{q}", duration=OVERHEAD_LOAD)
        assert f["errors"] == 0, (name, "floor server errors", f)
        for fmt in ("", ".json", ".csv"):
            r = wrk(s, f"/q/{name}{fmt}{q}", duration=OVERHEAD_LOAD)
            raw, srv, ratio, extra, n, fl, fratio, fextra = pairs[(name, fmt)]
            label = {"": "page", ".json": "JSON", ".csv": "CSV"}[fmt]
            row(f"query {name} as {label}, uncached",
                f"wrk p50 {r['p50']:.2f} ms (floor server {f['p50']:.2f} ms), {r['errors']} errors; "
                f"{n} rounds of blocks: raw DuckDB {raw:.2f} ms, server {srv:.2f} ms ({extra:+.2f} ms, {100 * (ratio - 1):+.0f} %), "
                f"floor server {fl:.2f} ms ({fextra:+.2f} ms, {100 * (fratio - 1):+.0f} %)",
                "overhead ≤ 20 %, 0 errors", ratio <= 1.2 and r["errors"] == 0)
    floor.stop()
    for path, label in (("/d/incidence/villages.svg", "chart as SVG (with its query)"),
                        ("/d/incidence/villages.png", "chart as PNG (with its query)"),
                        ("/d/incidence.pdf", "dashboard as PDF")):
        r = wrk(s, path)
        row(f"{label}, uncached", f"p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, {r['errors']} errors", "0 errors", r["errors"] == 0)
    s.sign_in("bench", "bench-password-1")
    # Every canned query, with its default parameters, must answer: a
    # memory limit too tight for the largest scale shows here.
    names = sorted(f[:-4] for f in os.listdir(os.path.join(ROOT, "queries")) if f.endswith(".sql"))
    answers = {name: s.get(f"/q/{name}.json") for name in names}
    failed = [f"{name} ({status})" for name, (_, status, _) in answers.items() if status != 200]
    slowest = max(answers, key=lambda n: answers[n][0])
    row("every canned query as JSON, signed in, default parameters",
        f"{len(names) - len(failed)} of {len(names)} answered 200; slowest {slowest} {answers[slowest][0] * 1000:.0f} ms"
        + (f"; failed: {', '.join(failed)}" if failed else ""), "all answer", not failed)
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
