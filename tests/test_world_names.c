/* Placeholder until the world_names suite lands. */
#include "tests/suites.h"

Suite *make_world_names_suite(void)
{
	return suite_create("world_names");
}
