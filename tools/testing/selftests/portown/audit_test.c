// SPDX-License-Identifier: GPL-2.0
/*
 * portown: audit records
 *
 * A denied bind, a logged one (permissive mode) and a reserved-port one
 * each leave an audit record in the kernel log.
 *
 * Runs as root; whatever needs other credentials runs in a forked child
 * that drops its privileges first (see common.h).  Each fixture loads a
 * known policy and puts back the one in force afterwards.  Everything
 * SKIPs when portown is not active.
 */

#include "common.h"

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

/* ---- audit -------------------------------------------------------- */

#define AUDIT_PORT_DENIED 47123
#define AUDIT_PORT_LOGGED 47124
#define AUDIT_PORT_RESERVED 1019

/* kmsg_find() polls for up to 3 s: an audit record is printed asynchronously. */
#define KMSG_TRIES 30

static void set_comm_and_bind(const void *arg, int *res)
{
	const unsigned short port = *(const unsigned short *)arg;

	prctl(PR_SET_NAME, port == AUDIT_PORT_LOGGED ? "po_audit_log" :
						       "po_audit_den", 0, 0,
	      0);
	res[0] = try_bind(&proto_tcp, FAM_IPV4, port, 0);
	res[1] = getpid();
}

TEST_F_TIMEOUT(policy, audit_record, 120)
{
	static const char *const denied[] = {
		"audit: type=1400 ", "lsm=portown", "op=bind",
		"action=denied", "protocol=tcp", "port=47123",
		"reason=owned", " uid=1002", "comm=\"po_audit_den\"",
		"enforcing=1", NULL,
	};
	char pid_field[32];
	static const char *const reserved[] = {
		"audit: type=1400 ", "lsm=portown", "op=bind",
		"action=denied", "protocol=tcp", "port=1019",
		"reason=reserved", " uid=1002", "comm=\"po_audit_den\"",
		NULL,
	};
	static const char *const logged[] = {
		"audit: type=1400 ", "lsm=portown", "op=bind",
		"action=logged", "protocol=tcp", "port=47124",
		"reason=owned", " uid=1002", "comm=\"po_audit_log\"",
		"enforcing=0", NULL,
	};
	unsigned short port;
	int res[MAX_RESULTS], fd;

	SET_POLICY("reserved 1024\ntcp 47123 uid 1001\ntcp 47124 uid 1001\n");
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, lseek(fd, 0, SEEK_END));
	/*
	 * Let both rate limits (10 per 5 s) recover before each bind: on a
	 * live host, records of other origins (systemd's SERVICE_START and
	 * _STOP when no audit daemon runs) share printk's limit.
	 */
	sleep(6);

	port = AUDIT_PORT_DENIED;
	ASSERT_EQ(0, run_child(&other_creds, set_comm_and_bind, &port, res));
	ASSERT_EQ(EACCES, res[0]);
	/* The refused task's own pid (its thread group id). */
	snprintf(pid_field, sizeof(pid_field), " pid=%d ", res[1]);
	EXPECT_TRUE(kmsg_find(fd, denied, pid_field, KMSG_TRIES))
	{
		TH_LOG("no audit record for the denied bind in /dev/kmsg");
	}

	sleep(6);
	port = AUDIT_PORT_RESERVED;
	ASSERT_EQ(0, run_child(&other_creds, set_comm_and_bind, &port, res));
	ASSERT_EQ(EACCES, res[0]);
	EXPECT_TRUE(kmsg_find(fd, reserved, NULL, KMSG_TRIES))
	{
		TH_LOG("no audit record for the reserved port in /dev/kmsg");
	}

	SET_ENFORCE(0);
	sleep(6);
	port = AUDIT_PORT_LOGGED;
	ASSERT_EQ(0, run_child(&other_creds, set_comm_and_bind, &port, res));
	ASSERT_EQ(0, res[0]);
	EXPECT_TRUE(kmsg_find(fd, logged, NULL, KMSG_TRIES))
	{
		TH_LOG("no audit record for the permissive bind in /dev/kmsg");
	}
	close(fd);
}

TEST_HARNESS_MAIN
