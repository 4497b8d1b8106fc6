/* mcon-sim DNS: an authoritative server for the scenario's zones over UDP and TCP on one
 * loopback port. Packets are parsed and built with ldns; the faults (down, timeout, slow,
 * SERVFAIL, REFUSED, wrong id, malformed) are applied per query name. */
#include "tests/sim/sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---------------------------------------------------------------- zone data */

static char *absolute_lower(const char *name)
{
	size_t n = strlen(name);
	char *s = n && name[n - 1] == '.' ? xstrdup(name) : xasprintf("%s.", name);
	str_lower(s);
	return s;
}

/* Whether name is zone or below it (both absolute, lower case). */
static bool in_zone(const char *name, const char *zone)
{
	size_t nl = strlen(name), zl = strlen(zone);
	if (nl < zl || strcmp(name + nl - zl, zone) != 0)
		return false;
	return nl == zl || name[nl - zl - 1] == '.';
}

static const char *zone_of(const char *name)
{
	const char *best = NULL;
	for (size_t i = 0; i < sim.zones.n; i++)
		if (in_zone(name, sim.zones.v[i]) && (!best || strlen(sim.zones.v[i]) > strlen(best)))
			best = sim.zones.v[i];
	return best;
}

static int add_rr_text(const char *name, const char *text, char **err)
{
	ldns_rr *rr = NULL;
	ldns_status st = ldns_rr_new_frm_str(&rr, text, 3600, NULL, NULL);
	if (st != LDNS_STATUS_OK) {
		if (err)
			*err = xasprintf("'%s': %s", text, ldns_get_errorstr_by_id(st));
		return -1;
	}
	for (size_t i = 0; i < sim.rrs.n; i++) {
		struct sim_rr *o = sim.rrs.v[i];
		if (ldns_rr_compare(o->rr, rr) == 0) {
			ldns_rr_free(rr);
			return 0;
		}
	}
	struct sim_rr *r = xcalloc(1, sizeof(*r));
	r->name = xstrdup(name);
	r->type = ldns_rr_get_type(rr);
	r->text = xstrdup(text);
	r->rr = rr;
	ptrv_push(&sim.rrs, r);
	return 0;
}

void dns_ensure_zone(const char *name)
{
	char *z = absolute_lower(name);
	if (strv_contains(&sim.zones, z)) {
		free(z);
		return;
	}
	strv_push(&sim.zones, z);
	char *soa = xasprintf("%s 3600 IN SOA ns1.%s hostmaster.%s 2026112901 7200 3600 1209600 300", z, z, z);
	char *ns1 = xasprintf("%s 3600 IN NS ns1.%s", z, z);
	char *ns2 = xasprintf("%s 3600 IN NS ns2.%s", z, z);
	add_rr_text(z, soa, NULL);
	add_rr_text(z, ns1, NULL);
	add_rr_text(z, ns2, NULL);
	free(soa);
	free(ns1);
	free(ns2);
	free(z);
}

int dns_add_record(const char *name, int ttl, const char *type, const char *data, char **err)
{
	char *n = absolute_lower(name);
	if (!zone_of(n)) {
		/* a name outside every zone: its registrable domain becomes a zone */
		const char *p = n + strlen(n) - 1, *dots[3] = {0};
		int k = 0;
		for (const char *q = p - 1; q >= n && k < 2; q--)
			if (*q == '.')
				dots[k++] = q;
		dns_ensure_zone(k == 2 ? dots[1] + 1 : n);
	}
	char *text = xasprintf("%s %d IN %s %s", n, ttl, type, data);
	int rc = add_rr_text(n, text, err);
	free(text);
	free(n);
	return rc;
}

