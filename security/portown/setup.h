/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * portown - registration, shared by the files that register something
 */

#ifndef _SECURITY_PORTOWN_SETUP_H
#define _SECURITY_PORTOWN_SETUP_H

#include <linux/init.h>
#include <linux/lsm_hooks.h>

/* portown is in the "lsm=" list and initialized (lsm.c). */
extern bool portown_enabled;

extern const struct lsm_id portown_lsmid;

/* Register the socket hooks (hooks.c). */
void __init portown_add_hooks(void);

#endif /* _SECURITY_PORTOWN_SETUP_H */
