/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * portown - the policy: its limits, its parsed form and its lookup
 *
 * A policy is parsed whole from its text (parse.c) into a lookup table
 * (table.c), never changes afterwards, and prints back as canonical text
 * (print.c); state.c publishes it and decides binds from it.
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

/**
 * struct portown_owners - who owns a stretch of ports
 * @nuids: number of uids
 * @ngids: number of gids
 * @ids: the uids, sorted, then the gids, sorted (kernel ids)
 *
 * The rules covering a stretch of ports, cut at every range boundary, make
 * one owner set; equal sets are stored once.
 */
struct portown_owners {
	u32 nuids;
	u32 ngids;
	u32 ids[];
};

/*
 * The owned ports of one protocol. @owned has a bit for each. The owner
 * set of an owned port is at portown_policy.ids[portown_policy.index[i]],
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
 * bitmaps, then the index (one entry per owned port, a word offset into
 * @ids), then the owner sets, then the rules in canonical order (for
 * read-back). It is published with RCU and freed after a grace period.
 */
struct portown_policy {
	struct rcu_head rcu;
	u32 reserved;		/* ports below it need CAP_NET_BIND_SERVICE */
	bool strict;		/* the table is the only authority */
	u32 nrules;
	u32 nindex;		/* owned ports, over all protocols */
	u32 nids;		/* words of owner sets */
	struct portown_ports ports[PORTOWN_NPROTO];
	u32 *index;
	u32 *ids;
	struct portown_rule *rules;
};

/* The settings of a policy text, beside its rules. */
struct portown_settings {
	u32 reserved;
	bool strict;
};

/* Where a policy text went wrong, for the kernel log and audit. */
struct portown_parse_error {
	unsigned int line;
	const char *reason;
};

/* parse.c: the policy language */
struct portown_policy *portown_policy_parse(const char *text, size_t len,
					    struct user_namespace *ns,
					    struct portown_parse_error *perr);

/* table.c: the lookup table */
struct portown_policy *portown_policy_build(struct portown_rule *rules,
					    u32 nrules,
					    const struct portown_settings *set,
					    struct portown_parse_error *perr);
void portown_policy_free(struct portown_policy *policy);
bool portown_owners_have_group(const struct portown_owners *owners,
			       const struct cred *cred);

/* print.c: the canonical text */
const char *portown_proto_name(enum portown_proto proto);
size_t portown_policy_text_size(const struct portown_policy *policy);
void portown_policy_show(struct seq_file *m,
			 const struct portown_policy *policy,
			 struct user_namespace *ns);

/**
 * portown_id_in - whether an id is in a sorted array of ids
 * @ids: the ids, in ascending order
 * @n: how many
 * @id: the id
 *
 * Return: true when @id is one of @ids.
 */
static __always_inline bool portown_id_in(const u32 *ids, u32 n, u32 id)
{
	u32 lo = 0, hi = n;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (id == ids[mid])
			return true;
		if (id < ids[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

/**
 * portown_owners_have - whether credentials are in an owner set
 * @owners: the owner set
 * @cred: the credentials: effective uid, effective gid and supplementary
 *	  groups are considered
 *
 * The euid, an owner's usual match, is looked up inline; the groups, only
 * when the set has any, out of line. Costs O(log n), plus the smaller of
 * the set's and the credentials' group counts times a logarithm.
 *
 * Return: true when a rule of @owners names @cred's euid, egid or one of
 * its supplementary groups.
 */
static __always_inline bool
portown_owners_have(const struct portown_owners *owners,
		    const struct cred *cred)
{
	return portown_id_in(owners->ids, owners->nuids,
			     __kuid_val(cred->euid)) ||
	       (owners->ngids && portown_owners_have_group(owners, cred));
}

/**
 * portown_policy_owners - the owner set of a port
 * @policy: the policy
 * @proto: the port space
 * @port: the port
 *
 * Return: the owner set, or NULL when nobody owns @port.
 */
static __always_inline const struct portown_owners *
portown_policy_owners(const struct portown_policy *policy,
		      enum portown_proto proto, u16 port)
{
	const struct portown_ports *pp = &policy->ports[proto];
	unsigned long word = pp->owned[BIT_WORD(port)];
	unsigned long mask = BIT_MASK(port);
	u32 i;

	if (!(word & mask))
		return NULL;
	i = pp->base + pp->rank[BIT_WORD(port)] + hweight_long(word & (mask - 1));
	return (const struct portown_owners *)&policy->ids[policy->index[i]];
}

#endif /* _SECURITY_PORTOWN_POLICY_H */