/* TXT presentation of a value: strings of at most 255 bytes, quoted and escaped. */
static char *txt_presentation(const char *value)
{
	struct buf b = {0};
	size_t len = strlen(value);
	size_t pos = 0;
	do {
		size_t n = len - pos > 255 ? 255 : len - pos;
		if (pos)
			buf_putc(&b, ' ');
		buf_putc(&b, '"');
		for (size_t i = 0; i < n; i++) {
			char c = value[pos + i];
			if (c == '"' || c == '\\')
				buf_putc(&b, '\\');
			buf_putc(&b, c);
		}
		buf_putc(&b, '"');
		pos += n;
	} while (pos < len);
	return buf_steal(&b);
}

int dns_add_txt(const char *name, int ttl, const char *value)
{
	char *p = txt_presentation(value);
	int rc = dns_add_record(name, ttl, "TXT", p, NULL);
	free(p);
	return rc;
}

static void rr_free(struct sim_rr *r)
{
	free(r->name);
	free(r->text);
	ldns_rr_free(r->rr);
	free(r);
}

/* Removes the records at name, of type (NULL = all), equal to data (NULL = any). */
int dns_del_records(const char *name, const char *type, const char *data)
{
	char *n = absolute_lower(name);
	ldns_rr *match = NULL;
	int want_type = -1;
	if (type) {
		ldns_rr_type t = ldns_get_rr_type_by_name(type);
		if (t == 0) {
			free(n);
			return -1;
		}
		want_type = (int)t;
	}
	if (type && data) {
		char *d = strcasecmp(type, "TXT") == 0 && data[0] != '"' ? txt_presentation(data) : xstrdup(data);
		char *text = xasprintf("%s 3600 IN %s %s", n, type, d);
		if (ldns_rr_new_frm_str(&match, text, 3600, NULL, NULL) != LDNS_STATUS_OK)
			match = NULL;
		free(text);
		free(d);
		if (!match) {
			free(n);
			return -1;
		}
	}
	int removed = 0;
	for (size_t i = 0; i < sim.rrs.n;) {
		struct sim_rr *r = sim.rrs.v[i];
		bool hit = strcmp(r->name, n) == 0 && (want_type < 0 || r->type == want_type) &&
			   (!match || ldns_rr_compare(r->rr, match) == 0) &&
			   (r->type != LDNS_RR_TYPE_SOA || type);
		if (hit) {
			rr_free(r);
			ptrv_remove(&sim.rrs, i);
			removed++;
		} else {
			i++;
		}
	}
	if (match)
		ldns_rr_free(match);
	free(n);
	return removed;
}

char *dkim_txt_value(const struct sim_domain *d)
{
	return xasprintf("v=DKIM1;k=rsa;t=s;s=email;p=%s", d->dkim_pubkey);
}

void dns_free(void)
{
	for (size_t i = 0; i < sim.rrs.n; i++)
		rr_free(sim.rrs.v[i]);
	free(sim.rrs.v);
	memset(&sim.rrs, 0, sizeof(sim.rrs));
	strv_free(&sim.zones);
}

/* ---------------------------------------------------------------- answering */

static bool name_exists(const char *name)
{
	for (size_t i = 0; i < sim.rrs.n; i++) {
		struct sim_rr *r = sim.rrs.v[i];
		/* the name itself, or an empty non-terminal above a name that exists */
		if (in_zone(r->name, name))
			return true;
	}
	return false;
}

static void push_soa(ldns_pkt *resp, const char *zone)
{
	for (size_t i = 0; i < sim.rrs.n; i++) {
		struct sim_rr *r = sim.rrs.v[i];
		if (r->type == LDNS_RR_TYPE_SOA && strcmp(r->name, zone) == 0) {
			ldns_rr *soa = ldns_rr_clone(r->rr);
			ldns_rr_set_ttl(soa, 300);
			ldns_pkt_push_rr(resp, LDNS_SECTION_AUTHORITY, soa);
			return;
		}
	}
}

