// SPDX-License-Identifier: GPL-2.0
/* portown config parser: kernel grammar + names + includes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_INCLUDE_DEPTH	8
#define MAX_FILE_SIZE		(64u * 1024u * 1024u)
#define MAX_FIELDS		8

void po_parser_init(struct po_parser *ps, struct po_policy *pol,
		    const struct po_resolver *resolver, bool allow_include)
{
	memset(ps, 0, sizeof(*ps));
	ps->pol = pol;
	ps->resolver = resolver;
	ps->allow_include = allow_include;
}

void po_parser_free(struct po_parser *ps)
{
	for (size_t i = 0; i < ps->ndiags; i++) {
		free(ps->diags[i].file);
		free(ps->diags[i].msg);
	}
	free(ps->diags);
	for (size_t i = 0; i < ps->nfiles; i++)
		free(ps->files[i]);
	free(ps->files);
	free(ps->open);
	free(ps->read);
	ps->diags = NULL;
	ps->files = NULL;
	ps->open = NULL;
	ps->read = NULL;
	ps->ndiags = ps->nfiles = ps->nmore = ps->nopen = ps->open_cap = 0;
	ps->nread = ps->read_cap = 0;
}

static void oom(void)
{
	fputs("portownctl: out of memory\n", stderr);
	exit(4);
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		oom();
	return d;
}

void po_diag_add(struct po_parser *ps, const char *file, unsigned line,
		 unsigned col, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	if (ps->ndiags >= PO_MAX_DIAGS) {
		ps->nmore++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->ndiags == ps->diags_cap) {
		size_t n = ps->diags_cap ? ps->diags_cap * 2 : 8;
		struct po_diag *v = realloc(ps->diags, n * sizeof(*v));

		if (!v)
			oom();
		ps->diags = v;
		ps->diags_cap = n;
	}
	ps->diags[ps->ndiags++] = (struct po_diag){
		.file = file ? xstrdup(file) : NULL,
		.line = line, .col = col, .msg = xstrdup(msg),
	};
}

void po_diag_format(const struct po_diag *d, char *buf, size_t size)
{
	if (d->file && d->line)
		snprintf(buf, size, "%s:%u:%u: %s", d->file, d->line, d->col, d->msg);
	else if (d->file)
		snprintf(buf, size, "%s: %s", d->file, d->msg);
	else
		snprintf(buf, size, "%s", d->msg);
}

static const char *intern_file(struct po_parser *ps, const char *name)
{
	for (size_t i = 0; i < ps->nfiles; i++)
		if (strcmp(ps->files[i], name) == 0)
			return ps->files[i];
	char **v = realloc(ps->files, (ps->nfiles + 1) * sizeof(*v));

	if (!v)
		oom();
	ps->files = v;
	v[ps->nfiles] = xstrdup(name);
	return v[ps->nfiles++];
}

/* a token quoted for a message: printable ASCII as is, others as \xHH */
static const char *q(const char *s, char *buf, size_t size)
{
	size_t o = 0;

	for (; *s && o + 8 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
			buf[o++] = (char)c;
		} else {
			snprintf(buf + o, size - o, "\\x%02x", c);
			o += 4;
		}
	}
	if (*s) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

/*
 * Decimal digits only (leading zeros accepted), value <= max.
 * Returns 0 ok, -1 not a number, -2 out of range.
 */
static int parse_num(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	bool big = false;

	if (!*s)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (!big) {
			v = v * 10 + (uint64_t)(*p - '0');
			if (v > max)
				big = true;
		}
	}
	if (big)
		return -2;
	*out = v;
	return 0;
}

struct field {
	char *s;
	unsigned col;
};

struct line_ctx {
	struct po_parser *ps;
	const char *file;	/* interned */
	unsigned line;
	struct field f[MAX_FIELDS];
	unsigned nf;
	unsigned endcol;	/* column just after the last field */
};

#define ERR(lc, col, ...) po_diag_add((lc)->ps, (lc)->file, (lc)->line, (col), __VA_ARGS__)

static void parse_include(struct line_ctx *lc);

