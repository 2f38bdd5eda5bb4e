// SPDX-License-Identifier: GPL-2.0
/*
 * portownctl denials: the binds portown refused, and those permissive mode
 * let through, from its audit records (security/portown/audit.c):
 *
 *   lsm=portown op=bind action=denied protocol=tcp port=80 reason=owned
 *   pid=2817 comm="python3" uid=1000 euid=1000 gid=1000 egid=1000 enforcing=1
 *
 * as auditd writes them ("type=AVC msg=audit(T:N): ..."), as the kernel log
 * has them ("audit: type=1400 audit(T:N): ...") and as the journal shows
 * them; grouped by protocol, port, user and program, with counts.
 */
#include "portownctl.h"
#include "output.h"
#include "resolve.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_AUDIT_LOG	"/var/log/audit/audit.log"
#define DEFAULT_KMSG		"/dev/kmsg"

static const char *log_file;

static int denials_option(int c, char *arg)
{
	if (c != 'f')
		return EX_USAGE;
	log_file = arg;
	return 0;
}

struct denial {
	unsigned proto;
	unsigned port;
	uint32_t uid;		/* euid, the one portown judges */
	char comm[64];
	char reason[16];
	unsigned long denied, logged;
	long long last;		/* seconds since the epoch, -1 unknown */
};

struct denials {
	struct denial *v;
	size_t n, cap;
	size_t records;
};

/* the value of key= in the fields of a record, into buf (quotes removed, hex decoded when asked) */
static bool field(const char *rec, const char *key, char *buf, size_t size, bool untrusted)
{
	size_t kl = strlen(key);
	const char *p = rec;

	while ((p = strstr(p, key))) {
		if ((p == rec || p[-1] == ' ') && p[kl] == '=')
			break;
		p += kl;
	}
	if (!p)
		return false;
	p += kl + 1;
	size_t n = 0;

	if (*p == '"') {
		p++;
		while (*p && *p != '"' && n + 1 < size)
			buf[n++] = *p++;
	} else {
		size_t len = strcspn(p, " \x1d\n");
		bool hex = untrusted && len % 2 == 0 && len > 0;

		for (size_t i = 0; hex && i < len; i++)
			hex = isxdigit((unsigned char)p[i]);
		if (hex) {	/* audit_log_untrustedstring: hex when it holds a blank, a quote or a control */
			for (size_t i = 0; i < len && n + 1 < size; i += 2) {
				unsigned v;

				sscanf(p + i, "%2x", &v);
				buf[n++] = (char)v;
			}
		} else {
			while (n < len && n + 1 < size) {
				buf[n] = p[n];
				n++;
			}
		}
	}
	buf[n] = '\0';
	return true;
}

/* one line of a log: a portown bind record is counted, anything else ignored */
static void add_line(struct denials *d, const char *line)
{
	const char *rec = strstr(line, "lsm=portown ");
	char op[16], action[16], proto[16], port[16], euid[16], comm[64], reason[16];
	const char *ts = strstr(line, "audit(");
	long long when = -1;
	unsigned long pv, uv;
	int pr;

	if (!rec)
		return;
	if (!field(rec, "op", op, sizeof(op), false) || (strcmp(op, "bind") && strcmp(op, "connect")) ||
	    !field(rec, "action", action, sizeof(action), false) ||
	    !field(rec, "protocol", proto, sizeof(proto), false) || (pr = po_proto_parse(proto)) < 0 ||
	    !field(rec, "port", port, sizeof(port), false) ||
	    !field(rec, "euid", euid, sizeof(euid), false) ||
	    !field(rec, "comm", comm, sizeof(comm), true))
		return;
	if (!field(rec, "reason", reason, sizeof(reason), false))
		snprintf(reason, sizeof(reason), "-");
	pv = strtoul(port, NULL, 10);
	uv = strtoul(euid, NULL, 10);
	if (pv > 65535 || uv > UINT32_MAX)
		return;
	if (ts && ts < rec)
		when = strtoll(ts + 6, NULL, 10);
	d->records++;
	struct denial *e = NULL;

	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].proto == (unsigned)pr && d->v[i].port == pv && d->v[i].uid == uv &&
		    !strcmp(d->v[i].comm, comm))
			e = &d->v[i];
	if (!e) {
		if (d->n == d->cap) {
			size_t cap = d->cap ? d->cap * 2 : 32;
			struct denial *v = realloc(d->v, cap * sizeof(*v));

			if (!v)
				return;
			d->v = v;
			d->cap = cap;
		}
		e = &d->v[d->n++];
		memset(e, 0, sizeof(*e));
		e->proto = (unsigned)pr;
		e->port = (unsigned)pv;
		e->uid = (uint32_t)uv;
		snprintf(e->comm, sizeof(e->comm), "%s", comm);
		e->last = -1;
	}
	if (!strcmp(action, "denied"))
		e->denied++;
	else
		e->logged++;
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
	if (when > e->last)
		e->last = when;
}

