/* The stack simulator against real clients: the docker CLI, curl and dig, its files and
 * mcon.conf, faults switched on and off while it runs, bad scenarios, ready and SIGTERM. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/assets.h"
#include "core/config.h"
#include "core/util.h"
#include "tests/support/hang.h"
#include "tests/support/simproc.h"

static struct simproc *sp;

static void start_demo(void)
{
	sp = simproc_start(NULL, NULL);
	cr_assert_not_null(sp, "mcon-sim did not start");
}

static void stop_sim(void)
{
	if (sp)
		cr_expect_eq(simproc_stop(sp), 0, "mcon-sim did not stop cleanly");
	sp = NULL;
}

/* Runs a command against the simulator; asserts its exit status. */
static char *sh_expect(int want, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *sh_expect(int want, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *cmd = xvasprintf(fmt, ap);
	va_end(ap);
	int st;
	char *out = simproc_sh(sp, &st, "%s", cmd);
	cr_assert_eq(st, want, "`%s` exited %d (wanted %d):\n%s", cmd, st, want, out);
	free(cmd);
	return out;
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static time_t wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *file_in(const char *rel)
{
	char *p = xasprintf("%s/%s", sp->dir, rel);
	char *t = file_read(p, 1 << 20, NULL);
	cr_assert_not_null(t, "%s is missing", p);
	free(p);
	return t;
}

TestSuite(sim, .init = start_demo, .fini = stop_sim);

/* ------------------------------------------------------------------ files and config */

Test(sim, writes_a_complete_mcon_conf_that_config_accepts)
{
	char *text = file_in("mcon.conf"), *err = NULL;
	struct config cfg;
	int rc = config_load_string(&cfg, text, "mcon.conf", &err);
	cr_assert_eq(rc, 0, "config_load_string rejected the simulator's mcon.conf: %s", err);
	char *sock = xasprintf("unix://%s/docker.sock", sp->dir), *db = xasprintf("%s/mcon.db", sp->dir);
	char *ca = xasprintf("%s/ca.pem", sp->dir), *mc = xasprintf("%s/mailcow", sp->dir);
	cr_expect_str_eq(cfg.site_name, "hermes");
	cr_expect_str_eq(cfg.docker_host, sock);
	cr_expect_str_eq(cfg.state_db, db);
	cr_expect_str_eq(cfg.mailcow_ca_file, ca);
	cr_expect_str_eq(cfg.mta_sts_ca_file, ca);
	cr_expect_str_eq(cfg.mailcow_dir, mc);
	cr_expect(str_starts_with(cfg.mailcow_url, "https://127.0.0.1:"));
	cr_expect_eq(cfg.dns_servers.n, 1u);
	cr_expect_eq(cfg.mta_sts_port, sp->mta_sts_port);
	cr_expect_str_eq(cfg.overlay_network, "netgrimoire");
	cr_expect_str_eq(cfg.relay_name, "MXRoute");
	cr_expect_str_eq(cfg.relay_spf_include, "mxroute.com");
	cr_expect_eq(cfg.dkim_selectors.n, 2u);
	cr_expect_str_eq(cfg.dkim_mailcow_selector, "mailcow");
	cr_expect_eq(cfg.docker_expected.n, 10u);
	cr_expect(cfg.relay_catchall);
	char *key = config_api_key(&cfg, &err);
	cr_assert_not_null(key, "%s", err);
	cr_expect_str_eq(key, sp->api_key);
	cr_expect_eq(strlen(key), 34u, "the key has MailCow's form: 5 groups of 6 hex digits");
	config_key_free(key);
	config_free(&cfg);
	free(text);
	free(sock);
	free(db);
	free(ca);
	free(mc);
	struct stat st;
	char *kp = xasprintf("%s/api-ro.key", sp->dir);
	cr_assert_eq(stat(kp, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0600u, "API keys are private");
	free(kp);
}

Test(sim, writes_the_mailcow_files_with_the_default_size_mismatch)
{
	char *main_cf = file_in("mailcow/data/conf/postfix/main.cf");
	cr_expect(strstr(main_cf, "\nmessage_size_limit = 104857600\n"));
	cr_expect(strstr(main_cf, "milter_default_action = tempfail"));
	char *opt = file_in("mailcow/data/conf/rspamd/local.d/options.inc");
	cr_expect_null(strstr(opt, "max_message"), "rspamd max_message is unset (50 MB default)");
	char *av = file_in("mailcow/data/conf/rspamd/local.d/antivirus.conf");
	cr_expect(strstr(av, "max_size = 20971520;"));
	char *clam = file_in("mailcow/data/conf/clamav/clamd.conf");
	cr_expect(strstr(clam, "\nStreamMaxLength 25M\n") && strstr(clam, "\nMaxFileSize 25M\n") &&
		  strstr(clam, "\nMaxScanSize 50M\n"));
	char *rc = file_in("mailcow/data/web/rc/config/config.inc.php");
	cr_expect(strstr(rc, "$config['imap_host'] = 'tls://dovecot:143';"));
	cr_expect(strstr(rc, "'verify_peer'       => false"));
	cr_expect(strstr(rc, "'verify_peer_name'  => false"));
	char *ca = file_in("ca.pem");
	cr_expect(str_starts_with(ca, "-----BEGIN CERTIFICATE-----"));
	free(main_cf);
	free(opt);
	free(av);
	free(clam);
	free(rc);
	free(ca);
}

/* ------------------------------------------------------------------ docker CLI */

Test(sim, docker_ps_lists_the_compose_project)
{
	char *out = sh_expect(0, "docker ps -a --filter label=com.docker.compose.project=mailcowdockerized "
				 "--format '{{.Names}}|{{.Status}}|{{.Label \"com.docker.compose.service\"}}'");
	cr_expect_eq(count_lines(out), 18, "18 compose services:\n%s", out);
	cr_expect(strstr(out, "mailcowdockerized-nginx-mailcow-1|Up 6 days|nginx-mailcow\n"), "%s", out);
	cr_expect(strstr(out, "mailcowdockerized-clamd-mailcow-1|Up 6 days (healthy)|clamd-mailcow\n"), "%s", out);
	cr_expect(strstr(out, "mailcowdockerized-netfilter-mailcow-1|"), "%s", out);
	free(out);
	/* label filters are ANDed; a service that does not exist lists nothing */
	out = sh_expect(0, "docker ps -q --filter label=com.docker.compose.project=mailcowdockerized "
			   "--filter label=com.docker.compose.service=postfix-mailcow");
	cr_expect_eq(count_lines(out), 1, "%s", out);
	free(out);
	out = sh_expect(0, "docker ps -q --filter label=com.docker.compose.service=nosuch");
	cr_expect_str_eq(out, "");
	free(out);
}

Test(sim, docker_inspect_shows_health_restarts_and_networks)
{
	char *out = sh_expect(0, "docker inspect --format '{{.State.Health.Status}} {{len .State.Health.Log}} "
				 "{{.RestartCount}} {{.Config.Tty}} {{index .Config.Labels \"com.docker.compose.service\"}}' "
				 "mailcowdockerized-clamd-mailcow-1");
	cr_expect_str_eq(out, "healthy 5 0 false clamd-mailcow\n");
	free(out);
	out = sh_expect(0, "docker inspect --format '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}} "
			   "{{join $v.Aliases \",\"}};{{end}}' mailcowdockerized-postfix-mailcow-1");
	cr_expect(strstr(out, "mailcowdockerized_mailcow-network=172.22.1.253 "), "%s", out);
	cr_expect(strstr(out, ",postfix"), "the compose alias: %s", out);
	cr_expect_null(strstr(out, "netgrimoire"), "%s", out);
	free(out);
	out = sh_expect(0, "docker inspect --format '{{len .NetworkSettings.Networks}} {{.State.Health}}' "
			   "mailcowdockerized-nginx-mailcow-1");
	cr_expect_str_eq(out, "2 <nil>\n", "nginx is on two networks and has no healthcheck");
	free(out);
	out = sh_expect(1, "docker inspect nosuch-container");
	cr_expect(strstr(out, "No such object: nosuch-container"), "%s", out);
	free(out);
}

Test(sim, docker_exec_runs_postconf_in_postfix)
{
	char *out = sh_expect(0, "docker exec mailcowdockerized-postfix-mailcow-1 postconf -h message_size_limit");
	cr_expect_str_eq(out, "104857600\n");
	free(out);
	out = sh_expect(3, "docker exec mailcowdockerized-postfix-mailcow-1 sh -c "
			   "'postconf -h message_size_limit; postconf -h bogus; exit 3'");
	cr_expect(strstr(out, "104857600\n") && strstr(out, "postconf: warning: bogus: unknown parameter"), "%s", out);
	free(out);
	out = sh_expect(127, "docker exec mailcowdockerized-dovecot-mailcow-1 postconf -h message_size_limit");
	cr_expect(strstr(out, "executable file not found"), "postconf is only in postfix: %s", out);
	free(out);
	/* extra.cf overrides main.cf, read at each call */
	out = sh_expect(0, "printf 'message_size_limit = 52428800\\n' >> \"$SIM_DIR/mailcow/data/conf/postfix/extra.cf\" && "
			   "docker exec mailcowdockerized-postfix-mailcow-1 postconf message_size_limit");
	cr_expect_str_eq(out, "message_size_limit = 52428800\n");
	free(out);
	cr_assert(simproc_ctl_ok(sp, "container postfix-mailcow stop"));
	out = sh_expect(1, "docker exec mailcowdockerized-postfix-mailcow-1 true");
	cr_expect(strstr(out, "is not running"), "%s", out);
	free(out);
}

Test(sim, docker_network_inspect_shows_only_nginx_on_the_overlay)
{
	char *out = sh_expect(0, "docker network inspect netgrimoire --format "
				 "'{{.Driver}} {{.Scope}} {{.Attachable}} {{range .Containers}}{{.Name}},{{end}}'");
	cr_expect_str_eq(out, "overlay swarm true mailcowdockerized-nginx-mailcow-1,netgrimoire-endpoint,\n");
	free(out);
	out = sh_expect(0, "docker network ls --format '{{.Name}} {{.Driver}} {{.Scope}}'");
	cr_expect(strstr(out, "mailcowdockerized_mailcow-network bridge local\n"), "%s", out);
	cr_expect(strstr(out, "netgrimoire overlay swarm\n"), "%s", out);
	free(out);
	cr_assert(simproc_ctl_ok(sp, "container postfix-mailcow connect netgrimoire"));
	out = sh_expect(0, "docker network inspect netgrimoire --format '{{len .Containers}}'");
	cr_expect_str_eq(out, "3\n");
	free(out);
}

Test(sim, docker_events_replays_the_real_actions_between_since_and_until)
{
	/* clock_gettime, not time(): glibc's time() reads the coarse clock, a few ms behind the
	 * one the simulator stamps events with, so an event just past a second boundary
	 * could fall after an until taken from it. */
	time_t since = wall_s() - 1;
	cr_assert(simproc_ctl_ok(sp, "container postfix-mailcow connect netgrimoire"));
	cr_assert(simproc_ctl_ok(sp, "container clamd-mailcow unhealthy"));
	cr_assert(simproc_ctl_ok(sp, "container rspamd-mailcow restart"));
	cr_assert(simproc_ctl_ok(sp, "container sogo-mailcow stop"));
	time_t until = wall_s() + 1;
	char *out = sh_expect(0, "timeout 20 docker events --since %ld --until %ld --format "
				 "'{{.Type}}|{{.Action}}|{{.Actor.Attributes.name}}|{{.Actor.Attributes.container}}'",
			      (long)since, (long)until);
	cr_expect(strstr(out, "network|connect|netgrimoire|"), "%s", out);
	cr_expect(strstr(out, "container|health_status: unhealthy|mailcowdockerized-clamd-mailcow-1|"), "%s", out);
	cr_expect(strstr(out, "container|die|mailcowdockerized-rspamd-mailcow-1|"), "%s", out);
	cr_expect(strstr(out, "container|start|mailcowdockerized-rspamd-mailcow-1|"), "%s", out);
	cr_expect(strstr(out, "container|stop|mailcowdockerized-sogo-mailcow-1|"), "%s", out);
	free(out);
	/* the network event carries the network id as Actor.ID and the container's id */
	out = sh_expect(0, "docker events --since %ld --until %ld --filter type=network --filter network=netgrimoire --format '{{.Actor.ID}} "
			   "{{.Actor.Attributes.container}}'; docker network inspect -f '{{.ID}}' netgrimoire; "
			   "docker inspect -f '{{.ID}}' mailcowdockerized-postfix-mailcow-1",
			(long)since, (long)until);
	char net_id[64] = "", ctr_id[80] = "", ev_net[64] = "", ev_ctr[80] = "";
	cr_assert_eq(sscanf(out, "%63s %79s\n%63s\n%79s", ev_net, ev_ctr, net_id, ctr_id), 4, "%s", out);
	cr_expect_str_eq(ev_net, net_id);
	cr_expect_str_eq(ev_ctr, ctr_id);
	free(out);
	/* event=health_status matches health_status: unhealthy by prefix */
	out = sh_expect(0, "docker events --since %ld --until %ld --filter event=health_status --format '{{.Action}}'",
			(long)since, (long)until);
	cr_expect_str_eq(out, "health_status: unhealthy\n");
	free(out);
	out = sh_expect(0, "docker inspect -f '{{.RestartCount}} {{.State.Status}}' mailcowdockerized-rspamd-mailcow-1 "
			   "mailcowdockerized-sogo-mailcow-1");
	cr_expect_str_eq(out, "1 running\n0 exited\n");
	free(out);
	out = sh_expect(0, "docker ps -a --filter name=sogo --format '{{.Status}}'");
	cr_expect(str_starts_with(out, "Exited (0) "), "%s", out);
	free(out);
}

Test(sim, docker_events_streams_until_the_client_hangs_up)
{
	/* Without since the stream carries only new events, and nothing says when the docker
	 * CLI is connected: the container turns unhealthy and healthy again each half second
	 * until the client has written the unhealthy event, then the client hangs up and the
	 * simulator must go on answering. (The timeout is the ceiling of a hang only.) */
	char *out = sh_expect(0, "( timeout 300 docker events --format '{{.Action}}' > \"$SIM_DIR/ev.txt\" & "
				 "echo $! > \"$SIM_DIR/ev.pid\" ); "
				 "for i in $(seq 240); do "
				 "%s ctl \"$SIM_DIR\" container unbound-mailcow unhealthy >/dev/null; sleep 0.25; "
				 "grep -q 'unhealthy' \"$SIM_DIR/ev.txt\" && break; "
				 "%s ctl \"$SIM_DIR\" container unbound-mailcow healthy >/dev/null; sleep 0.25; done; "
				 "kill $(cat \"$SIM_DIR/ev.pid\"); "
				 "while kill -0 $(cat \"$SIM_DIR/ev.pid\") 2>/dev/null; do sleep 0.1; done; "
				 "sort -u \"$SIM_DIR/ev.txt\"; docker ps -q --filter name=unbound | wc -l",
			      simproc_bin(), simproc_bin());
	/* healthy only when the client connected between the two */
	const char *want = "health_status: unhealthy\n1\n", *want2 = "health_status: healthy\nhealth_status: unhealthy\n1\n";
	cr_expect(strcmp(out, want) == 0 || strcmp(out, want2) == 0, "%s", out);
	free(out);
}

Test(sim, docker_logs_use_the_framing_the_tty_flag_says)
{
	char *out = sh_expect(0, "docker logs --tail 1 mailcowdockerized-postfix-mailcow-1");
	cr_expect(strstr(out, "status=sent (250 OK"), "%s", out);
	cr_expect_eq(count_lines(out), 1);
	free(out);
	out = sh_expect(0, "curl -s --unix-socket \"$SIM_DIR/docker.sock\" "
			   "'http://d/v1.47/containers/mailcowdockerized-postfix-mailcow-1/logs?stdout=1&tail=1' | od -An -tx1 | head -1");
	cr_expect(str_starts_with(out, " 01 00 00 00 00 00 00"), "multiplexed: %s", out);
	free(out);
	out = sh_expect(0, "curl -s --unix-socket \"$SIM_DIR/docker.sock\" "
			   "'http://d/v1.47/containers/mailcowdockerized-dovecot-mailcow-1/logs?stdout=1&tail=1' | tail -c 2 | od -c | head -1");
	cr_expect(strstr(out, "\\r  \\n"), "dovecot has tty: true, so its log is raw with CRLF: %s", out);
	free(out);
	out = sh_expect(0, "curl -s -w ' %%{http_code}' --unix-socket \"$SIM_DIR/docker.sock\" "
			   "'http://d/v1.47/containers/mailcowdockerized-dovecot-mailcow-1/logs'");
	cr_expect_str_eq(out, "{\"message\":\"Bad parameters: you must choose at least one stream\"}\n 400");
	free(out);
}

Test(sim, docker_api_answers_like_dockerd)
{
	const char *c = "curl -s -D - --unix-socket \"$SIM_DIR/docker.sock\"";
	char *out = sh_expect(0, "%s http://d/_ping", c);
	cr_expect(strstr(out, "Api-Version: 1.47\r\n") && strstr(out, "\r\n\r\nOK"), "%s", out);
	free(out);
	out = sh_expect(0, "curl -s -w ' %%{http_code}' --unix-socket \"$SIM_DIR/docker.sock\" http://d/v1.48/version");
	cr_expect_str_eq(out, "{\"message\":\"client version 1.48 is too new. Maximum supported API version is 1.47\"}\n 400");
	free(out);
	out = sh_expect(0, "curl -s -w ' %%{http_code}' --unix-socket \"$SIM_DIR/docker.sock\" http://d/v1.23/version");
	cr_expect(strstr(out, "client version 1.23 is too old. Minimum supported API version is 1.24") &&
		  strstr(out, " 400"), "%s", out);
	free(out);
	out = sh_expect(0, "curl -s -w ' %%{http_code}' --unix-socket \"$SIM_DIR/docker.sock\" http://d/v1.41/containers/nosuch/json");
	cr_expect_str_eq(out, "{\"message\":\"No such container: nosuch\"}\n 404");
	free(out);
	out = sh_expect(0, "curl -s -w ' %%{http_code}' --unix-socket \"$SIM_DIR/docker.sock\" http://d/v1.41/nothing/here");
	cr_expect_str_eq(out, "{\"message\":\"page not found\"}\n 404");
	free(out);
	out = sh_expect(0, "curl -s -w ' %%{http_code}' --unix-socket \"$SIM_DIR/docker.sock\" "
			   "'http://d/v1.41/containers/json?filters=%%7Bnope'");
	cr_expect(strstr(out, "{\"message\":\"invalid character") && strstr(out, " 400"), "%s", out);
	free(out);
	out = sh_expect(0, "curl -s -w ' %%{http_code}' --unix-socket \"$SIM_DIR/docker.sock\" "
			   "'http://d/v1.41/containers/json?filters=%%7B%%22color%%22%%3A%%5B%%22red%%22%%5D%%7D'");
	cr_expect_str_eq(out, "{\"message\":\"invalid filter 'color'\"}\n 400");
	free(out);
	/* the exact query string of docker.md 1.2, and the legacy map form */
	out = sh_expect(0, "curl -s --unix-socket \"$SIM_DIR/docker.sock\" 'http://d/v1.47/containers/json?all=1&filters="
			   "%%7B%%22label%%22%%3A%%5B%%22com.docker.compose.project%%3Dmailcowdockerized%%22%%5D%%7D' | grep -o '\"Id\"' | wc -l; "
			   "curl -s --unix-socket \"$SIM_DIR/docker.sock\" 'http://d/v1.47/containers/json?filters="
			   "%%7B%%22label%%22%%3A%%7B%%22com.docker.compose.service%%3Dnginx-mailcow%%22%%3Atrue%%7D%%7D' | grep -o '\"Id\"' | wc -l");
	cr_expect_str_eq(out, "18\n1\n");
	free(out);
	/* exec without Upgrade: the 8-byte framed stream follows the headers */
	out = sh_expect(0, "id=$(curl -s --unix-socket \"$SIM_DIR/docker.sock\" -H 'Content-Type: application/json' "
			   "-d '{\"AttachStdout\":true,\"AttachStderr\":true,\"Tty\":false,\"Cmd\":[\"postconf\",\"-h\",\"message_size_limit\"]}' "
			   "http://d/v1.41/containers/mailcowdockerized-postfix-mailcow-1/exec | sed 's/.*\"Id\":\"\\([0-9a-f]*\\)\".*/\\1/'); "
			   "curl -s --unix-socket \"$SIM_DIR/docker.sock\" -H 'Content-Type: application/json' -d '{\"Detach\":false,\"Tty\":false}' "
			   "http://d/v1.41/exec/$id/start | od -An -tx1 | tr -d ' \\n'; echo; "
			   "curl -s --unix-socket \"$SIM_DIR/docker.sock\" http://d/v1.41/exec/$id/json | grep -o '\"ExitCode\":[0-9]*'");
	cr_expect_str_eq(out, "010000000000000a3130343835373630300a\n\"ExitCode\":0\n");
	free(out);
}

/* ------------------------------------------------------------------ MailCow API */

Test(sim, mailcow_api_keys_and_errors_read_like_mailcow)
{
	const char *c = "curl -s --cacert \"$SIM_CA\" -w ' %{http_code}'";
	char *out = sh_expect(0, "%s -H 'X-API-Key: WRONG-KEY' \"$SIM_API/get/domain/all\"", c);
	cr_expect_str_eq(out, "{\"type\":\"error\",\"msg\":\"authentication failed\"} 401");
	free(out);
	out = sh_expect(0, "%s -H \"X-API-Key: $SIM_KEY_RO\" -H 'Content-Type: application/json' "
			   "-d '{\"address\":\"@x.org\",\"goto\":\"a@b.org\"}' \"$SIM_API/add/alias\"", c);
	cr_expect_str_eq(out, "{\"type\":\"error\",\"msg\":\"API read\\/write access denied\"} 403");
	free(out);
	out = sh_expect(0, "%s \"$SIM_API/get/domain/all\"", c);
	cr_expect_str_eq(out, " 200", "a GET without a key is an empty 200");
	free(out);
	out = sh_expect(0, "%s -H \"X-API-Key: $SIM_KEY_RO\" \"$SIM_API/get/nosuch/all\"", c);
	cr_expect_str_eq(out, "{\"type\":\"error\",\"msg\":\"route not found\"} 404");
	free(out);
	out = sh_expect(0, "%s -X POST -H \"X-API-Key: $SIM_KEY\" \"$SIM_API/get/domain/all\"", c);
	cr_expect_str_eq(out, "{\"type\":\"error\",\"msg\":\"only GET method is allowed\"} 405");
	free(out);
	out = sh_expect(0, "%s -H \"X-API-Key: $SIM_KEY\" -H 'Content-Type: application/json' -d '{nope' \"$SIM_API/add/alias\"", c);
	cr_expect_str_eq(out, "{\"type\":\"error\",\"msg\":\"Request body doesn't contain valid json!\"} 400");
	free(out);
	out = sh_expect(0, "%s -H \"X-API-Key: $SIM_KEY_RO\" \"$SIM_API/get/domain/nosuch.example\"", c);
	cr_expect_str_eq(out, "{} 200");
	free(out);
	out = sh_expect(0, "%s -H \"X-API-Key: $SIM_KEY_RO\" \"$SIM_API/get/domain/netgrimoire.com\"", c);
	cr_expect(strstr(out, "\n    \"relayhost\": \"1\",\n") && strstr(out, "\"msgs_total\": \"10342\""),
		  "pretty-printed, with digit strings where MailCow has them: %s", out);
	free(out);
	out = sh_expect(0, "%s -H \"X-API-Key: $SIM_KEY_RO\" \"$SIM_API/get/relayhost/all\"", c);
	cr_expect(strstr(out, "\"password\": \"Wq7-sim-relay-secret-3kP\"") && strstr(out, "\"hostname\": \"[arrow-relay.mxrouting.net]:587\""),
		  "%s", out);
	free(out);
	out = sh_expect(0, "%s -H \"X-API-Key: $SIM_KEY_RO\" \"$SIM_API/get/status/containers\"", c);
	cr_expect(strstr(out, "\"nginx-mailcow\": {") && strstr(out, "\"state\": \"running\""), "%s", out);
	free(out);
	out = sh_expect(0, "%s -H \"X-API-Key: $SIM_KEY_RO\" \"$SIM_API/get/mailq/all\" | grep -c '\"queue_name\": \"deferred\"'", c);
	cr_expect_str_eq(out, "12\n");
	free(out);
}

/* functions.mailq.inc.php: hold/unhold/deliver on items, flush on the whole queue, delete
 * by ids; one queue_command_success each; 403 for a read-only key. */
Test(sim, mailcow_mailq_edit_and_delete_answer_like_mailcow)
{
	const char *c = "curl -s --cacert \"$SIM_CA\" -w ' %{http_code}' -H 'Content-Type: application/json'";
	char *out = sh_expect(0, "%s -H \"X-API-Key: $SIM_KEY\" -d '{\"action\":\"flush\"}' \"$SIM_API/edit/mailq\"", c);
	cr_expect_str_eq(out, "{\"type\":\"error\",\"msg\":\"Cannot find attributes in post data\"} 200",
			 "json_api.php reads only items and attr");
	free(out);
	out = sh_expect(0, "%s -H \"X-API-Key: $SIM_KEY_RO\" -d '{\"items\":[],\"attr\":{\"action\":\"flush\"}}' "
			   "\"$SIM_API/edit/mailq\"", c);
	cr_expect_str_eq(out, "{\"type\":\"error\",\"msg\":\"API read\\/write access denied\"} 403");
	free(out);
	char *id = sh_expect(0, "curl -s --cacert \"$SIM_CA\" -H \"X-API-Key: $SIM_KEY\" \"$SIM_API/get/mailq/all\" | "
				"grep -o '\"queue_id\": \"[^\"]*\"' | head -1 | cut -d'\"' -f4 | tr -d '\\n'");
	cr_assert(*id, "the demo has a queue");
	out = sh_expect(0, "%s -H \"X-API-Key: $SIM_KEY\" -d '{\"items\":[\"%s\"],\"attr\":{\"action\":\"hold\"}}' "
			   "\"$SIM_API/edit/mailq\"", c, id);
	char *want = xasprintf("[{\"type\":\"success\",\"log\":[\"mailq\",\"edit\",{\"qid\":[\"%s\"],\"action\":\"hold\"}],"
			       "\"msg\":\"queue_command_success\"}] 200", id);
	cr_expect_str_eq(out, want);
	free(want);
	free(out);
	out = sh_expect(0, "%s -H \"X-API-Key: $SIM_KEY\" -d '{\"items\":[],\"attr\":{\"action\":\"flush\"}}' "
			   "\"$SIM_API/edit/mailq\"", c);
	cr_expect(strstr(out, "\"msg\":\"queue_command_success\"}] 200"), "%s", out);
	free(out);
	out = sh_expect(0, "curl -s --cacert \"$SIM_CA\" -H \"X-API-Key: $SIM_KEY\" \"$SIM_API/get/mailq/all\" | "
			   "grep -c '\"queue_id\"'");
	cr_expect_str_eq(out, "1\n", "the flush delivered all but the held message");
	free(out);
	out = sh_expect(0, "%s -H \"X-API-Key: $SIM_KEY\" -d '[\"%s\"]' \"$SIM_API/delete/mailq\"", c, id);
	want = xasprintf("[{\"type\":\"success\",\"log\":[\"mailq\",\"delete\",{\"qid\":[\"%s\"]}],"
			 "\"msg\":\"queue_command_success\"}] 200", id);
	cr_expect_str_eq(out, want);
	free(want);
	free(out);
	out = sh_expect(0, "curl -s --cacert \"$SIM_CA\" -H \"X-API-Key: $SIM_KEY\" \"$SIM_API/get/mailq/all\"");
	cr_expect_str_eq(out, "[]", "an empty queue is []");
	free(out);
	free(id);
}

Test(sim, mailcow_add_alias_changes_alias_all)
{
	const char *c = "curl -s --cacert \"$SIM_CA\" -H \"X-API-Key: $SIM_KEY\"";
	char *out = sh_expect(0, "%s \"$SIM_API/get/alias/all\" | grep -c '\"address\": \"@gnarlypandaproductions.com\"' || true", c);
	cr_expect_str_eq(out, "0\n", "the planted missing catch-all");
	free(out);
	out = sh_expect(0, "%s -H 'Content-Type: application/json' -d '{\"address\":\"@gnarlypandaproductions.com\","
			   "\"goto\":\"studio@gnarlypandaproductions.com\",\"active\":1,\"sender_allowed\":1}' \"$SIM_API/add/alias\"", c);
	cr_expect(strstr(out, "\"type\":\"success\"") && strstr(out, "\"msg\":[\"alias_added\",\"@gnarlypandaproductions.com\","),
		  "%s", out);
	free(out);
	out = sh_expect(0, "%s \"$SIM_API/get/alias/@gnarlypandaproductions.com\"", c);
	cr_expect(strstr(out, "\"is_catch_all\": 1") && strstr(out, "\"active\": 1") && strstr(out, "\"sogo_visible\": 0"),
		  "left-out flags are 0 (intval): %s", out);
	free(out);
	out = sh_expect(0, "%s -H 'Content-Type: application/json' -d '{\"address\":\"@gnarlypandaproductions.com\","
			   "\"goto\":\"x@y.org\"}' \"$SIM_API/add/alias\"", c);
	cr_expect(strstr(out, "\"type\":\"danger\"") && strstr(out, "is_alias_or_mailbox"), "%s", out);
	free(out);
	out = sh_expect(0, "%s -H 'Content-Type: application/json' -d '{\"address\":\"a@unknown.tld\",\"goto\":\"x@y.org\"}' "
			   "\"$SIM_API/add/alias\"", c);
	cr_expect(strstr(out, "[\"domain_not_found\",\"unknown.tld\"]"), "%s", out);
	free(out);
	out = sh_expect(0, "%s -H 'Content-Type: application/json' -d '{\"items\":[\"@gnarlypandaproductions.com\"],"
			   "\"attr\":{\"goto\":\"office@pncharrisenterprises.com\"}}' \"$SIM_API/edit/alias\" && "
			   "%s \"$SIM_API/get/alias/@gnarlypandaproductions.com\" | grep '\"goto\"'", c, c);
	cr_expect(strstr(out, "alias_modified") && strstr(out, "\"goto\": \"office@pncharrisenterprises.com\""), "%s", out);
	free(out);
}

Test(sim, mailcow_add_domain_makes_a_real_dkim_key)
{
	const char *c = "curl -s --cacert \"$SIM_CA\" -H \"X-API-Key: $SIM_KEY\"";
	char *out = sh_expect(0, "%s -H 'Content-Type: application/json' -d '{\"domain\":\"onboard-test.org\","
				 "\"dkim_selector\":\"mailcow\",\"key_size\":2048}' \"$SIM_API/add/domain\"", c);
	cr_expect(strstr(out, "[\"dkim_added\",\"onboard-test.org\"]") && strstr(out, "[\"domain_added\",\"onboard-test.org\"]"),
		  "%s", out);
	free(out);
	out = sh_expect(0, "%s \"$SIM_API/get/dkim/onboard-test.org\" | sed -n 's/.*\"pubkey\": \"\\(.*\\)\",/\\1/p' | "
			   "sed 's#\\\\/#/#g' | base64 -d | openssl pkey -pubin -inform DER -noout -text | head -1", c);
	cr_expect(strstr(out, "(2048 bit)"), "a real 2048-bit SPKI: %s", out);
	free(out);
	out = sh_expect(0, "%s -H 'Content-Type: application/json' -d '{\"domain\":\"onboard-test.org\"}' \"$SIM_API/add/domain\"", c);
	cr_expect(strstr(out, "[\"domain_exists\",\"onboard-test.org\"]"), "%s", out);
	free(out);
	/* with auto_publish the admin's records appear in DNS, and an MTA-STS policy is served */
	out = sh_expect(0, "%s -H 'Content-Type: application/json' -d '{\"domain\":\"onboard-test.org\",\"version\":\"stsv1\","
			   "\"mode\":\"enforce\",\"max_age\":86400,\"mx\":\"*.mxrouting.net\",\"active\":1}' \"$SIM_API/add/mta-sts\"; echo; "
			   "dig +short @127.0.0.1 -p $SIM_DNS_PORT _mta-sts.onboard-test.org TXT; "
			   "curl -s --cacert \"$SIM_CA\" --resolve mta-sts.onboard-test.org:$SIM_STS_PORT:127.0.0.1 "
			   "https://mta-sts.onboard-test.org:$SIM_STS_PORT/.well-known/mta-sts.txt", c);
	cr_expect(strstr(out, "{\"type\":\"success\",\"msg\":\"Task completed\"}\n\"v=STSv1; id=2"), "%s", out);
	cr_expect(strstr(out, "version: STSv1\nmode: enforce\nmax_age: 86400\nmx: *.mxrouting.net\n"), "%s", out);
	free(out);
}

/* ------------------------------------------------------------------ DNS */

Test(sim, dns_serves_multi_string_dkim_that_matches_the_api)
{
	char *out = sh_expect(0, "dig +short @127.0.0.1 -p $SIM_DNS_PORT mailcow._domainkey.netgrimoire.com TXT");
	cr_expect(strstr(out, "\" \""), "a 2048-bit key is split in 255-byte strings: %s", out);
	struct buf joined = {0};
	for (const char *p = out; *p; p++)
		if (*p != '"' && *p != ' ' && *p != '\n')
			buf_putc(&joined, *p);
	char *api = sh_expect(0, "curl -s --cacert \"$SIM_CA\" -H \"X-API-Key: $SIM_KEY_RO\" \"$SIM_API/get/dkim/netgrimoire.com\" | "
				 "sed -n 's/.*\"dkim_txt\": \"\\(.*\\)\",/\\1/p' | sed 's#\\\\/#/#g' | tr -d '\\n'");
	cr_expect_str_eq(buf_cstr(&joined), api);
	free(api);
	buf_free(&joined);
	free(out);
	out = sh_expect(0, "dig +short @127.0.0.1 -p $SIM_DNS_PORT mxroute._domainkey.pncfishandmore.com TXT; "
			   "dig +short @127.0.0.1 -p $SIM_DNS_PORT mxroute._domainkey.pncharris.com TXT | head -c 21");
	cr_expect_str_eq(out, "\"v=DKIM1; k=rsa; p=MI", "planted: mxroute missing on pncfishandmore.com");
	free(out);
}

Test(sim, dns_tells_nxdomain_from_nodata_and_refuses_other_zones)
{
	char *out = sh_expect(0, "dig @127.0.0.1 -p $SIM_DNS_PORT nosuch.netgrimoire.com A | grep -E 'status|IN.SOA'");
	cr_expect(strstr(out, "status: NXDOMAIN") && strstr(out, "netgrimoire.com.\t300\tIN\tSOA\tns1.netgrimoire.com."),
		  "%s", out);
	free(out);
	out = sh_expect(0, "dig @127.0.0.1 -p $SIM_DNS_PORT _domainkey.netgrimoire.com TXT | grep -E 'status|ANSWER:|IN.SOA'");
	cr_expect(strstr(out, "status: NOERROR") && strstr(out, "ANSWER: 0, AUTHORITY: 1") && strstr(out, "SOA"),
		  "an empty non-terminal is NODATA: %s", out);
	free(out);
	out = sh_expect(0, "dig @127.0.0.1 -p $SIM_DNS_PORT www.example.org A | grep -o 'status: [A-Z]*'");
	cr_expect_str_eq(out, "status: REFUSED\n");
	free(out);
	out = sh_expect(0, "dig +short @127.0.0.1 -p $SIM_DNS_PORT mta-sts.pncharris.com A; "
			   "dig +short @127.0.0.1 -p $SIM_DNS_PORT pncharris.com MX; "
			   "dig +short @127.0.0.1 -p $SIM_DNS_PORT _dmarc.pncharris.com TXT; "
			   "dig +short @127.0.0.1 -p $SIM_DNS_PORT _smtp._tls.pncharris.com TXT; "
			   "dig +short @127.0.0.1 -p $SIM_DNS_PORT mxroute.com TXT; "
			   "dig +short @127.0.0.1 -p $SIM_DNS_PORT arrow.mxrouting.net AAAA");
	cr_expect_str_eq(out, "mail.netgrimoire.com.\n127.0.0.1\n10 arrow.mxrouting.net.\n20 arrow-relay.mxrouting.net.\n"
			      "\"v=DMARC1; p=quarantine; rua=mailto:dmarc@pncharris.com; adkim=r; aspf=r; pct=100\"\n"
			      "\"v=TLSRPTv1; rua=mailto:tlsrpt@pncharris.com\"\n\"v=spf1 include:_spf.mxroute.com -all\"\n"
			      "2001:db8:5::25\n");
	free(out);
}

Test(sim, dns_truncates_big_udp_answers_and_answers_over_tcp)
{
	char *out = sh_expect(0, "dig @127.0.0.1 -p $SIM_DNS_PORT netgrimoire.com TXT +noedns +ignore | grep flags");
	cr_expect(strstr(out, " tc"), "TC over UDP without EDNS: %s", out);
	free(out);
	out = sh_expect(0, "dig @127.0.0.1 -p $SIM_DNS_PORT netgrimoire.com TXT +noedns | grep -E 'Truncated|ANSWER:'");
	cr_expect(strstr(out, "Truncated, retrying in TCP mode") && strstr(out, "ANSWER: 9,"), "%s", out);
	free(out);
	out = sh_expect(0, "dig @127.0.0.1 -p $SIM_DNS_PORT netgrimoire.com TXT +bufsize=1232 | grep -E 'flags:|ANSWER:'");
	cr_expect(strstr(out, "ANSWER: 9,") && !strstr(out, " tc"), "fits with EDNS: %s", out);
	free(out);
	out = sh_expect(0, "dig +tcp +short @127.0.0.1 -p $SIM_DNS_PORT _mta-sts.netgrimoire.com TXT");
	cr_expect(str_starts_with(out, "\"v=STSv1; id=2026"), "%s", out);
	free(out);
}

Test(sim, dns_records_change_through_the_control_socket)
{
	cr_assert(simproc_ctl_ok(sp, "dns add mxroute._domainkey.pncfishandmore.com TXT v=DKIM1; k=rsa; p=MIIBfake"));
	char *out = sh_expect(0, "dig +short @127.0.0.1 -p $SIM_DNS_PORT mxroute._domainkey.pncfishandmore.com TXT");
	cr_expect_str_eq(out, "\"v=DKIM1; k=rsa; p=MIIBfake\"\n");
	free(out);
	cr_assert(simproc_ctl_ok(sp, "dns del mxroute._domainkey.pncfishandmore.com TXT"));
	cr_assert(simproc_ctl_ok(sp, "dns add pncharris.com MX 5 mail.pncharris.com."));
	out = sh_expect(0, "dig +short @127.0.0.1 -p $SIM_DNS_PORT mxroute._domainkey.pncfishandmore.com TXT; "
			   "dig +short @127.0.0.1 -p $SIM_DNS_PORT pncharris.com MX | sort");
	cr_expect_str_eq(out, "10 arrow.mxrouting.net.\n20 arrow-relay.mxrouting.net.\n5 mail.pncharris.com.\n");
	free(out);
	char *r = simproc_ctl(sp, "dns add bad.netgrimoire.com MX not-a-number");
	cr_expect(r && str_starts_with(r, "error: "), "%s", r);
	free(r);
}

/* ------------------------------------------------------------------ MTA-STS */

Test(sim, mta_sts_policy_is_chosen_by_host_header)
{
	char *out = sh_expect(0, "curl -s -D - --cacert \"$SIM_CA\" --resolve mta-sts.wasted-bandwidth.net:$SIM_STS_PORT:127.0.0.1 "
				 "https://mta-sts.wasted-bandwidth.net:$SIM_STS_PORT/.well-known/mta-sts.txt");
	cr_expect(strstr(out, "Content-Type: text/plain"), "%s", out);
	cr_expect(strstr(out, "\r\n\r\nversion: STSv1\nmode: testing\nmax_age: 86400\nmx: *.mxrouting.net\n"), "planted testing: %s", out);
	free(out);
	out = sh_expect(0, "curl -s --cacert \"$SIM_CA\" --resolve mta-sts.netgrimoire.com:$SIM_STS_PORT:127.0.0.1 "
			   "https://mta-sts.netgrimoire.com:$SIM_STS_PORT/.well-known/mta-sts.txt | grep mode");
	cr_expect_str_eq(out, "mode: enforce\n");
	free(out);
	out = sh_expect(0, "curl -s -o /dev/null -w '%%{http_code}' -k -H 'Host: mta-sts.nosuch.org' "
			   "https://127.0.0.1:$SIM_STS_PORT/.well-known/mta-sts.txt");
	cr_expect_str_eq(out, "404");
	free(out);
	out = sh_expect(60, "curl -s -o /dev/null --cacert \"$SIM_CA\" --resolve mta-sts.nosuch.org:$SIM_STS_PORT:127.0.0.1 "
			    "https://mta-sts.nosuch.org:$SIM_STS_PORT/.well-known/mta-sts.txt");
	free(out);
}

/* ------------------------------------------------------------------ faults */

Test(sim, http_faults_switch_on_and_off_while_running)
{
	const char *v = "curl -s -m 60 --cacert \"$SIM_CA\" -H \"X-API-Key: $SIM_KEY_RO\" -w ' %{http_code}' \"$SIM_API/get/status/version\"";
	cr_assert(simproc_ctl_ok(sp, "fault mailcow status 500"));
	char *out = sh_expect(0, "%s", v);
	cr_expect(strstr(out, "<title>500 Internal Server Error</title>") && strstr(out, " 500"), "%s", out);
	free(out);
	cr_assert(simproc_ctl_ok(sp, "fault mailcow status 401"));
	out = sh_expect(0, "%s", v);
	cr_expect_str_eq(out, "{\"type\":\"error\",\"msg\":\"authentication failed\"} 401");
	free(out);
	cr_assert(simproc_ctl_ok(sp, "fault mailcow off"));
	out = sh_expect(0, "%s", v);
	cr_expect_str_eq(out, "{\n    \"version\": \"2026-07a\"\n} 200");
	free(out);
	cr_assert(simproc_ctl_ok(sp, "fault mailcow truncated"));
	out = sh_expect(18, "%s", v);
	free(out);
	cr_assert(simproc_ctl_ok(sp, "fault mailcow off truncated"));
	cr_assert(simproc_ctl_ok(sp, "fault mailcow reset match=/api/v1/get/status"));
	out = sh_expect(52, "%s", v);
	free(out);
	out = sh_expect(0, "curl -s -m 60 --cacert \"$SIM_CA\" -H \"X-API-Key: $SIM_KEY_RO\" -o /dev/null -w '%%{http_code}' \"$SIM_API/get/domain/all\"");
	cr_expect_str_eq(out, "200", "match= limits the fault to its path prefix");
	free(out);
	cr_assert(simproc_ctl_ok(sp, "fault all off"));
	cr_assert(simproc_ctl_ok(sp, "fault mailcow malformed"));
	out = sh_expect(0, "%s | od -An -tx1 | tr -d ' \\n'", v);
	cr_expect(strstr(out, "22ff017d7b5b"), "half a body, then bytes no JSON parser takes: %s", out);
	free(out);
	cr_assert(simproc_ctl_ok(sp, "fault mailcow off"));
	cr_assert(simproc_ctl_ok(sp, "fault docker oversized 3000000"));
	out = sh_expect(0, "curl -s -o /dev/null -w '%%{size_download} %%{http_code}' --unix-socket \"$SIM_DIR/docker.sock\" http://d/v1.47/containers/json");
	cr_expect_str_eq(out, "3000000 200");
	free(out);
	cr_assert(simproc_ctl_ok(sp, "fault docker off"));
	cr_assert(simproc_ctl_ok(sp, "fault docker down"));
	out = sh_expect(7, "curl -s --unix-socket \"$SIM_DIR/docker.sock\" http://d/_ping");
	free(out);
	out = sh_expect(1, "docker ps -q");
	cr_expect(strstr(out, "Cannot connect to the Docker daemon"), "%s", out);
	free(out);
	cr_assert(simproc_ctl_ok(sp, "fault docker off"));
	out = sh_expect(0, "docker ps -q | wc -l");
	cr_expect_str_eq(out, "18\n");
	free(out);
	cr_assert(simproc_ctl_ok(sp, "fault mta-sts slow 400"));
	double t0 = now_s();
	out = sh_expect(0, "curl -s -o /dev/null -w '%%{http_code}' --cacert \"$SIM_CA\" --resolve mta-sts.netgrimoire.com:$SIM_STS_PORT:127.0.0.1 "
			   "https://mta-sts.netgrimoire.com:$SIM_STS_PORT/.well-known/mta-sts.txt");
	cr_expect_str_eq(out, "200");
	cr_expect_geq(now_s() - t0, 0.4);
	free(out);
	char *shown = simproc_ctl(sp, "show");
	cr_expect_str_eq(shown, "ok mta-sts slow 400");
	free(shown);
	char *bad = simproc_ctl(sp, "fault dns truncated");
	cr_expect(bad && str_starts_with(bad, "error: "), "%s", bad);
	free(bad);
	/* the ctl client: 0 for ok, 1 for an error answer, 2 when no simulator answers */
	out = sh_expect(0, "%s ctl \"$SIM_DIR\" fault all off", simproc_bin());
	cr_expect_str_eq(out, "ok no faults\n");
	free(out);
	out = sh_expect(1, "%s ctl \"$SIM_DIR\" fault bogus down", simproc_bin());
	cr_expect_str_eq(out, "mcon-sim: error: unknown backend (docker, mailcow, mta-sts, dns, all)\n");
	free(out);
	out = sh_expect(2, "%s ctl \"$SIM_DIR/nowhere\" ping", simproc_bin());
	cr_expect(strstr(out, "cannot reach the simulator"), "%s", out);
	free(out);
}

Test(sim, dns_faults_switch_on_and_off_while_running)
{
	/* q waits as long as a hang for an answer; q_lost is for the faults that answer nothing */
	const char *q = "dig @127.0.0.1 -p $SIM_DNS_PORT +time=60 +tries=1 pncharris.com MX";
	const char *q_lost = "dig @127.0.0.1 -p $SIM_DNS_PORT +time=1 +tries=1 pncharris.com MX";
	cr_assert(simproc_ctl_ok(sp, "fault dns servfail match=pncharris.com"));
	char *out = sh_expect(0, "%s | grep -o 'status: [A-Z]*'; dig @127.0.0.1 -p $SIM_DNS_PORT +time=60 +tries=1 "
				 "netgrimoire.com MX | grep -o 'status: [A-Z]*'", q);
	cr_expect_str_eq(out, "status: SERVFAIL\nstatus: NOERROR\n", "only the matching zone fails: %s", out);
	free(out);
	cr_assert(simproc_ctl_ok(sp, "fault dns off"));
	cr_assert(simproc_ctl_ok(sp, "fault dns timeout"));
	out = sh_expect(9, "%s", q_lost);
	cr_expect(strstr(out, "timed out"), "%s", out);
	free(out);
	cr_assert(simproc_ctl_ok(sp, "fault dns off"));
	cr_assert(simproc_ctl_ok(sp, "fault dns refused"));
	out = sh_expect(0, "%s | grep -o 'status: [A-Z]*'", q);
	cr_expect_str_eq(out, "status: REFUSED\n");
	free(out);
	cr_assert(simproc_ctl_ok(sp, "fault dns off"));
	cr_assert(simproc_ctl_ok(sp, "fault dns badid"));
	out = sh_expect(9, "%s", q_lost);
	cr_expect(strstr(out, "ID mismatch") || strstr(out, "timed out"), "%s", out);
	free(out);
	cr_assert(simproc_ctl_ok(sp, "fault dns off"));
	cr_assert(simproc_ctl_ok(sp, "fault dns slow 500"));
	double t0 = now_s();
	out = sh_expect(0, "dig +short @127.0.0.1 -p $SIM_DNS_PORT +time=60 +tries=1 pncharris.com MX | wc -l");
	cr_expect_str_eq(out, "2\n");
	cr_expect_geq(now_s() - t0, 0.5);
	free(out);
	cr_assert(simproc_ctl_ok(sp, "fault dns off"));
	/* ctl answers once the DNS thread has closed (and then reopened) its sockets */
	cr_assert(simproc_ctl_ok(sp, "fault dns down"));
	out = sh_expect(9, "%s", q_lost);
	free(out);
	cr_assert(simproc_ctl_ok(sp, "fault dns off"));
	out = sh_expect(0, "%s | grep -o 'status: [A-Z]*'", q);
	cr_expect_str_eq(out, "status: NOERROR\n");
	free(out);
}

/* ------------------------------------------------------------------ scenarios and lifecycle */

static char *write_scenario(const char *name, const char *text)
{
	char *dir = simproc_tmpdir("scn");
	char *path = xasprintf("%s/%s", dir, name);
	cr_assert_eq(file_write_atomic(path, text, strlen(text), 0644), 0);
	free(dir);
	return path;
}

/* Runs mcon-sim on a scenario that must be refused; returns its stderr. */
static char *refused(const char *scenario_path)
{
	char *dir = simproc_tmpdir("bad");
	char *cmd = xasprintf("%s --scenario %s --dir %s 2>&1 >/dev/null", simproc_bin(), scenario_path, dir);
	FILE *p = popen(cmd, "r");
	char buf[4096] = "";
	size_t n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	int st = pclose(p);
	cr_expect_eq(WEXITSTATUS(st), 2, "exit 2 for a bad scenario (%s)", buf);
	free(cmd);
	free(dir);
	return xstrdup(buf);
}

TestSuite(scenario);

Test(scenario, a_bad_field_is_named_by_its_path)
{
	const struct asset *a = asset_find("demo-scenario.json");
	cr_assert_not_null(a);
	/* make .containers[3].networks a string */
	json_t *j = json_loads(a->data, 0, NULL);
	cr_assert_not_null(j);
	json_object_set_new(json_array_get(json_object_get(j, "containers"), 3), "networks",
			    json_string("mailcowdockerized_mailcow-network"));
	char *text = json_dumps(j, JSON_INDENT(1));
	json_decref(j);
	char *path = write_scenario("scenario.json", text);
	char *err = refused(path);
	char *want = xasprintf("mcon-sim: %s: .containers[3].networks: expected an array\n", path);
	cr_expect_str_eq(err, want);
	free(want);
	free(err);
	free(path);
	free(text);

	path = write_scenario("scenario.json", "{\"site\": \"x\", \"mailcow\": {\"hostname\": \"m.example.org\"}, "
					       "\"limits\": {\"postfix_message_size_limit\": \"big\"}}");
	err = refused(path);
	cr_expect(strstr(err, ": .limits.postfix_message_size_limit: expected a whole number\n"), "%s", err);
	free(err);
	free(path);

	path = write_scenario("scenario.json", "{\"site\": \"x\", \"colour\": 1}");
	err = refused(path);
	cr_expect(strstr(err, ": .: unknown key 'colour'"), "%s", err);
	free(err);
	free(path);

	path = write_scenario("scenario.json", "{\"site\": \"x\",\n \"mailcow\": [}");
	err = refused(path);
	cr_expect(strstr(err, "scenario.json:2:"), "JSON syntax errors give line and column: %s", err);
	free(err);
	free(path);

	err = refused("/nonexistent/scenario.json");
	cr_expect(strstr(err, "/nonexistent/scenario.json: No such file or directory"), "%s", err);
	free(err);
}

Test(scenario, the_demo_lists_its_planted_problems_with_check_ids)
{
	const struct asset *a = asset_find("demo-scenario.json");
	cr_assert_not_null(a);
	json_error_t je;
	json_t *j = json_loads(a->data, 0, &je);
	cr_assert_not_null(j, "%s", je.text);
	json_t *planted = json_object_get(j, "planted");
	static const char *const want[][2] = {{"dkim.selector", "pncfishandmore.com/mxroute"},
					      {"dkim.selector", "pncharrisenterprises.com/mxroute"},
					      {"mta_sts.policy", "wasted-bandwidth.net"},
					      {"limits.size", "stack"},
					      {"queue.deferred", "postfix"},
					      {"domain.catchall", "gnarlypandaproductions.com"}};
	cr_expect_eq(json_array_size(planted), ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		bool found = false;
		size_t k;
		json_t *p;
		json_array_foreach(planted, k, p) found |= strcmp(json_string_value(json_object_get(p, "check")), want[i][0]) == 0 &&
							   strcmp(json_string_value(json_object_get(p, "target")), want[i][1]) == 0;
		cr_expect(found, "planted %s %s", want[i][0], want[i][1]);
	}
	json_decref(j);
}

Test(scenario, the_healthy_scenario_runs_with_aligned_limits)
{
	const char *src = getenv("MCON_SRCDIR");
	char *path = src ? xasprintf("%s/tests/data/healthy-scenario.json", src) : xstrdup("tests/data/healthy-scenario.json");
	sp = simproc_start(path, NULL);
	free(path);
	cr_assert_not_null(sp);
	char *out = simproc_sh(sp, NULL, "grep -c max_message \"$SIM_DIR/mailcow/data/conf/rspamd/local.d/options.inc\"; "
					 "dig +short @127.0.0.1 -p $SIM_DNS_PORT mxroute._domainkey.pncfishandmore.com TXT | head -c 8; echo; "
					 "curl -s --cacert \"$SIM_CA\" -H \"X-API-Key: $SIM_KEY_RO\" \"$SIM_API/get/mailq/all\"");
	cr_expect_str_eq(out, "1\n\"v=DKIM1\n[]");
	free(out);
	cr_expect_eq(simproc_stop(sp), 0);
	sp = NULL;
}

Test(scenario, sigint_and_sigterm_stop_it_and_remove_the_sockets)
{
	for (int sig = 0; sig < 2; sig++) {
		sp = simproc_start(NULL, NULL);
		cr_assert_not_null(sp);
		char *sock = xasprintf("%s/docker.sock", sp->dir), *ctl = xasprintf("%s/control.sock", sp->dir);
		cr_expect_eq(access(sock, F_OK), 0);
		if (sig == 0) {
			/* SIGINT alone must stop it: wait for the sockets to go, then reap */
			kill(sp->pid, SIGINT);
			for (int i = 0; i < T_HANG_MS / 10 && access(sock, F_OK) == 0; i++)
				usleep(10000);
			cr_expect_neq(access(sock, F_OK), 0, "SIGINT did not stop the simulator");
		}
		cr_expect_eq(simproc_stop(sp), 0);
		sp = NULL;
		cr_expect_neq(access(sock, F_OK), 0, "docker.sock removed");
		cr_expect_neq(access(ctl, F_OK), 0, "control.sock removed");
		free(sock);
		free(ctl);
	}
}

Test(scenario, latency_delays_each_request_without_serialising_them)
{
	/* Only bounds that load cannot break: a delayed request takes at least the latency,
	 * and four served one after another would take at least four times it, which a busy
	 * machine cannot turn into less. (How close to one latency they come is `make bench`.) */
	static const char *const extra[] = {"--latency-ms", "4000", NULL};
	sp = simproc_start(NULL, extra);
	cr_assert_not_null(sp);
	double t0 = now_s();
	char *out = simproc_sh(sp, NULL, "for i in 1 2 3 4; do curl -s -o /dev/null --unix-socket \"$SIM_DIR/docker.sock\" "
					 "http://d/_ping & done; wait");
	double dt = now_s() - t0;
	cr_expect_str_eq(out, "");
	free(out);
	cr_expect_geq(dt, 4.0, "the pings did not wait for the latency (%.2f s)", dt);
	cr_expect_lt(dt, 16.0, "four parallel requests were served one after another (%.2f s)", dt);
	t0 = now_s();
	out = simproc_sh(sp, NULL, "dig +short +time=60 +tries=1 @127.0.0.1 -p $SIM_DNS_PORT mail.netgrimoire.com A");
	dt = now_s() - t0;
	cr_expect_str_eq(out, "127.0.0.1\n");
	cr_expect_geq(dt, 4.0, "the DNS answer did not wait for the latency (%.2f s)", dt);
	free(out);
	cr_expect_eq(simproc_stop(sp), 0);
	sp = NULL;
}

Test(scenario, usage_errors_exit_2)
{
	char *cmd = xasprintf("%s 2>&1; echo rc=$?; %s --bogus 2>&1; echo rc=$?; %s --help | grep -c 'fault BACKEND'", simproc_bin(),
			      simproc_bin(), simproc_bin());
	FILE *p = popen(cmd, "r");
	char buf[2048] = "";
	size_t n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	pclose(p);
	cr_expect_str_eq(buf, "mcon-sim: --dir DIR is required (see mcon-sim --help)\nrc=2\n"
			      "mcon-sim: unknown argument '--bogus' (see mcon-sim --help)\nrc=2\n2\n");
	free(cmd);
}
