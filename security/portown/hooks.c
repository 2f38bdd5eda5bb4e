// SPDX-License-Identifier: GPL-2.0-only
/*
 * portown - port ownership for Linux
 *
 * The bind hooks, the decision, the boot parameters and the takeover of
 * the initial network namespace's ip_unprivileged_port_start.
 *
 * An LSM can only refuse. Since the stack's CAP_NET_BIND_SERVICE check
 * for ports below ip_unprivileged_port_start runs after the socket_bind
 * hook, portown sets that sysctl to 0 in the initial network namespace
 * and applies the reserved range itself; an owner is then let through
 * by both.
 */

#define pr_fmt(fmt) "portown: " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/init.h>
#include <linux/lsm_hooks.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/percpu.h>
#include <linux/sctp.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <uapi/linux/lsm.h>

#include "portown.h"

/* Serializes changes of the policy, the mode and the lock. */
DEFINE_MUTEX(portown_state_mutex);
struct portown_policy __rcu *portown_policy;
bool portown_enforcing = true;
bool portown_locked;

static bool portown_active __ro_after_init;

/* portown.enforce=0|1 and portown.policy=tcp:80:uid:33,... at boot. */
module_param_named(enforce, portown_enforcing, bool, 0);
MODULE_PARM_DESC(enforce, "Enforce the policy (1, default) or only log (0)");
static char *portown_boot_policy;
module_param_named(policy, portown_boot_policy, charp, 0);
MODULE_PARM_DESC(policy, "Boot policy: tcp:80:uid:33,tcp:443:gid:33,...");

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

/*
 * Which port space a socket binds in, or -1 for sockets that carry no
 * port (raw sockets, ICMP "ping" sockets) or are not ours to judge.
 * sk_protocol is 16 bits wide: IPPROTO_MPTCP (262) and IPPROTO_SMC (256)
 * do not fit in a u8.
 */
static int portown_sock_proto(const struct sock *sk, int family)
{
	if (sk->sk_type == SOCK_RAW)
		return -1;
	if (family == AF_SMC)
		return PORTOWN_TCP;	/* binds its inner TCP socket */
	if (family != AF_INET && family != AF_INET6)
		return -1;

	switch (sk->sk_protocol) {
	case IPPROTO_TCP:
	case IPPROTO_MPTCP:
	case IPPROTO_SMC:
		return PORTOWN_TCP;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		return PORTOWN_UDP;
	case IPPROTO_SCTP:
		return PORTOWN_SCTP;
	case IPPROTO_DCCP:
		return PORTOWN_DCCP;
	default:
		return -1;
	}
}

/*
 * An AF_SMC socket binds an inner TCP socket of the family its protocol
 * names: SMCPROTO_SMC6 (net/smc/smc.h) means IPv6, anything else IPv4.
 */
#define PORTOWN_SMCPROTO_SMC6	1

/*
 * The port a bind(2) of @address would take on a socket of @family, or -1
 * when the protocol's own bind is certain to reject the address (too
 * short, a family it never takes): that is left to the stack and its
 * errno.
 *
 * Only what cannot change under us decides: the address (a kernel copy),
 * its length, the socket's type and protocol. Socket state such as
 * IPV6_V6ONLY can be flipped by another thread between this check and the
 * protocol's own, so it must not make portown look away: an address that
 * some state would accept is judged.
 *
 * This mirrors inet_bind_sk()/__inet_bind(), inet6_bind_sk()/
 * __inet6_bind(), sctp_sockaddr_af() and smc_bind(): AF_INET sockets take
 * AF_INET and, for compatibility, AF_UNSPEC with INADDR_ANY (except
 * SCTP); AF_INET6 sockets take AF_INET6 and, for SCTP, AF_INET too. SCTP
 * wants a whole sockaddr_in6 where the others make do with RFC 2133's.
 * SMC checks for a sockaddr_in, then binds its inner TCP socket by the
 * same rules. IPV6_ADDRFORM may change the family, but only of a
 * connected, hence already bound, socket.
 */
static int portown_bind_port(const struct sock *sk, int family,
			     const struct sockaddr *address, int addrlen)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)address;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)address;
	bool sctp = sk->sk_protocol == IPPROTO_SCTP;

	if (addrlen < offsetofend(struct sockaddr, sa_family))
		return -1;
	if (family == AF_SMC) {
		if (addrlen < sizeof(*sin))
			return -1;
		family = sk->sk_protocol == PORTOWN_SMCPROTO_SMC6 ? AF_INET6 :
								    AF_INET;
	}

	switch (address->sa_family) {
	case AF_UNSPEC:
		if (family != AF_INET || sctp)
			return -1;
		if (addrlen < sizeof(*sin) ||
		    sin->sin_addr.s_addr != htonl(INADDR_ANY))
			return -1;
		return ntohs(sin->sin_port);
	case AF_INET:
		if (family == AF_INET6 && !sctp)
			return -1;
		if (addrlen < sizeof(*sin))
			return -1;
		return ntohs(sin->sin_port);
	case AF_INET6:
		if (family != AF_INET6)
			return -1;
		if (addrlen < (sctp ? sizeof(*sin6) : SIN6_LEN_RFC2133))
			return -1;
		/* __inet6_bind() refuses these before any port check. */
		if (sk->sk_type == SOCK_STREAM && !sctp &&
		    ipv6_addr_is_multicast(&sin6->sin6_addr))
			return -1;
		return ntohs(sin6->sin6_port);
	default:
		return -1;
	}
}

