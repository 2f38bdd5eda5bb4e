#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn VM logs and test outputs into normalized TAP files and totals.

  results.py vm NAME [--kunit] [--kcsan]
                                 NAME.console + NAME.serial -> NAME.tap;
                                 --kcsan: KCSAN reports are judged apart
                                 (make kcsan, see kcsan_results())
  results.py tap NAME FILE       any TAP output FILE -> NAME.tap
  results.py grid BOOT:LABEL... STOCKBOOT:LABEL
                                 the differential grid: each portown run
                                 against the stock one -> grid.tap
  results.py summary             totals over every *.tap, last line
                                 "N passed, N failed, N skipped"

Normalized lines are "ok - name", "not ok - name" and
"ok - name # SKIP reason". A skip is never counted as a pass, and a skip
that the "skip" lines of vmtest/boots/NAME.boot (a VM boot of make check)
or vmtest/expected-skips/NAME.txt (any other) do not list is a failure.
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

# KCSAN (make kcsan). A report (kernel/kcsan/report.c) runs from its
# "BUG: KCSAN: data-race in A / B" title (or "... in A+0x1d/0x30" when the
# other access is of unknown origin; "assert: race" for ASSERT_EXCLUSIVE_*)
# to the "=====" line that closes it; each racing access is a line
# "read to 0x... of 4 bytes by task 12 on cpu 1:" and its stack, one
# "function+0xoff/0xsize" frame a line, the first one the access itself.
KCSAN_TITLE = re.compile(r"BUG: KCSAN: (.*?)\s*$")
KCSAN_END = re.compile(r"^={20,}\s*$")
KCSAN_ACCESS = re.compile(r" bytes by .* on cpu \d+:\s*$")
KCSAN_FRAME = re.compile(
    r"^\s*(?:\+-> reordered to: )?([A-Za-z_][\w.]*)\+0x[0-9a-f]+/0x[0-9a-f]+")
KCSAN_OFFSET = re.compile(r"\+0x[0-9a-f]+/0x[0-9a-f]+")
# A KCSAN report is portown's, and fails make kcsan, when
# - any frame of either stack is a function of security/portown/ (all of
#   them are named portown_* or __portown_*), or the report names a file
#   there (frames carry none with DEBUG_INFO_NONE: kept in case);
# - or one of the two racing accesses (the top frame of a stack, which the
#   title names) is in a function that portown's glue edits, or in an LSM
#   hook dispatcher through which the stack's bind and connect paths (inet,
#   inet6, SCTP, MPTCP, DCCP, rxrpc, SMC, io_uring) call portown's hooks.
#   Only the top frame: every bind passes through these, and a race deeper
#   in, e.g. in UDP's port hash under __sys_bind(), is the stack's own.
# The process name ("Comm: stress_test" in the "Reported by" footer) does
# not count. Other KCSAN reports are listed and do not fail.
KCSAN_PORTOWN_FUNC = re.compile(r"^_*portown_")
KCSAN_PORTOWN_FILE = "security/portown/"
KCSAN_GLUE_FUNCS = {
    "rxrpc_bind",                   # net/rxrpc/af_rxrpc.c, glue/portown-glue.patch
    "sctp_connect",                 # net/sctp/socket.c, glue/sctp-connect.patch
    "security_socket_bind",         # socket_bind hook: bind(2), io_uring
    "security_sctp_bind_connect",   # sctp_bindx(), sctp_connectx(), sendmsg
}
EXPECTED_SKIPS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "expected-skips")
# The boots of make check keep theirs in their description, "skip" lines.
BOOTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "boots")
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


def vm(name, kunit, kcsan=False):
    console_path = os.path.join(RESULTS, name + ".console")
    serial_path = os.path.join(RESULTS, name + ".serial")
    console = read_lines(console_path)
    serial = read_lines(serial_path)
    out = []

    done = any(line.strip() == "PORTOWN-DONE" for line in serial)
    out.append(("ok" if done else "not ok") + f" - {name}: boot ran to the end")

    # With --kcsan, KCSAN reports are judged by kcsan_results(), not here:
    # their title is the only line of a report that SPLAT matches, so each
    # report is counted once, and any other splat still fails the boot.
    splats = [TIMESTAMP.sub("", l) for l in console
              if SPLAT.search(l) and not NOT_SPLAT.search(l) and
              not (kcsan and KCSAN_TITLE.search(l))]
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
    if kcsan:
        out.extend(kcsan_results(name, console, serial))
    write_tap(name, enforce_skips(name, out))


