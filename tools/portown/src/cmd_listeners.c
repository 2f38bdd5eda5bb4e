// SPDX-License-Identifier: GPL-2.0
/*
 * portownctl listeners: bound sockets (sock_diag), each judged by the
 * credentials of the process holding it (/proc) under the loaded policy.
 */
#include "portownctl.h"
#include "kio.h"
#include "output.h"
#include "procscan.h"
#include "resolve.h"
#include "sockdiag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool no_header, numeric;
static unsigned proto_mask;		/* 1 << PO_TCP ...; 0: every protocol */
static const char *port_arg;		/* --port, parsed once the protocols are known */
static unsigned port_first, port_last = 65535;

static int listeners_option(int c, char *arg)
{
	int p;

	switch (c) {
	case 'H': no_header = true; break;
	case 'n': numeric = true; break;
	case 'P':
		p = po_proto_parse(arg);
		if (p < 0)
			return usage_error("unknown protocol '%s' (expected tcp, udp, sctp or dccp)", arg);
		proto_mask |= 1u << p;
		break;
	case OPT_PORT: port_arg = arg; break;
	default: return EX_USAGE;
	}
	return 0;
}

/* --port PORT, FIRST-LAST or a service name (of the first -P protocol, else tcp) */
static int parse_port_filter(void)
{
	unsigned proto = PO_TCP, a, b;
	char *dash, buf[64];

	if (!port_arg)
		return 0;
	for (unsigned p = 0; p < 32; p++)
		if (proto_mask & (1u << p)) {
			proto = p;
			break;
		}
	snprintf(buf, sizeof(buf), "%s", port_arg);
	dash = strchr(buf, '-');
	if (dash && buf[0] >= '0' && buf[0] <= '9') {
		*dash = '\0';
		if (parse_port_arg(buf, proto, &a) || parse_port_arg(dash + 1, proto, &b) || a > b)
			return -1;
	} else {
		if (parse_port_arg(buf, proto, &a))
			return -1;
		b = a;
	}
	port_first = a;
	port_last = b;
	return 0;
}

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
		out_prot_sock(prot_sock);
		out_null(OUT_JSON, "listeners", NULL, NULL);
		out_null(OUT_JSON, "squatters", NULL, NULL);
		out_null(OUT_JSON, "refused", NULL, NULL);
		out_str(OUT_JSON, "error", NULL, last_error);
		out_doc_end();
	}
	return EX_KERNEL;
}

/*
 * /proc/PID/status read once per process, not once per socket: a daemon
 * holding 50,000 sockets is read once.  Failures are kept too (ok false).
 */
struct proc_cache {
	struct proc_ent { int pid; bool ok; struct po_proc p; } *v;
	size_t n, cap, last;
};

static const struct po_proc *proc_cached(struct proc_cache *c, const char *procfs, int pid)
{
	size_t i = c->last;

	if (!(i < c->n && c->v[i].pid == pid))
		for (i = 0; i < c->n && c->v[i].pid != pid; i++)
			;
	if (i == c->n) {
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 64;
			struct proc_ent *v = realloc(c->v, cap * sizeof(*v));

			if (!v)
				return NULL;
			c->v = v;
			c->cap = cap;
		}
		memset(&c->v[i], 0, sizeof(c->v[i]));
		c->v[i].pid = pid;
		c->v[i].ok = po_proc_read(procfs, pid, &c->v[i].p) == 0;
		c->n++;
	}
	c->last = i;
	return c->v[i].ok ? &c->v[i].p : NULL;
}

static void proc_cache_free(struct proc_cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].ok)
			po_proc_free(&c->v[i].p);
	free(c->v);
}

