// SPDX-License-Identifier: GPL-2.0
/* Socket holders from /proc: inode -> pid map, credentials, judgement. */
#include "procscan.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *po_procfs_dir(void)
{
	const char *e = getenv("PORTOWN_PROCFS");

	return e && *e ? e : "/proc";
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static int holder_cmp(const void *a, const void *b)
{
	const struct po_holder *x = a, *y = b;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int map_add(struct po_sockmap *m, uint64_t inode, int pid)
{
	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 256;
		struct po_holder *v = realloc(m->v, ncap * sizeof(*v));

		if (!v)
			return -1;
		m->v = v;
		m->cap = ncap;
	}
	m->v[m->n].inode = inode;
	m->v[m->n].pid = pid;
	m->n++;
	return 0;
}

/* "socket:[12345]" -> 12345; false for anything else */
static bool parse_socket_link(const char *link, uint64_t *inode)
{
	const char *p = link + 8;
	char *end;

	if (strncmp(link, "socket:[", 8) != 0 || !isdigit((unsigned char)*p))
		return false;
	errno = 0;
	unsigned long long v = strtoull(p, &end, 10);

	if (errno || strcmp(end, "]") != 0)
		return false;
	*inode = v;
	return true;
}

int po_sockmap_build(struct po_sockmap *m, const char *procfs)
{
	DIR *proc = opendir(procfs);
	struct dirent *de;
	int rc = 0;

	memset(m, 0, sizeof(*m));
	if (!proc)
		return -1;
	while (rc == 0 && (de = readdir(proc))) {
		char path[4096];
		DIR *fds;
		struct dirent *fe;
		long pid;

		if (!all_digits(de->d_name))
			continue;
		pid = strtol(de->d_name, NULL, 10);
		if (pid <= 0 || pid > 0x7fffffff)
			continue;
		snprintf(path, sizeof(path), "%s/%s/fd", procfs, de->d_name);
		fds = opendir(path);
		if (!fds)
			continue;	/* gone, or not ours to read */
		int dfd = dirfd(fds);

		while ((fe = readdir(fds))) {
			char link[64];
			uint64_t ino;
			ssize_t l;

			if (fe->d_name[0] == '.')
				continue;
			l = readlinkat(dfd, fe->d_name, link, sizeof(link) - 1);
			if (l <= 0)
				continue;
			link[l] = '\0';
			if (!parse_socket_link(link, &ino))
				continue;
			if (map_add(m, ino, (int)pid) < 0) {
				rc = -1;
				break;
			}
		}
		closedir(fds);
	}
	closedir(proc);
	if (rc < 0) {
		po_sockmap_free(m);
		return -1;
	}
	if (m->n) {
		size_t i, o;

		qsort(m->v, m->n, sizeof(*m->v), holder_cmp);
		for (i = 1, o = 1; i < m->n; i++)	/* one entry per (inode, pid) */
			if (holder_cmp(&m->v[i], &m->v[o - 1]) != 0)
				m->v[o++] = m->v[i];
		m->n = o;
	}
	return 0;
}

size_t po_sockmap_find(const struct po_sockmap *m, uint64_t inode,
		       const struct po_holder **first)
{
	size_t lo = 0, hi = m->n, n = 0;

	*first = NULL;
	while (lo < hi) {	/* first entry with .inode >= inode */
		size_t mid = lo + (hi - lo) / 2;

		if (m->v[mid].inode < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo + n < m->n && m->v[lo + n].inode == inode)
		n++;
	if (n)
		*first = &m->v[lo];
	return n;
}

void po_sockmap_free(struct po_sockmap *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* the second field of "Uid:\tR\tE\tS\tF" */
static int parse_second_id(const char *s, uint32_t *id)
{
	unsigned long long r, e;
	char *end;

	errno = 0;
	r = strtoull(s, &end, 10);
	if (end == s || errno)
		return -1;
	s = end;
	e = strtoull(s, &end, 10);
	if (end == s || errno || e > UINT32_MAX || r > UINT32_MAX)
		return -1;
	*id = (uint32_t)e;
	return 0;
}

static int parse_groups(const char *s, struct po_proc *p)
{
	size_t cap = 0;

	for (;;) {
		char *end;
		unsigned long long g;

		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '\n')
			return 0;
		errno = 0;
		g = strtoull(s, &end, 10);
		if (end == s || errno || g > UINT32_MAX)
			return -1;
		if (p->ngroups == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			uint32_t *v = realloc(p->groups, ncap * sizeof(*v));

			if (!v)
				return -1;
			p->groups = v;
			cap = ncap;
		}
		p->groups[p->ngroups++] = (uint32_t)g;
		s = end;
	}
}

static bool same_userns(const char *procfs, int pid)
{
	char path[4096], a[64], b[64];
	ssize_t la, lb;

	snprintf(path, sizeof(path), "%s/%d/ns/user", procfs, pid);
	la = readlink(path, a, sizeof(a) - 1);
	snprintf(path, sizeof(path), "%s/1/ns/user", procfs);
	lb = readlink(path, b, sizeof(b) - 1);
	if (la <= 0 || lb <= 0)
		return true;	/* unknown: assume the initial namespace */
	a[la] = b[lb] = '\0';
	return strcmp(a, b) == 0;
}

int po_proc_read(const char *procfs, int pid, struct po_proc *p)
{
	char path[4096], *line = NULL;
	size_t lsize = 0;
	FILE *f;
	unsigned seen = 0;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	snprintf(path, sizeof(path), "%s/%d/status", procfs, pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (getline(&line, &lsize, f) > 0) {
		if (!strncmp(line, "Uid:", 4)) {
			if (parse_second_id(line + 4, &p->euid) < 0)
				break;
			seen |= 1;
		} else if (!strncmp(line, "Gid:", 4)) {
			if (parse_second_id(line + 4, &p->egid) < 0)
				break;
			seen |= 2;
		} else if (!strncmp(line, "Groups:", 7)) {
			if (parse_groups(line + 7, p) < 0)
				break;
			seen |= 4;
		} else if (!strncmp(line, "CapEff:", 7)) {
			char *s = line + 7, *end;

			while (*s == ' ' || *s == '\t')
				s++;
			errno = 0;
			p->cap_eff = strtoull(s, &end, 16);
			if (end == s || errno || (*end != '\n' && *end != '\0'))
				break;
			seen |= 8;
		} else if (!strncmp(line, "Name:", 5) && !p->comm[0]) {
			char *s = line + 5;

			while (*s == ' ' || *s == '\t')
				s++;
			s[strcspn(s, "\n")] = '\0';
			snprintf(p->comm, sizeof(p->comm), "%s", s);
		}
	}
	free(line);
	fclose(f);
	if (seen != 15) {	/* a field missing or malformed */
		po_proc_free(p);
		return -1;
	}
	/* comm is the raw name (status escapes some characters in Name:) */
	snprintf(path, sizeof(path), "%s/%d/comm", procfs, pid);
	f = fopen(path, "re");
	if (f) {
		/* the whole name: it may hold a newline; only the last one is the kernel's */
		char c[sizeof(p->comm)];
		size_t n = fread(c, 1, sizeof(c) - 1, f);

		if (n && c[n - 1] == '\n')
			n--;
		c[n] = '\0';
		if (n && !memchr(c, '\0', n))
			memcpy(p->comm, c, sizeof(c));
		fclose(f);
	}
	p->init_userns = same_userns(procfs, pid);
	return 0;
}

void po_proc_free(struct po_proc *p)
{
	free(p->groups);
	p->groups = NULL;
	p->ngroups = 0;
}

bool po_proc_cap_net_bind_service(const struct po_proc *p)
{
	return p->init_userns && (p->cap_eff >> PO_CAP_NET_BIND_SERVICE & 1);
}

void po_proc_cred(const struct po_proc *p, struct po_cred *cred)
{
	cred->euid = p->euid;
	cred->egid = p->egid;
	cred->groups = p->groups;
	cred->ngroups = p->ngroups;
	cred->cap_net_bind_service = po_proc_cap_net_bind_service(p);
}

const char *po_verdict_name(enum po_verdict v)
{
	switch (v) {
	case PO_VERDICT_OWNER: return "owner";
	case PO_VERDICT_EXEMPT: return "exempt";
	case PO_VERDICT_REFUSED: return "refused";
	case PO_VERDICT_SQUATTER: return "squatter";
	}
	return "?";
}

enum po_verdict po_verdict_of(const struct po_decision *d)
{
	if (d->refused_by_policy)
		return PO_VERDICT_SQUATTER;
	if (d->stack_refuses)
		return PO_VERDICT_REFUSED;
	return d->step == PO_STEP_OWNED_RULE ? PO_VERDICT_OWNER : PO_VERDICT_EXEMPT;
}

void po_judge_socket(const struct po_policy *pol, unsigned proto, unsigned port,
		     unsigned prot_sock, const struct po_proc *procs, size_t n,
		     const struct po_cred *fallback, struct po_judgement *j)
{
	memset(j, 0, sizeof(*j));
	j->nholders = n;
	if (n == 0) {
		j->cred = *fallback;
		j->d = po_decide(pol, proto, port, &j->cred, true);
		po_apply_prot_sock(&j->d, port, &j->cred, prot_sock);
		j->verdict = po_verdict_of(&j->d);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct po_cred c;
		struct po_decision d;
		enum po_verdict v;

		po_proc_cred(&procs[i], &c);
		d = po_decide(pol, proto, port, &c, true);
		po_apply_prot_sock(&d, port, &c, prot_sock);
		v = po_verdict_of(&d);
		if (i == 0 || v < j->verdict ||
		    (v == j->verdict && procs[i].pid < j->pid)) {
			j->verdict = v;
			j->d = d;
			j->cred = c;
			j->pid = procs[i].pid;
			j->best = i;
		}
	}
}