/* a port or a range; returns 0 and sets first/last, or reports */
static int parse_ports(struct line_ctx *lc, const struct field *fd,
		       unsigned proto, uint16_t *first, uint16_t *last)
{
	char qb[160];
	const char *s = fd->s, *dash = strchr(s, '-');
	uint64_t a = 0, b = 0;
	int ra, rb;

	if (!dash) {
		ra = parse_num(s, 65535, &a);
		if (ra == 0) {
			if (a == 0) {
				ERR(lc, fd->col, "port 0 is not allowed (ports are 1-65535)");
				return -1;
			}
			*first = *last = (uint16_t)a;
			return 0;
		}
		if (ra == -2) {
			ERR(lc, fd->col, "port '%s' out of range (ports are 1-65535)", q(s, qb, sizeof(qb)));
			return -1;
		}
	} else {
		char *l = strndup(s, (size_t)(dash - s));

		if (!l)
			oom();
		ra = parse_num(l, 65535, &a);
		rb = parse_num(dash + 1, 65535, &b);
		free(l);
		if (ra != -1 && rb != -1) {
			if (ra == -2 || rb == -2) {
				ERR(lc, fd->col, "port range '%s' out of range (ports are 1-65535)", q(s, qb, sizeof(qb)));
				return -1;
			}
			if (a == 0) {
				ERR(lc, fd->col, "port 0 is not allowed (ports are 1-65535)");
				return -1;
			}
			if (a > b) {
				ERR(lc, fd->col, "invalid port range '%s': first port greater than last", q(s, qb, sizeof(qb)));
				return -1;
			}
			*first = (uint16_t)a;
			*last = (uint16_t)b;
			return 0;
		}
	}
	/* not numeric: a service name? */
	if (lc->ps->resolver && ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9'))) {
		uint16_t port;

		if (lc->ps->resolver->service(lc->ps->resolver->ctx, s,
					      po_proto_name(proto), &port) == 0 && port != 0) {
			*first = *last = port;
			return 0;
		}
		if (!(*s >= '0' && *s <= '9')) {
			ERR(lc, fd->col, "unknown service '%s' for %s", q(s, qb, sizeof(qb)), po_proto_name(proto));
			return -1;
		}
	}
	ERR(lc, fd->col, "invalid port '%s' (expected N or N-M, 1-65535%s)",
	    q(s, qb, sizeof(qb)), lc->ps->resolver ? ", or a service name" : "");
	return -1;
}

static void parse_rule(struct line_ctx *lc, unsigned proto)
{
	struct po_parser *ps = lc->ps;
	struct po_rule r = { .proto = (uint8_t)proto, .src_file = lc->file, .src_line = lc->line };
	char qb[160];
	const char *kind;
	bool named;	/* user/group: names allowed */
	uint64_t id;

	if (lc->nf < 2) {
		ERR(lc, lc->endcol, "missing port after '%s'", po_proto_name(proto));
		return;
	}
	if (parse_ports(lc, &lc->f[1], proto, &r.first, &r.last))
		return;
	const char *expect = ps->resolver ? "user, group, uid or gid" : "uid or gid";

	if (lc->nf < 3) {
		ERR(lc, lc->endcol, "missing owner after port (expected %s)", expect);
		return;
	}
	kind = lc->f[2].s;
	if (strcmp(kind, "uid") == 0) {
		r.subject = PO_UID;
		named = false;
	} else if (strcmp(kind, "gid") == 0) {
		r.subject = PO_GID;
		named = false;
	} else if (ps->resolver && strcmp(kind, "user") == 0) {
		r.subject = PO_UID;
		named = true;
	} else if (ps->resolver && strcmp(kind, "group") == 0) {
		r.subject = PO_GID;
		named = true;
	} else {
		ERR(lc, lc->f[2].col, "unknown owner type '%s' (expected %s)", q(kind, qb, sizeof(qb)), expect);
		return;
	}
	if (lc->nf < 4) {
		ERR(lc, lc->endcol, "missing %s after '%s'",
		    named ? (r.subject == PO_UID ? "user name or uid" : "group name or gid") : kind, kind);
		return;
	}
	const struct field *fi = &lc->f[3];
	int rc = parse_num(fi->s, PO_MAX_ID, &id);

	if (rc == -2) {
		ERR(lc, fi->col, "%s '%s' out of range (0-%u)", po_subject_name(r.subject),
		    q(fi->s, qb, sizeof(qb)), PO_MAX_ID);
		return;
	}
	if (rc == -1) {
		if (!named) {
			ERR(lc, fi->col, "invalid %s '%s' (expected a number 0-%u%s)", kind,
			    q(fi->s, qb, sizeof(qb)), PO_MAX_ID,
			    ps->resolver ? (r.subject == PO_UID ? "; use 'user' for names" : "; use 'group' for names") : "");
			return;
		}
		uint32_t v;
		int found = r.subject == PO_UID
			? ps->resolver->user(ps->resolver->ctx, fi->s, &v)
			: ps->resolver->group(ps->resolver->ctx, fi->s, &v);
		if (found != 0) {
			ERR(lc, fi->col, "unknown %s '%s'", r.subject == PO_UID ? "user" : "group", q(fi->s, qb, sizeof(qb)));
			return;
		}
		if (v > PO_MAX_ID) {
			ERR(lc, fi->col, "%s '%s' has id %u, which the kernel cannot store",
			    r.subject == PO_UID ? "user" : "group", q(fi->s, qb, sizeof(qb)), v);
			return;
		}
		id = v;
	}
	r.id = (uint32_t)id;
	if (lc->nf > 4) {
		ERR(lc, lc->f[4].col, "unexpected '%s' after rule", q(lc->f[4].s, qb, sizeof(qb)));
		return;
	}
	if (ps->pol->nrules >= (size_t)PO_MAX_RULES * 4) {
		/* far past the limit: stop collecting, po_parse_finish reports it */
		return;
	}
	if (po_policy_add(ps->pol, &r))
		oom();
}

