// SPDX-License-Identifier: GPL-2.0-only
/*
 * portown - audit records
 *
 * Refused binds (and binds that permissive mode lets through) are logged
 * as AUDIT_AVC records, rate limited; policy loads as
 * AUDIT_MAC_POLICY_LOAD, changes of mode and lock as AUDIT_MAC_STATUS and
 * AUDIT_MAC_CONFIG_CHANGE. Without an audit daemon the kernel prints them
 * to its log.
 */

#include <linux/audit.h>
#include <linux/cred.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>

#include "audit.h"

static DEFINE_RATELIMIT_STATE(portown_audit_ratelimit, 5 * HZ, 10);

static const char *const portown_op_names[] = {
	[PORTOWN_OP_BIND] = "bind",
	[PORTOWN_OP_CONNECT] = "connect",
};

static const char *const portown_reason_names[] = {
	[PORTOWN_REASON_OWNED] = "owned",
	[PORTOWN_REASON_RESERVED] = "reserved",
};

static void portown_audit_task(struct audit_buffer *ab)
{
	const struct cred *cred = current_cred();
	char comm[sizeof(current->comm)];

	audit_log_format(ab, " pid=%d comm=", task_tgid_nr(current));
	audit_log_untrustedstring(ab, get_task_comm(comm, current));
	audit_log_format(ab, " uid=%u euid=%u gid=%u egid=%u",
			 from_kuid(&init_user_ns, cred->uid),
			 from_kuid(&init_user_ns, cred->euid),
			 from_kgid(&init_user_ns, cred->gid),
			 from_kgid(&init_user_ns, cred->egid));
}

/**
 * portown_audit_bind - log a refused bind or SCTP association
 * @proto: port space of the port
 * @port: the port
 * @op: what was refused
 * @reason: why the policy refuses it
 * @denied: true when refused, false when permissive mode lets it through
 * @enforcing: the mode the decision was taken in
 */
void portown_audit_bind(enum portown_proto proto, u16 port,
			enum portown_op op, enum portown_reason reason,
			bool denied, bool enforcing)
{
	struct audit_buffer *ab;

	if (!__ratelimit(&portown_audit_ratelimit))
		return;
	ab = audit_log_start(audit_context(), GFP_ATOMIC | __GFP_NOWARN,
			     AUDIT_AVC);
	if (!ab)
		return;
	audit_log_format(ab,
			 "lsm=portown op=%s action=%s protocol=%s port=%u reason=%s",
			 portown_op_names[op], denied ? "denied" : "logged",
			 portown_proto_name(proto), port,
			 portown_reason_names[reason]);
	portown_audit_task(ab);
	audit_log_format(ab, " enforcing=%d", enforcing);
	audit_log_end(ab);
}

/**
 * portown_audit_load - log a policy load or a rejected policy
 * @loaded: what the policy just published holds, or NULL when rejected
 * @perr: why it was rejected, or NULL
 * @err: the errno returned to the writer
 */
void portown_audit_load(const struct portown_load_summary *loaded,
			const struct portown_parse_error *perr, int err)
{
	struct audit_buffer *ab;

	ab = audit_log_start(audit_context(), GFP_KERNEL,
			     AUDIT_MAC_POLICY_LOAD);
	if (!ab)
		return;
	audit_log_format(ab, "lsm=portown op=policy_load");
	if (loaded) {
		audit_log_format(ab, " rules=%u reserved=%u strict=%d",
				 loaded->nrules, loaded->reserved,
				 loaded->strict);
	} else {
		audit_log_format(ab, " errno=%d line=%u reason=", err,
				 perr->line);
		audit_log_untrustedstring(ab, perr->reason);
	}
	portown_audit_task(ab);
	audit_log_format(ab, " res=%d", loaded ? 1 : 0);
	audit_log_end(ab);
}

/**
 * portown_audit_setting - log a change of the mode or of the lock
 * @op: "enforce" or "lock"
 * @value: the new value
 * @old_value: the value before
 */
void portown_audit_setting(const char *op, bool value, bool old_value)
{
	struct audit_buffer *ab;
	int type = strcmp(op, "enforce") ? AUDIT_MAC_CONFIG_CHANGE :
					   AUDIT_MAC_STATUS;

	ab = audit_log_start(audit_context(), GFP_KERNEL, type);
	if (!ab)
		return;
	audit_log_format(ab, "lsm=portown op=%s %s=%d old_%s=%d", op, op,
			 value, op, old_value);
	portown_audit_task(ab);
	audit_log_format(ab, " res=1");
	audit_log_end(ab);
}
