/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * portown - the state of the running LSM: the policy in force, the mode,
 * the lock and the counters, and the decision taken from them
 *
 * state.c is the only owner of that state; everything else goes through
 * these functions.
 */

#ifndef _SECURITY_PORTOWN_STATE_H
#define _SECURITY_PORTOWN_STATE_H

#include <linux/seq_file.h>
#include <linux/types.h>

#include "policy.h"

/* What the kernel is about to do with the port. */
enum portown_op {
	PORTOWN_OP_BIND,	/* bind it (bind(2), bindx, io_uring, rxrpc) */
	PORTOWN_OP_CONNECT,	/* start an SCTP association from it */
};

/* Outcomes of the binds portown decides; "checked" is their sum. */
enum portown_stat {
	PORTOWN_STAT_ALLOWED_OWNER,
	PORTOWN_STAT_ALLOWED_CAPABILITY,
	PORTOWN_STAT_DENIED,
	PORTOWN_STAT_LOGGED,
	PORTOWN_STAT_POLICY_LOADS,
	PORTOWN_STAT_POLICY_ERRORS,
	PORTOWN_STAT_NR,
};

void __init portown_state_init(struct portown_policy *policy, bool enforcing);

int portown_decide(enum portown_proto proto, u16 port, enum portown_op op);

int portown_state_replace(struct portown_policy *policy);
void portown_state_show(struct seq_file *m);
size_t portown_state_text_size(void);
u32 portown_state_nrules(void);

bool portown_enforcing(void);
int portown_set_enforcing(bool enforcing);
bool portown_locked(void);
int portown_lock(void);

void portown_stat_inc(enum portown_stat stat);
u64 portown_stat_read(enum portown_stat stat);

#endif /* _SECURITY_PORTOWN_STATE_H */
