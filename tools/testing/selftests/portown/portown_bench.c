// SPDX-License-Identifier: GPL-2.0
/*
 * portown_bench: what portown costs on a bind, against the same kernel
 * without portown and against a cgroup BPF bind program (the mechanism of
 * systemd's SocketBindAllow=). Prints numbers; asserts nothing.
 *
 *   portown_bench -m portown [-n ITER] [-z SIZES]   portown active
 *   portown_bench -m absent [-n ITER]               portown not in lsm=,
 *                                                   then the BPF programs
 *   portown_bench -m scale [-t SECONDS]             binders on two CPUs,
 *                                                   with portown or not
 *
 * One line per measurement: "BENCH <config> <op> <value>", values in ns
 * of CLOCK_MONOTONIC (guest instructions under QEMU -icount shift=0),
 * bytes, or binds per second for the scale ops. vmtest/bench.py turns the
 * lines of several boots into medians, ratios, a table, CSV and a plot.
 *
 * The measured port is tcp 8080, owned by uid 33 ("owner"); uid 34
 * ("other") is refused there. A policy of N rules is N - 2 random rules
 * (random ports and short ranges, random uids and gids of neither), plus
 * sctp 8081 and tcp 8080 for uid 33 (with one rule, only tcp 8080).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest.h"

#ifndef SCTP_SOCKOPT_BINDX_ADD
#define SCTP_SOCKOPT_BINDX_ADD 100
#endif

#define POLICY "/sys/kernel/security/portown/policy"
#define CGROUP "/sys/fs/cgroup"
#define PORT 8080
#define PORT_SCTP 8081
#define UID_OWNER 33
#define UID_OTHER 34

static long iterations = 20000;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void report(const char *config, const char *op, double value)
{
	printf("BENCH %s %s %.1f\n", config, op, value);
	fflush(stdout);
}

/* ---- the measured operations ------------------------------------- */

enum op { OP_OWNER, OP_REFUSED, OP_SOCKCLOSE, OP_REBIND, OP_BINDX8, OP_NR };

static const char *const op_names[OP_NR] = {
	"owner", "refused", "sockclose", "rebind", "bindx8",
};

static struct sockaddr_in addr_in(unsigned short port, int host)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(host),
	};

	return sin;
}

/* One @op; @fd is the bound socket of OP_REBIND. */
static inline void do_op(enum op op, int fd, const struct sockaddr_in *sin,
			 const struct sockaddr_in *list)
{
	int s, one = 1;

	switch (op) {
	case OP_OWNER:
	case OP_REFUSED:
		s = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		bind(s, (const struct sockaddr *)sin, sizeof(*sin));
		close(s);
		break;
	case OP_SOCKCLOSE:
		s = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		close(s);
		break;
	case OP_REBIND:
		bind(fd, (const struct sockaddr *)sin, sizeof(*sin));
		break;
	default:
		s = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
		setsockopt(s, IPPROTO_SCTP, SCTP_SOCKOPT_BINDX_ADD, list,
			   8 * sizeof(*list));
		close(s);
		break;
	}
}

#define BATCHES 10

/*
 * ns of one @op: @iterations of it in BATCHES batches, after a quarter as
 * many to warm up (first-use costs: page faults, lazily allocated kernel
 * state). The cheapest batch counts: whatever else the CPU does meanwhile
 * (timers, workers, RCU) only ever adds to a batch.
 */
static double run_op(enum op op)
{
	struct sockaddr_in sin = addr_in(PORT, INADDR_ANY);
	long i, b, warm = iterations / 4 + 10, per = iterations / BATCHES + 1;
	struct sockaddr_in list[8];
	double best = -1;
	int fd = -1;

	for (i = 0; i < 8; i++)
		list[i] = addr_in(PORT_SCTP, INADDR_LOOPBACK + i);
	if (op == OP_REBIND) {
		/* Bound once: each bind() runs the hooks, then EINVAL. */
		struct sockaddr_in any = addr_in(0, INADDR_ANY);

		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&any, sizeof(any)))
			return -1;
	}
	for (i = 0; i < warm; i++)
		do_op(op, fd, &sin, list);
	for (b = 0; b < BATCHES; b++) {
		long long start = now_ns();
		double v;

		for (i = 0; i < per; i++)
			do_op(op, fd, &sin, list);
		v = (double)(now_ns() - start) / per;
		if (best < 0 || v < best)
			best = v;
	}
	if (fd >= 0)
		close(fd);
	return best;
}

