/* mcon-sim TLS: a CA made fresh at every start (EC P-256, GnuTLS), the MailCow API's
 * certificate, MTA-STS certificates chosen by SNI and made on first use, and RSA keys for
 * the DKIM records of domains added through the API. */
#include "tests/sim/sim.h"

#include <arpa/inet.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sni_cert {
	char *name;
	gnutls_pcert_st pcert;
	gnutls_privkey_t key;
};

static pthread_mutex_t sni_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sni_cert *default_cert;

char *base64_encode(const unsigned char *p, size_t n)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = xmalloc(4 * ((n + 2) / 3) + 1), *o = out;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
		*o++ = tbl[v >> 18 & 63];
		*o++ = tbl[v >> 12 & 63];
		*o++ = i + 1 < n ? tbl[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? tbl[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static int set_serial(gnutls_x509_crt_t crt)
{
	unsigned char serial[16];
	gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial));
	serial[0] &= 0x7f;
	return gnutls_x509_crt_set_serial(crt, serial, sizeof(serial));
}

static int new_ec_key(gnutls_x509_privkey_t *key)
{
	int rc = gnutls_x509_privkey_init(key);
	if (rc == 0)
		rc = gnutls_x509_privkey_generate(*key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
	return rc;
}

/* A leaf certificate for names (DNS names, or IP literals) signed by the CA. */
static int make_leaf(const struct strv *names, gnutls_x509_crt_t *crt_out, gnutls_x509_privkey_t *key_out)
{
	gnutls_x509_crt_t crt;
	gnutls_x509_privkey_t key;
	int rc = new_ec_key(&key);
	if (rc < 0)
		return rc;
	gnutls_x509_crt_init(&crt);
	time_t now = time(NULL);
	gnutls_x509_crt_set_version(crt, 3);
	set_serial(crt);
	gnutls_x509_crt_set_activation_time(crt, now - 3600);
	gnutls_x509_crt_set_expiration_time(crt, now + 90 * 86400);
	const char *cn = names->n ? names->v[0] : "localhost";
	gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, (unsigned)strlen(cn));
	gnutls_x509_crt_set_key(crt, key);
	gnutls_x509_crt_set_basic_constraints(crt, 0, -1);
	gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE);
	gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0);
	for (size_t i = 0; i < names->n; i++) {
		unsigned char ip[16];
		if (inet_pton(AF_INET, names->v[i], ip) == 1)
			gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 4, GNUTLS_FSAN_APPEND);
		else if (strcmp(names->v[i], "::1") == 0) {
			memset(ip, 0, 16);
			ip[15] = 1;
			gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 16, GNUTLS_FSAN_APPEND);
		} else {
			gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, names->v[i],
							     (unsigned)strlen(names->v[i]), GNUTLS_FSAN_APPEND);
		}
	}
	unsigned char kid[64];
	size_t kidlen = sizeof(kid);
	if (gnutls_x509_crt_get_subject_key_id(sim.ca_crt, kid, &kidlen, NULL) == 0)
		gnutls_x509_crt_set_authority_key_id(crt, kid, kidlen);
	kidlen = sizeof(kid);
	if (gnutls_x509_crt_get_key_id(crt, 0, kid, &kidlen) == 0)
		gnutls_x509_crt_set_subject_key_id(crt, kid, kidlen);
	rc = gnutls_x509_crt_sign2(crt, sim.ca_crt, sim.ca_key, GNUTLS_DIG_SHA256, 0);
	if (rc < 0) {
		gnutls_x509_crt_deinit(crt);
		gnutls_x509_privkey_deinit(key);
		return rc;
	}
	*crt_out = crt;
	*key_out = key;
	return 0;
}

static char *export_pem_crt(gnutls_x509_crt_t crt)
{
	gnutls_datum_t d;
	if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d) < 0)
		return NULL;
	char *s = xstrndup((const char *)d.data, d.size);
	gnutls_free(d.data);
	return s;
}

static char *export_pem_key(gnutls_x509_privkey_t key)
{
	gnutls_datum_t d;
	if (gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &d) < 0)
		return NULL;
	char *s = xstrndup((const char *)d.data, d.size);
	gnutls_free(d.data);
	return s;
}

static void base_names(struct strv *names)
{
	strv_push(names, sim.hostname ? sim.hostname : "localhost");
	strv_push(names, "localhost");
	strv_push(names, "127.0.0.1");
	strv_push(names, "::1");
}

int tls_init(char **err)
{
	gnutls_global_init();
	gnutls_x509_crt_t ca;
	gnutls_x509_privkey_t cakey;
	int rc = new_ec_key(&cakey);
	if (rc < 0) {
		*err = xasprintf("cannot make the CA key: %s", gnutls_strerror(rc));
		return -1;
	}
	gnutls_x509_crt_init(&ca);
	time_t now = time(NULL);
	gnutls_x509_crt_set_version(ca, 3);
	set_serial(ca);
	gnutls_x509_crt_set_activation_time(ca, now - 3600);
	gnutls_x509_crt_set_expiration_time(ca, now + 90 * 86400);
	static const char cn[] = "mcon-sim test CA";
	gnutls_x509_crt_set_dn_by_oid(ca, GNUTLS_OID_X520_COMMON_NAME, 0, cn, sizeof(cn) - 1);
	gnutls_x509_crt_set_key(ca, cakey);
	gnutls_x509_crt_set_basic_constraints(ca, 1, 0);
	gnutls_x509_crt_set_key_usage(ca, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN);
	unsigned char kid[64];
	size_t kidlen = sizeof(kid);
	if (gnutls_x509_crt_get_key_id(ca, 0, kid, &kidlen) == 0)
		gnutls_x509_crt_set_subject_key_id(ca, kid, kidlen);
	rc = gnutls_x509_crt_sign2(ca, ca, cakey, GNUTLS_DIG_SHA256, 0);
	if (rc < 0) {
		*err = xasprintf("cannot sign the CA: %s", gnutls_strerror(rc));
		gnutls_x509_crt_deinit(ca);
		gnutls_x509_privkey_deinit(cakey);
		return -1;
	}
	sim.ca_crt = ca;
	sim.ca_key = cakey;
	sim.ca_pem = export_pem_crt(ca);

	struct strv names = {0};
	base_names(&names);
	gnutls_x509_crt_t crt;
	gnutls_x509_privkey_t key;
	rc = make_leaf(&names, &crt, &key);
	strv_free(&names);
	if (rc < 0) {
		*err = xasprintf("cannot make the API certificate: %s", gnutls_strerror(rc));
		return -1;
	}
	sim.api_cert_pem = export_pem_crt(crt);
	sim.api_key_pem = export_pem_key(key);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return sim.ca_pem && sim.api_cert_pem && sim.api_key_pem ? 0 : -1;
}