static void read_stream(struct denials *d, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;

	while (getline(&line, &cap, f) > 0)
		add_line(d, line);
	free(line);
}

/* a log file; 0, or -errno */
static int read_file(struct denials *d, const char *path)
{
	FILE *f = fopen(path, "re");
	int e;

	if (!f)
		return -errno;
	read_stream(d, f);
	e = ferror(f) ? -EIO : 0;
	fclose(f);
	return e;
}

/* the journal of this boot, kernel and audit transports; 0, or -1 */
static int read_journal(struct denials *d, const char *journalctl)
{
	char cmd[1024];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s -b -q --no-pager -o cat _TRANSPORT=kernel + _TRANSPORT=audit 2>/dev/null",
		 journalctl);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	read_stream(d, p);
	return pclose(p) == 0 ? 0 : -1;
}

/* the kernel's ring buffer: records "PRI,SEQ,USEC,FLAGS;TEXT"; 0, or -errno */
static int read_kmsg(struct denials *d, const char *path)
{
	char buf[8192];
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ssize_t n;

	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {	/* a saved copy (tests): lines */
		FILE *f = fdopen(fd, "r");

		if (!f) {
			close(fd);
			return -EIO;
		}
		read_stream(d, f);
		fclose(f);
		return 0;
	}
	for (;;) {
		n = read(fd, buf, sizeof(buf) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten meanwhile: the next record */
		if (n <= 0)
			break;
		buf[n] = '\0';
		add_line(d, buf);	/* one record per read */
	}
	close(fd);
	return 0;
}

static int denial_cmp(const void *a, const void *b)
{
	const struct denial *x = a, *y = b;
	unsigned long nx = x->denied + x->logged, ny = y->denied + y->logged;

	if (nx != ny)
		return nx < ny ? 1 : -1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return strcmp(x->comm, y->comm);
}

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v ? v : def;
}