static void parse_line(struct line_ctx *lc)
{
	struct po_parser *ps = lc->ps;
	const char *kw = lc->f[0].s;
	char qb[160];
	int proto;

	if (strcmp(kw, "reserved") == 0) {
		uint64_t v;
		int rc;

		if (lc->nf < 2) {
			ERR(lc, lc->endcol, "missing value after 'reserved' (expected 0-65535)");
			return;
		}
		rc = parse_num(lc->f[1].s, 65535, &v);
		if (rc) {
			ERR(lc, lc->f[1].col, "invalid reserved value '%s' (expected 0-65535)", q(lc->f[1].s, qb, sizeof(qb)));
			return;
		}
		if (lc->nf > 2) {
			ERR(lc, lc->f[2].col, "unexpected '%s' after reserved value", q(lc->f[2].s, qb, sizeof(qb)));
			return;
		}
		if (ps->reserved_file) {
			ERR(lc, lc->f[0].col, "duplicate 'reserved' (first set at %s:%u)", ps->reserved_file, ps->reserved_line);
			return;
		}
		ps->reserved_file = lc->file;
		ps->reserved_line = lc->line;
		ps->pol->reserved = (uint32_t)v;
	} else if (strcmp(kw, "strict") == 0) {
		if (lc->nf > 1) {
			ERR(lc, lc->f[1].col, "unexpected '%s' after 'strict'", q(lc->f[1].s, qb, sizeof(qb)));
			return;
		}
		if (ps->strict_file) {
			ERR(lc, lc->f[0].col, "duplicate 'strict' (first set at %s:%u)", ps->strict_file, ps->strict_line);
			return;
		}
		ps->strict_file = lc->file;
		ps->strict_line = lc->line;
		ps->pol->strict = true;
	} else if (ps->allow_include && strcmp(kw, "include") == 0) {
		parse_include(lc);
	} else if ((proto = po_proto_parse(kw)) >= 0) {
		parse_rule(lc, (unsigned)proto);
	} else {
		ERR(lc, lc->f[0].col, "unknown keyword '%s' (expected tcp, udp, sctp, dccp, reserved, strict%s)",
		    q(kw, qb, sizeof(qb)), ps->allow_include ? " or include" : "");
	}
}

/* lines that end in CR LF (or CR at the end of the buffer) */
static size_t count_crlf(const char *buf, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\r' && (i + 1 == len || buf[i + 1] == '\n'))
			n++;
	return n;
}

static const char utf8_bom[] = "\xef\xbb\xbf";

