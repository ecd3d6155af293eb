/* The map ABI header compiles as strict C11; its static asserts pin the
 * layout at compile time, and this checks a few values at run time too. */
#include <stddef.h>
#include <string.h>

#include "gwapi/lb_abi.h"

int main(void)
{
	struct gwapi_lb_service s;

	memset(&s, 0, sizeof(s));
	s.l7_lb_proxy_port = 0x6d2f; /* htons(12141) on little-endian */
	if (s.backend_id != 0x6d2f)
		return 1;
	if (sizeof(struct gwapi_lb4_key) != 12 || sizeof(struct gwapi_lb6_key) != 24)
		return 2;
	if (strcmp(GWAPI_LB4_SERVICES_MAP, "cilium_lb4_services_v2") != 0)
		return 3;
	return 0;
}
