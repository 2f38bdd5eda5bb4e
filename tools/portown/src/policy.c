// SPDX-License-Identifier: GPL-2.0
/* portown policy model, canonical text, and the bind decision. */
#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const proto_names[PO_NPROTO] = { "tcp", "udp", "sctp", "dccp" };

const char *po_proto_name(unsigned proto)
{
	return proto < PO_NPROTO ? proto_names[proto] : "?";
}

int po_proto_parse(const char *s)
{
	for (unsigned i = 0; i < PO_NPROTO; i++)
		if (strcmp(s, proto_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *po_subject_name(unsigned subject)
{
	return subject == PO_UID ? "uid" : "gid";
}

void po_policy_init(struct po_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->reserved = PO_DEFAULT_RESERVED;
}

void po_policy_free(struct po_policy *p)
{
	free(p->rules);
	po_policy_init(p);
}

int po_policy_add(struct po_policy *p, const struct po_rule *r)
{
	if (p->nrules == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 16;
		struct po_rule *n = realloc(p->rules, ncap * sizeof(*n));

		if (!n)
			return -1;
		p->rules = n;
		p->cap = ncap;
	}
	p->rules[p->nrules] = *r;
	p->rules[p->nrules].seq = p->nrules;
	p->nrules++;
	return 0;
}

int po_rule_cmp(const struct po_rule *a, const struct po_rule *b)
{
#define CMP(f) do { if (a->f != b->f) return a->f < b->f ? -1 : 1; } while (0)
	CMP(proto);
	CMP(first);
	CMP(last);
	CMP(subject);	/* PO_UID (0) before PO_GID (1) */
	CMP(id);
#undef CMP
	return 0;
}

static int rule_qsort_cmp(const void *a, const void *b)
{
	int c = po_rule_cmp(a, b);

	if (c)
		return c;
	/* by source order, so the first occurrence wins */
	const struct po_rule *ra = a, *rb = b;
	return ra->seq < rb->seq ? -1 : ra->seq > rb->seq;
}

void po_policy_canonicalize(struct po_policy *p)
{
	size_t i, o;

	if (p->nrules == 0)
		return;
	qsort(p->rules, p->nrules, sizeof(*p->rules), rule_qsort_cmp);
	for (i = 1, o = 1; i < p->nrules; i++)
		if (po_rule_cmp(&p->rules[i], &p->rules[o - 1]) != 0)
			p->rules[o++] = p->rules[i];
	p->nrules = o;
}

/*
 * The kernel cuts each protocol's rules at every range boundary and keeps
 * one owner entry per rule covering each piece (security/portown/policy.c,
 * portown_count()); a policy needing more than PO_MAX_OWNERS is refused
 * with E2BIG. Count the same way: at each boundary, the rules covering
 * the piece that starts there.
 */
uint64_t po_policy_owner_entries(const struct po_policy *p)
{
	static int32_t delta[65537];
	static bool bound[65537];
	uint64_t total = 0;

	for (unsigned proto = 0; proto < PO_NPROTO; proto++) {
		int64_t active = 0;
		bool any = false;

		memset(delta, 0, sizeof(delta));
		memset(bound, 0, sizeof(bound));
		for (size_t i = 0; i < p->nrules; i++) {
			const struct po_rule *r = &p->rules[i];

			if (r->proto != proto)
				continue;
			delta[r->first]++;
			delta[r->last + 1]--;
			bound[r->first] = bound[r->last + 1] = true;
			any = true;
		}
		if (!any)
			continue;
		for (unsigned x = 1; x <= 65536; x++) {
			if (!bound[x])
				continue;
			active += delta[x];
			if (active > 0)
				total += (uint64_t)active;
		}
	}
	return total;
}

void po_rule_format(const struct po_rule *r, char *buf, size_t size)
{
	if (r->first == r->last)
		snprintf(buf, size, "%s %u %s %u", po_proto_name(r->proto),
			 r->first, po_subject_name(r->subject), r->id);
	else
		snprintf(buf, size, "%s %u-%u %s %u", po_proto_name(r->proto),
			 r->first, r->last, po_subject_name(r->subject), r->id);
}

char *po_policy_format(const struct po_policy *p, size_t *lenp)
{
	/* longest rule line: "sctp 65535-65535 gid 4294967294\n" = 33 bytes */
	size_t size = 32 + p->nrules * 40, len;
	char *buf = malloc(size), line[64];

	if (!buf)
		return NULL;
	len = (size_t)snprintf(buf, size, "reserved %u\n%s", p->reserved,
			       p->strict ? "strict\n" : "");
	for (size_t i = 0; i < p->nrules; i++) {
		po_rule_format(&p->rules[i], line, sizeof(line));
		size_t l = strlen(line);

		memcpy(buf + len, line, l);
		buf[len + l] = '\n';
		len += l + 1;
	}
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

bool po_rule_matches(const struct po_rule *r, const struct po_cred *cred)
{
	if (r->subject == PO_UID)
		return cred->euid == r->id;
	if (cred->egid == r->id)
		return true;
	for (size_t i = 0; i < cred->ngroups; i++)
		if (cred->groups[i] == r->id)
			return true;
	return false;
}

struct po_decision po_decide(const struct po_policy *p, unsigned proto,
			     unsigned port, const struct po_cred *cred,
			     bool enforcing)
{
	struct po_decision d = { .allowed = true };

	if (port == 0) {
		d.step = PO_STEP_PORT0;
		return d;
	}
	for (size_t i = 0; i < p->nrules; i++) {
		const struct po_rule *r = &p->rules[i];

		if (r->proto != proto || port < r->first || port > r->last)
			continue;
		d.nowners++;
		if (!d.rule && po_rule_matches(r, cred))
			d.rule = r;
	}
	if (d.nowners) {
		if (d.rule)
			d.step = PO_STEP_OWNED_RULE;
		else if (cred->cap_net_bind_service && !p->strict)
			d.step = PO_STEP_OWNED_CAP;
		else
			d.step = PO_STEP_OWNED_DENY;
	} else if (port < p->reserved) {
		if (cred->cap_net_bind_service && !p->strict)
			d.step = PO_STEP_RESERVED_CAP;
		else
			d.step = PO_STEP_RESERVED_DENY;
	} else {
		d.step = PO_STEP_FREE;
	}
	if (d.step == PO_STEP_OWNED_DENY || d.step == PO_STEP_RESERVED_DENY) {
		d.refused_by_policy = true;
		/* permissive: let through what the stock kernel would allow */
		if (!enforcing &&
		    (port >= PO_STOCK_PROT_SOCK || cred->cap_net_bind_service)) {
			d.allowed = true;
			d.logged = true;
		} else {
			d.allowed = false;
		}
	}
	return d;
}

void po_apply_prot_sock(struct po_decision *d, unsigned port,
			const struct po_cred *cred, unsigned prot_sock)
{
	if (port != 0 && port < prot_sock && !cred->cap_net_bind_service) {
		d->stack_refuses = true;
		d->allowed = false;	/* a permissive let-through is still logged */
	}
}

const char *po_step_describe(enum po_step s)
{
	switch (s) {
	case PO_STEP_PORT0:
		return "port 0 (kernel-chosen port) is always allowed";
	case PO_STEP_OWNED_RULE:
		return "step 1: the port is owned and a rule matches";
	case PO_STEP_OWNED_CAP:
		return "step 1: the port is owned, no rule matches, allowed by CAP_NET_BIND_SERVICE (policy not strict)";
	case PO_STEP_OWNED_DENY:
		return "step 1: the port is owned and no rule matches";
	case PO_STEP_RESERVED_CAP:
		return "step 2: unowned port below the reserved boundary, allowed by CAP_NET_BIND_SERVICE (policy not strict)";
	case PO_STEP_RESERVED_DENY:
		return "step 2: unowned port below the reserved boundary";
	case PO_STEP_FREE:
		return "step 3: unowned port at or above the reserved boundary";
	}
	return "?";
}