/* Whether @op does what it should under this configuration. */
static int check_op(enum op op)
{
	struct sockaddr_in sin = addr_in(PORT, INADDR_ANY);
	int s = socket(AF_INET, SOCK_STREAM, 0), ret;

	if (op != OP_OWNER && op != OP_REFUSED)
		return 0;
	ret = bind(s, (struct sockaddr *)&sin, sizeof(sin)) ? errno : 0;
	close(s);
	return ret;
}

/* Runs every op as its identity in a child; reports under @config. */
static int measure(const char *config, bool expect_refusal)
{
	enum op op;

	for (op = 0; op < OP_NR; op++) {
		uid_t uid = op == OP_REFUSED ? UID_OTHER : UID_OWNER;
		int pfd[2], status, err;
		double v = -1;
		pid_t pid;

		if (pipe(pfd))
			return -1;
		fflush(NULL);
		pid = fork();
		if (pid < 0)
			return -1;
		if (!pid) {
			close(pfd[0]);
			if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
			    setresuid(uid, uid, uid))
				_exit(1);
			err = check_op(op);
			if ((op == OP_OWNER && err) ||
			    (op == OP_REFUSED && expect_refusal != !!err)) {
				fprintf(stderr, "portown_bench: %s %s: bind %s\n",
					config, op_names[op],
					err ? strerror(err) : "allowed");
				_exit(1);
			}
			v = run_op(op);
			if (write(pfd[1], &v, sizeof(v)) != sizeof(v))
				_exit(1);
			_exit(0);
		}
		close(pfd[1]);
		if (read(pfd[0], &v, sizeof(v)) != sizeof(v))
			v = -1;
		close(pfd[0]);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) || v < 0)
			return -1;
		report(config, op_names[op], v);
	}
	return 0;
}

/* ---- policies ---------------------------------------------------- */

static unsigned long long rng = 88172645463325252ULL;

static unsigned int rnd(unsigned int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng % n;
}

struct rule {
	int proto;		/* 0 tcp, 1 udp, 2 sctp, 3 dccp */
	unsigned short first, last;
	bool gid;
	unsigned int id;
};

static const char *const proto_names[] = { "tcp", "udp", "sctp", "dccp" };

/*
 * @n rules: random ones (80% single ports, the rest ranges of 2 to 16
 * ports, over the four protocols, for 64 uids and 64 gids that are
 * neither owner's nor other's), and the two of the measured ports.
 */
static struct rule *make_rules(int n)
{
	struct rule *r = calloc(n + 2, sizeof(*r));
	int i;

	if (!r)
		exit(1);
	rng = 88172645463325252ULL ^ n;
	for (i = 0; i < n - 2; i++) {
		unsigned int first = 1 + rnd(65535), len = rnd(5) ? 1 : 2 + rnd(15);

		r[i].proto = rnd(4);
		r[i].first = first;
		r[i].last = first + len - 1 > 65535 ? 65535 : first + len - 1;
		r[i].gid = rnd(2);
		r[i].id = (r[i].gid ? 2000 : 1000) + rnd(64);
	}
	if (n >= 2)
		r[n - 2] = (struct rule){ 2, PORT_SCTP, PORT_SCTP, false, UID_OWNER };
	/* The measured rule last: with one rule, the only one. */
	if (n >= 1)
		r[n - 1] = (struct rule){ 0, PORT, PORT, false, UID_OWNER };
	return r;
}

static char *policy_text(const struct rule *r, int n, size_t *len)
{
	char *text = malloc((size_t)n * 40 + 64);
	size_t off = 0;
	int i;

	if (!text)
		exit(1);
	off += sprintf(text, "reserved 1024\n");
	for (i = 0; i < n; i++) {
		off += sprintf(text + off, "%s %u", proto_names[r[i].proto],
			       r[i].first);
		if (r[i].last != r[i].first)
			off += sprintf(text + off, "-%u", r[i].last);
		off += sprintf(text + off, " %s %u\n", r[i].gid ? "gid" : "uid",
			       r[i].id);
	}
	*len = off;
	return text;
}

