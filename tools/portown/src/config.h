/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Config parser: the kernel's policy grammar plus names (users, groups,
 * /etc/services) and includes.  With no resolver it accepts exactly the
 * kernel grammar (used to read back /sys/kernel/security/portown/policy).
 */
#ifndef PORTOWN_CONFIG_H
#define PORTOWN_CONFIG_H

#include "policy.h"

struct po_resolver {
	/* each returns 0 when found, -1 when unknown */
	int (*user)(void *ctx, const char *name, uint32_t *uid);
	int (*group)(void *ctx, const char *name, uint32_t *gid);
	int (*service)(void *ctx, const char *name, const char *proto,
		       uint16_t *port);
	void *ctx;
};

struct po_diag {
	char *file;		/* NULL: no file */
	unsigned line, col;	/* 0: no position */
	char *msg;
};

/* the diagnostics kept; the rest are only counted (nmore) */
#define PO_MAX_DIAGS	1000

/* a file being read: an include of one of them is a cycle */
struct po_open_file {
	uint64_t dev, ino;
	const char *name;	/* interned */
};

struct po_parser {
	struct po_policy *pol;
	const struct po_resolver *resolver;	/* NULL: kernel grammar */
	bool allow_include;
	unsigned depth;
	struct po_diag *diags;
	size_t ndiags, diags_cap;
	size_t nmore;		/* diagnostics past PO_MAX_DIAGS */
	struct po_open_file *open;	/* the include chain, outermost first */
	size_t nopen, open_cap;
	struct po_open_file *read;	/* every file read: none is read twice */
	size_t nread, read_cap;
	char **files;		/* owned copies of every file name seen */
	size_t nfiles;
	const char *reserved_file, *strict_file;
	unsigned reserved_line, strict_line;
};

void po_parser_init(struct po_parser *ps, struct po_policy *pol,
		    const struct po_resolver *resolver, bool allow_include);
void po_parser_free(struct po_parser *ps);

/* parse a buffer (may contain NULs); name is used in messages */
void po_parse_buffer(struct po_parser *ps, const char *name,
		     const char *buf, size_t len);
/* parse a file ("-" = standard input) */
void po_parse_file(struct po_parser *ps, const char *path);
/* the default configuration: conf (must exist) then dropin_dir/ *.conf */
void po_parse_default(struct po_parser *ps, const char *conf,
		      const char *dropin_dir);
/*
 * Canonicalize and check the kernel's limits; returns the number of errors
 * (ndiags kept plus nmore counted).
 */
size_t po_parse_finish(struct po_parser *ps);

void po_diag_add(struct po_parser *ps, const char *file, unsigned line,
		 unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* "file:line:column: message" (or "file: message") */
void po_diag_format(const struct po_diag *d, char *buf, size_t size);

#endif
