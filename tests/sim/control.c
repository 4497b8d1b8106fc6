/* mcon-sim control channel: a unix socket DIR/control.sock taking one command per line
 * (faults, container state, DNS records, the mail queue) and answering "ok ..." or
 * "error: ...", and the `mcon-sim ctl DIR COMMAND...` client that talks to it. */
#include "tests/sim/sim.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int ctl_fd = -1;
static char *ctl_path;
static pthread_t ctl_thread;
static bool ctl_up;

static struct sim_container *container_by_ref(const char *ref)
{
	for (size_t i = 0; i < sim.containers.n; i++) {
		struct sim_container *c = sim.containers.v[i];
		if (strcmp(c->service, ref) == 0)
			return c;
	}
	return container_find(ref);
}

/* Splits line on blanks in place; off[i] is where word i starts, so that the raw
 * remainder of the line (TXT data has blanks) can be taken from a copy. */
static int words(char *line, char **w, size_t *off, int max)
{
	int n = 0;
	char *p = line;
	while (n < max) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		off[n] = (size_t)(p - line);
		w[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

/* Runs one control command; the answer goes to out without a newline. */
static void control_exec(char *line, struct buf *out)
{
	size_t len = strlen(line);
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n' || line[len - 1] == ' '))
		line[--len] = '\0';
	char *raw = xstrdup(line);
	char *w[16];
	size_t off[16];
	int n = words(line, w, off, 16);
	char *rest4 = n > 4 ? raw + off[4] : NULL;
	if (n == 0) {
		buf_puts(out, "error: empty command (try help)");
	} else if (strcmp(w[0], "ping") == 0) {
		buf_puts(out, "ok pong");
	} else if (strcmp(w[0], "help") == 0) {
		buf_puts(out, "ok commands: ping, show, stats, count BACKEND, held BACKEND, fault BACKEND KIND [VALUE] "
			      "[match=PREFIX], fault BACKEND off, "
			      "container SERVICE ACTION [NETWORK], log SERVICE TEXT, dns add NAME TYPE DATA, dns del NAME [TYPE [DATA]], "
			      "mailq deferred N, mailq clear (see mcon-sim --help)");
	} else if (strcmp(w[0], "held") == 0 && n == 2) {
		int held = 0;
		const char *err = fault_held(w[1], &held);
		if (err)
			buf_printf(out, "error: %s", err);
		else
			buf_printf(out, "ok %d", held);
	} else if (strcmp(w[0], "stats") == 0) {
		pthread_mutex_lock(&sim.lock);
		buf_printf(out, "ok api_requests %ld api_rejected %ld", sim.api_requests, sim.api_rejected);
		pthread_mutex_unlock(&sim.lock);
	} else if (strcmp(w[0], "count") == 0 && n == 2) {
		int be = -1;
		for (int i = 0; i < BE_COUNT; i++)
			if (strcmp(w[1], backend_names[i]) == 0)
				be = i;
		if (be < 0) {
			buf_printf(out, "error: no backend %s", w[1]);
		} else {
			pthread_mutex_lock(&sim.lock);
			buf_printf(out, "ok %ld", sim.requests[be]);
			pthread_mutex_unlock(&sim.lock);
		}
	} else if (strcmp(w[0], "show") == 0) {
		pthread_mutex_lock(&sim.lock);
		buf_puts(out, "ok ");
		fault_describe(out);
		pthread_mutex_unlock(&sim.lock);
	} else if (strcmp(w[0], "fault") == 0) {
		bool cleared;
		pthread_mutex_lock(&sim.lock);
		const char *err = fault_parse((const char *const *)w + 1, n - 1, &cleared);
		pthread_mutex_unlock(&sim.lock);
		if (err) {
			buf_printf(out, "error: %s", err);
		} else {
			faults_apply_down();
			pthread_mutex_lock(&sim.lock);
			buf_puts(out, "ok ");
			fault_describe(out);
			pthread_mutex_unlock(&sim.lock);
		}
	} else if (strcmp(w[0], "container") == 0) {
		if (n < 3) {
			buf_puts(out, "error: usage: container SERVICE ACTION [NETWORK]");
		} else {
			pthread_mutex_lock(&sim.lock);
			struct sim_container *c = container_by_ref(w[1]);
			const char *err = c ? container_action(c, w[2], n > 3 ? w[3] : NULL) : "no such container or service";
			pthread_mutex_unlock(&sim.lock);
			if (err)
				buf_printf(out, "error: %s: %s", w[1], err);
			else
				buf_printf(out, "ok %s %s", w[1], w[2]);
		}
	} else if (strcmp(w[0], "log") == 0) {
		/* a line the container writes now (stdout): log followers get it at once */
		if (n < 3) {
			buf_puts(out, "error: usage: log SERVICE TEXT");
		} else {
			pthread_mutex_lock(&sim.lock);
			struct sim_container *c = container_by_ref(w[1]);
			if (c) {
				container_add_log(c, sim_now_ns(), 1, raw + off[2]);
				pthread_cond_broadcast(&sim.ev_cond);
			}
			pthread_mutex_unlock(&sim.lock);
			if (c)
				buf_printf(out, "ok log %s", w[1]);
			else
				buf_printf(out, "error: %s: no such container or service", w[1]);
		}
	} else if (strcmp(w[0], "dns") == 0 && n >= 2 && strcmp(w[1], "add") == 0) {
		if (n < 5 || !rest4) {
			buf_puts(out, "error: usage: dns add NAME TYPE DATA");
		} else {
			char *err = NULL;
			int rc;
			pthread_mutex_lock(&sim.lock);
			if (strcasecmp(w[3], "TXT") == 0 && rest4[0] != '"')
				rc = dns_add_txt(w[2], 300, rest4);
			else
				rc = dns_add_record(w[2], 300, w[3], rest4, &err);
			pthread_mutex_unlock(&sim.lock);
			if (rc < 0)
				buf_printf(out, "error: %s", err ? err : "not a valid record");
			else
				buf_printf(out, "ok added %s %s", w[2], w[3]);
			free(err);
		}
	} else if (strcmp(w[0], "dns") == 0 && n >= 2 && (strcmp(w[1], "del") == 0 || strcmp(w[1], "delete") == 0)) {
		if (n < 3) {
			buf_puts(out, "error: usage: dns del NAME [TYPE [DATA]]");
		} else {
			pthread_mutex_lock(&sim.lock);
			int removed = dns_del_records(w[2], n > 3 ? w[3] : NULL, n > 4 ? rest4 : NULL);
			pthread_mutex_unlock(&sim.lock);
			if (removed < 0)
				buf_puts(out, "error: not a valid record type or data");
			else
				buf_printf(out, "ok removed %d", removed);
		}
	} else if (strcmp(w[0], "mailq") == 0 && n >= 2) {
		long count = n > 2 ? strtol(w[2], NULL, 10) : 0;
		if (strcmp(w[1], "clear") == 0 || (strcmp(w[1], "deferred") == 0 && n == 3 && count >= 0)) {
			pthread_mutex_lock(&sim.lock);
			for (size_t i = 0; i < sim.mailq.n; i++) {
				struct sim_qitem *q = sim.mailq.v[i];
				free(q->queue_name);
				free(q->queue_id);
				free(q->sender);
				strv_free(&q->recipients);
				free(q);
			}
			sim.mailq.n = 0;
			for (long k = 0; k < count; k++) {
				struct sim_qitem *q = xcalloc(1, sizeof(*q));
				char id[16];
				random_hex(id, 11);
				for (char *c = id; *c; c++)
					if (*c >= 'a' && *c <= 'f')
						*c = (char)(*c - 'a' + 'A');
				q->queue_name = xstrdup("deferred");
				q->queue_id = xasprintf("4d%s", id);
				q->sender = xstrdup("admin@netgrimoire.com");
				q->arrival = (long)(sim_now_ns() / 1000000000) - 300 * (k + 1);
				q->size = 24000 + 1013 * k;
				strv_push_owned(&q->recipients,
						xasprintf("user%ld@example.org (host mx.example.org[198.51.100.%ld] said: 451 4.7.1 "
							  "Service unavailable - try again later (in reply to end of DATA command))",
							  k + 1, k % 200 + 20));
				ptrv_push(&sim.mailq, q);
			}
			pthread_mutex_unlock(&sim.lock);
			buf_printf(out, "ok mailq %ld deferred", count);
		} else {
			buf_puts(out, "error: usage: mailq deferred N | mailq clear");
		}
	} else {
		buf_printf(out, "error: unknown command '%s' (try help)", w[0]);
	}
	free(raw);
}

static void serve_conn(int fd)
{
	struct buf in = {0};
	char chunk[4096];
	for (;;) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		int pr = poll(&pf, 1, 200);
		if (sim.stopping)
			break;
		if (pr == 0) {
			if (in.len > 65536)
				break;
			continue;
		}
		if (pr < 0 && errno == EINTR)
			continue;
		ssize_t r = pr > 0 ? read(fd, chunk, sizeof(chunk)) : -1;
		if (r <= 0)
			break;
		buf_append(&in, chunk, (size_t)r);
		char *nl;
		while (in.len && (nl = memchr(in.data, '\n', in.len))) {
			*nl = '\0';
			size_t used = (size_t)(nl - in.data) + 1;
			struct buf out = {0};
			control_exec(in.data, &out);
			buf_putc(&out, '\n');
			bool ok = write(fd, out.data, out.len) == (ssize_t)out.len;
			buf_free(&out);
			memmove(in.data, in.data + used, in.len - used);
			in.len -= used;
			if (!ok)
				goto done;
		}
	}
done:
	buf_free(&in);
	close(fd);
}

static void *ctl_main(void *arg)
{
	(void)arg;
	while (!sim.stopping) {
		struct pollfd pf = {.fd = ctl_fd, .events = POLLIN};
		if (poll(&pf, 1, 200) <= 0)
			continue;
		int c = accept4(ctl_fd, NULL, NULL, SOCK_CLOEXEC);
		if (c >= 0)
			serve_conn(c);
	}
	return NULL;
}

int control_start(char **err)
{
	ctl_path = path_join(sim.dir, "control.sock");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(ctl_path) >= sizeof(sa.sun_path)) {
		*err = xasprintf("%s: path too long for a unix socket", ctl_path);
		return -1;
	}
	strcpy(sa.sun_path, ctl_path);
	unlink(ctl_path);
	ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ctl_fd < 0 || bind(ctl_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ctl_fd, 16) < 0) {
		*err = xasprintf("%s: %s", ctl_path, strerror(errno));
		return -1;
	}
	pthread_create(&ctl_thread, NULL, ctl_main, NULL);
	ctl_up = true;
	return 0;
}

