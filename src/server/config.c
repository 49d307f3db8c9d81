/* SPDX-License-Identifier: Apache-2.0 */
#include "server/config.h"

#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"
#include "core/loader.h"
#include "core/yamlx.h"

int config_set(char **slot, const char *value, struct errbuf *e)
{
	char *copy = xstrdup(value);
	if (copy == NULL)
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	free(*slot);
	*slot = copy;
	return 0;
}

int config_init(struct server_config *c, struct errbuf *e)
{
	memset(c, 0, sizeof *c);
	c->device_cert_days = 397;
	c->token_ttl = 24 * 3600;
	c->max_report_bytes = 4 << 20;
	c->max_connections = 512;
	c->max_connections_per_ip = 64;
	c->idle_timeout = 20;
	c->db_readers = 4;
	c->metrics_public = true;
	c->gate_min_severity = SEV_HIGH;
	c->gate_max_report_age = 24 * 3600;
	c->gate_grace = 24 * 3600;
	c->log_format = LOG_JSON;
	c->log_level = LOG_INFO;
	if (config_set(&c->listen, "0.0.0.0:8443", e) || config_set(&c->data_dir, "/var/lib/mamorid", e))
		return MAMORI_ENOMEM;
	return 0;
}

void config_free(struct server_config *c)
{
	free(c->listen);
	free(c->data_dir);
	free(c->db);
	free(c->ca_cert);
	free(c->ca_key);
	free(c->cert);
	free(c->key);
	strv_free(c->server_names, c->n_server_names);
	strv_free(c->gate_trusted_proxies, c->n_gate_trusted_proxies);
	memset(c, 0, sizeof *c);
}

char *config_path(const struct server_config *c, const char *configured, const char *name)
{
	if (configured)
		return xstrdup(configured);
	return xasprintf("%s/%s", c->data_dir, name);
}

static const char *const config_keys[] = {"listen", "data_dir", "db", "tls", "server_names",
					   "device_cert_days", "token_ttl", "max_report_bytes",
					   "max_connections", "max_connections_per_ip",
					   "idle_timeout", "db_readers", "metrics_public", "gate_min_severity",
					   "gate_max_report_age", "gate_grace", "gate_trusted_proxies",
					   "log_format", "log_level", NULL};
static const char *const tls_keys[] = {"ca_cert", "ca_key", "cert", "key", NULL};

static int load_bool(struct ld *l, const yaml_node_t *map, const char *key, bool *out)
{
	yaml_node_t *n = yamlx_get(l->doc, map, key);
	if (n == NULL)
		return 0;
	const char *s = yamlx_str(n);
	if (s && (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0))
		*out = true;
	else if (s && (strcmp(s, "false") == 0 || strcmp(s, "no") == 0))
		*out = false;
	else
		return ld_err(l, n, "expected true or false for ", key);
	return 0;
}

