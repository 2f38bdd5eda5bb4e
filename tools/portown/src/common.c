// SPDX-License-Identifier: GPL-2.0
/*
 * portownctl: messages and the kernel reads that every command uses.
 */
#include "portownctl.h"
#include "kio.h"
#include "output.h"
#include "procscan.h"
#include "resolve.h"
#include "sysctl.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

const char *prog = "portownctl";
const char *changed;
bool opt_json, opt_pretty;
char last_error[2048];
const struct cmd *cur_cmd;

void warnx(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cur_cmd)
		fprintf(stderr, "usage: %s %s\nTry '%s %s --help'.\n", prog, cur_cmd->usage, prog, cur_cmd->name);
	else
		fprintf(stderr, "Try '%s --help'.\n", prog);
	return EX_USAGE;
}

int cmd_help(const struct cmd *c)
{
	printf("usage: %s %s\n\n%s", prog, c->usage, c->help);
	return EX_OK;
}


void print_diags(const struct po_parser *ps, size_t total)
{
	char buf[1024];
	size_t shown = ps->ndiags < MAX_SHOWN_ERRORS ? ps->ndiags : MAX_SHOWN_ERRORS;

	for (size_t i = 0; i < shown; i++) {
		po_diag_format(&ps->diags[i], buf, sizeof(buf));
		fprintf(stderr, "%s\n", buf);
	}
	if (total > shown)
		fprintf(stderr, "... and %zu more error%s\n", total - shown, total - shown == 1 ? "" : "s");
}

/*
 * Parse the given files or the default configuration; EX_OK or EX_CONFIG.
 * what follows the error count ("; nothing loaded" for load).
 */
int load_config(int nfiles, char **files, struct po_policy *pol,
		       struct po_parser *ps, const char *what)
{
	size_t n;

	po_policy_init(pol);
	po_parser_init(ps, pol, &po_nss_resolver, true);
	if (nfiles == 0) {
		const char *conf = getenv("PORTOWN_CONFIG"), *dir = getenv("PORTOWN_CONFDIR");

		po_parse_default(ps, conf && *conf ? conf : PO_DEFAULT_CONFIG,
				 dir ? dir : PO_DEFAULT_CONFDIR);
	} else {
		for (int i = 0; i < nfiles; i++)
			po_parse_file(ps, files[i]);
	}
	n = po_parse_finish(ps);
	if (n) {
		print_diags(ps, n);
		warnx("%zu error%s in the configuration%s", n, n == 1 ? "" : "s", what);
		return EX_CONFIG;
	}
	return EX_OK;
}

/* a whole small file, NUL-terminated, trailing newline removed; NULL if unreadable */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(65536);
	if (!buf) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, 65535, f);
	fclose(f);
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return buf;
}

/* CONFIG_SECURITY_PORTOWN in this kernel's config: 1 =y, 0 not set, -1 unknown; the file in path */
static int portown_built_in(char *path, size_t size)
{
	const char *e = getenv("PORTOWN_KCONFIG");
	struct utsname u;
	char *t;
	int v = -1;

	if (e && *e)
		snprintf(path, size, "%s", e);
	else if (uname(&u) == 0)
		snprintf(path, size, "/boot/config-%s", u.release);
	else
		return -1;
	t = slurp(path);
	if (!t)
		return -1;
	/* a config without the line (older than portown) has it off too */
	v = strstr(t, "\nCONFIG_SECURITY_PORTOWN=y") || !strncmp(t, "CONFIG_SECURITY_PORTOWN=y", 25);
	free(t);
	return v;
}

/* the lsm= of this boot's command line, into buf; NULL without one */
static const char *boot_lsm_param(char *buf, size_t size)
{
	char path[4096], *t;
	const char *found = NULL;

	snprintf(path, sizeof(path), "%s/cmdline", po_procfs_dir());
	t = slurp(path);
	if (!t)
		return NULL;
	for (char *w = strtok(t, " \n"); w; w = strtok(NULL, " \n"))
		if (!strncmp(w, "lsm=", 4)) {
			snprintf(buf, size, "%s", w + 4);
			found = buf;	/* the last one counts */
		}
	free(t);
	return found;
}

char *read_lsm_list(void)
{
	char root[4096], path[4200], *slash;

	snprintf(root, sizeof(root), "%s", po_securityfs_dir);
	slash = strrchr(root, '/');
	if (slash && slash != root)
		*slash = '\0';
	snprintf(path, sizeof(path), "%s/lsm", root);
	return slurp(path);
}