void po_parse_buffer(struct po_parser *ps, const char *name,
		     const char *buf, size_t len)
{
	struct line_ctx lc = { .ps = ps, .file = intern_file(ps, name) };
	size_t pos = 0, crlf = count_crlf(buf, len);
	bool crlf_told = false, bom = len >= 3 && memcmp(buf, utf8_bom, 3) == 0;

	if (bom)
		po_diag_add(ps, lc.file, 1, 1, "UTF-8 byte-order mark at the start of the file: save it without one "
		    "(e.g. sed -i '1s/^\\xEF\\xBB\\xBF//' FILE)");
	while (pos < len) {
		const char *start = buf + pos, *nl = memchr(start, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - start) : len - pos;

		pos += ll + (nl ? 1 : 0);
		lc.line++;
		if (ll && start[ll - 1] == '\r') {
			/* reported once per file; the line is read without it */
			ll--;
			if (!crlf_told) {
				if (crlf > 1)
					ERR(&lc, (unsigned)ll + 1, "line ends in CR LF (a DOS/Windows line ending), "
					    "like %zu more line%s of this file: convert it to LF line endings, e.g. with dos2unix",
					    crlf - 1, crlf == 2 ? "" : "s");
				else
					ERR(&lc, (unsigned)ll + 1, "line ends in CR LF (a DOS/Windows line ending): "
					    "convert the file to LF line endings, e.g. with dos2unix");
				crlf_told = true;
			}
		}
		const char *nul = memchr(start, '\0', ll);

		if (nul) {
			const char *hash = memchr(start, '#', (size_t)(nul - start));

			if (!hash) {
				ERR(&lc, (unsigned)(nul - start) + 1, "NUL byte in line");
				continue;
			}
		}
		char *copy = strndup(start, ll);	/* stops at a NUL inside a comment */

		if (!copy)
			oom();
		if (bom && lc.line == 1)	/* reported above; columns stay those of the file */
			memset(copy, ' ', strlen(copy) < 3 ? strlen(copy) : 3);
		char *hash = strchr(copy, '#');

		if (hash)
			*hash = '\0';
		lc.nf = 0;
		lc.endcol = 1;
		for (char *p = copy; *p;) {
			while (*p == ' ' || *p == '\t')
				p++;
			if (!*p)
				break;
			char *tok = p;

			while (*p && *p != ' ' && *p != '\t')
				p++;
			if (lc.nf == MAX_FIELDS)
				break;	/* enough to report the first extra field */
			lc.f[lc.nf].s = tok;
			lc.f[lc.nf].col = (unsigned)(tok - copy) + 1;
			lc.nf++;
			lc.endcol = (unsigned)(p - copy) + 1;
			if (*p)
				*p++ = '\0';
		}
		if (lc.nf)
			parse_line(&lc);
		free(copy);
	}
}

static char *read_all(int fd, size_t *lenp, int *err)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);

	if (!buf)
		oom();
	for (;;) {
		if (len == cap) {
			if (cap >= MAX_FILE_SIZE) {
				free(buf);
				*err = EFBIG;
				return NULL;
			}
			cap *= 2;
			char *n = realloc(buf, cap);

			if (!n)
				oom();
			buf = n;
		}
		ssize_t r = read(fd, buf + len, cap - len);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			*err = errno;
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	*lenp = len;
	return buf;
}

/* Append (dev, ino, name) to one of the parser's file lists, growing it. */
static void file_push(struct po_open_file **v, size_t *n, size_t *cap,
		      dev_t dev, ino_t ino, const char *name)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		struct po_open_file *nv = realloc(*v, c * sizeof(**v));

		if (!nv)
			oom();
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = (struct po_open_file){
		.dev = (uint64_t)dev, .ino = (uint64_t)ino, .name = name,
	};
}