static int load_choice(struct ld *l, const yaml_node_t *map, const char *key,
		       const char *const *names, int *out)
{
	yaml_node_t *n = yamlx_get(l->doc, map, key);
	if (n == NULL)
		return 0;
	const char *s = yamlx_str(n);
	for (int i = 0; s && names[i]; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	return ld_err(l, n, "unexpected value for ", key);
}

static int load_tree(struct server_config *c, struct ld *l, yaml_node_t *root)
{
	if (!yamlx_is_map(root))
		return ld_err(l, root, "expected a mapping of settings", "");
	int r = yamlx_only_keys(l->doc, root, config_keys, l->file, "setting", l->e);
	if (r)
		return r;
	char **str_slots[] = {&c->listen, &c->data_dir, &c->db};
	const char *str_keys[] = {"listen", "data_dir", "db"};
	for (size_t i = 0; i < 3; i++) {
		char *v = NULL;
		if ((r = ld_str(l, root, str_keys[i], false, &v)) != 0)
			return r;
		if (v) {
			free(*str_slots[i]);
			*str_slots[i] = v;
		}
	}
	yaml_node_t *tls = yamlx_get(l->doc, root, "tls");
	if (tls) {
		if (!yamlx_is_map(tls))
			return ld_err(l, tls, "expected a mapping for ", "tls");
		if ((r = yamlx_only_keys(l->doc, tls, tls_keys, l->file, "tls setting", l->e)) != 0)
			return r;
		char **slots[] = {&c->ca_cert, &c->ca_key, &c->cert, &c->key};
		for (size_t i = 0; i < 4; i++) {
			char *v = NULL;
			if ((r = ld_str(l, tls, tls_keys[i], false, &v)) != 0)
				return r;
			if (v) {
				free(*slots[i]);
				*slots[i] = v;
			}
		}
	}
	yaml_node_t *names = yamlx_get(l->doc, root, "server_names");
	if (names) {
		char **v = NULL;
		size_t n = 0;
		if ((r = ld_strv(l, names, "server_names", &v, &n)) != 0)
			return r;
		strv_free(c->server_names, c->n_server_names);
	strv_free(c->gate_trusted_proxies, c->n_gate_trusted_proxies);
		c->server_names = v;
		c->n_server_names = n;
	}
	long long v;
	int present;
	struct {
		const char *key;
		long long min, max;
		int *slot_int;
		long long *slot_ll;
	} ints[] = {
		{"device_cert_days", 1, 3650, &c->device_cert_days, NULL},
		{"max_report_bytes", 4096, 256LL << 20, NULL, &c->max_report_bytes},
		{"max_connections", 1, 65536, &c->max_connections, NULL},
		{"max_connections_per_ip", 0, 65536, &c->max_connections_per_ip, NULL},
		{"idle_timeout", 1, 3600, &c->idle_timeout, NULL},
		{"db_readers", 1, 256, &c->db_readers, NULL},
	};
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		present = yamlx_get(l->doc, root, ints[i].key) != NULL;
		if (!present)
			continue;
		if ((r = ld_int(l, root, ints[i].key, true, ints[i].min, ints[i].max, &v)) != 0)
			return r;
		if (ints[i].slot_int)
			*ints[i].slot_int = (int)v;
		else
			*ints[i].slot_ll = v;
	}
	yaml_node_t *proxies = yamlx_get(l->doc, root, "gate_trusted_proxies");
	if (proxies) {
		char **pv = NULL;
		size_t n = 0;
		if ((r = ld_strv(l, proxies, "gate_trusted_proxies", &pv, &n)) != 0)
			return r;
		strv_free(c->gate_trusted_proxies, c->n_gate_trusted_proxies);
		c->gate_trusted_proxies = pv;
		c->n_gate_trusted_proxies = n;
	}
	yaml_node_t *sev = yamlx_get(l->doc, root, "gate_min_severity");
	if (sev) {
		enum severity sv;
		if (severity_parse(yamlx_str(sev), &sv) != 0)
			return ld_err(l, sev, "expected info, low, medium, high or critical for ", "gate_min_severity");
		c->gate_min_severity = (int)sv;
	}
	static const char *const gate_durations[] = {"gate_max_report_age", "gate_grace"};
	long long *gate_slots[] = {&c->gate_max_report_age, &c->gate_grace};
	for (size_t i = 0; i < 2; i++) {
		yaml_node_t *d = yamlx_get(l->doc, root, gate_durations[i]);
		if (d == NULL)
			continue;
		const char *txt = yamlx_str(d);
		/* "0" is a grace period of none */
		if (txt && strcmp(txt, "0") == 0 && i == 1)
			*gate_slots[i] = 0;
		else if (txt == NULL || parse_duration(txt, CONFIG_DURATION_MAX, gate_slots[i], l->e) != 0)
			return ld_err(l, d, "expected a duration like 24h for ", gate_durations[i]);
	}
	yaml_node_t *ttl = yamlx_get(l->doc, root, "token_ttl");
	if (ttl) {
		const char *s = yamlx_str(ttl);
		if (s == NULL || parse_duration(s, CONFIG_DURATION_MAX, &c->token_ttl, l->e) != 0)
			return ld_err(l, ttl, "expected a duration like 24h for ", "token_ttl");
	}
	if ((r = load_bool(l, root, "metrics_public", &c->metrics_public)) != 0)
		return r;
	static const char *const formats[] = {"json", "text", NULL};
	static const char *const levels[] = {"debug", "info", "warn", "error", NULL};
	int choice = (int)c->log_format;
	if ((r = load_choice(l, root, "log_format", formats, &choice)) != 0)
		return r;
	c->log_format = (enum log_format)choice;
	choice = (int)c->log_level;
	if ((r = load_choice(l, root, "log_level", levels, &choice)) != 0)
		return r;
	c->log_level = (enum log_level)choice;
	return 0;
}

int config_load(struct server_config *c, const char *path, const char *buf, size_t len,
		struct errbuf *e)
{
	yaml_document_t doc;
	int r = yamlx_load(&doc, path, buf, len, e);
	if (r)
		return r;
	struct ld l = {.doc = &doc, .file = path, .kind = NULL, .id = NULL, .e = e};
	yaml_node_t *root = yamlx_root(&doc);
	r = root ? load_tree(c, &l, root) : 0; /* an empty file keeps the defaults */
	yaml_document_delete(&doc);
	return r;
}
