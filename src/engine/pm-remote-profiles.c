/* pm-remote-profiles.c: the server profiles: names, defaults, the options each accepts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The recommended defaults for "edit only the object" come with each profile: a fixed seed;
 * for Qwen-Image-Edit true CFG 4.0 with a negative prompt (true CFG only runs with one: the
 * vLLM-Omni pipeline enables it on `true_cfg_scale > 1 and has_neg_prompt`,
 * vllm_omni/diffusion/models/qwen_image/pipeline_qwen_image_edit.py) and 40 steps; for
 * FLUX.1 Kontext guidance 2.5 (sd.cpp's docs/kontext.md also asks for CFG 1) and 28 steps.
 */
#define G_LOG_DOMAIN "pm-remote"

#include "pm-remote-private.h"

#include <math.h>
#include <string.h>

static const char * const openai_options[] = {
  "size", "input_fidelity", "quality", "max_pixels", NULL
};
static const char * const compatible_options[] = {
  "seed", "num_inference_steps", "true_cfg_scale", "guidance_scale", "negative_prompt",
  "size", "max_pixels", NULL
};
static const char * const comfyui_options[] = {
  "workflow", "seed", "num_inference_steps", "true_cfg_scale", "guidance_scale",
  "negative_prompt", "max_pixels", NULL
};
static const char * const gemini_options[] = {
  "aspect_ratio", "seed", "max_pixels", NULL
};
static const char * const fal_options[] = {
  "seed", "num_inference_steps", "guidance_scale", "negative_prompt", "max_pixels", NULL
};

static const PmRemoteProfileClass profiles[PM_REMOTE_N_PROFILES] = {
  [PM_REMOTE_PROFILE_OPENAI] = {
    PM_REMOTE_PROFILE_OPENAI, "openai", "OpenAI (gpt-image-1)", "OpenAI",
    "https://api.openai.com/v1", "gpt-image-1",
    "base URL before /images/edits", PM_REMOTE_AUTH_BEARER, FALSE, openai_options,
    pm_remote_openai_edit,
  },
  [PM_REMOTE_PROFILE_OPENAI_COMPATIBLE] = {
    PM_REMOTE_PROFILE_OPENAI_COMPATIBLE, "openai-compatible",
    "OpenAI-compatible server (vLLM-Omni, SGLang, Xinference)", "OpenAI-compatible",
    NULL, NULL,
    "base URL before /images/edits, e.g. http://127.0.0.1:8000/v1", PM_REMOTE_AUTH_BEARER,
    FALSE, compatible_options, pm_remote_openai_compatible_edit,
  },
  [PM_REMOTE_PROFILE_SDCPP] = {
    PM_REMOTE_PROFILE_SDCPP, "sdcpp", "stable-diffusion.cpp server", "stable-diffusion.cpp",
    "http://127.0.0.1:1234/v1", NULL,
    "base URL before /images/edits (sd-server listens on port 1234 by default)",
    PM_REMOTE_AUTH_BEARER, FALSE, compatible_options, pm_remote_sdcpp_edit,
  },
  [PM_REMOTE_PROFILE_COMFYUI] = {
    PM_REMOTE_PROFILE_COMFYUI, "comfyui", "ComfyUI workflow", "ComfyUI",
    "http://127.0.0.1:8188", "qwen-image-edit-2509",
    "ComfyUI's address (port 8188 by default)", PM_REMOTE_AUTH_BEARER, TRUE,
    comfyui_options, pm_remote_comfyui_edit,
  },
  [PM_REMOTE_PROFILE_GEMINI] = {
    PM_REMOTE_PROFILE_GEMINI, "gemini", "Google Gemini (Nano Banana)", "Gemini",
    "https://generativelanguage.googleapis.com", "gemini-2.5-flash-image",
    "API root before /v1beta/models", PM_REMOTE_AUTH_GOOG, FALSE, gemini_options,
    pm_remote_gemini_edit,
  },
  [PM_REMOTE_PROFILE_FAL] = {
    PM_REMOTE_PROFILE_FAL, "fal", "fal (hosted Qwen-Image-Edit, Kontext)", "fal",
    "https://queue.fal.run", "fal-ai/qwen-image-edit",
    "queue root before the model id", PM_REMOTE_AUTH_KEY, TRUE, fal_options,
    pm_remote_fal_edit,
  },
};

