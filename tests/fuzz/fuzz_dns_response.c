/* fuzz_dns_response: dns_parse_response on any wire message, for each record type mcon asks
 * (A, CNAME, MX, TXT, AAAA: the first byte chooses). Values are NUL-terminated strings. */
#include <stdlib.h>
#include <string.h>

#include "core/dns.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int types[] = {DNS_T_A, DNS_T_CNAME, DNS_T_MX, DNS_T_TXT, DNS_T_AAAA};
	struct fuzz_in in = {data, size};
	int type = types[fuzz_byte(&in) % 5];
	if (in.n > 65535)
		return 0;
	struct dns_answer a = {0};
	if (dns_parse_response(in.p, (int)in.n, type, &a) == 0) {
		for (size_t i = 0; i < a.n; i++)
			if (!a.rrs[i].value)
				fuzz_fail("dns_parse_response: a record without a value", NULL);
		for (size_t i = 0; i < a.cnames.n; i++)
			(void)strlen(a.cnames.v[i]);
	}
	dns_answer_clear(&a);
	return 0;
}
