/* test_checksrc — tools/checksrc, run on small trees made here: one
 * planted violation per rule fails with exactly its `FILE:LINE: rule:`
 * line, a file full of near misses (banned names in comments and
 * literals, a log the module writes itself, mount(..., "none", ...), a
 * registry comparing names) passes silently, and an allow comment excuses
 * what it names and is reported when it excuses nothing.
 *
 * The tool is $ENOS_CHECKSRC, else tools/checksrc (the runner starts at
 * the top of the tree).
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/testutil.h"
#include "util/fs.h"

struct planted {
	const char *path;
	const char *text;
};

static const char *checksrc_bin(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("ENOS_CHECKSRC");

	if (env && *env)
		return env;
	if (!realpath("tools/checksrc", path))
		return "tools/checksrc";
	return path;
}

/* Make a fresh tree holding FILES[0..N) and return it in DIR. */
static void plant(char *dir, size_t len, const struct planted *files, size_t n)
{
	char path[PATH_MAX];
	size_t i;

	ck_assert_ptr_nonnull(tu_tmpdir(dir, len, "checksrc"));
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i].path);
		ck_assert_int_eq(fs_mkdir_parent(path, 0755), 0);
		ck_assert_ptr_nonnull(tu_write(dir, files[i].path, files[i].text,
					       path, sizeof(path)));
	}
}

