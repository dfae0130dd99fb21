/* pm-cli-bench.c: `paintmask bench`: engine speed and memory on one image.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * clipseg: load time (mmap + tokenizer; the weights are packed for the kernels by a thread
 * the load starts, timed apart as pack_ms), a warm-up run, then N cold runs (vision cache
 * cleared) whose model stages give the forward time, N cache-hit runs (a second instruction
 * on the same image), per-stage medians and the peak RSS; the compute: kernels in use,
 * each op's GFLOP/s against the cores' measured peak, bytes moved per vision layer. sam:
 * load time, a warm-up, then N image encodings (cache cleared) and, after each, a few
 * clicks on the cached embedding (one point, one mask; and with three masks); its weights
 * are packed by a thread the load starts too (pack_ms, alongside the warm-up). Other
 * engines: load and run times.
 */
#define G_LOG_DOMAIN "paintmask-bench"

#include "config.h"

#include <glib/gi18n.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <json-glib/json-glib.h>

#include "pm-cli.h"
#include "pm-cli-util.h"
#include "pm-engine.h"
#include "pm-image.h"
#include "pm-instruction.h"
#include "pm-clipseg-engine.h"
#include "pm-cpu.h"
#include "pm-ops.h"
#include "pm-sam-engine.h"

/* Stages that make up the model's forward pass (the rest is post-processing). */
static const char * const forward_stages[] = {
  "preprocess", "vision embeddings", "vision encoder", "tokenize", "text encoder", "decoder",
  NULL
};

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (GArray *values)
{
  g_autoptr(GArray) copy = NULL;

  if (values->len == 0)
    return 0;
  copy = g_array_copy (values);
  qsort (copy->data, copy->len, sizeof (double), compare_doubles);
  if (copy->len % 2 == 1)
    return g_array_index (copy, double, copy->len / 2);
  return (g_array_index (copy, double, copy->len / 2 - 1) +
          g_array_index (copy, double, copy->len / 2)) / 2;
}

/* Peak resident set size in MB: VmHWM from /proc, else getrusage. */
static double
peak_rss_mb (void)
{
  g_autofree char *status = NULL;
  struct rusage usage;

  if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    {
      const char *line = strstr (status, "VmHWM:");
      if (line != NULL)
        return g_ascii_strtod (line + 6, NULL) / 1024.0;
    }
  if (getrusage (RUSAGE_SELF, &usage) == 0)
    return usage.ru_maxrss / 1024.0;
  return 0;
}

/* Per-stage samples: stage name → GArray of double. */
static void
collect (GHashTable      *stages,
         GPtrArray       *order,
         const PmTimings *timings)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < timings->items->len; i++)
    {
      const PmTiming *t = &g_array_index (timings->items, PmTiming, i);
      GArray *samples;
      double ms;

      if (g_hash_table_contains (seen, t->stage))
        continue;
      g_hash_table_add (seen, t->stage);
      samples = g_hash_table_lookup (stages, t->stage);
      if (samples == NULL)
        {
          samples = g_array_new (FALSE, FALSE, sizeof (double));
          g_hash_table_insert (stages, g_strdup (t->stage), samples);
          g_ptr_array_add (order, g_strdup (t->stage));
        }
      ms = pm_timings_get (timings, t->stage);
      g_array_append_val (samples, ms);
    }
}

static double
forward_ms_of (const PmTimings *timings)
{
  double sum = 0;
  for (int i = 0; forward_stages[i] != NULL; i++)
    sum += pm_timings_get (timings, forward_stages[i]);
  return sum;
}

static gboolean
run_once (PmEngine            *engine,
          const PmImage       *image,
          const PmInstruction *instruction,
          double              *total_ms,
          PmTimings          **timings_out,
          GError             **error)
{
  PmEngineResult result = { 0 };
  double t0 = pm_now_ms ();

  if (!pm_engine_run (engine, image, instruction, NULL, NULL, NULL, &result, error))
    return FALSE;
  *total_ms = pm_now_ms () - t0;
  *timings_out = g_steal_pointer (&result.timings);
  pm_engine_result_clear (&result);
  return TRUE;
}

/* ---------------------------------------------------------------- compute report */

