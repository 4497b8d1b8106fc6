/* postfix_relay: the global relayhost of the stack's Postfix (see postfix_relay.h). */
#include "core/postfix_relay.h"
#include "core/stackfiles.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

char *postfix_relay_host(const char *relayhost)
{
	if (!relayhost)
		return NULL;
	const char *p = relayhost;
	while (*p == ' ' || *p == '\t')
		p++;
	size_t len;
	if (*p == '[') {
		p++;
		const char *e = strchr(p, ']');
		len = e ? (size_t)(e - p) : strlen(p);
	} else {
		len = strcspn(p, ": \t,");
	}
	if (len == 0)
		return NULL;
	char *h = xstrndup(p, len);
	str_lower(h);
	return h;
}

static void read_one(const char *dir, const char *file, struct postfix_relay *out)
{
	char *path = xasprintf("%s/data/conf/postfix/%s", dir, file);
	char *text = file_read(path, 4 << 20, NULL);
	if (!text) {
		if (errno != ENOENT)
			part_error_set(&out->err, path, "cannot read: %s", strerror(errno));
		free(path);
		return;
	}
	char *value = NULL;
	int line = 0;
	if (stackfiles_postfix_get(text, "relayhost", &value, &line)) {
		free(out->relayhost);
		free(out->file);
		out->relayhost = value && *value ? value : NULL;
		if (!out->relayhost)
			free(value);
		out->file = xasprintf("%s:%d", path, line);
		value = NULL;
	}
	free(value);
	free(text);
	free(path);
}

void postfix_relay_read(const char *dir, struct postfix_relay *out)
{
	read_one(dir, "main.cf", out);
	read_one(dir, "extra.cf", out);
}
