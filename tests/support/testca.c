/* testca: CA + leaf made with openssl req/x509 (EC P-256, two days). */
#include "tests/support/testca.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *test_tmpdir(const char *tag)
{
	const char *base = getenv("MCON_TEST_TMP");
	char *tmpl = xasprintf("%s/%s.XXXXXX", base && *base ? base : "/tmp", tag);
	if (!mkdtemp(tmpl))
		die("mkdtemp %s failed", tmpl);
	return tmpl;
}

void test_rmdir(const char *dir)
{
	if (!dir || strlen(dir) < 6)
		return;
	char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(cmd);
}

static int run(const char *cmd)
{
	int rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "testca: failed (%d): %s\n", rc, cmd);
	return rc == 0 ? 0 : -1;
}

int testca_make(struct testca *ca, const char *sans)
{
	memset(ca, 0, sizeof(*ca));
	char *d = test_tmpdir("ca");
	snprintf(ca->dir, sizeof(ca->dir), "%s", d);
	free(d);
	snprintf(ca->ca_file, sizeof(ca->ca_file), "%s/ca.pem", ca->dir);
	snprintf(ca->cert_file, sizeof(ca->cert_file), "%s/server.pem", ca->dir);
	snprintf(ca->key_file, sizeof(ca->key_file), "%s/server.key", ca->dir);
	char *cmd = xasprintf(
		"cd '%s' && exec >/dev/null 2>&1 && "
		"openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem "
		"-days 2 -subj /CN=mcon-test-ca && "
		"openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr "
		"-subj /CN=mcon-test-server && "
		"printf 'subjectAltName=%s\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > server.ext && "
		"openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 "
		"-extfile server.ext",
		ca->dir, sans);
	int rc = run(cmd);
	free(cmd);
	if (rc < 0)
		return -1;
	ca->cert_pem = file_read(ca->cert_file, 1 << 20, NULL);
	ca->key_pem = file_read(ca->key_file, 1 << 20, NULL);
	return ca->cert_pem && ca->key_pem ? 0 : -1;
}

void testca_free(struct testca *ca)
{
	free(ca->cert_pem);
	free(ca->key_pem);
	test_rmdir(ca->dir);
	memset(ca, 0, sizeof(*ca));
}
