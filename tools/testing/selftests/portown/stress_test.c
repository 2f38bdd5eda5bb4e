// SPDX-License-Identifier: GPL-2.0
/*
 * portown: policy replaced while binding
 *
 * Threads bind while others replace and read the policy: each bind
 * must be judged by one whole policy, old or new.
 *
 * Runs as root; whatever needs other credentials runs in a forked child
 * that drops its privileges first (see common.h).  Each fixture loads a
 * known policy and puts back the one in force afterwards.  Everything
 * SKIPs when portown is not active.
 */

#include "common.h"

#include <pthread.h>

FIXTURE(policy) {};

FIXTURE_SETUP(policy)
{
	if (!portown_setup(_metadata))
		return;
	SET_POLICY(EMPTY_POLICY);
}

FIXTURE_TEARDOWN_PARENT(policy)
{
	portown_teardown(_metadata);
}

/* ---- stress ------------------------------------------------------- */

#define STRESS_THREADS 3
#define STRESS_WRITES 3000
#define STRESS_BASE 41000
#define STRESS_SLOTS 8

/*
 * Per thread t, ports STRESS_BASE + 10 * t + slot.  Binder: uid
 * UID_OWNER, gid GID_OWNER, no capability.  Legal outcomes:
 */
enum { MAY_BOTH, MUST_PASS, MUST_FAIL };
static const int stress_legal[STRESS_SLOTS] = {
	MAY_BOTH,	/* 0: P1 uid owner, P2 uid other */
	MAY_BOTH,	/* 1: P1 uid other, P2 uid owner */
	MAY_BOTH,	/* 2: P1 unowned, P2 gid other */
	MUST_PASS,	/* 3: unowned in both */
	MUST_PASS,	/* 4: P1 uid owner, P2 gid owner */
	MUST_FAIL,	/* 5: uid third in both */
	MUST_FAIL,	/* 6: port 1000 + t: unowned, reserved */
	MUST_PASS,	/* 7: port 0 */
};

struct stress_shared {
	int stop;	/* accessed with __atomic builtins */
	long binds[STRESS_THREADS];
	long passed[STRESS_THREADS][STRESS_SLOTS];
	long failed[STRESS_THREADS][STRESS_SLOTS];
	long illegal;
	int bad_port, bad_result;
};

static unsigned short stress_port(int t, int slot)
{
	if (slot == 6)
		return 1000 + t;
	if (slot == 7)
		return 0;
	return STRESS_BASE + 10 * t + slot;
}

static char *stress_policy(int which)
{
	const char *const protos[] = { "tcp", "udp" };
	struct strbuf sb;
	int t, p;

	sb_init(&sb, 8192);
	sb_printf(&sb, "reserved 1024\n");
	for (p = 0; p < 2; p++) {
		for (t = 0; t < STRESS_THREADS; t++) {
			int b = STRESS_BASE + 10 * t;

			if (which == 1) {
				sb_printf(&sb, "%s %d uid %d\n", protos[p], b,
					  UID_OWNER);
				sb_printf(&sb, "%s %d uid %d\n", protos[p],
					  b + 1, UID_OTHER);
				sb_printf(&sb, "%s %d uid %d\n", protos[p],
					  b + 4, UID_OWNER);
			} else {
				sb_printf(&sb, "%s %d uid %d\n", protos[p], b,
					  UID_OTHER);
				sb_printf(&sb, "%s %d uid %d\n", protos[p],
					  b + 1, UID_OWNER);
				sb_printf(&sb, "%s %d gid %d\n", protos[p],
					  b + 2, GID_OTHER);
				sb_printf(&sb, "%s %d gid %d\n", protos[p],
					  b + 4, GID_OWNER);
			}
			sb_printf(&sb, "%s %d uid %d\n", protos[p], b + 5,
				  UID_THIRD);
		}
	}
	return sb.buf;
}

static struct stress_shared *stress_sh;

static void *stress_binder(void *data)
{
	const int t = (long)data;
	const struct proto_desc *const protos[] = { &proto_tcp, &proto_udp };
	const enum family fams[] = { FAM_IPV4, FAM_IPV6 };
	unsigned long n = 0;

	while (!__atomic_load_n(&stress_sh->stop, __ATOMIC_RELAXED)) {
		int slot = n % STRESS_SLOTS;
		int r = try_bind(protos[(n / STRESS_SLOTS) % 2],
				 fams[(n / (2 * STRESS_SLOTS)) % 2],
				 stress_port(t, slot), 0);

		n++;
		__atomic_add_fetch(&stress_sh->binds[t], 1, __ATOMIC_RELAXED);
		if (r == 0)
			stress_sh->passed[t][slot]++;
		else
			stress_sh->failed[t][slot]++;
		if ((r != 0 && r != EACCES) ||
		    (r == 0 && stress_legal[slot] == MUST_FAIL) ||
		    (r != 0 && stress_legal[slot] == MUST_PASS)) {
			__atomic_add_fetch(&stress_sh->illegal, 1,
					   __ATOMIC_RELAXED);
			stress_sh->bad_port = stress_port(t, slot);
			stress_sh->bad_result = r;
		}
	}
	return NULL;
}

