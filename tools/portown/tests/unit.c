// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the portown config parser and decision logic (TAP).
 * Built with AddressSanitizer and UBSan by `make check`.
 */
#include "config.h"
#include "output.h"
#include "policy.h"
#include "procscan.h"
#include "sysctl.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int ntests, nfailed;

static void ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++ntests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		nfailed++;
}

/* TAP diagnostics: every line prefixed with '# ' */
static void diag(const char *label, const char *s)
{
	printf("# %s:\n", label);
	while (s && *s) {
		size_t l = strcspn(s, "\n");

		printf("#   %.*s\n", (int)l, s);
		s += l + (s[l] == '\n');
	}
}

/* ---- a fixed name database, so tests do not depend on the host ---- */

static const struct { const char *name; uint32_t id; } users[] = {
	{ "root", 0 }, { "www-data", 33 }, { "bind", 102 }, { "alice", 1000 },
	{ "bob", 1001 }, { "big", 4294967295u },
}, groups[] = {
	{ "root", 0 }, { "www-data", 33 }, { "bind", 102 }, { "alice", 1000 },
	{ "bob", 1001 }, { "devs", 1002 },
};
static const struct { const char *name, *proto; uint16_t port; } services[] = {
	{ "http", "tcp", 80 }, { "https", "tcp", 443 }, { "https", "udp", 443 },
	{ "domain", "tcp", 53 }, { "domain", "udp", 53 }, { "sql-net", "tcp", 150 },
	{ "9pfs", "tcp", 564 }, { "diameter", "sctp", 3868 },
};

static int f_user(void *ctx, const char *n, uint32_t *id)
{
	(void)ctx;
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++)
		if (!strcmp(users[i].name, n))
			return *id = users[i].id, 0;
	return -1;
}

static int f_group(void *ctx, const char *n, uint32_t *id)
{
	(void)ctx;
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (!strcmp(groups[i].name, n))
			return *id = groups[i].id, 0;
	return -1;
}

static int f_service(void *ctx, const char *n, const char *proto, uint16_t *port)
{
	(void)ctx;
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (!strcmp(services[i].name, n) && !strcmp(services[i].proto, proto))
			return *port = services[i].port, 0;
	return -1;
}

static const struct po_resolver fake = { f_user, f_group, f_service, NULL };

/* parse text; returns canonical text (or NULL on errors) and all messages joined by '\n' */
static char *parse(const char *text, size_t len, bool names, char *msgs, size_t msize)
{
	struct po_policy pol;
	struct po_parser ps;
	char *out = NULL;

	po_policy_init(&pol);
	po_parser_init(&ps, &pol, names ? &fake : NULL, names);
	po_parse_buffer(&ps, "t.conf", text, len);
	msgs[0] = '\0';
	if (po_parse_finish(&ps)) {
		size_t o = 0;

		for (size_t i = 0; i < ps.ndiags && o < msize; i++) {
			char b[1024];

			po_diag_format(&ps.diags[i], b, sizeof(b));
			o += (size_t)snprintf(msgs + o, msize - o, "%s%s", i ? "\n" : "", b);
		}
	} else {
		out = po_policy_format(&pol, NULL);
	}
	po_parser_free(&ps);
	po_policy_free(&pol);
	return out;
}

static void expect_text(const char *name, const char *in, bool names, const char *want)
{
	char msgs[4096];
	char *got = parse(in, strlen(in), names, msgs, sizeof(msgs));

	ok(got && !strcmp(got, want), "%s", name);
	if (!got || strcmp(got, want))
	{
		diag("want", want);
		diag("got", got ? got : "(error)");
		diag("messages", msgs);
	}
	free(got);
}

static void expect_error(const char *name, const char *in, size_t len, bool names, const char *want)
{
	char msgs[8192];
	char *got = parse(in, len, names, msgs, sizeof(msgs));

	ok(!got && !strcmp(msgs, want), "malformed: %s", name);
	if (got || strcmp(msgs, want))
	{
		diag("want", want);
		diag("got", got ? "(accepted)" : msgs);
	}
	free(got);
}

static void test_valid(void)
{
	expect_text("empty config gives the default policy", "", true, "reserved 1024\n");
	expect_text("comments and blank lines only", "# x\n\n   \t\n#tcp 80 uid 1\n", true, "reserved 1024\n");
	expect_text("kernel grammar example",
		    "reserved 1024\nstrict\ntcp 80 uid 33\ntcp 443 gid 33\nudp 53 uid 102\n"
		    "tcp 8000-8099 gid 1001\nsctp 9899 uid 1000\n", false,
		    "reserved 1024\nstrict\ntcp 80 uid 33\ntcp 443 gid 33\ntcp 8000-8099 gid 1001\n"
		    "udp 53 uid 102\nsctp 9899 uid 1000\n");
	expect_text("names: users, groups, services",
		    "tcp http user www-data\ntcp 443 group www-data\nudp domain user bind\n"
		    "tcp 8000-8099 group devs\nsctp diameter user alice\n", true,
		    "reserved 1024\ntcp 80 uid 33\ntcp 443 gid 33\ntcp 8000-8099 gid 1002\n"
		    "udp 53 uid 102\nsctp 3868 uid 1000\n");
	expect_text("canonical order: proto, first, last, uid before gid, id",
		    "dccp 5 uid 1\nsctp 5 uid 1\nudp 5 uid 1\ntcp 5-6 uid 1\ntcp 5 gid 1\n"
		    "tcp 5 uid 2\ntcp 5 uid 1\ntcp 4 gid 0\n", false,
		    "reserved 1024\ntcp 4 gid 0\ntcp 5 uid 1\ntcp 5 uid 2\ntcp 5 gid 1\ntcp 5-6 uid 1\n"
		    "udp 5 uid 1\nsctp 5 uid 1\ndccp 5 uid 1\n");
	expect_text("exact duplicates removed, single-port range printed as N",
		    "tcp 80-80 uid 33\ntcp 80 uid 33\ntcp 80 user www-data\n", true,
		    "reserved 1024\ntcp 80 uid 33\n");
	expect_text("leading zeros, tabs, trailing comment, settings anywhere",
		    "\ttcp\t0080  uid\t033 # web\nreserved 00000\nstrict#x\n", false,
		    "reserved 0\nstrict\ntcp 80 uid 33\n");
	expect_text("numeric user/group with names allowed, extremes",
		    "tcp 1-65535 user 4294967294\nudp 65535 group 0\n", true,
		    "reserved 1024\ntcp 1-65535 uid 4294967294\nudp 65535 gid 0\n");
	expect_text("service with a hyphen and one starting with a digit",
		    "tcp sql-net user root\ntcp 9pfs user root\n", true,
		    "reserved 1024\ntcp 150 uid 0\ntcp 564 uid 0\n");
	expect_text("no final newline", "tcp 80 uid 33", false, "reserved 1024\ntcp 80 uid 33\n");
	expect_text("NUL inside a comment is ignored", "tcp 80 uid 33 #a\0b\n", false,
		    "reserved 1024\ntcp 80 uid 33\n");
}

struct bad { const char *name, *in; bool names; const char *msg; };

