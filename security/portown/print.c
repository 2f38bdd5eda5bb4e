// SPDX-License-Identifier: GPL-2.0-only
/*
 * portown - the canonical text of a policy
 *
 * Settings first, then the rules sorted by protocol, port range, subject
 * and id, one a line; writing the text back yields the same policy. A
 * policy of 65,536 rules is read back in one go, so each line is made in
 * a small buffer and written with one seq_write(), and the reader's
 * buffer is sized for the whole text up front (portown_policy_text_size())
 * instead of being doubled and the text made again each time.
 */

#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uidgid.h>

#include "policy.h"

static const char *const portown_proto_names[PORTOWN_NPROTO] = {
	[PORTOWN_TCP] = "tcp",
	[PORTOWN_UDP] = "udp",
	[PORTOWN_SCTP] = "sctp",
	[PORTOWN_DCCP] = "dccp",
};

/* The longest line: "reserved 65535\nstrict\n", or the longest rule. */
#define PORTOWN_SETTINGS_MAX	sizeof("reserved 65535\nstrict\n")
#define PORTOWN_RULE_MAX	sizeof("sctp 65535-65535 uid 4294967295\n")

/**
 * portown_proto_name - name of a port space in the policy language
 * @proto: the port space
 *
 * Return: "tcp", "udp", "sctp" or "dccp".
 */
const char *portown_proto_name(enum portown_proto proto)
{
	return portown_proto_names[proto];
}

/**
 * portown_policy_text_size - room enough for a policy's canonical text
 * @policy: the policy
 *
 * Return: an upper bound of the bytes portown_policy_show() writes.
 */
size_t portown_policy_text_size(const struct portown_policy *policy)
{
	return PORTOWN_SETTINGS_MAX + (size_t)policy->nrules * PORTOWN_RULE_MAX;
}

/* @v in decimal at @p; the end of the digits. */
static char *portown_put_u32(char *p, u32 v)
{
	char tmp[10];
	int n = 0;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/**
 * portown_policy_show - write a policy in canonical form
 * @m: where to write
 * @policy: the policy
 * @ns: user namespace to show the ids in (unmapped ids show as the
 *	overflow id)
 *
 * Writing the output back yields the same policy.
 */
void portown_policy_show(struct seq_file *m,
			 const struct portown_policy *policy,
			 struct user_namespace *ns)
{
	char line[PORTOWN_RULE_MAX], *p;
	u32 i, id;

	seq_puts(m, "reserved ");
	p = portown_put_u32(line, policy->reserved);
	*p++ = '\n';
	seq_write(m, line, p - line);
	if (policy->strict)
		seq_puts(m, "strict\n");
	for (i = 0; i < policy->nrules; i++) {
		const struct portown_rule *r = &policy->rules[i];
		const char *name = portown_proto_names[r->proto];
		size_t len = strlen(name);

		memcpy(line, name, len);
		p = line + len;
		*p++ = ' ';
		p = portown_put_u32(p, r->first);
		if (r->last != r->first) {
			*p++ = '-';
			p = portown_put_u32(p, r->last);
		}
		if (r->subject == PORTOWN_UID) {
			memcpy(p, " uid ", 5);
			id = from_kuid_munged(ns, KUIDT_INIT(r->id));
		} else {
			memcpy(p, " gid ", 5);
			id = from_kgid_munged(ns, KGIDT_INIT(r->id));
		}
		p = portown_put_u32(p + 5, id);
		*p++ = '\n';
		seq_write(m, line, p - line);
	}
}
