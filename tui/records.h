/* records: the DNS side of the details views: what each record should be under the
 * configuration versus what DNS answered, and the zone lines to publish (TXT values split
 * into strings of at most 255 characters). Text only; the panes show it. */
#ifndef MCON_TUI_RECORDS_H
#define MCON_TUI_RECORDS_H

#include "tui/model.h"
#include "tui/textview.h"

/* Fills a domain's details: checks, expected versus found, zone lines. */
void records_domain_details(const struct tui_model *m, const struct snap_domain *d, struct textview *tv);
/* Fills a DKIM row's details (selector index into cfg->dkim_selectors). */
void records_dkim_details(const struct tui_model *m, const struct snap_domain *d, size_t sel,
			  struct textview *tv);

/* A zone line "name. 3600 IN TXT ( "..." "..." )" for a TXT value, split into strings of at
 * most `chunk` characters (255 for the canonical form), one string per line when multi. */
void records_txt_lines(struct textview *tv, const char *indent, const char *name, const char *value,
		       size_t chunk);

/* The value of a tag (p=, v=) in a DKIM/DMARC-style record, whitespace removed (caller frees). */
char *records_tag(const char *record, const char *tag);
/* The RSA modulus size of a base64 SubjectPublicKeyInfo (or PKCS#1) key; 0 when it does
 * not parse. */
int records_key_bits(const char *b64);
/* The DKIM TXT answer of a selector, or NULL. */
const struct dns_answer *records_dkim_answer(const struct tui_model *m, const struct snap_domain *d,
					     size_t sel);

#endif
