/* pm-config-json.h: typed readers for Hugging Face config.json / preprocessor_config.json
 * fields, shared by the model configs (CLIPSeg, SAM).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A field that is absent (or null) keeps the caller's default; a field of the wrong type is
 * a parse error; an integer outside int's range is an invalid value. Errors are one line:
 * "FILE: SECTION.KEY what" (or "FILE: KEY what" outside a section), in the domain and with
 * the codes the caller puts in the PmConfigJson.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *file;          /* for messages */
  const char *section;       /* "vision_config", … or NULL */
  GQuark      domain;        /* error domain of the model's config */
  int         parse_code;    /* code for "not JSON" / wrong type */
  int         invalid_code;  /* code for impossible values */
  GError    **error;
} PmConfigJson;

/* Sets "FILE: [SECTION.]KEY WHAT" with @code and returns FALSE. */
gboolean    pm_config_json_fail        (PmConfigJson *ctx,
                                        int           code,
                                        const char   *key,
                                        const char   *what);
gboolean    pm_config_json_read_int    (PmConfigJson *ctx,
                                        JsonObject   *obj,
                                        const char   *key,
                                        int          *out);
/* Integers are accepted as numbers. */
gboolean    pm_config_json_read_double (PmConfigJson *ctx,
                                        JsonObject   *obj,
                                        const char   *key,
                                        double       *out);
gboolean    pm_config_json_read_bool   (PmConfigJson *ctx,
                                        JsonObject   *obj,
                                        const char   *key,
                                        gboolean     *out);
/* Copies at most @size − 1 bytes. */
gboolean    pm_config_json_read_string (PmConfigJson *ctx,
                                        JsonObject   *obj,
                                        const char   *key,
                                        char         *out,
                                        gsize         size);
/* An array of integers into @out (at most @max; more is an invalid value). *@n is only
 * changed when the key is present. Values are clamped to [−1, G_MAXINT32]. */
gboolean    pm_config_json_read_int_list (PmConfigJson *ctx,
                                          JsonObject   *obj,
                                          const char   *key,
                                          int          *out,
                                          int           max,
                                          int          *n);
/* A number or a list of @n numbers into @out (a single number fills every entry). */
gboolean    pm_config_json_read_numbers (PmConfigJson *ctx,
                                         JsonObject   *obj,
                                         const char   *key,
                                         double       *out,
                                         int           n);
/* Member @key when it is an object; NULL when absent or null; sets *@bad when it is there
 * but not an object. */
JsonObject *pm_config_json_get_section (JsonObject   *obj,
                                        const char   *key,
                                        gboolean     *bad);
/* Parses @data into @parser and returns the root object, or NULL with a parse error
 * naming ctx->file. */
JsonObject *pm_config_json_parse       (PmConfigJson *ctx,
                                        JsonParser   *parser,
                                        const char   *data,
                                        gssize        len);
/* Folds newlines in *@error's message (values quoted from the file may hold them); FALSE. */
gboolean    pm_config_json_fold_error  (GError      **error);
/* config.json's "architectures"[0], or NULL when absent or malformed (transfer full). */
char       *pm_config_json_get_architecture (JsonObject *root);

G_END_DECLS
