/* snapshot: name tables for the snapshot's enums. (Freeing and JSON are added with the collector.) */
#include "core/snapshot.h"

const char *source_name(enum source s)
{
	static const char *names[SRC__COUNT] = {"docker", "mailcow", "dns", "mta_sts", "files"};
	return s < SRC__COUNT ? names[s] : "?";
}

const char *health_name(enum health h)
{
	static const char *names[] = {"none", "starting", "healthy", "unhealthy"};
	return (unsigned)h < ARRAY_SIZE(names) ? names[h] : "?";
}

const char *dns_status_name(enum dns_status s)
{
	static const char *names[] = {"ok", "nxdomain", "nodata", "servfail", "refused", "timeout", "error", "not-asked"};
	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}
