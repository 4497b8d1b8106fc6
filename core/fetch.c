/* fetch: the curl multi + c-ares event loop behind every refresh. */
#include "core/fetch.h"
#include "core/config.h"
#include "core/util.h"

#include <ares.h>
#include <curl/curl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FETCH_DEFAULT_MAX (16u << 20)
#define FETCH_DEFAULT_PARALLEL 16

struct transfer {
	struct fetcher *f;
	CURL *easy;
	struct curl_slist *headers, *resolve;
	char *body_copy;
	struct buf body;
	size_t max_bytes;
	bool too_big;
	bool stopped_by_callback;
	char *api_version, *content_type;
	char errbuf[CURL_ERROR_SIZE];
	long long started;
	long timeout_ms;
	bool queued;            /* waiting for a free slot, not yet in the multi handle */
	struct transfer *queue_next;
	bool (*on_data)(const char *p, size_t n, void *ud);
	void (*done)(struct fetch_result *r, void *ud);
	void (*cancelled)(void *ud);
	void *ud;
	struct transfer *next;
};

struct fetcher {
	CURLM *multi;
	ares_channel ares;
	int dns_pending;
	int wake_fd;
	struct transfer *transfers;
	int running;            /* transfers started or queued, not yet finished */
	int active;             /* bounded transfers in the multi handle */
	int max_active;
	struct transfer *queue, **queue_tail; /* FIFO of transfers waiting for a slot */
	int finished;
	long long finished_ms;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

long long fetch_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct fetcher *fetcher_new(void)
{
	pthread_once(&curl_once, curl_init_once);
	struct fetcher *f = xcalloc(1, sizeof(*f));
	f->multi = curl_multi_init();
	if (!f->multi)
		die("cannot initialise libcurl");
	f->wake_fd = -1;
	f->max_active = FETCH_DEFAULT_PARALLEL;
	f->queue_tail = &f->queue;
	return f;
}

/* Header lists may carry the API key: wipe them before freeing. */
static void slist_wipe_free(struct curl_slist *l)
{
	for (struct curl_slist *i = l; i; i = i->next)
		if (i->data)
			explicit_bzero(i->data, strlen(i->data));
	curl_slist_free_all(l);
}

static void transfer_free(struct transfer *t)
{
	slist_wipe_free(t->headers);
	curl_slist_free_all(t->resolve);
	if (t->body_copy) {
		explicit_bzero(t->body_copy, strlen(t->body_copy));
		free(t->body_copy);
	}
	buf_free(&t->body);
	free(t->api_version);
	free(t->content_type);
	free(t);
}

static void transfer_unlink(struct fetcher *f, struct transfer *t)
{
	for (struct transfer **p = &f->transfers; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	if (!t->queued)
		curl_multi_remove_handle(f->multi, t->easy);
	curl_easy_cleanup(t->easy);
}

void fetcher_free(struct fetcher *f)
{
	if (!f)
		return;
	while (f->transfers) {
		struct transfer *t = f->transfers;
		transfer_unlink(f, t);
		if (t->cancelled)
			t->cancelled(t->ud);
		transfer_free(t);
	}
	curl_multi_cleanup(f->multi);
	free(f);
}

void fetcher_set_parallel(struct fetcher *f, int max_transfers)
{
	f->max_active = max_transfers > 0 ? max_transfers : FETCH_DEFAULT_PARALLEL;
}

/* Streams (on_data) are long-lived and not counted against the bound. */
static bool transfer_bounded(const struct transfer *t)
{
	return t->on_data == NULL;
}

static int transfer_start(struct fetcher *f, struct transfer *t)
{
	/* The timeout counts from here, not from when the request was queued. */
	t->started = fetch_now_ms();
	if (curl_multi_add_handle(f->multi, t->easy) != CURLM_OK)
		return -1;
	t->queued = false;
	if (transfer_bounded(t))
		f->active++;
	return 0;
}

/* Moves queued transfers into the multi handle while slots are free. A transfer that
 * cannot be added finishes at once with an error. */
static void transfer_finish(struct fetcher *f, struct transfer *t, CURLcode code);
static void queue_drain(struct fetcher *f)
{
	while (f->queue && f->active < f->max_active) {
		struct transfer *t = f->queue;
		f->queue = t->queue_next;
		if (!f->queue)
			f->queue_tail = &f->queue;
		t->queue_next = NULL;
		if (transfer_start(f, t) < 0)
			transfer_finish(f, t, CURLE_FAILED_INIT);
	}
}

void fetcher_set_ares(struct fetcher *f, void *ares_channel)
{
	f->ares = ares_channel;
}

void fetcher_dns_hold(struct fetcher *f)
{
	f->dns_pending++;
}

void fetcher_dns_release(struct fetcher *f)
{
	if (f->dns_pending > 0)
		f->dns_pending--;
}

void fetcher_stats(const struct fetcher *f, int *finished, long long *total_ms)
{
	*finished = f->finished;
	*total_ms = f->finished_ms;
}

void fetcher_counts(const struct fetcher *f, int *http, int *dns)
{
	if (http)
		*http = f->running;
	if (dns)
		*dns = f->dns_pending;
}

void fetcher_set_wake_fd(struct fetcher *f, int fd)
{
	f->wake_fd = fd;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct transfer *t = ud;
	size_t len = size * n;
	if (t->on_data) {
		if (!t->on_data(p, len, t->ud)) {
			t->stopped_by_callback = true;
			return 0;
		}
		return len;
	}
	if (t->body.len + len > t->max_bytes) {
		t->too_big = true;
		return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
	}
	buf_append(&t->body, p, len);
	return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct transfer *t = ud;
	size_t len = size * n;
	char **slot = NULL;
	size_t skip = 0;
	if (len > 12 && strncasecmp(p, "Api-Version:", 12) == 0) {
		slot = &t->api_version;
		skip = 12;
	} else if (len > 13 && strncasecmp(p, "Content-Type:", 13) == 0) {
		slot = &t->content_type;
		skip = 13;
	}
	if (slot) {
		free(*slot);
		char *v = xstrndup(p + skip, len - skip);
		char *trimmed = str_trim(v);
		*slot = xstrdup(trimmed);
		free(v);
	}
	return len;
}

void fetch_opts_mailcow_tls(struct fetch_opts *o, const struct config *cfg)
{
	o->ca_file = cfg->mailcow_ca_file;
	o->insecure = !cfg->mailcow_tls_verify;
	o->pubkey_pin = cfg->mailcow_pin;
}

int fetcher_add(struct fetcher *f, const struct fetch_opts *o)
{
	if (!o->url)
		return -1;
	struct transfer *t = xcalloc(1, sizeof(*t));
	t->f = f;
	t->easy = curl_easy_init();
	if (!t->easy) {
		free(t);
		return -1;
	}
	t->max_bytes = o->max_bytes ? o->max_bytes : FETCH_DEFAULT_MAX;
	t->on_data = o->on_data;
	t->done = o->done;
	t->cancelled = o->cancelled;
	t->ud = o->ud;
	t->timeout_ms = o->timeout_ms;
	t->started = fetch_now_ms();
	CURL *e = t->easy;
	curl_easy_setopt(e, CURLOPT_URL, o->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, t);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "mcon/" MCON_VERSION);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	if (o->timeout_ms > 0)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	long ct = o->connect_timeout_ms ? o->connect_timeout_ms : o->timeout_ms;
	if (ct > 0)
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ct);
	if (o->unix_socket)
		curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, o->unix_socket);
	if (o->ca_file) {
		curl_easy_setopt(e, CURLOPT_CAINFO, o->ca_file);
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
	}
	if (o->cert_file && o->key_file) {
		curl_easy_setopt(e, CURLOPT_SSLCERT, o->cert_file);
		curl_easy_setopt(e, CURLOPT_SSLKEY, o->key_file);
	}
	/* Without chain verification (a lab's tls_verify = false, or a pin that replaces it),
	 * the name in the certificate must still be the host's. */
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, o->insecure || o->pubkey_pin ? 0L : 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->pubkey_pin)
		curl_easy_setopt(e, CURLOPT_PINNEDPUBLICKEY, o->pubkey_pin);
	if (o->resolve) {
		t->resolve = curl_slist_append(NULL, o->resolve);
		curl_easy_setopt(e, CURLOPT_RESOLVE, t->resolve);
	}
	for (const char *const *h = o->headers; h && *h; h++)
		t->headers = curl_slist_append(t->headers, *h);
	if (o->body) {
		t->body_copy = xstrndup(o->body, o->body_len ? o->body_len : strlen(o->body));
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->body_copy);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(t->body_copy));
	}
	/* No "Expect: 100-continue" round trip for small bodies. */
	t->headers = curl_slist_append(t->headers, "Expect:");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
	if (o->method && strcmp(o->method, "GET") != 0) {
		if (strcmp(o->method, "HEAD") == 0)
			curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
		else
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, o->method);
		if (!o->body && strcmp(o->method, "POST") == 0) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, 0L);
		}
	}
	t->queued = true;
	if (!transfer_bounded(t) || f->active < f->max_active) {
		if (transfer_start(f, t) < 0) {
			curl_easy_cleanup(e);
			transfer_free(t);
			return -1;
		}
	} else {
		*f->queue_tail = t;
		f->queue_tail = &t->queue_next;
	}
	t->next = f->transfers;
	f->transfers = t;
	f->running++;
	return 0;
}