static int do_denials(int argc, char **argv)
{
	struct denials d = { 0 };
	const char *audit_log = env_or("PORTOWN_AUDIT_LOG", DEFAULT_AUDIT_LOG);
	/* the journal only when journald runs (journalctl says nothing, and exits 0, otherwise) */
	const char *journalctl = getenv("PORTOWN_JOURNALCTL") ? getenv("PORTOWN_JOURNALCTL")
		: access("/run/systemd/journal", F_OK) == 0 ? "journalctl" : "";
	const char *kmsg = env_or("PORTOWN_KMSG", DEFAULT_KMSG);
	const char *source = NULL;
	unsigned long denied = 0, logged = 0;
	int e = 0;

	(void)argc;
	(void)argv;
	if (log_file) {
		e = read_file(&d, log_file);
		if (e < 0) {
			warnx("cannot read %s: %s", log_file, strerror(-e));
			return EX_KERNEL;
		}
		source = log_file;
	} else if (*audit_log && access(audit_log, F_OK) == 0) {
		e = read_file(&d, audit_log);
		if (e < 0) {
			warnx("cannot read %s: %s%s", audit_log, strerror(-e), e == -EACCES ? " (run as root)" : "");
			return EX_KERNEL;
		}
		source = audit_log;
	} else if (*journalctl && read_journal(&d, journalctl) == 0) {
		source = "the journal";
	} else if (*kmsg && (e = read_kmsg(&d, kmsg)) == 0) {
		source = kmsg;
	} else {
		warnx("no log to read: no %s (auditd), no journal (journald), and %s cannot be read%s", audit_log, kmsg,
		      *kmsg && e == -EPERM ? " (run as root)" : "");
		return EX_KERNEL;
	}
	if (d.n)
		qsort(d.v, d.n, sizeof(*d.v), denial_cmp);
	out_init(stdout, opt_json);
	out_doc_begin();
	out_str(OUT_JSON, "source", NULL, source);
	out_text("%-5s %5s %-16s %-16s %6s %6s %s\n", "PROTO", "PORT", "USER", "PROGRAM", "DENIED", "LOGGED", "REASON");
	out_arr_open("denials");
	for (size_t i = 0; i < d.n; i++) {
		const struct denial *x = &d.v[i];
		char name[256], safe[300], user[300];
		const char *un = po_user_name(x->uid, name, sizeof(name));

		if (un)
			text_safe(un, user, sizeof(user));
		else
			snprintf(user, sizeof(user), "%u", x->uid);
		denied += x->denied;
		logged += x->logged;
		out_obj_open(NULL);
		out_str(OUT_ANY, "protocol", "%-5s ", po_proto_name(x->proto));
		out_uint(OUT_ANY, "port", "%5llu ", x->port);
		out_uint(OUT_JSON, "uid", NULL, x->uid);
		out_str(OUT_JSON, "user", NULL, un);
		out_str(OUT_TEXT, NULL, "%-16s ", user);
		out_str(OUT_JSON, "comm", NULL, x->comm);
		out_str(OUT_TEXT, NULL, "%-16s ", text_safe(x->comm, safe, sizeof(safe)));
		out_uint(OUT_ANY, "denied", "%6llu ", x->denied);
		out_uint(OUT_ANY, "logged", "%6llu ", x->logged);
		out_str(OUT_ANY, "reason", "%s\n", x->reason);
		if (x->last >= 0)
			out_int(OUT_JSON, "last", NULL, x->last);
		else
			out_null(OUT_JSON, "last", NULL, NULL);
		out_obj_close();
	}
	out_arr_close();
	out_uint(OUT_JSON, "denied", NULL, denied);
	out_uint(OUT_JSON, "logged", NULL, logged);
	out_doc_end();
	if (!opt_json)
		fprintf(stderr, "%s: %lu refused, %lu let through by permissive mode, from %s\n",
			prog, denied, logged, source);
	free(d.v);
	return d.n ? EX_NO : EX_OK;
}

static const struct option denials_opts[] = {
	{ "file", required_argument, NULL, 'f' }, { 0 }
};

const struct cmd cmd_denials = {
	.name = "denials", .run = do_denials, .option = denials_option,
	.shortopts = "f:", .longopts = denials_opts, .max_args = 0, .flags = CMD_JSON,
	.usage = "denials [--json] [-f FILE]",
	.help = "Count the binds portown refused, and those permissive mode let through,\n"
		"from its audit records, grouped by protocol, port, user and program: from\n"
		DEFAULT_AUDIT_LOG " (auditd) when it exists, else from the journal\n"
		"of this boot, else from the kernel log (" DEFAULT_KMSG ").  The step between\n"
		"permissive and enforcing: what enforcing would have refused.  Exit status 0\n"
		"when there is none, 1 when there are some, 4 when no log can be read.\n\n"
		"  -f, --file FILE  read FILE (an audit.log, dmesg or journal output) instead\n"
		"  -j, --json       print JSON\n"
		"  -h, --help       show this help\n",
};