static int write_policy(const char *text, size_t len, long long *ns)
{
	int fd = open(POLICY, O_WRONLY), ret = 0;
	long long start;

	if (fd < 0)
		return -errno;
	start = now_ns();
	if (write(fd, text, len) != (ssize_t)len)
		ret = -errno;
	if (ns)
		*ns = now_ns() - start;
	close(fd);
	return ret;
}

/* Slab plus vmalloc memory in use, in bytes, from /proc/meminfo. */
static long long kernel_memory(void)
{
	char line[256];
	long long kb, total = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %lld kB", &kb) == 1 ||
		    sscanf(line, "VmallocUsed: %lld kB", &kb) == 1) {
			total += kb * 1024;
			if (getenv("BENCH_DEBUG"))
				fprintf(stderr, "%s", line);
		}
	fclose(f);
	return total;
}

/* Old policies are freed after a grace period: let it pass. */
static long long settled_memory(void)
{
	usleep(1000000);
	return kernel_memory();
}

static double read_back_ns(void)
{
	static char buf[1 << 16];
	long long start = now_ns();
	int fd = open(POLICY, O_RDONLY);

	if (fd < 0)
		return -1;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	return now_ns() - start;
}

static int bench_portown(const int *sizes, int nsizes)
{
	const char *empty = "reserved 1024\n";
	int i;

	for (i = 0; i < nsizes; i++) {
		int n = sizes[i];
		struct rule *r = make_rules(n);
		long long before, after, load;
		char config[32], *text;
		size_t len;

		snprintf(config, sizeof(config), "p%d", n);
		if (write_policy(empty, strlen(empty), NULL))
			return -1;
		before = settled_memory();
		text = policy_text(r, n, &len);
		if (write_policy(text, len, &load)) {
			fprintf(stderr, "portown_bench: policy of %d rules refused\n", n);
			return -1;
		}
		after = settled_memory();
		if (n) {
			report(config, "load_per_rule", (double)load / n);
			report(config, "bytes_per_rule", (double)(after - before) / n);
			report(config, "kernel_bytes", (double)(after - before));
		}
		report(config, "readback", read_back_ns());
		if (measure(config, n > 0))
			return -1;
		free(text);
		free(r);
	}
	return write_policy(empty, strlen(empty), NULL);
}

/* ---- cgroup BPF bind programs ------------------------------------ */

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), \
	.src_reg = (s), .off = (o), .imm = (i) })

/*
 * A bind4/bind6 program with portown's decision for @rules (nobody else
 * may bind a covered port; uncovered ports are free): the rules unrolled,
 * five instructions each, as a compiler makes of a loop over a constant
 * table.
 */
