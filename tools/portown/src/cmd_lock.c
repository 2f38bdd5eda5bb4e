// SPDX-License-Identifier: GPL-2.0
/* portownctl lock: freeze portown until reboot. */
#include "portownctl.h"
#include "kio.h"
#include "output.h"

#include <stdio.h>

static int do_lock(int argc, char **argv)
{
	int w;

	(void)argc;
	(void)argv;
	if (require_active() < 0)
		return json_failed(), EX_KERNEL;
	out_init(stdout, opt_json);
	if (read_flag("lock") == 1) {
		out_doc_begin();
		out_bool(OUT_JSON, "locked", NULL, true);
		out_bool(OUT_JSON, "already", NULL, true);
		out_text("portown is already locked until reboot\n");
		out_doc_end();
		return EX_OK;
	}
	w = kio_write("lock", "1", 1);
	if (w < 0) {
		warnx("%s", kernel_write_error("cannot lock", w));
		return json_failed(), EX_KERNEL;
	}
	changed = "portown is locked";
	out_doc_begin();
	out_bool(OUT_JSON, "locked", NULL, true);
	out_bool(OUT_JSON, "already", NULL, false);
	out_text("portown locked until reboot: policy, mode and lock are frozen\n");
	out_doc_end();
	return EX_OK;
}

const struct cmd cmd_lock = {
	.name = "lock", .run = do_lock, .max_args = 0, .flags = CMD_JSON,
	.usage = "lock [--json]",
	.help = "Freeze the policy, the mode and the lock until reboot.\n\n"
		"  -j, --json     print JSON\n"
		"  -h, --help     show this help\n",
};
