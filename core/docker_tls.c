/* docker_tls: docker.host opened as the docker CLI opens DOCKER_HOST: tcp:// with TLS when
 * DOCKER_TLS_VERIFY (the server's certificate checked) or DOCKER_TLS (not checked) is set, the
 * files of DOCKER_CERT_PATH (default ~/.docker: ca.pem, cert.pem, key.pem, each when present),
 * the host name resolved through dns.servers like every other request (a CURLOPT_RESOLVE pin),
 * and plain tcp:// to a host other than loopback refused unless docker.allow_plain_tcp. */
#include "core/docker.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/dns.h"

static bool env_set(const char *name)
{
	const char *v = getenv(name);
	return v && *v;
}

/* tcp://HOST[:PORT][/]: the host (IPv6 brackets removed) and the port (NULL when absent). */
static void split_hostport(const char *docker_host, char **host, char **port)
{
	char *hp = xstrdup(docker_host + strlen("tcp://"));
	size_t l = strlen(hp);
	while (l && hp[l - 1] == '/')
		hp[--l] = '\0';
	*port = NULL;
	char *colon;
	if (hp[0] == '[') {
		char *end = strchr(hp, ']');
		if (end) {
			*end = '\0';
			if (end[1] == ':')
				*port = xstrdup(end + 2);
		}
		*host = xstrdup(hp + 1);
	} else {
		if ((colon = strrchr(hp, ':'))) {
			*colon = '\0';
			*port = xstrdup(colon + 1);
		}
		*host = xstrdup(hp);
	}
	free(hp);
}

static bool is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

static bool is_address(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	return inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1;
}

/* dir/name when the file is readable, else NULL. */
static char *cert_file(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	if (access(p, R_OK) == 0)
		return p;
	free(p);
	return NULL;
}

static void on_dns(struct dns_answer *a, void *ud)
{
	(void)a;
	*(bool *)ud = true;
}

/* The dns.servers answer for host, as a CURLOPT_RESOLVE entry; NULL with *err. */
static char *pin_host(const struct config *cfg, const char *host, const char *port, char **err)
{
	char *derr = NULL;
	struct dns_resolver *r = dns_resolver_new(cfg, 0, &derr);
	if (!r) {
		*err = xasprintf("docker.host %s: %s", cfg->docker_host, derr ? derr : "no resolver");
		free(derr);
		return NULL;
	}
	struct fetcher *f = fetcher_new();
	dns_resolver_attach(r, f);
	struct dns_answer ans = {0};
	bool done = false;
	dns_query(r, host, DNS_T_A, &ans, on_dns, &done);
	fetcher_run(f, fetch_now_ms() + cfg->dns_timeout_ms + 1000);
	char *pin = NULL;
	if (done && ans.status == DNS_OK && ans.n) {
		struct buf b = {0};
		buf_printf(&b, "%s:%s:", host, port);
		for (size_t i = 0; i < ans.n; i++)
			buf_printf(&b, "%s%s", i ? "," : "", ans.rrs[i].value);
		pin = buf_steal(&b);
	} else {
		*err = xasprintf("docker.host %s: %s does not resolve through dns.servers (%s)", cfg->docker_host, host,
				 dns_status_name(ans.status));
	}
	dns_resolver_free(r);
	fetcher_free(f);
	dns_answer_clear(&ans);
	return pin;
}

int docker_endpoint_open(const struct config *cfg, struct docker_endpoint *ep, char **err)
{
	if (docker_endpoint_parse(cfg->docker_host, ep, err) < 0)
		return -1;
	if (ep->unix_socket)
		return 0;
	bool verify = env_set("DOCKER_TLS_VERIFY"), tls = verify || env_set("DOCKER_TLS");
	char *host = NULL, *port = NULL, *dir = NULL;
	int rc = -1;
	split_hostport(cfg->docker_host, &host, &port);
	if (!tls && !is_loopback(host) && !cfg->docker_allow_plain_tcp) {
		*err = xasprintf("docker.host %s: plain TCP to a host other than loopback gives root on it "
				 "to anyone on the path; set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH (ca.pem, "
				 "cert.pem, key.pem) as for the docker CLI, or docker.allow_plain_tcp = true",
				 cfg->docker_host);
		goto out;
	}
	if (!port)
		port = xstrdup(tls ? "2376" : "2375");
	if (tls) {
		const char *cp = getenv("DOCKER_CERT_PATH"), *home = getenv("HOME");
		dir = cp && *cp ? xstrdup(cp) : xasprintf("%s/.docker", home && *home ? home : "");
		ep->ca_file = cert_file(dir, "ca.pem");
		ep->cert_file = cert_file(dir, "cert.pem");
		ep->key_file = cert_file(dir, "key.pem");
		if (!ep->cert_file != !ep->key_file) {
			const char *has = ep->cert_file ? "cert.pem" : "key.pem";
			*err = xasprintf("docker.host %s: %s holds %s without %s (DOCKER_CERT_PATH)",
					 cfg->docker_host, dir, has, ep->cert_file ? "key.pem" : "cert.pem");
			goto out;
		}
		ep->insecure = !verify;
	}
	bool v6 = strchr(host, ':') != NULL;
	free(ep->base_url);
	ep->base_url = xasprintf("%s://%s%s%s:%s", tls ? "https" : "http", v6 ? "[" : "", host, v6 ? "]" : "", port);
	if (cfg->dns_servers.n && !is_address(host) && strcasecmp(host, "localhost") != 0 &&
	    !(ep->resolve = pin_host(cfg, host, port, err)))
		goto out;
	rc = 0;
out:
	if (rc < 0)
		docker_endpoint_free(ep);
	free(host);
	free(port);
	free(dir);
	return rc;
}

void docker_endpoint_fetch_opts(const struct docker_endpoint *ep, struct fetch_opts *o)
{
	o->unix_socket = ep->unix_socket;
	o->ca_file = ep->ca_file;
	o->cert_file = ep->cert_file;
	o->key_file = ep->key_file;
	o->insecure = ep->insecure;
	o->resolve = ep->resolve;
}
