/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * portown - audit records
 */

#ifndef _SECURITY_PORTOWN_AUDIT_H
#define _SECURITY_PORTOWN_AUDIT_H

#include <linux/types.h>

#include "policy.h"
#include "state.h"

enum portown_reason {
	PORTOWN_REASON_OWNED,		/* owned port, caller not an owner */
	PORTOWN_REASON_RESERVED,	/* unowned port below "reserved" */
};

/* What a load record says about the policy just published. */
struct portown_load_summary {
	u32 nrules;
	u32 reserved;
	bool strict;
};

void portown_audit_bind(enum portown_proto proto, u16 port,
			enum portown_op op, enum portown_reason reason,
			bool denied, bool enforcing);
void portown_audit_load(const struct portown_load_summary *loaded,
			const struct portown_parse_error *perr, int err);
void portown_audit_setting(const char *op, bool value, bool old_value);

#endif /* _SECURITY_PORTOWN_AUDIT_H */
