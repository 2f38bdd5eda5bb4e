// SPDX-License-Identifier: GPL-2.0
/*
 * portownctl - load and inspect the portown port ownership policy.
 *
 * The dispatch: the global options, the table of commands, each command's
 * options parsed here once (-h/--help and -j/--json for every command that
 * has them, the rest as its struct cmd describes), and one exit path that
 * flushes standard output.  The commands are in cmd_*.c; exit codes in
 * portownctl.h.
 */
#include "portownctl.h"
#include "kio.h"
#include "output.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OPT_ERROR (-2)

/* "--name" of a long option typed as arg ("--na=x"), into buf */
static const char *long_name(const char *arg, char *buf, size_t size)
{
	snprintf(buf, size, "%.*s", (int)strcspn(arg, "="), arg);
	return buf;
}

/* report a bad option once, in our words (getopt's own messages are off) */
static void bad_option(int c, char **argv, const char *shortopts, const struct option *lo)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	char name[128];

	if (c == ':') {
		if (!strncmp(arg, "--", 2))
			usage_error("option '%s' requires an argument", long_name(arg, name, sizeof(name)));
		else
			usage_error("option '-%c' requires an argument", optopt);
		return;
	}
	if (optopt == 0) {	/* unknown or ambiguous long option */
		const char *n = strncmp(arg, "--", 2) ? arg : arg + 2;
		size_t nl = strcspn(n, "="), matches = 0;
		char list[256] = "";
		size_t o = 0;

		for (const struct option *p = lo; p->name; p++) {
			if (strncmp(p->name, n, nl) != 0)
				continue;
			matches++;
			if (o < sizeof(list))
				o += (size_t)snprintf(list + o, sizeof(list) - o, "%s--%s", o ? ", " : "", p->name);
		}
		if (matches > 1)
			usage_error("ambiguous option '%s' (%s)", long_name(arg, name, sizeof(name)), list);
		else
			usage_error("unknown option '%s'", long_name(arg, name, sizeof(name)));
		return;
	}
	if (optopt >= 256 || strchr(shortopts, optopt)) {
		/* a known option: a long one given an argument it does not take */
		for (const struct option *p = lo; p->name; p++) {
			if (p->val == optopt) {
				usage_error("option '--%s' takes no argument", p->name);
				return;
			}
		}
	}
	usage_error("unknown option '-%c'", optopt);
}

/* getopt_long without getopt's messages: OPT_ERROR after reporting */
static int next_opt(int argc, char **argv, const char *shortopts, const struct option *lo)
{
	char spec[64];
	int c;

	/* "+" (stop at the first operand) must come first, then ":" */
	if (shortopts[0] == '+')
		snprintf(spec, sizeof(spec), "+:%s", shortopts + 1);
	else
		snprintf(spec, sizeof(spec), ":%s", shortopts);
	opterr = 0;
	c = getopt_long(argc, argv, spec, lo, NULL);
	if (c == '?' || c == ':') {
		bad_option(c, argv, shortopts, lo);
		return OPT_ERROR;
	}
	return c;
}

/* ------------------------------------------------------ help, version */

static void main_usage(FILE *f);
static const struct cmd *find_cmd(const char *name);

static int print_version(void)
{
	printf("portownctl %s\n", PORTOWN_VERSION);
	return EX_OK;
}

static int do_help(int argc, char **argv)
{
	const struct cmd *c;

	if (argc == 0) {
		main_usage(stdout);
		return EX_OK;
	}
	c = find_cmd(argv[0]);
	if (!c)
		return usage_error("unknown command '%s'", argv[0]);
	return cmd_help(c);
}

static int do_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return print_version();
}

static const struct cmd cmd_help_cmd = {
	.name = "help", .run = do_help, .max_args = 1, .flags = CMD_GLOBAL_JSON,
	.usage = "help [COMMAND]",
	.help = "Print the list of commands, or the help of COMMAND.\n",
};

static const struct cmd cmd_version = {
	.name = "version", .run = do_version, .max_args = 0, .flags = CMD_GLOBAL_JSON,
	.usage = "version",
	.help = "Print the version.\n",
};

/* ------------------------------------------------------------ dispatch */

static const struct cmd *const cmds[] = {
	&cmd_check, &cmd_load, &cmd_show, &cmd_status, &cmd_enforce, &cmd_lock,
	&cmd_explain, &cmd_listeners, &cmd_audit, &cmd_cmdline, &cmd_denials, &cmd_help_cmd, &cmd_version,
};

#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

/* "show, status, listeners": the commands with JSON output */
static const char *json_cmds(char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < NCMDS && o < size; i++)
		if (cmds[i]->flags & CMD_JSON)
			o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? ", " : "", cmds[i]->name);
	return buf;
}