static int load_bind_prog(const struct rule *rules, int n, int attach)
{
	struct bpf_insn *p = calloc(n * 5 + 16, sizeof(*p));
	union bpf_attr attr = {};
	int k = 0, i, fd;
	char log[4096];

	p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
	p[k++] = INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_current_uid_gid);
	p[k++] = INSN(BPF_ALU | BPF_MOV | BPF_X, 7, 0, 0, 0);	/* uid */
	p[k++] = INSN(BPF_LDX | BPF_W | BPF_MEM, 2, 6,
		      offsetof(struct bpf_sock_addr, user_port), 0);
	p[k++] = INSN(BPF_ALU | BPF_END | BPF_TO_BE, 2, 0, 0, 16);
	p[k++] = INSN(BPF_LDX | BPF_W | BPF_MEM, 3, 6,
		      offsetof(struct bpf_sock_addr, protocol), 0);
	p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 8, 0, 0, 0);	/* covered */
	for (i = 0; i < n; i++) {
		static const int protos[] = { IPPROTO_TCP, IPPROTO_UDP,
					      IPPROTO_SCTP, 33 };

		p[k++] = INSN(BPF_JMP | BPF_JNE | BPF_K, 3, 0, 4, protos[rules[i].proto]);
		p[k++] = INSN(BPF_JMP | BPF_JLT | BPF_K, 2, 0, 3, rules[i].first);
		p[k++] = INSN(BPF_JMP | BPF_JGT | BPF_K, 2, 0, 2, rules[i].last);
		p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 8, 0, 0, 1);
		/* to "allow", patched below */
		p[k++] = INSN(BPF_JMP | BPF_JEQ | BPF_K, 7, 0, 0, rules[i].id);
	}
	p[k++] = INSN(BPF_JMP | BPF_JEQ | BPF_K, 8, 0, 2, 0);
	p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);	/* deny */
	p[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1);	/* allow */
	p[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	for (i = 0; i < n; i++) {
		int at = 7 + i * 5 + 4;

		p[at].off = (k - 2) - (at + 1);
	}

	attr.prog_type = BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
	attr.expected_attach_type = attach;
	attr.insns = (unsigned long)p;
	attr.insn_cnt = k;
	attr.license = (unsigned long)"GPL";
	fd = syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd < 0) {
		/* Again with the verifier's log, for the message. */
		attr.log_buf = (unsigned long)log;
		attr.log_size = sizeof(log);
		attr.log_level = 1;
		log[0] = '\0';
		syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
		fprintf(stderr, "portown_bench: BPF_PROG_LOAD: %s\n%.*s\n",
			strerror(errno), 400, log);
	}
	free(p);
	return fd;
}

static int bpf_attach(int cg, int prog, int type, bool attach)
{
	union bpf_attr attr = {
		.target_fd = cg,
		.attach_bpf_fd = prog,
		.attach_type = type,
	};

	return syscall(__NR_bpf, attach ? BPF_PROG_ATTACH : BPF_PROG_DETACH,
		       &attr, sizeof(attr));
}

static int bench_bpf(int nrules)
{
	struct rule *r = make_rules(nrules);
	int cg, p4, p6, ret = -1;
	char config[16];

	snprintf(config, sizeof(config), "bpf%d", nrules);
	mkdir(CGROUP, 0755);
	if (mount("none", CGROUP, "cgroup2", 0, NULL) && errno != EBUSY) {
		perror("portown_bench: mount cgroup2");
		return -1;
	}
	cg = open(CGROUP, O_RDONLY | O_DIRECTORY);
	/*
	 * The measured rule first, the program's best case: an owner's bind
	 * of 8080 matches at once.
	 */
	r[0] = r[nrules - 1];
	p4 = load_bind_prog(r, nrules, BPF_CGROUP_INET4_BIND);
	p6 = load_bind_prog(r, nrules, BPF_CGROUP_INET6_BIND);
	if (cg < 0 || p4 < 0 || p6 < 0)
		goto out;
	if (bpf_attach(cg, p4, BPF_CGROUP_INET4_BIND, true) ||
	    bpf_attach(cg, p6, BPF_CGROUP_INET6_BIND, true)) {
		perror("portown_bench: BPF_PROG_ATTACH");
		goto out;
	}
	ret = measure(config, true);
	bpf_attach(cg, p4, BPF_CGROUP_INET4_BIND, false);
	bpf_attach(cg, p6, BPF_CGROUP_INET6_BIND, false);
out:
	free(r);
	return ret;
}

/* ---- two binders while the policy changes ------------------------ */

static atomic_int scale_stop;

/* Binder @arg (0 or 1) binds its own owned port on its own CPU. */
static void *binder(void *arg)
{
	long i = (long)arg, *count = malloc(sizeof(long));
	struct sockaddr_in sin = addr_in(PORT + 2 * i, INADDR_ANY);
	cpu_set_t set;
	int one = 1;

	CPU_ZERO(&set);
	CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
	*count = 0;
	while (!atomic_load(&scale_stop)) {
		int s = socket(AF_INET, SOCK_STREAM, 0);

		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (!bind(s, (struct sockaddr *)&sin, sizeof(sin)))
			(*count)++;
		close(s);
	}
	return count;
}