const PmRemoteProfileClass *
pm_remote_profile_get_class (PmRemoteProfile profile)
{
  g_return_val_if_fail (profile < PM_REMOTE_N_PROFILES, NULL);
  return &profiles[profile];
}

const char *
pm_remote_profile_to_string (PmRemoteProfile profile)
{
  g_return_val_if_fail (profile < PM_REMOTE_N_PROFILES, NULL);
  return profiles[profile].name;
}

gboolean
pm_remote_profile_from_string (const char      *name,
                               PmRemoteProfile *out)
{
  for (int i = 0; i < PM_REMOTE_N_PROFILES; i++)
    if (g_strcmp0 (name, profiles[i].name) == 0)
      {
        *out = (PmRemoteProfile) i;
        return TRUE;
      }
  return FALSE;
}

const char *
pm_remote_profile_get_title (PmRemoteProfile profile)
{
  return pm_remote_profile_get_class (profile)->title;
}

const char *
pm_remote_profile_get_short_title (PmRemoteProfile profile)
{
  return pm_remote_profile_get_class (profile)->short_title;
}

const char *
pm_remote_profile_get_default_endpoint (PmRemoteProfile profile)
{
  return pm_remote_profile_get_class (profile)->default_endpoint;
}

const char *
pm_remote_profile_get_default_model (PmRemoteProfile profile)
{
  return pm_remote_profile_get_class (profile)->default_model;
}

const char *
pm_remote_profile_get_endpoint_hint (PmRemoteProfile profile)
{
  return pm_remote_profile_get_class (profile)->endpoint_hint;
}

const char * const *
pm_remote_profile_list_options (PmRemoteProfile profile)
{
  return pm_remote_profile_get_class (profile)->options;
}

/* ---------------------------------------------------------------- defaults */

typedef enum {
  FAMILY_OTHER,
  FAMILY_QWEN_EDIT,
  FAMILY_KONTEXT,
} Family;

/* The model family a name points at; a server that names no model is taken to serve
 * Qwen-Image-Edit, the edit model these servers are run with. */
static Family
model_family (const char *model)
{
  g_autofree char *lower = model != NULL ? g_ascii_strdown (model, -1) : NULL;

  if (lower == NULL || *lower == '\0')
    return FAMILY_QWEN_EDIT;
  if (strstr (lower, "kontext") != NULL)
    return FAMILY_KONTEXT;
  if (strstr (lower, "qwen") != NULL)
    return FAMILY_QWEN_EDIT;
  return FAMILY_OTHER;
}

static void
add_default (GHashTable *options,
             const char *key,
             const char *value)
{
  if (!g_hash_table_contains (options, key))
    g_hash_table_insert (options, g_strdup (key), g_strdup (value));
}