void control_stop(void)
{
	if (ctl_up)
		pthread_join(ctl_thread, NULL);
	ctl_up = false;
	if (ctl_fd >= 0)
		close(ctl_fd);
	ctl_fd = -1;
	if (ctl_path)
		unlink(ctl_path);
	free(ctl_path);
	ctl_path = NULL;
}

int control_client(const char *dir, int argc, char **argv)
{
	struct buf cmd = {0};
	for (int i = 0; i < argc; i++) {
		if (i)
			buf_putc(&cmd, ' ');
		buf_puts(&cmd, argv[i]);
	}
	buf_putc(&cmd, '\n');
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char *path = path_join(dir, "control.sock");
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "mcon-sim: %s: path too long for a unix socket\n", path);
		free(path);
		buf_free(&cmd);
		return 2;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "mcon-sim: cannot reach the simulator at %s: %s (is mcon-sim --dir %s running?)\n", path,
			strerror(errno), dir);
		if (fd >= 0)
			close(fd);
		free(path);
		buf_free(&cmd);
		return 2;
	}
	free(path);
	int rc = 1;
	if (write(fd, cmd.data, cmd.len) == (ssize_t)cmd.len) {
		struct buf reply = {0};
		char c;
		while (read(fd, &c, 1) == 1 && c != '\n')
			buf_putc(&reply, c);
		const char *r = buf_cstr(&reply);
		if (str_starts_with(r, "ok")) {
			printf("%s\n", r);
			rc = 0;
		} else {
			fprintf(stderr, "mcon-sim: %s\n", *r ? r : "no answer from the simulator");
		}
		buf_free(&reply);
	}
	close(fd);
	buf_free(&cmd);
	return rc;
}
