/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portownctl's command line: what every command file shares.
 *
 * main.c holds the dispatch table and parses the global options and each
 * command's options (the common ones, -h/--help and -j/--json, once, for
 * all); a command file (cmd_*.c) describes its own options in its struct cmd
 * and gets its operands.  common.c has the messages and the kernel reads
 * every command uses, warnings.c the warnings of check, load and audit.
 *
 * Exit codes (portownctl(8), EXIT STATUS):
 *   0 success
 *   1 a negative answer: explain refused, listeners found a squatter or a
 *     socket the stack refuses
 *   2 usage error
 *   3 invalid configuration; nothing loaded
 *   4 kernel or system error, or output error; nothing was changed
 *   5 warnings with --strict-warnings; nothing loaded
 *   6 the change was made (the new policy, mode or lock is in force), but a
 *     later step failed: --reserve-ephemeral, --lock, or writing the output
 */
#ifndef PORTOWN_PORTOWNCTL_H
#define PORTOWN_PORTOWNCTL_H

#include "config.h"
#include "policy.h"

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#ifndef PORTOWN_VERSION
#define PORTOWN_VERSION "0.1"
#endif

enum {
	EX_OK = 0, EX_NO = 1, EX_USAGE = 2, EX_CONFIG = 3, EX_KERNEL = 4,
	EX_WARN = 5, EX_PARTIAL = 6,
};

/* configuration errors printed before "... and N more errors" */
#define MAX_SHOWN_ERRORS	20

#define UNPRIV_SYSCTL	"net.ipv4.ip_unprivileged_port_start"

/* ------------------------------------------------------------ commands */

/* struct cmd flags */
#define CMD_JSON	0x1	/* takes -j/--json (and the global -j) */
#define CMD_GLOBAL_JSON	0x2	/* accepts the global -j without JSON of its own */

struct cmd {
	const char *name;
	/* the command, with its operands (options parsed and removed) */
	int (*run)(int argc, char **argv);
	/*
	 * One of the command's own options (c as getopt_long returns it, arg
	 * its argument or NULL): 0, or an exit status to stop with.  NULL
	 * when the command has none but -h (and -j).
	 */
	int (*option)(int c, char *arg);
	const char *shortopts;		/* its own, without h and j */
	const struct option *longopts;	/* its own, without help and json; NULL or { 0 }-terminated */
	int max_args;			/* more operands are a usage error; -1: any number */
	unsigned flags;
	const char *usage;
	const char *help;
};

/* long-only options get values past any character */
enum {
	OPT_LOCK = 256, OPT_RESERVE, OPT_STRICT_WARNINGS, OPT_CAP, OPT_NO_CAP,
	OPT_ENFORCING, OPT_PERMISSIVE, OPT_SECURITYFS, OPT_PROCSYS, OPT_PORT,
};

/* the command running (for usage messages), NULL before one is found */
extern const struct cmd *cur_cmd;
extern const char *prog;
/* what a successful kernel write changed, for the exit status (6) */
extern const char *changed;
/* -j/--json, global or the command's own; -p/--pretty */
extern bool opt_json, opt_pretty;
/* the last message of warnx, for the "error" member of a failed JSON document */
extern char last_error[2048];

void warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* the message, the command's usage line; EX_USAGE */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "usage: ..." and the help of c; EX_OK */
int cmd_help(const struct cmd *c);

/* ----------------------------------------------------- shared helpers */

void print_diags(const struct po_parser *ps, size_t total);
/*
 * Parse the given files or the default configuration; EX_OK or EX_CONFIG.
 * what follows the error count ("; nothing loaded" for load).
 */
int load_config(int nfiles, char **files, struct po_policy *pol,
		struct po_parser *ps, const char *what);
/* 0, or -1 with the message printed */
int require_active(void);
/*
 * Why portown is not active, into buf: securityfs not mounted, portown not
 * built in, or not in lsm= (or CONFIG_LSM), from the securityfs lsm file,
 * the kernel config ($PORTOWN_KCONFIG, /boot/config-RELEASE) and
 * /proc/cmdline.  *lsm_list (if lsm_list) gets a malloc'd copy of the LSM
 * list, or NULL.
 */
