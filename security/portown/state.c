// SPDX-License-Identifier: GPL-2.0-only
/*
 * portown - the policy in force, the mode, the lock and the counters, and
 * the decision taken from them
 *
 * Binds read the state locklessly: the policy through RCU, the mode and
 * the lock with READ_ONCE(). Writers serialize on portown_state_mutex and
 * never make a bind wait. The decision is documented in
 * Documentation/admin-guide/LSM/portown.rst.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>

#include "audit.h"
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

static bool portown_capable(void)
{
	/* As the stack does, but a missing capability is no audit event. */
	return ns_capable_noaudit(&init_user_ns, CAP_NET_BIND_SERVICE);
}

/* Whether a uid rule of an owner set (or NULL) names the current euid. */
static bool portown_euid_owns(const u32 *owners)
{
	return owners && portown_set_has_uid(owners, current_euid());
}

/*
 * A port its caller does not own, or an unowned one below the boundary:
 * CAP_NET_BIND_SERVICE allows it unless @strict; permissive mode lets
 * through what the stock rule allows. Kept out of the bind path's line.
 */
static noinline int portown_refuse(enum portown_proto proto, u16 port,
				   enum portown_op op,
				   enum portown_reason reason, bool strict)
{
	bool has_cap = portown_capable(), enforcing;

	if (has_cap && !strict) {
		portown_stat_inc(PORTOWN_STAT_ALLOWED_CAPABILITY);
		return 0;
	}

	enforcing = READ_ONCE(portown_enforce);
	if (!enforcing && (port >= PORTOWN_STOCK_BOUNDARY || has_cap)) {
		portown_audit_bind(proto, port, op, reason, false, enforcing);
		portown_stat_inc(PORTOWN_STAT_LOGGED);
		return 0;
	}

	portown_audit_bind(proto, port, op, reason, true, enforcing);
	portown_stat_inc(PORTOWN_STAT_DENIED);
	return -EACCES;
}

/*
 * A port that matters: an owner's, or one the capability decides. Apart
 * from portown_decide() so that its fast path saves no registers.
 */
static noinline int portown_judge(const struct portown_policy *policy,
				  const u32 *owners, enum portown_proto proto,
				  u16 port, enum portown_op op)
	__releases(RCU)
{
	bool strict = policy->strict;

	if (owners && portown_owner_in(owners, current_cred())) {
		rcu_read_unlock();
		portown_stat_inc(PORTOWN_STAT_ALLOWED_OWNER);
		return 0;
	}
	rcu_read_unlock();
	return portown_refuse(proto, port, op,
			      owners ? PORTOWN_REASON_OWNED :
				       PORTOWN_REASON_RESERVED, strict);
}

/**
 * portown_decide - may the current task use a port
 * @proto: the port space
 * @port: the port; 0 (the kernel picks an ephemeral one) is always allowed
 * @op: what the kernel is about to do with it, for the audit record
 *
 * Owned ports are for their owners and, unless the policy is strict, for
 * tasks with CAP_NET_BIND_SERVICE in the initial user namespace. Unowned
 * ports below the reserved boundary need that capability (no one may have
 * them under strict); the others are free. Permissive mode lets a refusal
 * through when the stock kernel's rule would have allowed it, so it is
 * never looser than a kernel without portown. Refusals are audited.
 * Only binds of an owned or reserved port are counted, by their outcome:
 * the others cost a bit test and a comparison.
 *
 * Context: any task context; takes no lock and allocates nothing.
 * Return: 0, or -EACCES.
 */
int portown_decide(enum portown_proto proto, u16 port, enum portown_op op)
{
	const struct portown_policy *policy;
	const u32 *owners;

	if (!port)
		return 0;

	/* Most binds are of a port nobody owns, above the boundary. */
	rcu_read_lock();
	policy = rcu_dereference(portown_policy);
	owners = portown_policy_owners(policy, proto, port);
	if (likely(!owners && port >= policy->reserved)) {
		rcu_read_unlock();
		return 0;
	}
	/* Then most of the others: an owner, by its euid. */
	if (portown_euid_owns(owners)) {
		rcu_read_unlock();
		portown_stat_inc(PORTOWN_STAT_ALLOWED_OWNER);
		return 0;
	}
	return portown_judge(policy, owners, proto, port, op);
}

/**
 * portown_port_settled - whether a bind of a port is allowed at first sight
 * @port: the port
 * @proto: the port space the bind takes, or -1 when not known yet
 *
 * The bind hook's first test, made from the address and, when it is
 * cheap to know, the port space: a port that nobody owns in any protocol,
 * at or above the reserved boundary, is allowed whatever the socket, and
 * so is a port of @proto that the current euid owns. Most binds stop
 * here; the others are judged in full. An owner's bind is counted as
 * allowed_owner.
 *
 * Return: true when the bind needs no further look.
 */
bool portown_port_settled(u16 port, int proto)
{
	const struct portown_policy *policy;
	bool owner;

	rcu_read_lock();
	policy = rcu_dereference(portown_policy);
	if (likely(port >= policy->reserved &&
		   !test_bit(port, policy->owned_any))) {
		rcu_read_unlock();
		return true;
	}
	if (proto < 0) {
		rcu_read_unlock();
		return false;
	}
	owner = portown_euid_owns(portown_policy_owners(policy, proto, port));
	rcu_read_unlock();
	if (owner)
		portown_stat_inc(PORTOWN_STAT_ALLOWED_OWNER);
	return owner;
}

/**
 * portown_policy_replace - publish a new policy
 * @policy: the new policy; owned by this function from now on
 *
 * The old policy is freed after an RCU grace period, so binds in flight
 * finish against it and no bind ever waits for a writer. The load is
 * audited after the mutex is dropped, from a summary taken while
 * @policy was still ours.
 *
 * Return: 0, or -EPERM when the policy is locked (@policy is then freed).
 */
int portown_policy_replace(struct portown_policy *policy)
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
 * portown_policy_show_current - write the policy in force, canonically
 * @m: where to write; ids are shown in the reader's user namespace
 */
void portown_policy_show_current(struct seq_file *m)
{
	const struct portown_policy *policy;

	mutex_lock(&portown_state_mutex);
	policy = rcu_dereference_protected(portown_policy,
					   lockdep_is_held(&portown_state_mutex));
	portown_policy_show(m, policy, seq_user_ns(m));
	mutex_unlock(&portown_state_mutex);
}

/**
 * portown_policy_nrules - number of rules of the policy in force
 *
 * Return: the count, which may be stale as soon as it is returned.
 */
u32 portown_policy_nrules(void)
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