/* Fills the answer for qname/qtype; runs with sim.lock held. */
static void answer(ldns_pkt *resp, const char *qname, ldns_rr_type qtype)
{
	const char *zone = zone_of(qname);
	if (!zone) {
		ldns_pkt_set_rcode(resp, LDNS_RCODE_REFUSED);
		return;
	}
	ldns_pkt_set_aa(resp, true);
	char *name = xstrdup(qname);
	for (int hops = 0; hops < 8; hops++) {
		bool any = false, cname = false;
		char *target = NULL;
		for (size_t i = 0; i < sim.rrs.n; i++) {
			struct sim_rr *r = sim.rrs.v[i];
			if (strcmp(r->name, name) != 0)
				continue;
			if (r->type == LDNS_RR_TYPE_CNAME && qtype != LDNS_RR_TYPE_CNAME) {
				ldns_pkt_push_rr(resp, LDNS_SECTION_ANSWER, ldns_rr_clone(r->rr));
				cname = true;
				char *t = ldns_rdf2str(ldns_rr_rdf(r->rr, 0));
				target = t ? absolute_lower(t) : NULL;
				free(t);
				break;
			}
			if (r->type == (int)qtype || qtype == LDNS_RR_TYPE_ANY) {
				ldns_pkt_push_rr(resp, LDNS_SECTION_ANSWER, ldns_rr_clone(r->rr));
				any = true;
			}
		}
		if (cname && target && zone_of(target)) {
			free(name);
			name = target;
			continue;
		}
		free(target);
		if (!any && !cname) {
			const char *z = zone_of(name);
			if (!name_exists(name))
				ldns_pkt_set_rcode(resp, LDNS_RCODE_NXDOMAIN);
			push_soa(resp, z ? z : zone);
		}
		break;
	}
	free(name);
}

/* Builds the reply to one query. Returns the wire bytes (free()) or NULL to stay silent;
 * *delay_ms says how long to hold it back. */