static const struct bad bad[] = {
	{ "unknown keyword", "foo 80 uid 1\n", true,
	  "t.conf:1:1: unknown keyword 'foo' (expected tcp, udp, sctp, dccp, reserved, strict or include)" },
	{ "unknown keyword, kernel grammar", "icmp 1 uid 1\n", false,
	  "t.conf:1:1: unknown keyword 'icmp' (expected tcp, udp, sctp, dccp, reserved, strict)" },
	{ "protocol is case sensitive", "TCP 80 uid 1\n", false,
	  "t.conf:1:1: unknown keyword 'TCP' (expected tcp, udp, sctp, dccp, reserved, strict)" },
	{ "missing port", "tcp\n", true, "t.conf:1:4: missing port after 'tcp'" },
	{ "missing owner", "  udp 53\n", true,
	  "t.conf:1:9: missing owner after port (expected user, group, uid or gid)" },
	{ "missing id", "tcp 80 uid\n", true, "t.conf:1:11: missing uid after 'uid'" },
	{ "missing user", "tcp 80 user   # x\n", true, "t.conf:1:12: missing user name or uid after 'user'" },
	{ "missing group", "tcp 80 group\n", true, "t.conf:1:13: missing group name or gid after 'group'" },
	{ "port 0", "tcp 0 uid 1\n", true, "t.conf:1:5: port 0 is not allowed (ports are 1-65535)" },
	{ "port 0 as 000", "tcp 000 uid 1\n", false, "t.conf:1:5: port 0 is not allowed (ports are 1-65535)" },
	{ "range from 0", "tcp 0-10 uid 1\n", false, "t.conf:1:5: port 0 is not allowed (ports are 1-65535)" },
	{ "port 65536", "udp 65536 uid 1\n", false, "t.conf:1:5: port '65536' out of range (ports are 1-65535)" },
	{ "huge port", "udp 99999999999999999999999 uid 1\n", false,
	  "t.conf:1:5: port '99999999999999999999999' out of range (ports are 1-65535)" },
	{ "range past 65535", "tcp 1-65536 uid 1\n", false,
	  "t.conf:1:5: port range '1-65536' out of range (ports are 1-65535)" },
	{ "reversed range", "tcp 90-80 uid 1\n", true,
	  "t.conf:1:5: invalid port range '90-80': first port greater than last" },
	{ "open range", "tcp 80- uid 1\n", true,
	  "t.conf:1:5: invalid port '80-' (expected N or N-M, 1-65535, or a service name)" },
	{ "negative port", "tcp -1 uid 1\n", false,
	  "t.conf:1:5: invalid port '-1' (expected N or N-M, 1-65535)" },
	{ "signed port", "tcp +80 uid 1\n", false,
	  "t.conf:1:5: invalid port '+80' (expected N or N-M, 1-65535)" },
	{ "hex port", "tcp 0x50 uid 1\n", false,
	  "t.conf:1:5: invalid port '0x50' (expected N or N-M, 1-65535)" },
	{ "service name in kernel grammar", "tcp http uid 1\n", false,
	  "t.conf:1:5: invalid port 'http' (expected N or N-M, 1-65535)" },
	{ "unknown service", "udp http user root\n", true, "t.conf:1:5: unknown service 'http' for udp" },
	{ "unknown owner type", "tcp 80 usr 1\n", true,
	  "t.conf:1:8: unknown owner type 'usr' (expected user, group, uid or gid)" },
	{ "user in kernel grammar", "tcp 80 user 1\n", false,
	  "t.conf:1:8: unknown owner type 'user' (expected uid or gid)" },
	{ "unknown user", "tcp 80 user mallory\n", true, "t.conf:1:13: unknown user 'mallory'" },
	{ "unknown group", "tcp 80 group nogroup\n", true, "t.conf:1:14: unknown group 'nogroup'" },
	{ "name after uid", "tcp 80 uid alice\n", true,
	  "t.conf:1:12: invalid uid 'alice' (expected a number 0-4294967294; use 'user' for names)" },
	{ "name after gid", "tcp 80 gid devs\n", true,
	  "t.conf:1:12: invalid gid 'devs' (expected a number 0-4294967294; use 'group' for names)" },
	{ "uid 4294967295 (invalid id)", "tcp 80 uid 4294967295\n", false,
	  "t.conf:1:12: uid '4294967295' out of range (0-4294967294)" },
	{ "gid too large", "tcp 80 gid 99999999999\n", false,
	  "t.conf:1:12: gid '99999999999' out of range (0-4294967294)" },
	{ "negative uid", "tcp 80 uid -1\n", false, "t.conf:1:12: invalid uid '-1' (expected a number 0-4294967294)" },
	{ "user whose id is (uid_t)-1", "tcp 80 user big\n", true,
	  "t.conf:1:13: user 'big' has id 4294967295, which the kernel cannot store" },
	{ "extra field", "tcp 80 uid 33 extra\n", true, "t.conf:1:15: unexpected 'extra' after rule" },
	{ "many extra fields", "tcp 80 uid 33 a b c d e f g h\n", true, "t.conf:1:15: unexpected 'a' after rule" },
	{ "CRLF line ending", "tcp 80 uid 33\r\n", false,
	  "t.conf:1:14: line ends in CR LF (a DOS/Windows line ending): convert the file to LF line endings, e.g. with dos2unix" },
	{ "CRLF on every line: reported once, with the count; the lines are still read",
	  "# x\r\ntcp 80 uid 33\r\ntcp 0 uid 1\r\n\r\nudp 5 uid 5\r", false,
	  "t.conf:1:4: line ends in CR LF (a DOS/Windows line ending), like 4 more lines of this file: convert it to LF line endings, e.g. with dos2unix\n"
	  "t.conf:3:5: port 0 is not allowed (ports are 1-65535)" },
	{ "CRLF on two lines", "tcp 80 uid 33\ntcp 81 uid 33\r\ntcp 82 uid 33\r\n", false,
	  "t.conf:2:14: line ends in CR LF (a DOS/Windows line ending), like 1 more line of this file: convert it to LF line endings, e.g. with dos2unix" },
	{ "a CR inside a line is not a line ending", "tcp 80 uid 33\r # x\n", false,
	  "t.conf:1:12: invalid uid '33\\x0d' (expected a number 0-4294967294)" },
	{ "UTF-8 byte-order mark", "\xef\xbb\xbftcp 80 uid 33\n", false,
	  "t.conf:1:1: UTF-8 byte-order mark at the start of the file: save it without one (e.g. sed -i '1s/^\\xEF\\xBB\\xBF//' FILE)" },
	{ "byte-order mark: the rest of the file is still read, columns as in the file", "\xef\xbb\xbf tcp 0 uid 33\r\n", false,
	  "t.conf:1:1: UTF-8 byte-order mark at the start of the file: save it without one (e.g. sed -i '1s/^\\xEF\\xBB\\xBF//' FILE)\n"
	  "t.conf:1:17: line ends in CR LF (a DOS/Windows line ending): convert the file to LF line endings, e.g. with dos2unix\n"
	  "t.conf:1:9: port 0 is not allowed (ports are 1-65535)" },
	{ "a byte-order mark after the start is an ordinary bad byte", "tcp 80 uid 33\n\xef\xbb\xbftcp 81 uid 1\n", false,
	  "t.conf:2:1: unknown keyword '\\xef\\xbb\\xbftcp' (expected tcp, udp, sctp, dccp, reserved, strict)" },
	{ "reserved without value", "reserved\n", true,
	  "t.conf:1:9: missing value after 'reserved' (expected 0-65535)" },
	{ "reserved 65536", "reserved 65536\n", true,
	  "t.conf:1:10: invalid reserved value '65536' (expected 0-65535)" },
	{ "reserved word", "reserved yes\n", true,
	  "t.conf:1:10: invalid reserved value 'yes' (expected 0-65535)" },
	{ "reserved extra", "reserved 1 2\n", true, "t.conf:1:12: unexpected '2' after reserved value" },
	{ "duplicate reserved", "reserved 1\n\nreserved 1\n", true,
	  "t.conf:3:1: duplicate 'reserved' (first set at t.conf:1)" },
	{ "strict with argument", "strict yes\n", true, "t.conf:1:8: unexpected 'yes' after 'strict'" },
	{ "duplicate strict", "strict\n  strict\n", false,
	  "t.conf:2:3: duplicate 'strict' (first set at t.conf:1)" },
	{ "include in kernel grammar", "include x\n", false,
	  "t.conf:1:1: unknown keyword 'include' (expected tcp, udp, sctp, dccp, reserved, strict)" },
	{ "include without file", "include\n", true, "t.conf:1:8: missing file or pattern after 'include'" },
	{ "include of a missing file", "include /nonexistent/portown-x.conf\n", true,
	  "t.conf:1:9: cannot read '/nonexistent/portown-x.conf': No such file or directory" },
	{ "non-ASCII bytes quoted", "tcp 8\xc3\xa9 uid 1\n", false,
	  "t.conf:1:5: invalid port '8\\xc3\\xa9' (expected N or N-M, 1-65535)" },
};

