// SPDX-License-Identifier: GPL-2.0
/* portownctl enforce: print or switch the mode. */
#include "portownctl.h"
#include "kio.h"
#include "output.h"

#include <stdio.h>
#include <string.h>

static int do_enforce(int argc, char **argv)
{
	const char *v = argc ? argv[0] : NULL;
	int w;

	if (v) {
		if (!strcmp(v, "on") || !strcmp(v, "1") || !strcmp(v, "enforcing"))
			v = "1";
		else if (!strcmp(v, "off") || !strcmp(v, "0") || !strcmp(v, "permissive"))
			v = "0";
		else
			return usage_error("expected 'on' or 'off', not '%s'", v);
	}
	if (require_active() < 0)
		return json_failed(), EX_KERNEL;
	out_init(stdout, opt_json);
	if (!v) {
		int e = read_flag("enforce");

		if (e < 0) {
			warnx("cannot read %s", kio_path("enforce"));
			return json_failed(), EX_KERNEL;
		}
		out_doc_begin();
		out_bool(OUT_JSON, "enforcing", NULL, e);
		out_text("%s\n", e ? "on" : "off");
		out_doc_end();
		return EX_OK;
	}
	w = kio_write("enforce", v, 1);
	if (w < 0) {
		warnx("%s", kernel_write_error("cannot change the mode", w));
		return json_failed(), EX_KERNEL;
	}
	changed = *v == '1' ? "portown is enforcing" : "portown is permissive";
	out_doc_begin();
	out_bool(OUT_JSON, "enforcing", NULL, *v == '1');
	out_text("portown: %s\n", *v == '1' ? "enforcing" : "permissive");
	out_doc_end();
	return EX_OK;
}

const struct cmd cmd_enforce = {
	.name = "enforce", .run = do_enforce, .max_args = 1, .flags = CMD_JSON,
	.usage = "enforce [--json] [on|off]",
	.help = "Switch between enforcing (on) and permissive (off) mode; print the mode\n"
		"without an argument.\n\n"
		"  -j, --json     print JSON\n"
		"  -h, --help     show this help\n",
};