static uint8_t *dns_reply(const uint8_t *q, size_t qlen, bool tcp, size_t *outlen, long *delay_ms)
{
	ldns_pkt *query = NULL;
	*delay_ms = 0;
	if (ldns_wire2pkt(&query, q, qlen) != LDNS_STATUS_OK) {
		if (qlen < 12)
			return NULL;
		ldns_pkt *fe = ldns_pkt_new();
		ldns_pkt_set_id(fe, (uint16_t)(q[0] << 8 | q[1]));
		ldns_pkt_set_qr(fe, true);
		ldns_pkt_set_rcode(fe, LDNS_RCODE_FORMERR);
		uint8_t *w = NULL;
		if (ldns_pkt2wire(&w, fe, outlen) != LDNS_STATUS_OK)
			w = NULL;
		ldns_pkt_free(fe);
		return w;
	}
	ldns_rr_list *ql = ldns_pkt_question(query);
	ldns_rr *qrr = ql && ldns_rr_list_rr_count(ql) == 1 ? ldns_rr_list_rr(ql, 0) : NULL;
	char *qname = NULL;
	if (qrr) {
		char *s = ldns_rdf2str(ldns_rr_owner(qrr));
		qname = absolute_lower(s ? s : ".");
		free(s);
	}

	ldns_pkt *resp = ldns_pkt_new();
	ldns_pkt_set_id(resp, ldns_pkt_id(query));
	ldns_pkt_set_qr(resp, true);
	ldns_pkt_set_opcode(resp, ldns_pkt_get_opcode(query));
	ldns_pkt_set_rd(resp, ldns_pkt_rd(query));
	ldns_pkt_set_cd(resp, ldns_pkt_cd(query));
	if (qrr)
		ldns_pkt_push_rr(resp, LDNS_SECTION_QUESTION, ldns_rr_clone(qrr));
	bool edns = ldns_pkt_edns(query);
	if (edns)
		ldns_pkt_set_edns_udp_size(resp, 1232);

	bool drop = false, malformed = false;
	pthread_mutex_lock(&sim.lock);
	const char *subject = qname ? qname : ".";
	sim.requests[BE_DNS]++;
	*delay_ms = fault_delay_ms(BE_DNS, subject);
	if (fault_match(BE_DNS, subject, F_TIMEOUT) || fault_match(BE_DNS, subject, F_DOWN))
		drop = true;
	else if (!qrr || ldns_pkt_get_opcode(query) != LDNS_PACKET_QUERY)
		ldns_pkt_set_rcode(resp, qrr ? LDNS_RCODE_NOTIMPL : LDNS_RCODE_FORMERR);
	else if (fault_match(BE_DNS, subject, F_SERVFAIL))
		ldns_pkt_set_rcode(resp, LDNS_RCODE_SERVFAIL);
	else if (fault_match(BE_DNS, subject, F_REFUSED))
		ldns_pkt_set_rcode(resp, LDNS_RCODE_REFUSED);
	else
		answer(resp, qname, ldns_rr_get_type(qrr));
	if (fault_match(BE_DNS, subject, F_BADID))
		ldns_pkt_set_id(resp, (uint16_t)(ldns_pkt_id(query) + 1));
	malformed = fault_match(BE_DNS, subject, F_MALFORMED) != NULL;
	pthread_mutex_unlock(&sim.lock);

	uint8_t *wire = NULL;
	if (!drop && ldns_pkt2wire(&wire, resp, outlen) != LDNS_STATUS_OK)
		wire = NULL;
	size_t limit = tcp ? 65535 : 512;
	if (!tcp && edns && ldns_pkt_edns_udp_size(query) > 512)
		limit = ldns_pkt_edns_udp_size(query);
	if (wire && *outlen > limit) {
		/* too big for this transport: header and question only, with TC set */
		free(wire);
		wire = NULL;
		ldns_pkt *tc = ldns_pkt_new();
		ldns_pkt_set_id(tc, ldns_pkt_id(resp));
		ldns_pkt_set_qr(tc, true);
		ldns_pkt_set_aa(tc, ldns_pkt_aa(resp));
		ldns_pkt_set_rd(tc, ldns_pkt_rd(resp));
		ldns_pkt_set_tc(tc, true);
		ldns_pkt_set_rcode(tc, ldns_pkt_get_rcode(resp));
		if (qrr)
			ldns_pkt_push_rr(tc, LDNS_SECTION_QUESTION, ldns_rr_clone(qrr));
		if (edns)
			ldns_pkt_set_edns_udp_size(tc, 1232);
		if (ldns_pkt2wire(&wire, tc, outlen) != LDNS_STATUS_OK)
			wire = NULL;
		ldns_pkt_free(tc);
	}
	if (wire && malformed && *outlen > 7)
		*outlen = 7; /* a header cut short: no resolver can parse it */
	ldns_pkt_free(resp);
	ldns_pkt_free(query);
	free(qname);
	return wire;
}

/* ---------------------------------------------------------------- transport */

struct delayed {
	int64_t due;
	struct sockaddr_storage to;
	socklen_t tolen;
	uint8_t *wire;
	size_t len;
};

static struct {
	int udp, tcp;
	pthread_t main_thread, delay_thread;
	bool threads_up;
	pthread_mutex_t qlock;
	pthread_cond_t qcond;
	struct ptrv queue;       /* struct delayed */
	int conns;               /* open TCP connection threads */
	pthread_cond_t conns_cond;
	/* The DNS thread opens and closes its own sockets (it polls them): dns_sync asks
	 * for a pass (want) and waits until the thread has made it (done). Under sim.lock. */
	uint64_t want, done;
	pthread_cond_t done_cond;
} dns = {.udp = -1, .tcp = -1, .qlock = PTHREAD_MUTEX_INITIALIZER, .qcond = PTHREAD_COND_INITIALIZER,
	 .conns_cond = PTHREAD_COND_INITIALIZER, .done_cond = PTHREAD_COND_INITIALIZER};

