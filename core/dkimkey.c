/* dkimkey: base64 and just enough DER to find an RSA modulus. */
#include "core/dkimkey.h"
#include "core/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

unsigned char *base64_decode(const char *in, size_t *len_out)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(in);
	unsigned char *out = xmalloc(n / 4 * 3 + 3);
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0, pad = 0;
	for (const char *p = in; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			continue;
		if (*p == '=') {
			pad++;
			continue;
		}
		const char *k = strchr(alphabet, *p);
		if (!k || pad) { /* data after padding is not base64 */
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (uint32_t)(k - alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	if (pad > 2 || bits >= 6) {
		free(out);
		return NULL;
	}
	*len_out = o;
	return out;
}

/* One DER element at *p (within end): its tag and content. */
struct der {
	int tag;
	const unsigned char *data;
	size_t len;
};

static int der_next(const unsigned char **p, const unsigned char *end, struct der *el)
{
	const unsigned char *q = *p;
	if (end - q < 2)
		return -1;
	el->tag = *q++;
	size_t len = *q++;
	if (len & 0x80) {
		int nb = (int)(len & 0x7f);
		if (nb == 0 || nb > 4 || end - q < nb)
			return -1;
		len = 0;
		while (nb--)
			len = (len << 8) | *q++;
	}
	if ((size_t)(end - q) < len)
		return -1;
	el->data = q;
	el->len = len;
	*p = q + len;
	return 0;
}

enum { DER_INT = 0x02, DER_BITSTR = 0x03, DER_OID = 0x06, DER_SEQ = 0x30 };

/* RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } */
static int rsa_modulus_bits(const unsigned char *p, size_t len)
{
	const unsigned char *end = p + len;
	struct der seq, n;
	if (der_next(&p, end, &seq) < 0 || seq.tag != DER_SEQ)
		return -1;
	const unsigned char *q = seq.data;
	if (der_next(&q, seq.data + seq.len, &n) < 0 || n.tag != DER_INT || n.len == 0)
		return -1;
	size_t i = 0;
	while (i < n.len && n.data[i] == 0)
		i++;
	if (i == n.len)
		return -1;
	int bits = (int)(n.len - i - 1) * 8;
	for (unsigned char top = n.data[i]; top; top >>= 1)
		bits++;
	return bits;
}

int dkim_key_bits(const char *b64, const char **kind)
{
	static const unsigned char oid_rsa[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
	static const unsigned char oid_ed25519[] = {0x2b, 0x65, 0x70};
	if (kind)
		*kind = NULL;
	if (!b64)
		return -1;
	size_t len;
	unsigned char *der = base64_decode(b64, &len);
	if (!der)
		return -1;
	int bits = -1;
	const unsigned char *p = der, *end = der + len;
	struct der top, alg, oid, key;
	if (len == 32 && der[0] != DER_SEQ) {
		/* RFC 8463: an Ed25519 p= is the raw 32-byte key. */
		if (kind)
			*kind = "ed25519";
		bits = 0;
	} else if (der_next(&p, end, &top) == 0 && top.tag == DER_SEQ && p == end) {
		const unsigned char *q = top.data, *qend = top.data + top.len;
		if (der_next(&q, qend, &alg) == 0 && alg.tag == DER_SEQ) {
			/* SubjectPublicKeyInfo ::= SEQUENCE { AlgorithmIdentifier, BIT STRING } */
			const unsigned char *a = alg.data;
			if (der_next(&a, alg.data + alg.len, &oid) == 0 && oid.tag == DER_OID &&
			    der_next(&q, qend, &key) == 0 && key.tag == DER_BITSTR && key.len > 1 && key.data[0] == 0) {
				if (oid.len == sizeof(oid_rsa) && memcmp(oid.data, oid_rsa, oid.len) == 0) {
					bits = rsa_modulus_bits(key.data + 1, key.len - 1);
					if (kind && bits > 0)
						*kind = "rsa";
				} else if (oid.len == sizeof(oid_ed25519) &&
					   memcmp(oid.data, oid_ed25519, oid.len) == 0) {
					bits = 0;
					if (kind)
						*kind = "ed25519";
				}
			}
		} else {
			bits = rsa_modulus_bits(der, len); /* bare PKCS#1 */
			if (kind && bits > 0)
				*kind = "rsa";
		}
	}
	free(der);
	return bits;
}