static void test_malformed(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(bad[i].name, bad[i].in, strlen(bad[i].in), bad[i].names, bad[i].msg);
	expect_error("NUL byte", "tcp 80\0 uid 1\n", 14, false, "t.conf:1:7: NUL byte in line");
	expect_error("all bad lines reported, good lines ignored",
		     "tcp 80 uid 33\ntcp 0 uid 1\n# fine\nudp 53 user nobody\nsctp 1-2-3 uid 1\nstrict\n",
		     strlen("tcp 80 uid 33\ntcp 0 uid 1\n# fine\nudp 53 user nobody\nsctp 1-2-3 uid 1\nstrict\n"), true,
		     "t.conf:2:5: port 0 is not allowed (ports are 1-65535)\n"
		     "t.conf:4:13: unknown user 'nobody'\n"
		     "t.conf:5:6: invalid port '1-2-3' (expected N or N-M, 1-65535, or a service name)");
}

static void test_limits(void)
{
	/* 65537 distinct rules: one too many */
	size_t cap = 65537 * 40, o = 0;
	char *buf = malloc(cap), msgs[1024], *got;

	for (unsigned i = 0; i < 65537; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s %u uid %u\n", i < 65535 ? "tcp" : "udp",
				      i < 65535 ? i + 1 : i - 65534, 7);
	got = parse(buf, o, false, msgs, sizeof(msgs));
	ok(!got && !strcmp(msgs, "t.conf:65537:1: too many rules (65537 distinct; the kernel accepts at most 65536)"),
	   "limits: 65537 rules refused");
	if (got || strcmp(msgs, "t.conf:65537:1: too many rules (65537 distinct; the kernel accepts at most 65536)"))
		printf("# got: %s\n", got ? "(accepted)" : msgs);
	free(got);
	/* the rule over the limit in file order, not in sorted order */
	o = 0;
	o += (size_t)snprintf(buf + o, cap - o, "udp 5 uid 7\n");
	for (unsigned i = 0; i < 65535; i++)
		o += (size_t)snprintf(buf + o, cap - o, "tcp %u uid 7\n", i + 1);
	o += (size_t)snprintf(buf + o, cap - o, "tcp 1 uid 7\nudp 5 uid 7\ntcp 9 gid 8\n");
	got = parse(buf, o, false, msgs, sizeof(msgs));
	ok(!got && !strcmp(msgs, "t.conf:65539:1: too many rules (65537 distinct; the kernel accepts at most 65536)"),
	   "limits: the error names the rule past the limit in file order");
	if (got || strcmp(msgs, "t.conf:65539:1: too many rules (65537 distinct; the kernel accepts at most 65536)"))
		printf("# got: %s\n", got ? "(accepted)" : msgs);
	free(got);
	/* rebuild the first buffer */
	o = 0;
	for (unsigned i = 0; i < 65537; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s %u uid %u\n", i < 65535 ? "tcp" : "udp",
				      i < 65535 ? i + 1 : i - 65534, 7);
	/* exactly 65536 rules, duplicates do not count */
	got = parse(buf, o - strlen("udp 2 uid 7\n"), false, msgs, sizeof(msgs));
	ok(got != NULL, "limits: 65536 rules accepted");
	free(got);
	/* 65536 long rules: more than 2 MiB of text */
	o = 0;
	for (unsigned i = 0; i < 65536; i++)
		o += (size_t)snprintf(buf + o, cap - o, "sctp %u-65535 gid %u\n", 10000 + (i % 50000), 4294967294u - i / 50000);
	got = parse(buf, o, false, msgs, sizeof(msgs));
	ok(!got && strstr(msgs, "policy text too large (") && strstr(msgs, "bytes; the kernel accepts at most 2097152)"),
	   "limits: policy text over 2 MiB refused");
	if (got)
		printf("# accepted\n");
	else
		printf("# %s\n", msgs);
	free(got);
	free(buf);
}

