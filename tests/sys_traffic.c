/* sys_traffic — the traffic counters on real worlds (filled in the next
 * commit). */
#include "tests/suites.h"

Suite *make_sys_traffic_suite(struct skips *sk)
{
	(void)sk;
	return suite_create("sys_traffic");
}
