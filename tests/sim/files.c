/* mcon-sim files: what the simulator leaves in DIR for clients: the CA, the two API keys,
 * a mailcow-dockerized tree holding the size limits and Roundcube's config (written the way
 * mailcow ships them), and mcon.conf pointing at every service. */
#include "tests/sim/http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int write_file(const char *rel, const char *text, int mode, char **err)
{
	char *path = path_join(sim.dir, rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	int rc = mkdir_p(path, 0755);
	*slash = '/';
	if (rc == 0)
		rc = file_write_atomic(path, text, strlen(text), mode);
	if (rc < 0)
		*err = xasprintf("cannot write %s: %s", path, strerror(errno));
	free(path);
	return rc;
}

/* A size from the limits object: an integer is bytes, a string is written as it is. */
static char *limit_text(const char *key, const char *def)
{
	json_t *v = json_object_get(sim.limits, key);
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	return def ? xstrdup(def) : NULL;
}

static char *main_cf(void)
{
	char *limit = limit_text("postfix_message_size_limit", "104857600");
	char *s = xasprintf(
		"biff = no\n"
		"append_dot_mydomain = no\n"
		"smtpd_tls_cert_file = /etc/ssl/mail/cert.pem\n"
		"smtpd_tls_key_file = /etc/ssl/mail/key.pem\n"
		"smtpd_use_tls=yes\n"
		"smtpd_tls_received_header = yes\n"
		"smtpd_tls_security_level = may\n"
		"smtp_tls_security_level = dane\n"
		"smtp_dns_support_level = dnssec\n"
		"smtpd_relay_restrictions = permit_mynetworks,\n"
		"  permit_sasl_authenticated,\n"
		"  defer_unauth_destination\n"
		"# alias maps are auto-generated in fctl script\n"
		"alias_maps = hash:/etc/aliases\n"
		"alias_database = hash:/etc/aliases\n"
		"relayhost =\n"
		"mynetworks = 127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128 [fe80::]/10 172.22.1.0/24 [fd4d:6169:6c63:6f77::]/64\n"
		"mailbox_size_limit = 0\n"
		"recipient_delimiter = +\n"
		"inet_interfaces = all\n"
		"inet_protocols = all\n"
		"bounce_queue_lifetime = 1d\n"
		"broken_sasl_auth_clients = yes\n"
		"disable_vrfy_command = yes\n"
		"maximal_backoff_time = 1800s\n"
		"maximal_queue_lifetime = 5d\n"
		"delay_warning_time = 4h\n"
		"message_size_limit = %s\n"
		"milter_default_action = tempfail\n"
		"milter_mail_macros = i {mail_addr} {client_addr} {client_name} {auth_authen}\n"
		"milter_protocol = 6\n"
		"minimal_backoff_time = 300s\n"
		"plaintext_reject_code = 550\n"
		"postscreen_access_list = permit_mynetworks,\n"
		"  cidr:/opt/postfix/conf/postscreen_access.cidr,\n"
		"  tcp:127.0.0.1:10027\n"
		"postscreen_bare_newline_enable = no\n"
		"postscreen_blacklist_action = drop\n"
		"postscreen_dnsbl_action = enforce\n"
		"postscreen_dnsbl_threshold = 6\n"
		"postscreen_greet_action = enforce\n"
		"sender_dependent_relayhost_maps = proxy:mysql:/opt/postfix/conf/sql/mysql_sender_dependent_relayhost_maps.cf\n"
		"smtp_sasl_auth_enable = yes\n"
		"smtp_sasl_password_maps = proxy:mysql:/opt/postfix/conf/sql/mysql_sasl_passwd_maps_sender_dependent.cf\n"
		"smtp_sasl_security_options =\n"
		"smtp_tls_policy_maps = proxy:mysql:/opt/postfix/conf/sql/mysql_tls_policy_override_maps.cf socketmap:inet:postfix-tlspol:8642:QUERY\n"
		"smtpd_milters = inet:rspamd:9900\n"
		"non_smtpd_milters = inet:rspamd:9900\n"
		"smtpd_sender_restrictions = reject_authenticated_sender_login_mismatch,\n"
		"  permit_mynetworks,\n"
		"  permit_sasl_authenticated,\n"
		"  reject_unlisted_sender,\n"
		"  reject_unknown_sender_domain\n"
		"virtual_alias_maps = proxy:mysql:/opt/postfix/conf/sql/mysql_virtual_alias_maps.cf,\n"
		"  proxy:mysql:/opt/postfix/conf/sql/mysql_virtual_resource_maps.cf,\n"
		"  proxy:mysql:/opt/postfix/conf/sql/mysql_virtual_spamalias_maps.cf,\n"
		"  proxy:mysql:/opt/postfix/conf/sql/mysql_virtual_alias_domain_maps.cf\n"
		"virtual_mailbox_domains = proxy:mysql:/opt/postfix/conf/sql/mysql_virtual_domains_maps.cf\n"
		"virtual_transport = lmtp:inet:dovecot:24\n"
		"\n"
		"# DO NOT EDIT ANYTHING BELOW #\n"
		"# Overrides #\n"
		"\n"
		"myhostname = %s\n",
		limit, sim.hostname);
	free(limit);
	return s;
}

static char *extra_cf(void)
{
	struct buf b = {0};
	buf_puts(&b, "# Local Postfix overrides (mailcow keeps this file across updates).\n");
	buf_printf(&b, "myhostname = %s\n", sim.hostname);
	char *limit = limit_text("postfix_extra_message_size_limit", NULL);
	if (limit)
		buf_printf(&b, "message_size_limit = %s\n", limit);
	free(limit);
	return buf_steal(&b);
}

static char *options_inc(void)
{
	struct buf b = {0};
	buf_puts(&b, "dns {\n"
		     "  enable_dnssec = true;\n"
		     "}\n"
		     "map_watch_interval = 30s;\n"
		     "task_timeout = 30s;\n"
		     "disable_monitoring = true;\n"
		     "# In case a task times out (like DNS lookup), soft reject the message\n"
		     "# instead of silently accepting the message without further processing.\n"
		     "soft_reject_on_timeout = true;\n"
		     "local_addrs = /etc/rspamd/custom/mailcow_networks.map;\n");
	char *mm = limit_text("rspamd_max_message", NULL);
	if (mm) {
		buf_puts(&b, "# Largest message Rspamd scans; keep it at least Postfix's message_size_limit.\n");
		buf_printf(&b, "max_message = %s;\n", mm);
	}
	free(mm);
	return buf_steal(&b);
}

static char *antivirus_conf(void)
{
	char *max = limit_text("antivirus_max_size", "20971520");
	char *s = xasprintf("clamav {\n"
			    "  # Scan whole message\n"
			    "  scan_mime_parts = false;\n"
			    "  #scan_text_mime = false;\n"
			    "  #scan_image_mime = false;\n"
			    "  symbol = \"CLAM_VIRUS\";\n"
			    "  type = \"clamav\";\n"
			    "  log_clean = true;\n"
			    "  servers = \"clamd:3310\";\n"
			    "  max_size = %s; # 20 MB\n"
			    "  timeout = 10;\n"
			    "  retransmits = 1;\n"
			    "  patterns {\n"
			    "    # symbol_name = \"pattern\";\n"
			    "    JUST_EICAR = '^Eicar-Test-Signature$';\n"
			    "    CLAM_PROTOCOL_ERROR = '^unhandled response';\n"
			    "  }\n"
			    "  whitelist = \"/etc/rspamd/antivirus.wl\";\n"
			    "}\n",
			    max);
	free(max);
	return s;
}

static char *external_services_conf(void)
{
	char *max = limit_text("oletools_max_size", "3145728");
	char *s = xasprintf("oletools {\n"
			    "  # default olefy settings\n"
			    "  servers = \"olefy:10055\";\n"
			    "  # needs to be set explicitly for Rspamd < 1.9.5\n"
			    "  scan_mime_parts = true;\n"
			    "  # mime-part regex matching in content-type or filename\n"
			    "  # block all macros\n"
			    "  extended = true;\n"
			    "  max_size = %s;\n"
			    "  timeout = 20.0;\n"
			    "  retransmits = 1;\n"
			    "}\n",
			    max);
	free(max);
	return s;
}

static char *clamd_conf(void)
{
	char *stream = limit_text("clamd_stream_max_length", "25M");
	char *file = limit_text("clamd_max_file_size", "25M");
	char *scan = limit_text("clamd_max_scan_size", "50M");
	char *s = xasprintf("#Debug true\n"
			    "#LogFile /dev/null\n"
			    "LogTime yes\n"
			    "LogClean yes\n"
			    "ExtendedDetectionInfo yes\n"
			    "PidFile /run/clamav/clamd.pid\n"
			    "OfficialDatabaseOnly no\n"
			    "LocalSocket /run/clamav/clamd.ctl\n"
			    "TCPSocket 3310\n"
			    "StreamMaxLength %s\n"
			    "MaxThreads 10\n"
			    "ReadTimeout 20\n"
			    "CommandReadTimeout 30\n"
			    "SendBufTimeout 500\n"
			    "SelfCheck 3600\n"
			    "Foreground yes\n"
			    "FollowDirectorySymlinks yes\n"
			    "FollowFileSymlinks yes\n"
			    "Bytecode yes\n"
			    "BytecodeSecurity TrustSigned\n"
			    "BytecodeTimeout 1000\n"
			    "# Files larger than this are not scanned\n"
			    "MaxScanSize %s\n"
			    "MaxFileSize %s\n"
			    "MaxRecursion 5\n"
			    "MaxFiles 200\n"
			    "MaxEmbeddedPE 10M\n"
			    "MaxHTMLNormalize 10M\n"
			    "MaxHTMLNoTags 2M\n"
			    "MaxScriptNormalize 5M\n"
			    "MaxZipTypeRcg 1M\n"
			    "MaxPartitions 50\n"
			    "MaxIconsPE 100\n"
			    "PCREMatchLimit 10000\n"
			    "PCRERecMatchLimit 5000\n"
			    "DetectPUA no\n"
			    "HeuristicAlerts yes\n"
			    "StructuredDataDetection no\n",
			    stream, scan, file);
	free(stream);
	free(file);
	free(scan);
	return s;
}

static const char *php_bool(json_t *o, const char *key, bool def)
{
	json_t *v = json_object_get(o, key);
	return (v ? json_is_true(v) : def) ? "true" : "false";
}

static char *roundcube_php(void)
{
	json_t *rc = sim.roundcube;
	const char *imap = json_string_value(json_object_get(rc, "imap_host"));
	const char *smtp = json_string_value(json_object_get(rc, "smtp_host"));
	char des[25], token[31];
	random_hex(des, 24);
	random_hex(token, 30);
	struct buf b = {0};
	buf_puts(&b, "<?php\n\n"
		     "/* Local configuration for Roundcube Webmail */\n\n"
		     "// ----------------------------------\n"
		     "// SQL DATABASE\n"
		     "// ----------------------------------\n");
	buf_printf(&b, "$config['db_dsnw'] = 'mysql://roundcube:%.16s@mysql/roundcubemail';\n\n", token);
	buf_puts(&b, "// ----------------------------------\n"
		     "// IMAP\n"
		     "// ----------------------------------\n");
	buf_printf(&b, "$config['imap_host'] = '%s';\n", imap);
	json_t *co = json_object_get(rc, "imap_conn_options");
	if (co) {
		buf_puts(&b, "// Dovecot presents mailcow's certificate, which never matches the name 'dovecot'\n");
		buf_printf(&b, "$config['imap_conn_options'] = [\n"
			       "  'ssl' => [\n"
			       "    'verify_peer'       => %s,\n"
			       "    'verify_peer_name'  => %s,\n"
			       "    'allow_self_signed' => %s,\n"
			       "  ],\n"
			       "];\n",
			   php_bool(co, "verify_peer", true), php_bool(co, "verify_peer_name", true),
			   php_bool(co, "allow_self_signed", false));
	}
	buf_puts(&b, "\n// ----------------------------------\n"
		     "// SMTP\n"
		     "// ----------------------------------\n");
	buf_printf(&b, "$config['smtp_host'] = '%s';\n", smtp ? smtp : "postfix:588");
	if (co && smtp && (str_starts_with(smtp, "tls://") || str_starts_with(smtp, "ssl://")))
		buf_printf(&b, "$config['smtp_conn_options'] = [\n"
			       "  'ssl' => [\n"
			       "    'verify_peer'      => %s,\n"
			       "    'verify_peer_name' => %s,\n"
			       "  ],\n"
			       "];\n",
			   php_bool(co, "verify_peer", true), php_bool(co, "verify_peer_name", true));
	buf_puts(&b, "$config['smtp_user'] = '%u';\n"
		     "$config['smtp_pass'] = '%p';\n\n"
		     "$config['support_url'] = '';\n"
		     "$config['product_name'] = 'Roundcube Webmail';\n");
	buf_printf(&b, "$config['des_key'] = '%s';\n", des);
	buf_puts(&b, "$config['log_dir'] = '/dev/null';\n"
		     "$config['temp_dir'] = '/tmp';\n"
		     "$config['plugins'] = ['archive', 'managesieve', 'acl', 'markasjunk', 'zipdownload', 'password'];\n"
		     "$config['managesieve_host'] = 'dovecot:4190';\n"
		     "$config['mime_types'] = '/web/rc/config/mime.types';\n"
		     "$config['enable_installer'] = false;\n"
		     "$config['password_driver'] = 'mailcow';\n"
		     "$config['password_mailcow_api_host'] = 'http://nginx';\n");
	buf_printf(&b, "$config['password_mailcow_api_token'] = '%s';\n", token);
	return buf_steal(&b);
}

static char *mailcow_conf(void)
{
	return xasprintf("# ------------------------------\n"
			 "# mailcow web ui configuration\n"
			 "# ------------------------------\n"
			 "MAILCOW_HOSTNAME=%s\n"
			 "MAILCOW_PASS_SCHEME=BLF-CRYPT\n"
			 "DBNAME=mailcow\n"
			 "DBUSER=mailcow\n"
			 "HTTP_PORT=80\n"
			 "HTTP_BIND=\n"
			 "HTTPS_PORT=443\n"
			 "HTTPS_BIND=\n"
			 "COMPOSE_PROJECT_NAME=%s\n"
			 "DOCKER_COMPOSE_VERSION=native\n"
			 "TZ=Europe/Berlin\n"
			 "SKIP_LETS_ENCRYPT=n\n"
			 "AUTODISCOVER_SAN=y\n"
			 "SKIP_CLAMD=n\n"
			 "USE_WATCHDOG=y\n"
			 "IPV4_NETWORK=172.22.1\n"
			 "IPV6_NETWORK=fd4d:6169:6c63:6f77::/64\n"
			 "API_ALLOW_FROM=127.0.0.1,172.22.1.1\n",
			 sim.hostname, sim.project);
}

/* ---------------------------------------------------------------- mcon.conf */

static const char *const sections[] = {"site", "mailcow", "roundcube", "docker", "overlay", "relay", "dkim",
				       "dns", "mta_sts", "domains", "state", "ui", "outbound"};

static char *mcon_conf(void)
{
	json_t *kv = json_object();
	char *tmp;
	json_object_set_new(kv, "site.name", json_string(sim.site));
	tmp = xasprintf("https://127.0.0.1:%d", sim.servers[BE_MAILCOW]->port);
	json_object_set_new(kv, "mailcow.url", json_string(tmp));
	free(tmp);
	tmp = path_join(sim.dir, "api.key");
	json_object_set_new(kv, "mailcow.api_key_file", json_string(tmp));
	free(tmp);
	tmp = path_join(sim.dir, "ca.pem");
	json_object_set_new(kv, "mailcow.ca_file", json_string(tmp));
	json_object_set_new(kv, "mta_sts.ca_file", json_string(tmp));
	free(tmp);
	tmp = path_join(sim.dir, "mailcow");
	json_object_set_new(kv, "mailcow.dir", json_string(tmp));
	free(tmp);
	tmp = xasprintf("unix://%s/docker.sock", sim.dir);
	json_object_set_new(kv, "docker.host", json_string(tmp));
	free(tmp);
	json_object_set_new(kv, "docker.project", json_string(sim.project));
	tmp = xasprintf("%s_mailcow-network", sim.project);
	json_object_set_new(kv, "docker.network", json_string(tmp));
	free(tmp);
	tmp = xasprintf("127.0.0.1:%d", sim.dns_port);
	json_object_set_new(kv, "dns.servers", json_string(tmp));
	free(tmp);
	tmp = xasprintf("%d", sim.servers[BE_MTASTS]->port);
	json_object_set_new(kv, "mta_sts.port", json_string(tmp));
	free(tmp);
	tmp = path_join(sim.dir, "mcon.db");
	json_object_set_new(kv, "state.db", json_string(tmp));
	free(tmp);
	json_object_update(kv, sim.config); /* the scenario's site settings */

	struct buf b = {0};
	buf_printf(&b, "# mcon.conf written by mcon-sim for the scenario %s (site %s).\n"
		       "# Every service below is the simulator's, on loopback; it goes away when mcon-sim stops.\n",
		   sim.scenario_name, sim.site);
	for (size_t s = 0; s < ARRAY_SIZE(sections); s++) {
		bool header = false;
		const char *k;
		json_t *v;
		size_t sl = strlen(sections[s]);
		json_object_foreach(kv, k, v) {
			if (strncmp(k, sections[s], sl) != 0 || k[sl] != '.')
				continue;
			if (!header)
				buf_printf(&b, "\n[%s]\n", sections[s]);
			header = true;
			buf_printf(&b, "%s = %s\n", k + sl + 1, json_string_value(v));
		}
	}
	/* keys in sections mcon does not know are still written, so that mcon names them */
	const char *k;
	json_t *v;
	json_object_foreach(kv, k, v) {
		bool known = false;
		for (size_t s = 0; s < ARRAY_SIZE(sections); s++) {
			size_t sl = strlen(sections[s]);
			known |= strncmp(k, sections[s], sl) == 0 && k[sl] == '.';
		}
		if (!known) {
			const char *dot = strchr(k, '.');
			buf_printf(&b, "\n[%.*s]\n%s = %s\n", (int)(dot - k), k, dot + 1, json_string_value(v));
		}
	}
	json_decref(kv);
	return buf_steal(&b);
}

int files_write(char **err)
{
	char *key_rw = xasprintf("%s\n", sim.api_key_rw), *key_ro = xasprintf("%s\n", sim.api_key_ro);
	char *t[8] = {0};
	int rc = write_file("ca.pem", sim.ca_pem, 0644, err);
	if (!rc)
		rc = write_file("api.key", key_rw, 0600, err);
	if (!rc)
		rc = write_file("api-ro.key", key_ro, 0600, err);
	explicit_bzero(key_rw, strlen(key_rw));
	explicit_bzero(key_ro, strlen(key_ro));
	free(key_rw);
	free(key_ro);
	t[0] = main_cf();
	t[1] = extra_cf();
	t[2] = options_inc();
	t[3] = antivirus_conf();
	t[4] = external_services_conf();
	t[5] = clamd_conf();
	t[6] = mailcow_conf();
	if (!rc)
		rc = write_file("mailcow/data/conf/postfix/main.cf", t[0], 0644, err);
	if (!rc)
		rc = write_file("mailcow/data/conf/postfix/extra.cf", t[1], 0644, err);
	if (!rc)
		rc = write_file("mailcow/data/conf/rspamd/local.d/options.inc", t[2], 0644, err);
	if (!rc)
		rc = write_file("mailcow/data/conf/rspamd/local.d/antivirus.conf", t[3], 0644, err);
	if (!rc)
		rc = write_file("mailcow/data/conf/rspamd/local.d/external_services.conf", t[4], 0644, err);
	if (!rc)
		rc = write_file("mailcow/data/conf/clamav/clamd.conf", t[5], 0644, err);
	if (!rc)
		rc = write_file("mailcow/mailcow.conf", t[6], 0600, err);
	if (!rc && sim.roundcube) {
		t[7] = roundcube_php();
		rc = write_file("mailcow/data/web/rc/config/config.inc.php", t[7], 0640, err);
	}
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		free(t[i]);
	if (!rc) {
		char *conf = mcon_conf();
		rc = write_file("mcon.conf", conf, 0644, err);
		free(conf);
	}
	return rc;
}

/* ---------------------------------------------------------------- postconf */

/* The last value of name in a Postfix config file: a logical line starts at a line that
 * does not begin with blanks, comment lines are ignored (postconf's rules). */
static char *cf_value(const char *path, const char *name)
{
	char *text = file_read(path, 1 << 20, NULL);
	if (!text)
		return NULL;
	char *value = NULL;
	bool ours = false;
	size_t nl = strlen(name);
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (*line == '#')
			continue;
		if (*line == ' ' || *line == '\t') {
			char *t = str_trim(line);
			if (ours && *t) {
				char *joined = *value ? xasprintf("%s %s", value, t) : xstrdup(t);
				free(value);
				value = joined;
			}
			continue;
		}
		ours = false;
		if (strncmp(line, name, nl) == 0) {
			char *p = line + nl;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '=') {
				free(value);
				value = xstrdup(str_trim(p + 1));
				ours = true;
			}
		}
	}
	free(text);
	return value;
}

char *postfix_param(const char *name)
{
	char *extra = path_join(sim.dir, "mailcow/data/conf/postfix/extra.cf");
	char *main = path_join(sim.dir, "mailcow/data/conf/postfix/main.cf");
	char *v = cf_value(extra, name);
	if (!v)
		v = cf_value(main, name);
	free(extra);
	free(main);
	return v;
}