static bool portown_capable(void)
{
	/* As the stack does, but a missing capability is no audit event. */
	return ns_capable_noaudit(&init_user_ns, CAP_NET_BIND_SERVICE);
}

/*
 * The decision for binding @port of @proto with the current credentials;
 * see Documentation/admin-guide/LSM/portown.rst.
 */
static int portown_check(enum portown_proto proto, u16 port)
{
	const struct portown_policy *policy;
	const struct portown_range *range;
	enum portown_reason reason;
	bool strict, has_cap;

	if (!port)
		return 0;	/* the kernel picks an ephemeral port */

	portown_stat_inc(PORTOWN_STAT_CHECKED);
	rcu_read_lock();
	policy = rcu_dereference(portown_policy);
	strict = policy->strict;
	range = portown_policy_find(policy, proto, port);
	if (range) {
		if (portown_range_owner(policy, range, current_cred())) {
			rcu_read_unlock();
			portown_stat_inc(PORTOWN_STAT_ALLOWED_OWNER);
			return 0;
		}
		reason = PORTOWN_REASON_OWNED;
	} else if (port < policy->reserved) {
		reason = PORTOWN_REASON_RESERVED;
	} else {
		rcu_read_unlock();
		return 0;
	}
	rcu_read_unlock();

	has_cap = portown_capable();
	if (has_cap && !strict) {
		portown_stat_inc(PORTOWN_STAT_ALLOWED_CAPABILITY);
		return 0;
	}

	/*
	 * Permissive mode lets through only what the stock rule would have
	 * let through, so it is never looser than a kernel without portown.
	 */
	if (!READ_ONCE(portown_enforcing) &&
	    (port >= PORTOWN_STOCK_BOUNDARY || has_cap)) {
		portown_audit_bind(proto, port, reason, false);
		portown_stat_inc(PORTOWN_STAT_LOGGED);
		return 0;
	}

	portown_audit_bind(proto, port, reason, true);
	portown_stat_inc(PORTOWN_STAT_DENIED);
	return -EACCES;
}

static int portown_socket_bind(struct socket *sock, struct sockaddr *address,
			       int addrlen)
{
	struct sock *sk = sock->sk;
	int family, proto, port;

	if (!net_eq(sock_net(sk), &init_net))
		return 0;
	family = READ_ONCE(sk->sk_family);
	proto = portown_sock_proto(sk, family);
	if (proto < 0)
		return 0;
	port = portown_bind_port(sk, family, address, addrlen);
	if (port < 0)
		return 0;
	return portown_check(proto, port);
}

/*
 * sctp_bindx(SCTP_BINDX_ADD_ADDR) binds through a setsockopt() and can
 * bind an unbound socket: judge every address of the packed list. The
 * other options of this hook carry peer or already bound addresses.
 */
static int portown_sctp_bind_connect(struct sock *sk, int optname,
				     struct sockaddr *address, int addrlen)
{
	int family = READ_ONCE(sk->sk_family);
	int walk, len, port, err;
	struct sockaddr *addr;

	if (optname != SCTP_SOCKOPT_BINDX_ADD)
		return 0;
	if (!net_eq(sock_net(sk), &init_net))
		return 0;

	/* The list was validated by sctp_setsockopt_bindx(); be defensive. */
	for (walk = 0; walk < addrlen; walk += len) {
		if (walk + sizeof(sa_family_t) > addrlen)
			return 0;
		addr = (struct sockaddr *)((u8 *)address + walk);
		switch (addr->sa_family) {
		case AF_INET:
			len = sizeof(struct sockaddr_in);
			break;
		case AF_INET6:
			len = sizeof(struct sockaddr_in6);
			break;
		default:
			return 0;
		}
		if (walk + len > addrlen)
			return 0;
	}

	for (walk = 0; walk < addrlen; walk += len) {
		addr = (struct sockaddr *)((u8 *)address + walk);
		len = addr->sa_family == AF_INET ? sizeof(struct sockaddr_in) :
						   sizeof(struct sockaddr_in6);
		port = portown_bind_port(sk, family, addr, len);
		if (port < 0)
			continue;
		err = portown_check(PORTOWN_SCTP, port);
		if (err)
			return err;
	}
	return 0;
}