static struct sni_cert *sni_make(const char *name)
{
	struct strv names = {0};
	if (name) {
		strv_push(&names, name);
	} else {
		base_names(&names);
	}
	gnutls_x509_crt_t crt;
	gnutls_x509_privkey_t key;
	int rc = make_leaf(&names, &crt, &key);
	strv_free(&names);
	if (rc < 0)
		return NULL;
	struct sni_cert *c = xcalloc(1, sizeof(*c));
	c->name = xstrdup(name ? name : "");
	gnutls_pcert_import_x509(&c->pcert, crt, 0);
	gnutls_privkey_init(&c->key);
	gnutls_privkey_import_x509(c->key, key, GNUTLS_PRIVKEY_IMPORT_COPY);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return c;
}

/* Whether acme-mailcow would hold a certificate for this name: the MailCow hostname and
 * mta-sts.<domain> for every domain MailCow serves. */
static bool name_served(const char *name)
{
	bool ok = false;
	pthread_mutex_lock(&sim.lock);
	if (sim.hostname && strcasecmp(name, sim.hostname) == 0)
		ok = true;
	else if (strncasecmp(name, "mta-sts.", 8) == 0 && domain_find(name + 8))
		ok = true;
	pthread_mutex_unlock(&sim.lock);
	return ok;
}

static int cert_cb(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
		   const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length, gnutls_pcert_st **pcert,
		   unsigned int *pcert_length, gnutls_privkey_t *pkey)
{
	(void)req_ca_dn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_length;
	char name[256];
	size_t len = sizeof(name);
	unsigned type = 0;
	bool have = gnutls_server_name_get(session, name, &len, &type, 0) == 0 && type == GNUTLS_NAME_DNS;
	if (have)
		str_lower(name);
	struct sni_cert *c = NULL;
	pthread_mutex_lock(&sni_lock);
	if (have && name_served(name)) {
		for (size_t i = 0; i < sim.sni_certs.n && !c; i++) {
			struct sni_cert *s = sim.sni_certs.v[i];
			if (strcmp(s->name, name) == 0)
				c = s;
		}
		if (!c && (c = sni_make(name)))
			ptrv_push(&sim.sni_certs, c);
	}
	if (!c) {
		if (!default_cert)
			default_cert = sni_make(NULL);
		c = default_cert;
	}
	pthread_mutex_unlock(&sni_lock);
	if (!c)
		return -1;
	*pcert = &c->pcert;
	*pcert_length = 1;
	*pkey = c->key;
	return 0;
}

void *tls_cert_callback(void)
{
	return (void *)cert_cb;
}

char *tls_rsa_spki_b64(int bits)
{
	gnutls_privkey_t key;
	gnutls_pubkey_t pub;
	gnutls_datum_t der = {0};
	char *out = NULL;
	gnutls_privkey_init(&key);
	gnutls_pubkey_init(&pub);
	if (gnutls_privkey_generate(key, GNUTLS_PK_RSA, (unsigned)bits, 0) == 0 &&
	    gnutls_pubkey_import_privkey(pub, key, 0, 0) == 0 &&
	    gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der) == 0) {
		out = base64_encode(der.data, der.size);
		gnutls_free(der.data);
	}
	gnutls_pubkey_deinit(pub);
	gnutls_privkey_deinit(key);
	return out;
}

static void sni_free(struct sni_cert *c)
{
	if (!c)
		return;
	free(c->name);
	gnutls_pcert_deinit(&c->pcert);
	gnutls_privkey_deinit(c->key);
	free(c);
}

void tls_free(void)
{
	for (size_t i = 0; i < sim.sni_certs.n; i++)
		sni_free(sim.sni_certs.v[i]);
	free(sim.sni_certs.v);
	memset(&sim.sni_certs, 0, sizeof(sim.sni_certs));
	sni_free(default_cert);
	default_cert = NULL;
	if (sim.ca_crt)
		gnutls_x509_crt_deinit(sim.ca_crt);
	if (sim.ca_key)
		gnutls_x509_privkey_deinit(sim.ca_key);
	sim.ca_crt = sim.ca_key = NULL;
	free(sim.ca_pem);
	free(sim.api_cert_pem);
	if (sim.api_key_pem)
		explicit_bzero(sim.api_key_pem, strlen(sim.api_key_pem));
	free(sim.api_key_pem);
	sim.ca_pem = sim.api_cert_pem = sim.api_key_pem = NULL;
	gnutls_global_deinit();
}
