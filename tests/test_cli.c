/* Placeholder until the cli suite lands. */
#include "tests/suites.h"

Suite *make_cli_suite(void)
{
	return suite_create("cli");
}