typedef struct {
  int         threads;
  PmPrecision precision;
  double      peak_f32;       /* GFLOP/s of one core */
  double      peak_bf16;
  double      pack_ms;
  GArray     *ops;            /* PmOpProfileEntry over the timed runs */
  int         cold_runs;
} Compute;

static void
compute_clear (Compute *c)
{
  g_clear_pointer (&c->ops, g_array_unref);
}

/* All cores' peak for the precision the ops run in. */
static double
compute_peak (const Compute *c)
{
  double core = c->precision == PM_PRECISION_BF16 ? c->peak_bf16 : c->peak_f32;
  return core * c->threads;
}

static double
entry_gflops (const PmOpProfileEntry *e)
{
  return e->ms > 0 ? e->flops / (e->ms * 1e6) : 0;
}

/* Image-encoder layers per cold run (CLIPSeg's "vision", SAM's "encoder") and the bytes
 * their ops moved per layer. */
static double
vision_layer_mb (const Compute *c,
                 int           *layers)
{
  double bytes = 0;
  int attention_calls = 0;

  for (guint i = 0; i < c->ops->len; i++)
    {
      const PmOpProfileEntry *e = &g_array_index (c->ops, PmOpProfileEntry, i);
      if (strcmp (e->scope, "vision") != 0 && strcmp (e->scope, "encoder") != 0)
        continue;
      if (strcmp (e->op, "attention") == 0)
        attention_calls += e->calls;
      bytes += e->bytes;
    }
  *layers = c->cold_runs > 0 ? attention_calls / c->cold_runs : 0;
  return attention_calls > 0 ? bytes / attention_calls / 1e6 : 0;
}

static void
compute_json (JsonBuilder   *b,
              const Compute *c)
{
  int layers;
  double layer_mb = vision_layer_mb (c, &layers);

  json_builder_set_member_name (b, "isa");
  json_builder_add_string_value (b, pm_isa_to_string (pm_cpu_get_isa ()));
  json_builder_set_member_name (b, "precision");
  json_builder_add_string_value (b, pm_precision_to_string (c->precision));
  json_builder_set_member_name (b, "threads");
  json_builder_add_int_value (b, c->threads);
  json_builder_set_member_name (b, "pack_ms");
  json_builder_add_double_value (b, c->pack_ms);
  json_builder_set_member_name (b, "peak_gflops_per_core");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "f32");
  json_builder_add_double_value (b, c->peak_f32);
  json_builder_set_member_name (b, "bf16");
  json_builder_add_double_value (b, c->peak_bf16);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "peak_gflops");
  json_builder_add_double_value (b, compute_peak (c));
  json_builder_set_member_name (b, "vision_layers");
  json_builder_add_int_value (b, layers);
  json_builder_set_member_name (b, "vision_layer_mb_moved");
  json_builder_add_double_value (b, layer_mb);
  json_builder_set_member_name (b, "ops");
  json_builder_begin_array (b);
  for (guint i = 0; i < c->ops->len; i++)
    {
      const PmOpProfileEntry *e = &g_array_index (c->ops, PmOpProfileEntry, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "scope");
      json_builder_add_string_value (b, e->scope);
      json_builder_set_member_name (b, "op");
      json_builder_add_string_value (b, e->op);
      json_builder_set_member_name (b, "shape");
      json_builder_begin_array (b);
      json_builder_add_int_value (b, e->m);
      json_builder_add_int_value (b, e->n);
      json_builder_add_int_value (b, e->k);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "calls");
      json_builder_add_int_value (b, e->calls);
      json_builder_set_member_name (b, "ms_per_call");
      json_builder_add_double_value (b, e->ms / e->calls);
      json_builder_set_member_name (b, "gflops");
      json_builder_add_double_value (b, entry_gflops (e));
      json_builder_set_member_name (b, "of_peak");
      json_builder_add_double_value (b, compute_peak (c) > 0 ? entry_gflops (e) / compute_peak (c)
                                                             : 0);
      json_builder_set_member_name (b, "mb_moved_per_call");
      json_builder_add_double_value (b, e->bytes / e->calls / 1e6);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
