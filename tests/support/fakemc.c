/* fakemc: route table + key checks + faults over httpsrv. */
#include "tests/support/fakemc.h"
#include "core/util.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct route {
	char *path, *body;
};

struct fakemc {
	struct httpsrv *srv;
	pthread_mutex_t lock;
	struct route *routes;
	size_t n_routes;
	enum fake_fault fault;
	char *fault_prefix;
	int fault_arg, latency_ms;
	struct strv hits;
	int n401;
	bool leaked;
	char *post_path, *post_body, *post_ctype;
};

static char *read_data(const char *file)
{
	char *path = xasprintf("tests/data/mailcow/%s", file);
	char *body = file_read(path, 1 << 24, NULL);
	if (!body)
		die("fakemc: cannot read %s (run from the repository root)", path);
	free(path);
	return body;
}

void fakemc_route(struct fakemc *m, const char *path, const char *body)
{
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->n_routes; i++)
		if (strcmp(m->routes[i].path, path) == 0) {
			free(m->routes[i].body);
			m->routes[i].body = xstrdup(body);
			pthread_mutex_unlock(&m->lock);
			return;
		}
	m->routes = xrealloc(m->routes, (m->n_routes + 1) * sizeof(*m->routes));
	m->routes[m->n_routes++] = (struct route){xstrdup(path), xstrdup(body)};
	pthread_mutex_unlock(&m->lock);
}

void fakemc_route_file(struct fakemc *m, const char *path, const char *file)
{
	char *body = read_data(file);
	fakemc_route(m, path, body);
	free(body);
}

static const char *post_answer(const char *path)
{
	if (strcmp(path, "/api/v1/add/domain") == 0)
		return "add_domain_response_ok.json";
	if (strcmp(path, "/api/v1/add/alias") == 0)
		return "add_alias_response_ok.json";
	if (strcmp(path, "/api/v1/edit/alias") == 0)
		return "edit_alias_response_ok.json";
	if (strcmp(path, "/api/v1/add/dkim") == 0)
		return "add_dkim_response_ok.json";
	if (strcmp(path, "/api/v1/add/mta-sts") == 0)
		return "add_mta_sts_response_ok.json";
	return NULL;
}

static void handle(const struct http_req *req, struct http_resp *resp, void *ud)
{
	struct fakemc *m = ud;
	pthread_mutex_lock(&m->lock);
	strv_push(&m->hits, req->url);
	resp->delay_ms = m->latency_ms;
	bool post = strcmp(req->method, "POST") == 0;
	if (strstr(req->url, FAKEMC_RW_KEY) || strstr(req->url, FAKEMC_RO_KEY) ||
	    (req->body && (strstr(req->body, FAKEMC_RW_KEY) || strstr(req->body, FAKEMC_RO_KEY))))
		m->leaked = true;
	if (post) {
		free(m->post_path);
		free(m->post_body);
		free(m->post_ctype);
		m->post_path = xstrdup(req->url);
		m->post_body = xstrdup(req->body);
		m->post_ctype = xstrdup(req->content_type);
	}
	enum fake_fault fault = m->fault;
	if (fault != FAKE_OK && m->fault_prefix && !str_starts_with(req->url, m->fault_prefix))
		fault = FAKE_OK;
	int arg = m->fault_arg;

	/* Keys first, as json_api.php does. */
	const char *key = req->api_key;
	if (key && strcmp(key, FAKEMC_RW_KEY) != 0 && strcmp(key, FAKEMC_RO_KEY) != 0) {
		m->n401++;
		resp->status = 401;
		resp->body = strcmp(key, FAKEMC_IPDENIED_KEY) == 0
			? xstrdup("{\"type\":\"error\",\"msg\":\"api access denied for ip 127.0.0.1\"}")
			: xstrdup("{\"type\":\"error\",\"msg\":\"authentication failed\"}");
		goto out;
	}
	if (!key) {
		if (!post)
			resp->body = xstrdup(""); /* a GET without a key: 200, empty */
		else if (str_starts_with(req->url, "/api/v1/add/"))
			resp->body = xstrdup("[{\"type\":\"danger\",\"msg\":\"access_denied\"}]");
		else
			resp->status = 403;
		goto out;
	}
	if (post && strcmp(key, FAKEMC_RO_KEY) == 0) {
		resp->status = 403;
		resp->body = xstrdup("{\"type\":\"error\",\"msg\":\"API read/write access denied\"}");
		goto out;
	}
	switch (fault) {
	case FAKE_OK:
		break;
	case FAKE_SLOW:
		resp->delay_ms += arg;
		break;
	case FAKE_STATUS:
		resp->status = arg;
		if (arg == 401) {
			m->n401++;
			resp->body = xstrdup("{\"type\":\"error\",\"msg\":\"authentication failed\"}");
		} else if (arg != 403) {
			resp->body = xstrdup("<html><body>Internal error</body></html>");
			resp->content_type = "text/html";
		}
		goto out;
	case FAKE_MALFORMED:
		resp->body = xstrdup("[{\"domain_name\": \"broken.test\", \"active\": ");
		goto out;
	case FAKE_EMPTY:
		resp->body = xstrdup("");
		goto out;
	case FAKE_STARTUP:
		resp->status = 500;
		resp->content_type = "text/html; charset=utf-8";
		resp->body = xstrdup("<center style='font-family:sans-serif;'>Connection to dockerapi container failed."
				     "<br /><br />The following error was reported:<br/>111 - Connection refused</center>\n");
		goto out;
	case FAKE_TRUNCATED:
		resp->mode = HTTP_TRUNCATE;
		break;
	case FAKE_OVERSIZED:
		resp->mode = HTTP_HUGE;
		resp->huge_bytes = (33u << 20);
		goto out;
	}
	if (post) {
		if (!req->content_type || !strstr(req->content_type, "application/json")) {
			resp->body = xstrdup("{\"type\":\"error\",\"msg\":\"Cannot find attributes in post data\"}");
			goto out;
		}
		const char *file = post_answer(req->url);
		if (file) {
			pthread_mutex_unlock(&m->lock);
			resp->body = read_data(file);
			pthread_mutex_lock(&m->lock);
		} else if (strcmp(req->url, "/api/v1/edit/mta-sts") == 0) {
			/* as the real API: without "version":"stsv1" in attr it reads the stored
			 * "STSv1" back and refuses (tests/data/mailcow-real/POST_edit__mta-sts_*) */
			json_t *j = json_loads(req->body, 0, NULL);
			const char *v = json_string_value(json_object_get(json_object_get(j, "attr"), "version"));
			resp->body = xstrdup(v && strcasecmp(v, "stsv1") == 0
				? "[{\"type\":\"success\",\"log\":[],\"msg\":[\"object_modified\",\"x\"]}]"
				: "[{\"type\":\"danger\",\"log\":[],\"msg\":[\"version_invalid\",\"STSv1\"]}]");
			json_decref(j);
		} else {
			resp->status = 404;
			resp->body = xstrdup("{\"type\":\"error\",\"msg\":\"route not found\"}");
		}
		goto out;
	}
	for (size_t i = 0; i < m->n_routes; i++)
		if (strcmp(m->routes[i].path, req->url) == 0) {
			resp->body = xstrdup(m->routes[i].body);
			goto out;
		}
	if (str_starts_with(req->url, "/api/v1/get/dkim/")) {
		resp->body = xstrdup("{}");
	} else {
		resp->status = 404;
		resp->body = xstrdup("{\"type\":\"error\",\"msg\":\"route not found\"}");
	}
out:
	if (resp->mode == HTTP_TRUNCATE && !resp->body)
		resp->body = xstrdup("[]");
	pthread_mutex_unlock(&m->lock);
}