static void main_usage(FILE *f)
{
	char jc[256];

	fprintf(f, "usage: %s [-j|--json] [-p|--pretty] [--securityfs DIR] [--procsys DIR] COMMAND [ARGS]\n"
		"       %s --version | --help\n\ncommands:\n", prog, prog);
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(f, "  %s\n", cmds[i]->usage);
	fprintf(f, "\nRun '%s COMMAND --help' or '%s help COMMAND' for a command's options.\n"
		"Exit status: 0 success, 1 refused, squatter or problem found, 2 usage error,\n"
		"3 invalid configuration (nothing loaded), 4 kernel or system error (nothing\n"
		"changed), 5 warnings with --strict-warnings (nothing loaded), 6 changed, but\n"
		"a later step failed (--reserve-ephemeral, --lock, writing the output).\n"
		"-j, --json: JSON output of %s; -p, --pretty: indented JSON.\n"
		"Environment: PORTOWN_SECURITYFS, PORTOWN_PROCSYS, PORTOWN_PROCFS, PORTOWN_CONFIG,\n"
		"PORTOWN_CONFDIR, PORTOWN_SYSCTL_ROOT, PORTOWN_AUDIT_LOG, PORTOWN_JOURNALCTL,\n"
		"PORTOWN_KMSG, PORTOWN_KCONFIG.\n", prog, prog, json_cmds(jc, sizeof(jc)));
}

static const struct cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(name, cmds[i]->name) == 0)
			return cmds[i];
	return NULL;
}

/*
 * The command's options, once for every command: -h/--help, -j/--json
 * (CMD_JSON) and its own (c->option).  Then the operands.  The options may
 * follow the operands, as in every GNU tool.
 */
static int run_cmd(const struct cmd *c, int argc, char **argv)
{
	static const struct option help_opt = { "help", no_argument, NULL, 'h' };
	static const struct option json_opt = { "json", no_argument, NULL, 'j' };
	struct option lo[32];
	char so[32];
	size_t n = 0;
	int o, rc;

	/* the order of --help: help first, the command's, json last */
	lo[n++] = help_opt;
	for (const struct option *p = c->longopts; p && p->name && n < 30; p++)
		lo[n++] = *p;
	if (c->flags & CMD_JSON)
		lo[n++] = json_opt;
	memset(&lo[n], 0, sizeof(lo[n]));
	snprintf(so, sizeof(so), "h%s%s", c->shortopts ? c->shortopts : "", c->flags & CMD_JSON ? "j" : "");
	while ((o = next_opt(argc, argv, so, lo)) != -1) {
		if (o == 'h')
			return cmd_help(c);
		if (o == 'j' && (c->flags & CMD_JSON)) {
			opt_json = true;
			continue;
		}
		if (o == OPT_ERROR || !c->option)
			return EX_USAGE;
		rc = c->option(o, optarg);
		if (rc)
			return rc;
	}
	if (c->max_args >= 0 && argc - optind > c->max_args)
		return usage_error("unexpected argument '%s'", argv[optind + c->max_args]);
	return c->run(argc - optind, argv + optind);
}

/* a pipe or socket on standard output whose reader is gone */
static bool stdout_reader_gone(void)
{
	struct pollfd pfd = { .fd = STDOUT_FILENO, .events = POLLOUT };
	struct stat st;

	return fstat(STDOUT_FILENO, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) &&
	       poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLERR | POLLHUP));
}

/*
 * Every command ends here: standard output flushed and closed, and a write
 * error reported once, the same way for every command.  A reader that went
 * away (EPIPE, as with "| head") is no error: the exit status is the
 * command's own, and nothing is said.
 */
static int finish(int rc)
{
	int e = 0;

	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout))
		e = errno ? errno : EIO;
	if (e != EPIPE && stdout_reader_gone())
		e = EPIPE;
	if (!e && fclose(stdout) != 0)
		e = errno ? errno : EIO;
	if (!e || e == EPIPE)
		return rc;
	if (changed) {
		warnx("cannot write the output: %s; %s", strerror(e), changed);
		return EX_PARTIAL;
	}
	warnx("cannot write the output: %s", strerror(e));
	return rc >= EX_USAGE ? rc : EX_KERNEL;
}


static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "securityfs", required_argument, NULL, OPT_SECURITYFS },
		{ "procsys", required_argument, NULL, OPT_PROCSYS },
		{ 0 }
	};
	const struct cmd *cmd;
	char jc[256];
	int c;

	while ((c = next_opt(argc, argv, "+hVjp", opts)) != -1) {
		switch (c) {
		case 'h': main_usage(stdout); return EX_OK;
		case 'V': return print_version();
		case 'j': opt_json = true; break;
		case 'p': opt_pretty = true; break;
		case OPT_SECURITYFS: po_securityfs_dir = optarg; break;
		case OPT_PROCSYS: po_procsys_dir = optarg; break;
		default: return EX_USAGE;
		}
	}
	kio_init_paths();
	out_set_pretty(opt_pretty);
	if (optind == argc) {
		main_usage(stderr);
		return EX_USAGE;
	}
	cmd = find_cmd(argv[optind]);
	if (!cmd) {
		cur_cmd = NULL;
		return usage_error("unknown command '%s'", argv[optind]);
	}
	cur_cmd = cmd;
	if (opt_json && !(cmd->flags & (CMD_JSON | CMD_GLOBAL_JSON)))
		return usage_error("'%s' has no JSON output (-j, --json: %s)", cmd->name, json_cmds(jc, sizeof(jc)));
	argv += optind;
	argc -= optind;
	optind = 0;	/* full reset: the "+" mode above must not carry over */
	return run_cmd(cmd, argc, argv);
}

int main(int argc, char **argv)
{
	/*
	 * A closed pipe on stdout must not kill us between the policy write
	 * and --lock: writes fail with EPIPE instead (see finish()).
	 */
	signal(SIGPIPE, SIG_IGN);
	return finish(run(argc, argv));
}
