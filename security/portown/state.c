// SPDX-License-Identifier: GPL-2.0-only
/*
 * portown - the policy in force, the mode, the lock and the counters, and
 * the decision taken from them
 *
 * Binds read the state locklessly: the policy through RCU, the mode and
 * the lock with READ_ONCE(). Writers serialize on portown_state_mutex and
 * never make a bind wait. The decision itself is decide.h's; it is
 * documented in Documentation/admin-guide/LSM/portown.rst.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>

#include "audit.h"
#include "decide.h"
#include "policy.h"
#include "state.h"

/* Serializes changes of the policy, the mode and the lock. */
static DEFINE_MUTEX(portown_state_mutex);
static struct portown_policy __rcu *portown_policy;
static bool portown_enforce = true;
static bool portown_is_locked;

struct portown_stats {
	u64 count[PORTOWN_STAT_NR];
};

static DEFINE_PER_CPU(struct portown_stats, portown_stats);

/**
 * portown_stat_inc - count an event
 * @stat: the counter
 */
void portown_stat_inc(enum portown_stat stat)
{
	this_cpu_inc(portown_stats.count[stat]);
}

/**
 * portown_stat_read - total of a counter over all CPUs
 * @stat: the counter
 *
 * Return: the sum; approximate while binds run concurrently.
 */
u64 portown_stat_read(enum portown_stat stat)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(portown_stats, cpu).count[stat];
	return sum;
}

/**
 * portown_state_init - put the boot policy and mode in force
 * @policy: the boot policy, never NULL; owned by the state from now on
 * @enforcing: the boot mode
 *
 * Called once, from LSM init, before any hook is registered.
 */
void __init portown_state_init(struct portown_policy *policy, bool enforcing)
{
	RCU_INIT_POINTER(portown_policy, policy);
	portown_enforce = enforcing;
}

/*
 * A port owned by others, or an unowned one below the boundary: the
 * capability, the mode and the verdict, the audit record and the count.
 * Kept out of the bind path's line.
 */
static noinline int portown_judge(enum portown_proto proto, u16 port,
				  enum portown_op op,
				  enum portown_standing standing, bool strict)
{
	/* As the stack asks, but a missing capability is no audit event. */
	bool capable = ns_capable_noaudit(&init_user_ns, CAP_NET_BIND_SERVICE);
	bool enforcing = READ_ONCE(portown_enforce);
	enum portown_reason reason = standing == PORTOWN_OWNED ?
		PORTOWN_REASON_OWNED : PORTOWN_REASON_RESERVED;

	switch (portown_verdict(standing, strict, capable, enforcing, port)) {
	case PORTOWN_ALLOW_CAPABLE:
		portown_stat_inc(PORTOWN_STAT_ALLOWED_CAPABILITY);
		return 0;
	case PORTOWN_LOG:
		portown_audit_bind(proto, port, op, reason, false, enforcing);
		portown_stat_inc(PORTOWN_STAT_LOGGED);
		return 0;
	case PORTOWN_DENY:
		portown_audit_bind(proto, port, op, reason, true, enforcing);
		portown_stat_inc(PORTOWN_STAT_DENIED);
		return -EACCES;
	default:
		/* Free and owner's ports never come here. */
		WARN_ON_ONCE(1);
		return 0;
	}
}

/**
 * portown_decide - may the current task use a port
 * @proto: the port space
 * @port: the port; 0 (the kernel picks an ephemeral one) is always allowed
 * @op: what the kernel is about to do with it, for the audit record
 *
 * Where the port stands for the current task is read from the policy in
 * force, in one RCU section; what becomes of a port that is neither free
 * nor the task's is judged after it (see decide.h). Refusals, and what
 * permissive mode lets through, are audited. Only binds of an owned or
 * reserved port are counted, by their outcome: the others cost a bit test
 * and a comparison.
 *
 * Context: any task context; takes no lock and allocates nothing.
 * Return: 0, or -EACCES.
 */
