/* dns: c-ares queries on the fetcher's loop, answers parsed with libresolv (ns_parse).
 *
 * Why libresolv for parsing: c-ares 1.18's ares_parse_txt/mx reply functions drop the
 * TTL, and only A/AAAA have addrttl variants. ns_initparse/ns_parserr walk any answer
 * and hand over type, TTL and rdata of every record, so all five types share one path
 * with their TTLs (it costs -lresolv; in glibc 2.36 those symbols are not in libc).
 *
 * Which server answered: c-ares 1.18 does not say, so the channel's sockets go through
 * our socket functions, which remember each socket's peer and which socket was read
 * last; the query callback runs synchronously inside that read. */
#include "core/dns.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ares.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define DNS_DEFAULT_INFLIGHT 64
#define DNS_MAX_HOPS 8
#define DNS_PENDING_TEXT "no answer before the refresh ended"

struct dnsq {
	struct dns_resolver *r;
	char *name;             /* the name asked on the wire (a CNAME target when following) */
	int type;
	int hops;
	struct dns_answer *out;
	void (*done)(struct dns_answer *a, void *ud);
	void *ud;
	long long started;
	struct dnsq *next;      /* queue */
};

struct dns_resolver {
	ares_channel ch;
	struct fetcher *f;
	char *desc;
	bool closing;
	int max_inflight, inflight;
	struct dnsq *queue, **queue_tail;
	struct dns_stats stats;
	/* socket -> "addr:port" of its peer; the socket read last */
	char **peer;
	int npeer;
	int last_fd;
};

static pthread_once_t ares_once = PTHREAD_ONCE_INIT;

static void ares_init_once(void)
{
	ares_library_init(ARES_LIB_INIT_ALL);
}

const char *dns_type_name(int type)
{
	switch (type) {
	case DNS_T_A: return "A";
	case DNS_T_CNAME: return "CNAME";
	case DNS_T_PTR: return "PTR";
	case DNS_T_MX: return "MX";
	case DNS_T_TXT: return "TXT";
	case DNS_T_AAAA: return "AAAA";
	default: return "?";
	}
}

void dns_answer_clear(struct dns_answer *a)
{
	free(a->name);
	free(a->server);
	free(a->error);
	for (size_t i = 0; i < a->n; i++)
		free(a->rrs[i].value);
	free(a->rrs);
	strv_free(&a->cnames);
	memset(a, 0, sizeof(*a));
	a->status = DNS_NOT_ASKED;
}

void dns_answer_copy(struct dns_answer *dst, const struct dns_answer *src)
{
	dns_answer_clear(dst);
	dst->name = xstrdup(src->name);
	dst->type = src->type;
	dst->status = src->status;
	dst->server = xstrdup(src->server);
	dst->error = xstrdup(src->error);
	dst->n = src->n;
	dst->rrs = src->n ? xcalloc(src->n, sizeof(*dst->rrs)) : NULL;
	for (size_t i = 0; i < src->n; i++) {
		dst->rrs[i] = src->rrs[i];
		dst->rrs[i].value = xstrdup(src->rrs[i].value);
	}
	for (size_t i = 0; i < src->cnames.n; i++)
		strv_push(&dst->cnames, src->cnames.v[i]);
}

/* ---- socket functions: remember peers ---- */

static void peer_set(struct dns_resolver *r, int fd, char *text)
{
	if (fd < 0) {
		free(text);
		return;
	}
	if (fd >= r->npeer) {
		int n = r->npeer ? r->npeer : 16;
		while (n <= fd)
			n *= 2;
		r->peer = xrealloc(r->peer, (size_t)n * sizeof(*r->peer));
		memset(r->peer + r->npeer, 0, (size_t)(n - r->npeer) * sizeof(*r->peer));
		r->npeer = n;
	}
	free(r->peer[fd]);
	r->peer[fd] = text;
}

static char *sockaddr_text(const struct sockaddr *sa)
{
	char host[INET6_ADDRSTRLEN] = "?";
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		return xasprintf("%s:%u", host, ntohs(in->sin_port));
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		return xasprintf("[%s]:%u", host, ntohs(in6->sin6_port));
	}
	return xstrdup("?");
}

