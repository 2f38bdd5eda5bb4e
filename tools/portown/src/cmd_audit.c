// SPDX-License-Identifier: GPL-2.0
/*
 * portownctl audit: what a configuration would break on this host, before
 * it is loaded, and on any kernel (portown need not be active): the
 * sockets bound now that the policy would refuse to the process holding
 * them (the next bind, a restart, fails), those that 'strict' would refuse
 * too, owned ports inside ip_local_port_range, and the sysctl.d files that
 * set net.ipv4.ip_unprivileged_port_start (portown sets it to 0 at boot).
 */
#include "portownctl.h"
#include "kio.h"
#include "output.h"
#include "procscan.h"
#include "resolve.h"
#include "sockdiag.h"
#include "sysctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SYSCTL_SRC	64

struct audit_row {
	const struct po_sock *s;
	struct po_judgement j;
	struct po_proc proc;	/* the process judged (j.pid != 0) */
};

struct audit_rows {
	struct audit_row *v;
	size_t n;
};

/* the same (protocol, port, process) seen already: v4 and v6 sockets of one daemon */
static bool seen_row(const struct audit_rows *r, const struct po_sock *s, int pid)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].s->proto == s->proto && r->v[i].s->port == s->port && r->v[i].j.pid == pid)
			return true;
	return false;
}

static void add_row(struct audit_rows *r, const struct po_sock *s, const struct po_judgement *j,
		    const struct po_proc *procs)
{
	struct audit_row *row = &r->v[r->n++];

	row->s = s;
	row->j = *j;
	memset(&row->proc, 0, sizeof(row->proc));
	if (j->pid) {
		row->proc = procs[j->best];
		row->proc.groups = NULL;	/* not kept */
		row->proc.ngroups = 0;
	}
	row->j.cred.groups = NULL;
	row->j.cred.ngroups = 0;
}

/*
 * Judge every bound socket under pol (as a portown kernel would, with
 * ip_unprivileged_port_start 0) and under pol made strict; 0, or -1 when
 * the sockets cannot be listed (message in err).
 */
static int judge_sockets(const struct po_policy *pol, struct po_socks *socks,
			 struct audit_rows *refused, struct audit_rows *strict, char *err, size_t errsize)
{
	struct po_policy spol = *pol;	/* the same rules, strict */
	struct po_sockmap map;
	const char *procfs = po_procfs_dir();

	spol.strict = true;
	if (po_sockdiag_dump(socks, err, errsize) < 0)
		return -1;
	if (po_sockmap_build(&map, procfs) < 0)
		warnx("cannot scan %s for the processes holding sockets; judging by socket owner only", procfs);
	refused->v = calloc(socks->n + 1, sizeof(*refused->v));
	strict->v = calloc(socks->n + 1, sizeof(*strict->v));
	if (!refused->v || !strict->v) {
		snprintf(err, errsize, "out of memory");
		po_sockmap_free(&map);
		return -1;
	}
	for (size_t i = 0; i < socks->n; i++) {
		const struct po_sock *s = &socks->v[i];
		const struct po_holder *h;
		size_t nh = po_sockmap_find(&map, s->inode, &h), np = 0;
		struct po_proc *procs = nh ? calloc(nh, sizeof(*procs)) : NULL;
		struct po_judgement j, js;

		for (size_t k = 0; procs && k < nh; k++)
			if (po_proc_read(procfs, h[k].pid, &procs[np]) == 0)
				np++;
		const struct po_user *u = po_user_lookup_uid_cached(s->uid);
		struct po_cred fallback = {
			.euid = u->uid, .egid = u->gid, .groups = u->groups,
			.ngroups = u->ngroups, .cap_net_bind_service = u->uid == 0,
		};
		po_judge_socket(pol, s->proto, s->port, 0, procs, np, &fallback, &j);
		if (j.verdict == PO_VERDICT_SQUATTER) {
			if (!seen_row(refused, s, j.pid))
				add_row(refused, s, &j, procs);
		} else if (!pol->strict) {
			po_judge_socket(&spol, s->proto, s->port, 0, procs, np, &fallback, &js);
			if (js.verdict == PO_VERDICT_SQUATTER && !seen_row(strict, s, js.pid))
				add_row(strict, s, &js, procs);
		}
		for (size_t k = 0; k < np; k++)
			po_proc_free(&procs[k]);
		free(procs);

	}
	po_sockmap_free(&map);
	return 0;
}

