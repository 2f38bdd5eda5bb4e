// SPDX-License-Identifier: GPL-2.0
/*
 * portownctl cmdline: the configuration as the portown.policy= kernel
 * parameter, the boot policy in force before PID 1.  The kernel reads it as
 * the policy text with ',' for newlines and ':' for blanks (security/portown
 * lsm.c), so the canonical text, ids numeric, is converted item by item.
 */
#include "portownctl.h"
#include "kio.h"
#include "output.h"
#include "procscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * COMMAND_LINE_SIZE of x86 (and of arm64 and most others): the kernel keeps
 * at most this many bytes of the command line, the NUL included.
 */
#define PO_CMDLINE_SIZE		2048
/* warn above this share of it */
#define PO_CMDLINE_WARN		(PO_CMDLINE_SIZE * 3 / 4)
#define PARAM			"portown.policy="

/* the length of this host's /proc/cmdline without a portown.policy= in it; -1 if unknown */
static long host_cmdline_len(void)
{
	char path[4096], buf[PO_CMDLINE_SIZE * 4];
	FILE *f;
	size_t n;
	long len = 0;

	snprintf(path, sizeof(path), "%s/cmdline", po_procfs_dir());
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (char *w = strtok(buf, " \n"); w; w = strtok(NULL, " \n"))
		if (strncmp(w, PARAM, strlen(PARAM)) != 0)
			len += (long)strlen(w) + (len ? 1 : 0);
	return len;
}

static int do_cmdline(int argc, char **argv)
{
	struct po_policy pol;
	struct po_parser ps;
	char *text = NULL, *param = NULL;
	size_t len, plen, o;
	long host;
	int rc;

	rc = load_config(argc, argv, &pol, &ps, "");
	if (rc != EX_OK)
		goto out;
	policy_warnings(&ps, &pol);
	rc = EX_KERNEL;
	text = po_policy_format(&pol, &len);
	param = text ? malloc(strlen(PARAM) + len + 1) : NULL;
	if (!param) {
		warnx("out of memory");
		goto out;
	}
	o = (size_t)sprintf(param, "%s", PARAM);
	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (c == '\n' && i + 1 == len)
			break;		/* the last newline */
		param[o++] = c == '\n' ? ',' : c == ' ' ? ':' : c;
	}
	param[o] = '\0';
	plen = o;
	host = host_cmdline_len();
	if (plen > PO_CMDLINE_SIZE - 1) {
		warnx("the parameter is %zu bytes, more than the kernel command line holds (%d bytes, "
		      "COMMAND_LINE_SIZE %d): keep only the rules that must hold before portown.service "
		      "loads the rest", plen, PO_CMDLINE_SIZE - 1, PO_CMDLINE_SIZE);
		rc = EX_CONFIG;
		goto out;
	}
	if (host >= 0 && (size_t)host + 1 + plen > PO_CMDLINE_SIZE - 1) {
		warnx("the parameter is %zu bytes and this host's command line %ld more: %zu in all, more than "
		      "the kernel keeps (%d bytes, COMMAND_LINE_SIZE %d); a policy cut short could load "
		      "wrong rules: keep only the rules that must hold before portown.service loads the rest",
		      plen, host, (size_t)host + 1 + plen, PO_CMDLINE_SIZE - 1, PO_CMDLINE_SIZE);
		rc = EX_CONFIG;
		goto out;
	}
	if (host >= 0 && (size_t)host + 1 + plen > PO_CMDLINE_WARN)
		warnx("warning: the parameter is %zu bytes and this host's command line %ld more (%zu in all), "
		      "near the kernel command line's limit of %d bytes", plen, host, (size_t)host + 1 + plen,
		      PO_CMDLINE_SIZE - 1);
	else if (host < 0 && plen > PO_CMDLINE_WARN)
		warnx("warning: the parameter is %zu bytes, near the kernel command line's limit of %d bytes",
		      plen, PO_CMDLINE_SIZE - 1);
	out_init(stdout, opt_json);
	out_doc_begin();
	out_str(OUT_ANY, "parameter", "%s\n", param);
	out_uint(OUT_JSON, "length", NULL, plen);
	if (host >= 0)
		out_int(OUT_JSON, "host_cmdline_length", NULL, host);
	else
		out_null(OUT_JSON, "host_cmdline_length", NULL, NULL);
	out_uint(OUT_JSON, "limit", NULL, PO_CMDLINE_SIZE - 1);
	out_doc_end();
	rc = EX_OK;
out:
	free(text);
	free(param);
	po_parser_free(&ps);
	po_policy_free(&pol);
	return rc;
}

const struct cmd cmd_cmdline = {
	.name = "cmdline", .run = do_cmdline, .max_args = -1, .flags = CMD_JSON,
	.usage = "cmdline [--json] [FILE...]",
	.help = "Print the configuration (default: " PO_DEFAULT_CONFIG " and " PO_DEFAULT_CONFDIR "/*.conf)\n"
		"as the portown.policy= kernel parameter, ids numeric, for a policy in force\n"
		"before the first user-space process.  No kernel needed.  Warns when the\n"
		"parameter and this host's command line (/proc/cmdline) near the kernel's\n"
		"limit (2047 bytes); exit status 3, nothing printed, when they exceed it.\n\n"
		"  -j, --json     print JSON\n"
		"  -h, --help     show this help\n",
};
