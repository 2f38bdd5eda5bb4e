// SPDX-License-Identifier: GPL-2.0
/*
 * portownctl: the warnings of a configuration against this host (check,
 * load): risky settings, ip_unprivileged_port_start, sockets bound now,
 * owned ports inside ip_local_port_range; and the port bitmaps of the last.
 */
#include "portownctl.h"
#include "kio.h"
#include "output.h"
#include "procscan.h"
#include "resolve.h"
#include "sockdiag.h"
#include "sysctl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "FILE:LINE: warning: ..." for a place in the configuration */
void warn_at(const char *file, unsigned line, const char *fmt, ...)
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
unsigned policy_warnings(const struct po_parser *ps, const struct po_policy *pol)
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
unsigned prot_sock_warning(const struct po_policy *pol)
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
unsigned listener_warnings(const struct po_policy *pol)
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

/* parse "a,b-c,..." of ip_local_reserved_ports into a bitmap */
void parse_port_list(const char *s, unsigned char *bits)
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

char *format_port_list(const unsigned char *bits)
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

int ephemeral_range(unsigned *lo, unsigned *hi, struct ephemeral *e)
{
	char *t = NULL, *rt = NULL;

	memset(e, 0, sizeof(*e));
	if (kio_proc_read("net/ipv4/ip_local_port_range", &t, NULL) < 0)
		return -1;
	if (sscanf(t, "%u %u", lo, hi) != 2 || *lo > *hi || *hi > 65535) {
		free(t);
		return -1;
	}
	free(t);
	if (kio_proc_read("net/ipv4/ip_local_reserved_ports", &rt, NULL) == 0) {
		parse_port_list(rt, e->reserved);
		free(rt);
	}
	return 0;
}

/*
 * Owned ports inside ip_local_port_range and not reserved: autobind can hand
 * them to anyone.  Warns about each rule unless reserve (they are reserved
 * after the load then).  Returns the number of warnings.
 */
unsigned ephemeral_scan(const struct po_policy *pol, bool reserve, struct ephemeral *e)
{
	unsigned lo, hi, nw = 0;

	if (ephemeral_range(&lo, &hi, e) < 0)
		return 0;
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

/*
 * sysctl.d files that write ip_unprivileged_port_start back (a value other
 * than 0) after portown set it to 0 at boot: for a host where portown is not
 * active yet.  Returns the number of warnings.
 */
unsigned sysctl_file_warnings(const struct po_policy *pol)
{
	struct po_sysctl_src src[16];
	size_t n = po_sysctl_sources(UNPRIV_SYSCTL, "0", src, 16);

	for (size_t i = 0; i < n && i < 16; i++)
		warn_at(src[i].path, src[i].line, "sets %s = %s: portown sets it to 0 at boot, and this file writes it "
			"back, so the stack refuses ports below %s to owners without CAP_NET_BIND_SERVICE%s; "
			"remove the setting", UNPRIV_SYSCTL, src[i].value, src[i].value,
			pol->nrules ? " after portown allowed them" : "");
	return n > 16 ? 16 : (unsigned)n;
}