void
pm_remote_profile_add_defaults (PmRemoteProfile  profile,
                                const char      *model,
                                GHashTable      *options)
{
  Family family;
  g_autofree char *seed = g_strdup_printf ("%d", PM_REMOTE_DEFAULT_SEED);

  if (model == NULL || *model == '\0')
    model = pm_remote_profile_get_default_model (profile);
  family = model_family (model);

  switch (profile)
    {
    case PM_REMOTE_PROFILE_OPENAI:
      /* gpt-image-1 keeps faces and details closer to the input with high fidelity. */
      add_default (options, "input_fidelity", "high");
      return;
    case PM_REMOTE_PROFILE_GEMINI:
      add_default (options, "seed", seed);
      return;
    case PM_REMOTE_PROFILE_OPENAI_COMPATIBLE:
    case PM_REMOTE_PROFILE_SDCPP:
    case PM_REMOTE_PROFILE_COMFYUI:
    case PM_REMOTE_PROFILE_FAL:
      add_default (options, "seed", seed);
      break;
    case PM_REMOTE_N_PROFILES:
    default:
      g_assert_not_reached ();
    }

  if (family == FAMILY_QWEN_EDIT)
    {
      add_default (options, "num_inference_steps", "40");
      /* fal's Qwen endpoints call the true CFG scale guidance_scale. */
      add_default (options, profile == PM_REMOTE_PROFILE_FAL ? "guidance_scale"
                                                            : "true_cfg_scale", "4.0");
      if (profile == PM_REMOTE_PROFILE_OPENAI_COMPATIBLE)
        add_default (options, "negative_prompt", " ");
    }
  else if (family == FAMILY_KONTEXT)
    {
      add_default (options, "num_inference_steps", "28");
      add_default (options, "guidance_scale", "2.5");
      /* Kontext is guidance-distilled: a real CFG of 1 (one pass). */
      if (profile == PM_REMOTE_PROFILE_SDCPP || profile == PM_REMOTE_PROFILE_COMFYUI)
        add_default (options, "true_cfg_scale", "1.0");
    }
}

