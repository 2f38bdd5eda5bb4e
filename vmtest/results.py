#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn VM logs and test outputs into normalized TAP files and totals.

  results.py vm NAME [--kunit]   NAME.console + NAME.serial -> NAME.tap
  results.py tap NAME FILE       any TAP output FILE -> NAME.tap
  results.py grid BOOT:LABEL... STOCKBOOT:LABEL
                                 the differential grid: each portown run
                                 against the stock one -> grid.tap
  results.py summary             totals over every *.tap, last line
                                 "N passed, N failed, N skipped"

Normalized lines are "ok - name", "not ok - name" and
"ok - name # SKIP reason". A skip is never counted as a pass, and a skip
that vmtest/expected-skips/NAME.txt does not list is a failure.
"""

import os
import re
import sys

RESULTS = os.environ.get("RESULTS") or os.path.join(
    os.environ.get("PORTOWN_BUILD")
    or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build"),
    "results")

# Kernel messages that mean something went wrong, whatever the tests say
# (after rcutorture's parse-console.sh).
SPLAT = re.compile(
    r"(BUG: |WARNING: |\bKASAN\b.*(error|BUG)|UBSAN: |"
    r"possible recursive locking|possible circular locking|"
    r"inconsistent lock state|suspicious RCU usage|"
    r"INFO: rcu|rcu: INFO|self-detected stall|lockdep is turned off|"
    r"blocked for more than|hung_task|soft lockup|hard LOCKUP|"
    r"Kernel panic|Oops|general protection fault|kernel BUG at|"
    r"Call Trace:|unreferenced object)")
# CPU vulnerability notes printed at boot say "WARNING:" but are no splat.
NOT_SPLAT = re.compile(
    r"(Spectre|RETBleed|Speculative Return Stack Overflow|MDS|MMIO Stale|"
    r"TAA|SRBDS|GDS|RFDS|Indirect Target Selection|BHI|VMSCAPE|TSA)"
    r"[^:]*: WARNING")
TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+\]\s?")
EXPECTED_SKIPS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "expected-skips")
TAP_LINE = re.compile(r"^(not ok|ok)\b\s*\d*\s*(?:- )?(.*?)\s*$")


def parse_tap(lines, prefix):
    """Top-level TAP result lines of one test program."""
    out = []
    for line in lines:
        m = TAP_LINE.match(line)
        if not m:
            continue
        status, rest = m.groups()
        desc, _, directive = rest.partition(" # ")
        name = f"{prefix}: {desc}" if prefix else desc
        if directive.upper().startswith("SKIP"):
            reason = directive[4:].strip()
            if status == "ok":
                out.append(f"ok - {name} # SKIP {reason}".rstrip())
            else:
                out.append(f"not ok - {name} (skip reported as failure)")
        elif directive.upper().startswith("TODO") or status == "not ok":
            out.append(f"not ok - {name}")
        else:
            out.append(f"ok - {name}")
    return out


def vm(name, kunit):
    console_path = os.path.join(RESULTS, name + ".console")
    serial_path = os.path.join(RESULTS, name + ".serial")
    console = read_lines(console_path)
    serial = read_lines(serial_path)
    out = []

    done = any(line.strip() == "PORTOWN-DONE" for line in serial)
    out.append(("ok" if done else "not ok") + f" - {name}: boot ran to the end")

    splats = [TIMESTAMP.sub("", l) for l in console
              if SPLAT.search(l) and not NOT_SPLAT.search(l)]
    if splats:
        out.append(f"not ok - {name}: kernel splat: {splats[0].strip()}")
    else:
        out.append(f"ok - {name}: no kernel splat in the console log")

    section, body = None, []
    for line in serial:
        line = line.rstrip("\r\n")
        if line.startswith("PORTOWN-TAP-BEGIN "):
            section, body = line.split(None, 1)[1], []
        elif line.startswith("PORTOWN-TAP-END ") and section:
            rc = line.rsplit("rc=", 1)[-1]
            results = parse_tap(body, section)
            if not results:
                results.append(f"not ok - {section}: produced no test results")
            if rc != "0" and not any(r.startswith("not ok") for r in results):
                results.append(f"not ok - {section}: exited with status {rc}")
            out.extend(results)
            section = None
        elif section is not None:
            body.append(line)
    if section is not None:
        out.append(f"not ok - {section}: did not finish")

    if kunit:
        out.extend(parse_kunit(console))
    write_tap(name, enforce_skips(name, out))


def expected_skips(name):
    """Patterns of the skips a boot is expected to have: one regular
    expression a line (matched against the whole test name), "#" starts
    a comment; a line "smc! PATTERN" applies only without PORTOWN_SMC=1."""
    pats = []
    try:
        with open(os.path.join(EXPECTED_SKIPS, name + ".txt")) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return pats
    smc = os.environ.get("PORTOWN_SMC") == "1"
    for line in lines:
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("smc! "):
            if smc:
                continue
            line = line[5:].strip()
        pats.append(re.compile(line))
    return pats


def enforce_skips(name, lines):
    """Unexpected skips fail; so does an expected skip that did not
    happen, so that the list stays exact."""
    pats = expected_skips(name)
    used = set()
    out = []
    for l in lines:
        m = re.match(r"^ok - (.*?) # SKIP ?(.*)$", l)
        if not m:
            out.append(l)
            continue
        hit = [i for i, p in enumerate(pats) if p.fullmatch(m.group(1))]
        if hit:
            used.update(hit)
            out.append(l)
        else:
            out.append(f"not ok - {m.group(1)} (unexpected skip: "
                       f"{m.group(2) or 'no reason'})")
    for i, p in enumerate(pats):
        if i not in used:
            out.append(f"not ok - {name}: expected skip '{p.pattern}' "
                       "did not happen")
    return out


def grid_runs(boot):
    """{label: (rc, {case: (result, xfam)})} of a boot's serial log."""
    runs, cur, label = {}, None, None
    for line in read_lines(os.path.join(RESULTS, boot + ".serial")):
        line = line.rstrip("\r\n")
        if line.startswith("PORTOWN-GRID-BEGIN "):
            label, cur = line.split(None, 1)[1], {}
        elif line.startswith("PORTOWN-GRID-END ") and cur is not None:
            done = "GRID-END" in cur
            cur.pop("GRID-END", None)
            rc = line.rsplit("rc=", 1)[-1]
            runs[label] = (rc if done else "incomplete", cur)
            cur = None
        elif cur is not None:
            f = line.split()
            if f and f[0] == "GRID-END":
                cur["GRID-END"] = None
            elif len(f) >= 3 and f[0] == "GRID":
                cur[f[1]] = (f[2], len(f) > 3 and f[3] == "xfam")
    return runs


