// SPDX-License-Identifier: GPL-2.0
/* portownctl check: validate a configuration, print the kernel text. */
#include "portownctl.h"
#include "kio.h"

#include <stdio.h>
#include <stdlib.h>

static bool strict_warnings;

static int check_option(int c, char *arg)
{
	(void)arg;
	if (c != OPT_STRICT_WARNINGS)
		return EX_USAGE;
	strict_warnings = true;
	return 0;
}

static int do_check(int argc, char **argv)
{
	struct po_policy pol;
	struct po_parser ps;
	int rc;

	rc = load_config(argc, argv, &pol, &ps, "");
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

static const struct option check_opts[] = {
	{ "strict-warnings", no_argument, NULL, OPT_STRICT_WARNINGS }, { 0 }
};

const struct cmd cmd_check = {
	.name = "check", .run = do_check, .option = check_option,
	.shortopts = "", .longopts = check_opts, .max_args = -1,
	.usage = "check [--strict-warnings] [FILE...]",
	.help = "Validate the configuration (default: " PO_DEFAULT_CONFIG " and " PO_DEFAULT_CONFDIR "/*.conf)\n"
		"and print the canonical kernel policy text it would load.  No kernel needed.\n\n"
		"      --strict-warnings  refuse a configuration that draws a warning (exit 5)\n"
		"  -h, --help             show this help\n",
};
