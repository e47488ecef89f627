/* Placeholder until the units suite lands. */
#include "tests/suites.h"

Suite *make_units_suite(void)
{
	return suite_create("units");
}
