// SPDX-License-Identifier: GPL-2.0
/*
 * portown_fuzz: the model of the behaviour contract, the memory the
 * processes share, the random source and the policy writer.
 */

#include "fuzz.h"

/* ---- the model --------------------------------------------------- */

static const char *const space_names[SP_NR] = { "tcp", "udp", "sctp", "dccp" };

static bool ident_matches(const struct ident *c, const struct rule *r)
{
	int i;

	if (!r->gid)
		return r->id == c->uid;
	if (r->id == c->gid)
		return true;
	for (i = 0; i < c->ngroups; i++)
		if (r->id == c->groups[i])
			return true;
	return false;
}

/* The decision of portown-spec.md for one state. */
static bool model_allows(const struct state *st, const struct ident *c,
			 enum space sp, unsigned int port)
{
	bool owned = false, refused;
	int i;

	if (!port)
		return true;
	for (i = 0; i < st->nrules; i++) {
		const struct rule *r = &st->rules[i];

		if (r->space != sp || port < r->first || port > r->last)
			continue;
		owned = true;
		if (ident_matches(c, r))
			return true;
	}
	if (owned || port < st->reserved)
		refused = !(c->cap && !st->strict);
	else
		refused = false;
	if (!refused)
		return true;
	/* Permissive: let through what the stock rule allows. */
	return !st->enforce && (port >= 1024 || c->cap);
}

/*
 * The ports a caller asks for. Autobinding never picks one: the ephemeral
 * range (ip_local_port_range) holds none of them but those main()
 * reserves (ip_local_reserved_ports). So a socket holding one of them
 * holds a port a caller chose, and any other port is the kernel's.
 */
const unsigned short fuzz_ports[] = {
	0, 80, 443, 700, 1023, 1024, 2000, 5000, 8080, 8081, 40000,
};

unsigned int eph_lo = 32768, eph_hi = 60999;

bool eph_reserved;	/* fuzz_ports[] within the range reserved */

static bool ephemeral(unsigned int port)
{
	return port >= eph_lo && port <= eph_hi;
}

/* Did a caller choose @port, the port a socket holds, or the kernel? */
bool port_chosen(unsigned int port)
{
	size_t i;

	if (!port)
		return false;
	if (!ephemeral(port))
		return true;
	for (i = 1; eph_reserved && i < ARRAY_SIZE(fuzz_ports); i++)
		if (port == fuzz_ports[i])
			return true;
	return false;		/* the kernel's, or cannot tell */
}

/*
 * The decision for a call that binds (sp, port), or (@reuse) that reuses
 * the port an SCTP endpoint holds: an association (connect, connectx,
 * sendmsg to a new peer) or an sctp_bindx() address with port 0. A reuse
 * is judged like a bind of the port for the caller when a caller chose
 * the port, and allowed when the kernel did (autobind). The endpoint's
 * port never changes once set, so the port it holds after the call is
 * the one the call used, whichever racing call set it. A bind of a port
 * that failed may have left the socket marked as if a caller chose its
 * port, so the kernel may judge a port it picks later too: only
 * successes are checked, and those it allows either way.
 */
static bool model_call_allows(const struct state *st, const struct ident *c,
			      enum space sp, unsigned int port, bool reuse)
{
	if (reuse && !port_chosen(port))
		return true;
	return model_allows(st, c, sp, port);
}

struct shared *sh;

__thread int me;		/* this thread's entry in sh->idents[] */

const struct ident *self(void)
{
	return &sh->idents[me];
}

/* Counts a violation, and keeps the first note of each kind @what. */
__printf(2, 3) void violation(const char *what, const char *fmt, ...)
{
	va_list ap;
	int n;

	__atomic_fetch_add(&sh->violations, 1, __ATOMIC_SEQ_CST);
	while (__atomic_exchange_n(&sh->notes_lock, 1, __ATOMIC_ACQUIRE))
		sched_yield();
	for (n = 0; n < sh->nnotes; n++)
		if (!strcmp(sh->notes[n].what, what))
			break;
	if (n == sh->nnotes && n < NNOTES) {
		sh->nnotes++;
		snprintf(sh->notes[n].what, sizeof(sh->notes[n].what), "%s",
			 what);
		va_start(ap, fmt);
		vsnprintf(sh->notes[n].text, NOTE_LEN, fmt, ap);
		va_end(ap);
	}
	if (n < NNOTES)
		sh->notes[n].count++;
	__atomic_store_n(&sh->notes_lock, 0, __ATOMIC_RELEASE);
}

