/* fuzz: the helpers and oracles the harnesses share (see tests/fuzz/fuzz.h). */
#include "tests/fuzz/fuzz.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "core/snapshot.h"
#include "core/util.h"

char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

unsigned fuzz_byte(struct fuzz_in *in)
{
	if (!in->n)
		return 0;
	unsigned b = in->p[0];
	in->p++;
	in->n--;
	return b;
}

void fuzz_fail(const char *what, const char *text)
{
	fprintf(stderr, "fuzz oracle failed: %s\n--- text (%zu bytes):\n%s\n---\n", what,
		text ? strlen(text) : 0, text ? text : "(null)");
	abort();
}

void fuzz_assert_utf8(const char *what, const char *s)
{
	if (!s)
		return;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		unsigned cp;
		size_t k = sanitize_utf8_decode(s + i, n - i, &cp);
		if (!k)
			fuzz_fail(what, s);
		i += k;
	}
}

bool fuzz_has_secret(const uint8_t *data, size_t size)
{
	return memmem(data, size, FUZZ_SECRET, FUZZ_SECRET_PREFIX) != NULL;
}

void fuzz_assert_no_secret(const char *what, const char *s)
{
	if (s && memmem(s, strlen(s), FUZZ_SECRET, FUZZ_SECRET_PREFIX))
		fuzz_fail(what, s);
}

void fuzz_assert_json(const char *what, const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
	if (!j)
		fuzz_fail(what, text);
	json_decref(j);
	fuzz_assert_no_secret(what, text);
}

void fuzz_assert_snapshot(const struct snapshot *s)
{
	json_t *j = snapshot_to_json(s);
	if (!j)
		fuzz_fail("snapshot_to_json returned NULL", NULL);
	char *text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!text)
		fuzz_fail("snapshot JSON does not dump", NULL);
	fuzz_assert_json("snapshot JSON", text);
	fuzz_assert_utf8("snapshot JSON", text);
	free(text);
}

static void plant(json_t *j, const char *const *keys)
{
	if (json_is_object(j)) {
		const char *k;
		json_t *v;
		json_object_foreach(j, k, v) {
			bool secret = false;
			for (const char *const *s = keys; *s; s++)
				secret |= strcmp(k, *s) == 0;
			if (secret)
				json_object_set_new(j, k, json_string(FUZZ_SECRET));
			else
				plant(v, keys);
		}
	} else if (json_is_array(j)) {
		for (size_t i = 0; i < json_array_size(j); i++)
			plant(json_array_get(j, i), keys);
	}
}

char *fuzz_plant_secret(const uint8_t *data, size_t size, const char *const *keys)
{
	json_error_t e;
	json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, &e);
	if (!j)
		return NULL;
	plant(j, keys);
	char *text = json_dumps(j, JSON_ENCODE_ANY);
	json_decref(j);
	return text;
}

int fuzz_mailcow_list(const uint8_t *data, size_t size, fuzz_mailcow_parse_fn parse, const char *name)
{
	if (fuzz_has_secret(data, size))
		return 0;
	char what[128];
	struct snapshot *s = xcalloc(1, sizeof(*s));
	char *err = NULL;
	if (parse((const char *)data, size, &s->mailcow, &err) != 0 && !err) {
		snprintf(what, sizeof(what), "%s failed without an error", name);
		fuzz_fail(what, NULL);
	}
	snprintf(what, sizeof(what), "%s error", name);
	fuzz_assert_no_secret(what, err);
	fuzz_assert_snapshot(s);
	free(err);
	snapshot_free(s);
	return 0;
}

int fuzz_stack_keys(const uint8_t *data, size_t size, fuzz_stack_get_fn get, const char *name,
		    const char *const *keys)
{
	char *text = fuzz_str(data, size);
	size_t lines = 1;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	for (size_t i = 0; keys[i]; i++) {
		char *value = NULL;
		int line = 0;
		if (get(text, keys[i], &value, &line) == 1) {
			if (!value || strlen(value) > strlen(text) || line < 1 || (size_t)line > lines) {
				char what[128];
				snprintf(what, sizeof(what), "%s: a value out of bounds", name);
				fuzz_fail(what, text);
			}
		}
		free(value);
	}
	free(text);
	return 0;
}
