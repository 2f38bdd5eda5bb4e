/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * portown - the policy: its limits, its parsed form and its lookup
 *
 * A policy is built whole from its text by policy.c and never changes
 * afterwards; state.c publishes it and decides binds from it.
 */

#ifndef _SECURITY_PORTOWN_POLICY_H
#define _SECURITY_PORTOWN_POLICY_H

#include <linux/bits.h>
#include <linux/cred.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/types.h>
#include <linux/user_namespace.h>

/* Limits of one policy. */
#define PORTOWN_MAX_TEXT	(2 * 1024 * 1024)	/* bytes of policy text */
#define PORTOWN_MAX_RULES	65536
/*
 * Owner entries after overlapping ranges are split into disjoint ones.
 * Only pathological policies (thousands of nested ranges) come near it.
 */
#define PORTOWN_MAX_OWNERS	BIT(21)

/* The stock kernel's privileged-port boundary, PROT_SOCK. */
#define PORTOWN_STOCK_BOUNDARY	1024

/* Port spaces, in the order of the canonical policy text. */
enum portown_proto {
	PORTOWN_TCP,
	PORTOWN_UDP,
	PORTOWN_SCTP,
	PORTOWN_DCCP,
	PORTOWN_NPROTO,
};

enum portown_subject {
	PORTOWN_UID,
	PORTOWN_GID,
};

/* One rule as written, with its id mapped into the initial namespace. */
struct portown_rule {
	u16 first;
	u16 last;
	u8 proto;
	u8 subject;
	u32 id;			/* __kuid_val() or __kgid_val() */
};

/*
 * A maximal run of ports sharing one set of owners. Ranges of a protocol
 * are disjoint and sorted, so a bind looks its port up by binary search.
 * The owners are @nuids sorted uids followed by @ngids sorted gids in
 * portown_policy.ids, starting at @owners.
 */
struct portown_range {
	u16 first;
	u16 last;
	u32 owners;
	u32 nuids;
	u32 ngids;
};

/*
 * struct portown_policy - one loaded policy, immutable once published
 *
 * A policy lives in a single allocation: this header, then the rules in
 * canonical order (for read-back), then the lookup ranges, then the owner
 * ids. It is published with RCU and freed after a grace period.
 */
struct portown_policy {
	struct rcu_head rcu;
	u32 reserved;		/* ports below it need CAP_NET_BIND_SERVICE */
	bool strict;		/* the table is the only authority */
	u32 nrules;
	u32 nranges;
	u32 nids;
	u32 proto_range[PORTOWN_NPROTO + 1];	/* ranges of each protocol */
	struct portown_rule *rules;
	struct portown_range *ranges;
	u32 *ids;
};

/* Where a policy text went wrong, for the kernel log and audit. */
struct portown_parse_error {
	unsigned int line;
	const char *reason;
};

struct portown_policy *portown_policy_parse(const char *text, size_t len,
					    struct user_namespace *ns,
					    struct portown_parse_error *perr);
void portown_policy_free(struct portown_policy *policy);
const struct portown_range *
portown_policy_find(const struct portown_policy *policy,
		    enum portown_proto proto, u16 port);
bool portown_range_owner(const struct portown_policy *policy,
			 const struct portown_range *range,
			 const struct cred *cred);
void portown_policy_show(struct seq_file *m,
			 const struct portown_policy *policy,
			 struct user_namespace *ns);
const char *portown_proto_name(enum portown_proto proto);

#endif /* _SECURITY_PORTOWN_POLICY_H */
