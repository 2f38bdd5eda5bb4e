// SPDX-License-Identifier: GPL-2.0
/*
 * portownctl - load and inspect the portown port ownership policy.
 *
 * Exit codes (portownctl(8), EXIT STATUS):
 *   0 success
 *   1 a negative answer: explain refused, listeners found a squatter or a
 *     socket the stack refuses
 *   2 usage error
 *   3 invalid configuration; nothing loaded
 *   4 kernel or system error, or output error; nothing was changed
 *   5 warnings with --strict-warnings; nothing loaded
 *   6 the change was made (the new policy, mode or lock is in force), but a
 *     later step failed: --reserve-ephemeral, --lock, or writing the output
 */
#include "config.h"
#include "kio.h"
#include "output.h"
#include "policy.h"
#include "procscan.h"
#include "resolve.h"
#include "sockdiag.h"
#include "sysctl.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PORTOWN_VERSION
#define PORTOWN_VERSION "0.1"
#endif

enum {
	EX_OK = 0, EX_NO = 1, EX_USAGE = 2, EX_CONFIG = 3, EX_KERNEL = 4,
	EX_WARN = 5, EX_PARTIAL = 6,
};

/* configuration errors printed before "... and N more errors" */
#define MAX_SHOWN_ERRORS	20

#define UNPRIV_SYSCTL	"net.ipv4.ip_unprivileged_port_start"

static const char *prog = "portownctl";

/* what a successful kernel write changed, for the exit status (6) */
static const char *changed;

/* the global -j/--json and -p/--pretty, given before the command */
static bool opt_json, opt_pretty;

/* the last message of warnx, for the "error" member of a failed JSON document */
static char last_error[2048];

static void warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warnx(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- help */

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
};

static const struct cmd *cur_cmd;

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cur_cmd)
		fprintf(stderr, "usage: %s %s\nTry '%s %s --help'.\n", prog, cur_cmd->usage, prog, cur_cmd->name);
	else
		fprintf(stderr, "Try '%s --help'.\n", prog);
	return EX_USAGE;
}

static int cmd_help(const struct cmd *c)
{
	printf("usage: %s %s\n\n%s", prog, c->usage, c->help);
	return EX_OK;
}

/* long-only options get values past any character */
enum {
	OPT_LOCK = 256, OPT_RESERVE, OPT_STRICT_WARNINGS, OPT_CAP, OPT_NO_CAP,
	OPT_ENFORCING, OPT_PERMISSIVE, OPT_SECURITYFS, OPT_PROCSYS,
};

#define HELP_OPT { "help", no_argument, NULL, 'h' }
#define OPT_ERROR (-2)

/* "--name" of a long option typed as arg ("--na=x"), into buf */
static const char *long_name(const char *arg, char *buf, size_t size)
{
	snprintf(buf, size, "%.*s", (int)strcspn(arg, "="), arg);
	return buf;
}

/* report a bad option once, in our words (getopt's own messages are off) */
static void bad_option(int c, char **argv, const char *shortopts, const struct option *lo)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	char name[128];

	if (c == ':') {
		if (!strncmp(arg, "--", 2))
			usage_error("option '%s' requires an argument", long_name(arg, name, sizeof(name)));
		else
			usage_error("option '-%c' requires an argument", optopt);
		return;
	}
	if (optopt == 0) {	/* unknown or ambiguous long option */
		const char *n = strncmp(arg, "--", 2) ? arg : arg + 2;
		size_t nl = strcspn(n, "="), matches = 0;
		char list[256] = "";
		size_t o = 0;

		for (const struct option *p = lo; p->name; p++) {
			if (strncmp(p->name, n, nl) != 0)
				continue;
			matches++;
			if (o < sizeof(list))
				o += (size_t)snprintf(list + o, sizeof(list) - o, "%s--%s", o ? ", " : "", p->name);
		}
		if (matches > 1)
			usage_error("ambiguous option '%s' (%s)", long_name(arg, name, sizeof(name)), list);
		else
			usage_error("unknown option '%s'", long_name(arg, name, sizeof(name)));
		return;
	}
	if (optopt >= 256 || strchr(shortopts, optopt)) {
		/* a known option: a long one given an argument it does not take */
		for (const struct option *p = lo; p->name; p++) {
			if (p->val == optopt) {
				usage_error("option '--%s' takes no argument", p->name);
				return;
			}
		}
	}
	usage_error("unknown option '-%c'", optopt);
}

/* getopt_long without getopt's messages: OPT_ERROR after reporting */
static int next_opt(int argc, char **argv, const char *shortopts, const struct option *lo)
{
	char spec[64];
	int c;

	/* "+" (stop at the first operand) must come first, then ":" */
	if (shortopts[0] == '+')
		snprintf(spec, sizeof(spec), "+:%s", shortopts + 1);
	else
		snprintf(spec, sizeof(spec), ":%s", shortopts);
	opterr = 0;
	c = getopt_long(argc, argv, spec, lo, NULL);
	if (c == '?' || c == ':') {
		bad_option(c, argv, shortopts, lo);
		return OPT_ERROR;
	}
	return c;
}

/* ------------------------------------------------------------- helpers */

static void print_diags(const struct po_parser *ps, size_t total)
{
	char buf[1024];
	size_t shown = ps->ndiags < MAX_SHOWN_ERRORS ? ps->ndiags : MAX_SHOWN_ERRORS;

	for (size_t i = 0; i < shown; i++) {
		po_diag_format(&ps->diags[i], buf, sizeof(buf));
		fprintf(stderr, "%s\n", buf);
	}
	if (total > shown)
		fprintf(stderr, "... and %zu more error%s\n", total - shown, total - shown == 1 ? "" : "s");
}

/*
 * Parse the given files or the default configuration; EX_OK or EX_CONFIG.
 * what follows the error count ("; nothing loaded" for load).
 */
static int load_config(int nfiles, char **files, struct po_policy *pol,
		       struct po_parser *ps, const char *what)
{
	size_t n;

	po_policy_init(pol);
	po_parser_init(ps, pol, &po_nss_resolver, true);
	if (nfiles == 0) {
		const char *conf = getenv("PORTOWN_CONFIG"), *dir = getenv("PORTOWN_CONFDIR");

		po_parse_default(ps, conf && *conf ? conf : PO_DEFAULT_CONFIG,
				 dir ? dir : PO_DEFAULT_CONFDIR);
	} else {
		for (int i = 0; i < nfiles; i++)
			po_parse_file(ps, files[i]);
	}
	n = po_parse_finish(ps);
	if (n) {
		print_diags(ps, n);
		warnx("%zu error%s in the configuration%s", n, n == 1 ? "" : "s", what);
		return EX_CONFIG;
	}
	return EX_OK;
}

static int require_active(void)
{
	if (kio_active())
		return 0;
	warnx("portown is not active: %s does not exist (is securityfs mounted, and is portown built in and listed in lsm=?)",
	      po_securityfs_dir);
	return -1;
}

/* why the loaded policy cannot be read, into buf */
static const char *policy_read_error(int err, char *buf, size_t size)
{
	if (err == -EACCES || err == -EPERM)
		snprintf(buf, size, "cannot read the loaded policy (%s: %s): it is readable by root only (mode 0600)",
			 kio_path("policy"), strerror(-err));
	else
		snprintf(buf, size, "cannot read the loaded policy (%s: %s)", kio_path("policy"), strerror(-err));
	return buf;
}

/*
 * Read the loaded policy: EX_OK, or EX_KERNEL with *errp the -errno (0: the
 * text was not understood) and the message printed unless quiet.
 */
static int read_kernel_policy(struct po_policy *pol, char **textp, int *errp, bool quiet)
{
	char *text, buf[600];
	size_t len;
	int rc = kio_read("policy", &text, &len);
	struct po_parser ps;

	po_policy_init(pol);
	if (errp)
		*errp = rc;
	if (rc < 0) {
		if (!quiet)
			warnx("%s", policy_read_error(rc, buf, sizeof(buf)));
		return EX_KERNEL;
	}
	po_parser_init(&ps, pol, NULL, false);
	po_parse_buffer(&ps, kio_path("policy"), text, len);
	if (po_parse_finish(&ps)) {
		print_diags(&ps, ps.ndiags + ps.nmore);
		warnx("cannot understand the policy the kernel reports");
		po_parser_free(&ps);
		po_policy_free(pol);
		free(text);
		return EX_KERNEL;
	}
	po_parser_free(&ps);
	if (textp)
		*textp = text;
	else
		free(text);
	return EX_OK;
}