static void transfer_finish(struct fetcher *f, struct transfer *t, CURLcode code)
{
	struct fetch_result r = {0};
	r.curl_code = (int)code;
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &r.status);
	r.too_big = t->too_big;
	r.elapsed_ms = (long)(fetch_now_ms() - t->started);
	long os_errno = 0;
	if (code != CURLE_OK && curl_easy_getinfo(t->easy, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK)
		r.os_errno = (int)os_errno;
	if (t->too_big)
		r.error = xasprintf("response larger than %zu bytes", t->max_bytes);
	else if (code == CURLE_OPERATION_TIMEDOUT)
		r.error = xasprintf("timed out after %ld ms", t->timeout_ms);
	else if (code != CURLE_OK && !(t->stopped_by_callback && code == CURLE_WRITE_ERROR))
		r.error = xstrdup(t->errbuf[0] ? t->errbuf : curl_easy_strerror(code));
	if (t->stopped_by_callback && code == CURLE_WRITE_ERROR)
		r.curl_code = 0;
	r.len = t->body.len;
	r.body = buf_steal(&t->body);
	r.api_version = t->api_version;
	r.content_type = t->content_type;
	t->api_version = t->content_type = NULL;
	bool was_active = !t->queued && transfer_bounded(t);
	f->finished++;
	f->finished_ms += r.elapsed_ms;
	transfer_unlink(f, t);
	f->running--;
	if (was_active)
		f->active--;
	if (t->done)
		t->done(&r, t->ud);
	free(r.body);
	free(r.error);
	free(r.api_version);
	free(r.content_type);
	transfer_free(t);
}

