/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * portown - the decision, as pure functions of what it is made from
 *
 * Where a port stands for a task (portown_standing(): from the policy,
 * the credentials, the port space and the port), then what becomes of the
 * bind (portown_verdict(): from the standing, the policy's strictness, the
 * capability and the mode). state.c takes them with the policy in force
 * and the current task; the KUnit test takes them with the cases of
 * decide_cases.h, which portownctl's model of the decision is tested on
 * too.
 */

#ifndef _SECURITY_PORTOWN_DECIDE_H
#define _SECURITY_PORTOWN_DECIDE_H

#include <linux/cred.h>
#include <linux/types.h>

#include "policy.h"

/* Where a port stands for a task. */
enum portown_standing {
	PORTOWN_FREE,		/* port 0, or unowned at or above "reserved" */
	PORTOWN_OWNER,		/* owned, and the task is an owner */
	PORTOWN_OWNED,		/* owned by others */
	PORTOWN_RESERVED,	/* unowned, below "reserved" */
};

/* What becomes of the bind. */
enum portown_verdict {
	PORTOWN_ALLOW,		/* a free port */
	PORTOWN_ALLOW_OWNER,	/* the owner's */
	PORTOWN_ALLOW_CAPABLE,	/* CAP_NET_BIND_SERVICE, not strict */
	PORTOWN_LOG,		/* refused, but let through by permissive mode */
	PORTOWN_DENY,		/* refused */
};

/**
 * portown_standing - where a port stands for a task
 * @policy: the policy
 * @cred: the task's credentials
 * @proto: the port space
 * @port: the port; 0, the kernel's choice, is free
 *
 * Return: the standing.
 */
static __always_inline enum portown_standing
portown_standing(const struct portown_policy *policy, const struct cred *cred,
		 enum portown_proto proto, u16 port)
{
	const struct portown_owners *owners;

	owners = portown_policy_owners(policy, proto, port);
	if (likely(!owners))
		return port && port < policy->reserved ? PORTOWN_RESERVED :
							 PORTOWN_FREE;
	return portown_owners_have(owners, cred) ? PORTOWN_OWNER :
						   PORTOWN_OWNED;
}

/**
 * portown_verdict - what becomes of a bind
 * @standing: where the port stands for the task
 * @strict: the policy is strict: the table is the only authority
 * @capable: the task has CAP_NET_BIND_SERVICE in the initial user namespace
 * @enforcing: the mode is enforcing
 * @port: the port
 *
 * A port owned by others, or an unowned one below the boundary, is for
 * CAP_NET_BIND_SERVICE unless the policy is strict. Permissive mode lets
 * a refusal through when the stock kernel's rule would have allowed it,
 * so it is never looser than a kernel without portown.
 *
 * Return: the verdict.
 */
static inline enum portown_verdict
portown_verdict(enum portown_standing standing, bool strict, bool capable,
		bool enforcing, u16 port)
{
	if (standing == PORTOWN_FREE)
		return PORTOWN_ALLOW;
	if (standing == PORTOWN_OWNER)
		return PORTOWN_ALLOW_OWNER;
	if (capable && !strict)
		return PORTOWN_ALLOW_CAPABLE;
	if (!enforcing && (port >= PORTOWN_STOCK_BOUNDARY || capable))
		return PORTOWN_LOG;
	return PORTOWN_DENY;
}

#endif /* _SECURITY_PORTOWN_DECIDE_H */
