/* check_report: Nagios, JSON and Prometheus renderings of a check run. */
#include "core/check_report.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/sanitize.h"

int check_report_exit(const struct check_run *r)
{
	return status_code(check_run_worst(r));
}

/* Nagios reads everything after a '|' as perfdata, on any line. */
static void put_nagios_text(struct buf *out, const char *s)
{
	char *c = sanitize_nagios(s);
	buf_puts(out, c);
	free(c);
}

static void perf_item(struct buf *out, const char *label, long v, const char *warn, const char *crit, const char *min,
		      long max)
{
	if (out->len)
		buf_putc(out, ' ');
	if (v < 0)
		buf_printf(out, "%s=U", label);
	else
		buf_printf(out, "%s=%ld", label, v);
	char maxs[24] = "";
	if (max >= 0)
		snprintf(maxs, sizeof(maxs), "%ld", max);
	/* label=value[UOM];[warn];[crit];[min];[max] with the trailing empty fields dropped */
	const char *f[4] = {warn ? warn : "", crit ? crit : "", min ? min : "", maxs};
	int last = -1;
	for (int i = 0; i < 4; i++)
		if (*f[i])
			last = i;
	for (int i = 0; i <= last; i++)
		buf_printf(out, ";%s", f[i]);
}

void check_report_perfdata(const struct check_run *r, struct buf *out)
{
	const struct check_perf *p = &r->perf;
	size_t counts[STATUS__COUNT];
	check_run_counts(r, counts);
	perf_item(out, "containers_running", p->containers_running, NULL, NULL, "0", p->containers_total);
	perf_item(out, "domains_failing", p->domains_failing, NULL, NULL, "0", p->domains_total);
	/* "2048:" alerts below 2048 (Nagios threshold ranges) */
	perf_item(out, "dkim_min_bits", p->dkim_min_bits, "2048:", "1024:", "0", -1);
	perf_item(out, "spf_max_lookups", p->spf_max_lookups, NULL, "10", "0", -1);
	perf_item(out, "spf_max_void", p->spf_max_void, NULL, "2", "0", -1);
	/* warning at 10 or more: the range 0..9 is fine */
	perf_item(out, "mail_deferred", p->mail_deferred, "9", "29", "0", -1);
	perf_item(out, "checks_ok", (long)counts[STATUS_OK], NULL, NULL, "0", (long)r->n);
	perf_item(out, "checks_warning", (long)counts[STATUS_WARNING], NULL, NULL, "0", (long)r->n);
	perf_item(out, "checks_critical", (long)counts[STATUS_CRITICAL], NULL, NULL, "0", (long)r->n);
	perf_item(out, "checks_unknown", (long)counts[STATUS_UNKNOWN], NULL, NULL, "0", (long)r->n);
	if (p->collect_ms >= 0)
		buf_printf(out, " collect_time=%.3fs;;;0", (double)p->collect_ms / 1000.0);
}

/* Indices of the non-ok results, worst first, table order within a status. */
static size_t *bad_order(const struct check_run *r, size_t *n_out)
{
	size_t *idx = xcalloc(r->n + 1, sizeof(size_t)), n = 0;
	for (int rank = 3; rank >= 1; rank--)
		for (size_t i = 0; i < r->n; i++)
			if (status_rank(r->results[i].status) == rank)
				idx[n++] = i;
	*n_out = n;
	return idx;
}

void check_report_nagios(const struct check_run *r, struct buf *out)
{
	size_t counts[STATUS__COUNT], nbad;
	check_run_counts(r, counts);
	enum status worst = check_run_worst(r);
	size_t *bad = bad_order(r, &nbad);
	buf_printf(out, "MCON %s: ", status_upper(worst));
	if (!nbad) {
		buf_printf(out, "all %zu checks ok", r->n);
	} else {
		buf_printf(out, "%zu critical, %zu warning, %zu unknown, %zu ok; ", counts[STATUS_CRITICAL],
			   counts[STATUS_WARNING], counts[STATUS_UNKNOWN], counts[STATUS_OK]);
		const struct check_result *w = &r->results[bad[0]];
		put_nagios_text(out, w->check);
		buf_putc(out, ' ');
		put_nagios_text(out, w->target);
		buf_puts(out, ": ");
		put_nagios_text(out, w->summary);
	}
	struct buf perf = {0};
	check_report_perfdata(r, &perf);
	buf_printf(out, " | %s\n", buf_cstr(&perf));
	buf_free(&perf);
	for (size_t i = 0; i < nbad; i++) {
		const struct check_result *x = &r->results[bad[i]];
		buf_printf(out, "%s ", status_upper(x->status));
		put_nagios_text(out, x->check);
		buf_putc(out, ' ');
		put_nagios_text(out, x->target);
		buf_puts(out, ": ");
		put_nagios_text(out, x->summary);
		if (x->hint) {
			buf_puts(out, " -- ");
			put_nagios_text(out, x->hint);
		}
		buf_putc(out, '\n');
	}
	free(bad);
}

