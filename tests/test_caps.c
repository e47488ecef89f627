/* Placeholder until the caps suite lands. */
#include "tests/suites.h"

Suite *make_caps_suite(void)
{
	return suite_create("caps");
}