compute_print (const Compute *c)
{
  int layers;
  double layer_mb = vision_layer_mb (c, &layers);

  printf ("compute: %s kernels, %s, %d threads; peak %.0f GFLOP/s (%.1f f32 / %.1f bf16 per "
          "core); weights packed in %.1f ms\n", pm_isa_to_string (pm_cpu_get_isa ()),
          pm_precision_to_string (c->precision), c->threads, compute_peak (c), c->peak_f32,
          c->peak_bf16, c->pack_ms);
  printf ("  %-8s %-9s %-16s %6s %9s %8s %6s %9s\n", "scope", "op", "shape", "calls",
          "ms/call", "GFLOP/s", "peak", "MB/call");
  for (guint i = 0; i < c->ops->len; i++)
    {
      const PmOpProfileEntry *e = &g_array_index (c->ops, PmOpProfileEntry, i);
      g_autofree char *shape = g_strdup_printf ("%" G_GINT64_FORMAT "×%" G_GINT64_FORMAT "×%"
                                                G_GINT64_FORMAT, e->m, e->n, e->k);

      printf ("  %-8s %-9s %-16s %6d %9.3f %8.1f %5.0f%% %9.2f\n", e->scope, e->op, shape,
              e->calls, e->ms / e->calls, entry_gflops (e),
              compute_peak (c) > 0 ? 100 * entry_gflops (e) / compute_peak (c) : 0,
              e->bytes / e->calls / 1e6);
    }
  printf ("  vision: %d layers, %.1f MB moved per layer\n", layers, layer_mb);
}

/* ---------------------------------------------------------------- sam */

/* Clicks timed after each encoding: the median of these is prompt_ms. */
#define SAM_CLICKS 5

/* CPU time of the whole process (all threads), ms: on a shared machine the wall time of a
 * step includes waiting for a core; this does not. */
static double
cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char * const sam_encode_stages[] = {
  "preprocess", "patch embedding", "encoder layers", "neck", "decoder cache", NULL
};

static double
sum_stages (const PmTimings    *t,
            const char * const *names)
{
  double ms = 0;

  for (int i = 0; names[i] != NULL; i++)
    ms += pm_timings_get (t, names[i]);
  return ms;
}

/* One click at @p (one mask, or three): wall time of the whole call. @key is the image's
 * fingerprint, made once as the app makes it once per photo. */
static gboolean
sam_click (PmEngine       *engine,
           const PmImage  *image,
           const char     *key,
           PmSamPoint     *p,
           gboolean        multimask,
           GArray         *samples,
           GArray         *cpu_samples,
           GHashTable     *stages,
           GPtrArray      *order,
           GError        **error)
{
  PmSamPrompt prompt = { p, 1, FALSE, { 0 }, multimask };
  g_autoptr(PmTimings) t = pm_timings_new ();
  g_autoptr(PmSamResult) r = NULL;
  double t0 = pm_now_ms (), c0 = cpu_ms (), ms, cpu;

  r = pm_sam_engine_segment_keyed (engine, image, key, &prompt, PM_SAM_SEGMENT_DEFAULT, NULL, NULL,
                                   NULL, t, error);
  if (r == NULL)
    return FALSE;
  ms = pm_now_ms () - t0;
  cpu = cpu_ms () - c0;
  g_array_append_val (samples, ms);
  if (cpu_samples != NULL)
    g_array_append_val (cpu_samples, cpu);
  if (!multimask)
    collect (stages, order, t);
  return TRUE;
}