uint32_t state_start(void)
{
	return __atomic_load_n(&sh->committed, __ATOMIC_SEQ_CST);
}

/* Was the call allowed to @c in any state from @c0 to now? */
bool window_allows(struct counters *ct, uint32_t c0,
		   const struct ident *c, enum space sp,
		   unsigned int port, bool reuse)
{
	uint32_t a1 = __atomic_load_n(&sh->announced, __ATOMIC_SEQ_CST), k;

	ct->checked++;
	if (a1 != c0)
		ct->spanning++;
	if (a1 - c0 >= NSTATES / 2)
		return true;	/* cannot tell; never happens at our rates */
	for (k = c0; k != a1 + 1; k++)
		if (model_call_allows(&sh->states[k % NSTATES], c, sp, port,
				      reuse))
			return true;
	return false;
}

/* ---- random ------------------------------------------------------ */

__thread uint64_t rng;

uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

unsigned short rnd_port(void)
{
	return fuzz_ports[rnd(ARRAY_SIZE(fuzz_ports))];
}

static const uid_t pool_uids[] = { 1001, 1002, 1003 };

static const gid_t pool_gids[] = { 1001, 1002, 1003, 3001, 3002 };

/* Root one time in four, else a user of the pool, maybe with the cap. */
void rnd_ident(struct ident *id)
{
	memset(id, 0, sizeof(*id));
	id->cap = true;
	if (!rnd(4))
		return;
	id->uid = pool_uids[rnd(ARRAY_SIZE(pool_uids))];
	id->gid = pool_gids[rnd(ARRAY_SIZE(pool_gids))];
	id->ngroups = rnd(3);
	id->groups[0] = 3001 + rnd(2);
	id->groups[1] = 3002;
	id->cap = rnd(10) < 3;
}

bool same_ident(const struct ident *a, const struct ident *b)
{
	return a->uid == b->uid && a->gid == b->gid && a->cap == b->cap &&
	       a->ngroups == b->ngroups &&
	       !memcmp(a->groups, b->groups, a->ngroups * sizeof(gid_t));
}

/* ---- the policy writer (root) ------------------------------------ */

static void random_state(struct state *st, const struct state *prev)
{
	static const uint16_t reserved[] = { 0, 500, 1024, 1024, 2000 };
	int i;

	if (rnd(4) == 0) {		/* a mode flip only */
		*st = *prev;
		st->enforce = !prev->enforce;
		return;
	}
	memset(st, 0, sizeof(*st));
	st->enforce = prev->enforce;
	st->reserved = reserved[rnd(ARRAY_SIZE(reserved))];
	st->strict = rnd(5) == 0;
	st->nrules = rnd(MAX_RULES + 1);
	for (i = 0; i < st->nrules; i++) {
		struct rule *r = &st->rules[i];
		unsigned short p = rnd_port() ?: 1;

		r->space = rnd(SP_NR);
		r->first = p;
		r->last = rnd(3) ? p : p + rnd(100) > 65535 ? 65535 : p + rnd(100);
		r->gid = rnd(2);
		r->id = r->gid ? pool_gids[rnd(ARRAY_SIZE(pool_gids))] :
				 pool_uids[rnd(ARRAY_SIZE(pool_uids))];
	}
}

static const char *const bad_lines[] = {
	"tcp 0 uid 1\n", "tcp 65536 uid 1\n", "udp 80 user 1\n",
	"icmp 80 uid 1\n", "tcp 80-70 uid 1\n", "reserved 70000\n",
	"strict 1\n", "tcp 80 uid -1\n", "tcp 80 uid 4294967295\n",
	"tcp 80\n", "tcp http uid 1\n", "tcp 80 uid 1\r\n",
};

