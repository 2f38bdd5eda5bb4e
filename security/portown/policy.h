/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * portown - the policy: its limits, its parsed form and its lookup
 *
 * A policy is built whole from its text by policy.c and never changes
 * afterwards; state.c publishes it and decides binds from it.
 */

#ifndef _SECURITY_PORTOWN_POLICY_H
#define _SECURITY_PORTOWN_POLICY_H

#include <linux/bitmap.h>
#include <linux/bitops.h>
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
 * Words of owner sets after overlapping ranges are split into disjoint
 * ones. Only pathological policies (thousands of nested ranges) come near.
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

#define PORTOWN_NPORTS		65536
#define PORTOWN_PORT_WORDS	BITS_TO_LONGS(PORTOWN_NPORTS)

/*
 * The owned ports of one protocol. @owned has a bit for each. The owner
 * set of an owned port is portown_policy.ids[portown_policy.index[i]],
 * where i is @base plus the number of owned ports below it: @rank counts
 * those of the words before, a popcount those of its own word. Unowned
 * ports, most ports of most binds, cost one bit test.
 */
struct portown_ports {
	unsigned long owned[PORTOWN_PORT_WORDS];
	u16 rank[PORTOWN_PORT_WORDS];
	u32 base;
};

/*
 * struct portown_policy - one loaded policy, immutable once published
 *
 * A policy lives in a single allocation: this header with the port
 * bitmaps, then the index (one entry per owned port), then the owner sets,
 * then the rules in canonical order (for read-back). An owner set is its
 * number of uids, its number of gids, then the sorted uids and the sorted
 * gids. It is published with RCU and freed after a grace period.
 */
struct portown_policy {
	struct rcu_head rcu;
	u32 reserved;		/* ports below it need CAP_NET_BIND_SERVICE */
	bool strict;		/* the table is the only authority */
	u32 nrules;
	u32 nindex;		/* owned ports, over all protocols */
	u32 nids;		/* words of owner sets */
	struct portown_ports ports[PORTOWN_NPROTO];
	/* The ports owned in any protocol: the bind hook's first test. */
	unsigned long owned_any[PORTOWN_PORT_WORDS];
	u32 *index;
	u32 *ids;
	struct portown_rule *rules;
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
bool portown_owner_in(const u32 *set, const struct cred *cred);
void portown_policy_show(struct seq_file *m,
			 const struct portown_policy *policy,
			 struct user_namespace *ns);
const char *portown_proto_name(enum portown_proto proto);

/**
 * portown_set_has_uid - whether a uid is one of an owner set's uids
 * @set: an owner set, from portown_policy_owners()
 * @uid: the uid
 *
 * The owner's own check, inlined into the bind path; portown_owner_in()
 * makes the whole one, groups included.
 *
 * Return: true when a rule of @set names @uid.
 */
static __always_inline bool portown_set_has_uid(const u32 *set, kuid_t uid)
{
	const u32 *uids = set + 2, id = __kuid_val(uid);
	u32 lo = 0, hi = set[0];

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (id == uids[mid])
			return true;
		if (id < uids[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

/**
 * portown_policy_owners - the owner set of a port
 * @policy: the policy
 * @proto: the port space
 * @port: the port
 *
 * Return: the owner set (see struct portown_policy), or NULL when nobody
 * owns @port.
 */
static __always_inline const u32 *
portown_policy_owners(const struct portown_policy *policy,
		      enum portown_proto proto, u16 port)
{
	const struct portown_ports *pp = &policy->ports[proto];
	unsigned long word = pp->owned[BIT_WORD(port)];
	unsigned long mask = BIT_MASK(port);

	if (!(word & mask))
		return NULL;
	return &policy->ids[policy->index[pp->base + pp->rank[BIT_WORD(port)] +
					  hweight_long(word & (mask - 1))]];
}

#endif /* _SECURITY_PORTOWN_POLICY_H */
