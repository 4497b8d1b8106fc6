/* dkimkey: the size of a DKIM public key from its p= value (base64 of a DER
 * SubjectPublicKeyInfo, or of a bare PKCS#1 RSAPublicKey as some signers publish),
 * read with a small DER walk: the bit length of the RSA modulus. */
#ifndef MCON_DKIMKEY_H
#define MCON_DKIMKEY_H

#include <stddef.h>

/* Bits of the RSA modulus; 0 for a well-formed non-RSA key (Ed25519: see *kind);
 * -1 when it is not base64 or not a public key. kind (may be NULL) gets "rsa",
 * "ed25519" or NULL (static strings). Whitespace inside the base64 is ignored. */
int dkim_key_bits(const char *b64, const char **kind);

/* Decodes standard base64, skipping whitespace; NULL on bad input. Caller frees. */
unsigned char *base64_decode(const char *in, size_t *len_out);

#endif
