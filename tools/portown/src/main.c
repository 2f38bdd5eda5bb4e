// SPDX-License-Identifier: GPL-2.0
/*
 * portownctl - load and inspect the portown port ownership policy.
 *
 * Exit codes: 0 success; 1 negative answer (explain: refused, listeners:
 * a squatter was found); 2 usage error; 3 invalid configuration (nothing
 * loaded); 4 kernel or system error (portown not active, write refused,
 * I/O error).
 */
#include "config.h"
#include "kio.h"
#include "output.h"
#include "policy.h"
#include "procscan.h"
#include "resolve.h"
#include "sockdiag.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef PORTOWN_VERSION
#define PORTOWN_VERSION "0.1"
#endif

enum { EX_OK = 0, EX_NO = 1, EX_USAGE = 2, EX_CONFIG = 3, EX_KERNEL = 4 };

static const char *prog = "portownctl";

static void warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warnx(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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
	return EX_USAGE;
}

static int cmd_help(const struct cmd *c)
{
	printf("usage: %s %s\n\n%s", prog, c->usage, c->help);
	return EX_OK;
}

/* common option parsing: only --help plus the given long options */
#define HELP_OPT { "help", no_argument, NULL, 'h' }

/* ------------------------------------------------------------- helpers */

static void print_diags(const struct po_parser *ps)
{
	char buf[1024];

	for (size_t i = 0; i < ps->ndiags; i++) {
		po_diag_format(&ps->diags[i], buf, sizeof(buf));
		fprintf(stderr, "%s\n", buf);
	}
}