static int bind_pair(int port, char **err)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int one = 1;
	int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (u < 0 || bind(u, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (err)
			*err = xasprintf("dns: cannot bind UDP 127.0.0.1:%d: %s", port, strerror(errno));
		if (u >= 0)
			close(u);
		return -1;
	}
	socklen_t sl = sizeof(sa);
	getsockname(u, (struct sockaddr *)&sa, &sl);
	int t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (t >= 0)
		setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (t < 0 || bind(t, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(t, 64) < 0) {
		if (err)
			*err = xasprintf("dns: cannot bind TCP 127.0.0.1:%d: %s", ntohs(sa.sin_port), strerror(errno));
		close(u);
		if (t >= 0)
			close(t);
		return -1;
	}
	dns.udp = u;
	dns.tcp = t;
	sim.dns_port = ntohs(sa.sin_port);
	return 0;
}

static void close_pair(void)
{
	if (dns.udp >= 0)
		close(dns.udp);
	if (dns.tcp >= 0)
		close(dns.tcp);
	dns.udp = dns.tcp = -1;
}

static void queue_send(const struct sockaddr_storage *to, socklen_t tolen, uint8_t *wire, size_t len, long delay_ms)
{
	struct delayed *d = xcalloc(1, sizeof(*d));
	d->due = sim_now_ns() + (int64_t)delay_ms * 1000000;
	d->to = *to;
	d->tolen = tolen;
	d->wire = wire;
	d->len = len;
	pthread_mutex_lock(&dns.qlock);
	ptrv_push(&dns.queue, d);
	pthread_cond_broadcast(&dns.qcond);
	pthread_mutex_unlock(&dns.qlock);
}

static void *delay_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&dns.qlock);
	while (!sim.stopping) {
		int64_t now = sim_now_ns(), next = now + 100000000;
		for (size_t i = 0; i < dns.queue.n;) {
			struct delayed *d = dns.queue.v[i];
			if (d->due <= now) {
				if (dns.udp >= 0)
					sendto(dns.udp, d->wire, d->len, 0, (struct sockaddr *)&d->to, d->tolen);
				free(d->wire);
				free(d);
				ptrv_remove(&dns.queue, i);
				continue;
			}
			if (d->due < next)
				next = d->due;
			i++;
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t wait = next - now;
		if (wait < 1000000)
			wait = 1000000;
		ts.tv_nsec += wait % 1000000000;
		ts.tv_sec += wait / 1000000000 + ts.tv_nsec / 1000000000;
		ts.tv_nsec %= 1000000000;
		pthread_cond_timedwait(&dns.qcond, &dns.qlock, &ts);
	}
	for (size_t i = 0; i < dns.queue.n; i++) {
		struct delayed *d = dns.queue.v[i];
		free(d->wire);
		free(d);
	}
	free(dns.queue.v);
	memset(&dns.queue, 0, sizeof(dns.queue));
	pthread_mutex_unlock(&dns.qlock);
	return NULL;
}

static bool read_full(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		int pr = poll(&pf, 1, 100);
		if (sim.stopping)
			return false;
		if (pr <= 0) {
			if (pr < 0 && errno != EINTR)
				return false;
			continue;
		}
		ssize_t r = read(fd, p + got, n - got);
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

static void *tcp_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	uint8_t len2[2];
	uint8_t *msg = xmalloc(65536);
	while (read_full(fd, len2, 2)) {
		size_t n = (size_t)len2[0] << 8 | len2[1];
		if (!n || !read_full(fd, msg, n))
			break;
		size_t outlen = 0;
		long delay = 0;
		uint8_t *wire = dns_reply(msg, n, true, &outlen, &delay);
		for (long left = delay; left > 0 && !sim.stopping; left -= 50)
			usleep((useconds_t)(left < 50 ? left : 50) * 1000);
		if (!wire)
			continue; /* a dropped answer: the client times out */
		uint8_t hdr[2] = {(uint8_t)(outlen >> 8), (uint8_t)outlen};
		bool ok = write(fd, hdr, 2) == 2 && write(fd, wire, outlen) == (ssize_t)outlen;
		free(wire);
		if (!ok)
			break;
	}
	free(msg);
	close(fd);
	pthread_mutex_lock(&dns.qlock);
	dns.conns--;
	pthread_cond_broadcast(&dns.conns_cond);
	pthread_mutex_unlock(&dns.qlock);
	return NULL;
}