static ares_socket_t sf_socket(int domain, int type, int protocol, void *ud)
{
	struct dns_resolver *r = ud;
	/* c-ares configures none of a user-managed socket: it must be non-blocking, and a
	 * DNS query over TCP gains nothing from Nagle's batching. */
	int fd = socket(domain, type | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
	if (fd >= 0 && (type & 0xf) == SOCK_STREAM) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		r->stats.tcp_connections++;
	}
	return fd;
}

static int sf_close(ares_socket_t fd, void *ud)
{
	struct dns_resolver *r = ud;
	peer_set(r, fd, NULL);
	if (r->last_fd == fd)
		r->last_fd = -1;
	return close(fd);
}

static int sf_connect(ares_socket_t fd, const struct sockaddr *sa, ares_socklen_t len, void *ud)
{
	peer_set(ud, fd, sockaddr_text(sa));
	return connect(fd, sa, len);
}

static ares_ssize_t sf_recvfrom(ares_socket_t fd, void *buf, size_t len, int flags, struct sockaddr *from,
				ares_socklen_t *fromlen, void *ud)
{
	struct dns_resolver *r = ud;
	r->last_fd = fd;
	return recvfrom(fd, buf, len, flags, from, fromlen);
}

static ares_ssize_t sf_sendv(ares_socket_t fd, const struct iovec *iov, int n, void *ud)
{
	(void)ud;
	struct msghdr m = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)n};
	return sendmsg(fd, &m, MSG_NOSIGNAL); /* a reset TCP connection must not raise SIGPIPE */
}

static const struct ares_socket_functions sock_funcs = {
	sf_socket, sf_close, sf_connect, sf_recvfrom, sf_sendv,
};

/* ---- setup ---- */

/* host[:port] or [v6][:port] into c-ares' csv form; NULL + *err when host is no IP. */
static char *server_csv_item(const char *s, char **err)
{
	char host[128];
	const char *port = NULL;
	if (*s == '[') {
		const char *close = strchr(s, ']');
		if (!close || (size_t)(close - s - 1) >= sizeof(host))
			goto bad;
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = '\0';
		if (close[1] == ':')
			port = close + 2;
		struct in6_addr a6;
		if (inet_pton(AF_INET6, host, &a6) != 1)
			goto bad;
		return xasprintf("[%s]:%s", host, port ? port : "53");
	}
	const char *colon = strchr(s, ':');
	size_t hl = colon ? (size_t)(colon - s) : strlen(s);
	if (hl >= sizeof(host))
		goto bad;
	memcpy(host, s, hl);
	host[hl] = '\0';
	struct in_addr a4;
	if (inet_pton(AF_INET, host, &a4) != 1)
		goto bad;
	return xasprintf("%s:%s", host, colon ? colon + 1 : "53");
bad:
	*err = xasprintf("dns.servers: '%s' is not an IP address with an optional port (IPv6 in brackets)", s);
	return NULL;
}

static char *describe_servers(ares_channel ch)
{
	struct ares_addr_port_node *list = NULL;
	struct buf b = {0};
	if (ares_get_servers_ports(ch, &list) == ARES_SUCCESS) {
		for (struct ares_addr_port_node *n = list; n; n = n->next) {
			char host[INET6_ADDRSTRLEN] = "?";
			inet_ntop(n->family,
				  n->family == AF_INET ? (const void *)&n->addr.addr4 : (const void *)&n->addr.addr6,
				  host, sizeof(host));
			int port = n->udp_port ? n->udp_port : 53;
			if (b.len)
				buf_puts(&b, ", ");
			if (n->family == AF_INET6)
				buf_printf(&b, "[%s]:%d", host, port);
			else
				buf_printf(&b, "%s:%d", host, port);
		}
		ares_free_data(list);
	}
	return buf_steal(&b);
}

struct dns_resolver *dns_resolver_new(const struct config *cfg, int max_inflight, char **err)
{
	pthread_once(&ares_once, ares_init_once);
	struct dns_resolver *r = xcalloc(1, sizeof(*r));
	r->max_inflight = max_inflight > 0 ? max_inflight : DNS_DEFAULT_INFLIGHT;
	r->queue_tail = &r->queue;
	r->last_fd = -1;