static void test_roundtrip(void)
{
	const char *in = "strict\nudp 53 user bind\ntcp 8000-8099 group devs\nreserved 2048\ntcp http user www-data\n";
	char msgs[1024];
	char *a = parse(in, strlen(in), true, msgs, sizeof(msgs));
	char *b = a ? parse(a, strlen(a), false, msgs, sizeof(msgs)) : NULL;

	ok(a && b && !strcmp(a, b), "canonical text re-parses to itself in the kernel grammar");
	free(a);
	free(b);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_include(void)
{
	char dir[] = "/tmp/portown-unit-XXXXXX", p[256], q2[256];
	struct po_policy pol;
	struct po_parser ps;
	char b[1024];

	if (!mkdtemp(dir)) {
		ok(0, "include: mkdtemp");
		return;
	}
	snprintf(p, sizeof(p), "%s/main.conf", dir);
	write_file(p, "include d/*.conf\ntcp 1 uid 1\n");
	snprintf(q2, sizeof(q2), "%s/d", dir);
	mkdir(q2, 0755);
	snprintf(q2, sizeof(q2), "%s/d/20-b.conf", dir);
	write_file(q2, "tcp 3 uid 3\nreserved 5\n");
	snprintf(q2, sizeof(q2), "%s/d/10-a.conf", dir);
	write_file(q2, "tcp 2 uid 2\nreserved 4\n");
	snprintf(q2, sizeof(q2), "%s/d/ignored.txt", dir);
	write_file(q2, "garbage\n");

	po_policy_init(&pol);
	po_parser_init(&ps, &pol, &fake, true);
	po_parse_file(&ps, p);
	po_parse_finish(&ps);
	snprintf(q2, sizeof(q2), "%s/d/20-b.conf:2:1: duplicate 'reserved' (first set at %s/d/10-a.conf:2)", dir, dir);
	if (ps.ndiags)
		po_diag_format(&ps.diags[0], b, sizeof(b));
	ok(ps.ndiags == 1 && !strcmp(b, q2) && pol.reserved == 4 && pol.nrules == 3,
	   "include: sorted glob, errors name the included file");
	po_parser_free(&ps);
	po_policy_free(&pol);

	/* a file that includes itself is named as such */
	snprintf(p, sizeof(p), "%s/loop.conf", dir);
	write_file(p, "tcp 7 uid 7\ninclude loop.conf\n");
	po_policy_init(&pol);
	po_parser_init(&ps, &pol, &fake, true);
	po_parse_file(&ps, p);
	po_parse_finish(&ps);
	snprintf(q2, sizeof(q2), "%s/loop.conf:2:9: '%s/loop.conf' includes itself", dir, dir);
	if (ps.ndiags)
		po_diag_format(&ps.diags[0], b, sizeof(b));
	ok(ps.ndiags == 1 && !strcmp(b, q2) && pol.nrules == 1, "include: a file that includes itself");
	if (ps.ndiags != 1 || strcmp(b, q2))
		printf("# got %zu: %s\n", ps.ndiags, ps.ndiags ? b : "");
	po_parser_free(&ps);
	po_policy_free(&pol);

	/* a cycle through other files names the chain */
	snprintf(p, sizeof(p), "%s/a.conf", dir);
	write_file(p, "include b.conf\n");
	snprintf(q2, sizeof(q2), "%s/b.conf", dir);
	write_file(q2, "tcp 8 uid 8\n\ninclude c.conf\n");
	snprintf(q2, sizeof(q2), "%s/c.conf", dir);
	write_file(q2, "include a.conf\n");
	po_policy_init(&pol);
	po_parser_init(&ps, &pol, &fake, true);
	po_parse_file(&ps, p);
	po_parse_finish(&ps);
	snprintf(q2, sizeof(q2), "%s/c.conf:1:9: include cycle: '%s/a.conf' -> '%s/b.conf' -> '%s/c.conf' -> '%s/a.conf'",
		 dir, dir, dir, dir, dir);
	if (ps.ndiags)
		po_diag_format(&ps.diags[0], b, sizeof(b));
	ok(ps.ndiags == 1 && !strcmp(b, q2) && pol.nrules == 1, "include: a cycle through two other files");
	if (ps.ndiags != 1 || strcmp(b, q2))
		printf("# got %zu: %s\n# want %s\n", ps.ndiags, ps.ndiags ? b : "", q2);
	po_parser_free(&ps);
	po_policy_free(&pol);

	/* the same file included twice, not nested, is no cycle */
	snprintf(p, sizeof(p), "%s/twice.conf", dir);
	write_file(p, "include d/10-a.conf\ninclude d/10-a.conf\n");
	po_policy_init(&pol);
	po_parser_init(&ps, &pol, &fake, true);
	po_parse_file(&ps, p);
	po_parse_finish(&ps);
	ok(ps.ndiags == 0 && pol.nrules == 1 && pol.reserved == 4,
	   "include: the same file twice in a row is not a cycle, and is read once");
	if (ps.ndiags)
		printf("# got: %s\n", ps.diags[0].msg);
	po_parser_free(&ps);
	po_policy_free(&pol);

	/* a chain deeper than the limit, without a cycle */
	for (int i = 0; i < 10; i++) {
		char t[64];

		snprintf(q2, sizeof(q2), "%s/deep%d.conf", dir, i);
		snprintf(t, sizeof(t), "include deep%d.conf\n", i + 1);
		write_file(q2, t);
	}
	snprintf(q2, sizeof(q2), "%s/deep10.conf", dir);
	write_file(q2, "tcp 9 uid 9\n");
	snprintf(p, sizeof(p), "%s/deep0.conf", dir);
	po_policy_init(&pol);
	po_parser_init(&ps, &pol, &fake, true);
	po_parse_file(&ps, p);
	po_parse_finish(&ps);
	ok(ps.ndiags == 1 && strstr(ps.diags[0].msg, "includes nested too deeply (more than 8 levels)"),
	   "include: nesting is bounded");
	po_parser_free(&ps);
	po_policy_free(&pol);

	/* default: main file then drop-ins in sorted order */
	snprintf(p, sizeof(p), "%s/main2.conf", dir);
	write_file(p, "tcp 9 uid 9\n");
	po_policy_init(&pol);
	po_parser_init(&ps, &pol, &fake, true);
	snprintf(q2, sizeof(q2), "%s/d", dir);
	po_parse_default(&ps, p, q2);
	po_parse_finish(&ps);
	ok(ps.ndiags == 1 && pol.nrules == 3 && pol.reserved == 4, "default config: main file plus drop-in *.conf");
	po_parser_free(&ps);
	po_policy_free(&pol);

	/* the main file includes the drop-in directory the default reads too */
	snprintf(p, sizeof(p), "%s/main3.conf", dir);
	write_file(p, "include d/*.conf\ntcp 9 uid 9\n");
	po_policy_init(&pol);
	po_parser_init(&ps, &pol, &fake, true);
	snprintf(q2, sizeof(q2), "%s/d", dir);
	po_parse_default(&ps, p, q2);
	po_parse_finish(&ps);
	snprintf(q2, sizeof(q2), "%s/d/20-b.conf:2:1: duplicate 'reserved' (first set at %s/d/10-a.conf:2)", dir, dir);
	if (ps.ndiags)
		po_diag_format(&ps.diags[0], b, sizeof(b));
	ok(ps.ndiags == 1 && !strcmp(b, q2) && pol.nrules == 3 && ps.nread == 3,
	   "default config including its drop-ins: each file read once (%zu files read)", ps.nread);
	if (ps.ndiags != 1 || strcmp(b, q2))
		printf("# got %zu: %s\n", ps.ndiags, ps.ndiags ? b : "");
	po_parser_free(&ps);
	po_policy_free(&pol);

	/* a cycle through "./" includes: each file with one spelling */
	snprintf(p, sizeof(p), "%s/ca.conf", dir);
	write_file(p, "include ./cb.conf\n");
	snprintf(q2, sizeof(q2), "%s/cb.conf", dir);
	write_file(q2, "include ./ca.conf\n");
	po_policy_init(&pol);
	po_parser_init(&ps, &pol, &fake, true);
	po_parse_file(&ps, p);
	po_parse_finish(&ps);
	snprintf(q2, sizeof(q2), "%s/./cb.conf:1:9: include cycle: '%s/ca.conf' -> '%s/./cb.conf' -> '%s/ca.conf'",
		 dir, dir, dir, dir);
	if (ps.ndiags)
		po_diag_format(&ps.diags[0], b, sizeof(b));
	ok(ps.ndiags == 1 && !strcmp(b, q2), "include: a cycle names each file as it was first opened");
	if (ps.ndiags != 1 || strcmp(b, q2))
		printf("# got %zu: %s\n# want %s\n", ps.ndiags, ps.ndiags ? b : "", q2);
	po_parser_free(&ps);
	po_policy_free(&pol);

	/* an include that cannot be read whole: at the include line */
	snprintf(p, sizeof(p), "%s/zero.conf", dir);
	write_file(p, "\n  include /dev/zero\n");
	po_policy_init(&pol);
	po_parser_init(&ps, &pol, &fake, true);
	po_parse_file(&ps, p);
	po_parse_finish(&ps);
	snprintf(q2, sizeof(q2), "%s/zero.conf:2:11: cannot read '/dev/zero': File too large", dir);
	if (ps.ndiags)
		po_diag_format(&ps.diags[0], b, sizeof(b));
	ok(ps.ndiags == 1 && !strcmp(b, q2), "include: an oversized include is reported at its line");
	if (ps.ndiags != 1 || strcmp(b, q2))
		printf("# got %zu: %s\n", ps.ndiags, ps.ndiags ? b : "");
	po_parser_free(&ps);
	po_policy_free(&pol);

	/* missing main file */
	po_policy_init(&pol);
	po_parser_init(&ps, &pol, &fake, true);
	snprintf(p, sizeof(p), "%s/none.conf", dir);
	po_parse_default(&ps, p, NULL);
	po_parse_finish(&ps);
	snprintf(q2, sizeof(q2), "%s/none.conf: cannot read: No such file or directory", dir);
	if (ps.ndiags)
		po_diag_format(&ps.diags[0], b, sizeof(b));
	ok(ps.ndiags == 1 && !strcmp(b, q2), "missing config file is an error");
	po_parser_free(&ps);
	po_policy_free(&pol);

	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# cleanup failed\n");
}

/* ---- decision ---- */

/*
 * The kernel's own cases (security/portown/decide_cases.h, also read by
 * its KUnit test): where the port stands for the task, and the verdict.
 */
enum dc_standing { DC_FREE, DC_OWNER, DC_OWNED, DC_RESERVED };
enum dc_verdict { DC_ALLOW, DC_ALLOW_OWNER, DC_ALLOW_CAPABLE, DC_LOG, DC_DENY };

struct dcase {
	const char *name;
	const char *policy;
	unsigned proto, port;
	uint32_t uid, gid;
	size_t ngroups;
	uint32_t groups[2];
	bool cap, enforcing;
	enum dc_standing standing;
	enum dc_verdict verdict;
};

#define PORTOWN_DECIDE_CASE(n, pol, pr, po, u, g, ng, g0, g1, cap, enf, st, v) \
	{ n, pol, PO_##pr, po, u, g, ng, { g0, g1 }, cap, enf, DC_##st, DC_##v },

static const struct dcase dcases[] = {
#include "decide_cases.h"
};

#undef PORTOWN_DECIDE_CASE

/* What po_decide() says of a case: its step, and whether it allows or logs. */
static enum po_step dcase_step(const struct dcase *c)
{
	switch (c->verdict) {
	case DC_ALLOW:
		return c->port ? PO_STEP_FREE : PO_STEP_PORT0;
	case DC_ALLOW_OWNER:
		return PO_STEP_OWNED_RULE;
	case DC_ALLOW_CAPABLE:
		return c->standing == DC_OWNED ? PO_STEP_OWNED_CAP : PO_STEP_RESERVED_CAP;
	default:
		return c->standing == DC_OWNED ? PO_STEP_OWNED_DENY : PO_STEP_RESERVED_DENY;
	}
}

static void test_decide(void)
{
	for (size_t i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++) {
		const struct dcase *c = &dcases[i];
		bool allowed = c->verdict != DC_DENY, logged = c->verdict == DC_LOG;
		enum po_step step = dcase_step(c);
		struct po_policy pol;
		struct po_parser ps;

		po_policy_init(&pol);
		po_parser_init(&ps, &pol, NULL, false);
		po_parse_buffer(&ps, "p", c->policy, strlen(c->policy));
		size_t nd = po_parse_finish(&ps);
		struct po_cred cred = {
			.euid = c->uid, .egid = c->gid, .groups = c->groups, .ngroups = c->ngroups,
			.cap_net_bind_service = c->cap,
		};
		struct po_decision d = po_decide(&pol, c->proto, c->port, &cred, c->enforcing);

		ok(nd == 0 && d.allowed == allowed && d.logged == logged && d.step == step &&
		   (d.step == PO_STEP_OWNED_RULE) == (d.rule != NULL),
		   "decide: %s", c->name);
		if (!(d.allowed == allowed && d.logged == logged && d.step == step))
			printf("# allowed %d logged %d step %d; the kernel's case says %d %d %d\n",
			       d.allowed, d.logged, d.step, allowed, logged, step);
		po_parser_free(&ps);
		po_policy_free(&pol);
	}
}

/* ---- socket holders from a fake /proc ---- */

static void mkproc(const char *root, int pid, const char *status, const char *comm,
		   const char *userns, const char *const *fds)
{
	char p[600], q[700];

	snprintf(p, sizeof(p), "%s/%d", root, pid);
	mkdir(p, 0755);
	snprintf(q, sizeof(q), "%s/fd", p);
	mkdir(q, 0755);
	for (int i = 0; fds && fds[i]; i++) {
		snprintf(q, sizeof(q), "%s/fd/%d", p, i);
		if (symlink(fds[i], q) != 0)
			printf("# symlink %s failed\n", q);
	}
	if (status) {
		snprintf(q, sizeof(q), "%s/status", p);
		write_file(q, status);
	}
	if (comm) {
		snprintf(q, sizeof(q), "%s/comm", p);
		write_file(q, comm);
	}
	if (userns) {
		snprintf(q, sizeof(q), "%s/ns", p);
		mkdir(q, 0755);
		snprintf(q, sizeof(q), "%s/ns/user", p);
		if (symlink(userns, q) != 0)
			printf("# symlink %s failed\n", q);
	}
}

#define ST(uid, gid, groups, cap) \
	"Name:\tx\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t" uid "\nGid:\t" gid "\nFDSize:\t64\nGroups:\t" groups \
	"\nNSpid:\t1\nCapInh:\t0000000000000000\nCapPrm:\t" cap "\nCapEff:\t" cap "\nCapBnd:\t000001ffffffffff\n"

static unsigned prot_sock;	/* ip_unprivileged_port_start for judge() */

static struct po_judgement judge(const char *policy, unsigned proto, unsigned port,
				 const char *root, uint64_t inode, const struct po_cred *fb,
				 const struct po_sockmap *m, int *pidp)
{
	struct po_policy pol;
	struct po_parser ps;
	struct po_proc procs[8];
	const struct po_holder *h;
	size_t nh = po_sockmap_find(m, inode, &h), np = 0;
	struct po_judgement j;

	po_policy_init(&pol);
	po_parser_init(&ps, &pol, NULL, false);
	po_parse_buffer(&ps, "p", policy, strlen(policy));
	po_parse_finish(&ps);
	for (size_t k = 0; k < nh && np < 8; k++)
		if (po_proc_read(root, h[k].pid, &procs[np]) == 0)
			np++;
	po_judge_socket(&pol, proto, port, prot_sock, procs, np, fb, &j);
	*pidp = j.pid;
	j.d.rule = NULL;	/* points into pol, freed below */
	for (size_t k = 0; k < np; k++)
		po_proc_free(&procs[k]);
	po_parser_free(&ps);
	po_policy_free(&pol);
	return j;
}

static void test_procscan(void)
{
	char root[] = "/tmp/portown-proc.XXXXXX", cmd[100];
	static const char *const fds_net[] = { "socket:[5001]", "socket:[5001]", "/dev/null", "pipe:[77]", "socket:[5002]", NULL };
	static const char *const fds_sq[] = { "socket:[5003]", "socket:[5004]", NULL };
	static const char *const fds_cap[] = { "socket:[5004]", "socket:[5005]", NULL };
	static const char *const fds_ns[] = { "socket:[5006]", NULL };
	static const char *const fds_gone[] = { "socket:[5007]", NULL };
	static const char *const fds_grp[] = { "socket:[5008]", "socket:[5010]", NULL };
	static const char *const fds_bad[] = { "socket:[5009]", "socket:[x]", "socket:[5009", NULL };
	static const char *const fds_self[] = { "anon_inode:[eventpoll]", NULL };
	struct po_sockmap m;
	struct po_proc pr;
	const struct po_holder *h;
	int pid;
	uint32_t rootg[1] = { 0 }, userg[1] = { 100 };
	struct po_cred fb_root = { .euid = 0, .egid = 0, .groups = rootg, .ngroups = 1, .cap_net_bind_service = true };
	struct po_cred fb_user = { .euid = 100, .egid = 100, .groups = userg, .ngroups = 1, .cap_net_bind_service = false };

	if (!mkdtemp(root)) {
		ok(0, "procscan: mkdtemp");
		return;
	}
	/* pid 1: init namespace; 200: systemd-networkd (uid 101, CAP_NET_BIND_SERVICE) */
	mkproc(root, 1, ST("0\t0\t0\t0", "0\t0\t0\t0", "", "000001ffffffffff"), "systemd\n", "user:[4026531837]", fds_self);
	mkproc(root, 200, ST("101\t101\t101\t101", "102\t102\t102\t102", "", "0000000000003c00"),
	       "systemd-network\n", "user:[4026531837]", fds_net);
	mkproc(root, 300, ST("1000\t1000\t1000\t1000", "1000\t1000\t1000\t1000", "1000 1002 ", "0000000000000000"),
	       "nc\n", "user:[4026531837]", fds_sq);
	mkproc(root, 250, ST("1001\t1001\t1001\t1001", "1001\t1001\t1001\t1001", "1001", "0000000000000400"),
	       "capd\n", NULL, fds_cap);
	mkproc(root, 400, ST("0\t0\t0\t0", "0\t0\t0\t0", "0", "000001ffffffffff"),
	       "container-init\n", "user:[4026532999]", fds_ns);
	mkproc(root, 500, NULL, NULL, NULL, fds_gone);	/* status gone */
	/* real uid 0, effective 33: the second field counts */
	mkproc(root, 600, ST("0\t33\t0\t33", "0\t7\t0\t7", "5 6 1002", "0000000000000000"),
	       "web\n", NULL, fds_grp);
	mkproc(root, 700, "Name:\tbad\nUid:\t1\n", "bad\n", NULL, fds_bad);
	/* prctl(PR_SET_NAME) allows any byte: a newline and an ESC */
	mkproc(root, 800, ST("5\t5\t5\t5", "5\t5\t5\t5", "", "0000000000000000"),
	       "ev\nil\x1b[2J\n", NULL, NULL);
	snprintf(cmd, sizeof(cmd), "%s/self", root);
	mkdir(cmd, 0755);	/* not a pid */
	snprintf(cmd, sizeof(cmd), "%s/12abc", root);
	mkdir(cmd, 0755);

	ok(po_sockmap_build(&m, root) == 0, "procscan: the map is built in one pass");
	ok(po_sockmap_find(&m, 5001, &h) == 1 && h->pid == 200, "procscan: two fds of one socket in one process: one holder");
	ok(po_sockmap_find(&m, 5004, &h) == 2 && h[0].pid == 250 && h[1].pid == 300,
	   "procscan: a socket shared by two processes has both holders, by pid");
	ok(po_sockmap_find(&m, 5009, &h) == 1 && po_sockmap_find(&m, 77, &h) == 0 && po_sockmap_find(&m, 4242, &h) == 0 && !h,
	   "procscan: only well-formed socket:[N] links count");
	ok(m.n == 11, "procscan: map size (%zu entries)", m.n);

	ok(po_proc_read(root, 600, &pr) == 0 && pr.euid == 33 && pr.egid == 7 && pr.ngroups == 3 &&
	   pr.groups[2] == 1002 && pr.cap_eff == 0 && !strcmp(pr.comm, "web") && pr.init_userns,
	   "procscan: status: effective uid/gid (second field), Groups:, CapEff:, comm");
	po_proc_free(&pr);
	ok(po_proc_read(root, 200, &pr) == 0 && pr.ngroups == 0 && po_proc_cap_net_bind_service(&pr),
	   "procscan: empty Groups:, CapEff bit 10 is CAP_NET_BIND_SERVICE");
	po_proc_free(&pr);
	ok(po_proc_read(root, 400, &pr) == 0 && !pr.init_userns && !po_proc_cap_net_bind_service(&pr),
	   "procscan: capabilities in another user namespace do not count");
	po_proc_free(&pr);
	ok(po_proc_read(root, 500, &pr) == -1 && po_proc_read(root, 700, &pr) == -1 && po_proc_read(root, 999, &pr) == -1,
	   "procscan: a gone, truncated or missing status is an error");
	ok(po_proc_read(root, 800, &pr) == 0 && !strcmp(pr.comm, "ev\nil\x1b[2J"),
	   "procscan: a comm with a newline and an ESC is read whole (only the final newline dropped)");
	po_proc_free(&pr);

	/* the Debian false positive: systemd-networkd's DHCP client on udp 68 */
	struct po_judgement j = judge("reserved 1024\n", PO_UDP, 68, root, 5001, &fb_user, &m, &pid);
	ok(j.verdict == PO_VERDICT_EXEMPT && j.d.step == PO_STEP_RESERVED_CAP && pid == 200,
	   "judge: unowned reserved port held with CAP_NET_BIND_SERVICE: exempt");
	j = judge("reserved 1024\nstrict\n", PO_UDP, 68, root, 5001, &fb_user, &m, &pid);
	ok(j.verdict == PO_VERDICT_SQUATTER && pid == 200, "judge: the same under strict: squatter");
	j = judge("udp 68 uid 0\n", PO_UDP, 68, root, 5001, &fb_user, &m, &pid);
	ok(j.verdict == PO_VERDICT_EXEMPT && j.d.step == PO_STEP_OWNED_CAP, "judge: owned by others, capability: exempt");
	j = judge("udp 68 gid 102\n", PO_UDP, 68, root, 5001, &fb_user, &m, &pid);
	ok(j.verdict == PO_VERDICT_OWNER, "judge: the effective gid matches a rule: owner");
	j = judge("reserved 1024\n", PO_TCP, 7777, root, 5003, &fb_root, &m, &pid);
	ok(j.verdict == PO_VERDICT_EXEMPT && pid == 300, "judge: free port: exempt");
	j = judge("tcp 7777 uid 1001\n", PO_TCP, 7777, root, 5003, &fb_root, &m, &pid);
	ok(j.verdict == PO_VERDICT_SQUATTER && pid == 300, "judge: no rule, no capability: squatter (the uid 0 fallback is not used)");
	j = judge("tcp 7777 gid 1002\n", PO_TCP, 7777, root, 5003, &fb_user, &m, &pid);
	ok(j.verdict == PO_VERDICT_OWNER && pid == 300, "judge: a supplementary group matches: owner");
	j = judge("tcp 443 uid 33\n", PO_TCP, 443, root, 5008, &fb_user, &m, &pid);
	ok(j.verdict == PO_VERDICT_OWNER && pid == 600, "judge: euid, not the real uid 0, matches the rule");
	j = judge("tcp 443 uid 0\n", PO_TCP, 443, root, 5008, &fb_user, &m, &pid);
	ok(j.verdict == PO_VERDICT_SQUATTER, "judge: real uid 0 with effective 33 and no capability: squatter");
	j = judge("tcp 700 uid 1000\n", PO_TCP, 700, root, 5004, &fb_user, &m, &pid);
	ok(j.verdict == PO_VERDICT_OWNER && pid == 300, "judge: two holders: the owner wins over the capability holder");
	j = judge("tcp 700 uid 5\n", PO_TCP, 700, root, 5004, &fb_user, &m, &pid);
	ok(j.verdict == PO_VERDICT_EXEMPT && pid == 250, "judge: two holders: the capability holder wins over a squatter");
	j = judge("reserved 1024\n", PO_TCP, 80, root, 5006, &fb_root, &m, &pid);
	ok(j.verdict == PO_VERDICT_SQUATTER && pid == 400, "judge: root of another user namespace on a reserved port: squatter");

	/* no readable holder: fallback to the socket owner, uid 0 capable */
	ok(po_sockmap_find(&m, 5007, &h) == 1, "procscan: a holder whose status is gone is still in the map");
	j = judge("reserved 1024\n", PO_TCP, 80, root, 5007, &fb_root, &m, &pid);
	ok(j.verdict == PO_VERDICT_EXEMPT && pid == 0 && j.nholders == 0, "judge: no process found, socket uid 0: exempt, pid 0");
	j = judge("reserved 1024\n", PO_TCP, 80, root, 4242, &fb_user, &m, &pid);
	ok(j.verdict == PO_VERDICT_SQUATTER && pid == 0, "judge: no process found, other uid on a reserved port: squatter");

	/* ip_unprivileged_port_start written back: the stack's check too */
	prot_sock = 1024;
	j = judge("tcp 443 uid 33\n", PO_TCP, 443, root, 5008, &fb_user, &m, &pid);
	ok(j.verdict == PO_VERDICT_REFUSED && j.d.step == PO_STEP_OWNED_RULE && j.d.stack_refuses && !j.d.allowed &&
	   !j.d.refused_by_policy && pid == 600,
	   "judge: an owner without the capability below ip_unprivileged_port_start: refused");
	j = judge("udp 68 gid 102\n", PO_UDP, 68, root, 5001, &fb_user, &m, &pid);
	ok(j.verdict == PO_VERDICT_OWNER && !j.d.stack_refuses, "judge: an owner with the capability passes the stack's check");
	j = judge("reserved 0\n", PO_TCP, 7777, root, 5003, &fb_root, &m, &pid);
	ok(j.verdict == PO_VERDICT_EXEMPT, "judge: a port at or above ip_unprivileged_port_start is not the stack's business");
	j = judge("reserved 0\n", PO_TCP, 700, root, 5004, &fb_user, &m, &pid);
	ok(j.verdict == PO_VERDICT_EXEMPT && pid == 250,
	   "judge: two holders: the capability holder (passes the stack) wins over one the stack refuses");
	j = judge("tcp 700 uid 1000\n", PO_TCP, 700, root, 5004, &fb_user, &m, &pid);
	ok(j.verdict == PO_VERDICT_EXEMPT && pid == 250,
	   "judge: two holders: exempt with the capability wins over an owner the stack refuses");
	j = judge("tcp 443 uid 0\n", PO_TCP, 443, root, 5008, &fb_user, &m, &pid);
	ok(j.verdict == PO_VERDICT_SQUATTER && j.d.stack_refuses, "judge: refused by both: squatter");
	prot_sock = 0;
	po_sockmap_free(&m);

	ok(po_sockmap_build(&m, "/nonexistent/portown-proc") == -1 && m.n == 0, "procscan: a missing procfs root is an error");
	setenv("PORTOWN_PROCFS", root, 1);
	ok(!strcmp(po_procfs_dir(), root), "procscan: PORTOWN_PROCFS overrides /proc");
	setenv("PORTOWN_PROCFS", "", 1);
	ok(!strcmp(po_procfs_dir(), "/proc"), "procscan: an empty PORTOWN_PROCFS means /proc");
	unsetenv("PORTOWN_PROCFS");

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		printf("# cleanup failed\n");
}

/* JSON strings stay valid whatever bytes a name holds. */
static void test_json_str(void)
{
	static const struct { const char *in, *out, *what; } cases[] = {
		{ "nginx", "\"nginx\"", "plain" },
		{ "a\"b\\c\n", "\"a\\\"b\\\\c\\n\"", "escapes" },
		{ "\x01\x7f", "\"\\u0001\\u007f\"", "control bytes" },
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"", "UTF-8 kept" },
		{ "\xe2\x82\xac\xf0\x9f\x98\x80", "\"\xe2\x82\xac\xf0\x9f\x98\x80\"", "3 and 4 bytes kept" },
		{ "caf\xe9", "\"caf\\ufffd\"", "Latin-1 byte replaced" },
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"", "overlong form replaced" },
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"", "surrogate replaced" },
		{ "\xe2\x82", "\"\\ufffd\\ufffd\"", "truncated sequence replaced" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		if (!f) {
			ok(0, "json_str: open_memstream");
			return;
		}
		json_str(f, cases[i].in);
		fclose(f);
		ok(strcmp(buf, cases[i].out) == 0, "json_str: %s", cases[i].what);
		if (strcmp(buf, cases[i].out) != 0)
			printf("# got %s, want %s\n", buf, cases[i].out);
		free(buf);
	}
}

