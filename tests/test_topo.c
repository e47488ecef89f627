/* Placeholder until the topo suite lands. */
#include "tests/suites.h"

Suite *make_topo_suite(void)
{
	return suite_create("topo");
}
