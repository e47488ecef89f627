/* Placeholder until the state suite lands. */
#include "tests/suites.h"

Suite *make_state_suite(void)
{
	return suite_create("state");
}
