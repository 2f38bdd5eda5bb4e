// SPDX-License-Identifier: GPL-2.0
/*
 * portownctl load: validate the configuration, warn about what it would
 * break on this host, load it with one write and print what changed.
 */
#include "portownctl.h"
#include "kio.h"
#include "output.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool opt_dry_run, opt_lock, opt_reserve, opt_strict_warnings;

static int load_option(int c, char *arg)
{
	(void)arg;
	switch (c) {
	case 'n': opt_dry_run = true; break;
	case OPT_LOCK: opt_lock = true; break;
	case OPT_RESERVE: opt_reserve = true; break;
	case OPT_STRICT_WARNINGS: opt_strict_warnings = true; break;
	default: return EX_USAGE;
	}
	return 0;
}

/* add the scanned ports to ip_local_reserved_ports; 0 or -1 */
static int reserve_ports(struct ephemeral *e, bool dry_run)
{
	char *list;
	int rc = 0;

	if (e->nadd == 0) {
		out_null(OUT_JSON, "reserved_ports", NULL, NULL);
		return 0;
	}
	for (size_t i = 0; i < sizeof(e->reserved); i++)
		e->reserved[i] |= e->add[i];
	list = format_port_list(e->reserved);
	if (!list) {
		warnx("out of memory");
		return -1;
	}
	if (dry_run) {
		out_text("would set net.ipv4.ip_local_reserved_ports = %s", list);
		list[strcspn(list, "\n")] = '\0';
		out_str(OUT_JSON, "reserved_ports", NULL, list);
	} else {
		int w = kio_proc_write("net/ipv4/ip_local_reserved_ports", list, strlen(list));

		if (w < 0) {
			warnx("cannot write %s/net/ipv4/ip_local_reserved_ports: %s", po_procsys_dir, strerror(-w));
			out_null(OUT_JSON, "reserved_ports", NULL, NULL);
			rc = -1;
		} else {
			out_text("reserved %u owned port%s in ip_local_reserved_ports\n", e->nadd, e->nadd == 1 ? "" : "s");
			list[strcspn(list, "\n")] = '\0';
			out_str(OUT_JSON, "reserved_ports", NULL, list);
		}
	}
	free(list);
	return rc;
}

/* the rules in old and not in new (sign '-') or in new and not in old ('+'), in order */
static size_t diff_rules(const struct po_policy *old, const struct po_policy *new, int only, size_t *added)
{
	size_t i = 0, j = 0, removed = 0;
	char rb[64], nb[400];

	*added = 0;
	while (i < old->nrules || j < new->nrules) {
		int c = i == old->nrules ? 1 : j == new->nrules ? -1
			: po_rule_cmp(&old->rules[i], &new->rules[j]);

		if (c == 0) {
			i++;
			j++;
			continue;
		}
		const struct po_rule *r = c < 0 ? &old->rules[i++] : &new->rules[j++];

		if (c < 0)
			removed++;
		else
			(*added)++;
		if (only && only != (c < 0 ? '-' : '+'))
			continue;
		if (out_is_json()) {
			out_rule(NULL, r);
			continue;
		}
		po_rule_format(r, rb, sizeof(rb));
		rule_owner_named(r, nb, sizeof(nb));
		out_text("%c %s\t(%s)\n", c < 0 ? '-' : '+', rb, nb);
	}
	return removed;
}

/*
 * The changes from old (NULL: unknown) to new, and a summary line; in JSON
 * the arrays "removed" and "added" (null when unknown).
 */
static void print_diff(const struct po_policy *old, const struct po_policy *new, bool dry_run, bool active)
{
	size_t added = 0, removed = 0;
	const char *head = dry_run ? "would load: " : "loaded: ";

	out_bool(OUT_JSON, "dry_run", NULL, dry_run);
	out_bool(OUT_JSON, "active", NULL, active);
	if (!old) {
		if (!active)
			out_text("%s%zu rule%s, reserved %u%s (portown is not active: nothing in force to compare with)\n",
				 head, new->nrules, new->nrules == 1 ? "" : "s", new->reserved, new->strict ? ", strict" : "");
		else
			out_text("%s%zu rule%s, reserved %u%s (the policy in force before could not be read: changes not shown)\n",
				 head, new->nrules, new->nrules == 1 ? "" : "s", new->reserved, new->strict ? ", strict" : "");
		out_null(OUT_JSON, "reserved_before", NULL, NULL);
		out_null(OUT_JSON, "strict_before", NULL, NULL);
		out_null(OUT_JSON, "removed", NULL, NULL);
		out_null(OUT_JSON, "added", NULL, NULL);
	} else {
		out_uint(OUT_JSON, "reserved_before", NULL, old->reserved);
		out_bool(OUT_JSON, "strict_before", NULL, old->strict);
		if (old->reserved != new->reserved)
			out_text("~ reserved %u -> %u\n", old->reserved, new->reserved);
		if (old->strict != new->strict)
			out_text("%c strict\n", new->strict ? '+' : '-');
		if (out_is_json()) {
			out_arr_open("removed");
			removed = diff_rules(old, new, '-', &added);
			out_arr_close();
			out_arr_open("added");
			diff_rules(old, new, '+', &added);
			out_arr_close();
		} else {
			removed = diff_rules(old, new, 0, &added);
		}
		if (!added && !removed && old->reserved == new->reserved && old->strict == new->strict)
			out_text("policy unchanged: %zu rule%s, reserved %u%s\n", new->nrules,
				 new->nrules == 1 ? "" : "s", new->reserved, new->strict ? ", strict" : "");
		else
			out_text("%s%zu rule%s, reserved %u%s (%zu added, %zu removed)\n",
				 head, new->nrules, new->nrules == 1 ? "" : "s", new->reserved,
				 new->strict ? ", strict" : "", added, removed);
	}
	out_uint(OUT_JSON, "rules", NULL, new->nrules);
	out_uint(OUT_JSON, "reserved", NULL, new->reserved);
	out_bool(OUT_JSON, "strict", NULL, new->strict);
}