static int do_listeners(int argc, char **argv)
{
	struct proc_cache pc = { 0 };
	bool json = opt_json;
	struct po_policy pol;
	struct po_socks socks;
	struct po_sockmap map;
	const char *procfs = po_procfs_dir();
	char err[512], fix[1200];
	int squatters = 0, refused = 0;
	long prot_sock;

	(void)argc;
	(void)argv;
	if (parse_port_filter() < 0)
		return usage_error("invalid port '%s' (expected PORT, FIRST-LAST or a service name)", port_arg);
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
	out_prot_sock(prot_sock);
	if (!no_header)
		out_text("%-5s %-24s %5s %-16s %-20s %-8s %s\n", "PROTO", "ADDRESS", "PORT", "USER", "PROCESS", "VERDICT", "WHY");
	out_arr_open("listeners");
	for (size_t i = 0; i < socks.n; i++) {
		const struct po_sock *s = &socks.v[i];

		if ((proto_mask && !(proto_mask & (1u << s->proto))) || s->port < port_first || s->port > port_last)
			continue;
		const struct po_holder *h;
		size_t nh = po_sockmap_find(&map, s->inode, &h), np = 0;
		struct po_proc *procs = nh ? calloc(nh, sizeof(*procs)) : NULL;
		struct po_judgement j;
		char why[400], proc[160], uname[300], safe[300];

		if (nh && !procs) {
			warnx("out of memory");
			nh = 0;
		}
		for (size_t k = 0; k < nh; k++) {	/* holders still there and readable */
			const struct po_proc *p = proc_cached(&pc, procfs, h[k].pid);

			if (p)
				procs[np++] = *p;	/* shared: freed with the cache */
		}
		const struct po_user *u = po_user_lookup_uid_cached(s->uid);
		struct po_cred fallback = {
			.euid = u->uid, .egid = u->gid, .groups = u->groups,
			.ngroups = u->ngroups, .cap_net_bind_service = u->uid == 0,
		};
		po_judge_socket(&pol, s->proto, s->port, prot_sock > 0 ? (unsigned)prot_sock : 0,
				procs, np, &fallback, &j);
		if (j.verdict == PO_VERDICT_SQUATTER)
			squatters++;
		else if (j.verdict == PO_VERDICT_REFUSED)
			refused++;
		listener_why(&j, &pol, prot_sock > 0 ? (unsigned)prot_sock : 0, why, sizeof(why));
		/* text: names from the system, with no control character */
		if (u->known && !numeric)
			text_safe(u->name, uname, sizeof(uname));
		else
			snprintf(uname, sizeof(uname), "%u", u->uid);
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
		out_str(OUT_JSON, "user", NULL, u->known && !numeric ? u->name : NULL);
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
		free(procs);

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
	proc_cache_free(&pc);
	po_sockmap_free(&map);
	po_socks_free(&socks);
	po_policy_free(&pol);
	return squatters || refused ? EX_NO : EX_OK;
}

static const struct option listeners_opts[] = {
	{ "no-header", no_argument, NULL, 'H' },
	{ "numeric", no_argument, NULL, 'n' },
	{ "protocol", required_argument, NULL, 'P' },
	{ "port", required_argument, NULL, OPT_PORT },
	{ 0 }
};

const struct cmd cmd_listeners = {
	.name = "listeners", .run = do_listeners, .option = listeners_option,
	.shortopts = "HnP:", .longopts = listeners_opts, .max_args = 0, .flags = CMD_JSON,
	.usage = "listeners [-H] [-n] [-P PROTO] [--port PORT] [--json]",
	.help = "List bound TCP (listening), UDP, SCTP and DCCP sockets from sock_diag, each\n"
		"judged by the credentials of the process holding it (effective uid and gid,\n"
		"supplementary groups, CAP_NET_BIND_SERVICE from /proc/PID/status) and marked\n"
		"owner (a rule matches), exempt (no rule needed: a free port, or the\n"
		"capability under a non-strict policy), refused (portown allows it, but the\n"
		"stack refuses it below ip_unprivileged_port_start) or squatter (the loaded\n"
		"policy would refuse that process today).  A socket no process holds is\n"
		"judged by its owner's uid (uid 0 assumed capable), PROCESS '-'.  Exit status\n"
		"1 when there is a squatter or a refused socket (among those shown).\n\n"
		"  -H, --no-header       no header line\n"
		"  -n, --numeric         uids, not user names\n"
		"  -P, --protocol PROTO  only PROTO (tcp, udp, sctp, dccp; repeatable)\n"
		"      --port PORT       only PORT, FIRST-LAST or a service name\n"
		"  -j, --json            print JSON\n"
		"  -h, --help            show this help\n",
};
