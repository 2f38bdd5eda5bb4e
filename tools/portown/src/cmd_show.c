// SPDX-License-Identifier: GPL-2.0
/* portownctl show: the loaded policy, with names. */
#include "portownctl.h"
#include "kio.h"
#include "output.h"
#include "resolve.h"

#include <stdio.h>
#include <stdlib.h>

static bool numeric;

static int show_option(int c, char *arg)
{
	(void)arg;
	if (c != 'n')
		return EX_USAGE;
	numeric = true;
	return 0;
}

static int do_show(int argc, char **argv)
{
	bool json = opt_json;
	struct po_policy pol;
	char *text;

	(void)argc;
	(void)argv;
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

static const struct option show_opts[] = {
	{ "numeric", no_argument, NULL, 'n' }, { 0 }
};

const struct cmd cmd_show = {
	.name = "show", .run = do_show, .option = show_option,
	.shortopts = "n", .longopts = show_opts, .max_args = 0, .flags = CMD_JSON,
	.usage = "show [--numeric] [--json]",
	.help = "Print the loaded policy, with user, group and service names.\n\n"
		"  -n, --numeric  print exactly the kernel's canonical text\n"
		"  -j, --json     print JSON\n"
		"  -h, --help     show this help\n",
};
