/* check_stack: checks of the stack as a whole: the message size limits of Postfix, Rspamd
 * and ClamAV, Roundcube's IMAP TLS settings and the Postfix deferred queue. */
#include "core/checks_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *sz(long long v)
{
	char h[32];
	bytes_human(v, h);
	return v < 0 ? xstrdup("unset") : xasprintf("%lld (%s)", v, h);
}

void check_limits_size(struct check_ctx *c)
{
	const struct size_limits *l = &c->s->limits;
	const char *dir = c->cfg->mailcow_dir;
	long long postfix = l->postfix;
	char *pf = sz(postfix), *rs = sz(l->rspamd_max_message), *av = sz(l->av_max_size),
	     *cs = sz(l->clamav_stream_max), *cf = sz(l->clamav_max_file), *cm = sz(l->clamav_max_scan);
	char *side = xasprintf("postfix message_size_limit %s, rspamd max_message %s%s, antivirus max_size %s, "
			       "clamd StreamMaxLength %s, MaxFileSize %s, MaxScanSize %s",
			       pf, rs, l->rspamd_set ? "" : " (default)", av, cs, cf, cm);
	if (postfix < 0) {
		check_emit(c, "stack", STATUS_UNKNOWN, xasprintf("Postfix message_size_limit not found: %s", side),
			   xasprintf("Check %s/data/conf/postfix/main.cf (and extra.cf) is readable", dir));
		goto out;
	}
	struct buf what = {0}, fix = {0};
	enum status st = STATUS_OK;
	if (l->rspamd_max_message >= 0 && l->rspamd_max_message < postfix) {
		st = STATUS_CRITICAL;
		buf_printf(&what, "rspamd max_message %s < postfix %s: mail between them is deferred with 4.7.1; ", rs,
			   pf);
		buf_printf(&fix, "Set max_message = %lld; in %s/data/conf/rspamd/local.d/options.inc (or lower "
				 "message_size_limit in "
			   "%s/data/conf/postfix/extra.cf) and restart rspamd-mailcow. ", postfix, dir, dir);
	}
	struct { const char *key; long long v; const char *s; } clam[] = {
		{"StreamMaxLength", l->clamav_stream_max, cs},
		{"MaxFileSize", l->clamav_max_file, cf},
		{"MaxScanSize", l->clamav_max_scan, cm},
	};
	bool clam_low = false;
	for (size_t i = 0; i < ARRAY_SIZE(clam); i++)
		if (clam[i].v >= 0 && clam[i].v < postfix) {
			st = status_worse(st, STATUS_WARNING);
			clam_low = true;
			buf_printf(&what, "clamd %s %s < postfix %s; ", clam[i].key, clam[i].s, pf);
		}
	if (clam_low)
		buf_printf(&fix,
			   "Raise StreamMaxLength, MaxFileSize and MaxScanSize to at least %lldM in "
			   "%s/data/conf/clamav/clamd.conf "
			   "and restart clamd-mailcow (larger attachments go unscanned). ",
			   (postfix + 1048575) / 1048576, dir);
	if (l->av_max_size >= 0 && l->clamav_stream_max >= 0 && l->av_max_size > l->clamav_stream_max) {
		st = status_worse(st, STATUS_WARNING);
		buf_printf(&what, "antivirus max_size %s > clamd StreamMaxLength %s: those scans fail; ", av, cs);
		buf_printf(&fix, "Lower max_size in %s/data/conf/rspamd/local.d/antivirus.conf to StreamMaxLength "
				 "(%lld) or raise "
			   "StreamMaxLength in %s/data/conf/clamav/clamd.conf. ", dir, l->clamav_stream_max, dir);
	}
	if (l->clamav_max_file >= 0 && l->clamav_max_scan >= 0 && l->clamav_max_scan < l->clamav_max_file) {
		st = status_worse(st, STATUS_WARNING);
		buf_printf(&what, "clamd MaxScanSize %s < MaxFileSize %s; ", cm, cf);
		buf_printf(&fix, "Set MaxScanSize >= MaxFileSize in %s/data/conf/clamav/clamd.conf. ", dir);
	}
	if (c->s->docker.postfix_size_live >= 0 && c->s->docker.postfix_size_live != postfix) {
		char *live = sz(c->s->docker.postfix_size_live);
		st = status_worse(st, STATUS_WARNING);
		buf_printf(&what, "running postfix uses %s, the files say %s; ", live, pf);
		buf_puts(&fix, "Restart postfix-mailcow so it reads the files. ");
		free(live);
	}
	if (st == STATUS_OK) {
		check_emit(c, "stack", STATUS_OK, xasprintf("limits agree: %s", side), NULL);
	} else {
		if (what.len >= 2)
			what.data[what.len -= 2] = '\0';
		if (fix.len)
			fix.data[--fix.len] = '\0';
		check_emit(c, "stack", st, xasprintf("%s (%s)", buf_cstr(&what), side), buf_steal(&fix));
	}
	buf_free(&what);
	buf_free(&fix);
out:
	free(side);
	free(pf);
	free(rs);
	free(av);
	free(cs);
	free(cf);
	free(cm);
}