static int
bench_sam (PmEngine      *engine,
           const PmImage *image,
           const char    *image_path,
           double         load_ms,
           double         load_cpu_ms,
           int            runs,
           gboolean       json)
{
  g_autoptr(GHashTable) stages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) g_array_unref);
  g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) encode = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) click = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) click3 = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) encode_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) click_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GError) error = NULL;
  PmSamPoint p = { image->width / 2.0f, image->height / 2.0f, 1 };
  double warmup_ms, t0;
  gsize weights = pm_sam_engine_get_weights_bytes (engine);
  Compute compute = { 0 };
  g_autofree char *key = pm_engine_image_fingerprint (image);

  /* warm-up: page-in of the weights, allocator, threads */
  t0 = pm_now_ms ();
  if (!pm_sam_engine_encode_keyed (engine, image, key, NULL, NULL, NULL, NULL, &error))
    goto failed;
  warmup_ms = pm_now_ms () - t0;
  compute.pack_ms = pm_sam_get_pack_ms (pm_sam_engine_get_model (engine));
  if (!sam_click (engine, image, key, &p, FALSE, click, NULL, stages, order, &error))
    goto failed;
  g_array_set_size (click, 0);
  g_hash_table_remove_all (stages);
  g_ptr_array_set_size (order, 0);

  for (int r = 0; r < runs; r++)
    {
      g_autoptr(PmTimings) t = pm_timings_new ();
      double ms, c0;

      pm_sam_engine_clear_cache (engine);
      /* the encoder's ops are profiled (per-op GFLOP/s), not the clicks' */
      pm_ops_profile_enable (TRUE);
      c0 = cpu_ms ();
      if (!pm_sam_engine_encode_keyed (engine, image, key, NULL, NULL, NULL, t, &error))
        goto failed;
      ms = cpu_ms () - c0;
      pm_ops_profile_enable (FALSE);
      g_array_append_val (encode_cpu, ms);
      ms = sum_stages (t, sam_encode_stages);
      g_array_append_val (encode, ms);
      collect (stages, order, t);
      for (int c = 0; c < SAM_CLICKS; c++)
        {
          /* clicks spread over the image, as a user's are */
          p.x = image->width * (0.2f + 0.15f * c);
          p.y = image->height * (0.3f + 0.1f * c);
          if (!sam_click (engine, image, key, &p, FALSE, click, click_cpu, stages, order, &error) ||
              !sam_click (engine, image, key, &p, TRUE, click3, NULL, stages, order, &error))
            goto failed;
        }
    }

  compute.ops = pm_ops_profile_take ();
  compute.cold_runs = runs;
  compute.threads = pm_ops_get_threads ();
  compute.precision = pm_sam_get_precision (pm_sam_engine_get_model (engine));
  pm_cpu_measure_peak (pm_cpu_get_isa (), 100, &compute.peak_f32, &compute.peak_bf16);
  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
#define NUM(k, v) json_builder_set_member_name (b, k); json_builder_add_double_value (b, v)
#define INT(k, v) json_builder_set_member_name (b, k); json_builder_add_int_value (b, v)
      json_builder_set_member_name (b, "engine");
      json_builder_add_string_value (b, "sam");
      json_builder_set_member_name (b, "model");
      json_builder_add_string_value (b, pm_sam_engine_get_model_name (engine));
      json_builder_set_member_name (b, "image");
      json_builder_add_string_value (b, image_path);
      INT ("width", image->width);
      INT ("height", image->height);
      INT ("runs", runs);
      NUM ("load_ms", load_ms);
      NUM ("load_cpu_ms", load_cpu_ms);
      NUM ("warmup_ms", warmup_ms);
      NUM ("encode_ms", median (encode));
      NUM ("prompt_ms", median (click));
      NUM ("prompt_multimask_ms", median (click3));
      NUM ("encode_cpu_ms", median (encode_cpu));
      NUM ("prompt_cpu_ms", median (click_cpu));
      NUM ("peak_rss_mb", peak_rss_mb ());
      NUM ("weights_f32_mb", weights / 1e6);