	size_t nservers = cfg->dns_servers.n ? cfg->dns_servers.n : 1;
	struct ares_options o = {0};
	/* One try per server, and dns.timeout_ms spread over them, so a query is over
	 * (answered or failed) within dns.timeout_ms whatever the number of servers. */
	o.timeout = (int)(cfg->dns_timeout_ms / (long)nservers);
	if (o.timeout < 50)
		o.timeout = 50;
	o.tries = 1;
	/* NOCHECKRESP: c-ares 1.18 would otherwise drop a SERVFAIL or REFUSED answer, try
	 * the next server and, when none is left, report ECONNREFUSED, losing both the
	 * status and the server. So an answer from a server, whatever its rcode, is final;
	 * servers further down the list are tried for timeouts and unreachable ones. */
	o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_NOCHECKRESP;
	int rc = ares_init_options(&r->ch, &o, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS);
	if (rc != ARES_SUCCESS) {
		*err = xasprintf("cannot start the resolver: %s", ares_strerror(rc));
		free(r);
		return NULL;
	}
	ares_set_socket_functions(r->ch, &sock_funcs, r);
	if (cfg->dns_servers.n) {
		struct buf csv = {0};
		for (size_t i = 0; i < cfg->dns_servers.n; i++) {
			char *item = server_csv_item(cfg->dns_servers.v[i], err);
			if (!item) {
				buf_free(&csv);
				ares_destroy(r->ch);
				free(r);
				return NULL;
			}
			if (csv.len)
				buf_putc(&csv, ',');
			buf_puts(&csv, item);
			free(item);
		}
		rc = ares_set_servers_ports_csv(r->ch, buf_cstr(&csv));
		buf_free(&csv);
		if (rc != ARES_SUCCESS) {
			*err = xasprintf("dns.servers: %s", ares_strerror(rc));
			ares_destroy(r->ch);
			free(r);
			return NULL;
		}
		r->desc = describe_servers(r->ch);
	} else {
		char *list = describe_servers(r->ch);
		r->desc = xasprintf("system (%s)", *list ? list : "no servers in /etc/resolv.conf");
		free(list);
	}
	return r;
}

void dns_resolver_attach(struct dns_resolver *r, struct fetcher *f)
{
	r->f = f;
	fetcher_set_ares(f, r->ch);
}

const char *dns_resolver_describe(const struct dns_resolver *r)
{
	return r->desc;
}

void dns_resolver_stats(const struct dns_resolver *r, struct dns_stats *out)
{
	*out = r->stats;
}

/* ---- parsing ---- */

static void rr_push(struct dns_answer *a, char *value, int pref, uint32_t ttl)
{
	a->rrs = xrealloc(a->rrs, (a->n + 1) * sizeof(*a->rrs));
	a->rrs[a->n++] = (struct dns_rr){.value = value, .pref = pref, .ttl = ttl};
}

static char *txt_join(const unsigned char *rd, size_t len)
{
	struct buf b = {0};
	size_t i = 0;
	while (i < len) {
		size_t n = rd[i++];
		if (n > len - i)
			n = len - i;
		for (size_t k = 0; k < n; k++)
			buf_putc(&b, rd[i + k] ? (char)rd[i + k] : '?'); /* a NUL would end the C string */
		i += n;
	}
	return buf_steal(&b);
}

static void strip_dot(char *name)
{
	size_t n = strlen(name);
	if (n > 1 && name[n - 1] == '.')
		name[n - 1] = '\0';
}