static int
compare_keys (gconstpointer a,
              gconstpointer b)
{
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

char *
pm_remote_profile_describe_defaults (PmRemoteProfile profile,
                                     const char     *model)
{
  g_autoptr(GHashTable) options = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree const char **keys = NULL;
  GString *out = g_string_new (NULL);
  guint n = 0;

  pm_remote_profile_add_defaults (profile, model, options);
  keys = (const char **) g_hash_table_get_keys_as_array (options, &n);
  qsort (keys, n, sizeof *keys, compare_keys);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (out, "%s%s=%s", i > 0 ? "\n" : "", keys[i],
                            (const char *) g_hash_table_lookup (options, keys[i]));
  return g_string_free (out, FALSE);
}

/* ---------------------------------------------------------------- option checks */

static gboolean
parse_int (const char *text,
           gint64      min,
           gint64      max,
           gint64     *out)
{
  return g_ascii_string_to_signed (text, 10, min, max, out, NULL);
}

static gboolean
parse_double (const char *text,
              double      min,
              double      max,
              double     *out)
{
  char *end = NULL;
  double v;

  if (text == NULL || *text == '\0')
    return FALSE;
  v = g_ascii_strtod (text, &end);
  if (end == NULL || *end != '\0' || !isfinite (v) || v < min || v > max)
    return FALSE;
  *out = v;
  return TRUE;
}

/* "WxH" with both sides in 16..8192. */
static gboolean
parse_size (const char *text,
            int        *w,
            int        *h)
{
  g_auto(GStrv) parts = g_strsplit (text, "x", -1);
  gint64 a, b;

  if (g_strv_length (parts) != 2 || !parse_int (parts[0], 16, 8192, &a) ||
      !parse_int (parts[1], 16, 8192, &b))
    return FALSE;
  *w = (int) a;
  *h = (int) b;
  return TRUE;
}

static const char * const gemini_ratios[] = {
  "1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9", NULL
};

const char * const *
pm_remote_gemini_aspect_ratios (void)
{
  return gemini_ratios;
}

/* Checks one value; NULL when fine, else what is wrong with it. */
static const char *
check_value (PmRemoteProfile  profile,
             const char      *key,
             const char      *value)
{
  gint64 i;
  double d;
  int w, h;

  if (strcmp (key, "seed") == 0)
    return parse_int (value, 0, G_MAXINT32, &i) ? NULL : "not a whole number from 0 to 2147483647";
  if (strcmp (key, "num_inference_steps") == 0)
    return parse_int (value, 1, 200, &i) ? NULL : "not a whole number from 1 to 200";
  if (strcmp (key, "max_pixels") == 0)
    return parse_int (value, 4096, 64 * 1024 * 1024, &i) ? NULL
           : "not a pixel count from 4096 to 67108864";
  if (strcmp (key, "true_cfg_scale") == 0 || strcmp (key, "guidance_scale") == 0)
    return parse_double (value, 0, 20, &d) ? NULL : "not a number from 0 to 20";
  if (strcmp (key, "negative_prompt") == 0 || strcmp (key, "workflow") == 0)
    return g_utf8_validate (value, -1, NULL) ? NULL : "not valid UTF-8";
  if (strcmp (key, "input_fidelity") == 0)
    return g_strv_contains ((const char *[]) { "high", "low", NULL }, value) ? NULL
           : "not high or low";
  if (strcmp (key, "quality") == 0)
    return g_strv_contains ((const char *[]) { "auto", "low", "medium", "high", NULL }, value)
           ? NULL : "not auto, low, medium or high";
  if (strcmp (key, "aspect_ratio") == 0)
    return g_strv_contains (gemini_ratios, value) ? NULL
           : "not one of 1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9";
  if (strcmp (key, "size") == 0)
    {
      if (profile == PM_REMOTE_PROFILE_OPENAI)
        return g_strv_contains ((const char *[]) { "auto", "1024x1024", "1536x1024",
                                                   "1024x1536", NULL }, value)
               ? NULL : "not auto, 1024x1024, 1536x1024 or 1024x1536";
      return strcmp (value, "auto") == 0 || parse_size (value, &w, &h) ? NULL
             : "not auto or WIDTHxHEIGHT (16 to 8192 each)";
    }
  return NULL;
}

gboolean
pm_remote_options_validate (PmRemoteProfile      profile,
                            const char * const  *options,
                            GError             **error)
{
  const char * const *known = pm_remote_profile_list_options (profile);

  for (guint i = 0; options != NULL && options[i] != NULL; i++)
    {
      const char *eq = strchr (options[i], '=');
      g_autofree char *key = eq != NULL ? g_strndup (options[i], eq - options[i]) : NULL;
      const char *fault;

      if (eq == NULL || eq == options[i])
        {
          g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNKNOWN,
                       "Remote option “%s” is not KEY=VALUE", options[i]);
          return FALSE;
        }
      if (!g_strv_contains (known, key))
        {
          g_autofree char *list = g_strjoinv (", ", (char **) known);
          g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNKNOWN,
                       "Remote option “%s” is not one of profile %s (%s)", key,
                       pm_remote_profile_to_string (profile), list);
          return FALSE;
        }
      fault = check_value (profile, key, eq + 1);
      if (fault != NULL)
        {
          g_set_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_UNKNOWN,
                       "Remote option %s=“%s” is %s", key, eq + 1, fault);
          return FALSE;
        }
    }
  return TRUE;
}

/* ---------------------------------------------------------------- the job's options */

const char *
pm_remote_job_get_option (const PmRemoteJob *job,
                          const char        *key)
{
  return g_hash_table_lookup (job->options, key);
}

double
pm_remote_job_get_double (const PmRemoteJob *job,
                          const char        *key,
                          double             fallback)
{
  const char *v = pm_remote_job_get_option (job, key);
  return v != NULL ? g_ascii_strtod (v, NULL) : fallback;
}

gint64
pm_remote_job_get_int (const PmRemoteJob *job,
                       const char        *key,
                       gint64             fallback)
{
  const char *v = pm_remote_job_get_option (job, key);
  return v != NULL ? g_ascii_strtoll (v, NULL, 10) : fallback;
}

void
pm_remote_job_rounded_size (const PmRemoteJob *job,
                            int                step,
                            int               *width,
                            int               *height)
{
  *width = MAX (step, (int) lround ((double) job->upload->width / step) * step);
  *height = MAX (step, (int) lround ((double) job->upload->height / step) * step);
}