int portown_decide(enum portown_proto proto, u16 port, enum portown_op op)
{
	const struct portown_policy *policy;
	enum portown_standing standing;
	bool strict;

	if (!port)
		return 0;
	rcu_read_lock();
	policy = rcu_dereference(portown_policy);
	standing = portown_standing(policy, current_cred(), proto, port);
	/* Most binds are of a free port, then most of the others an owner's. */
	if (likely(standing == PORTOWN_FREE)) {
		rcu_read_unlock();
		return 0;
	}
	strict = policy->strict;
	rcu_read_unlock();

	if (standing == PORTOWN_OWNER) {
		portown_stat_inc(PORTOWN_STAT_ALLOWED_OWNER);
		return 0;
	}
	return portown_judge(proto, port, op, standing, strict);
}

/**
 * portown_state_replace - publish a new policy
 * @policy: the new policy; owned by this function from now on
 *
 * The old policy is freed after an RCU grace period, so binds in flight
 * finish against it and no bind ever waits for a writer. The load is
 * audited after the mutex is dropped, from a summary taken while
 * @policy was still ours.
 *
 * Return: 0, or -EPERM when the policy is locked (@policy is then freed).
 */
int portown_state_replace(struct portown_policy *policy)
{
	struct portown_load_summary loaded = {
		.nrules = policy->nrules,
		.reserved = policy->reserved,
		.strict = policy->strict,
	};
	struct portown_policy *old;

	mutex_lock(&portown_state_mutex);
	if (portown_is_locked) {
		mutex_unlock(&portown_state_mutex);
		portown_policy_free(policy);
		return -EPERM;
	}
	old = rcu_replace_pointer(portown_policy, policy,
				  lockdep_is_held(&portown_state_mutex));
	mutex_unlock(&portown_state_mutex);
	kvfree_rcu(old, rcu);
	portown_stat_inc(PORTOWN_STAT_POLICY_LOADS);
	portown_audit_load(&loaded, NULL, 0);
	return 0;
}

/**
 * portown_state_show - write the policy in force, canonically
 * @m: where to write; ids are shown in the reader's user namespace
 */
void portown_state_show(struct seq_file *m)
{
	const struct portown_policy *policy;

	mutex_lock(&portown_state_mutex);
	policy = rcu_dereference_protected(portown_policy,
					   lockdep_is_held(&portown_state_mutex));
	portown_policy_show(m, policy, seq_user_ns(m));
	mutex_unlock(&portown_state_mutex);
}

/**
 * portown_state_text_size - room enough for the policy in force as text
 *
 * Return: an upper bound, which may be stale as soon as it is returned.
 */
size_t portown_state_text_size(void)
{
	size_t size;

	rcu_read_lock();
	size = portown_policy_text_size(rcu_dereference(portown_policy));
	rcu_read_unlock();
	return size;
}

/**
 * portown_state_nrules - number of rules of the policy in force
 *
 * Return: the count, which may be stale as soon as it is returned.
 */
u32 portown_state_nrules(void)
{
	u32 n;

	rcu_read_lock();
	n = rcu_dereference(portown_policy)->nrules;
	rcu_read_unlock();
	return n;
}

/**
 * portown_enforcing - whether refusals are enforced
 *
 * Return: true when enforcing, false when permissive.
 */
bool portown_enforcing(void)
{
	return READ_ONCE(portown_enforce);
}

/**
 * portown_set_enforcing - switch between enforcing and permissive mode
 * @enforcing: true to enforce
 *
 * Return: 0, or -EPERM when locked.
 */
int portown_set_enforcing(bool enforcing)
{
	bool old;

	mutex_lock(&portown_state_mutex);
	if (portown_is_locked) {
		mutex_unlock(&portown_state_mutex);
		return -EPERM;
	}
	old = portown_enforce;
	WRITE_ONCE(portown_enforce, enforcing);
	mutex_unlock(&portown_state_mutex);
	portown_audit_setting("enforce", enforcing, old);
	return 0;
}

/**
 * portown_locked - whether policy, mode and lock are frozen
 *
 * Return: true once portown_lock() succeeded.
 */
bool portown_locked(void)
{
	return READ_ONCE(portown_is_locked);
}

/**
 * portown_lock - freeze the policy, the mode and the lock until reboot
 *
 * Return: 0, or -EPERM when already locked.
 */
int portown_lock(void)
{
	mutex_lock(&portown_state_mutex);
	if (portown_is_locked) {
		mutex_unlock(&portown_state_mutex);
		return -EPERM;
	}
	WRITE_ONCE(portown_is_locked, true);
	mutex_unlock(&portown_state_mutex);
	portown_audit_setting("lock", true, false);
	return 0;
}