def grid(args):
    """Each portown run of the grid must match the stock run errno for
    errno, but for cases tagged xfam where portown refused (EACCES) what
    the stock kernel refused with another errno. One result per run and
    subject/operation group."""
    *runs, stock = args
    sboot, slabel = stock.split(":")
    out = []
    ref = grid_runs(sboot).get(slabel)
    if not ref or ref[0] != "0" or not ref[1]:
        out.append(f"not ok - grid: the stock run {stock} is missing or "
                   f"failed ({ref[0] if ref else 'missing'})")
        write_tap("grid", out)
        return
    ref = ref[1]
    for run in runs:
        boot, label = run.split(":")
        got = grid_runs(boot).get(label)
        if not got or got[0] != "0":
            out.append(f"not ok - grid {label}: run missing or failed "
                       f"({got[0] if got else 'missing'})")
            continue
        got = got[1]
        if set(got) != set(ref):
            out.append(f"not ok - grid {label}: {len(got)} cases, stock has "
                       f"{len(ref)}")
            continue
        groups = {}
        for case in sorted(ref):
            g = "/".join(case.split("/")[:2])
            same, doc, bad = groups.setdefault(g, [0, 0, []])
            r, xfam = got[case]
            sr = ref[case][0]
            if r == sr:
                groups[g][0] += 1
            elif xfam and r == "EACCES" and sr != "OK":
                groups[g][1] += 1
            else:
                groups[g][2].append(f"{case}: portown {r}, stock {sr}")
        for g, (same, doc, bad) in sorted(groups.items()):
            what = f"grid {label} vs stock: {g} ({same} identical"
            what += f", {doc} documented EACCES)" if doc else ")"
            if bad:
                out.append(f"not ok - {what}: {len(bad)} differ")
                out.extend(f"# {b}" for b in bad[:20])
            else:
                out.append(f"ok - {what}")
    write_tap("grid", out)