/* a 0/1 securityfs file; -1 if unreadable */
static int read_flag(const char *name)
{
	char *t;
	int rc = kio_read(name, &t, NULL), v;

	if (rc < 0)
		return -1;
	v = t[0] == '1' ? 1 : t[0] == '0' ? 0 : -1;
	free(t);
	return v;
}

/* net.ipv4.ip_unprivileged_port_start of this namespace; -1 if unknown */
static long read_prot_sock(void)
{
	char *t, *end;
	long v = -1;

	if (kio_proc_read("net/ipv4/ip_unprivileged_port_start", &t, NULL) < 0)
		return -1;
	v = strtol(t, &end, 10);
	if (end == t || v < 0 || v > 65536)
		v = -1;
	free(t);
	return v;
}

/* how to put ip_unprivileged_port_start back to 0, naming the files that set it */
static const char *prot_sock_fix(char *buf, size_t size)
{
	struct po_sysctl_src src[3];
	size_t n = po_sysctl_sources(UNPRIV_SYSCTL, "0", src, 3), o;

	o = (size_t)snprintf(buf, size, "set it back to 0 (sysctl -w %s=0) and ", UNPRIV_SYSCTL);
	if (n == 0) {
		snprintf(buf + o, size - o, "make sure no /etc/sysctl.d file or /etc/sysctl.conf sets it");
		return buf;
	}
	o += (size_t)snprintf(buf + o, size - o, "remove the setting from");
	for (size_t i = 0; i < n && i < 3 && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s %s:%u (%s = %s)", i ? "," : "",
				      src[i].path, src[i].line, UNPRIV_SYSCTL, src[i].value);
	if (n > 3 && o < size)
		snprintf(buf + o, size - o, " and %zu more", n - 3);
	return buf;
}

static const char *kernel_write_error(const char *what, int err)
{
	static char buf[512];

	switch (-err) {
	case EPERM:
		if (read_flag("lock") == 1)
			snprintf(buf, sizeof(buf), "%s: portown is locked until reboot (Operation not permitted)", what);
		else
			snprintf(buf, sizeof(buf), "%s: permission denied: CAP_MAC_ADMIN in the initial user namespace is required (Operation not permitted)", what);
		break;
	case EACCES:
		snprintf(buf, sizeof(buf), "%s: permission denied (run as root)", what);
		break;
	case EINVAL:
		snprintf(buf, sizeof(buf), "%s: the kernel rejected it (Invalid argument); see the kernel log ('portown: policy rejected, line N: ...')", what);
		break;
	case E2BIG:
		snprintf(buf, sizeof(buf), "%s: the kernel rejected it as too large (Argument list too long)", what);
		break;
	default:
		snprintf(buf, sizeof(buf), "%s: %s", what, strerror(-err));
	}
	return buf;
}

static int parse_port_arg(const char *s, unsigned proto, unsigned *port)
{
	char *end;
	unsigned long v;

	if (*s >= '0' && *s <= '9') {
		v = strtoul(s, &end, 10);
		if (*end || v > 65535)
			return -1;
		*port = (unsigned)v;
		return 0;
	}
	uint16_t p;

	if (po_nss_resolver.service(NULL, s, po_proto_name(proto), &p))
		return -1;
	*port = p;
	return 0;
}

/* a flag in JSON (null when unknown) and a line of text */
static void out_flag(const char *key, const char *fmt, int v, const char *yes, const char *no)
{
	if (v < 0)
		out_null(OUT_JSON, key, NULL, NULL);
	else
		out_bool(OUT_JSON, key, NULL, v);
	if (fmt)
		out_text(fmt, v < 0 ? "unknown" : v ? yes : no);
}

/* ------------------------------------------------------------ warnings */