/* reports on (rfile, rline, rcol) when given, else as "path: message" */
static void parse_path(struct po_parser *ps, const char *path,
		       const char *rfile, unsigned rline, unsigned rcol)
{
	int fd, err = 0;
	size_t len;
	char *buf;
	struct stat st;

	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
		path = "<stdin>";
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		err = errno;
	else if (fstat(fd, &st) < 0)
		err = errno;
	else if (S_ISDIR(st.st_mode))
		err = EISDIR;
	if (err) {
		if (rfile)
			po_diag_add(ps, rfile, rline, rcol, "cannot read '%s': %s", path, strerror(err));
		else
			po_diag_add(ps, path, 0, 0, "cannot read: %s", strerror(err));
		if (fd > STDIN_FILENO)
			close(fd);
		return;
	}
	/* an include of a file that is being read is a cycle */
	for (size_t i = 0; i < ps->nopen; i++) {
		if (ps->open[i].dev != (uint64_t)st.st_dev || ps->open[i].ino != (uint64_t)st.st_ino)
			continue;
		if (i + 1 == ps->nopen) {
			po_diag_add(ps, rfile, rline, rcol, "'%s' includes itself", ps->open[i].name);
		} else {
			char chain[400];
			size_t o = 0;

			/* each file under the name it was first opened by */
			for (size_t k = i; k < ps->nopen && o < sizeof(chain); k++)
				o += (size_t)snprintf(chain + o, sizeof(chain) - o, "'%s' -> ", ps->open[k].name);
			if (o < sizeof(chain))
				snprintf(chain + o, sizeof(chain) - o, "'%s'", ps->open[i].name);
			po_diag_add(ps, rfile, rline, rcol, "include cycle: %s", chain);
		}
		if (fd != STDIN_FILENO)
			close(fd);
		return;
	}
	/*
	 * A file already read (the same device and inode, whatever the path)
	 * is not read again: the default configuration reads the drop-in
	 * directory itself, and the main file may include it too.
	 */
	for (size_t i = 0; i < ps->nread; i++) {
		if (ps->read[i].dev == (uint64_t)st.st_dev && ps->read[i].ino == (uint64_t)st.st_ino) {
			if (fd != STDIN_FILENO)
				close(fd);
			return;
		}
	}
	buf = read_all(fd, &len, &err);
	if (fd != STDIN_FILENO)
		close(fd);
	if (!buf) {
		if (rfile)
			po_diag_add(ps, rfile, rline, rcol, "cannot read '%s': %s", path, strerror(err));
		else
			po_diag_add(ps, path, 0, 0, "cannot read: %s", strerror(err));
		return;
	}
	file_push(&ps->read, &ps->nread, &ps->read_cap, st.st_dev, st.st_ino, intern_file(ps, path));
	file_push(&ps->open, &ps->nopen, &ps->open_cap, st.st_dev, st.st_ino, intern_file(ps, path));
	po_parse_buffer(ps, path, buf, len);
	ps->nopen--;
	free(buf);
}

void po_parse_file(struct po_parser *ps, const char *path)
{
	parse_path(ps, path, NULL, 0, 0);
}

static void parse_include(struct line_ctx *lc)
{
	struct po_parser *ps = lc->ps;
	char qb[160];

	if (lc->nf < 2) {
		ERR(lc, lc->endcol, "missing file or pattern after 'include'");
		return;
	}
	if (lc->nf > 2) {
		ERR(lc, lc->f[2].col, "unexpected '%s' after include pattern", q(lc->f[2].s, qb, sizeof(qb)));
		return;
	}
	if (ps->depth >= MAX_INCLUDE_DEPTH) {
		ERR(lc, lc->f[1].col, "includes nested too deeply (more than %d levels)", MAX_INCLUDE_DEPTH);
		return;
	}
	const char *pat = lc->f[1].s;
	char *full;

	if (pat[0] == '/' || !strchr(lc->file, '/')) {
		/* absolute, or the including file is in the current directory */
		full = xstrdup(pat);
	} else {
		/* relative to the including file's directory */
		const char *slash = strrchr(lc->file, '/');

		if (asprintf(&full, "%.*s/%s", (int)(slash - lc->file), lc->file, pat) < 0)
			oom();
	}
	bool wild = strpbrk(pat, "*?[") != NULL;
	glob_t g;
	int rc = glob(full, 0, NULL, &g);	/* sorted */

	ps->depth++;
	if (rc == GLOB_NOMATCH) {
		if (!wild)
			ERR(lc, lc->f[1].col, "cannot read '%s': %s", full, strerror(ENOENT));
	} else if (rc != 0) {
		ERR(lc, lc->f[1].col, "cannot expand '%s'", q(full, qb, sizeof(qb)));
	} else {
		/* remember the including line: nested calls overwrite lc */
		const char *f = lc->file;
		unsigned l = lc->line, c = lc->f[1].col;

		for (size_t i = 0; i < g.gl_pathc; i++)
			parse_path(ps, g.gl_pathv[i], f, l, c);
	}
	if (rc == 0)
		globfree(&g);
	ps->depth--;
	free(full);
}