/* one socket the policy (or strict) would refuse: "LABEL: tcp 22 ADDR by PID/COMM (...): why; add '...'" */
static void print_row(const char *label, const struct audit_row *r, const struct po_policy *pol)
{
	const struct po_sock *s = r->s;
	const char *proto = po_proto_name(s->proto);
	uint32_t uid = r->j.pid ? r->proc.euid : s->uid;
	char name[256], safe[300], nsafe[300], who[300], keep[400], why[200];
	const char *uname = po_user_name(uid, name, sizeof(name));
	bool cap = r->j.cred.cap_net_bind_service;

	if (uname)
		snprintf(who, sizeof(who), "user %s", uname);
	else
		snprintf(who, sizeof(who), "uid %u", uid);
	snprintf(keep, sizeof(keep), "%s %u %s", proto, s->port, who);
	if (cap && (pol->strict || !strcmp(label, "strict")))
		snprintf(why, sizeof(why), "%s; it holds CAP_NET_BIND_SERVICE, which strict ignores",
			 po_step_describe(r->j.d.step));
	else
		snprintf(why, sizeof(why), "%s", po_step_describe(r->j.d.step));
	out_obj_open(NULL);
	out_text("%s: ", label);
	out_str(OUT_ANY, "protocol", "%s ", proto);
	out_uint(OUT_ANY, "port", "%llu ", s->port);
	out_str(OUT_ANY, "address", "%s ", s->addr);
	out_uint(OUT_JSON, "uid", NULL, uid);
	out_str(OUT_JSON, "user", NULL, uname);
	if (r->j.pid) {
		out_int(OUT_ANY, "pid", "by %lld", r->j.pid);
		out_str(OUT_JSON, "comm", NULL, r->proc.comm);
		out_text("/%s", text_safe(r->proc.comm, safe, sizeof(safe)));
	} else {
		out_null(OUT_JSON, "pid", NULL, NULL);
		out_null(OUT_JSON, "comm", NULL, NULL);
		out_text("by no process found");
	}
	out_text(" (uid %u%s%s)", uid, uname ? ", user " : "", uname ? text_safe(uname, nsafe, sizeof(nsafe)) : "");
	out_bool(OUT_JSON, "capability", NULL, cap);
	out_str(OUT_ANY, "reason", ": %s", why);
	out_str(OUT_ANY, "keep", "; to keep it: '%s'\n", keep);
	out_obj_close();
}

