// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the portown config parser (names and kernel grammar).
 * Properties: no crash or sanitizer report; an accepted config's canonical
 * text is accepted by the kernel grammar and formats to itself; decisions
 * do not crash.
 */
#include "config.h"
#include "policy.h"

#include <stdlib.h>
#include <string.h>

static int f_user(void *ctx, const char *n, uint32_t *id)
{
	(void)ctx;
	if (!strcmp(n, "root")) return *id = 0, 0;
	if (!strcmp(n, "www-data")) return *id = 33, 0;
	if (!strcmp(n, "alice")) return *id = 1000, 0;
	if (!strcmp(n, "huge")) return *id = 4294967295u, 0;
	return -1;
}

static int f_group(void *ctx, const char *n, uint32_t *id)
{
	(void)ctx;
	if (!strcmp(n, "www-data")) return *id = 33, 0;
	if (!strcmp(n, "devs")) return *id = 1002, 0;
	return -1;
}

static int f_service(void *ctx, const char *n, const char *proto, uint16_t *port)
{
	(void)ctx;
	(void)proto;
	if (!strcmp(n, "http")) return *port = 80, 0;
	if (!strcmp(n, "domain")) return *port = 53, 0;
	if (!strcmp(n, "zero")) return *port = 0, 0;
	return -1;
}

static const struct po_resolver fake = { f_user, f_group, f_service, NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct po_policy pol, again;
	struct po_parser ps, ps2;
	size_t len, len2;
	char *text, *text2;

	if (size > 65536)
		return 0;
	for (int mode = 0; mode < 2; mode++) {
		po_policy_init(&pol);
		/* includes would reach the file system: off */
		po_parser_init(&ps, &pol, mode ? &fake : NULL, false);
		po_parse_buffer(&ps, "fuzz", (const char *)data, size);
		if (po_parse_finish(&ps) == 0) {
			text = po_policy_format(&pol, &len);
			if (!text || strlen(text) != len)
				abort();
			po_policy_init(&again);
			po_parser_init(&ps2, &again, NULL, false);
			po_parse_buffer(&ps2, "canon", text, len);
			if (po_parse_finish(&ps2) != 0)
				abort();	/* canonical text must be kernel grammar */
			text2 = po_policy_format(&again, &len2);
			if (!text2 || len2 != len || memcmp(text, text2, len) != 0)
				abort();	/* canonical form is a fixed point */
			for (unsigned p = 0; p < 4; p++) {
				uint32_t groups[2] = { 33, 1002 };
				struct po_cred cred = { .euid = 1000, .egid = 1000, .groups = groups,
							.ngroups = 2, .cap_net_bind_service = p & 1 };
				unsigned port = size ? ((unsigned)data[p % size] << 8 | data[(p * 7 + 1) % size]) : p;
				struct po_decision d = po_decide(&pol, p, port & 0xffff, &cred, p & 2);

				if (d.step == PO_STEP_OWNED_RULE && !d.rule)
					abort();
				if (d.logged && !d.allowed)
					abort();
				/* the stack's check only ever takes away */
				bool was = d.allowed;

				po_apply_prot_sock(&d, port & 0xffff, &cred, size ? (unsigned)data[0] << 4 : 1024);
				if ((d.allowed && !was) || (d.stack_refuses && d.allowed))
					abort();
			}
			free(text);
			free(text2);
			po_parser_free(&ps2);
			po_policy_free(&again);
		} else {
			for (size_t i = 0; i < ps.ndiags; i++) {
				char b[1024];

				po_diag_format(&ps.diags[i], b, sizeof(b));
			}
		}
		po_parser_free(&ps);
		po_policy_free(&pol);
	}
	return 0;
}
