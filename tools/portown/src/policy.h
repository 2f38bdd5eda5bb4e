/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portown policy model: the canonical in-memory form of a policy, its
 * kernel text form, and the bind decision, mirroring
 * security/portown in the kernel.  Shared by check/load/show/explain/
 * listeners and by the unit tests and the fuzzer.
 */
#ifndef PORTOWN_POLICY_H
#define PORTOWN_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PO_DEFAULT_RESERVED	1024u
#define PO_STOCK_PROT_SOCK	1024u	/* stock ip_unprivileged_port_start */
#define PO_MAX_RULES		65536u
#define PO_MAX_TEXT		(2u * 1024u * 1024u)	/* kernel write limit */
#define PO_MAX_ID		4294967294u
#define PO_MAX_OWNERS		(1u << 21)	/* kernel owner-entry limit */

enum po_proto { PO_TCP, PO_UDP, PO_SCTP, PO_DCCP, PO_NPROTO };
enum po_subject { PO_UID, PO_GID };

struct po_rule {
	uint8_t proto;		/* enum po_proto */
	uint8_t subject;	/* enum po_subject */
	uint16_t first, last;	/* 1 <= first <= last <= 65535 */
	uint32_t id;
	/* where the rule came from (config parser); not part of identity */
	const char *src_file;
	unsigned src_line;
	size_t seq;		/* order of po_policy_add (file order) */
};

struct po_policy {
	uint32_t reserved;	/* 0..65535 */
	bool strict;
	struct po_rule *rules;
	size_t nrules, cap;
};

void po_policy_init(struct po_policy *p);
void po_policy_free(struct po_policy *p);
/* returns 0 or -1 (ENOMEM) */
int po_policy_add(struct po_policy *p, const struct po_rule *r);
/* sort in canonical order and drop exact duplicates */
void po_policy_canonicalize(struct po_policy *p);
int po_rule_cmp(const struct po_rule *a, const struct po_rule *b);
/* owner entries the kernel needs for a canonicalized policy */
uint64_t po_policy_owner_entries(const struct po_policy *p);

const char *po_proto_name(unsigned proto);
int po_proto_parse(const char *s);	/* -1 if unknown */
const char *po_subject_name(unsigned subject);	/* "uid" / "gid" */

/* canonical kernel text of a canonicalized policy; malloc'd, NUL-terminated */
char *po_policy_format(const struct po_policy *p, size_t *len);
/* "tcp 80 uid 33" / "tcp 8000-8099 gid 1001" into buf */
void po_rule_format(const struct po_rule *r, char *buf, size_t size);

/* --- decision ---------------------------------------------------------- */

struct po_cred {
	uint32_t euid, egid;
	const uint32_t *groups;	/* supplementary groups */
	size_t ngroups;
	bool cap_net_bind_service;	/* in the initial user namespace */
};

enum po_step {
	PO_STEP_PORT0,		/* port 0: always allowed */
	PO_STEP_OWNED_RULE,	/* 1: owned, a rule matches */
	PO_STEP_OWNED_CAP,	/* 1: owned, no rule, capability, not strict */
	PO_STEP_OWNED_DENY,	/* 1: owned, refused */
	PO_STEP_RESERVED_CAP,	/* 2: below boundary, capability, not strict */
	PO_STEP_RESERVED_DENY,	/* 2: below boundary, refused */
	PO_STEP_FREE,		/* 3: at or above boundary */
};

struct po_decision {
	bool allowed;		/* final answer, after permissive mode */
	bool refused_by_policy;	/* portown would refuse (before permissive) */
	bool logged;		/* permissive let-through (kernel logs it) */
	enum po_step step;
	const struct po_rule *rule;	/* matching rule (OWNED_RULE) */
	size_t nowners;		/* rules covering the port (owned) */
	/*
	 * The stack's own check refuses it (po_apply_prot_sock): the port is
	 * below ip_unprivileged_port_start and the task lacks the capability.
	 * allowed is then false, whatever portown decided.
	 */
	bool stack_refuses;
};

/*
 * Exactly the kernel's decision for a bind of (proto, port) in init_net.
 * enforcing = the value of /sys/kernel/security/portown/enforce.
 */
struct po_decision po_decide(const struct po_policy *p, unsigned proto,
			     unsigned port, const struct po_cred *cred,
			     bool enforcing);
/*
 * The stack's check, which runs after portown's hook: a port below
 * prot_sock (net.ipv4.ip_unprivileged_port_start; portown sets it to 0 at
 * boot) needs CAP_NET_BIND_SERVICE.  Sets stack_refuses and clears allowed
 * when it refuses.
 */
void po_apply_prot_sock(struct po_decision *d, unsigned port,
			const struct po_cred *cred, unsigned prot_sock);
bool po_rule_matches(const struct po_rule *r, const struct po_cred *cred);
const char *po_step_describe(enum po_step s);

#endif
