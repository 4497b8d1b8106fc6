/* who: derives the actor of a change from the environment. The values end up in the
 * database and on terminals, so anything outside a conservative character set is
 * replaced, and an SSH address that does not parse as one is dropped. */
#include "core/who.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void copy_safe(char *dst, size_t size, const char *src)
{
	size_t n = 0;
	for (; src && *src && n + 1 < size; src++) {
		unsigned char ch = (unsigned char)*src;
		dst[n++] = isalnum(ch) || strchr("._-@+$", ch) ? (char)ch : '?';
	}
	dst[n] = '\0';
}

/* The first field of $SSH_CONNECTION ("client_ip client_port server_ip server_port"). */
static void ssh_client(char *dst, size_t size, const char *conn)
{
	dst[0] = '\0';
	if (!conn)
		return;
	char addr[INET6_ADDRSTRLEN + 1];
	size_t n = strcspn(conn, " \t");
	if (n == 0 || n >= sizeof(addr))
		return;
	memcpy(addr, conn, n);
	addr[n] = '\0';
	unsigned char bin[sizeof(struct in6_addr)];
	if (inet_pton(AF_INET, addr, bin) == 1 || inet_pton(AF_INET6, addr, bin) == 1)
		snprintf(dst, size, "%s", addr);
}

void who_set(struct who *w, const char *user, const char *from)
{
	copy_safe(w->user, sizeof(w->user), user && *user ? user : "unknown");
	ssh_client(w->from, sizeof(w->from), from);
}

void who_current(struct who *w)
{
	/* sudo sets $SUDO_USER in a root process; anyone may set it in their own. */
	const char *user = getuid() == 0 ? getenv("SUDO_USER") : NULL;
	char uidbuf[32];
	if (!user || !*user) {
		struct passwd *pw = getpwuid(getuid());
		if (pw && pw->pw_name && *pw->pw_name) {
			user = pw->pw_name;
		} else {
			snprintf(uidbuf, sizeof(uidbuf), "uid%ld", (long)getuid());
			user = uidbuf;
		}
	}
	who_set(w, user, getenv("SSH_CONNECTION"));
}