const char *inactive_reason(char *buf, size_t size, char **lsm_list)
{
	char root[4096], path[4200], kc[4200], param[1024];
	char *slash, *lsm;
	int built;

	if (lsm_list)
		*lsm_list = NULL;
	snprintf(root, sizeof(root), "%s", po_securityfs_dir);
	slash = strrchr(root, '/');
	if (slash && slash != root)
		*slash = '\0';
	snprintf(path, sizeof(path), "%s/lsm", root);
	lsm = slurp(path);
	if (!lsm) {
		snprintf(buf, size, "securityfs is not mounted on %s (no %s; mount -t securityfs securityfs %s)",
			 root, path, root);
		return buf;
	}
	if (lsm_list)
		*lsm_list = strdup(lsm);
	if (strstr(lsm, "portown")) {
		snprintf(buf, size, "portown is among the kernel's LSMs (%s: %s), but its directory is missing", path, lsm);
		free(lsm);
		return buf;
	}
	built = portown_built_in(kc, sizeof(kc));
	if (built == 0)
		snprintf(buf, size, "portown is not built into this kernel (no CONFIG_SECURITY_PORTOWN=y in %s); "
			 "its LSMs are %s", kc, lsm);
	else if (boot_lsm_param(param, sizeof(param)))
		snprintf(buf, size, "portown is not in lsm=%s on the kernel command line%s%s%s; boot with lsm=%s,portown",
			 param, built == 1 ? " (it is built in: CONFIG_SECURITY_PORTOWN=y in " : "",
			 built == 1 ? kc : "", built == 1 ? ")" : "", lsm);
	else if (built == 1)
		snprintf(buf, size, "portown is built in (CONFIG_SECURITY_PORTOWN=y in %s) but not in the kernel's default "
			 "LSM list (CONFIG_LSM), which gave %s; boot with lsm=%s,portown", kc, lsm, lsm);
	else
		snprintf(buf, size, "portown is not among the kernel's LSMs (%s: %s): it is not built in, or not "
			 "listed in lsm= (or CONFIG_LSM)", path, lsm);
	free(lsm);
	return buf;
}

int require_active(void)
{
	char why[2048];

	if (kio_active())
		return 0;
	warnx("portown is not active: %s does not exist: %s", po_securityfs_dir, inactive_reason(why, sizeof(why), NULL));
	return -1;
}

/* why the loaded policy cannot be read, into buf */
const char *policy_read_error(int err, char *buf, size_t size)
{
	if (err == -EACCES || err == -EPERM)
		snprintf(buf, size, "cannot read the loaded policy (%s: %s): it is readable by root only (mode 0600)",
			 kio_path("policy"), strerror(-err));
	else
		snprintf(buf, size, "cannot read the loaded policy (%s: %s)", kio_path("policy"), strerror(-err));
	return buf;
}

/*
 * Read the loaded policy: EX_OK, or EX_KERNEL with *errp the -errno (0: the
 * text was not understood) and the message printed unless quiet.
 */
int read_kernel_policy(struct po_policy *pol, char **textp, int *errp, bool quiet)
{
	char *text, buf[600];
	size_t len;
	int rc = kio_read("policy", &text, &len);
	struct po_parser ps;

	po_policy_init(pol);
	if (errp)
		*errp = rc;
	if (rc < 0) {
		if (!quiet)
			warnx("%s", policy_read_error(rc, buf, sizeof(buf)));
		return EX_KERNEL;
	}
	po_parser_init(&ps, pol, NULL, false);
	po_parse_buffer(&ps, kio_path("policy"), text, len);
	if (po_parse_finish(&ps)) {
		print_diags(&ps, ps.ndiags + ps.nmore);
		warnx("cannot understand the policy the kernel reports");
		po_parser_free(&ps);
		po_policy_free(pol);
		free(text);
		return EX_KERNEL;
	}
	po_parser_free(&ps);
	if (textp)
		*textp = text;
	else
		free(text);
	return EX_OK;
}

/* a 0/1 securityfs file; -1 if unreadable */
int read_flag(const char *name)
{
	char *t;
	int rc = kio_read(name, &t, NULL), v;

	if (rc < 0)
		return -1;
	v = t[0] == '1' ? 1 : t[0] == '0' ? 0 : -1;
	free(t);
	return v;
}