static int do_audit(int argc, char **argv)
{
	struct po_policy pol;
	struct po_parser ps;
	struct po_socks socks = { 0 };
	struct audit_rows refused = { 0 }, strict = { 0 };
	struct ephemeral *eph = malloc(sizeof(*eph));
	struct po_sysctl_src *src = calloc(MAX_SYSCTL_SRC, sizeof(*src));
	char err[512];
	unsigned lo = 0, hi = 0, neph_rules = 0, neph_ports = 0, nsysctl_bad = 0;
	size_t nsrc;
	bool have_socks, have_range;
	int rc;

	if (!eph || !src) {
		free(eph);
		free(src);
		warnx("out of memory");
		return EX_KERNEL;
	}
	rc = load_config(argc, argv, &pol, &ps, "");
	if (rc != EX_OK)
		goto out;
	have_socks = judge_sockets(&pol, &socks, &refused, &strict, err, sizeof(err)) == 0;
	if (!have_socks)
		warnx("cannot list the sockets bound now: %s", err);
	have_range = ephemeral_range(&lo, &hi, eph) == 0;
	nsrc = po_sysctl_sources(UNPRIV_SYSCTL, NULL, src, MAX_SYSCTL_SRC);

	out_init(stdout, opt_json);
	out_doc_begin();
	out_uint(OUT_ANY, "rules", "policy: %llu rule", pol.nrules);
	out_text("%s", pol.nrules == 1 ? "" : "s");
	out_uint(OUT_ANY, "reserved", ", reserved %llu", pol.reserved);
	out_bool(OUT_JSON, "strict", NULL, pol.strict);
	out_text("%s\n", pol.strict ? ", strict" : "");
	if (have_socks) {
		out_uint(OUT_ANY, "sockets", "sockets: %llu bound", socks.n);
		out_text(", %zu refused, %zu more under strict\n", refused.n, strict.n);
	} else {
		out_null(OUT_ANY, "sockets", "sockets: %s\n", "unknown");
	}
	if (have_socks) {
		out_arr_open("refused");
		for (size_t i = 0; i < refused.n; i++)
			print_row("refused", &refused.v[i], &pol);
		out_arr_close();
		out_arr_open("strict_refused");
		for (size_t i = 0; i < strict.n; i++)
			print_row("strict", &strict.v[i], &pol);
		out_arr_close();
	} else {
		out_null(OUT_JSON, "refused", NULL, NULL);
		out_null(OUT_JSON, "strict_refused", NULL, NULL);
	}
	if (have_range) {
		out_arr_open("ip_local_port_range");
		out_uint(OUT_JSON, NULL, NULL, lo);
		out_uint(OUT_JSON, NULL, NULL, hi);
		out_arr_close();
		out_arr_open("ephemeral");
		for (size_t i = 0; i < pol.nrules; i++) {
			const struct po_rule *r = &pol.rules[i];
			unsigned a = r->first > lo ? r->first : lo, b = r->last < hi ? r->last : hi, cnt = 0;
			char rb[64];

			for (unsigned p = a; p <= b && a <= b; p++)
				if (!BIT_SET(eph->reserved, p) && !BIT_SET(eph->add, p)) {
					BIT_ADD(eph->add, p);
					cnt++;
				}
			if (!cnt)
				continue;
			neph_rules++;
			neph_ports += cnt;
			po_rule_format(r, rb, sizeof(rb));
			out_obj_open(NULL);
			out_str(OUT_ANY, "file", "ephemeral: %s", r->src_file);
			out_uint(OUT_ANY, "line", ":%llu", r->src_line);
			out_rule("rule", r);
			out_text(": '%s'", rb);
			out_uint(OUT_ANY, "ports", ": %llu", cnt);
			out_text(" owned port%s inside ip_local_port_range %u-%u, not in ip_local_reserved_ports\n",
				 cnt == 1 ? "" : "s", lo, hi);
			out_obj_close();
		}
		out_arr_close();
	} else {
		out_null(OUT_ANY, "ip_local_port_range", "ip_local_port_range: %s\n", "unknown");
		out_null(OUT_JSON, "ephemeral", NULL, NULL);
	}
	out_arr_open("sysctl_files");
	for (size_t i = 0; i < nsrc && i < MAX_SYSCTL_SRC; i++) {
		bool zero = strspn(src[i].value, "0") == strlen(src[i].value) && src[i].value[0];

		if (!zero)
			nsysctl_bad++;
		out_obj_open(NULL);
		out_str(OUT_ANY, "path", "sysctl: %s", src[i].path);
		out_uint(OUT_ANY, "line", ":%llu", src[i].line);
		out_str(OUT_ANY, "value", ": " UNPRIV_SYSCTL " = %s", src[i].value);
		out_bool(OUT_JSON, "writes_back", NULL, !zero);
		out_text("%s\n", zero ? " (harmless: portown sets 0)"
			 : ": portown sets it to 0 at boot and this file writes it back; remove the setting");
		out_obj_close();
	}
	out_arr_close();
	unsigned problems = (unsigned)refused.n + neph_rules + nsysctl_bad;

	out_uint(OUT_ANY, "problems", "audit: %llu problem", problems);
	out_text("%s (%zu socket%s refused, %u rule%s inside ip_local_port_range, %u sysctl file%s writing "
		 UNPRIV_SYSCTL " back); strict would refuse %zu more socket%s\n",
		 problems == 1 ? "" : "s", refused.n, refused.n == 1 ? "" : "s",
		 neph_rules, neph_rules == 1 ? "" : "s", nsysctl_bad, nsysctl_bad == 1 ? "" : "s",
		 strict.n, strict.n == 1 ? "" : "s");
	out_doc_end();
	rc = !have_socks ? EX_KERNEL : problems ? EX_NO : EX_OK;
out:
	free(refused.v);
	free(strict.v);
	po_socks_free(&socks);
	free(eph);
	free(src);
	po_parser_free(&ps);
	po_policy_free(&pol);
	return rc;
}

const struct cmd cmd_audit = {
	.name = "audit", .run = do_audit, .max_args = -1, .flags = CMD_JSON,
	.usage = "audit [--json] [FILE...]",
	.help = "Tell what the configuration (default: " PO_DEFAULT_CONFIG " and " PO_DEFAULT_CONFDIR "/*.conf)\n"
		"would break on this host, before it is loaded; portown need not be active.\n"
		"One line per finding:\n"
		"  refused:   a socket bound now whose process the policy would refuse (its\n"
		"             next bind, a restart, fails), with the rule that would keep it\n"
		"  strict:    a socket that 'strict' would refuse too (CAP_NET_BIND_SERVICE\n"
		"             alone, as sshd on 22), when the policy is not strict\n"
		"  ephemeral: a rule owning ports inside ip_local_port_range\n"
		"  sysctl:    a sysctl.d file that sets " UNPRIV_SYSCTL "\n"
		"Exit status 0 when nothing would break, 1 when something would (a refused\n"
		"socket, an owned port inside ip_local_port_range, a sysctl.d file writing a\n"
		"value other than 0), 3 invalid configuration, 4 the sockets cannot be listed.\n\n"
		"  -j, --json     print JSON\n"
		"  -h, --help     show this help\n",
};
