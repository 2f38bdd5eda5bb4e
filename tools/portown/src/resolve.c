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

/*
 * Every lookup is made once per process: a configuration that names "user
 * root" in 65,535 rules asks NSS once, not 65,535 times (each getpwnam
 * reads /etc/passwd again), and listeners asks for each uid's name once.
 * Answers, "no such name" included, are kept by kind and key in a hash
 * table that lives until exit.
 */
struct cache_ent {
	char *key;		/* "u:root", "s:tcp:http", "U:33", ...; NULL: free slot */
	int rc;			/* 0 found, -1 not */
	uint32_t val;
	char *str;		/* a reverse lookup's name */
};

static struct {
	struct cache_ent *v;
	size_t n, cap;		/* cap a power of two */
} cache;

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ULL & SIZE_MAX;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (1099511628211ULL & SIZE_MAX);
	return h;
}

/* the entry of key, found or a free slot (NULL only without memory) */
static struct cache_ent *cache_slot(const char *key)
{
	if (cache.n * 2 >= cache.cap) {
		size_t cap = cache.cap ? cache.cap * 2 : 64;
		struct cache_ent *v = calloc(cap, sizeof(*v));

		if (!v)
			return NULL;
		for (size_t i = 0; i < cache.cap; i++) {
			struct cache_ent *e = &cache.v[i];
			size_t h;

			if (!e->key)
				continue;
			for (h = hash_str(e->key) & (cap - 1); v[h].key; h = (h + 1) & (cap - 1))
				;
			v[h] = *e;
		}
		free(cache.v);
		cache.v = v;
		cache.cap = cap;
	}
	size_t h = hash_str(key) & (cache.cap - 1);

	while (cache.v[h].key && strcmp(cache.v[h].key, key) != 0)
		h = (h + 1) & (cache.cap - 1);
	return &cache.v[h];
}

/* a cached answer for key: 1 (rc, val, str set), or 0 */
static int cache_get(const char *key, int *rc, uint32_t *val, const char **str)
{
	struct cache_ent *e = cache.cap ? cache_slot(key) : NULL;

	if (!e || !e->key)
		return 0;
	*rc = e->rc;
	if (val)
		*val = e->val;
	if (str)
		*str = e->str;
	return 1;
}

static void cache_put(const char *key, int rc, uint32_t val, const char *str)
{
	struct cache_ent *e = cache_slot(key);

	if (!e || e->key)
		return;
	e->key = strdup(key);
	e->str = str ? strdup(str) : NULL;
	if (!e->key || (str && !e->str)) {
		free(e->key);
		free(e->str);
		e->key = e->str = NULL;
		return;
	}
	e->rc = rc;
	e->val = val;
	cache.n++;
}

static int nss_user(void *ctx, const char *name, uint32_t *uid)
{
	struct passwd *pw;
	char key[300];
	int rc;

	(void)ctx;
	snprintf(key, sizeof(key), "u:%s", name);
	if (cache_get(key, &rc, uid, NULL))
		return rc;
	pw = getpwnam(name);
	if (pw)
		*uid = pw->pw_uid;
	cache_put(key, pw ? 0 : -1, pw ? pw->pw_uid : 0, NULL);
	return pw ? 0 : -1;
}

static int nss_group(void *ctx, const char *name, uint32_t *gid)
{
	struct group *gr;
	char key[300];
	int rc;

	(void)ctx;
	snprintf(key, sizeof(key), "g:%s", name);
	if (cache_get(key, &rc, gid, NULL))
		return rc;
	gr = getgrnam(name);
	if (gr)
		*gid = gr->gr_gid;
	cache_put(key, gr ? 0 : -1, gr ? gr->gr_gid : 0, NULL);
	return gr ? 0 : -1;
}

static int nss_service(void *ctx, const char *name, const char *proto, uint16_t *port)
{
	struct servent *se;
	char key[300];
	uint32_t v;
	int rc;

	(void)ctx;
	snprintf(key, sizeof(key), "s:%s:%s", proto, name);
	if (cache_get(key, &rc, &v, NULL)) {
		if (rc == 0)
			*port = (uint16_t)v;
		return rc;
	}
	se = getservbyname(name, proto);
	if (se)
		*port = ntohs((uint16_t)se->s_port);
	cache_put(key, se ? 0 : -1, se ? ntohs((uint16_t)se->s_port) : 0, NULL);
	return se ? 0 : -1;
}

const struct po_resolver po_nss_resolver = {
	.user = nss_user, .group = nss_group, .service = nss_service,
};

const char *po_user_name(uint32_t uid, char *buf, size_t size)
{
	const char *name;
	struct passwd *pw;
	char key[32];
	int rc;

	snprintf(key, sizeof(key), "U:%u", uid);
	if (cache_get(key, &rc, NULL, &name)) {
		if (rc)
			return NULL;
		snprintf(buf, size, "%s", name);
		return buf;
	}
	pw = getpwuid(uid);
	cache_put(key, pw ? 0 : -1, uid, pw ? pw->pw_name : NULL);
	if (!pw)
		return NULL;
	snprintf(buf, size, "%s", pw->pw_name);
	return buf;
}

const char *po_group_name(uint32_t gid, char *buf, size_t size)
{
	const char *name;
	struct group *gr;
	char key[32];
	int rc;

	snprintf(key, sizeof(key), "G:%u", gid);
	if (cache_get(key, &rc, NULL, &name)) {
		if (rc)
			return NULL;
		snprintf(buf, size, "%s", name);
		return buf;
	}
	gr = getgrgid(gid);
	cache_put(key, gr ? 0 : -1, gid, gr ? gr->gr_name : NULL);
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

const struct po_user *po_user_lookup_uid_cached(uint32_t uid)
{
	static struct po_user *v, none;
	static size_t n, cap, last;

	if (n && v[last].uid == uid)
		return &v[last];
	for (size_t i = 0; i < n; i++)
		if (v[i].uid == uid) {
			last = i;
			return &v[i];
		}
	if (n == cap) {
		size_t c = cap ? cap * 2 : 16;
		struct po_user *nv = realloc(v, c * sizeof(*nv));

		if (!nv) {	/* no memory: the uid alone */
			po_user_free(&none);
			po_user_lookup_uid(uid, &none);
			return &none;
		}
		v = nv;
		cap = c;
	}
	if (po_user_lookup_uid(uid, &v[n]) != 0) {
		memset(&v[n], 0, sizeof(v[n]));
		v[n].uid = uid;
		v[n].gid = PO_GID_UNKNOWN;
	}
	last = n++;
	return &v[last];
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