/* names for a terminal: no control character reaches it raw */
static void test_text_safe(void)
{
	static const struct { const char *in, *out, *what; } cases[] = {
		{ "nginx", "nginx", "plain" },
		{ "ev\nil\x1b[2J", "ev\\nil\\x1b[2J", "a newline and an ESC" },
		{ "a\tb\rc\x7f\x01", "a\\tb\\rc\\x7f\\x01", "tab, CR, DEL, other C0" },
		{ "caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac", "UTF-8 kept" },
		{ "\xc2\x9b" "1m", "\\xc2\\x9b" "1m", "a C1 control (CSI) escaped" },
		{ "caf\xe9\x9b", "caf\\xe9\\x9b", "bytes that are not UTF-8 escaped" },
		{ "back\\slash 'q'", "back\\slash 'q'", "printable ASCII as is" },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		text_safe(cases[i].in, buf, sizeof(buf));
		ok(!strcmp(buf, cases[i].out), "text_safe: %s", cases[i].what);
		if (strcmp(buf, cases[i].out))
			printf("# got '%s', want '%s'\n", buf, cases[i].out);
	}
	ok(!strcmp(text_safe("abcdef\n", buf, 8), "abcdef") && !strcmp(text_safe("\n\n\n", buf, 6), "\\n\\n"),
	   "text_safe: cut to fit, never half an escape");

	char *j = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&j, &len);

	if (f) {
		json_str(f, "ev\nil\x1b[2J");
		fclose(f);
	}
	ok(j && !strcmp(j, "\"ev\\nil\\u001b[2J\""), "json_str: a comm with a newline and an ESC, whole and escaped");
	free(j);
}