/**
 * portown_policy_replace - publish a new policy
 * @policy: the new policy; owned by this function from now on
 *
 * The old policy is freed after an RCU grace period, so binds in flight
 * finish against it and no bind ever waits for a writer. The load is
 * audited before the mutex is dropped: once it is, another writer may
 * replace @policy and have it freed.
 *
 * Return: 0, or -EPERM when the policy is locked (@policy is then freed).
 */
int portown_policy_replace(struct portown_policy *policy)
{
	struct portown_policy *old;

	mutex_lock(&portown_state_mutex);
	if (portown_locked) {
		mutex_unlock(&portown_state_mutex);
		portown_policy_free(policy);
		return -EPERM;
	}
	old = rcu_replace_pointer(portown_policy, policy,
				  lockdep_is_held(&portown_state_mutex));
	portown_audit_load(policy, NULL, 0);
	mutex_unlock(&portown_state_mutex);
	if (old)
		kvfree_rcu(old, rcu);
	portown_stat_inc(PORTOWN_STAT_POLICY_LOADS);
	return 0;
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
	if (portown_locked) {
		mutex_unlock(&portown_state_mutex);
		return -EPERM;
	}
	old = portown_enforcing;
	WRITE_ONCE(portown_enforcing, enforcing);
	mutex_unlock(&portown_state_mutex);
	portown_audit_setting("enforce", enforcing, old);
	return 0;
}

/**
 * portown_lock - freeze the policy, the mode and the lock until reboot
 *
 * Return: 0, or -EPERM when already locked.
 */
int portown_lock(void)
{
	mutex_lock(&portown_state_mutex);
	if (portown_locked) {
		mutex_unlock(&portown_state_mutex);
		return -EPERM;
	}
	portown_locked = true;
	mutex_unlock(&portown_state_mutex);
	portown_audit_setting("lock", true, false);
	return 0;
}

/*
 * The boot policy in its command-line form, "tcp:80:uid:33,strict", is
 * the policy text with ',' for newlines and ':' for blanks.
 */
static struct portown_policy * __init portown_parse_boot_policy(void)
{
	struct portown_parse_error perr;
	struct portown_policy *policy;
	size_t len = 0;
	char *text;

	if (portown_boot_policy) {
		text = kstrdup(portown_boot_policy, GFP_KERNEL);
		if (!text)
			return ERR_PTR(-ENOMEM);
		len = strlen(text);
		strreplace(text, ',', '\n');
		strreplace(text, ':', ' ');
		policy = portown_policy_parse(text, len, &init_user_ns, &perr);
		kfree(text);
		if (!IS_ERR(policy)) {
			pr_info("boot policy loaded: %u rules\n",
				policy->nrules);
			portown_stat_inc(PORTOWN_STAT_POLICY_LOADS);
			return policy;
		}
		pr_err("portown.policy= rejected (item %u: %s), no rules loaded\n",
		       perr.line, perr.reason ?: "out of memory");
		portown_stat_inc(PORTOWN_STAT_POLICY_ERRORS);
	}
	return portown_policy_parse("", 0, &init_user_ns, &perr);
}

static const struct lsm_id portown_lsmid = {
	.name = "portown",
	.id = LSM_ID_PORTOWN,
};

static struct security_hook_list portown_hooks[] __ro_after_init = {
	LSM_HOOK_INIT(socket_bind, portown_socket_bind),
	LSM_HOOK_INIT(sctp_bind_connect, portown_sctp_bind_connect),
};

static int __init portown_init(void)
{
	struct portown_policy *policy;

	policy = portown_parse_boot_policy();
	if (IS_ERR(policy))
		return PTR_ERR(policy);
	RCU_INIT_POINTER(portown_policy, policy);

	security_add_hooks(portown_hooks, ARRAY_SIZE(portown_hooks),
			   &portown_lsmid);
	portown_active = true;
	pr_info("initialized, %s\n",
		portown_enforcing ? "enforcing" : "permissive");
	return 0;
}

DEFINE_LSM(portown) = {
	.name = "portown",
	.init = portown_init,
};

/*
 * inet_init() (an fs_initcall, after LSM init) sets the initial network
 * namespace's ip_unprivileged_port_start to PROT_SOCK. Take the range
 * over afterwards, before user space starts, and create the securityfs
 * files. Nothing is changed when portown is not active.
 */
static int __init portown_late_init(void)
{
	if (!portown_active)
		return 0;
	WRITE_ONCE(init_net.ipv4.sysctl_ip_prot_sock, 0);
	pr_info("took over ip_unprivileged_port_start of the initial network namespace\n");
	return portown_fs_init();
}
late_initcall(portown_late_init);
