/* SPDX-License-Identifier: GPL-2.0 */
/* Name resolution through the system databases (NSS, /etc/services). */
#ifndef PORTOWN_RESOLVE_H
#define PORTOWN_RESOLVE_H

#include "config.h"

extern const struct po_resolver po_nss_resolver;

/* reverse lookups into buf; return buf, or NULL when there is no name */
const char *po_user_name(uint32_t uid, char *buf, size_t size);
const char *po_group_name(uint32_t gid, char *buf, size_t size);
const char *po_service_name(unsigned port, unsigned proto, char *buf, size_t size);

/* the gid of a uid without a passwd entry: (uint32_t)-1, never a rule's id */
#define PO_GID_UNKNOWN		UINT32_MAX

/* a user's credentials as a login would set them */
struct po_user {
	char name[256];		/* "" when the uid has no passwd entry */
	uint32_t uid, gid;
	uint32_t *groups;	/* from getgrouplist(), includes gid */
	size_t ngroups;
	bool known;		/* found in the passwd database */
};

/* USER is a name or a numeric uid; 0 or -1 with a message in err */
int po_user_lookup(const char *user, struct po_user *u, char *err, size_t errsize);
int po_user_lookup_uid(uint32_t uid, struct po_user *u);
void po_user_free(struct po_user *u);
/*
 * The same, looked up once per uid for the whole process (listeners judges
 * 100,000 sockets of a few users): valid until the next call.
 */
const struct po_user *po_user_lookup_uid_cached(uint32_t uid);

#endif