def parse_kunit(console):
    """KUnit leaf results: each test case, and each parameter of a
    parameterized case instead of the case's summary line."""
    out = []
    suite, params = None, []

    def result(status, name, rest):
        if "# SKIP" in rest:
            return f"ok - {name} # SKIP{rest.split('# SKIP', 1)[1]}"
        return f"{status} - {name}"

    for raw in console:
        line = TIMESTAMP.sub("", raw.rstrip("\r\n"))
        m = re.match(r"^    # Subtest: (\S+)", line)
        if m:
            suite, params = m.group(1), []
            continue
        m = re.match(r"^        (not ok|ok) \d+ (.*?)(\s+#.*)?$", line)
        if m and suite:
            status, desc, rest = m.groups()
            params.append((status, desc, rest or ""))
            continue
        m = re.match(r"^    (not ok|ok) \d+ (\S+)(.*)$", line)
        if m and suite:
            status, test, rest = m.groups()
            if params:
                for pstatus, desc, prest in params:
                    out.append(result(pstatus, f"kunit {suite}.{test}[{desc}]",
                                      prest))
                if status == "not ok" and all(p[0] == "ok" for p in params):
                    out.append(f"not ok - kunit {suite}.{test}")
                params = []
            else:
                out.append(result(status, f"kunit {suite}.{test}", rest))
    if not out:
        out.append("not ok - kunit: no KUnit results in the console log")
    return out


def read_lines(path):
    try:
        with open(path, errors="replace") as f:
            return f.readlines()
    except FileNotFoundError:
        return []


def write_tap(name, lines):
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, name + ".tap"), "w") as f:
        f.write("".join(l + "\n" for l in lines))
    report(name, lines)


def count(lines):
    p = sum(1 for l in lines if l.startswith("ok") and "# SKIP" not in l)
    s = sum(1 for l in lines if l.startswith("ok") and "# SKIP" in l)
    f = sum(1 for l in lines if l.startswith("not ok"))
    return p, f, s


def report(name, lines):
    p, f, s = count(lines)
    for l in lines:
        if l.startswith("not ok"):
            print(f"  FAIL {l[7:]}")
    print(f"{name}: {p} passed, {f} failed, {s} skipped")


def summary():
    total = [0, 0, 0]
    if os.path.isdir(RESULTS):
        for fn in sorted(os.listdir(RESULTS)):
            if not fn.endswith(".tap"):
                continue
            lines = read_lines(os.path.join(RESULTS, fn))
            p, f, s = count(lines)
            print(f"  {fn[:-4]:28} {p:5} passed {f:4} failed {s:4} skipped")
            for l in lines:
                if l.startswith("not ok"):
                    print(f"      FAIL {l[7:].strip()}")
            total = [total[0] + p, total[1] + f, total[2] + s]
    print(f"{total[0]} passed, {total[1]} failed, {total[2]} skipped")
    return 1 if total[1] or not total[0] else 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "vm":
        vm(argv[1], "--kunit" in argv[2:])
        return 0
    if len(argv) == 3 and argv[0] == "tap":
        write_tap(argv[1], enforce_skips(argv[1], parse_tap(
            read_lines(argv[2]), "") or
            [f"not ok - {argv[1]}: produced no test results"]))
        return 0
    if len(argv) >= 3 and argv[0] == "grid":
        grid(argv[1:])
        return 0
    if argv == ["summary"]:
        return summary()
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