/* "FILE:LINE: warning: ..." for a place in the configuration */
static void warn_at(const char *file, unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void warn_at(const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (file && line)
		fprintf(stderr, "%s:%u: warning: ", file, line);
	else
		fprintf(stderr, "%s: warning: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* risky settings of the configuration itself; returns the number of warnings */
static unsigned policy_warnings(const struct po_parser *ps, const struct po_policy *pol)
{
	unsigned n = 0;

	if (pol->reserved == 0) {
		warn_at(ps->reserved_file, ps->reserved_line,
			"'reserved 0' turns the reserved range off: every port below 1024 that no rule owns "
			"(ssh 22, smtp 25, ...) can be bound by any user; own the ports that matter, or keep 'reserved 1024'");
		n++;
	}
	return n;
}

/* ip_unprivileged_port_start written back while portown is active */
static unsigned prot_sock_warning(const struct po_policy *pol)
{
	long ps = read_prot_sock();
	char fix[1200], list[200] = "";
	size_t below = 0, o = 0;

	if (ps <= 0)
		return 0;
	for (size_t i = 0; i < pol->nrules; i++) {
		const struct po_rule *r = &pol->rules[i];
		char rb[64];

		if (r->first >= ps)
			continue;
		if (below < 3 && o < sizeof(list)) {
			po_rule_format(r, rb, sizeof(rb));
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s'%s'", below ? ", " : "", rb);
		}
		below++;
	}
	if (below)
		warn_at(NULL, 0, "%s is %ld, not 0: the stack refuses ports below %ld to processes without "
			"CAP_NET_BIND_SERVICE after portown allowed them, so %zu rule%s (%s%s) will not work for %s owners; %s",
			UNPRIV_SYSCTL, ps, ps, below, below == 1 ? "" : "s", list, below > 3 ? ", ..." : "",
			below == 1 ? "its" : "their", prot_sock_fix(fix, sizeof(fix)));
	else
		warn_at(NULL, 0, "%s is %ld, not 0: the stack refuses ports below %ld to processes without "
			"CAP_NET_BIND_SERVICE after portown allowed them; %s",
			UNPRIV_SYSCTL, ps, ps, prot_sock_fix(fix, sizeof(fix)));
	return 1;
}

/*
 * Sockets bound now whose holder the new policy refuses: its next bind of
 * the port (a restart) fails.  Only sockets whose holding process is found
 * count (kernel sockets are not checked).  Returns the number of warnings.
 */
static unsigned listener_warnings(const struct po_policy *pol)
{
	struct po_socks socks;
	struct po_sockmap map;
	const char *procfs = po_procfs_dir();
	char err[512];
	unsigned n = 0;
	struct seen { unsigned proto, port; int pid; } *seen;
	size_t nseen = 0;

	if (po_sockdiag_dump(&socks, err, sizeof(err)) < 0)
		return 0;	/* no sock_diag: nothing to check */
	if (po_sockmap_build(&map, procfs) < 0) {
		po_socks_free(&socks);
		return 0;
	}
	seen = calloc(socks.n + 1, sizeof(*seen));
	for (size_t i = 0; seen && i < socks.n; i++) {
		const struct po_sock *s = &socks.v[i];
		const struct po_holder *h;
		size_t nh = po_sockmap_find(&map, s->inode, &h), np = 0;
		struct po_proc *procs = nh ? calloc(nh, sizeof(*procs)) : NULL;
		struct po_cred none = { .euid = s->uid, .egid = PO_GID_UNKNOWN };
		struct po_judgement j = { 0 };
		bool dup = false;

		for (size_t k = 0; procs && k < nh; k++)
			if (po_proc_read(procfs, h[k].pid, &procs[np]) == 0)
				np++;
		if (np) {
			po_judge_socket(pol, s->proto, s->port, 0, procs, np, &none, &j);
			for (size_t k = 0; k < nseen; k++)
				if (seen[k].proto == s->proto && seen[k].port == s->port && seen[k].pid == j.pid)
					dup = true;
		}
		if (np && !dup && j.verdict == PO_VERDICT_SQUATTER) {
			const struct po_proc *p = &procs[j.best];
			const char *proto = po_proto_name(s->proto);
			char name[256], who[300], comm[sizeof(p->comm) * 4];

			if (po_user_name(p->euid, name, sizeof(name)))
				snprintf(who, sizeof(who), "user %s", name);
			else
				snprintf(who, sizeof(who), "uid %u", p->euid);
			seen[nseen++] = (struct seen){ s->proto, s->port, j.pid };
			if (pol->strict && j.cred.cap_net_bind_service)
				warn_at(NULL, 0, "%s %u is bound now by %s (pid %d, uid %u), and no rule gives it that port: "
					"under 'strict' CAP_NET_BIND_SERVICE does not count, so its next bind of %s %u "
					"(a restart) will be refused; add a rule such as '%s %u %s'",
					proto, s->port, text_safe(p->comm, comm, sizeof(comm)), j.pid, p->euid,
					proto, s->port, proto, s->port, who);
			else
				warn_at(NULL, 0, "%s %u is bound now by %s (pid %d, uid %u), which this policy refuses "
					"(%s): its next bind of %s %u (a restart) will be refused; if it should keep the port, "
					"add a rule such as '%s %u %s'",
					proto, s->port, text_safe(p->comm, comm, sizeof(comm)), j.pid, p->euid,
					po_step_describe(j.d.step),
					proto, s->port, proto, s->port, who);
			n++;
		}
		for (size_t k = 0; k < np; k++)
			po_proc_free(&procs[k]);
		free(procs);
	}
	free(seen);
	po_sockmap_free(&map);
	po_socks_free(&socks);
	return n;
}

/* ------------------------------------------------------------- check */

static int do_check(int argc, char **argv)
{
	static const struct option opts[] = {
		HELP_OPT, { "strict-warnings", no_argument, NULL, OPT_STRICT_WARNINGS }, { 0 }
	};
	struct po_policy pol;
	struct po_parser ps;
	bool strict_warnings = false;
	int c, rc;

	while ((c = next_opt(argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'h': return cmd_help(cur_cmd);
		case OPT_STRICT_WARNINGS: strict_warnings = true; break;
		default: return EX_USAGE;
		}
	}
	rc = load_config(argc - optind, argv + optind, &pol, &ps, "");
	if (rc == EX_OK) {
		unsigned nw = policy_warnings(&ps, &pol);
		size_t len;
		char *text;

		if (strict_warnings && nw) {
			warnx("%u warning%s with --strict-warnings: the configuration is refused", nw, nw == 1 ? "" : "s");
			rc = EX_WARN;
		} else if (!(text = po_policy_format(&pol, &len))) {
			warnx("out of memory");
			rc = EX_KERNEL;
		} else {
			fwrite(text, 1, len, stdout);
			free(text);
		}
	}
	po_parser_free(&ps);
	po_policy_free(&pol);
	return rc;
}

/* --------------------------------------------------------------- load */

#define BIT_SET(b, p)	((b)[(p) / 8] & (1u << ((p) % 8)))
#define BIT_ADD(b, p)	((b)[(p) / 8] |= (unsigned char)(1u << ((p) % 8)))

/* parse "a,b-c,..." of ip_local_reserved_ports into a bitmap */
static void parse_port_list(const char *s, unsigned char *bits)
{
	while (*s) {
		char *end;
		unsigned long a = strtoul(s, &end, 10), b = a;

		if (end == s)
			break;
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		for (unsigned long p = a; p <= b && p <= 65535; p++)
			BIT_ADD(bits, p);
		s = end;
		while (*s == ',' || *s == ' ' || *s == '\n')
			s++;
	}
}

static char *format_port_list(const unsigned char *bits)
{
	size_t cap = 65536 * 12, len = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	out[0] = '\0';
	for (unsigned p = 1; p <= 65535; p++) {
		if (!BIT_SET(bits, p))
			continue;
		unsigned q = p;

		while (q < 65535 && BIT_SET(bits, q + 1))
			q++;
		len += (size_t)snprintf(out + len, cap - len, len ? ",%u" : "%u", p);
		if (q != p)
			len += (size_t)snprintf(out + len, cap - len, "-%u", q);
		p = q;
	}
	snprintf(out + len, cap - len, "\n");
	return out;
}

struct ephemeral {
	unsigned char reserved[65536 / 8];	/* ip_local_reserved_ports now */
	unsigned char add[65536 / 8];		/* owned ports autobind may hand out */
	unsigned nadd;
};

/*
 * Owned ports inside ip_local_port_range and not reserved: autobind can hand
 * them to anyone.  Warns about each rule unless reserve (they are reserved
 * after the load then).  Returns the number of warnings.
 */
static unsigned ephemeral_scan(const struct po_policy *pol, bool reserve, struct ephemeral *e)
{
	char *t = NULL, *rt = NULL;
	unsigned lo, hi, nw = 0;

	memset(e, 0, sizeof(*e));
	if (kio_proc_read("net/ipv4/ip_local_port_range", &t, NULL) < 0)
		return 0;
	if (sscanf(t, "%u %u", &lo, &hi) != 2 || lo > hi || hi > 65535) {
		free(t);
		return 0;
	}
	free(t);
	if (kio_proc_read("net/ipv4/ip_local_reserved_ports", &rt, NULL) == 0) {
		parse_port_list(rt, e->reserved);
		free(rt);
	}
	for (size_t i = 0; i < pol->nrules; i++) {
		const struct po_rule *r = &pol->rules[i];
		unsigned a = r->first > lo ? r->first : lo, b = r->last < hi ? r->last : hi;
		unsigned cnt = 0;

		for (unsigned p = a; p <= b && a <= b; p++)
			if (!BIT_SET(e->reserved, p) && !BIT_SET(e->add, p)) {
				BIT_ADD(e->add, p);
				cnt++;
			}
		if (cnt && !reserve) {
			char rb[64];

			po_rule_format(r, rb, sizeof(rb));
			warn_at(r->src_file, r->src_line,
				"'%s' lies inside ip_local_port_range %u-%u: autobind (connect(2) or sendto(2) on an "
				"unbound socket) can hand %s to any user without asking portown; move the rule out of "
				"that range, or load with --reserve-ephemeral, which adds %s to "
				"net.ipv4.ip_local_reserved_ports so that autobind skips %s (until reboot)",
				rb, lo, hi, cnt == 1 ? "that port" : "those ports", cnt == 1 ? "it" : "them",
				cnt == 1 ? "it" : "them");
			nw++;
		}
		e->nadd += cnt;
	}
	return nw;
}

/* add the scanned ports to ip_local_reserved_ports; 0 or -1 */
static int reserve_ports(struct ephemeral *e, bool dry_run)
{
	char *list;
	int rc = 0;

	if (e->nadd == 0)
		return 0;
	for (size_t i = 0; i < sizeof(e->reserved); i++)
		e->reserved[i] |= e->add[i];
	list = format_port_list(e->reserved);
	if (!list) {
		warnx("out of memory");
		return -1;
	}
	if (dry_run) {
		printf("would set net.ipv4.ip_local_reserved_ports = %s", list);
	} else {
		int w = kio_proc_write("net/ipv4/ip_local_reserved_ports", list, strlen(list));

		if (w < 0) {
			warnx("cannot write %s/net/ipv4/ip_local_reserved_ports: %s", po_procsys_dir, strerror(-w));
			rc = -1;
		} else {
			printf("reserved %u owned port%s in ip_local_reserved_ports\n", e->nadd, e->nadd == 1 ? "" : "s");
		}
	}
	free(list);
	return rc;
}

/* the changes from old (NULL: unknown) to new, and a summary line */
static void print_diff(const struct po_policy *old, const struct po_policy *new, bool dry_run)
{
	size_t i = 0, j = 0, added = 0, removed = 0;
	char rb[64], nb[400];
	const char *head = dry_run ? "would load: " : "loaded: ";

	if (!old) {
		printf("%s%zu rule%s, reserved %u%s (the policy in force before could not be read: changes not shown)\n",
		       head, new->nrules, new->nrules == 1 ? "" : "s", new->reserved, new->strict ? ", strict" : "");
		return;
	}
	if (old->reserved != new->reserved)
		printf("~ reserved %u -> %u\n", old->reserved, new->reserved);
	if (old->strict != new->strict)
		printf("%c strict\n", new->strict ? '+' : '-');
	while (i < old->nrules || j < new->nrules) {
		int c = i == old->nrules ? 1 : j == new->nrules ? -1
			: po_rule_cmp(&old->rules[i], &new->rules[j]);

		if (c == 0) {
			i++;
			j++;
			continue;
		}
		const struct po_rule *r = c < 0 ? &old->rules[i++] : &new->rules[j++];

		po_rule_format(r, rb, sizeof(rb));
		rule_owner_named(r, nb, sizeof(nb));
		printf("%c %s\t(%s)\n", c < 0 ? '-' : '+', rb, nb);
		if (c < 0)
			removed++;
		else
			added++;
	}
	if (!added && !removed && old->reserved == new->reserved && old->strict == new->strict)
		printf("policy unchanged: %zu rule%s, reserved %u%s\n", new->nrules,
		       new->nrules == 1 ? "" : "s", new->reserved, new->strict ? ", strict" : "");
	else
		printf("%s%zu rule%s, reserved %u%s (%zu added, %zu removed)\n",
		       head, new->nrules, new->nrules == 1 ? "" : "s", new->reserved,
		       new->strict ? ", strict" : "", added, removed);
}

static int do_load(int argc, char **argv)
{
	static const struct option opts[] = {
		HELP_OPT,
		{ "dry-run", no_argument, NULL, 'n' },
		{ "lock", no_argument, NULL, OPT_LOCK },
		{ "reserve-ephemeral", no_argument, NULL, OPT_RESERVE },
		{ "strict-warnings", no_argument, NULL, OPT_STRICT_WARNINGS },
		{ 0 }
	};
	bool dry_run = false, lock = false, reserve = false, strict_warnings = false, have_old;
	struct po_policy pol, old;
	struct po_parser ps;
	struct ephemeral *eph = NULL;
	char *text = NULL, *back = NULL, buf[600];
	size_t len;
	unsigned nw;
	int c, rc, w, err;

	while ((c = next_opt(argc, argv, "hn", opts)) != -1) {
		switch (c) {
		case 'h': return cmd_help(cur_cmd);
		case 'n': dry_run = true; break;
		case OPT_LOCK: lock = true; break;
		case OPT_RESERVE: reserve = true; break;
		case OPT_STRICT_WARNINGS: strict_warnings = true; break;
		default: return EX_USAGE;
		}
	}
	if (dry_run && lock)
		return usage_error("--dry-run and --lock exclude each other");
	po_policy_init(&old);
	rc = load_config(argc - optind, argv + optind, &pol, &ps, "; nothing loaded");
	if (rc != EX_OK)
		goto out;
	rc = EX_KERNEL;
	if (require_active() < 0)
		goto out;
	text = po_policy_format(&pol, &len);
	eph = malloc(sizeof(*eph));
	if (!text || !eph) {
		warnx("out of memory");
		goto out;
	}
	have_old = read_kernel_policy(&old, NULL, &err, dry_run) == EX_OK;
	if (!have_old && dry_run) {
		/* comparing with an empty policy would show a false picture */
		if (err < 0)
			warnx("%s; load --dry-run needs it to show the changes: run it as root "
			      "('portownctl check' validates the configuration without the kernel)",
			      policy_read_error(err, buf, sizeof(buf)));
		goto out;
	}
	nw = policy_warnings(&ps, &pol);
	nw += prot_sock_warning(&pol);
	nw += listener_warnings(&pol);
	nw += ephemeral_scan(&pol, reserve, eph);
	if (strict_warnings && nw && !dry_run) {
		warnx("%u warning%s with --strict-warnings: nothing loaded", nw, nw == 1 ? "" : "s");
		rc = EX_WARN;
		goto out;
	}
	if (!dry_run) {
		w = kio_write("policy", text, len);
		if (w < 0) {
			warnx("%s; the policy in force is unchanged", kernel_write_error("cannot load the policy", w));
			goto out;
		}
		changed = "the new policy is in force";
	}
	print_diff(have_old ? &old : NULL, &pol, dry_run);
	if (!dry_run && kio_read("policy", &back, NULL) == 0 && strcmp(back, text) != 0)
		warnx("warning: the kernel reads back a different policy than was written");
	rc = EX_OK;
	if (strict_warnings && nw) {	/* dry run */
		warnx("%u warning%s with --strict-warnings: the load would be refused", nw, nw == 1 ? "" : "s");
		rc = EX_WARN;
		goto out;
	}
	if (reserve && reserve_ports(eph, dry_run) < 0)
		rc = dry_run ? EX_KERNEL : EX_PARTIAL;
	if (lock) {
		w = kio_write("lock", "1", 1);
		if (w < 0) {
			warnx("%s; the new policy is in force", kernel_write_error("cannot lock", w));
			rc = EX_PARTIAL;
		} else {
			printf("portown locked until reboot\n");
		}
	}
	if (rc == EX_PARTIAL)
		warnx("the new policy is in force, but not everything asked for was done");
out:
	free(eph);
	free(text);
	free(back);
	po_policy_free(&old);
	po_parser_free(&ps);
	po_policy_free(&pol);
	return rc;
}

/* --------------------------------------------------------------- show */

static int do_show(int argc, char **argv)
{
	static const struct option opts[] = {
		HELP_OPT,
		{ "numeric", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 }
	};
	bool numeric = false, json = opt_json;
	struct po_policy pol;
	char *text;
	int c;

	while ((c = next_opt(argc, argv, "hnj", opts)) != -1) {
		switch (c) {
		case 'h': return cmd_help(cur_cmd);
		case 'n': numeric = true; break;
		case 'j': json = true; break;
		default: return EX_USAGE;
		}
	}
	if (optind != argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (require_active() < 0 || read_kernel_policy(&pol, &text, NULL, false) != EX_OK) {
		if (json) {	/* the document still, with the error in it */
			out_init(stdout, true);
			out_doc_begin();
			out_null(OUT_JSON, "reserved", NULL, NULL);
			out_null(OUT_JSON, "strict", NULL, NULL);
			out_flag("enforcing", NULL, kio_active() ? read_flag("enforce") : -1, NULL, NULL);
			out_flag("locked", NULL, kio_active() ? read_flag("lock") : -1, NULL, NULL);
			out_null(OUT_JSON, "rules", NULL, NULL);
			out_str(OUT_JSON, "error", NULL, last_error);
			out_doc_end();
		}
		return EX_KERNEL;
	}
	if (numeric && !json) {
		fputs(text, stdout);
		free(text);
		po_policy_free(&pol);
		return EX_OK;
	}
	out_init(stdout, json);
	out_doc_begin();
	out_uint(OUT_ANY, "reserved", "reserved %llu\n", pol.reserved);
	out_bool(OUT_JSON, "strict", NULL, pol.strict);
	if (pol.strict)
		out_text("strict\n");
	if (json) {
		int enf = read_flag("enforce"), lck = read_flag("lock");

		out_flag("enforcing", NULL, enf, NULL, NULL);
		out_flag("locked", NULL, lck, NULL, NULL);
	}
	out_arr_open("rules");
	for (size_t i = 0; i < pol.nrules; i++) {
		const struct po_rule *r = &pol.rules[i];
		char nb[400], svc[64];
		const char *s = r->first == r->last ? po_service_name(r->first, r->proto, svc, sizeof(svc)) : NULL;

		out_rule(NULL, r);
		out_str(OUT_TEXT, NULL, "%s", rule_named(r, nb, sizeof(nb)));
		if (s)
			out_text("\t# %s", s);
		out_text("\n");
	}
	out_arr_close();
	out_doc_end();
	free(text);
	po_policy_free(&pol);
	return EX_OK;
}

/* ------------------------------------------------------------- status */

/*
 * portown governs the initial network namespace only, and the sysctl and
 * the sock_diag dump are those of the caller's namespace: say so when the
 * caller is elsewhere (the PID 1 comparison needs root; without it, quiet).
 */
static void warn_if_not_init_netns(void)
{
	const char *procfs = po_procfs_dir();
	char self[PATH_MAX], init[PATH_MAX];
	struct stat a, b;

	snprintf(self, sizeof(self), "%s/self/ns/net", procfs);
	snprintf(init, sizeof(init), "%s/1/ns/net", procfs);
	if (stat(self, &a) < 0 || stat(init, &b) < 0)
		return;
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		warnx("warning: not in the initial network namespace: the sysctl and sockets shown are this namespace's, which portown does not govern");
}

static int do_status(int argc, char **argv)
{
	static const struct option opts[] = {
		HELP_OPT, { "json", no_argument, NULL, 'j' }, { 0 }
	};
	bool json = opt_json, havepol = false, active;
	struct po_policy pol;
	char *stats = NULL, fix[1200];
	int c, enf = -1, lck = -1, rc = EX_OK;
	long unpriv, stat_rules = -1;

	while ((c = next_opt(argc, argv, "hj", opts)) != -1) {
		switch (c) {
		case 'h': return cmd_help(cur_cmd);
		case 'j': json = true; break;
		default: return EX_USAGE;
		}
	}
	if (optind != argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	warn_if_not_init_netns();
	unpriv = read_prot_sock();
	active = kio_active();
	po_policy_init(&pol);
	if (active) {
		enf = read_flag("enforce");
		lck = read_flag("lock");
		/* e.g. not root: the policy file is 0600 */
		havepol = read_kernel_policy(&pol, NULL, NULL, false) == EX_OK;
		if (kio_read("stats", &stats, NULL) < 0)
			stats = NULL;
	}
	/* the kernel's own count, for when the policy cannot be read */
	for (const char *l = stats; l && *l;) {
		unsigned long long v;

		if (!strncmp(l, "rules ", 6) && sscanf(l + 6, "%llu", &v) == 1 && v <= LONG_MAX)
			stat_rules = (long)v;
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	if (!active || !havepol)
		rc = EX_KERNEL;

	/* the same keys in every state, null when unknown */
	out_init(stdout, json);
	out_doc_begin();
	out_bool(OUT_JSON, "active", NULL, active);
	if (active)
		out_text("portown: active\n");
	else
		out_text("portown: not active (%s does not exist)\n", po_securityfs_dir);
	if (!active) {
		out_null(OUT_JSON, "enforcing", NULL, NULL);
		out_null(OUT_JSON, "locked", NULL, NULL);
	} else {
		out_flag("enforcing", "mode: %s\n", enf, "enforcing", "permissive");
		out_flag("locked", "locked: %s\n", lck, "yes (until reboot)", "no");
	}
	if (havepol) {
		out_uint(OUT_ANY, "reserved", "reserved: %llu", pol.reserved);
		out_text("%s\n", pol.reserved ? "" : " (off)");
		out_bool(OUT_ANY, "strict", "strict: %s\n", pol.strict);
		out_uint(OUT_ANY, "rules", "rules: %llu\n", pol.nrules);
	} else {
		out_null(OUT_JSON, "reserved", NULL, NULL);
		out_null(OUT_JSON, "strict", NULL, NULL);
		if (active)
			out_text("reserved: unknown\nstrict: unknown\n");
		/* the count the kernel's counters give, so that both agree */
		if (stat_rules >= 0)
			out_uint(OUT_ANY, "rules", "rules: %llu\n", (unsigned long long)stat_rules);
		else
			out_null(OUT_ANY, "rules", active ? "rules: %s\n" : NULL, "unknown");
	}
	if (unpriv >= 0)
		out_int(OUT_ANY, "ip_unprivileged_port_start", "ip_unprivileged_port_start: %lld\n", unpriv);
	else
		out_null(OUT_ANY, "ip_unprivileged_port_start", "ip_unprivileged_port_start: %s\n", "unknown");
	if (stats) {
		out_obj_open("stats");
		out_text("stats:\n");
		for (char *line = strtok(stats, "\n"); line; line = strtok(NULL, "\n")) {
			char name[64];
			unsigned long long v;

			if (sscanf(line, "%63s %llu", name, &v) != 2) {
				out_text("  %s\n", line);
				continue;
			}
			out_uint(OUT_JSON, name, NULL, v);
			out_text("  %s %llu\n", name, v);
		}
		out_obj_close();
	} else {
		out_null(OUT_JSON, "stats", NULL, NULL);
	}
	out_doc_end();
	if (active && unpriv > 0)
		warnx("warning: %s is %ld, not 0: the takeover was undone, so the stack again refuses ports below %ld "
		      "to owners without CAP_NET_BIND_SERVICE; %s", UNPRIV_SYSCTL, unpriv, unpriv, prot_sock_fix(fix, sizeof(fix)));
	free(stats);
	po_policy_free(&pol);
	return rc;
}

/* ------------------------------------------------------ enforce, lock */

static int do_enforce(int argc, char **argv)
{
	static const struct option opts[] = { HELP_OPT, { 0 } };
	const char *v;
	int c, w;

	while ((c = next_opt(argc, argv, "h", opts)) != -1) {
		if (c == 'h')
			return cmd_help(cur_cmd);
		return EX_USAGE;
	}
	if (argc - optind > 1)
		return usage_error("unexpected argument '%s'", argv[optind + 1]);
	v = optind < argc ? argv[optind] : NULL;
	if (v) {
		if (!strcmp(v, "on") || !strcmp(v, "1") || !strcmp(v, "enforcing"))
			v = "1";
		else if (!strcmp(v, "off") || !strcmp(v, "0") || !strcmp(v, "permissive"))
			v = "0";
		else
			return usage_error("expected 'on' or 'off', not '%s'", v);
	}
	if (require_active() < 0)
		return EX_KERNEL;
	if (!v) {
		int e = read_flag("enforce");

		if (e < 0) {
			warnx("cannot read %s", kio_path("enforce"));
			return EX_KERNEL;
		}
		printf("%s\n", e ? "on" : "off");
		return EX_OK;
	}
	w = kio_write("enforce", v, 1);
	if (w < 0) {
		warnx("%s", kernel_write_error("cannot change the mode", w));
		return EX_KERNEL;
	}
	changed = *v == '1' ? "portown is enforcing" : "portown is permissive";
	printf("portown: %s\n", *v == '1' ? "enforcing" : "permissive");
	return EX_OK;
}

static int do_lock(int argc, char **argv)
{
	static const struct option opts[] = { HELP_OPT, { 0 } };
	int c, w;

	while ((c = next_opt(argc, argv, "h", opts)) != -1) {
		if (c == 'h')
			return cmd_help(cur_cmd);
		return EX_USAGE;
	}
	if (optind != argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (require_active() < 0)
		return EX_KERNEL;
	if (read_flag("lock") == 1) {
		printf("portown is already locked until reboot\n");
		return EX_OK;
	}
	w = kio_write("lock", "1", 1);
	if (w < 0) {
		warnx("%s", kernel_write_error("cannot lock", w));
		return EX_KERNEL;
	}
	changed = "portown is locked";
	printf("portown locked until reboot: policy, mode and lock are frozen\n");
	return EX_OK;
}

/* ------------------------------------------------------------ explain */

static void print_groups(const struct po_user *u)
{
	printf("groups ");
	if (!u->ngroups)
		printf("none");
	for (size_t i = 0; i < u->ngroups; i++)
		printf("%s%u", i ? "," : "", u->groups[i]);
}

static int do_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		HELP_OPT,
		{ "cap", no_argument, NULL, OPT_CAP },
		{ "no-cap", no_argument, NULL, OPT_NO_CAP },
		{ "enforcing", no_argument, NULL, OPT_ENFORCING },
		{ "permissive", no_argument, NULL, OPT_PERMISSIVE },
		{ "config", required_argument, NULL, 'f' },
		{ 0 }
	};
	int cap = -1, enf = -1, c, proto, rc = EX_KERNEL;
	char **files = calloc((size_t)argc + 1, sizeof(char *));
	int nfiles = 0;
	struct po_policy pol;
	struct po_parser ps;
	struct po_user u;
	unsigned port;
	long prot_sock = 0;
	char err[300];
	bool use_config = false, active, cap_given;

	if (!files)
		return EX_KERNEL;
	while ((c = next_opt(argc, argv, "hf:", opts)) != -1) {
		switch (c) {
		case 'h': free(files); return cmd_help(cur_cmd);
		case OPT_CAP: cap = 1; break;
		case OPT_NO_CAP: cap = 0; break;
		case OPT_ENFORCING: enf = 1; break;
		case OPT_PERMISSIVE: enf = 0; break;
		case 'f': files[nfiles++] = optarg; use_config = true; break;
		default: free(files); return EX_USAGE;
		}
	}
	if (argc - optind != 3) {
		free(files);
		return usage_error("expected USER PROTO PORT");
	}
	proto = po_proto_parse(argv[optind + 1]);
	/* protocols by the port space they bind in, as the kernel judges them */
	if (proto < 0 && (!strcmp(argv[optind + 1], "mptcp") || !strcmp(argv[optind + 1], "smc")))
		proto = PO_TCP;
	else if (proto < 0 && !strcmp(argv[optind + 1], "udplite"))
		proto = PO_UDP;
	if (proto < 0) {
		free(files);
		return usage_error("unknown protocol '%s' (expected tcp, udp, sctp, dccp, or mptcp, smc, udplite)",
				   argv[optind + 1]);
	}
	if (parse_port_arg(argv[optind + 2], (unsigned)proto, &port)) {
		free(files);
		return usage_error("invalid port '%s' (expected 0-65535 or a service name)", argv[optind + 2]);
	}
	if (po_user_lookup(argv[optind], &u, err, sizeof(err))) {
		free(files);
		return usage_error("%s", err);
	}
	po_policy_init(&pol);
	memset(&ps, 0, sizeof(ps));
	active = kio_active();
	if (use_config) {
		if (load_config(nfiles, files, &pol, &ps, "") != EX_OK) {
			rc = EX_CONFIG;
			goto out;
		}
		if (enf < 0)
			enf = active ? read_flag("enforce") : 1;
	} else {
		if (require_active() < 0 || read_kernel_policy(&pol, NULL, NULL, false) != EX_OK)
			goto out;
		if (enf < 0)
			enf = read_flag("enforce");
	}
	if (enf < 0)
		enf = 1;
	cap_given = cap >= 0;
	if (cap < 0)
		cap = u.uid == 0;	/* root holds CAP_NET_BIND_SERVICE, others not */
	/* the stack's own check, when portown is active: a value written back */
	if (active)
		prot_sock = read_prot_sock();

	struct po_cred cred = {
		.euid = u.uid, .egid = u.gid, .groups = u.groups, .ngroups = u.ngroups,
		.cap_net_bind_service = cap,
	};
	struct po_decision d = po_decide(&pol, (unsigned)proto, port, &cred, enf);
	char rb[64], nb[400], fix[1200];

	if (prot_sock > 0)
		po_apply_prot_sock(&d, port, &cred, (unsigned)prot_sock);
	printf("%s %u for ", po_proto_name((unsigned)proto), port);
	if (u.known)
		printf("user %s (uid %u, gid %u, ", u.name, u.uid, u.gid);
	else
		printf("uid %u (no passwd entry, so no gid; ", u.uid);
	print_groups(&u);
	printf("): %s\n", !d.allowed ? "refused (EACCES)" : d.logged ? "allowed, logged (permissive mode)" : "allowed");
	printf("  %s\n", po_step_describe(d.step));
	if (d.rule) {
		po_rule_format(d.rule, rb, sizeof(rb));
		rule_owner_named(d.rule, nb, sizeof(nb));
		printf("  matching rule: %s (%s)\n", rb, nb);
	}
	if (d.nowners) {
		printf("  owners:");
		for (size_t i = 0; i < pol.nrules; i++) {
			const struct po_rule *r = &pol.rules[i];

			if (r->proto == (unsigned)proto && port >= r->first && port <= r->last)
				printf(" %s", rule_owner_named(r, nb, sizeof(nb)));
		}
		printf("\n");
	}
	if ((d.step != PO_STEP_FREE && d.step != PO_STEP_PORT0 && d.step != PO_STEP_OWNED_RULE) || d.stack_refuses)
		printf("  CAP_NET_BIND_SERVICE: %s (%s)%s\n", cap ? "yes" : "no",
		       cap_given ? (cap ? "assumed: --cap" : "assumed: --no-cap") : u.uid == 0 ? "uid 0" : "not uid 0",
		       pol.strict && d.step != PO_STEP_OWNED_RULE && d.step != PO_STEP_FREE
		       ? "; the policy is strict, so the capability does not help" : "");
	if (d.logged)
		printf("  permissive mode: portown logs the refusal and lets it through, since the stock kernel rule allows it\n");
	else if (d.refused_by_policy && !enf)
		printf("  permissive mode does not help: the stock kernel rule would refuse it too (port < 1024 without CAP_NET_BIND_SERVICE)\n");
	if (d.step == PO_STEP_FREE || d.step == PO_STEP_RESERVED_CAP || d.step == PO_STEP_RESERVED_DENY)
		printf("  reserved boundary: %u%s\n", pol.reserved, pol.strict ? ", strict" : "");
	if (d.stack_refuses) {
		printf("  %s: %s is %ld, not 0, and below it the stack's own check requires CAP_NET_BIND_SERVICE\n",
		       d.refused_by_policy ? "the stack refuses it too" : "portown allows it, but the stack refuses it",
		       UNPRIV_SYSCTL, prot_sock);
		printf("  portown sets it to 0 at boot, so something wrote it back; to fix: %s\n",
		       prot_sock_fix(fix, sizeof(fix)));
	} else if (active && prot_sock < 0) {
		printf("  (%s cannot be read: the stack's own check below it is not shown)\n", UNPRIV_SYSCTL);
	}
	rc = d.allowed ? EX_OK : EX_NO;
out:
	free(files);
	po_user_free(&u);
	po_parser_free(&ps);
	po_policy_free(&pol);
	return rc;
}

/* ---------------------------------------------------------- listeners */

/* why a judged socket got its verdict, into buf */
static const char *listener_why(const struct po_judgement *j, const struct po_policy *pol,
				unsigned prot_sock, char *buf, size_t size)
{
	const char *who = j->pid ? "" : " (no process found; uid 0 assumed capable)";
	char rb[64];
	int o;

	switch (j->d.step) {
	case PO_STEP_OWNED_RULE:
		po_rule_format(j->d.rule, rb, sizeof(rb));
		o = snprintf(buf, size, "rule '%s'", rb);
		break;
	case PO_STEP_OWNED_CAP:
		o = snprintf(buf, size, "owned by others; CAP_NET_BIND_SERVICE%s", who);
		break;
	case PO_STEP_RESERVED_CAP:
		o = snprintf(buf, size, "reserved port; CAP_NET_BIND_SERVICE%s", who);
		break;
	case PO_STEP_FREE:
	case PO_STEP_PORT0:
		o = snprintf(buf, size, "unowned port at or above the reserved boundary");
		break;
	case PO_STEP_OWNED_DENY:
		o = snprintf(buf, size, "owned port, no rule matches this %s%s%s",
			     j->pid ? "process" : "user",
			     j->cred.cap_net_bind_service && pol->strict ? "; strict policy ignores CAP_NET_BIND_SERVICE" : "",
			     who);
		break;
	default:
		o = snprintf(buf, size, "reserved port, %s%s",
			     j->cred.cap_net_bind_service && pol->strict ? "strict policy ignores CAP_NET_BIND_SERVICE"
			     : "no CAP_NET_BIND_SERVICE", who);
		break;
	}
	if (j->verdict == PO_VERDICT_REFUSED && o >= 0 && (size_t)o < size)
		snprintf(buf + o, size - (size_t)o, "; but ip_unprivileged_port_start is %u: "
			 "the stack refuses it without CAP_NET_BIND_SERVICE", prot_sock);
	return buf;
}

/* listeners --json that cannot list: the document, with the error in it */
static int listeners_failed(bool json)
{
	long prot_sock = read_prot_sock();

	if (json) {
		out_init(stdout, true);
		out_doc_begin();
		if (prot_sock >= 0)
			out_int(OUT_JSON, "ip_unprivileged_port_start", NULL, prot_sock);
		else
			out_null(OUT_JSON, "ip_unprivileged_port_start", NULL, NULL);
		out_null(OUT_JSON, "listeners", NULL, NULL);
		out_null(OUT_JSON, "squatters", NULL, NULL);
		out_null(OUT_JSON, "refused", NULL, NULL);
		out_str(OUT_JSON, "error", NULL, last_error);
		out_doc_end();
	}
	return EX_KERNEL;
}

static int do_listeners(int argc, char **argv)
{
	static const struct option opts[] = {
		HELP_OPT, { "json", no_argument, NULL, 'j' }, { 0 }
	};
	bool json = opt_json;
	struct po_policy pol;
	struct po_socks socks;
	struct po_sockmap map;
	const char *procfs = po_procfs_dir();
	char err[512], fix[1200];
	int c, squatters = 0, refused = 0;
	long prot_sock;

	while ((c = next_opt(argc, argv, "hj", opts)) != -1) {
		switch (c) {
		case 'h': return cmd_help(cur_cmd);
		case 'j': json = true; break;
		default: return EX_USAGE;
		}
	}
	if (optind != argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (require_active() < 0 || read_kernel_policy(&pol, NULL, NULL, false) != EX_OK)
		return listeners_failed(json);
	warn_if_not_init_netns();
	prot_sock = read_prot_sock();
	if (po_sockdiag_dump(&socks, err, sizeof(err)) < 0) {
		warnx("%s", err);
		po_policy_free(&pol);
		return listeners_failed(json);
	}
	/* one pass over /proc; without it every socket falls back to its uid */
	if (po_sockmap_build(&map, procfs) < 0)
		warnx("cannot scan %s for the processes holding sockets; judging by socket owner only", procfs);
	out_init(stdout, json);
	out_doc_begin();
	if (prot_sock >= 0)
		out_int(OUT_JSON, "ip_unprivileged_port_start", NULL, prot_sock);
	else
		out_null(OUT_JSON, "ip_unprivileged_port_start", NULL, NULL);
	out_text("%-5s %-24s %5s %-16s %-20s %-8s %s\n", "PROTO", "ADDRESS", "PORT", "USER", "PROCESS", "VERDICT", "WHY");
	out_arr_open("listeners");
	for (size_t i = 0; i < socks.n; i++) {
		const struct po_sock *s = &socks.v[i];
		const struct po_holder *h;
		size_t nh = po_sockmap_find(&map, s->inode, &h), np = 0;
		struct po_proc *procs = nh ? calloc(nh, sizeof(*procs)) : NULL;
		struct po_judgement j;
		struct po_user u;
		char why[400], proc[160], uname[300], safe[300];

		if (nh && !procs) {
			warnx("out of memory");
			nh = 0;
		}
		for (size_t k = 0; k < nh; k++)	/* holders still there and readable */
			if (po_proc_read(procfs, h[k].pid, &procs[np]) == 0)
				np++;
		po_user_lookup_uid(s->uid, &u);
		struct po_cred fallback = {
			.euid = u.uid, .egid = u.gid, .groups = u.groups,
			.ngroups = u.ngroups, .cap_net_bind_service = u.uid == 0,
		};
		po_judge_socket(&pol, s->proto, s->port, prot_sock > 0 ? (unsigned)prot_sock : 0,
				procs, np, &fallback, &j);
		if (j.verdict == PO_VERDICT_SQUATTER)
			squatters++;
		else if (j.verdict == PO_VERDICT_REFUSED)
			refused++;
		listener_why(&j, &pol, prot_sock > 0 ? (unsigned)prot_sock : 0, why, sizeof(why));
		/* text: names from the system, with no control character */
		if (u.known)
			text_safe(u.name, uname, sizeof(uname));
		else
			snprintf(uname, sizeof(uname), "%u", u.uid);
		const char *comm = j.pid ? procs[j.best].comm : NULL;

		if (!j.pid)
			snprintf(proc, sizeof(proc), "-");
		else if (np > 1)
			snprintf(proc, sizeof(proc), "%d/%s+%zu", j.pid, text_safe(comm, safe, sizeof(safe)), np - 1);
		else
			snprintf(proc, sizeof(proc), "%d/%s", j.pid, text_safe(comm, safe, sizeof(safe)));
		out_obj_open(NULL);
		out_str(OUT_ANY, "protocol", "%-5s ", po_proto_name(s->proto));
		out_str(OUT_JSON, "family", NULL, s->family == 2 ? "inet" : "inet6");
		out_str(OUT_ANY, "address", "%-24s ", s->addr);
		out_uint(OUT_ANY, "port", "%5llu ", s->port);
		out_uint(OUT_JSON, "uid", NULL, s->uid);
		out_str(OUT_JSON, "user", NULL, u.known ? u.name : NULL);
		out_str(OUT_TEXT, NULL, "%-16s ", uname);
		out_uint(OUT_JSON, "inode", NULL, s->inode);
		if (j.pid)
			out_int(OUT_JSON, "pid", NULL, j.pid);
		else
			out_null(OUT_JSON, "pid", NULL, NULL);
		out_str(OUT_JSON, "comm", NULL, comm);
		out_str(OUT_TEXT, NULL, "%-20s ", proc);
		out_str(OUT_ANY, "verdict", "%-8s ", po_verdict_name(j.verdict));
		out_str(OUT_ANY, "reason", "%s\n", why);
		out_rule("rule", j.d.rule);
		out_obj_close();
		for (size_t k = 0; k < np; k++)
			po_proc_free(&procs[k]);
		free(procs);
		po_user_free(&u);
	}
	out_arr_close();
	out_uint(OUT_JSON, "squatters", NULL, (unsigned)squatters);
	out_uint(OUT_JSON, "refused", NULL, (unsigned)refused);
	out_doc_end();
	if (squatters)
		warnx("%d squatter%s: socket%s held by a process the loaded policy would refuse",
		      squatters, squatters == 1 ? "" : "s", squatters == 1 ? "" : "s");
	if (refused)
		warnx("%d socket%s held by a process whose next bind the stack would refuse: %s is %ld, not 0; %s",
		      refused, refused == 1 ? "" : "s", UNPRIV_SYSCTL, prot_sock, prot_sock_fix(fix, sizeof(fix)));
	po_sockmap_free(&map);
	po_socks_free(&socks);
	po_policy_free(&pol);
	return squatters || refused ? EX_NO : EX_OK;
}

/* --------------------------------------------------------------- main */

static int do_help(int argc, char **argv);
static int do_version(int argc, char **argv);

static const struct cmd cmds[] = {
	{ "check", do_check, "check [--strict-warnings] [FILE...]",
	  "Validate the configuration (default: " PO_DEFAULT_CONFIG " and " PO_DEFAULT_CONFDIR "/*.conf)\n"
	  "and print the canonical kernel policy text it would load.  No kernel needed.\n\n"
	  "      --strict-warnings  refuse a configuration that draws a warning (exit 5)\n"
	  "  -h, --help             show this help\n" },
	{ "load", do_load, "load [--dry-run] [--lock] [--reserve-ephemeral] [--strict-warnings] [FILE...]",
	  "Validate the configuration and load it with one write; print what changed.\n"
	  "On any error nothing is loaded and the policy in force stays unchanged.\n\n"
	  "  -n, --dry-run            show the changes, load nothing\n"
	  "      --lock               lock portown after loading (until reboot)\n"
	  "      --reserve-ephemeral  add owned ports inside ip_local_port_range to\n"
	  "                           ip_local_reserved_ports\n"
	  "      --strict-warnings    load nothing if there is any warning (exit 5)\n"
	  "  -h, --help               show this help\n" },
	{ "show", do_show, "show [--numeric] [--json]",
	  "Print the loaded policy, with user, group and service names.\n\n"
	  "  -n, --numeric  print exactly the kernel's canonical text\n"
	  "  -j, --json     print JSON\n"
	  "  -h, --help     show this help\n" },
	{ "status", do_status, "status [--json]",
	  "Print whether portown is active, the mode, the lock, the reserved boundary,\n"
	  "ip_unprivileged_port_start and the kernel's counters.\n"
	  "Exit status 4 when portown is not active or the policy cannot be read.\n\n"
	  "  -j, --json     print JSON\n"
	  "  -h, --help     show this help\n" },
	{ "enforce", do_enforce, "enforce [on|off]",
	  "Switch between enforcing (on) and permissive (off) mode; print the mode\n"
	  "without an argument.\n\n"
	  "  -h, --help     show this help\n" },
	{ "lock", do_lock, "lock",
	  "Freeze the policy, the mode and the lock until reboot.\n\n"
	  "  -h, --help     show this help\n" },
	{ "explain", do_explain, "explain [OPTIONS] USER PROTO PORT",
	  "Tell whether USER (a name or a uid, with the groups of the group database)\n"
	  "may bind PORT (number or service name) of PROTO (tcp, udp, sctp, dccp;\n"
	  "mptcp and smc are judged as tcp, udplite as udp) under\n"
	  "the loaded policy and mode, and which step or rule decides, as the kernel\n"
	  "does, including the stack's own check below ip_unprivileged_port_start.\n"
	  "uid 0 is assumed to hold CAP_NET_BIND_SERVICE, other users not.\n"
	  "Exit status 0 when allowed, 1 when refused.\n\n"
	  "  -f, --config FILE  use FILE (repeatable) instead of the loaded policy\n"
	  "      --cap          assume the user holds CAP_NET_BIND_SERVICE\n"
	  "      --no-cap       assume the user does not hold it\n"
	  "      --enforcing    assume enforcing mode\n"
	  "      --permissive   assume permissive mode\n"
	  "  -h, --help         show this help\n" },
	{ "listeners", do_listeners, "listeners [--json]",
	  "List bound TCP (listening), UDP, SCTP and DCCP sockets from sock_diag, each\n"
	  "judged by the credentials of the process holding it (effective uid and gid,\n"
	  "supplementary groups, CAP_NET_BIND_SERVICE from /proc/PID/status) and marked\n"
	  "owner (a rule matches), exempt (no rule needed: a free port, or the\n"
	  "capability under a non-strict policy), refused (portown allows it, but the\n"
	  "stack refuses it below ip_unprivileged_port_start) or squatter (the loaded\n"
	  "policy would refuse that process today).  A socket no process holds is\n"
	  "judged by its owner's uid (uid 0 assumed capable), PROCESS '-'.  Exit status\n"
	  "1 when there is a squatter or a refused socket.\n\n"
	  "  -j, --json     print JSON\n"
	  "  -h, --help     show this help\n" },
	{ "help", do_help, "help [COMMAND]",
	  "Print the list of commands, or the help of COMMAND.\n" },
	{ "version", do_version, "version",
	  "Print the version.\n" },
};

#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

static void main_usage(FILE *f)
{
	fprintf(f, "usage: %s [-j|--json] [-p|--pretty] [--securityfs DIR] [--procsys DIR] COMMAND [ARGS]\n"
		"       %s --version | --help\n\ncommands:\n", prog, prog);
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(f, "  %s\n", cmds[i].usage);
	fprintf(f, "\nRun '%s COMMAND --help' or '%s help COMMAND' for a command's options.\n"
		"Exit status: 0 success, 1 refused or squatter found, 2 usage error,\n"
		"3 invalid configuration (nothing loaded), 4 kernel or system error (nothing\n"
		"changed), 5 warnings with --strict-warnings (nothing loaded), 6 changed, but\n"
		"a later step failed (--reserve-ephemeral, --lock, writing the output).\n"
		"-j, --json: JSON output of show, status, listeners; -p, --pretty: indented JSON.\n"
		"Environment: PORTOWN_SECURITYFS, PORTOWN_PROCSYS, PORTOWN_PROCFS, PORTOWN_CONFIG,\n"
		"PORTOWN_CONFDIR, PORTOWN_SYSCTL_ROOT.\n", prog, prog);
}

static const struct cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(name, cmds[i].name) == 0)
			return &cmds[i];
	return NULL;
}

static int print_version(void)
{
	printf("portownctl %s\n", PORTOWN_VERSION);
	return EX_OK;
}

static int do_help(int argc, char **argv)
{
	static const struct option opts[] = { HELP_OPT, { 0 } };
	const struct cmd *c;
	int o;

	while ((o = next_opt(argc, argv, "h", opts)) != -1) {
		if (o == 'h')
			return cmd_help(cur_cmd);
		return EX_USAGE;
	}
	if (optind == argc) {
		main_usage(stdout);
		return EX_OK;
	}
	if (argc - optind > 1)
		return usage_error("unexpected argument '%s'", argv[optind + 1]);
	c = find_cmd(argv[optind]);
	if (!c)
		return usage_error("unknown command '%s'", argv[optind]);
	return cmd_help(c);
}

static int do_version(int argc, char **argv)
{
	static const struct option opts[] = { HELP_OPT, { 0 } };
	int o;

	while ((o = next_opt(argc, argv, "h", opts)) != -1) {
		if (o == 'h')
			return cmd_help(cur_cmd);
		return EX_USAGE;
	}
	if (optind != argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return print_version();
}

/* a pipe or socket on standard output whose reader is gone */
static bool stdout_reader_gone(void)
{
	struct pollfd pfd = { .fd = STDOUT_FILENO, .events = POLLOUT };
	struct stat st;

	return fstat(STDOUT_FILENO, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) &&
	       poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLERR | POLLHUP));
}

/*
 * Every command ends here: standard output flushed and closed, and a write
 * error reported once, the same way for every command.  A reader that went
 * away (EPIPE, as with "| head") is no error: the exit status is the
 * command's own, and nothing is said.
 */
static int finish(int rc)
{
	int e = 0;

	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout))
		e = errno ? errno : EIO;
	if (e != EPIPE && stdout_reader_gone())
		e = EPIPE;
	if (!e && fclose(stdout) != 0)
		e = errno ? errno : EIO;
	if (!e || e == EPIPE)
		return rc;
	if (changed) {
		warnx("cannot write the output: %s; %s", strerror(e), changed);
		return EX_PARTIAL;
	}
	warnx("cannot write the output: %s", strerror(e));
	return rc >= EX_USAGE ? rc : EX_KERNEL;
}

/* the commands whose output -j/--json turns into JSON */
static bool has_json(const struct cmd *c)
{
	return c->fn == do_show || c->fn == do_status || c->fn == do_listeners ||
	       c->fn == do_help || c->fn == do_version;
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "securityfs", required_argument, NULL, OPT_SECURITYFS },
		{ "procsys", required_argument, NULL, OPT_PROCSYS },
		{ 0 }
	};
	const struct cmd *cmd;
	int c;

	while ((c = next_opt(argc, argv, "+hVjp", opts)) != -1) {
		switch (c) {
		case 'h': main_usage(stdout); return EX_OK;
		case 'V': return print_version();
		case 'j': opt_json = true; break;
		case 'p': opt_pretty = true; break;
		case OPT_SECURITYFS: po_securityfs_dir = optarg; break;
		case OPT_PROCSYS: po_procsys_dir = optarg; break;
		default: return EX_USAGE;
		}
	}
	kio_init_paths();
	out_set_pretty(opt_pretty);
	if (optind == argc) {
		main_usage(stderr);
		return EX_USAGE;
	}
	cmd = find_cmd(argv[optind]);
	if (!cmd) {
		cur_cmd = NULL;
		return usage_error("unknown command '%s'", argv[optind]);
	}
	cur_cmd = cmd;
	if (opt_json && !has_json(cmd))
		return usage_error("'%s' has no JSON output (-j, --json: show, status, listeners)", cmd->name);
	argv += optind;
	argc -= optind;
	optind = 0;	/* full reset: the "+" mode above must not carry over */
	return cmd->fn(argc, argv);
}

int main(int argc, char **argv)
{
	/*
	 * A closed pipe on stdout must not kill us between the policy write
	 * and --lock: writes fail with EPIPE instead (see finish()).
	 */
	signal(SIGPIPE, SIG_IGN);
	return finish(run(argc, argv));
}