void po_parse_default(struct po_parser *ps, const char *conf,
		      const char *dropin_dir)
{
	parse_path(ps, conf, NULL, 0, 0);
	if (dropin_dir && *dropin_dir) {
		char *pat;
		glob_t g;

		struct stat st;
		int rc;

		/*
		 * A missing drop-in directory is fine; one that cannot be read
		 * is an error, or its rules would silently not be loaded.
		 */
		if (stat(dropin_dir, &st) < 0) {
			if (errno != ENOENT)
				po_diag_add(ps, dropin_dir, 0, 0, "cannot read: %s",
					    strerror(errno));
			return;
		}
		if (!S_ISDIR(st.st_mode)) {
			po_diag_add(ps, dropin_dir, 0, 0, "cannot read: %s",
				    strerror(ENOTDIR));
			return;
		}
		if (asprintf(&pat, "%s/*.conf", dropin_dir) < 0)
			oom();
		rc = glob(pat, GLOB_ERR, NULL, &g);
		if (rc == 0) {
			for (size_t i = 0; i < g.gl_pathc; i++)
				parse_path(ps, g.gl_pathv[i], NULL, 0, 0);
		} else if (rc == GLOB_NOSPACE) {
			oom();
		} else if (rc != GLOB_NOMATCH) {
			po_diag_add(ps, dropin_dir, 0, 0, "cannot read: %s",
				    strerror(errno ? errno : EIO));
		}
		globfree(&g);
		free(pat);
	}
}

static int seq_cmp(const void *a, const void *b)
{
	const struct po_rule *x = *(const struct po_rule *const *)a, *y = *(const struct po_rule *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * The distinct rule past the kernel's limit in file order: the first
 * occurrence of each distinct rule (canonicalize keeps it), by position.
 */
static const struct po_rule *first_over_limit(const struct po_policy *p)
{
	const struct po_rule **v = malloc(p->nrules * sizeof(*v)), *r;

	if (!v)
		oom();
	for (size_t i = 0; i < p->nrules; i++)
		v[i] = &p->rules[i];
	qsort(v, p->nrules, sizeof(*v), seq_cmp);
	r = v[PO_MAX_RULES];
	free(v);
	return r;
}

size_t po_parse_finish(struct po_parser *ps)
{
	struct po_policy *p = ps->pol;

	po_policy_canonicalize(p);
	if (p->nrules > PO_MAX_RULES) {
		const struct po_rule *r = first_over_limit(p);

		po_diag_add(ps, r->src_file, r->src_line, 1,
			    "too many rules (%s%zu distinct; the kernel accepts at most %u)",
			    p->nrules >= (size_t)PO_MAX_RULES * 4 ? "at least " : "",
			    p->nrules, PO_MAX_RULES);
	} else {
		/* in the kernel's order: text size, then the owner table */
		size_t len;
		char *text = po_policy_format(p, &len);
		uint64_t owners;

		if (!text)
			oom();
		free(text);
		if (len > PO_MAX_TEXT)
			po_diag_add(ps, p->nrules ? p->rules[p->nrules - 1].src_file : NULL,
				    p->nrules ? p->rules[p->nrules - 1].src_line : 0, 1,
				    "policy text too large (%zu bytes; the kernel accepts at most %u)",
				    len, PO_MAX_TEXT);
		else if ((owners = po_policy_owner_entries(p)) > PO_MAX_OWNERS)
			po_diag_add(ps, p->rules[p->nrules - 1].src_file,
				    p->rules[p->nrules - 1].src_line, 1,
				    "overlapping ranges need %llu owner entries; the kernel accepts at most %u",
				    (unsigned long long)owners, PO_MAX_OWNERS);
	}
	return ps->ndiags + ps->nmore;
}
