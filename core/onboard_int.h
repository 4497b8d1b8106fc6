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
const char *msel(const struct onboard *ob);
const char *relay_name(const struct onboard *ob);
void say(struct onboard *ob, const char *fmt, ...) ATTR_PRINTF(2, 3);
bool confirm(struct onboard *ob, const char *fmt, ...) ATTR_PRINTF(2, 3);
void warned(struct onboard *ob, char **w);
enum onboard_state set_state(struct onboard *ob, size_t i, enum onboard_state st, char *detail, char *written);
enum onboard_state fail(struct onboard *ob, size_t i, int rc, const char *what, char *err);
enum onboard_state declined(struct onboard *ob, size_t i, const char *what);
void dkim_clear(struct onboard_dkim *d);
char *sts_id_now(void);

/* the actions (onboard_actions.c) */
int host_is_ip(const char *h);
char *sts_mx(const struct onboard *ob);
enum onboard_state run_preflight(struct onboard *ob, size_t i);
enum onboard_state run_add_domain(struct onboard *ob, size_t i);
enum onboard_state run_catchall(struct onboard *ob, size_t i);
enum onboard_state run_dkim(struct onboard *ob, size_t i);
enum onboard_state run_mta_sts(struct onboard *ob, size_t i);

#endif