static int policy_text(char *buf, size_t size, const struct state *st,
		       bool bad)
{
	int len, i, where = bad ? (int)rnd(st->nrules + 1) : -1;

	len = snprintf(buf, size, "reserved %u\n%s", st->reserved,
		       st->strict ? "strict\n" : "");
	for (i = 0; i <= st->nrules; i++) {
		if (i == where)
			len += snprintf(buf + len, size - len, "%s",
					bad_lines[rnd(ARRAY_SIZE(bad_lines))]);
		if (i == st->nrules)
			break;
		len += snprintf(buf + len, size - len, "%s %u-%u %s %u\n",
				space_names[st->rules[i].space],
				st->rules[i].first, st->rules[i].last,
				st->rules[i].gid ? "gid" : "uid",
				st->rules[i].id);
	}
	return len;
}

void run_writer(time_t deadline, struct writer_stats *ws)
{
	char text[4096], before[8192], after[8192];
	struct state next;
	uint32_t k = 0;

	while (time(NULL) < deadline) {
		const struct state *cur = &sh->states[k % NSTATES];
		bool bad = rnd(5) == 0;
		int ret;

		random_state(&next, cur);
		if (next.enforce != cur->enforce) {
			sh->states[(k + 1) % NSTATES] = next;
			__atomic_store_n(&sh->announced, k + 1, __ATOMIC_SEQ_CST);
			ret = write_file(PORTOWN_ENFORCE, next.enforce ? "1" : "0");
			if (ret) {
				ws->errors++;
				break;
			}
			__atomic_store_n(&sh->committed, ++k, __ATOMIC_SEQ_CST);
			ws->modes++;
		} else if (bad) {
			policy_text(text, sizeof(text), &next, true);
			if (read_file(PORTOWN_POLICY, before, sizeof(before)) < 0)
				ws->errors++;
			ret = write_file(PORTOWN_POLICY, text);
			ws->invalid++;
			if (ret == -EINVAL &&
			    read_file(PORTOWN_POLICY, after, sizeof(after)) >= 0 &&
			    !strcmp(before, after))
				ws->invalid_ok++;
			else
				violation("policy",
					  "invalid policy: write %s, policy %s",
					  strerror(-ret),
					  strcmp(before, after) ? "changed" :
								  "unchanged");
		} else {
			policy_text(text, sizeof(text), &next, false);
			sh->states[(k + 1) % NSTATES] = next;
			__atomic_store_n(&sh->announced, k + 1, __ATOMIC_SEQ_CST);
			ret = write_file(PORTOWN_POLICY, text);
			if (ret) {
				violation("policy", "valid policy refused: %s\n%s",
					  strerror(-ret), text);
				ws->errors++;
				break;
			}
			__atomic_store_n(&sh->committed, ++k, __ATOMIC_SEQ_CST);
			ws->writes++;
		}
		usleep(500 + rnd(2500));
	}
}

/* ---- the pool and the ports, for main() ------------------------- */

/* Whether @uid is one the workers take (sock_diag's sweep). */
bool pool_uid(uid_t uid)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pool_uids); i++)
		if (uid == pool_uids[i])
			return true;
	return false;
}

/*
 * Keeps autobinding off fuzz_ports[] (see port_chosen()): reads the
 * ephemeral range and reserves the ports of the list within it. @saved
 * gets the reserved ports to put back.
 */
void reserve_ports(char *saved, size_t size)
{
	char buf[1024];
	size_t i;
	int len;

	if (read_file(LOCAL_RANGE, buf, sizeof(buf)) > 0)
		sscanf(buf, "%u %u", &eph_lo, &eph_hi);
	if (read_file(RESERVED_PORTS, saved, size) < 0) {
		saved[0] = '\0';
		return;
	}
	saved[strcspn(saved, "\n")] = '\0';
	len = snprintf(buf, sizeof(buf), "%s", saved);
	for (i = 1; i < ARRAY_SIZE(fuzz_ports); i++)
		if (ephemeral(fuzz_ports[i]))
			len += snprintf(buf + len, sizeof(buf) - len, "%s%u",
					len ? "," : "", fuzz_ports[i]);
	eph_reserved = !write_file(RESERVED_PORTS, strcat(buf, "\n"));
}