#undef NUM
#undef INT
      json_builder_set_member_name (b, "stages_ms");
      json_builder_begin_object (b);
      for (guint i = 0; i < order->len; i++)
        {
          json_builder_set_member_name (b, order->pdata[i]);
          json_builder_add_double_value (b, median (g_hash_table_lookup (stages,
                                                                         order->pdata[i])));
        }
      json_builder_end_object (b);
      compute_json (b, &compute);   /* isa, precision, threads, per-op GFLOP/s, peak */
      json_builder_end_object (b);
      pm_cli_print_json (json_builder_get_root (b));
      compute_clear (&compute);
      return PM_EXIT_OK;
    }
  printf ("engine sam (%s) on %s (%d×%d), %d encodings after a warm-up, %d clicks each\n",
          pm_sam_engine_get_model_name (engine), image_path, image->width, image->height, runs,
          SAM_CLICKS);
  printf ("  %-22s %9s\n", "precision",
          pm_precision_to_string (pm_sam_get_precision (pm_sam_engine_get_model (engine))));
  printf ("  %-22s %9.1f ms (CPU %.1f ms)\n", "load", load_ms, load_cpu_ms);
  printf ("  %-22s %9.1f ms\n", "warm-up encoding", warmup_ms);
  for (guint i = 0; i < order->len; i++)
    printf ("  %-22s %9.1f ms\n", (const char *) order->pdata[i],
            median (g_hash_table_lookup (stages, order->pdata[i])));
  printf ("  %-22s %9.1f ms (median)\n", "encode", median (encode));
  printf ("  %-22s %9.1f ms (median)\n", "prompt (one click)", median (click));
  printf ("  %-22s %9.1f ms (median)\n", "prompt, three masks", median (click3));
  printf ("  %-22s %9.1f ms (median, all threads)\n", "encode CPU time", median (encode_cpu));
  printf ("  %-22s %9.1f ms (median, all threads)\n", "prompt CPU time", median (click_cpu));
  printf ("  %-22s %9.1f MB\n", "peak RSS", peak_rss_mb ());
  printf ("  %-22s %9.1f MB\n", "weights as float32", weights / 1e6);
  compute_print (&compute);
  compute_clear (&compute);
  return PM_EXIT_OK;

failed:
  pm_ops_profile_enable (FALSE);
  compute_clear (&compute);
  pm_cli_error ("bench", "%s", error->message);
  return pm_cli_exit_code (error);
}

static int
bench_run (int              argc,
           char           **argv,
           PmCliEngineArgs *engine_args_out);

int
pm_cli_bench (int    argc,
              char **argv)
{
  PmCliEngineArgs engine_args = { 0 };
  int rc = bench_run (argc, argv, &engine_args);

  pm_cli_engine_args_clear (&engine_args);
  return rc;
}