/* the stack's check of ip_unprivileged_port_start after portown's decision */
static void test_prot_sock(void)
{
	static const struct {
		const char *name;
		bool allowed, logged, cap;
		unsigned port, prot_sock;
		bool want_allowed, want_refuses;
	} cases[] = {
		{ "0: never refuses", true, false, false, 80, 0, true, false },
		{ "1024: refuses 80 without the capability", true, false, false, 80, 1024, false, true },
		{ "1024: the capability passes", true, false, true, 80, 1024, true, false },
		{ "1024: port 1024 passes", true, false, false, 1024, 1024, true, false },
		{ "1024: port 1023 refused", true, false, false, 1023, 1024, false, true },
		{ "port 0 (autobind) passes", true, false, false, 0, 1024, true, false },
		{ "80: a permissive let-through of 79 refused", true, true, false, 79, 80, false, true },
		{ "a portown refusal stays refused, the stack too", false, false, false, 22, 1024, false, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct po_decision d = { .allowed = cases[i].allowed, .logged = cases[i].logged };
		struct po_cred cred = { .euid = 1000, .cap_net_bind_service = cases[i].cap };

		po_apply_prot_sock(&d, cases[i].port, &cred, cases[i].prot_sock);
		ok(d.allowed == cases[i].want_allowed && d.stack_refuses == cases[i].want_refuses &&
		   d.logged == cases[i].logged, "prot_sock: %s", cases[i].name);
	}
}

/* errors past PO_MAX_DIAGS are counted, not kept */
static void test_diag_cap(void)
{
	size_t n = PO_MAX_DIAGS + 234, cap = n * 12, o = 0;
	char *buf = malloc(cap);
	struct po_policy pol;
	struct po_parser ps;

	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, cap - o, "tcp 0 uid 1\n");
	po_policy_init(&pol);
	po_parser_init(&ps, &pol, NULL, false);
	po_parse_buffer(&ps, "t.conf", buf, o);
	ok(po_parse_finish(&ps) == n && ps.ndiags == PO_MAX_DIAGS && ps.nmore == 234,
	   "diagnostics: %u kept, the rest counted", PO_MAX_DIAGS);
	po_parser_free(&ps);
	po_policy_free(&pol);
	free(buf);
}