/* net.ipv4.ip_unprivileged_port_start of this namespace; -1 if unknown */
long read_prot_sock(void)
{
	char *t, *end;
	long v = -1;

	if (kio_proc_read("net/ipv4/ip_unprivileged_port_start", &t, NULL) < 0)
		return -1;
	v = strtol(t, &end, 10);
	if (end == t || v < 0 || v > 65536)
		v = -1;
	free(t);
	return v;
}

/* ip_unprivileged_port_start as a JSON member, null when unknown (< 0) */
void out_prot_sock(long prot_sock)
{
	if (prot_sock >= 0)
		out_int(OUT_JSON, "ip_unprivileged_port_start", NULL, prot_sock);
	else
		out_null(OUT_JSON, "ip_unprivileged_port_start", NULL, NULL);
}

/* how to put ip_unprivileged_port_start back to 0, naming the files that set it */
const char *prot_sock_fix(char *buf, size_t size)
{
	struct po_sysctl_src src[3];
	size_t n = po_sysctl_sources(UNPRIV_SYSCTL, "0", src, 3), o;

	o = (size_t)snprintf(buf, size, "set it back to 0 (sysctl -w %s=0) and ", UNPRIV_SYSCTL);
	if (n == 0) {
		snprintf(buf + o, size - o, "make sure no /etc/sysctl.d file or /etc/sysctl.conf sets it");
		return buf;
	}
	o += (size_t)snprintf(buf + o, size - o, "remove the setting from");
	for (size_t i = 0; i < n && i < 3 && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s %s:%u (%s = %s)", i ? "," : "",
				      src[i].path, src[i].line, UNPRIV_SYSCTL, src[i].value);
	if (n > 3 && o < size)
		snprintf(buf + o, size - o, " and %zu more", n - 3);
	return buf;
}

const char *kernel_write_error(const char *what, int err)
{
	static char buf[512];

	switch (-err) {
	case EPERM:
		if (read_flag("lock") == 1)
			snprintf(buf, sizeof(buf), "%s: portown is locked until reboot (Operation not permitted)", what);
		else
			snprintf(buf, sizeof(buf), "%s: permission denied: CAP_MAC_ADMIN in the initial user namespace is required (Operation not permitted)", what);
		break;
	case EACCES:
		snprintf(buf, sizeof(buf), "%s: permission denied (run as root)", what);
		break;
	case EINVAL:
		snprintf(buf, sizeof(buf), "%s: the kernel rejected it (Invalid argument); see the kernel log ('portown: policy rejected, line N: ...')", what);
		break;
	case E2BIG:
		snprintf(buf, sizeof(buf), "%s: the kernel rejected it as too large (Argument list too long)", what);
		break;
	default:
		snprintf(buf, sizeof(buf), "%s: %s", what, strerror(-err));
	}
	return buf;
}

int parse_port_arg(const char *s, unsigned proto, unsigned *port)
{
	char *end;
	unsigned long v;

	if (*s >= '0' && *s <= '9') {
		v = strtoul(s, &end, 10);
		if (*end || v > 65535)
			return -1;
		*port = (unsigned)v;
		return 0;
	}
	uint16_t p;

	if (po_nss_resolver.service(NULL, s, po_proto_name(proto), &p))
		return -1;
	*port = p;
	return 0;
}

/* a flag in JSON (null when unknown) and a line of text */
void out_flag(const char *key, const char *fmt, int v, const char *yes, const char *no)
{
	if (v < 0)
		out_null(OUT_JSON, key, NULL, NULL);
	else
		out_bool(OUT_JSON, key, NULL, v);
	if (fmt)
		out_text(fmt, v < 0 ? "unknown" : v ? yes : no);
}

/*
 * portown governs the initial network namespace only, and the sysctl and
 * the sock_diag dump are those of the caller's namespace: say so when the
 * caller is elsewhere (the PID 1 comparison needs root; without it, quiet).
 */
void warn_if_not_init_netns(void)
{
	const char *procfs = po_procfs_dir();
	char self[PATH_MAX], init[PATH_MAX];
	struct stat a, b;

	snprintf(self, sizeof(self), "%s/self/ns/net", procfs);
	snprintf(init, sizeof(init), "%s/1/ns/net", procfs);
	if (stat(self, &a) < 0 || stat(init, &b) < 0)
		return;
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		warnx("warning: not in the initial network namespace: the sysctl and sockets shown are this namespace's, which portown does not govern");
}

int json_failed(void)
{
	if (!opt_json)
		return 0;
	out_init(stdout, true);
	out_doc_begin();
	out_str(OUT_JSON, "error", NULL, last_error);
	out_doc_end();
	return 1;
}