static int do_load(int argc, char **argv)
{
	bool dry_run = opt_dry_run, lock = opt_lock, reserve = opt_reserve;
	bool strict_warnings = opt_strict_warnings, have_old, active, begun = false;
	struct po_policy pol, old;
	struct po_parser ps;
	struct ephemeral *eph = NULL;
	char *text = NULL, *back = NULL, buf[600];
	size_t len;
	unsigned nw;
	int rc, w, err;

	if (dry_run && lock)
		return usage_error("--dry-run and --lock exclude each other");
	po_policy_init(&old);
	rc = load_config(argc, argv, &pol, &ps, "; nothing loaded");
	if (rc != EX_OK)
		goto out;
	rc = EX_KERNEL;
	/* a dry run needs no kernel: the audit before portown is in it */
	active = kio_active();
	if (!active && !dry_run && require_active() < 0)
		goto out;
	text = po_policy_format(&pol, &len);
	eph = malloc(sizeof(*eph));
	if (!text || !eph) {
		warnx("out of memory");
		goto out;
	}
	have_old = active && read_kernel_policy(&old, NULL, &err, dry_run) == EX_OK;
	if (!have_old && dry_run && active) {
		/* comparing with an empty policy would show a false picture */
		if (err < 0)
			warnx("%s; load --dry-run needs it to show the changes: run it as root "
			      "('portownctl check' validates the configuration without the kernel)",
			      policy_read_error(err, buf, sizeof(buf)));
		goto out;
	}
	nw = policy_warnings(&ps, &pol);
	nw += active ? prot_sock_warning(&pol) : sysctl_file_warnings(&pol);
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
	out_init(stdout, opt_json);
	out_doc_begin();
	begun = true;
	print_diff(have_old ? &old : NULL, &pol, dry_run, active);
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
	else if (!reserve)
		out_null(OUT_JSON, "reserved_ports", NULL, NULL);
	if (lock) {
		w = kio_write("lock", "1", 1);
		if (w < 0) {
			warnx("%s; the new policy is in force", kernel_write_error("cannot lock", w));
			rc = EX_PARTIAL;
		} else {
			out_text("portown locked until reboot\n");
		}
		out_bool(OUT_JSON, "locked", NULL, w >= 0);
	} else {
		out_bool(OUT_JSON, "locked", NULL, false);
	}
	if (rc == EX_PARTIAL)
		warnx("the new policy is in force, but not everything asked for was done");
out:
	if (begun) {
		if (rc != EX_OK)
			out_str(OUT_JSON, "error", NULL, last_error);
		out_doc_end();
	} else if (rc != EX_OK) {
		json_failed();
	}
	free(eph);
	free(text);
	free(back);
	po_policy_free(&old);
	po_parser_free(&ps);
	po_policy_free(&pol);
	return rc;
}

static const struct option load_opts[] = {
	{ "dry-run", no_argument, NULL, 'n' },
	{ "lock", no_argument, NULL, OPT_LOCK },
	{ "reserve-ephemeral", no_argument, NULL, OPT_RESERVE },
	{ "strict-warnings", no_argument, NULL, OPT_STRICT_WARNINGS },
	{ 0 }
};

const struct cmd cmd_load = {
	.name = "load", .run = do_load, .option = load_option,
	.shortopts = "n", .longopts = load_opts, .max_args = -1, .flags = CMD_JSON,
	.usage = "load [--dry-run] [--lock] [--reserve-ephemeral] [--strict-warnings] [--json] [FILE...]",
	.help = "Validate the configuration and load it with one write; print what changed.\n"
		"On any error nothing is loaded and the policy in force stays unchanged.\n\n"
		"  -n, --dry-run            show the changes, load nothing\n"
		"      --lock               lock portown after loading (until reboot)\n"
		"      --reserve-ephemeral  add owned ports inside ip_local_port_range to\n"
		"                           ip_local_reserved_ports\n"
		"      --strict-warnings    load nothing if there is any warning (exit 5)\n"
		"  -j, --json               print JSON\n"
		"  -h, --help               show this help\n",
};