struct fakemc *fakemc_start(const struct testca *ca)
{
	struct fakemc *m = xcalloc(1, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	fakemc_route_file(m, "/api/v1/get/domain/all", "get_domain_all.json");
	fakemc_route_file(m, "/api/v1/get/alias/all", "get_alias_all.json");
	fakemc_route_file(m, "/api/v1/get/mailbox/all", "get_mailbox_all.json");
	fakemc_route_file(m, "/api/v1/get/relayhost/all", "get_relayhost_all.json");
	fakemc_route_file(m, "/api/v1/get/status/containers", "get_status_containers.json");
	fakemc_route_file(m, "/api/v1/get/status/version", "get_status_version.json");
	fakemc_route_file(m, "/api/v1/get/mailq/all", "get_mailq_all.json");
	fakemc_route_file(m, "/api/v1/get/dkim/netgrimoire.com", "get_dkim_domain.json");
	m->srv = httpsrv_start(ca ? ca->cert_pem : NULL, ca ? ca->key_pem : NULL, handle, m);
	if (!m->srv)
		die("fakemc: cannot start the server");
	return m;
}

int fakemc_port(const struct fakemc *m)
{
	return httpsrv_port(m->srv);
}

void fakemc_fault(struct fakemc *m, const char *prefix, enum fake_fault f, int arg)
{
	pthread_mutex_lock(&m->lock);
	m->fault = f;
	free(m->fault_prefix);
	m->fault_prefix = xstrdup(prefix);
	m->fault_arg = arg;
	pthread_mutex_unlock(&m->lock);
}

void fakemc_latency(struct fakemc *m, int ms)
{
	pthread_mutex_lock(&m->lock);
	m->latency_ms = ms;
	pthread_mutex_unlock(&m->lock);
}

int fakemc_hits(struct fakemc *m, const char *prefix)
{
	pthread_mutex_lock(&m->lock);
	int n = 0;
	for (size_t i = 0; i < m->hits.n; i++)
		n += str_starts_with(m->hits.v[i], prefix);
	pthread_mutex_unlock(&m->lock);
	return n;
}

int fakemc_401s(struct fakemc *m)
{
	pthread_mutex_lock(&m->lock);
	int n = m->n401;
	pthread_mutex_unlock(&m->lock);
	return n;
}

void fakemc_last_post(struct fakemc *m, char **path, char **body, char **ctype)
{
	pthread_mutex_lock(&m->lock);
	*path = xstrdup(m->post_path);
	*body = xstrdup(m->post_body);
	*ctype = xstrdup(m->post_ctype);
	pthread_mutex_unlock(&m->lock);
}

bool fakemc_key_leaked(struct fakemc *m)
{
	pthread_mutex_lock(&m->lock);
	bool l = m->leaked;
	pthread_mutex_unlock(&m->lock);
	return l;
}

void fakemc_stop(struct fakemc *m)
{
	if (!m)
		return;
	httpsrv_stop(m->srv);
	for (size_t i = 0; i < m->n_routes; i++) {
		free(m->routes[i].path);
		free(m->routes[i].body);
	}
	free(m->routes);
	free(m->fault_prefix);
	strv_free(&m->hits);
	free(m->post_path);
	free(m->post_body);
	free(m->post_ctype);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
