// SPDX-License-Identifier: GPL-2.0
/* Find the sysctl.d lines that set a sysctl at boot. */
#include "sysctl.h"

#include <ctype.h>
#include <glob.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const dirs[] = {
	"/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d",
	"/usr/lib/sysctl.d", "/lib/sysctl.d",
};

struct file {
	const char *base;	/* into path */
	char *path;
	unsigned prio;		/* index into dirs */
};

static int file_cmp(const void *a, const void *b)
{
	const struct file *x = a, *y = b;
	int c = strcmp(x->base, y->base);

	return c ? c : (x->prio > y->prio) - (x->prio < y->prio);
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

struct seen {
	uint64_t dev, ino;
};

/* scan one file; false when it was already scanned (a symlink to another) */
static bool scan(const char *path, const char *key, const char *skip_value,
		 struct po_sysctl_src *out, size_t max, size_t *n,
		 struct seen *seen, size_t *nseen, size_t seen_max)
{
	struct stat st;
	FILE *f;
	char *line = NULL;
	size_t size = 0;
	unsigned lineno = 0;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	for (size_t i = 0; i < *nseen; i++)
		if (seen[i].dev == (uint64_t)st.st_dev && seen[i].ino == (uint64_t)st.st_ino)
			return false;
	if (*nseen < seen_max)
		seen[(*nseen)++] = (struct seen){ (uint64_t)st.st_dev, (uint64_t)st.st_ino };
	f = fopen(path, "re");
	if (!f)
		return false;
	while (getline(&line, &size, f) > 0) {
		char *s = trim(line), *eq, *k, *v;

		lineno++;
		if (*s == '#' || *s == ';' || !*s)
			continue;
		eq = strchr(s, '=');
		if (!eq)
			continue;
		*eq = '\0';
		k = trim(s);
		v = trim(eq + 1);
		if (*k == '-')	/* "ignore errors" prefix */
			k = trim(k + 1);
		for (char *p = k; *p; p++)
			if (*p == '/')
				*p = '.';
		if (strcmp(k, key) != 0 || (skip_value && strcmp(v, skip_value) == 0))
			continue;
		if (*n < max) {
			struct po_sysctl_src *o = &out[*n];

			snprintf(o->path, sizeof(o->path), "%s", path);
			o->line = lineno;
			snprintf(o->value, sizeof(o->value), "%s", v);
		}
		(*n)++;
	}
	free(line);
	fclose(f);
	return true;
}

size_t po_sysctl_sources(const char *key, const char *skip_value,
			 struct po_sysctl_src *out, size_t max)
{
	const char *root = getenv("PORTOWN_SYSCTL_ROOT");
	struct file *files = NULL;
	size_t nfiles = 0, n = 0, nseen = 0;
	struct seen seen[256];
	char pat[600];

	if (!root)
		root = "";
	for (unsigned d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		glob_t g;

		snprintf(pat, sizeof(pat), "%s%s/*.conf", root, dirs[d]);
		if (glob(pat, 0, NULL, &g) != 0)
			continue;
		struct file *v = realloc(files, (nfiles + g.gl_pathc) * sizeof(*v));

		if (!v) {
			globfree(&g);
			break;
		}
		files = v;
		for (size_t i = 0; i < g.gl_pathc; i++) {
			char *p = strdup(g.gl_pathv[i]);

			if (!p)
				continue;
			files[nfiles++] = (struct file){ strrchr(p, '/') + 1, p, d };
		}
		globfree(&g);
	}
	if (nfiles)
		qsort(files, nfiles, sizeof(*files), file_cmp);
	for (size_t i = 0; i < nfiles; i++) {
		/* the same name in a later directory is hidden */
		if (i == 0 || strcmp(files[i].base, files[i - 1].base) != 0)
			scan(files[i].path, key, skip_value, out, max, &n, seen, &nseen,
			     sizeof(seen) / sizeof(seen[0]));
	}
	for (size_t i = 0; i < nfiles; i++)
		free(files[i].path);
	free(files);
	snprintf(pat, sizeof(pat), "%s/etc/sysctl.conf", root);
	scan(pat, key, skip_value, out, max, &n, seen, &nseen, sizeof(seen) / sizeof(seen[0]));
	return n;
}
