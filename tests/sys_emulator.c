/* Placeholder until the emulator system suite lands. */
#include "tests/suites.h"

Suite *make_sys_emulator_suite(struct skips *sk)
{
	(void)sk;
	return suite_create("sys_emulator");
}
