/* onboard_int: what the walkthrough's own files share (core/onboard*.c) and nothing else
 * includes: the fixed numbers of the plan and the helpers one file calls in another. */
#ifndef MCON_ONBOARD_INT_H
#define MCON_ONBOARD_INT_H

#include "core/onboard.h"

#define OB_KEY_BITS 2048
#define OB_STS_MAX_AGE 604800L  /* one week, as MailCow's docs suggest for enforce */
#define OB_TTL 3600
#define OB_WAIT_FIRST_MS 5000L
#define OB_WAIT_MAX_MS 60000L

/* the walkthrough (onboard.c) */
const char *ob_msel(const struct onboard *ob);
const char *ob_relay_name(const struct onboard *ob);
void ob_say(struct onboard *ob, const char *fmt, ...) ATTR_PRINTF(2, 3);
bool ob_confirm(struct onboard *ob, const char *fmt, ...) ATTR_PRINTF(2, 3);
void ob_warned(struct onboard *ob, char **w);
enum onboard_state ob_set_state(struct onboard *ob, size_t i, enum onboard_state st, char *detail, char *written);
enum onboard_state ob_fail(struct onboard *ob, size_t i, int rc, const char *what, char *err);
enum onboard_state ob_declined(struct onboard *ob, size_t i, const char *what);
void ob_dkim_clear(struct onboard_dkim *d);
char *ob_sts_id_now(void);

/* the actions (onboard_actions.c) */
int ob_host_is_ip(const char *h);
char *ob_sts_mx(const struct onboard *ob);
enum onboard_state ob_run_preflight(struct onboard *ob, size_t i);
enum onboard_state ob_run_add_domain(struct onboard *ob, size_t i);
/* One mail address, nothing that would break MailCow's JSON or its goto list. */
bool ob_address_ok(const char *a);
enum onboard_state ob_run_catchall(struct onboard *ob, size_t i);
enum onboard_state ob_run_dkim(struct onboard *ob, size_t i);
enum onboard_state ob_run_mta_sts(struct onboard *ob, size_t i);

#endif
