#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the BENCH lines of make bench's boots into a table, CSV, a plot
and a one-line summary (the last line printed).

  bench.py DIR [--tap FILE]

DIR holds the serial logs (*.serial) of the boots of vmtest/bench.sh.
Medians over the boots of each configuration; the spread is (max - min) /
median. Ratios are against the kernel without portown ("absent"). With
--tap, also writes TAP lines for make check's smoke test.
"""

import glob
import os
import re
import statistics
import subprocess
import sys

OPS = ["owner", "refused", "rebind", "bindx8", "sockclose"]
OP_DOC = {
    "owner": "socket+bind+close, owner of tcp 8080",
    "refused": "socket+bind+close, a non-owner refused (allowed without portown)",
    "rebind": "bind() of a bound socket: the hooks, then EINVAL",
    "bindx8": "socket+sctp_bindx(8 addresses)+close",
    "sockclose": "socket+close, no bind (subtracted to get one bind)",
}


def parse(d):
    """{(config, op): [values]} and a list of problems."""
    vals, problems = {}, []
    for path in sorted(glob.glob(os.path.join(d, "*.serial"))):
        name = os.path.basename(path)[:-7]
        section, done = None, False
        with open(path, errors="replace") as f:
            for line in f:
                line = line.strip()
                if line.startswith("PORTOWN-BENCH-BEGIN "):
                    section = line.split()[1]
                elif line.startswith("PORTOWN-BENCH-END "):
                    done = True
                    if not line.endswith("rc=0"):
                        problems.append(f"{name}: benchmark exited with {line.split()[-1]}")
                    section = None
                elif section and line.startswith("BENCH "):
                    f_ = line.split()
                    if len(f_) == 4:
                        vals.setdefault((f_[1], f_[2]), []).append(float(f_[3]))
                elif section and line.startswith("portown_bench:"):
                    problems.append(f"{name}: {line}")
        if not done:
            problems.append(f"{name}: the benchmark did not finish")
    return vals, problems


def med(vals, config, op):
    v = vals.get((config, op))
    return statistics.median(v) if v else None


def spread(vals, config, op):
    v = vals.get((config, op))
    if not v or not statistics.median(v):
        return None
    return (max(v) - min(v)) / statistics.median(v)


def fmt(x, digits=4):
    return "-" if x is None else f"{x:.{digits}f}"


def main(argv):
    d = argv[0]
    tap = argv[argv.index("--tap") + 1] if "--tap" in argv else None
    vals, problems = parse(d)
    sizes = sorted({int(c[1:]) for c, op in vals
                    if re.fullmatch(r"p\d+", c) and op == "owner"})
    configs = ["absent"] + [f"p{n}" for n in sizes] + ["bpf1", "bpf128"]
    big = f"p{max(sizes)}" if sizes else None
    base = {op: med(vals, "absent", op) for op in OPS}

    lines = []
    out = lines.append
    out("portown bench: guest time is QEMU's instruction counter (-icount shift=0,")
    out("one vCPU): 1 ns = 1 guest instruction, so ratios within one run do not")
    out("drift with host load. Medians over %d boots of each configuration;"
        % max([len(v) for v in vals.values()] or [0]))
    out("spread = (max - min) / median. Ratios against portown absent from lsm=.")
    out("")
    for op in OPS:
        out(f"{op}: {OP_DOC[op]}")
    out("")
    head = f"{'config':8}" + "".join(f" {op + ' ns':>14} {'ratio':>7}" for op in OPS)
    out(head)
    for c in configs:
        row = f"{c:8}"
        for op in OPS:
            m = med(vals, c, op)
            r = m / base[op] if m is not None and base[op] else None
            row += f" {fmt(m, 1):>14} {fmt(r):>7}"
        out(row)
    out("")
    out(f"{'config':8} {'load ns/rule':>13} {'bytes/rule':>11} {'read-back ns':>13} {'owner spread':>13}")
    for n in sizes:
        c = f"p{n}"
        out(f"{c:8} {fmt(med(vals, c, 'load_per_rule'), 1):>13} "
            f"{fmt(med(vals, c, 'bytes_per_rule'), 1):>11} "
            f"{fmt(med(vals, c, 'readback'), 0):>13} {fmt(spread(vals, c, 'owner')):>13}")

    # The summary.
    def ratio(c, op):
        m, b = med(vals, c, op), base[op]
        return m / b if m is not None and b else None

    def added(c):
        m, b = med(vals, c, "owner"), base["owner"]
        return m - b if m is not None and b is not None else None

    added_p = [added(f"p{n}") for n in sizes]
    bpf1, bpf128 = added("bpf1"), added("bpf128")
    known = [a for a in added_p if a is not None]
    hvb1 = max(a / bpf1 for a in known) if known and bpf1 else None
    hvb128 = max(a / bpf128 for a in known) if known and bpf128 else None
    bind_ns = (base["owner"] - base["sockclose"]
               if base["owner"] is not None and base["sockclose"] is not None else None)
    lpr = med(vals, big, "load_per_rule") if big else None
    s1, s2 = med(vals, "p64", "scale1"), med(vals, "p64", "scale2")
    a1, a2 = med(vals, "absent", "scale1"), med(vals, "absent", "scale2")
    summary = {
        "owner0": ratio("p0", "owner"),
        f"owner{max(sizes) if sizes else 65536}": ratio(big, "owner") if big else None,
        f"refused{max(sizes) if sizes else 65536}": ratio(big, "refused") if big else None,
        "hook_vs_bpf1": hvb1,
        "hook_vs_bpf128": hvb128,
        "load_per_rule_vs_bind": lpr / bind_ns if lpr is not None and bind_ns else None,
        "bytes_per_rule": med(vals, big, "bytes_per_rule") if big else None,
        "scale2": s2 / s1 if s1 and s2 is not None else None,
    }
    out("")
    out(f"one bind() (absent: owner - sockclose): {fmt(bind_ns, 1)} ns; "
        f"portown's added cost per owner bind: "
        + ", ".join(f"p{n} {fmt(a, 1)}" for n, a in zip(sizes, added_p))
        + f"; BPF 1 rule {fmt(bpf1, 1)}, 128 rules {fmt(bpf128, 1)}")
    out(f"two binders on two vCPUs against one (multi-threaded TCG, ratios only): "
        f"portown, policy replaced every 10 ms: {fmt(s2 / s1 if s1 and s2 else None, 3)}; "
        f"portown absent: {fmt(a2 / a1 if a1 and a2 else None, 3)} (what this machine scales to)")
    targets = [
        ("owner bind, empty policy, within 0.5%", summary["owner0"], lambda x: x <= 1.005),
        ("owner bind at the largest policy within 1%",
         summary[f"owner{max(sizes) if sizes else 65536}"], lambda x: x <= 1.01),
        ("refused bind no dearer than the owner's",
         (ratio(big, "refused") / ratio(big, "owner")) if big and ratio(big, "refused") and ratio(big, "owner") else None,
         lambda x: x <= 1.0),
        ("added cost at most half the 1-rule BPF program's", hvb1, lambda x: x <= 0.5),
        ("added cost below the 128-rule BPF program's", hvb128, lambda x: x < 1.0),
        ("policy load per rule below one bind()", summary["load_per_rule_vs_bind"], lambda x: x < 1.0),
        ("at most 32 bytes of kernel memory per rule", summary["bytes_per_rule"], lambda x: x <= 32),
        ("two binders at least 1.8 times one", summary["scale2"], lambda x: x >= 1.8),
    ]
    out("")
    out("targets:")
    for what, x, ok in targets:
        out(f"  {'met    ' if x is not None and ok(x) else 'NOT MET'} {what}: {fmt(x)}")
    for p in problems:
        out(f"problem: {p}")

    # CSV and plot.
    with open(os.path.join(d, "bench.csv"), "w") as f:
        f.write("config,op,median,min,max,runs,ratio_vs_absent\n")
        for (c, op), v in sorted(vals.items()):
            m = statistics.median(v)
            b = base.get(op)
            f.write(f"{c},{op},{m:.1f},{min(v):.1f},{max(v):.1f},{len(v)},"
                    f"{m / b if b else ''}\n")
    plot(d, vals, sizes, base)

    summ = "bench: " + " ".join(
        f"{k}={('%d' % round(v)) if k == 'bytes_per_rule' and v is not None else fmt(v)}"
        for k, v in summary.items())
    text = "\n".join(lines)
    with open(os.path.join(d, "table.txt"), "w") as f:
        f.write(text + "\n" + summ + "\n")
    print(text)
    print(f"csv: {os.path.join(d, 'bench.csv')}  plot: {os.path.join(d, 'bench.png')}")
    print(summ)

    if tap:
        t = []
        missing = [f"{c}/{op}" for c in configs for op in OPS if med(vals, c, op) is None]
        t.append(("not ok" if missing or problems else "ok")
                 + " - bench smoke: production-like kernel, every configuration measured"
                 + (f" (missing {', '.join(missing[:5])})" if missing else "")
                 + (f" ({problems[0]})" if problems else ""))
        t.append(("not ok" if any(v is None for v in summary.values()) else "ok")
                 + f" - bench smoke: summary line complete: {summ}")
        t.append(("ok" if os.path.exists(os.path.join(d, "bench.png")) else "not ok")
                 + " - bench smoke: CSV and gnuplot PNG written")
        with open(tap, "w") as f:
            f.write("\n".join(t) + "\n")
    return 1 if problems else 0


def plot(d, vals, sizes, base):
    """ns per owner socket+bind+close against rule count, gnuplot PNG."""
    dat = os.path.join(d, "bench.dat")
    with open(dat, "w") as f:
        f.write("# rules portown_owner portown_refused absent_owner\n")
        for n in sizes:
            f.write(f"{max(n, 0.5)} {med(vals, f'p{n}', 'owner') or 'NaN'} "
                    f"{med(vals, f'p{n}', 'refused') or 'NaN'} {base['owner'] or 'NaN'}\n")
        f.write("\n\n# rules bpf_owner bpf_refused\n")
        for n in (1, 128):
            f.write(f"{n} {med(vals, f'bpf{n}', 'owner') or 'NaN'} "
                    f"{med(vals, f'bpf{n}', 'refused') or 'NaN'}\n")
    gp = f"""set terminal png size 960,600
set output '{os.path.join(d, "bench.png")}'
set title 'socket + bind + close of tcp 8080 (guest instructions, QEMU -icount)'
set xlabel 'rules in the policy (0 plotted at 0.5)'
set ylabel 'ns per operation'
set logscale x 2
set key outside right
set grid
plot '{dat}' index 0 using 1:2 with linespoints title 'portown, owner', \\
     '{dat}' index 0 using 1:3 with linespoints title 'portown, refused', \\
     '{dat}' index 0 using 1:4 with lines title 'portown absent', \\
     '{dat}' index 1 using 1:2 with linespoints title 'BPF bind4, owner', \\
     '{dat}' index 1 using 1:3 with linespoints title 'BPF bind4, refused'
"""
    try:
        subprocess.run(["gnuplot"], input=gp, text=True, check=True,
                       capture_output=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"bench: gnuplot failed: {e}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