int dns_parse_response(const unsigned char *buf, int len, int type, struct dns_answer *out)
{
	ns_msg msg;
	if (!buf || len <= 0 || ns_initparse(buf, len, &msg) < 0)
		return -1;
	int rcode = ns_msg_getflag(msg, ns_f_rcode);
	int count = ns_msg_count(msg, ns_s_an);
	for (int i = 0; i < count; i++) {
		ns_rr rr;
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
			return -1;
		if (ns_rr_class(rr) != ns_c_in)
			continue;
		int t = ns_rr_type(rr);
		const unsigned char *rd = ns_rr_rdata(rr);
		size_t rdlen = ns_rr_rdlen(rr);
		uint32_t ttl = ns_rr_ttl(rr);
		char name[NS_MAXDNAME];
		if (t == DNS_T_CNAME && type != DNS_T_CNAME) {
			if (ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg), rd, name, sizeof(name)) < 0)
				return -1;
			strip_dot(name);
			strv_push(&out->cnames, name);
			continue;
		}
		if (t != type)
			continue;
		switch (t) {
		case DNS_T_A:
		case DNS_T_AAAA: {
			char addr[INET6_ADDRSTRLEN];
			if (rdlen != (t == DNS_T_A ? 4u : 16u) ||
			    !inet_ntop(t == DNS_T_A ? AF_INET : AF_INET6, rd, addr, sizeof(addr)))
				return -1;
			rr_push(out, xstrdup(addr), 0, ttl);
			break;
		}
		case DNS_T_MX:
			if (rdlen < 3 ||
			    ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg), rd + 2, name, sizeof(name)) < 0)
				return -1;
			strip_dot(name);
			rr_push(out, xstrdup(name), (int)ns_get16(rd), ttl);
			break;
		case DNS_T_CNAME:
		case DNS_T_PTR:
			if (ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg), rd, name, sizeof(name)) < 0)
				return -1;
			strip_dot(name);
			rr_push(out, xstrdup(name), 0, ttl);
			break;
		case DNS_T_TXT:
			rr_push(out, txt_join(rd, rdlen), 0, ttl);
			break;
		default:
			break;
		}
	}
	switch (rcode) {
	case ns_r_noerror:
		out->status = out->n ? DNS_OK : DNS_NODATA;
		break;
	case ns_r_nxdomain:
		out->status = DNS_NXDOMAIN;
		break;
	case ns_r_servfail:
		out->status = DNS_SERVFAIL;
		break;
	case ns_r_refused:
		out->status = DNS_REFUSED;
		break;
	default:
		out->status = DNS_ERROR;
		free(out->error);
		out->error = xasprintf("response code %d", rcode);
		break;
	}
	return 0;
}

/* ---- queries ---- */

static void dnsq_send(struct dnsq *q);

static void dnsq_finish(struct dnsq *q)
{
	struct dns_resolver *r = q->r;
	if (q->done)
		q->done(q->out, q->ud);
	if (r->f)
		fetcher_dns_release(r->f);
	free(q->name);
	free(q);
}

static void queue_drain(struct dns_resolver *r)
{
	while (!r->closing && r->queue && r->inflight < r->max_inflight) {
		struct dnsq *q = r->queue;
		r->queue = q->next;
		if (!r->queue)
			r->queue_tail = &r->queue;
		q->next = NULL;
		dnsq_send(q);
	}
}