const char *inactive_reason(char *buf, size_t size, char **lsm_list);
/* the securityfs lsm file next to portown's directory (malloc'd), or NULL */
char *read_lsm_list(void);
/* why the loaded policy cannot be read, into buf */
const char *policy_read_error(int err, char *buf, size_t size);
/*
 * Read the loaded policy: EX_OK, or EX_KERNEL with *errp the -errno (0: the
 * text was not understood) and the message printed unless quiet.
 */
int read_kernel_policy(struct po_policy *pol, char **textp, int *errp, bool quiet);
/* a 0/1 securityfs file; -1 if unreadable */
int read_flag(const char *name);
/* net.ipv4.ip_unprivileged_port_start of this namespace; -1 if unknown */
long read_prot_sock(void);
/* ip_unprivileged_port_start as a JSON member, null when unknown (< 0) */
void out_prot_sock(long prot_sock);
/* how to put ip_unprivileged_port_start back to 0, naming the files that set it */
const char *prot_sock_fix(char *buf, size_t size);
/* a message for a failed securityfs write (static buffer) */
const char *kernel_write_error(const char *what, int err);
/* a port number or service name of proto; 0 or -1 */
int parse_port_arg(const char *s, unsigned proto, unsigned *port);
/*
 * With -j, a failed command's JSON document: the versions and "error", the
 * last message; 1 if printed.
 */
int json_failed(void);
/* a flag in JSON (null when unknown) and a line of text */
void out_flag(const char *key, const char *fmt, int v, const char *yes, const char *no);
/* the caller is outside the initial network namespace: a warning */
void warn_if_not_init_netns(void);

/* ----------------------------------------------------------- warnings */

/* "FILE:LINE: warning: ..." for a place in the configuration */
void warn_at(const char *file, unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* risky settings of the configuration itself; the number of warnings */
unsigned policy_warnings(const struct po_parser *ps, const struct po_policy *pol);
/* ip_unprivileged_port_start written back while portown is active */
unsigned prot_sock_warning(const struct po_policy *pol);
/* sysctl.d files that would write ip_unprivileged_port_start back (portown not active) */
unsigned sysctl_file_warnings(const struct po_policy *pol);
/* sockets bound now whose holder the new policy refuses */
unsigned listener_warnings(const struct po_policy *pol);

/* ------------------------------------------------------ port bitmaps */

#define BIT_SET(b, p)	((b)[(p) / 8] & (1u << ((p) % 8)))
#define BIT_ADD(b, p)	((b)[(p) / 8] |= (unsigned char)(1u << ((p) % 8)))

/* parse "a,b-c,..." of ip_local_reserved_ports into a bitmap */
void parse_port_list(const char *s, unsigned char *bits);
/* the bitmap as "a,b-c,...\n" (malloc'd), or NULL */
char *format_port_list(const unsigned char *bits);

struct ephemeral {
	unsigned char reserved[65536 / 8];	/* ip_local_reserved_ports now */
	unsigned char add[65536 / 8];		/* owned ports autobind may hand out */
	unsigned nadd;
};

/*
 * ip_local_port_range into lo and hi, ip_local_reserved_ports into
 * e->reserved (e zeroed first); 0, or -1 when the range cannot be read.
 */
int ephemeral_range(unsigned *lo, unsigned *hi, struct ephemeral *e);
/*
 * Owned ports inside ip_local_port_range and not reserved: autobind can hand
 * them to anyone.  Warns about each rule unless reserve (they are reserved
 * after the load then).  Returns the number of warnings.
 */
unsigned ephemeral_scan(const struct po_policy *pol, bool reserve, struct ephemeral *e);

/* ------------------------------------------------------ the commands */

extern const struct cmd cmd_check, cmd_load, cmd_show, cmd_status, cmd_enforce,
	cmd_lock, cmd_explain, cmd_listeners, cmd_audit, cmd_cmdline, cmd_denials;

#endif