/* Run tools/checksrc -C DIR [ARG]; its status, its output into *OUT. */
static int checksrc(char **out, const char *dir, const char *arg)
{
	char *argv[] = { (char *)checksrc_bin(), (char *)"-C", (char *)dir,
			 (char *)arg, NULL };

	return tu_run(out, argv);
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* One violation per rule, each in a file of its own (named after the
 * rule) at a known line. */
static const struct planted violations[] = {
	{ "util/print.c", "/* print */\nvoid f(const char *s)\n{\n\tputs(s);\n}\n" },
	{ "util/include.c", "/* include */\n#include \"util/str.h\"\n#include \"emulator/world.h\"\n" },
	{ "emulator/banned.c",
	  "/* banned */\n#include <stdio.h>\n\nvoid f(char *b)\n{\n\tsprintf(b, \"%d\", 1);\n}\n" },
	{ "emulator/exit.c", "/* exit */\nvoid f(void)\n{\n\texit(1);\n}\n" },
	{ "emulator/include.c",
	  "/* include */\n#include \"emulator/world.h\"\n#include \"enos/cli.h\"\n" },
	{ "emulator/print.c",
	  "/* print */\n#include <stdio.h>\n\nvoid f(void)\n{\n\tprintf(\"hello\\n\");\n}\n" },
	{ "emulator/stderr.c",
	  "/* stderr */\n#include <stdio.h>\n\nvoid f(void)\n{\n\tfprintf(stderr, \"x\");\n}\n" },
	{ "enos/backend.c",
	  "/* backend */\nint f(const char *x)\n{\n\treturn strcmp(x, \"wand\") == 0;\n}\n" },
	{ "enos/cpp-comment.c", "/* cpp-comment */\nint x; // no\n" },
	{ "enos/file-comment.c", "#include <stdio.h>\n/* too late */\n" },
	{ "enos/if0.c", "/* if0 */\n#if 0\nint x;\n#endif\n" },
	{ "enos/open-comment.c", "/* open-comment */\nint x; /* never closed\n" },
	{ "enos/trailing-space.c", "/* trailing-space */\nint x; \n" },
	{ "workloads/include.c",
	  "/* include */\n#include \"enos/topo.h\"\n#include \"enos/cli.h\"\n" },
	{ "workloads/exit.c", "/* exit */\nvoid f(void)\n{\n\tabort();\n}\n" },
	{ "reports/include.c", "/* include */\n#include \"../emulator/world.h\"\n" },
};

static const char violations_out[] =
	"util/include.c:3: include: util/ must not include \"emulator/world.h\"\n"
	"util/print.c:4: print: util/ never prints: puts() writes to stdout\n"
	"emulator/banned.c:6: banned: sprintf() is unbounded; use snprintf() or strbuf_addf()\n"
	"emulator/exit.c:4: exit: emulator/ never exits: exit(); return -errno instead\n"
	"emulator/include.c:3: include: emulator/ must not include \"enos/cli.h\"\n"
	"emulator/print.c:6: print: emulator/ never prints: printf() writes to stdout\n"
	"emulator/stderr.c:6: print: emulator/ never prints: uses stderr\n"
	"enos/backend.c:4: backend-name: backend name \"wand\" compared with strcmp() outside "
	"the registries emulator/{node,shape,fabric}.c; resolve it once and carry the ops pointer\n"
	"enos/cpp-comment.c:2: cpp-comment: // comment; use /* */\n"
	"enos/file-comment.c:1: file-comment: the file does not open with a /* comment "
	"saying what it is for\n"
	"enos/if0.c:2: if0: #if 0; delete the code instead\n"
	"enos/open-comment.c:2: open-comment: /* comment still open at the end of the file\n"
	"enos/trailing-space.c:2: trailing-space: whitespace at the end of the line\n"
	"workloads/exit.c:4: exit: workloads/ never exits: abort(); return -errno instead\n"
	"workloads/include.c:3: include: workloads/ may include only enos/topo.h from enos/, "
	"not \"enos/cli.h\"\n"
	"reports/include.c:2: include: reports/ must not include \"../emulator/world.h\"\n";

START_TEST(planted_violations_fail)
{
	char dir[128], *out = NULL;

	plant(dir, sizeof(dir), violations, N_OF(violations));
	ck_assert_int_eq(checksrc(&out, dir, NULL), 1);
	ck_assert_str_eq(out, violations_out);
	free(out);
	out = NULL;
	/* A file named on the command line is checked alone, by its layer. */
	ck_assert_int_eq(checksrc(&out, dir, "emulator/banned.c"), 1);
	ck_assert_str_eq(out, "emulator/banned.c:6: banned: sprintf() is unbounded; "
			 "use snprintf() or strbuf_addf()\n");
	free(out);
	tu_rmtree(dir);
}
END_TEST

/* Near misses: what the rules must not take for a violation. */
static const struct planted clean[] = {
	{ "emulator/clean.c",
	  "/* clean — sprintf( strcpy( printf( exit( in a comment,\n"
	  " * #include \"enos/cli.h\" and strcmp(x, \"wand\") too // not C++\n"
	  " */\n"
	  "#include \"emulator/world.h\"\n"
	  "#include \"util/strbuf.h\"\n"
	  "#include <stdio.h>\n"
	  "\n"
	  "static const char *s = \"sprintf(\\\" printf( // /* strcmp(x, \\\"wand\\\")\";\n"
	  "static const char q = '\"', e = '\\'';\n"
	  "static const char *t = \"continued \\\n"
	  "sprintf(\";\n"
	  "\n"
	  "/* Writes to a log it opened itself: not printing. */\n"
	  "int f(FILE *log, const struct ops *ops, char *why, size_t len)\n"
	  "{\n"
	  "\tchar buf[16];\n"
	  "\n"
	  "\tsnprintf(buf, sizeof(buf), \"%d\", 1);\n"
	  "\tfprintf(log, \"%s %c%c\\n\", buf, q, e);\n"
	  "\tfputs(s, log);\n"
	  "\tif (mount(\"\", \"/\", \"none\", 0, NULL) != 0)\n"
	  "\t\treturn ops->exit(1);\n"
	  "\tsnprintf(why, len, \"%s\", t);\n"
	  "\tdup2(ops->fd, STDERR_FILENO);\n"
	  "\treturn 0;\n"
	  "}\n"
	  "\n"
	  "/* The way out of a forked child that could not exec. */\n"
	  "void child(void)\n"
	  "{\n"
	  "\t_exit(127);\n"
	  "}\n" },
	{ "emulator/shape.c",
	  "/* shape — a registry: it may compare backend names. */\n"
	  "int shape_is_wand(const char *n)\n{\n\treturn strcmp(n, \"wand\") == 0;\n}\n" },
	{ "emulator/world.h", "/* world */\n#include \"emulator/node.h\"\n" },
	{ "workloads/probe.c",
	  "/* probe */\n#include \"enos/topo.h\"\n#include \"emulator/world.h\"\n"
	  "#include \"util/str.h\"\n#include \"probe.h\"\n" },
	{ "reports/html.c", "/* html */\n#include \"util/str.h\"\n#include \"html.h\"\n" },
	{ "enos/main.c",
	  "/* main — enos/ prints and exits. */\n#include \"enos/cli.h\"\n#include \"emulator/world.h\"\n"
	  "int main(void)\n{\n\tfprintf(stderr, \"x\");\n\tprintf(\"y\");\n\texit(0);\n}\n" },
};

START_TEST(clean_tree_passes)
{
	char dir[128], *out = NULL;

	plant(dir, sizeof(dir), clean, N_OF(clean));
	ck_assert_int_eq(checksrc(&out, dir, NULL), 0);
	ck_assert_str_eq(out, "");
	free(out);
	tu_rmtree(dir);
}
END_TEST

static const struct planted allowed[] = {
	{ "emulator/allow.c",
	  "/* allow */\n"
	  "void f(char *b, const char *x)\n"
	  "{\n"
	  "\t/* b holds 16 and x is one of ours: checksrc: allow banned */\n"
	  "\tstrcpy(b, x);\n"
	  "\tsprintf(b, \"%s\", x);          /* checksrc: allow banned */\n"
	  "\t/* checksrc: allow banned 2 */\n"
	  "\tstrcat(b, x);\n"
	  "\n"
	  "\tstrcat(b, x);\n"
	  "\t/* checksrc: allow print */\n"
	  "\tstrcpy(b, x);\n"
	  "\t/* checksrc: allow nothing */\n"
	  "}\n" },
};

START_TEST(allow_excuses_and_is_checked)
{
	char dir[128], *out = NULL;

	plant(dir, sizeof(dir), allowed, N_OF(allowed));
	ck_assert_int_eq(checksrc(&out, dir, NULL), 1);
	ck_assert_str_eq(out,
		"emulator/allow.c:10: banned: strcat() is unbounded; use snprintf() or a strbuf\n"
		"emulator/allow.c:11: unused-allow: 'checksrc: allow print' allows no print "
		"report on lines 11-12\n"
		"emulator/allow.c:12: banned: strcpy() is unbounded; use snprintf() or a strbuf\n"
		"emulator/allow.c:13: bad-allow: 'checksrc: allow nothing' names no rule that "
		"can be allowed, or no line\n");
	free(out);
	tu_rmtree(dir);
}
END_TEST

START_TEST(help_and_usage_errors)
{
	char dir[128], *out = NULL;
	char *help[] = { (char *)checksrc_bin(), (char *)"--help", NULL };
	char *bad[] = { (char *)checksrc_bin(), (char *)"--nope", NULL };

	ck_assert_int_eq(tu_run(&out, help), 0);
	ck_assert(tu_contains(out, "usage: tools/checksrc [-C DIR] [FILE | DIRECTORY]..."));
	ck_assert(tu_contains(out, "checksrc: allow RULE [N]"));
	free(out);
	out = NULL;
	ck_assert_int_eq(tu_run(&out, bad), 2);
	ck_assert_str_eq(out, "checksrc: unknown option '--nope' (see --help)\n");
	free(out);
	out = NULL;
	plant(dir, sizeof(dir), NULL, 0);
	ck_assert_int_eq(checksrc(&out, dir, "emulator/gone.c"), 2);
	ck_assert_str_eq(out, "checksrc: 'emulator/gone.c': no such file or directory\n");
	free(out);
	out = NULL;
	/* An empty tree has nothing to report. */
	ck_assert_int_eq(checksrc(&out, dir, NULL), 0);
	ck_assert_str_eq(out, "");
	free(out);
	tu_rmtree(dir);
}
END_TEST

Suite *make_checksrc_suite(void)
{
	Suite *s = suite_create("checksrc");
	TCase *tc = tcase_create("checksrc");

	tcase_add_test(tc, planted_violations_fail);
	tcase_add_test(tc, clean_tree_passes);
	tcase_add_test(tc, allow_excuses_and_is_checked);
	tcase_add_test(tc, help_and_usage_errors);
	suite_add_tcase(s, tc);
	return s;
}
