// SPDX-License-Identifier: GPL-2.0
/*
 * portownctl explain: the kernel's decision for one user, protocol and
 * port, step by step.
 */
#include "portownctl.h"
#include "kio.h"
#include "output.h"
#include "resolve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cap = -1, enf = -1;
/* -f FILE, in order (reachable until exit) */
static char **files;
static int nfiles;

static int explain_option(int c, char *arg)
{
	switch (c) {
	case OPT_CAP: cap = 1; break;
	case OPT_NO_CAP: cap = 0; break;
	case OPT_ENFORCING: enf = 1; break;
	case OPT_PERMISSIVE: enf = 0; break;
	case 'f': {
		char **f = realloc(files, ((size_t)nfiles + 1) * sizeof(*files));

		if (!f) {
			warnx("out of memory");
			return EX_KERNEL;
		}
		files = f;
		files[nfiles++] = arg;
		break;
	}
	default: return EX_USAGE;
	}
	return 0;
}

static void print_groups(const struct po_user *u)
{
	printf("groups ");
	if (!u->ngroups)
		printf("none");
	for (size_t i = 0; i < u->ngroups; i++)
		printf("%s%u", i ? "," : "", u->groups[i]);
}

/* explain --json: the decision, each value once */
static void explain_json(const struct po_policy *pol, unsigned proto, unsigned port,
			 const struct po_user *u, const struct po_decision *d, int has_cap, bool cap_given,
			 int enforcing, bool active, long prot_sock)
{
	out_init(stdout, true);
	out_doc_begin();
	out_str(OUT_JSON, "protocol", NULL, po_proto_name(proto));
	out_uint(OUT_JSON, "port", NULL, port);
	out_str(OUT_JSON, "user", NULL, u->known ? u->name : NULL);
	out_uint(OUT_JSON, "uid", NULL, u->uid);
	if (u->known)
		out_uint(OUT_JSON, "gid", NULL, u->gid);
	else
		out_null(OUT_JSON, "gid", NULL, NULL);
	out_arr_open("groups");
	for (size_t i = 0; i < u->ngroups; i++)
		out_uint(OUT_JSON, NULL, NULL, u->groups[i]);
	out_arr_close();
	out_bool(OUT_JSON, "allowed", NULL, d->allowed);
	out_bool(OUT_JSON, "logged", NULL, d->logged);
	out_bool(OUT_JSON, "refused_by_policy", NULL, d->refused_by_policy);
	out_bool(OUT_JSON, "stack_refuses", NULL, d->stack_refuses);
	out_str(OUT_JSON, "step", NULL, po_step_describe(d->step));
	out_rule("rule", d->rule);
	out_arr_open("owners");
	for (size_t i = 0; d->nowners && i < pol->nrules; i++) {
		const struct po_rule *r = &pol->rules[i];

		if (r->proto == proto && port >= r->first && port <= r->last)
			out_rule(NULL, r);
	}
	out_arr_close();
	out_bool(OUT_JSON, "capability", NULL, has_cap);
	out_str(OUT_JSON, "capability_from", NULL,
		cap_given ? (has_cap ? "--cap" : "--no-cap") : u->uid == 0 ? "uid 0" : "not uid 0");
	out_bool(OUT_JSON, "enforcing", NULL, enforcing);
	out_uint(OUT_JSON, "reserved", NULL, pol->reserved);
	out_bool(OUT_JSON, "strict", NULL, pol->strict);
	out_prot_sock(active ? prot_sock : -1);
	out_doc_end();
}

static int do_explain(int argc, char **argv)
{
	int proto, rc = EX_KERNEL;
	struct po_policy pol;
	struct po_parser ps;
	struct po_user u;
	unsigned port;
	long prot_sock = 0;
	char err[300];
	bool active, cap_given;

	if (argc != 3)
		return usage_error("expected USER PROTO PORT");
	proto = po_proto_parse(argv[1]);
	/* protocols by the port space they bind in, as the kernel judges them */
	if (proto < 0 && (!strcmp(argv[1], "mptcp") || !strcmp(argv[1], "smc")))
		proto = PO_TCP;
	else if (proto < 0 && !strcmp(argv[1], "udplite"))
		proto = PO_UDP;
	if (proto < 0)
		return usage_error("unknown protocol '%s' (expected tcp, udp, sctp, dccp, or mptcp, smc, udplite)",
				   argv[1]);
	if (parse_port_arg(argv[2], (unsigned)proto, &port))
		return usage_error("invalid port '%s' (expected 0-65535 or a service name)", argv[2]);
	if (po_user_lookup(argv[0], &u, err, sizeof(err)))
		return usage_error("%s", err);
	po_policy_init(&pol);
	memset(&ps, 0, sizeof(ps));
	active = kio_active();
	if (nfiles) {
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
	if (opt_json) {
		explain_json(&pol, (unsigned)proto, port, &u, &d, cap, cap_given, enf, active, prot_sock);
		rc = d.allowed ? EX_OK : EX_NO;
		goto out;
	}
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
	if (rc == EX_KERNEL || rc == EX_CONFIG)
		json_failed();
	po_user_free(&u);
	po_parser_free(&ps);
	po_policy_free(&pol);
	return rc;
}

static const struct option explain_opts[] = {
	{ "cap", no_argument, NULL, OPT_CAP },
	{ "no-cap", no_argument, NULL, OPT_NO_CAP },
	{ "enforcing", no_argument, NULL, OPT_ENFORCING },
	{ "permissive", no_argument, NULL, OPT_PERMISSIVE },
	{ "config", required_argument, NULL, 'f' },
	{ 0 }
};

const struct cmd cmd_explain = {
	.name = "explain", .run = do_explain, .option = explain_option,
	.shortopts = "f:", .longopts = explain_opts, .max_args = -1, .flags = CMD_JSON,
	.usage = "explain [OPTIONS] USER PROTO PORT",
	.help = "Tell whether USER (a name or a uid, with the groups of the group database)\n"
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
		"  -j, --json         print JSON\n"
		"  -h, --help         show this help\n",
};