static void set_error(struct dns_answer *a, enum dns_status st, const char *text)
{
	a->status = st;
	free(a->error);
	a->error = text ? xstrdup(text) : NULL;
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	(void)timeouts;
	struct dnsq *q = arg;
	struct dns_resolver *r = q->r;
	struct dns_answer *a = q->out;
	r->inflight--;
	r->stats.total_ms += fetch_now_ms() - q->started;

	bool got_reply = status == ARES_SUCCESS || status == ARES_ENODATA || status == ARES_ENOTFOUND ||
			 status == ARES_ESERVFAIL || status == ARES_EREFUSED || status == ARES_EFORMERR ||
			 status == ARES_ENOTIMP;
	if (got_reply) {
		r->stats.answered++;
		free(a->server);
		a->server = r->last_fd >= 0 && r->last_fd < r->npeer && r->peer[r->last_fd]
				    ? xstrdup(r->peer[r->last_fd]) : NULL;
	}
	/* Records from an earlier hop are replaced; the CNAME chain accumulates. */
	for (size_t i = 0; i < a->n; i++)
		free(a->rrs[i].value);
	free(a->rrs);
	a->rrs = NULL;
	a->n = 0;
	set_error(a, DNS_ERROR, NULL);

	switch (status) {
	case ARES_SUCCESS:
	case ARES_ENODATA:
	case ARES_ENOTFOUND:
		if (abuf && alen > 0) {
			if (dns_parse_response(abuf, alen, q->type, a) < 0)
				set_error(a, DNS_ERROR, "malformed answer");
		} else {
			a->status = status == ARES_ENOTFOUND ? DNS_NXDOMAIN : DNS_NODATA;
		}
		break;
	case ARES_ESERVFAIL:
		set_error(a, DNS_SERVFAIL, "the server answered SERVFAIL");
		break;
	case ARES_EREFUSED:
		set_error(a, DNS_REFUSED, "the server refused the query");
		break;
	case ARES_ETIMEOUT:
		r->stats.transport_failures++;
		{
			char *t = xasprintf("no answer from %s", r->desc);
			set_error(a, DNS_TIMEOUT, t);
			free(t);
		}
		break;
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION:
		set_error(a, DNS_TIMEOUT, DNS_PENDING_TEXT);
		break;
	case ARES_ECONNREFUSED:
		r->stats.transport_failures++;
		{
			char *t = xasprintf("connection refused by %s", r->desc);
			set_error(a, DNS_ERROR, t);
			free(t);
		}
		break;
	default:
		r->stats.transport_failures += !got_reply;
		set_error(a, DNS_ERROR, ares_strerror(status));
		break;
	}

	if (a->status == DNS_OK || a->status == DNS_NXDOMAIN || a->status == DNS_NODATA)
		r->stats.usable++;

	/* The answer stopped at a CNAME (an authoritative server for another zone, or
	 * a resolver that does not chase): ask for the target. */
	if (!r->closing && q->type != DNS_T_CNAME && a->n == 0 && a->cnames.n > 0 &&
	    (a->status == DNS_NODATA || a->status == DNS_OK)) {
		const char *target = a->cnames.v[a->cnames.n - 1];
		if (q->hops >= DNS_MAX_HOPS) {
			set_error(a, DNS_ERROR, "CNAME chain longer than 8 names");
		} else if (strcasecmp(target, q->name) != 0) {
			free(q->name);
			q->name = xstrdup(target);
			q->hops++;
			dnsq_send(q);
			queue_drain(r);
			return;
		}
	}
	dnsq_finish(q);
	queue_drain(r);
}

static void dnsq_send(struct dnsq *q)
{
	struct dns_resolver *r = q->r;
	r->inflight++;
	r->stats.queries++;
	q->started = fetch_now_ms();
	ares_query(r->ch, q->name, ns_c_in, q->type, on_answer, q);
}

void dns_query(struct dns_resolver *r, const char *name, int type, struct dns_answer *out,
	       void (*done)(struct dns_answer *a, void *ud), void *ud)
{
	dns_answer_clear(out);
	out->name = xstrdup(name);
	out->type = type;
	out->status = DNS_TIMEOUT;
	out->error = xstrdup(DNS_PENDING_TEXT);
	struct dnsq *q = xcalloc(1, sizeof(*q));
	q->r = r;
	q->name = xstrdup(name);
	q->type = type;
	q->out = out;
	q->done = done;
	q->ud = ud;
	if (r->f)
		fetcher_dns_hold(r->f);
	if (r->closing) {
		dnsq_finish(q);
		return;
	}
	if (r->inflight < r->max_inflight) {
		dnsq_send(q);
	} else {
		*r->queue_tail = q;
		r->queue_tail = &q->next;
	}
}

void dns_resolver_free(struct dns_resolver *r)
{
	if (!r)
		return;
	r->closing = true;
	/* Queued queries never went out: finish them as unanswered. */
	while (r->queue) {
		struct dnsq *q = r->queue;
		r->queue = q->next;
		dnsq_finish(q);
	}
	r->queue_tail = &r->queue;
	ares_cancel(r->ch);
	while (r->queue) { /* callbacks of cancelled queries may have queued more */
		struct dnsq *q = r->queue;
		r->queue = q->next;
		dnsq_finish(q);
	}
	if (r->f)
		fetcher_set_ares(r->f, NULL);
	ares_destroy(r->ch);
	for (int i = 0; i < r->npeer; i++)
		free(r->peer[i]);
	free(r->peer);
	free(r->desc);
	free(r);
}
