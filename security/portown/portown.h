/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * portown - port ownership for Linux
 *
 * Definitions shared by the hooks, the policy engine, securityfs and audit.
 */

#ifndef _SECURITY_PORTOWN_PORTOWN_H
#define _SECURITY_PORTOWN_PORTOWN_H

#include <linux/bits.h>
#include <linux/cred.h>
#include <linux/mutex.h>
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

/* State of the running LSM (hooks.c). */
enum portown_stat {
	PORTOWN_STAT_CHECKED,
	PORTOWN_STAT_ALLOWED_OWNER,
	PORTOWN_STAT_ALLOWED_CAPABILITY,
	PORTOWN_STAT_DENIED,
	PORTOWN_STAT_LOGGED,
	PORTOWN_STAT_POLICY_LOADS,
	PORTOWN_STAT_POLICY_ERRORS,
	PORTOWN_STAT_NR,
};

extern struct mutex portown_state_mutex;
extern struct portown_policy __rcu *portown_policy;
extern bool portown_enforcing;
extern bool portown_locked;

int portown_policy_replace(struct portown_policy *policy);
int portown_set_enforcing(bool enforcing);
int portown_lock(void);
void portown_stat_inc(enum portown_stat stat);
u64 portown_stat_read(enum portown_stat stat);
int portown_fs_init(void);

/* Audit records (audit.c). */
enum portown_reason {
	PORTOWN_REASON_OWNED,		/* owned port, caller not an owner */
	PORTOWN_REASON_RESERVED,	/* unowned port below "reserved" */
};

void portown_audit_bind(enum portown_proto proto, u16 port,
			enum portown_reason reason, bool denied);
void portown_audit_load(const struct portown_policy *policy,
			const struct portown_parse_error *perr, int err);
void portown_audit_setting(const char *op, bool value, bool old_value);

#endif /* _SECURITY_PORTOWN_PORTOWN_H */
