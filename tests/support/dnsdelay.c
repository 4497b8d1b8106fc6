/* dnsdelay: one listener thread, one short-lived worker thread per UDP query or TCP
 * connection; workers sleep on a condition so stopping never waits for a delay. */
#include "tests/support/dnsdelay.h"
#include "core/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct dnsdelay {
	int udp, tcp, wake[2], port, delay_ms;
	struct sockaddr_in up;
	pthread_t listener;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int workers, queries, max_workers;
	int stopping;
};

struct job {
	struct dnsdelay *d;
	unsigned char pkt[65536];
	ssize_t len;
	struct sockaddr_in client;
	int conn;       /* TCP connection, or -1 for UDP */
};

/* Sleeps delay_ms unless stopping; returns 0 to go on. */
static int pause_delay(struct dnsdelay *d)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += d->delay_ms / 1000;
	until.tv_nsec += (long)(d->delay_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&d->lock);
	while (!d->stopping && pthread_cond_timedwait(&d->cond, &d->lock, &until) != ETIMEDOUT)
		;
	int stop = d->stopping;
	pthread_mutex_unlock(&d->lock);
	return stop ? -1 : 0;
}

static ssize_t read_full(int fd, void *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		if (poll(&pf, 1, 3000) <= 0)
			return -1;
		ssize_t r = read(fd, (char *)p + got, n - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static ssize_t ask_udp(struct dnsdelay *d, const unsigned char *q, size_t len, unsigned char *out, size_t max)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	ssize_t n = -1;
	if (connect(fd, (struct sockaddr *)&d->up, sizeof(d->up)) == 0 && send(fd, q, len, 0) == (ssize_t)len) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		if (poll(&pf, 1, 3000) > 0)
			n = recv(fd, out, max, 0);
	}
	close(fd);
	return n;
}

static void worker_done(struct dnsdelay *d)
{
	pthread_mutex_lock(&d->lock);
	d->workers--;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

static void *udp_worker(void *arg)
{
	struct job *j = arg;
	struct dnsdelay *d = j->d;
	if (pause_delay(d) == 0) {
		static __thread unsigned char reply[65536];
		ssize_t n = ask_udp(d, j->pkt, (size_t)j->len, reply, sizeof(reply));
		if (n > 0)
			sendto(d->udp, reply, (size_t)n, 0, (struct sockaddr *)&j->client, sizeof(j->client));
	}
	free(j);
	worker_done(d);
	return NULL;
}

static void *tcp_worker(void *arg)
{
	struct job *j = arg;
	struct dnsdelay *d = j->d;
	int up = -1;
	for (;;) {
		unsigned char hdr[2];
		if (read_full(j->conn, hdr, 2) < 0)
			break;
		size_t len = (size_t)hdr[0] << 8 | hdr[1];
		if (read_full(j->conn, j->pkt, len) < 0 || pause_delay(d) < 0)
			break;
		if (up < 0) {
			up = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (up < 0 || connect(up, (struct sockaddr *)&d->up, sizeof(d->up)) < 0)
				break;
		}
		if (write(up, hdr, 2) != 2 || write(up, j->pkt, len) != (ssize_t)len || read_full(up, hdr, 2) < 0)
			break;
		len = (size_t)hdr[0] << 8 | hdr[1];
		if (read_full(up, j->pkt, len) < 0 || write(j->conn, hdr, 2) != 2 ||
		    write(j->conn, j->pkt, len) != (ssize_t)len)
			break;
	}
	if (up >= 0)
		close(up);
	close(j->conn);
	free(j);
	worker_done(d);
	return NULL;
}

static void spawn(struct dnsdelay *d, void *(*fn)(void *), struct job *j)
{
	pthread_mutex_lock(&d->lock);
	d->workers++;
	d->queries++;
	if (d->workers > d->max_workers)
		d->max_workers = d->workers;
	pthread_mutex_unlock(&d->lock);
	pthread_t t;
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&at, 256 * 1024);
	if (pthread_create(&t, &at, fn, j) != 0) {
		if (j->conn >= 0)
			close(j->conn);
		free(j);
		worker_done(d);
	}
	pthread_attr_destroy(&at);
}