/* parse the given files or the default configuration; EX_OK or EX_CONFIG */
static int load_config(int nfiles, char **files, struct po_policy *pol,
		       struct po_parser *ps)
{
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
	if (po_parse_finish(ps)) {
		print_diags(ps);
		warnx("%zu error%s in the configuration; nothing loaded",
		      ps->ndiags, ps->ndiags == 1 ? "" : "s");
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

/* read the loaded policy; EX_OK or EX_KERNEL */
static int read_kernel_policy(struct po_policy *pol, char **textp)
{
	char *text;
	size_t len;
	int rc = kio_read("policy", &text, &len);
	struct po_parser ps;

	po_policy_init(pol);
	if (rc < 0) {
		warnx("cannot read %s: %s", kio_path("policy"), strerror(-rc));
		return EX_KERNEL;
	}
	po_parser_init(&ps, pol, NULL, false);
	po_parse_buffer(&ps, kio_path("policy"), text, len);
	if (po_parse_finish(&ps)) {
		print_diags(&ps);
		warnx("cannot understand the policy the kernel reports");
		po_parser_free(&ps);
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

/* ------------------------------------------------------------- check */

static int do_check(int argc, char **argv)
{
	static const struct option opts[] = { HELP_OPT, { 0 } };
	struct po_policy pol;
	struct po_parser ps;
	int c, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h')
			return cmd_help(cur_cmd);
		return usage_error("invalid option");
	}
	rc = load_config(argc - optind, argv + optind, &pol, &ps);
	if (rc == EX_OK) {
		size_t len;
		char *text = po_policy_format(&pol, &len);

		if (!text) {
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

struct range { unsigned lo, hi; };

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
			bits[p / 8] |= (unsigned char)(1u << (p % 8));
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
		if (!(bits[p / 8] & (1u << (p % 8))))
			continue;
		unsigned q = p;

		while (q < 65535 && (bits[(q + 1) / 8] & (1u << ((q + 1) % 8))))
			q++;
		len += (size_t)snprintf(out + len, cap - len, len ? ",%u" : "%u", p);
		if (q != p)
			len += (size_t)snprintf(out + len, cap - len, "-%u", q);
		p = q;
	}
	snprintf(out + len, cap - len, "\n");
	return out;
}

/*
 * Warn about owned ports that autobind may hand out; with reserve, add them
 * to ip_local_reserved_ports.  Returns 0, or -1 when reserving failed.
 */
static int check_ephemeral(const struct po_policy *pol, bool reserve, bool dry_run)
{
	char *t = NULL, *rt = NULL;
	unsigned lo, hi, n = 0;
	unsigned char bits[65536 / 8] = { 0 }, add[65536 / 8] = { 0 };
	int rc = 0;

	if (kio_proc_read("net/ipv4/ip_local_port_range", &t, NULL) < 0)
		return 0;
	if (sscanf(t, "%u %u", &lo, &hi) != 2 || lo > hi || hi > 65535) {
		free(t);
		return 0;
	}
	free(t);
	if (kio_proc_read("net/ipv4/ip_local_reserved_ports", &rt, NULL) == 0) {
		parse_port_list(rt, bits);
		free(rt);
	}
	for (size_t i = 0; i < pol->nrules; i++) {
		const struct po_rule *r = &pol->rules[i];
		unsigned a = r->first > lo ? r->first : lo, b = r->last < hi ? r->last : hi;
		unsigned cnt = 0;

		for (unsigned p = a; p <= b && a <= b; p++)
			if (!(bits[p / 8] & (1u << (p % 8))) && !(add[p / 8] & (1u << (p % 8)))) {
				add[p / 8] |= (unsigned char)(1u << (p % 8));
				cnt++;
			}
		if (cnt) {
			char rb[64];

			po_rule_format(r, rb, sizeof(rb));
			if (!reserve)
				fprintf(stderr, "%s: warning: '%s' (%s:%u) lies inside ip_local_port_range %u-%u: autobind (connect/sendto without bind) can hand %s out; use --reserve-ephemeral to add %s to ip_local_reserved_ports\n",
					prog, rb, r->src_file ? r->src_file : "?", r->src_line, lo, hi,
					cnt == 1 ? "it" : "them", cnt == 1 ? "it" : "them");
			n += cnt;
		}
	}
	if (!reserve || n == 0)
		return 0;
	for (size_t i = 0; i < sizeof(bits); i++)
		bits[i] |= add[i];
	char *list = format_port_list(bits);

	if (!list)
		return -1;
	if (dry_run) {
		printf("would set net.ipv4.ip_local_reserved_ports = %s", list);
	} else {
		int w = kio_proc_write("net/ipv4/ip_local_reserved_ports", list, strlen(list));

		if (w < 0) {
			warnx("cannot write %s/net/ipv4/ip_local_reserved_ports: %s", po_procsys_dir, strerror(-w));
			rc = -1;
		} else {
			printf("reserved %u owned port%s in ip_local_reserved_ports\n", n, n == 1 ? "" : "s");
		}
	}
	free(list);
	return rc;
}

static void print_diff(const struct po_policy *old, const struct po_policy *new, bool dry_run)
{
	size_t i = 0, j = 0, added = 0, removed = 0;
	char rb[64], nb[400];
	const char *would = dry_run ? "would be " : "";

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
		       dry_run ? "would load: " : "loaded: ", new->nrules,
		       new->nrules == 1 ? "" : "s", new->reserved, new->strict ? ", strict" : "",
		       added, removed);
	(void)would;
}

static int do_load(int argc, char **argv)
{
	static const struct option opts[] = {
		HELP_OPT,
		{ "dry-run", no_argument, NULL, 'n' },
		{ "lock", no_argument, NULL, 'L' },
		{ "reserve-ephemeral", no_argument, NULL, 'R' },
		{ 0 }
	};
	bool dry_run = false, lock = false, reserve = false;
	struct po_policy pol, old;
	struct po_parser ps;
	char *text = NULL, *back = NULL;
	size_t len;
	int c, rc, w;

	while ((c = getopt_long(argc, argv, "hn", opts, NULL)) != -1) {
		switch (c) {
		case 'h': return cmd_help(cur_cmd);
		case 'n': dry_run = true; break;
		case 'L': lock = true; break;
		case 'R': reserve = true; break;
		default: return usage_error("invalid option");
		}
	}
	if (dry_run && lock)
		return usage_error("--dry-run and --lock exclude each other");
	rc = load_config(argc - optind, argv + optind, &pol, &ps);
	if (rc != EX_OK)
		goto out;
	rc = EX_KERNEL;
	if (require_active() < 0)
		goto out;
	text = po_policy_format(&pol, &len);
	if (!text)
		goto out;
	if (read_kernel_policy(&old, NULL) != EX_OK) {
		po_policy_init(&old);
		warnx("showing changes against an empty policy");
	}
	if (!dry_run) {
		w = kio_write("policy", text, len);
		if (w < 0) {
			warnx("%s; the policy in force is unchanged", kernel_write_error("cannot load the policy", w));
			po_policy_free(&old);
			goto out;
		}
	}
	print_diff(&old, &pol, dry_run);
	po_policy_free(&old);
	if (!dry_run && kio_read("policy", &back, NULL) == 0 && strcmp(back, text) != 0)
		warnx("warning: the kernel reads back a different policy than was written");
	rc = EX_OK;
	if (check_ephemeral(&pol, reserve, dry_run) < 0)
		rc = EX_KERNEL;
	if (lock) {
		w = kio_write("lock", "1", 1);
		if (w < 0) {
			warnx("%s", kernel_write_error("cannot lock", w));
			rc = EX_KERNEL;
		} else {
			printf("portown locked until reboot\n");
		}
	}
out:
	free(text);
	free(back);
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
	bool numeric = false, json = false;
	struct po_policy pol;
	char *text;
	int c;

	while ((c = getopt_long(argc, argv, "hnj", opts, NULL)) != -1) {
		switch (c) {
		case 'h': return cmd_help(cur_cmd);
		case 'n': numeric = true; break;
		case 'j': json = true; break;
		default: return usage_error("invalid option");
		}
	}
	if (optind != argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (require_active() < 0)
		return EX_KERNEL;
	if (read_kernel_policy(&pol, &text) != EX_OK)
		return EX_KERNEL;
	if (json) {
		int enf = read_flag("enforce"), lck = read_flag("lock");

		printf("{\"reserved\":%u,\"strict\":%s,\"enforcing\":%s,\"locked\":%s,\"rules\":[",
		       pol.reserved, pol.strict ? "true" : "false",
		       enf < 0 ? "null" : enf ? "true" : "false",
		       lck < 0 ? "null" : lck ? "true" : "false");
		for (size_t i = 0; i < pol.nrules; i++) {
			if (i)
				putchar(',');
			json_rule(stdout, &pol.rules[i]);
		}
		printf("]}\n");
	} else if (numeric) {
		fputs(text, stdout);
	} else {
		char nb[400], svc[64];

		printf("reserved %u\n", pol.reserved);
		if (pol.strict)
			printf("strict\n");
		for (size_t i = 0; i < pol.nrules; i++) {
			const struct po_rule *r = &pol.rules[i];
			const char *s = r->first == r->last ? po_service_name(r->first, r->proto, svc, sizeof(svc)) : NULL;

			rule_named(r, nb, sizeof(nb));
			if (s)
				printf("%s\t# %s\n", nb, s);
			else
				printf("%s\n", nb);
		}
	}
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
	bool json = false, havepol = true;
	struct po_policy pol;
	char *stats = NULL, *ups = NULL;
	int c, enf, lck, rc = EX_OK;
	long unpriv = -1;

	while ((c = getopt_long(argc, argv, "hj", opts, NULL)) != -1) {
		switch (c) {
		case 'h': return cmd_help(cur_cmd);
		case 'j': json = true; break;
		default: return usage_error("invalid option");
		}
	}
	if (optind != argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	warn_if_not_init_netns();
	if (kio_proc_read("net/ipv4/ip_unprivileged_port_start", &ups, NULL) == 0)
		unpriv = strtol(ups, NULL, 10);
	free(ups);
	if (!kio_active()) {
		if (json)
			printf("{\"active\":false,\"ip_unprivileged_port_start\":%ld}\n", unpriv);
		else
			printf("portown: not active (%s does not exist)\nip_unprivileged_port_start: %ld\n",
			       po_securityfs_dir, unpriv);
		return EX_KERNEL;
	}
	enf = read_flag("enforce");
	lck = read_flag("lock");
	if (read_kernel_policy(&pol, NULL) != EX_OK) {
		/* e.g. not root: the policy file is 0600 */
		po_policy_init(&pol);
		havepol = false;
		rc = EX_KERNEL;
	}
	if (kio_read("stats", &stats, NULL) < 0)
		stats = NULL;
	if (json) {
		printf("{\"active\":true,\"enforcing\":%s,\"locked\":%s,",
		       enf < 0 ? "null" : enf ? "true" : "false",
		       lck < 0 ? "null" : lck ? "true" : "false");
		if (havepol)
			printf("\"reserved\":%u,\"strict\":%s,\"rules\":%zu,",
			       pol.reserved, pol.strict ? "true" : "false", pol.nrules);
		else
			printf("\"reserved\":null,\"strict\":null,\"rules\":null,");
		printf("\"ip_unprivileged_port_start\":%ld,\"stats\":{", unpriv);
		bool first = true;

		for (char *line = stats ? strtok(stats, "\n") : NULL; line; line = strtok(NULL, "\n")) {
			char name[64];
			unsigned long long v;

			if (sscanf(line, "%63s %llu", name, &v) != 2)
				continue;
			printf("%s", first ? "" : ",");
			json_str(stdout, name);
			printf(":%llu", v);
			first = false;
		}
		printf("}}\n");
	} else {
		printf("portown: active\n");
		printf("mode: %s\n", enf < 0 ? "unknown" : enf ? "enforcing" : "permissive");
		printf("locked: %s\n", lck < 0 ? "unknown" : lck ? "yes (until reboot)" : "no");
		if (havepol) {
			printf("reserved: %u%s\n", pol.reserved, pol.reserved ? "" : " (off)");
			printf("strict: %s\n", pol.strict ? "yes" : "no");
			printf("rules: %zu\n", pol.nrules);
		} else {
			printf("reserved: unknown\nstrict: unknown\nrules: unknown\n");
		}
		printf("ip_unprivileged_port_start: %ld\n", unpriv);
		if (stats) {
			printf("stats:\n");
			for (char *line = strtok(stats, "\n"); line; line = strtok(NULL, "\n"))
				printf("  %s\n", line);
		}
	}
	if (unpriv > 0)
		warnx("warning: net.ipv4.ip_unprivileged_port_start is %ld, not 0: the takeover was undone, so the stack again refuses ports below %ld to owners without CAP_NET_BIND_SERVICE",
		      unpriv, unpriv);
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

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h')
			return cmd_help(cur_cmd);
		return usage_error("invalid option");
	}
	if (require_active() < 0)
		return EX_KERNEL;
	if (optind == argc) {
		int e = read_flag("enforce");

		if (e < 0) {
			warnx("cannot read %s", kio_path("enforce"));
			return EX_KERNEL;
		}
		printf("%s\n", e ? "on" : "off");
		return EX_OK;
	}
	if (argc - optind > 1)
		return usage_error("unexpected argument '%s'", argv[optind + 1]);
	v = argv[optind];
	if (!strcmp(v, "on") || !strcmp(v, "1") || !strcmp(v, "enforcing"))
		v = "1";
	else if (!strcmp(v, "off") || !strcmp(v, "0") || !strcmp(v, "permissive"))
		v = "0";
	else
		return usage_error("expected 'on' or 'off', not '%s'", v);
	w = kio_write("enforce", v, 1);
	if (w < 0) {
		warnx("%s", kernel_write_error("cannot change the mode", w));
		return EX_KERNEL;
	}
	printf("portown: %s\n", *v == '1' ? "enforcing" : "permissive");
	return EX_OK;
}

static int do_lock(int argc, char **argv)
{
	static const struct option opts[] = { HELP_OPT, { 0 } };
	int c, w;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h')
			return cmd_help(cur_cmd);
		return usage_error("invalid option");
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
		{ "cap", no_argument, NULL, 'c' },
		{ "no-cap", no_argument, NULL, 'C' },
		{ "enforcing", no_argument, NULL, 'e' },
		{ "permissive", no_argument, NULL, 'p' },
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
	char err[300];
	bool use_config = false;

	if (!files)
		return EX_KERNEL;
	while ((c = getopt_long(argc, argv, "hf:", opts, NULL)) != -1) {
		switch (c) {
		case 'h': free(files); return cmd_help(cur_cmd);
		case 'c': cap = 1; break;
		case 'C': cap = 0; break;
		case 'e': enf = 1; break;
		case 'p': enf = 0; break;
		case 'f': files[nfiles++] = optarg; use_config = true; break;
		default: free(files); return usage_error("invalid option");
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
	if (use_config) {
		if (load_config(nfiles, files, &pol, &ps) != EX_OK) {
			rc = EX_CONFIG;
			goto out;
		}
		if (enf < 0)
			enf = kio_active() ? read_flag("enforce") : 1;
	} else {
		if (require_active() < 0 || read_kernel_policy(&pol, NULL) != EX_OK)
			goto out;
		if (enf < 0)
			enf = read_flag("enforce");
	}
	if (enf < 0)
		enf = 1;
	if (cap < 0)
		cap = u.uid == 0;	/* root holds CAP_NET_BIND_SERVICE, others not */

	struct po_cred cred = {
		.euid = u.uid, .egid = u.gid, .groups = u.groups, .ngroups = u.ngroups,
		.cap_net_bind_service = cap,
	};
	struct po_decision d = po_decide(&pol, (unsigned)proto, port, &cred, enf);
	char rb[64], nb[400];

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
	if (d.step != PO_STEP_FREE && d.step != PO_STEP_PORT0 && d.step != PO_STEP_OWNED_RULE)
		printf("  CAP_NET_BIND_SERVICE: %s (%s)%s\n", cap ? "yes" : "no",
		       u.uid == 0 ? "uid 0" : "not uid 0",
		       pol.strict ? "; the policy is strict, so the capability does not help" : "");
	if (d.logged)
		printf("  permissive mode: the refusal is logged and let through, since the stock kernel rule allows it\n");
	else if (d.refused_by_policy && !enf)
		printf("  permissive mode does not help: the stock kernel rule would refuse it too (port < 1024 without CAP_NET_BIND_SERVICE)\n");
	if (d.step == PO_STEP_FREE || d.step == PO_STEP_RESERVED_CAP || d.step == PO_STEP_RESERVED_DENY)
		printf("  reserved boundary: %u%s\n", pol.reserved, pol.strict ? ", strict" : "");
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
				char *buf, size_t size)
{
	const char *who = j->pid ? "" : " (no process found; uid 0 assumed capable)";
	char rb[64];

	switch (j->d.step) {
	case PO_STEP_OWNED_RULE:
		po_rule_format(j->d.rule, rb, sizeof(rb));
		snprintf(buf, size, "rule '%s'", rb);
		break;
	case PO_STEP_OWNED_CAP:
		snprintf(buf, size, "owned by others; CAP_NET_BIND_SERVICE%s", who);
		break;
	case PO_STEP_RESERVED_CAP:
		snprintf(buf, size, "reserved port; CAP_NET_BIND_SERVICE%s", who);
		break;
	case PO_STEP_FREE:
	case PO_STEP_PORT0:
		snprintf(buf, size, "unowned port at or above the reserved boundary");
		break;
	case PO_STEP_OWNED_DENY:
		snprintf(buf, size, "owned port, no rule matches this %s%s%s",
			 j->pid ? "process" : "user",
			 j->cred.cap_net_bind_service && pol->strict ? "; strict policy ignores CAP_NET_BIND_SERVICE" : "",
			 who);
		break;
	default:
		snprintf(buf, size, "reserved port, %s%s",
			 j->cred.cap_net_bind_service && pol->strict ? "strict policy ignores CAP_NET_BIND_SERVICE"
			 : "no CAP_NET_BIND_SERVICE", who);
		break;
	}
	return buf;
}

static int do_listeners(int argc, char **argv)
{
	static const struct option opts[] = {
		HELP_OPT, { "json", no_argument, NULL, 'j' }, { 0 }
	};
	bool json = false;
	struct po_policy pol;
	struct po_socks socks;
	struct po_sockmap map;
	const char *procfs = po_procfs_dir();
	char err[512];
	int c, squatters = 0;

	while ((c = getopt_long(argc, argv, "hj", opts, NULL)) != -1) {
		switch (c) {
		case 'h': return cmd_help(cur_cmd);
		case 'j': json = true; break;
		default: return usage_error("invalid option");
		}
	}
	if (optind != argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (require_active() < 0 || read_kernel_policy(&pol, NULL) != EX_OK)
		return EX_KERNEL;
	warn_if_not_init_netns();
	if (po_sockdiag_dump(&socks, err, sizeof(err)) < 0) {
		warnx("%s", err);
		po_policy_free(&pol);
		return EX_KERNEL;
	}
	/* one pass over /proc; without it every socket falls back to its uid */
	if (po_sockmap_build(&map, procfs) < 0)
		warnx("cannot scan %s for the processes holding sockets; judging by socket owner only", procfs);
	if (json)
		printf("[");
	else
		printf("%-5s %-24s %5s %-16s %-20s %-8s %s\n", "PROTO", "ADDRESS", "PORT", "USER", "PROCESS", "VERDICT", "WHY");
	for (size_t i = 0; i < socks.n; i++) {
		const struct po_sock *s = &socks.v[i];
		const struct po_holder *h;
		size_t nh = po_sockmap_find(&map, s->inode, &h), np = 0;
		struct po_proc *procs = nh ? calloc(nh, sizeof(*procs)) : NULL;
		struct po_judgement j;
		struct po_user u;
		char why[300], proc[80], uname[300];

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
		po_judge_socket(&pol, s->proto, s->port, procs, np, &fallback, &j);
		if (j.verdict == PO_VERDICT_SQUATTER)
			squatters++;
		listener_why(&j, &pol, why, sizeof(why));
		if (u.known)
			snprintf(uname, sizeof(uname), "%s", u.name);
		else
			snprintf(uname, sizeof(uname), "%u", u.uid);
		const char *comm = j.pid ? procs[j.best].comm : NULL;

		if (!j.pid)
			snprintf(proc, sizeof(proc), "-");
		else if (np > 1)
			snprintf(proc, sizeof(proc), "%d/%s+%zu", j.pid, comm, np - 1);
		else
			snprintf(proc, sizeof(proc), "%d/%s", j.pid, comm);
		if (json) {
			printf("%s{\"protocol\":\"%s\",\"family\":\"%s\",\"address\":", i ? "," : "",
			       po_proto_name(s->proto), s->family == 2 ? "inet" : "inet6");
			json_str(stdout, s->addr);
			printf(",\"port\":%u,\"uid\":%u,\"user\":", s->port, s->uid);
			json_str(stdout, u.known ? u.name : NULL);
			printf(",\"inode\":%llu,\"pid\":", (unsigned long long)s->inode);
			if (j.pid)
				printf("%d", j.pid);
			else
				printf("null");
			printf(",\"comm\":");
			json_str(stdout, comm);
			printf(",\"verdict\":\"%s\",\"reason\":", po_verdict_name(j.verdict));
			json_str(stdout, why);
			printf(",\"rule\":");
			if (j.d.rule)
				json_rule(stdout, j.d.rule);
			else
				printf("null");
			printf("}");
		} else {
			printf("%-5s %-24s %5u %-16s %-20s %-8s %s\n", po_proto_name(s->proto), s->addr,
			       s->port, uname, proc, po_verdict_name(j.verdict), why);
		}
		for (size_t k = 0; k < np; k++)
			po_proc_free(&procs[k]);
		free(procs);
		po_user_free(&u);
	}
	if (json)
		printf("]\n");
	if (squatters)
		warnx("%d squatter%s: socket%s held by a process the loaded policy would refuse",
		      squatters, squatters == 1 ? "" : "s", squatters == 1 ? "" : "s");
	po_sockmap_free(&map);
	po_socks_free(&socks);
	po_policy_free(&pol);
	return squatters ? EX_NO : EX_OK;
}

/* --------------------------------------------------------------- main */

static const struct cmd cmds[] = {
	{ "check", do_check, "check [FILE...]",
	  "Validate the configuration (default: " PO_DEFAULT_CONFIG " and " PO_DEFAULT_CONFDIR "/*.conf)\n"
	  "and print the canonical kernel policy text it would load.  No kernel needed.\n\n"
	  "  -h, --help     show this help\n" },
	{ "load", do_load, "load [--dry-run] [--lock] [--reserve-ephemeral] [FILE...]",
	  "Validate the configuration and load it with one write; print what changed.\n"
	  "On any error nothing is loaded and the policy in force stays unchanged.\n\n"
	  "  -n, --dry-run            show the changes, load nothing\n"
	  "      --lock               lock portown after loading (until reboot)\n"
	  "      --reserve-ephemeral  add owned ports inside ip_local_port_range to\n"
	  "                           ip_local_reserved_ports\n"
	  "  -h, --help               show this help\n" },
	{ "show", do_show, "show [--numeric] [--json]",
	  "Print the loaded policy, with user, group and service names.\n\n"
	  "  -n, --numeric  print exactly the kernel's canonical text\n"
	  "  -j, --json     print JSON\n"
	  "  -h, --help     show this help\n" },
	{ "status", do_status, "status [--json]",
	  "Print whether portown is active, the mode, the lock, the reserved boundary,\n"
	  "ip_unprivileged_port_start and the kernel's counters.\n"
	  "Exit status 4 when portown is not active.\n\n"
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
	  "does.  uid 0 is assumed to hold CAP_NET_BIND_SERVICE, other users not.\n"
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
	  "capability under a non-strict policy) or squatter (the loaded policy would\n"
	  "refuse that process today).  A socket no process holds is judged by its\n"
	  "owner's uid (uid 0 assumed capable), PROCESS '-'.  Exit status 1 when there\n"
	  "is a squatter.\n\n"
	  "  -j, --json     print JSON\n"
	  "  -h, --help     show this help\n" },
};

static void main_usage(FILE *f)
{
	fprintf(f, "usage: %s [--securityfs DIR] [--procsys DIR] COMMAND [ARGS]\n\ncommands:\n", prog);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %s\n", cmds[i].usage);
	fprintf(f, "\nRun '%s COMMAND --help' for a command's options.\n"
		"Exit status: 0 success, 1 refused or squatter found, 2 usage error,\n"
		"3 invalid configuration (nothing loaded), 4 kernel or system error.\n"
		"Environment: PORTOWN_SECURITYFS, PORTOWN_PROCSYS, PORTOWN_PROCFS, PORTOWN_CONFIG,\n"
		"PORTOWN_CONFDIR.\n", prog);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "securityfs", required_argument, NULL, 'S' },
		{ "procsys", required_argument, NULL, 'P' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': main_usage(stdout); return EX_OK;
		case 'V': printf("portownctl %s\n", PORTOWN_VERSION); return EX_OK;
		case 'S': po_securityfs_dir = optarg; break;
		case 'P': po_procsys_dir = optarg; break;
		default: main_usage(stderr); return EX_USAGE;
		}
	}
	kio_init_paths();
	if (optind == argc) {
		main_usage(stderr);
		return EX_USAGE;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[optind], cmds[i].name) == 0) {
			int rc;

			cur_cmd = &cmds[i];
			argv += optind;
			argc -= optind;
			optind = 0;	/* full reset: the "+" mode above must not carry over */
			rc = cmds[i].fn(argc, argv);
			if (fflush(stdout) != 0 || ferror(stdout)) {
				warnx("error writing output: %s", strerror(errno));
				return rc ? rc : EX_KERNEL;
			}
			return rc;
		}
	}
	fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[optind]);
	main_usage(stderr);
	return EX_USAGE;
}