static int
bench_run (int              argc,
           char           **argv,
           PmCliEngineArgs *engine_args_out)
{
  g_autofree char *phrase = NULL;
  gboolean json = FALSE;
  int runs = 3;
  GOptionEntry entries[] = {
    { "runs", 'n', 0, G_OPTION_ARG_INT, &runs, N_("Timed runs after the warm-up (3)"), "N" },
    { "phrase", 'p', 0, G_OPTION_ARG_STRING, &phrase, N_("Prompt (default \"the cat\")"), "TEXT" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = NULL;
  PmCliEngineArgs *engine_args = engine_args_out;
  g_auto(GStrv) args = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmImage) image = NULL;
  g_autoptr(PmEngine) engine = NULL;
  g_autoptr(PmInstruction) first = NULL;
  g_autoptr(PmInstruction) second = NULL;
  g_autoptr(GHashTable) stages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) g_array_unref);
  g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) forward = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) total = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) hits = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) hits_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GHashTable) hit_stages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                            (GDestroyNotify) g_array_unref);
  g_autoptr(GPtrArray) hit_order = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) hits_new = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) hits_new_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) total_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *first_text = NULL, *second_text = NULL;
  const char *engine_name, *image_path;
  double load_ms, load_cpu_ms, warmup_ms = 0, t0;
  gboolean is_clipseg;
  gsize weights_bytes = 0;
  Compute compute = { 0 };
  int rc = PM_EXIT_OK;

  ctx = pm_cli_context_new ("bench", "IMAGE",
                            "Measure an engine's speed and memory on IMAGE, e.g. "
                            "'paintmask bench --engine clipseg photo.jpg --json'.\n"
                            "--engine sam reports load_ms, encode_ms (the image encoder), "
                            "prompt_ms (one click on the cached embedding) and peak_rss_mb.");
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  pm_cli_add_engine_options (ctx, engine_args);
  if (!pm_cli_parse (ctx, "bench", argc, argv, &args))
    return PM_EXIT_USAGE;
  if (g_strv_length (args) != 1)
    {
      pm_cli_error ("bench", "expected one IMAGE (see 'paintmask bench --help')");
      return PM_EXIT_USAGE;
    }
  if (runs < 1 || runs > 1000)
    {
      pm_cli_error ("bench", "--runs must be 1…1000");
      return PM_EXIT_USAGE;
    }
  if (engine_args->engine == NULL)
    engine_args->engine = g_strdup ("builtin");
  engine_name = engine_args->engine;
  is_clipseg = strcmp (engine_name, "clipseg") == 0;
  if (phrase == NULL)
    phrase = g_strdup ("the cat");
  image_path = args[0];

  image = pm_cli_load_image ("bench", image_path);
  if (image == NULL)
    return PM_EXIT_ERROR;

  t0 = pm_now_ms ();
  load_cpu_ms = cpu_ms ();
  engine = pm_cli_engine_new ("bench", engine_args, &rc);
  load_ms = pm_now_ms () - t0;
  load_cpu_ms = cpu_ms () - load_cpu_ms;
  if (engine == NULL)
    return rc;
  if (strcmp (engine_name, "sam") == 0)
    return bench_sam (engine, image, image_path, load_ms, load_cpu_ms, runs, json);

  first_text = g_strdup_printf ("segment %s", phrase);
  second_text = g_strdup_printf ("segment %s in the middle", phrase);
  first = pm_instruction_parse (first_text);
  second = pm_instruction_parse (second_text);

  /* Warm-up (page-in of the mapped weights, allocator, BLAS threads). */
  {
    g_autoptr(PmTimings) timings = NULL;
    if (!run_once (engine, image, first, &warmup_ms, &timings, &error))
      goto failed;
  }

  pm_ops_profile_enable (TRUE);
  g_clear_pointer (&compute.ops, g_array_unref);
  compute.ops = pm_ops_profile_take ();   /* drop the warm-up's */
  for (int r = 0; r < runs; r++)
    {
      g_autoptr(PmTimings) timings = NULL;
      g_autoptr(PmTimings) hit_timings = NULL;
      double ms, hit_ms, hit_cpu, run_cpu;

      if (is_clipseg)
        pm_clipseg_engine_clear_cache (engine);
      run_cpu = cpu_ms ();
      if (!run_once (engine, image, first, &ms, &timings, &error))
        goto failed;
      run_cpu = cpu_ms () - run_cpu;
      g_array_append_val (total, ms);
      g_array_append_val (total_cpu, run_cpu);
      {
        double f = is_clipseg ? forward_ms_of (timings) : ms;
        g_array_append_val (forward, f);
      }
      collect (stages, order, timings);
      /* A second instruction on the same image. */
      hit_cpu = cpu_ms ();
      if (!run_once (engine, image, second, &hit_ms, &hit_timings, &error))
        goto failed;
      hit_cpu = cpu_ms () - hit_cpu;
      g_array_append_val (hits, hit_ms);
      g_array_append_val (hits_cpu, hit_cpu);
      collect (hit_stages, hit_order, hit_timings);
      if (is_clipseg)
        {
          /* The same again with the text encoder run: a phrase not seen before. */
          g_autoptr(PmTimings) new_timings = NULL;

          pm_clipseg_engine_clear_text_cache (engine);
          hit_cpu = cpu_ms ();
          if (!run_once (engine, image, second, &hit_ms, &new_timings, &error))
            goto failed;
          hit_cpu = cpu_ms () - hit_cpu;
          g_array_append_val (hits_new, hit_ms);
          g_array_append_val (hits_new_cpu, hit_cpu);
        }
    }
  pm_ops_profile_enable (FALSE);
  g_clear_pointer (&compute.ops, g_array_unref);
  compute.ops = pm_ops_profile_take ();
  compute.cold_runs = runs;
  compute.threads = pm_ops_get_threads ();
  compute.precision = pm_precision_resolve (PM_PRECISION_F32);
  if (is_clipseg)
    {
      weights_bytes = pm_clipseg_engine_get_weights_bytes (engine);
      compute.precision = pm_clipseg_engine_get_precision (engine);
      compute.pack_ms = pm_clipseg_engine_get_pack_ms (engine);
    }
  pm_cpu_measure_peak (pm_cpu_get_isa (), 100, &compute.peak_f32, &compute.peak_bf16);

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "engine");
      json_builder_add_string_value (b, engine_name);
      json_builder_set_member_name (b, "image");
      json_builder_add_string_value (b, image_path);
      json_builder_set_member_name (b, "width");
      json_builder_add_int_value (b, image->width);
      json_builder_set_member_name (b, "height");
      json_builder_add_int_value (b, image->height);
      json_builder_set_member_name (b, "runs");
      json_builder_add_int_value (b, runs);
      json_builder_set_member_name (b, "load_ms");
      json_builder_add_double_value (b, load_ms);
      json_builder_set_member_name (b, "load_cpu_ms");
      json_builder_add_double_value (b, load_cpu_ms);
      json_builder_set_member_name (b, "warmup_ms");
      json_builder_add_double_value (b, warmup_ms);
      json_builder_set_member_name (b, "forward_ms");
      json_builder_add_double_value (b, median (forward));
      json_builder_set_member_name (b, "total_ms");
      json_builder_add_double_value (b, median (total));
      json_builder_set_member_name (b, "cache_hit_ms");
      json_builder_add_double_value (b, median (hits));
      json_builder_set_member_name (b, "cache_hit_cpu_ms");
      json_builder_add_double_value (b, median (hits_cpu));
      if (is_clipseg)
        {
          json_builder_set_member_name (b, "cache_hit_new_phrase_ms");
          json_builder_add_double_value (b, median (hits_new));
          json_builder_set_member_name (b, "cache_hit_new_phrase_cpu_ms");
          json_builder_add_double_value (b, median (hits_new_cpu));
        }
      json_builder_set_member_name (b, "total_cpu_ms");
      json_builder_add_double_value (b, median (total_cpu));
      json_builder_set_member_name (b, "peak_rss_mb");
      json_builder_add_double_value (b, peak_rss_mb ());
      json_builder_set_member_name (b, "weights_f32_mb");
      json_builder_add_double_value (b, weights_bytes / 1e6);
      json_builder_set_member_name (b, "stages_ms");
      json_builder_begin_object (b);
      for (guint i = 0; i < order->len; i++)
        {
          json_builder_set_member_name (b, order->pdata[i]);
          json_builder_add_double_value (b, median (g_hash_table_lookup (stages,
                                                                         order->pdata[i])));
        }
      json_builder_end_object (b);
      json_builder_set_member_name (b, "cache_hit_stages_ms");
      json_builder_begin_object (b);
      for (guint i = 0; i < hit_order->len; i++)
        {
          json_builder_set_member_name (b, hit_order->pdata[i]);
          json_builder_add_double_value (b, median (g_hash_table_lookup (hit_stages,
                                                                         hit_order->pdata[i])));
        }
      json_builder_end_object (b);
      compute_json (b, &compute);
      json_builder_end_object (b);
      pm_cli_print_json (json_builder_get_root (b));
      compute_clear (&compute);
      return PM_EXIT_OK;
    }

  printf ("engine %s on %s (%d×%d), %d runs after a warm-up\n", engine_name, image_path,
          image->width, image->height, runs);
  printf ("  %-22s %9.1f ms\n", "load", load_ms);
  printf ("  %-22s %9.1f ms\n", "warm-up run", warmup_ms);
  for (guint i = 0; i < order->len; i++)
    printf ("  %-22s %9.1f ms\n", (const char *) order->pdata[i],
            median (g_hash_table_lookup (stages, order->pdata[i])));
  printf ("  %-22s %9.1f ms (median)\n", is_clipseg ? "forward" : "run", median (forward));
  printf ("  %-22s %9.1f ms (median)\n", "total", median (total));
  printf ("  %-22s %9.1f ms (median; CPU %.1f ms)\n", "second instruction", median (hits),
          median (hits_cpu));
  if (is_clipseg)
    printf ("  %-22s %9.1f ms (median; CPU %.1f ms)\n", "… with a new phrase",
            median (hits_new), median (hits_new_cpu));
  printf ("  %-22s %9.1f MB%s\n", "peak RSS", peak_rss_mb (),
          weights_bytes > 0 ? "" : "");
  if (weights_bytes > 0)
    printf ("  %-22s %9.1f MB\n", "weights as float32", weights_bytes / 1e6);
  compute_print (&compute);
  compute_clear (&compute);
  return PM_EXIT_OK;

failed:
  pm_ops_profile_enable (FALSE);
  compute_clear (&compute);
  pm_cli_error ("bench", "%s", error->message);
  return pm_cli_exit_code (error);
}
