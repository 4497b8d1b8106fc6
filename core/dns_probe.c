/* dns_probe: see dns_probe.h. */
#include "core/dns_probe.h"
#include "core/dns.h"
#include "core/fetch.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct probe {
	int fd;                 /* -1 once answered or failed */
	uint16_t id;
	struct dns_answer *out;
};

struct dns_probes {
	struct probe *v;
	size_t n;
	long long deadline;
};

/* "127.0.0.1:5353", "[::1]:53", "10.0.0.1" into a socket address; -1 when it is not numeric. */
static int parse_server(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	long port = 53;
	const char *p;
	if (s[0] == '[') {
		const char *e = strchr(s, ']');
		if (!e || (size_t)(e - s - 1) >= sizeof(host))
			return -1;
		memcpy(host, s + 1, (size_t)(e - s - 1));
		host[e - s - 1] = '\0';
		p = e[1] == ':' ? e + 2 : NULL;
	} else {
		const char *c = strrchr(s, ':');
		size_t hl = c ? (size_t)(c - s) : strlen(s);
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, s, hl);
		host[hl] = '\0';
		p = c ? c + 1 : NULL;
	}
	if (p)
		port = strtol(p, NULL, 10);
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return 0;
	}
	return -1;
}

static void probe_fail(struct probe *p, enum dns_status st, const char *why)
{
	p->out->status = st;
	free(p->out->error);
	p->out->error = xstrdup(why);
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

static void probe_start(struct probe *p, const char *server)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	p->fd = -1;
	if (parse_server(server, &ss, &len) < 0) {
		probe_fail(p, DNS_ERROR, "not a numeric host:port");
		return;
	}
	unsigned char q[64];
	int qlen = res_mkquery(ns_o_query, ".", ns_c_in, ns_t_a, NULL, 0, NULL, q, sizeof(q));
	p->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (qlen < 12 || p->fd < 0) {
		probe_fail(p, DNS_ERROR, "cannot build the query");
		return;
	}
	p->id = (uint16_t)((q[0] << 8) | q[1]);
	if (connect(p->fd, (struct sockaddr *)&ss, len) < 0 || send(p->fd, q, (size_t)qlen, 0) != qlen)
		probe_fail(p, DNS_ERROR, strerror(errno));
}

struct dns_probes *dns_probes_start(const struct config *cfg, struct dns_answer **out, size_t *n_out)
{
	struct strv servers = {0};
	if (cfg->dns_servers.n) {
		for (size_t i = 0; i < cfg->dns_servers.n; i++)
			strv_push(&servers, cfg->dns_servers.v[i]);
	} else {
		struct __res_state rs;
		memset(&rs, 0, sizeof(rs));
		char addr[INET_ADDRSTRLEN] = "127.0.0.1";
		int port = 53;
		if (res_ninit(&rs) == 0) {
			if (rs.nscount > 0 && inet_ntop(AF_INET, &rs.nsaddr_list[0].sin_addr, addr, sizeof(addr)))
				port = ntohs(rs.nsaddr_list[0].sin_port);
			res_nclose(&rs);
		}
		strv_push_owned(&servers, xasprintf("%s:%d", addr, port ? port : 53));
	}
	struct dns_probes *p = xcalloc(1, sizeof(*p));
	p->n = servers.n;
	p->v = xcalloc(p->n, sizeof(*p->v));
	p->deadline = fetch_now_ms() + cfg->dns_timeout_ms;
	*out = xcalloc(p->n, sizeof(**out));
	*n_out = p->n;
	for (size_t i = 0; i < p->n; i++) {
		struct dns_answer *a = &(*out)[i];
		a->name = xstrdup(".");
		a->type = DNS_T_A;
		a->status = DNS_TIMEOUT;
		a->server = xstrdup(servers.v[i]);
		p->v[i].out = a;
		probe_start(&p->v[i], servers.v[i]);
	}
	strv_free(&servers);
	return p;
}

int dns_probes_step(struct dns_probes *p)
{
	int left = 0;
	bool late = fetch_now_ms() >= p->deadline;
	for (size_t i = 0; i < p->n; i++) {
		struct probe *q = &p->v[i];
		if (q->fd < 0)
			continue;
		unsigned char buf[1232];
		ssize_t n = recv(q->fd, buf, sizeof(buf), 0);
		if (n >= 12 && ((buf[0] << 8) | buf[1]) == q->id) {
			char *server = q->out->server;
			q->out->server = NULL;
			if (dns_parse_response(buf, (int)n, DNS_T_A, q->out) < 0)
				q->out->status = DNS_ERROR;
			free(q->out->server);
			q->out->server = server;
			close(q->fd);
			q->fd = -1;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			probe_fail(q, DNS_ERROR, strerror(errno));
			continue;
		}
		if (late) {
			probe_fail(q, DNS_TIMEOUT, "no answer within dns.timeout_ms");
			continue;
		}
		left++;
	}
	return left;
}

void dns_probes_free(struct dns_probes *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].fd >= 0)
			probe_fail(&p->v[i], DNS_TIMEOUT, "no answer before the refresh ended");
	free(p->v);
	free(p);
}
