/* Placeholder until the CLI system suite lands. */
#include "tests/suites.h"

Suite *make_sys_cli_suite(struct skips *sk)
{
	(void)sk;
	return suite_create("sys_cli");
}
