// SPDX-License-Identifier: GPL-2.0
/* portownctl status: whether portown is active, its mode, lock and counters. */
#include "portownctl.h"
#include "kio.h"
#include "output.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int do_status(int argc, char **argv)
{
	bool json = opt_json, havepol = false, active;
	struct po_policy pol;
	char *stats = NULL, fix[1200], why[2048] = "", *lsm = NULL;
	int enf = -1, lck = -1, rc = EX_OK;
	long unpriv, stat_rules = -1;

	(void)argc;
	(void)argv;
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
		out_text("portown: not active (%s does not exist)\nwhy: %s\n", po_securityfs_dir,
			 inactive_reason(why, sizeof(why), &lsm));
	if (active)	/* the securityfs lsm file is next to portown's directory */
		lsm = read_lsm_list();
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
	/* the kernel's LSMs, in order (securityfs lsm), and why portown is not among the active ones */
	if (lsm) {
		out_arr_open("lsm");
		for (char *n = strtok(lsm, ","); n; n = strtok(NULL, ","))
			out_str(OUT_JSON, NULL, NULL, n);
		out_arr_close();
	} else {
		out_null(OUT_JSON, "lsm", NULL, NULL);
	}
	if (active)
		out_null(OUT_JSON, "why", NULL, NULL);
	else
		out_str(OUT_JSON, "why", NULL, why);
	out_doc_end();
	if (active && unpriv > 0)
		warnx("warning: %s is %ld, not 0: the takeover was undone, so the stack again refuses ports below %ld "
		      "to owners without CAP_NET_BIND_SERVICE; %s", UNPRIV_SYSCTL, unpriv, unpriv, prot_sock_fix(fix, sizeof(fix)));
	free(stats);
	free(lsm);
	po_policy_free(&pol);
	return rc;
}

const struct cmd cmd_status = {
	.name = "status", .run = do_status, .max_args = 0, .flags = CMD_JSON,
	.usage = "status [--json]",
	.help = "Print whether portown is active, the mode, the lock, the reserved boundary,\n"
		"ip_unprivileged_port_start and the kernel's counters.\n"
		"Exit status 4 when portown is not active or the policy cannot be read.\n\n"
		"  -j, --json     print JSON\n"
		"  -h, --help     show this help\n",
};