void check_roundcube_imap_tls(struct check_ctx *c)
{
	const struct roundcube_info *r = &c->s->roundcube;
	const char *path = r->path ? r->path : c->cfg->roundcube_config;
	if (r->err.failed) {
		check_emit(c, "roundcube", STATUS_UNKNOWN,
			   xasprintf("Roundcube config %s not read: %s", path, r->err.why ? r->err.why : "failed"),
			   xasprintf("Check that %s is readable by this user, or set roundcube.config in mcon.conf",
				     path));
		return;
	}
	if (!r->present) {
		check_emit(c, "roundcube", STATUS_OK, xasprintf("no Roundcube config at %s: nothing to check", path),
			   NULL);
		return;
	}
	const char *host = r->imap_host ? r->imap_host : "localhost:143 (default)";
	bool tls = r->imap_host &&
		(strncasecmp(r->imap_host, "tls://", 6) == 0 || strncasecmp(r->imap_host, "ssl://", 6) == 0);
	if (!tls) {
		check_emit(c, "roundcube", STATUS_OK, xasprintf("Roundcube connects to %s without TLS (the "
								"documented plain setup)", host), NULL);
		return;
	}
	if (r->verify_peer_off && r->verify_peer_name_off) {
		check_emit(c, "roundcube", STATUS_OK, xasprintf("Roundcube connects to %s with verify_peer and "
								"verify_peer_name off", host), NULL);
		return;
	}
	const char *missing = !r->verify_peer_off && !r->verify_peer_name_off ? "verify_peer and verify_peer_name are"
			    : !r->verify_peer_off ? "verify_peer is" : "verify_peer_name is";
	check_emit(c, "roundcube", STATUS_CRITICAL,
		   xasprintf("Roundcube connects to %s but %s not turned off in imap_conn_options: logins fail "
			     "(Dovecot's certificate never matches the name dovecot)", host, missing),
		   xasprintf("Add to %s: $config['imap_conn_options'] = ['ssl' => ['verify_peer' => false, "
			     "'verify_peer_name' => false]]; "
			     "or use the plain setup $config['imap_host'] = 'dovecot:143';", path));
}

void check_queue_deferred(struct check_ctx *c)
{
	const struct mailcow_state *m = &c->s->mailcow;
	if (m->queue_err.failed || m->queue_deferred < 0) {
		check_emit(c, "postfix", STATUS_UNKNOWN,
			   xasprintf("mail queue not read: %s", m->queue_err.why ? m->queue_err.why : "no count"),
			   xstrdup("GET /api/v1/get/mailq/all failed; see mailcow.api"));
		return;
	}
	c->out->perf.mail_deferred = m->queue_deferred;
	long n = m->queue_deferred;
	enum status st = n >= 30 ? STATUS_CRITICAL : n >= 10 ? STATUS_WARNING : STATUS_OK;
	char *sum = xasprintf("%ld deferred of %ld queued (warning at 10, critical at 30)", n,
			      m->queue_total < 0 ? n : m->queue_total);
	check_emit(c, "postfix", st, sum,
		   st == STATUS_OK ? NULL
		   : xasprintf("See why mail is deferred: MailCow UI > System > Queue, or cd %s && docker compose "
			       "exec postfix-mailcow "
			       "postqueue -p; then the postfix log (relayhost login, the Rspamd size limit and DNS "
			       "are common causes)",
			       c->cfg->mailcow_dir));
}