static void process_done(struct fetcher *f)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(f->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct transfer *t = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		if (t)
			transfer_finish(f, t, m->data.result);
	}
	queue_drain(f);
}

/* Lets curl do what it can and runs the completion callbacks, until no callback has
 * started new work that curl could act on at once. */
static void curl_pump(struct fetcher *f)
{
	int running = 0;
	curl_multi_perform(f->multi, &running);
	process_done(f);
}

int fetcher_step(struct fetcher *f, int timeout_ms)
{
	struct curl_waitfd extra[ARES_GETSOCK_MAXNUM + 1];
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	int nextra = 0;

	/* Completion callbacks run first: they may start DNS queries whose sockets must be
	 * in this wait (gathering the sockets before them left new queries unpolled for up
	 * to a whole wait). */
	curl_pump(f);
	if (f->ares) {
		/* ARES_GETSOCK_WRITABLE shifts an int by up to 31 (undefined): test the bits
		 * of an unsigned copy instead. */
		unsigned bits = (unsigned)ares_getsock(f->ares, socks, ARES_GETSOCK_MAXNUM);
		for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			short ev = 0;
			if (bits & (1u << i))
				ev |= CURL_WAIT_POLLIN;
			if (bits & (1u << (i + ARES_GETSOCK_MAXNUM)))
				ev |= CURL_WAIT_POLLOUT;
			if (!ev)
				continue;
			extra[nextra].fd = socks[i];
			extra[nextra].events = ev;
			extra[nextra].revents = 0;
			nextra++;
		}
		/* ares_timeout returns either &tv or &maxtv (tv then stays unset): use its answer */
		struct timeval tv, maxtv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
		const struct timeval *t = f->dns_pending ? ares_timeout(f->ares, timeout_ms >= 0 ? &maxtv : NULL, &tv)
							 : NULL;
		if (t) {
			int ms = (int)(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000);
			if (timeout_ms < 0 || ms < timeout_ms)
				timeout_ms = ms;
		}
	}
	int nares = nextra;
	if (f->wake_fd >= 0) {
		extra[nextra].fd = f->wake_fd;
		extra[nextra].events = CURL_WAIT_POLLIN;
		extra[nextra].revents = 0;
		nextra++;
	}
	if (f->running > 0 || f->dns_pending > 0 || f->wake_fd >= 0) {
		long curl_to = -1;
		curl_multi_timeout(f->multi, &curl_to);
		int wait = timeout_ms < 0 ? 1000 : timeout_ms;
		if (f->running > 0 && curl_to >= 0 && curl_to < wait)
			wait = (int)curl_to;
		curl_multi_poll(f->multi, extra, (unsigned)nextra, wait, NULL);
	}
	if (f->ares) {
		/* curl_multi_poll reports only IN/OUT/PRI for extra fds; a UDP socket whose
		 * server answered with ICMP port unreachable shows only POLLERR, which c-ares
		 * must read to fail the query at once. So look at the c-ares sockets again. */
		struct pollfd pfd[ARES_GETSOCK_MAXNUM];
		for (int i = 0; i < nares; i++)
			pfd[i] =
				(struct pollfd){.fd = extra[i].fd,
						.events = (short)((extra[i].events & CURL_WAIT_POLLIN ? POLLIN : 0) |
								  (extra[i].events & CURL_WAIT_POLLOUT ? POLLOUT : 0))};
		bool any = false;
		if (nares > 0 && poll(pfd, (nfds_t)nares, 0) > 0) {
			for (int i = 0; i < nares; i++) {
				short re = pfd[i].revents;
				ares_socket_t r = (re & (POLLIN | POLLERR | POLLHUP)) && (pfd[i].events & POLLIN)
					? pfd[i].fd
					: ARES_SOCKET_BAD;
				ares_socket_t w = (re & (POLLOUT | POLLERR | POLLHUP)) && (pfd[i].events & POLLOUT)
					? pfd[i].fd
					: ARES_SOCKET_BAD;
				if (r != ARES_SOCKET_BAD || w != ARES_SOCKET_BAD) {
					ares_process_fd(f->ares, r, w);
					any = true;
				}
			}
		}
		if (!any && f->dns_pending)
			ares_process_fd(f->ares, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* timeouts */
	}
	curl_pump(f);
	return f->running + f->dns_pending;
}

int fetcher_run(struct fetcher *f, long long deadline_ms)
{
	int left;
	while ((left = f->running + f->dns_pending) > 0) {
		int wait = 1000;
		if (deadline_ms) {
			long long rem = deadline_ms - fetch_now_ms();
			if (rem <= 0)
				break;
			if (rem < wait)
				wait = (int)rem;
		}
		fetcher_step(f, wait);
	}
	return f->running + f->dns_pending;
}
