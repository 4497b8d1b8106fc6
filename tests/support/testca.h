/* testca: a throwaway CA and a server certificate made with the openssl CLI at test
 * time, in a fresh directory under $MCON_TEST_TMP (else /tmp). */
#ifndef MCON_TESTCA_H
#define MCON_TESTCA_H

struct testca {
	char dir[256];
	char ca_file[300];      /* PEM of the CA, for ca_file settings */
	char cert_file[300];
	char key_file[300];
	char *cert_pem, *key_pem; /* the server certificate and key, loaded */
};

/* sans like "DNS:localhost,IP:127.0.0.1". 0 or -1 (message on stderr). */
int testca_make(struct testca *ca, const char *sans);
void testca_free(struct testca *ca);

/* A fresh directory for a test's files; caller frees. */
char *test_tmpdir(const char *tag);
/* rm -rf of a directory made by test_tmpdir. */
void test_rmdir(const char *dir);

#endif