def kcsan_reports(console):
    """The KCSAN reports of a console log: [(title, lines)], each report's
    lines from its title to its closing line, without timestamps."""
    reports, cur = [], None
    for raw in console:
        line = TIMESTAMP.sub("", raw.rstrip("\r\n"))
        m = KCSAN_TITLE.search(line)
        if m:
            cur = (m.group(1), [line])
            reports.append(cur)
        elif cur is not None:
            cur[1].append(line)
            if KCSAN_END.match(line) or len(cur[1]) > 200:
                cur = None
    return reports


def kcsan_is_portown(title, lines):
    """Whether a KCSAN report involves portown (see KCSAN_PORTOWN_FUNC)."""
    def base(fn):   # "foo.constprop.0+0x1d/0x30" -> "foo"
        return KCSAN_OFFSET.sub("", fn).split(".")[0].strip()

    top = [base(f) for f in title.split(" in ", 1)[-1].split(" / ")]
    after_access = False
    for line in lines:
        if KCSAN_PORTOWN_FILE in line and not line.startswith("CPU:"):
            return True
        m = KCSAN_FRAME.match(line)
        if m:
            fn = base(m.group(1))
            if KCSAN_PORTOWN_FUNC.match(fn):
                return True
            if after_access:
                top.append(fn)
        after_access = bool(KCSAN_ACCESS.search(line))
    return any(KCSAN_PORTOWN_FUNC.match(f) or f in KCSAN_GLUE_FUNCS
               for f in top)


def kcsan_results(name, console, serial):
    """make kcsan: KCSAN was on; no KCSAN report involves portown (one
    failure per distinct title, the first report's text as TAP comments);
    the other reports are listed as comments and printed, not failed."""
    out = []
    text = "".join(console)
    early = re.search(r"kcsan: enabled early", text)
    selftest = re.search(r"kcsan: selftest: (\d+)/(\d+) tests passed", text)
    stats, section = {}, False
    for line in serial:
        line = line.strip()
        if line == "PORTOWN-KCSAN-BEGIN":
            section = True
        elif line == "PORTOWN-KCSAN-END":
            section = False
        elif section and ":" in line:
            k, _, v = line.partition(":")
            if v.strip().isdigit():
                stats[k.strip()] = int(v)
    on = bool(early and selftest and selftest.group(1) == selftest.group(2))
    what = "enabled early, selftest " + (
        f"{selftest.group(1)}/{selftest.group(2)} passed" if selftest
        else "missing")
    if stats:
        on = on and stats.get("enabled") == 1 and \
            stats.get("setup_watchpoints", 0) > 0
        what += (f"; {stats.get('setup_watchpoints', 0)} watchpoints set up, "
                 f"{stats.get('data_races', 0)} data races seen")
    if not early:
        what = "no 'kcsan: enabled early' in the console log: not a KCSAN kernel?"
    out.append(("ok" if on else "not ok") + f" - {name}: KCSAN on ({what})")

    groups = {}     # title without offsets -> [count, portown, lines]
    for title, lines in kcsan_reports(console):
        key = KCSAN_OFFSET.sub("", title)
        g = groups.setdefault(key, [0, False, lines])
        g[0] += 1
        g[1] = g[1] or kcsan_is_portown(title, lines)
    ours = {k: g for k, g in groups.items() if g[1]}
    others = {k: g for k, g in groups.items() if not g[1]}
    for key, (n, _, lines) in ours.items():
        out.append(f"not ok - {name}: KCSAN report in portown code: {key}"
                   + (f" ({n} times)" if n > 1 else ""))
        out.extend(f"# {l}" for l in ["=" * 66] + lines)
        print(f"  KCSAN report in portown code ({n}x):")
        print("\n".join("    " + l for l in ["=" * 66] + lines))
    if not ours:
        out.append(f"ok - {name}: no KCSAN report in portown code "
                   f"({sum(g[0] for g in others.values())} other reports)")
    for key, (n, _, _) in sorted(others.items()):
        out.append(f"# KCSAN report outside portown (listed, not failed): "
                   f"{key} ({n}x)")
        print(f"  KCSAN (not portown, not failed): {key} ({n}x)")
    return out


