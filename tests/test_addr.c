/* Placeholder until the addr suite lands. */
#include "tests/suites.h"

Suite *make_addr_suite(void)
{
	return suite_create("addr");
}