/* A JSON string that is always valid UTF-8 with no control characters. */
static json_t *json_text(const char *s)
{
	char *c = sanitize_json(s);
	json_t *j = json_string(c);
	free(c);
	return j;
}

void check_report_json(const struct check_run *r, const char *site, struct buf *out)
{
	size_t counts[STATUS__COUNT];
	check_run_counts(r, counts);
	char at[32];
	time_rfc3339(r->at ? r->at : mcon_now(), at);
	json_t *root = json_object();
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "site", json_text(site));
	json_object_set_new(root, "generated_at", json_string(at));
	json_object_set_new(root, "status", json_string(status_name(check_run_worst(r))));
	json_t *c = json_object();
	for (int s = 0; s < STATUS__COUNT; s++)
		json_object_set_new(c, status_name((enum status)s), json_integer((json_int_t)counts[s]));
	json_object_set_new(root, "counts", c);
	json_t *arr = json_array();
	for (size_t i = 0; i < r->n; i++) {
		const struct check_result *x = &r->results[i];
		json_t *o = json_object();
		json_object_set_new(o, "check", json_text(x->check));
		json_object_set_new(o, "target", json_text(x->target));
		json_object_set_new(o, "status", json_string(status_name(x->status)));
		json_object_set_new(o, "summary", json_text(x->summary));
		json_object_set_new(o, "hint", x->hint ? json_text(x->hint) : json_null());
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "results", arr);
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	buf_puts(out, s ? s : "{}");
	buf_putc(out, '\n');
	free(s);
	json_decref(root);
}

static void prom_label(struct buf *out, const char *v)
{
	char *c = sanitize_prom_label(v);
	buf_puts(out, c);
	free(c);
}

static void prom_head(struct buf *out, const char *name, const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void prom_gauge(struct buf *out, const char *name, const char *help, long v)
{
	if (v < 0)
		return;
	prom_head(out, name, help);
	buf_printf(out, "%s %ld\n", name, v);
}

void check_report_prom(const struct check_run *r, const char *site, struct buf *out)
{
	size_t counts[STATUS__COUNT];
	check_run_counts(r, counts);
	prom_head(out, "mcon_info", "The site mcon watches (value always 1).");
	buf_puts(out, "mcon_info{site=\"");
	prom_label(out, site);
	buf_printf(out, "\",version=\"%s\"} 1\n", MCON_VERSION);
	prom_head(out, "mcon_check_status", "Status of one check result: 0 ok, 1 warning, 2 critical, 3 unknown.");
	for (size_t i = 0; i < r->n; i++) {
		buf_puts(out, "mcon_check_status{check=\"");
		prom_label(out, r->results[i].check);
		buf_puts(out, "\",target=\"");
		prom_label(out, r->results[i].target);
		buf_printf(out, "\"} %d\n", (int)r->results[i].status);
	}
	prom_head(out, "mcon_check_ok", "1 when one check result is ok, else 0.");
	for (size_t i = 0; i < r->n; i++) {
		buf_puts(out, "mcon_check_ok{check=\"");
		prom_label(out, r->results[i].check);
		buf_puts(out, "\",target=\"");
		prom_label(out, r->results[i].target);
		buf_printf(out, "\"} %d\n", r->results[i].status == STATUS_OK);
	}
	prom_head(out, "mcon_checks", "Number of check results by status.");
	for (int s = 0; s < STATUS__COUNT; s++)
		buf_printf(out, "mcon_checks{status=\"%s\"} %zu\n", status_name((enum status)s), counts[s]);
	prom_gauge(out, "mcon_status", "Worst status of the run: 0 ok, 1 warning, 2 critical, 3 unknown (the Nagios "
				       "exit code).",
		   (long)status_code(check_run_worst(r)));
	prom_gauge(out, "mcon_last_run_timestamp_seconds", "When the checked snapshot was taken, Unix time.",
		   (long)(r->at ? r->at : mcon_now()));
	if (r->perf.collect_ms >= 0) {
		prom_head(out, "mcon_collect_duration_seconds", "How long collecting the snapshot took.");
		buf_printf(out, "mcon_collect_duration_seconds %.3f\n", (double)r->perf.collect_ms / 1000.0);
	}
	const struct check_perf *p = &r->perf;
	prom_gauge(out, "mcon_containers_running", "Compose services with a running container.", p->containers_running);
	prom_gauge(out, "mcon_containers_expected", "Compose services expected or present.", p->containers_total);
	prom_gauge(out, "mcon_domains", "Watched domains.", p->domains_total);
	prom_gauge(out, "mcon_domains_failing", "Watched domains with a check not ok.", p->domains_failing);
	prom_gauge(out, "mcon_dkim_smallest_key", "Size in bits of the smallest RSA DKIM key published in DNS.",
		   p->dkim_min_bits);
	prom_gauge(out, "mcon_spf_max_lookups", "Largest SPF DNS lookup count of any domain.", p->spf_max_lookups);
	prom_gauge(out, "mcon_spf_max_void_lookups", "Largest SPF void lookup count of any domain.", p->spf_max_void);
	prom_gauge(out, "mcon_mail_deferred", "Deferred messages in the Postfix queue.", p->mail_deferred);
}