/* run f with the output layer on a memory stream; returns what it printed */
static char *capture(bool json, void (*f)(void))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return NULL;
	out_init(m, json);
	f();
	fclose(m);
	out_init(stdout, false);
	return buf;
}

static void doc_nested(void)
{
	out_doc_begin();
	out_uint(OUT_ANY, "n", "n=%llu\n", 7);
	out_str(OUT_ANY, "s", "s=%s\n", "a\"b");
	out_str(OUT_ANY, "none", "none=%s\n", NULL);
	out_bool(OUT_ANY, "b", "b=%s\n", true);
	out_int(OUT_ANY, "neg", "neg=%lld\n", -3);
	out_null(OUT_ANY, "u", "u=%s\n", "unknown");
	out_str(OUT_TEXT, "ignored", "text only\n", "x");
	out_str(OUT_JSON, "j", "never printed\n", "json only");
	out_arr_open("a");
	for (int i = 0; i < 3; i++) {
		out_obj_open(NULL);
		out_uint(OUT_ANY, "i", "[%llu]", (unsigned)i);
		out_obj_close();
	}
	out_arr_close();
	out_arr_open("empty");
	out_arr_close();
	out_obj_open("o");
	out_obj_close();
	out_text("end\n");
	out_doc_end();
}

static void doc_rule(void)
{
	struct po_rule r = { .proto = PO_UDP, .subject = PO_GID, .first = 5, .last = 6, .id = 4294967294u };

	out_doc_begin();
	out_rule("r", &r);
	out_rule("none", NULL);
	out_doc_end();
}

