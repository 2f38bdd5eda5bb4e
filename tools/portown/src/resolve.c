// SPDX-License-Identifier: GPL-2.0
/* Name resolution through NSS: getpwnam, getgrnam, getservbyname, getgrouplist. */
#include "resolve.h"

#include <arpa/inet.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int nss_user(void *ctx, const char *name, uint32_t *uid)
{
	struct passwd *pw;

	(void)ctx;
	pw = getpwnam(name);
	if (!pw)
		return -1;
	*uid = pw->pw_uid;
	return 0;
}

static int nss_group(void *ctx, const char *name, uint32_t *gid)
{
	struct group *gr;

	(void)ctx;
	gr = getgrnam(name);
	if (!gr)
		return -1;
	*gid = gr->gr_gid;
	return 0;
}

static int nss_service(void *ctx, const char *name, const char *proto, uint16_t *port)
{
	struct servent *se;

	(void)ctx;
	se = getservbyname(name, proto);
	if (!se)
		return -1;
	*port = ntohs((uint16_t)se->s_port);
	return 0;
}

const struct po_resolver po_nss_resolver = {
	.user = nss_user, .group = nss_group, .service = nss_service,
};

const char *po_user_name(uint32_t uid, char *buf, size_t size)
{
	struct passwd *pw = getpwuid(uid);

	if (!pw)
		return NULL;
	snprintf(buf, size, "%s", pw->pw_name);
	return buf;
}

const char *po_group_name(uint32_t gid, char *buf, size_t size)
{
	struct group *gr = getgrgid(gid);

	if (!gr)
		return NULL;
	snprintf(buf, size, "%s", gr->gr_name);
	return buf;
}

const char *po_service_name(unsigned port, unsigned proto, char *buf, size_t size)
{
	struct servent *se = getservbyport((int)htons((uint16_t)port), po_proto_name(proto));

	if (!se)
		return NULL;
	snprintf(buf, size, "%s", se->s_name);
	return buf;
}

static int fill_groups(struct po_user *u)
{
	int n = 32;

	for (;;) {
		gid_t *g = malloc((size_t)n * sizeof(*g));
		int cnt = n;

		if (!g)
			return -1;
		if (getgrouplist(u->name, u->gid, g, &cnt) >= 0) {
			u->groups = malloc((size_t)(cnt ? cnt : 1) * sizeof(*u->groups));
			if (!u->groups) {
				free(g);
				return -1;
			}
			for (int i = 0; i < cnt; i++)
				u->groups[i] = g[i];
			u->ngroups = (size_t)cnt;
			free(g);
			return 0;
		}
		free(g);
		n = cnt > n ? cnt : n * 2;
		if (n > 65536 * 2)
			return -1;
	}
}

static int from_passwd(struct passwd *pw, struct po_user *u)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	u->known = true;
	return fill_groups(u);
}

int po_user_lookup_uid(uint32_t uid, struct po_user *u)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		return from_passwd(pw, u);
	/*
	 * No passwd entry: only the uid is known. The gid is unknown, so it
	 * is (uint32_t)-1, the invalid id that no rule can name, and there
	 * are no supplementary groups: no gid rule matches.
	 */
	memset(u, 0, sizeof(*u));
	u->uid = uid;
	u->gid = PO_GID_UNKNOWN;
	return 0;
}

int po_user_lookup(const char *user, struct po_user *u, char *err, size_t errsize)
{
	struct passwd *pw = getpwnam(user);
	char *end;

	if (pw)
		return from_passwd(pw, u) ? (snprintf(err, errsize, "out of memory"), -1) : 0;
	if (*user >= '0' && *user <= '9') {
		unsigned long v = strtoul(user, &end, 10);

		if (!*end && v <= 4294967294ul)
			return po_user_lookup_uid((uint32_t)v, u);
	}
	snprintf(err, errsize, "unknown user '%s'", user);
	return -1;
}

void po_user_free(struct po_user *u)
{
	free(u->groups);
	u->groups = NULL;
	u->ngroups = 0;
}
