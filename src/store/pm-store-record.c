/* pm-store-record.c: one way to record a run, for the CLI and the app alike.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-store"

#include "pm-store-record.h"

#include "pm-json.h"

/* The objects of a run that painted several, as the runs.items JSON array. */
static char *
items_to_json (const PmPipelineResult *result)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; i < result->n_items; i++)
    {
      const PmPipelineItem *item = &result->items[i];
      g_autofree char *hex = pm_color_to_hex (item->color);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "target");
      json_builder_add_string_value (builder, item->instruction->target);
      json_builder_set_member_name (builder, "color");
      json_builder_add_string_value (builder, hex);
      json_builder_set_member_name (builder, "color_name");
      json_builder_add_string_value (builder, item->color_name != NULL ? item->color_name : hex);
      json_builder_set_member_name (builder, "color_chosen");
      json_builder_add_boolean_value (builder, item->color_chosen);
      json_builder_set_member_name (builder, "result");
      json_builder_add_string_value (builder, pm_result_state_to_string (item->state));
      json_builder_set_member_name (builder, "mask_pixels");
      json_builder_add_int_value (builder, item->mask_pixels);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  return pm_json_to_string (root, FALSE);
}

/**
 * pm_store_record_run:
 * @store: a store
 * @request: the run as asked for
 * @result: (nullable): what the pipeline (pm_pipeline_run() or pm_pipeline_import())
 *   returned; %NULL for a failed run
 * @failure: (nullable): why the run failed, when @result is %NULL (%G_IO_ERROR_CANCELLED
 *   records a cancelled run)
 * @session_id_out: (out) (optional): the session the run went into
 * @error: return location for a #GError
 *
 * Records a run in one transaction, always the same way: the instruction as typed and as
 * parsed (JSON), the engine, model, paint colour, message, the stage timings as a JSON
 * object {stage: ms} (pm_timings_to_json()), the result state and mask size, and the
 * artifacts of #PmArtifactKind (edited — none for an empty result —, mask, soft_mask,
 * derived_mask). A run that painted several objects also stores each object's mask and
 * soft mask (with its item index) and describes the objects in runs.items. A failed run
 * has status "error" or "cancelled", result "failed", the error message and no artifacts.
 *
 * Returns: the run id, or 0 with @error set
 */
gint64
pm_store_record_run (PmStore                *store,
                     const PmRunRequest     *request,
                     const PmPipelineResult *result,
                     const GError           *failure,
                     gint64                 *session_id_out,
                     GError                **error)
{
  g_autoptr(PmInstruction) parsed = NULL;
  g_autofree char *parsed_json = NULL;
  g_autofree char *timings_json = NULL;
  g_autofree char *color = NULL;
  g_autofree char *items_json = NULL;
  g_autofree const PmMask **item_masks = NULL;
  g_autofree const PmMask **item_soft_masks = NULL;
  PmRunRecord record = { 0 };
  gint64 session_id = 0, run_id;

  g_return_val_if_fail (store != NULL, 0);
  g_return_val_if_fail (request != NULL, 0);
  g_return_val_if_fail (result != NULL || request->image != NULL || request->session_id > 0,
                        0);

  if (session_id_out != NULL)
    *session_id_out = 0;
  session_id = request->session_id;
  if (session_id <= 0)
    {
      session_id = pm_store_ensure_session (store, request->image, request->source_path, error);
      if (session_id <= 0)
        return 0;
    }

  record.session_id = session_id;
  record.parent_run_id = request->parent_run_id;
  record.instruction = request->instruction != NULL ? request->instruction
                       : result != NULL ? result->instruction->text : "";
  record.params_json = request->params_json;
  record.started_at = request->started_at > 0 ? request->started_at : g_get_real_time ();
  record.mask_pixels = -1;
  if (result != NULL)
    {
      parsed_json = pm_instruction_to_json_string (result->instruction);
      timings_json = pm_timings_to_json_string (result->timings);
      color = pm_color_to_hex (result->color);
      record.engine = result->engine;
      record.model = result->model;
      record.color = color;
      record.status = "ok";
      record.message = result->message;
      record.duration_ms = request->duration_ms >= 0 ? request->duration_ms
                                                     : pm_timings_get (result->timings, "total");
      record.result = pm_result_state_to_string (result->state);
      record.mask_pixels = result->mask_pixels;
      /* An empty result painted nothing: its edit is the session's image. */
      record.edited = result->state != PM_RESULT_EMPTY ? result->edited : NULL;
      record.mask = result->mask;
      record.soft_mask = result->soft_mask;
      record.derived_mask = result->derived_mask;
      if (result->n_items > 1)
        {
          items_json = items_to_json (result);
          item_masks = g_new (const PmMask *, result->n_items);
          item_soft_masks = g_new (const PmMask *, result->n_items);
          for (guint i = 0; i < result->n_items; i++)
            {
              item_masks[i] = result->items[i].mask;
              item_soft_masks[i] = result->items[i].soft_mask;
            }
          record.n_items = result->n_items;
          record.item_masks = item_masks;
          record.item_soft_masks = item_soft_masks;
          record.items_json = items_json;
        }
    }
  else
    {
      parsed = pm_instruction_parse (request->instruction != NULL ? request->instruction : "");
      parsed_json = pm_instruction_to_json_string (parsed);
      record.engine = request->engine;
      record.status = g_error_matches (failure, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                      ? "cancelled" : "error";
      record.error = failure != NULL ? failure->message : NULL;
      record.duration_ms = request->duration_ms >= 0
                           ? request->duration_ms
                           : (g_get_real_time () - record.started_at) / 1000.0;
      record.result = pm_result_state_to_string (PM_RESULT_FAILED);
    }
  record.parsed_json = parsed_json;
  record.timings_json = timings_json;

  run_id = pm_store_add_run (store, &record, error);
  if (run_id > 0 && session_id_out != NULL)
    *session_id_out = session_id;
  return run_id;
}