def expected_skip_lines(name):
    """The expected-skip lines of a results name: the "skip" lines of
    vmtest/boots/NAME.boot for a boot of make check, else the lines of
    vmtest/expected-skips/NAME.txt. Raises ValueError when both exist:
    one of the two would be silently ignored."""
    boot = os.path.join(BOOTS, name + ".boot")
    txt = os.path.join(EXPECTED_SKIPS, name + ".txt")
    if os.path.exists(boot):
        if os.path.exists(txt):
            raise ValueError(f"expected skips in both vmtest/boots/{name}.boot "
                             f"and vmtest/expected-skips/{name}.txt")
        with open(boot) as f:
            return [l.split(None, 1)[1] for l in f.read().splitlines()
                    if len(l.split(None, 1)) == 2 and
                    l.split(None, 1)[0] == "skip"]
    try:
        with open(txt) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def expected_skips(name):
    """Patterns of the skips a boot is expected to have: one regular
    expression a line (matched against the whole test name), "#" starts
    a comment; a line "smc! PATTERN" applies only without PORTOWN_SMC=1."""
    pats = []
    lines = expected_skip_lines(name)
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
    used = set()
    out = []
    try:
        pats = expected_skips(name)
    except ValueError as e:
        pats = []
        out.append(f"not ok - {name}: {e}")
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
    """{label: (rc, {case: (result, xfam)}, problems)} of a boot's serial
    log; problems lists what makes a run unusable however its cases
    compare: a case printed twice, a GRID line without a result."""
    runs, cur, label, problems = {}, None, None, []
    for line in read_lines(os.path.join(RESULTS, boot + ".serial")):
        line = line.rstrip("\r\n")
        if line.startswith("PORTOWN-GRID-BEGIN "):
            label, cur, problems = line.split(None, 1)[1], {}, []
        elif line.startswith("PORTOWN-GRID-END ") and cur is not None:
            done = "GRID-END" in cur
            cur.pop("GRID-END", None)
            rc = line.rsplit("rc=", 1)[-1]
            runs[label] = (rc if done else "incomplete", cur, problems)
            cur = None
        elif cur is not None:
            f = line.split()
            if f and f[0] == "GRID-END":
                cur["GRID-END"] = None
            elif f and f[0] == "GRID":
                if len(f) < 3:
                    problems.append(f"malformed line: {line.strip()}")
                elif f[1] in cur:
                    problems.append(f"case {f[1]} printed twice")
                else:
                    cur[f[1]] = (f[2], len(f) > 3 and f[3] == "xfam")
    return runs


def grid_group(case):
    """The TAP line a case is counted in: subject/operation, and for the
    hand-over cases method/binder->user ("handover/scm/root->other")."""
    parts = case.split("/")
    return "/".join(parts[:3] if parts[0] == "handover" else parts[:2])


# A result that is one of portown_grid's own failure codes (R_* in
# common.h, printed "E-<code>"), not the kernel's answer.
GRID_HELPER_FAILURE = re.compile(r"^E-1\d{4}$")


def grid(args):
    """Each portown run of the grid must match the stock run errno for
    errno, but for cases tagged xfam where portown refused (EACCES) what
    the stock kernel refused with another errno. One result per run and
    group (grid_group()). A case that one run has and the other lacks
    fails, and so does a hand-over case whose sockets could not be set up
    (the same helper failure in both runs tests nothing)."""
    *runs, stock = args
    sboot, slabel = stock.split(":")
    out = []
    ref = grid_runs(sboot).get(slabel)
    if not ref or ref[0] != "0" or not ref[1]:
        out.append(f"not ok - grid: the stock run {stock} is missing or "
                   f"failed ({ref[0] if ref else 'missing'})")
        write_tap("grid", out)
        return
    if ref[2]:
        out.append(f"not ok - grid: the stock run {stock}: "
                   f"{len(ref[2])} bad lines")
        out.extend(f"# {p}" for p in ref[2][:20])
    ref = ref[1]
    for run in runs:
        boot, label = run.split(":")
        got = grid_runs(boot).get(label)
        if not got or got[0] != "0":
            out.append(f"not ok - grid {label}: run missing or failed "
                       f"({got[0] if got else 'missing'})")
            continue
        if got[2]:
            out.append(f"not ok - grid {label}: {len(got[2])} bad lines")
            out.extend(f"# {p}" for p in got[2][:20])
        got = got[1]
        missing = sorted(set(ref) - set(got))
        extra = sorted(set(got) - set(ref))
        if missing or extra:
            out.append(f"not ok - grid {label}: {len(got)} cases, stock has "
                       f"{len(ref)}: {len(missing)} missing, {len(extra)} "
                       "only here")
            out.extend(f"# missing: {c}" for c in missing[:20])
            out.extend(f"# only in {label}: {c}" for c in extra[:20])
        groups = {}
        for case in sorted(set(ref) & set(got)):
            g = grid_group(case)
            same, doc, bad = groups.setdefault(g, [0, 0, []])
            r, xfam = got[case]
            sr = ref[case][0]
            if case.startswith("handover/") and \
                    GRID_HELPER_FAILURE.match(sr):
                groups[g][2].append(f"{case}: set-up failed in stock "
                                    f"({sr}), portown {r}")
            elif r == sr:
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
        vm(argv[1], "--kunit" in argv[2:], "--kcsan" in argv[2:])
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