/* Binds a second of @threads owner threads make on owned ports. */
static double binds_per_second(int threads, int seconds)
{
	pthread_t t[2];
	long total = 0;
	long long start;
	int i;

	atomic_store(&scale_stop, 0);
	start = now_ns();
	for (i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, binder, (void *)(long)i);
	sleep(seconds);
	atomic_store(&scale_stop, 1);
	for (i = 0; i < threads; i++) {
		long *n;

		pthread_join(t[i], (void **)&n);
		total += *n;
		free(n);
	}
	return total / ((now_ns() - start) / 1e9);
}

/*
 * One binder, then two on two CPUs. With portown, the policy (64 rules,
 * both binders' ports owned) is replaced every 10 ms meanwhile; without,
 * the same binds show what the machine itself scales to.
 */
static int bench_scale(int seconds, bool portown)
{
	const char *config = portown ? "p64" : "absent";
	struct rule *r = make_rules(64);
	size_t len, len2;
	char *text, *text2;
	pid_t writer = -1, binders;
	int pfd[2], status, t;
	double v[2];

	r[0] = (struct rule){ 0, PORT + 2, PORT + 2, false, UID_OWNER };
	text = policy_text(r, 64, &len);
	r[1] = (struct rule){ 0, 30000, 30000, false, 1000 };
	text2 = policy_text(r, 64, &len2);
	if (portown && write_policy(text, len, NULL))
		return -1;
	if (portown) {
		writer = fork();
		if (!writer) {
			for (t = 0;; t++) {
				write_policy(t % 2 ? text2 : text,
					     t % 2 ? len2 : len, NULL);
				usleep(10000);
			}
		}
	}
	if (pipe(pfd))
		return -1;
	binders = fork();
	if (!binders) {
		if (setgroups(0, NULL) || setresgid(UID_OWNER, UID_OWNER, UID_OWNER) ||
		    setresuid(UID_OWNER, UID_OWNER, UID_OWNER))
			_exit(1);
		v[0] = binds_per_second(1, seconds);
		v[1] = binds_per_second(2, seconds);
		if (write(pfd[1], v, sizeof(v)) != sizeof(v))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	t = read(pfd[0], v, sizeof(v)) == sizeof(v) ? 0 : -1;
	waitpid(binders, &status, 0);
	if (writer > 0) {
		kill(writer, SIGKILL);
		waitpid(writer, NULL, 0);
	}
	free(text);
	free(text2);
	free(r);
	if (t || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	report(config, "scale1", v[0]);
	report(config, "scale2", v[1]);
	return portown ? write_policy("reserved 1024\n", 14, NULL) : 0;
}

int main(int argc, char **argv)
{
	int sizes[8] = { 0, 1, 64, 4096, 65536 }, nsizes = 5, seconds = 5, opt;
	const char *mode = "portown";
	char *tok;

	while ((opt = getopt(argc, argv, "m:n:z:t:")) != -1) {
		switch (opt) {
		case 'm':
			mode = optarg;
			break;
		case 'n':
			iterations = atol(optarg);
			break;
		case 't':
			seconds = atoi(optarg);
			break;
		case 'z':
			nsizes = 0;
			for (tok = strtok(optarg, ","); tok && nsizes < 8;
			     tok = strtok(NULL, ","))
				sizes[nsizes++] = atoi(tok);
			break;
		default:
			fprintf(stderr,
				"usage: %s [-m portown|absent|scale] [-n ITER] [-z N,N,...] [-t SECONDS]\n",
				argv[0]);
			return 2;
		}
	}
	if (iterations < 1)
		return 2;
	if (!strcmp(mode, "scale"))
		return bench_scale(seconds, !access(POLICY, W_OK)) ? 1 : 0;
	if (!strcmp(mode, "portown")) {
		if (access(POLICY, W_OK)) {
			fprintf(stderr, "portown_bench: portown is not active\n");
			return KSFT_SKIP;
		}
		return bench_portown(sizes, nsizes) ? 1 : 0;
	}
	if (strcmp(mode, "absent") || !access(POLICY, F_OK)) {
		fprintf(stderr, "portown_bench: -m absent wants portown not active\n");
		return 2;
	}
	if (measure("absent", false) || bench_bpf(1) || bench_bpf(128))
		return 1;
	return 0;
}