static void *dns_main(void *arg)
{
	(void)arg;
	uint8_t buf[65536];
	while (!sim.stopping) {
		pthread_mutex_lock(&sim.lock);
		bool down = fault_match(BE_DNS, "", F_DOWN) != NULL;
		uint64_t want = dns.want;
		pthread_mutex_unlock(&sim.lock);
		if (down && dns.udp >= 0) {
			close_pair();
		} else if (!down && dns.udp < 0) {
			char *err = NULL;
			if (bind_pair(sim.dns_port, &err) < 0) {
				fprintf(stderr, "mcon-sim: %s\n", err);
				free(err);
			}
		}
		pthread_mutex_lock(&sim.lock);
		if (dns.done < want) {
			dns.done = want;
			pthread_cond_broadcast(&dns.done_cond);
		}
		pthread_mutex_unlock(&sim.lock);
		if (dns.udp < 0) {
			usleep(50000);
			continue;
		}
		struct pollfd pf[2] = {{.fd = dns.udp, .events = POLLIN}, {.fd = dns.tcp, .events = POLLIN}};
		int pr = poll(pf, 2, 100);
		if (pr <= 0)
			continue;
		if (pf[0].revents & POLLIN) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(dns.udp, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
			if (n > 0) {
				size_t outlen = 0;
				long delay = 0;
				uint8_t *wire = dns_reply(buf, (size_t)n, false, &outlen, &delay);
				if (wire && delay > 0)
					queue_send(&from, fl, wire, outlen, delay);
				else if (wire) {
					sendto(dns.udp, wire, outlen, 0, (struct sockaddr *)&from, fl);
					free(wire);
				}
			}
		}
		if (pf[1].revents & POLLIN) {
			int c = accept4(dns.tcp, NULL, NULL, SOCK_CLOEXEC);
			if (c >= 0) {
				pthread_t t;
				pthread_mutex_lock(&dns.qlock);
				dns.conns++;
				pthread_mutex_unlock(&dns.qlock);
				if (pthread_create(&t, NULL, tcp_conn, (void *)(intptr_t)c) == 0) {
					pthread_detach(t);
				} else {
					close(c);
					pthread_mutex_lock(&dns.qlock);
					dns.conns--;
					pthread_mutex_unlock(&dns.qlock);
				}
			}
		}
	}
	return NULL;
}

int dns_start(char **err)
{
	int rc = -1;
	for (int tries = 0; tries < 20 && rc < 0; tries++) {
		free(*err);
		*err = NULL;
		rc = bind_pair(0, err); /* the TCP half can collide: pick another port */
	}
	if (rc < 0)
		return -1;
	free(*err);
	*err = NULL;
	pthread_create(&dns.main_thread, NULL, dns_main, NULL);
	pthread_create(&dns.delay_thread, NULL, delay_main, NULL);
	dns.threads_up = true;
	return 0;
}

void dns_sync(void)
{
	if (!dns.threads_up)
		return;
	pthread_mutex_lock(&sim.lock);
	uint64_t want = ++dns.want;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5; /* the thread passes every 100 ms; this only guards a stopping one */
	while (dns.done < want && !sim.stopping)
		if (pthread_cond_timedwait(&dns.done_cond, &sim.lock, &until) != 0)
			break;
	pthread_mutex_unlock(&sim.lock);
}

void dns_stop(void)
{
	if (!dns.threads_up)
		return;
	pthread_mutex_lock(&dns.qlock);
	pthread_cond_broadcast(&dns.qcond);
	pthread_mutex_unlock(&dns.qlock);
	pthread_join(dns.main_thread, NULL);
	pthread_join(dns.delay_thread, NULL);
	pthread_mutex_lock(&dns.qlock);
	while (dns.conns > 0)
		pthread_cond_wait(&dns.conns_cond, &dns.qlock);
	pthread_mutex_unlock(&dns.qlock);
	close_pair();
	dns.threads_up = false;
}