static void test_output(void)
{
	char *j = capture(true, doc_nested), *t = capture(false, doc_nested), *r = capture(true, doc_rule);
	const char *wj = "{\"version\":1,\"portownctl_version\":\"" PORTOWN_VERSION "\",\"n\":7,\"s\":\"a\\\"b\",\"none\":null,"
			 "\"b\":true,\"neg\":-3,\"u\":null,\"j\":\"json only\",\"a\":[{\"i\":0},{\"i\":1},{\"i\":2}],"
			 "\"empty\":[],\"o\":{}}\n";
	const char *wt = "n=7\ns=a\"b\nnone=-\nb=yes\nneg=-3\nu=unknown\ntext only\n[0][1][2]end\n";
	const char *wr = "{\"version\":1,\"portownctl_version\":\"" PORTOWN_VERSION "\",\"r\":{\"protocol\":\"udp\",\"first\":5,"
			 "\"last\":6,\"subject\":\"gid\",\"id\":4294967294,\"name\":null,\"service\":null},\"none\":null}\n";

	ok(j && !strcmp(j, wj), "output: JSON document with version, commas, nesting, nulls, JSON-only values");
	if (j && strcmp(j, wj))
		printf("# got  %s# want %s", j, wj);
	ok(t && !strcmp(t, wt), "output: the same calls in text mode");
	if (t && strcmp(t, wt))
		diag("got", t);
	ok(r && !strcmp(r, wr), "output: a rule object, and null for no rule");
	if (r && strcmp(r, wr))
		printf("# got  %s# want %s", r, wr);
	free(j);
	free(t);
	free(r);
}

/* pretty JSON (-p): two-space indents, empty containers on one line */
static void test_pretty(void)
{
	char *j;
	const char *want = "{\n  \"version\": 1,\n  \"portownctl_version\": \"" PORTOWN_VERSION "\",\n  \"n\": 7,\n"
			   "  \"s\": \"a\\\"b\",\n  \"none\": null,\n  \"b\": true,\n  \"neg\": -3,\n  \"u\": null,\n"
			   "  \"j\": \"json only\",\n  \"a\": [\n    {\n      \"i\": 0\n    },\n    {\n      \"i\": 1\n    },\n"
			   "    {\n      \"i\": 2\n    }\n  ],\n  \"empty\": [],\n  \"o\": {}\n}\n";

	out_set_pretty(true);
	j = capture(true, doc_nested);
	out_set_pretty(false);
	ok(j && !strcmp(j, want), "output: pretty JSON");
	if (j && strcmp(j, want))
		diag("got", j);
	free(j);
}

/* sysctl.d lines that set a sysctl at boot */
static void test_sysctl_sources(void)
{
	char root[] = "/tmp/portown-sysctl.XXXXXX", p[300], cmd[300];
	struct po_sysctl_src src[4];
	size_t n;

	if (!mkdtemp(root)) {
		ok(0, "sysctl: mkdtemp");
		return;
	}
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/etc/sysctl.d %s/usr/lib/sysctl.d %s/run/sysctl.d", root, root, root);
	if (system(cmd) != 0)
		printf("# mkdir failed\n");
	snprintf(p, sizeof(p), "%s/usr/lib/sysctl.d/50-default.conf", root);
	write_file(p, "net.ipv4.ip_unprivileged_port_start = 1024\n");
	snprintf(p, sizeof(p), "%s/usr/lib/sysctl.d/60-hidden.conf", root);
	write_file(p, "net.ipv4.ip_unprivileged_port_start=80\n");
	snprintf(p, sizeof(p), "%s/etc/sysctl.d/60-hidden.conf", root);	/* hides the one in /usr/lib */
	write_file(p, "# nothing\n");
	snprintf(p, sizeof(p), "%s/run/sysctl.d/70-slash.conf", root);
	write_file(p, "; comment\n\n  -net/ipv4/ip_unprivileged_port_start\t=  443  \nnet.ipv4.ip_unprivileged_port_startx = 1\n");
	snprintf(p, sizeof(p), "%s/etc/sysctl.d/80-zero.conf", root);
	write_file(p, "net.ipv4.ip_unprivileged_port_start = 0\n");
	snprintf(p, sizeof(p), "%s/etc/sysctl.d/90-other.txt", root);
	write_file(p, "net.ipv4.ip_unprivileged_port_start = 1\n");
	snprintf(p, sizeof(p), "%s/etc/sysctl.conf", root);
	write_file(p, "#net.ipv4.ip_unprivileged_port_start = 1\nnet.ipv4.ip_unprivileged_port_start = 2000\n");
	snprintf(p, sizeof(p), "%s/etc/sysctl.d/99-sysctl.conf", root);
	if (symlink("../sysctl.conf", p) != 0)
		printf("# symlink failed\n");
	setenv("PORTOWN_SYSCTL_ROOT", root, 1);
	n = po_sysctl_sources("net.ipv4.ip_unprivileged_port_start", "0", src, 4);
	unsetenv("PORTOWN_SYSCTL_ROOT");
	snprintf(p, sizeof(p), "%s/usr/lib/sysctl.d/50-default.conf", root);
	ok(n == 3 && !strcmp(src[0].path, p) && src[0].line == 1 && !strcmp(src[0].value, "1024"),
	   "sysctl: a file of /usr/lib/sysctl.d");
	snprintf(p, sizeof(p), "%s/run/sysctl.d/70-slash.conf", root);
	ok(n == 3 && !strcmp(src[1].path, p) && src[1].line == 3 && !strcmp(src[1].value, "443"),
	   "sysctl: slashes, a '-' prefix, blanks; a name in /etc hides /usr/lib's");
	snprintf(p, sizeof(p), "%s/etc/sysctl.d/99-sysctl.conf", root);
	ok(n == 3 && !strcmp(src[2].path, p) && src[2].line == 2 && !strcmp(src[2].value, "2000"),
	   "sysctl: /etc/sysctl.conf through its 99-sysctl.conf link is read once; 0 values skipped");
	for (size_t i = 0; i < n && i < 4; i++)
		printf("# %s:%u = %s\n", src[i].path, src[i].line, src[i].value);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		printf("# cleanup failed\n");
}

int main(void)
{
	test_valid();
	test_malformed();
	test_limits();
	test_roundtrip();
	test_include();
	test_decide();
	test_procscan();
	test_json_str();
	test_text_safe();
	test_prot_sock();
	test_diag_cap();
	test_output();
	test_pretty();
	test_sysctl_sources();
	printf("1..%d\n", ntests);
	return nfailed ? 1 : 0;
}