static void *listener(void *arg)
{
	struct dnsdelay *d = arg;
	struct pollfd pf[3] = {{.fd = d->udp, .events = POLLIN}, {.fd = d->tcp, .events = POLLIN},
			       {.fd = d->wake[0], .events = POLLIN}};
	for (;;) {
		if (poll(pf, 3, -1) < 0 && errno != EINTR)
			break;
		if (pf[2].revents)
			break;
		if (pf[0].revents & POLLIN) {
			struct job *j = xcalloc(1, sizeof(*j));
			socklen_t sl = sizeof(j->client);
			j->d = d;
			j->conn = -1;
			j->len = recvfrom(d->udp, j->pkt, sizeof(j->pkt), 0, (struct sockaddr *)&j->client, &sl);
			if (j->len > 0)
				spawn(d, udp_worker, j);
			else
				free(j);
		}
		if (pf[1].revents & POLLIN) {
			int c = accept4(d->tcp, NULL, NULL, SOCK_CLOEXEC);
			if (c >= 0) {
				struct job *j = xcalloc(1, sizeof(*j));
				j->d = d;
				j->conn = c;
				spawn(d, tcp_worker, j);
			}
		}
	}
	return NULL;
}

struct dnsdelay *dnsdelay_start(const char *upstream, int delay_ms)
{
	struct dnsdelay *d = xcalloc(1, sizeof(*d));
	d->delay_ms = delay_ms;
	char host[64];
	int uport;
	if (sscanf(upstream, "%63[^:]:%d", host, &uport) != 2)
		goto fail;
	d->up.sin_family = AF_INET;
	d->up.sin_port = htons((uint16_t)uport);
	if (inet_pton(AF_INET, host, &d->up.sin_addr) != 1)
		goto fail;
	for (int attempt = 0; attempt < 20; attempt++) {
		d->udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		d->tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		socklen_t sl = sizeof(a);
		int one = 1;
		setsockopt(d->tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(d->udp, (struct sockaddr *)&a, sizeof(a)) == 0 &&
		    getsockname(d->udp, (struct sockaddr *)&a, &sl) == 0 &&
		    bind(d->tcp, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(d->tcp, 64) == 0) {
			d->port = ntohs(a.sin_port);
			break;
		}
		close(d->udp);
		close(d->tcp);
		d->udp = d->tcp = -1;
	}
	if (d->port == 0 || pipe(d->wake) < 0)
		goto fail;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	if (pthread_create(&d->listener, NULL, listener, d) != 0)
		goto fail;
	return d;
fail:
	fprintf(stderr, "dnsdelay: cannot start\n");
	free(d);
	return NULL;
}

int dnsdelay_port(const struct dnsdelay *d)
{
	return d->port;
}

int dnsdelay_queries(const struct dnsdelay *d)
{
	struct dnsdelay *m = (struct dnsdelay *)d;
	pthread_mutex_lock(&m->lock);
	int n = m->queries;
	pthread_mutex_unlock(&m->lock);
	return n;
}

int dnsdelay_max_in_flight(struct dnsdelay *d)
{
	pthread_mutex_lock(&d->lock);
	int n = d->max_workers;
	pthread_mutex_unlock(&d->lock);
	return n;
}

void dnsdelay_stop(struct dnsdelay *d)
{
	if (!d)
		return;
	if (write(d->wake[1], "x", 1) != 1)
		perror("dnsdelay: wake");
	pthread_join(d->listener, NULL);
	pthread_mutex_lock(&d->lock);
	d->stopping = 1;
	pthread_cond_broadcast(&d->cond);
	while (d->workers > 0)
		pthread_cond_wait(&d->cond, &d->lock);
	pthread_mutex_unlock(&d->lock);
	close(d->udp);
	close(d->tcp);
	close(d->wake[0]);
	close(d->wake[1]);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cond);
	free(d);
}