static void stress_binders_fn(const void *arg, int *res)
{
	pthread_t threads[STRESS_THREADS];
	long t;

	for (t = 0; t < STRESS_THREADS; t++) {
		if (pthread_create(&threads[t], NULL, stress_binder,
				   (void *)t)) {
			res[0] = R_MISC - EAGAIN;
			__atomic_store_n(&stress_sh->stop, 1, __ATOMIC_RELAXED);
			break;
		}
	}
	while (t-- > 0)
		pthread_join(threads[t], NULL);
	res[0] = res[0] == R_UNSET ? 0 : res[0];
}

struct stress_reader {
	const char *p1, *p2;
	int *stop;
	long reads, torn;
};

static void *stress_read_policy(void *data)
{
	struct stress_reader *r = data;
	char *buf = malloc(POLICY_BUF_SIZE);

	if (!buf)
		return NULL;
	while (!__atomic_load_n(r->stop, __ATOMIC_RELAXED)) {
		if (read_file(PORTOWN_POLICY, buf, POLICY_BUF_SIZE) < 0 ||
		    (strcmp(buf, r->p1) && strcmp(buf, r->p2)))
			r->torn++;
		r->reads++;
	}
	free(buf);
	return NULL;
}

TEST_F_TIMEOUT(policy, stress_replace_while_binding, 600)
{
	char *p1 = stress_policy(1), *p2 = stress_policy(2);
	struct stress_reader reader = { .p1 = p1, .p2 = p2 };
	int res[MAX_RESULTS], i, t, slot, ret, errors = 0;
	pthread_t reader_thread;
	pid_t binder;

	stress_sh = mmap(NULL, sizeof(*stress_sh), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, stress_sh);
	memset(stress_sh, 0, sizeof(*stress_sh));
	reader.stop = &stress_sh->stop;
	SET_POLICY(p1);

	/* Binders run as a non-root user in a child process. */
	fflush(NULL);
	binder = fork();
	ASSERT_LE(0, binder);
	if (!binder) {
		for (i = 0; i < MAX_RESULTS; i++)
			res[i] = R_UNSET;
		if (drop_privileges(&owner_creds))
			_exit(2);
		stress_binders_fn(NULL, res);
		_exit(res[0] ? 1 : 0);
	}
	ret = pthread_create(&reader_thread, NULL, stress_read_policy, &reader);
	if (ret) {
		__atomic_store_n(&stress_sh->stop, 1, __ATOMIC_RELAXED);
		waitpid(binder, NULL, 0);
		ASSERT_EQ(0, ret);
	}

	/* Start replacing once every binder thread is under way. */
	for (i = 0; i < 1000; i++) {
		for (t = 0; t < STRESS_THREADS; t++)
			if (!__atomic_load_n(&stress_sh->binds[t],
					     __ATOMIC_RELAXED))
				break;
		if (t == STRESS_THREADS)
			break;
		usleep(10000);
	}

	for (i = 0; i < STRESS_WRITES; i++) {
		if (i % 100 == 50) {
			/* A rejected write in between changes nothing. */
			ret = write_file(PORTOWN_POLICY, "tcp 0 uid 1\n");
			if (ret != -EINVAL)
				errors++;
			continue;
		}
		ret = write_file(PORTOWN_POLICY, i % 2 ? p2 : p1);
		if (ret)
			errors++;
	}
	__atomic_store_n(&stress_sh->stop, 1, __ATOMIC_RELAXED);
	pthread_join(reader_thread, NULL);
	ASSERT_EQ(binder, waitpid(binder, &ret, 0));
	EXPECT_TRUE(WIFEXITED(ret) && WEXITSTATUS(ret) == 0)
	{
		TH_LOG("binder process status %#x", ret);
	}
	EXPECT_EQ(0, errors);
	EXPECT_EQ(0, stress_sh->illegal)
	{
		TH_LOG("port %d: %s", stress_sh->bad_port,
		       result_str(stress_sh->bad_result));
	}
	EXPECT_EQ(0, reader.torn);
	for (t = 0; t < STRESS_THREADS; t++) {
		long flips = 0;

		EXPECT_LT(0, stress_sh->binds[t]);
		for (slot = 0; slot < STRESS_SLOTS; slot++)
			if (stress_legal[slot] == MAY_BOTH &&
			    stress_sh->passed[t][slot] &&
			    stress_sh->failed[t][slot])
				flips++;
		TH_LOG("thread %d: %ld binds, %ld of 3 ports saw both outcomes",
		       t, stress_sh->binds[t], flips);
	}
	TH_LOG("%d policy writes, %ld policy reads", STRESS_WRITES,
	       reader.reads);

	/* The last write (i = 2999, odd) was p2. */
	ASSERT_POLICY(p2);
	CHECK_BINDS(&owner_creds, &proto_tcp, FAM_IPV4,
		    { STRESS_BASE, EACCES }, { STRESS_BASE + 1, 0 },
		    { STRESS_BASE + 2, EACCES }, { STRESS_BASE + 4, 0 });
	munmap(stress_sh, sizeof(*stress_sh));
	free(p1);
	free(p2);
}

TEST_HARNESS_MAIN
