/* pm-cli-items.c: what `edit` and `derive` share for edits of several objects.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "paintmask-cli"

#include "pm-cli-items.h"
#include "pm-cli-dataset.h"
#include "pm-maskio.h"

#include <string.h>

gboolean
pm_cli_parse_colors (const char  *command,
                     char       **texts,
                     guint        max,
                     const char  *too_many,
                     PmRgb       *colors,
                     guint       *n)
{
  guint count = texts != NULL ? g_strv_length (texts) : 0;

  *n = 0;
  if (count > max)
    {
      pm_cli_error (command, "--color given %u times, %s", count, too_many);
      return FALSE;
    }
  for (guint i = 0; i < count; i++)
    if (!pm_cli_parse_color (command, "--color", texts[i], &colors[i]))
      return FALSE;
  *n = count;
  return TRUE;
}

char *
pm_cli_item_file_name (guint       index,
                       const char *name)
{
  g_autoptr(GString) slug = g_string_new (NULL);
  g_autofree char *down = g_utf8_strdown (name != NULL ? name : "", -1);

  for (const char *p = down; *p != '\0' && slug->len < 60; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isalnum (c))
        g_string_append_unichar (slug, c);
      else if (slug->len > 0 && slug->str[slug->len - 1] != '-')
        g_string_append_c (slug, '-');
    }
  while (slug->len > 0 && slug->str[slug->len - 1] == '-')
    g_string_truncate (slug, slug->len - 1);
  return g_strdup_printf ("%u-%s.png", index, slug->len > 0 ? slug->str : "object");
}

int
pm_cli_check_item_outputs (const char         *command,
                           const char         *labels,
                           const char         *masks,
                           const char * const *inputs)
{
  int code;

  if (labels != NULL)
    {
      code = pm_cli_check_output (command, "--labels", labels);
      if (code != PM_EXIT_OK)
        return code;
      for (guint i = 0; inputs != NULL && inputs[i] != NULL; i++)
        if (pm_cli_same_file (labels, inputs[i]))
          {
            pm_cli_error (command, "--labels %s: would overwrite %s", labels, inputs[i]);
            return PM_EXIT_ERROR;
          }
    }
  if (masks != NULL)
    {
      code = pm_cli_dataset_check_dir (command, "--masks", masks);
      if (code != PM_EXIT_OK)
        return code;
    }
  return PM_EXIT_OK;
}

gboolean
pm_cli_write_item_masks (const char          *command,
                         const char          *dir,
                         guint                n,
                         PmMask * const      *masks,
                         const char * const  *names,
                         GStrv               *paths_out)
{
  g_autoptr(GStrvBuilder) paths = g_strv_builder_new ();

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *file = pm_cli_item_file_name (i + 1, names[i]);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      g_autoptr(GError) error = NULL;

      if (!pm_mask_save_png (masks[i], path, FALSE, &error))
        {
          pm_cli_error_file (command, path, error);
          return FALSE;
        }
      g_strv_builder_add (paths, path);
    }
  if (paths_out != NULL)
    *paths_out = g_strv_builder_end (paths);
  return TRUE;
}

gboolean
pm_cli_write_labels (const char     *command,
                     const char     *path,
                     const PmLabels *labels)
{
  g_autoptr(GError) error = NULL;

  if (pm_labels_save_png (labels, path, &error))
    return TRUE;
  pm_cli_error_file (command, path, error);
  return FALSE;
}

void
pm_cli_json_add_items (JsonBuilder            *builder,
                       const PmPipelineResult *result,
                       char                  **mask_paths)
{
  json_builder_set_member_name (builder, "items");
  json_builder_begin_array (builder);
  for (guint i = 0; i < result->n_items; i++)
    {
      const PmPipelineItem *item = &result->items[i];
      g_autofree char *hex = pm_color_to_hex (item->color);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "index");
      json_builder_add_int_value (builder, i + 1);
      pm_cli_json_add_string (builder, "target", item->instruction->target);
      pm_cli_json_add_string (builder, "action", pm_action_to_string (item->instruction->action));
      pm_cli_json_add_string (builder, "color", hex);
      pm_cli_json_add_string (builder, "color_name", item->color_name);
      json_builder_set_member_name (builder, "color_chosen");
      json_builder_add_boolean_value (builder, item->color_chosen);
      pm_cli_json_add_string (builder, "result", pm_result_state_to_string (item->state));
      pm_cli_json_add_string (builder, "message", item->message);
      json_builder_set_member_name (builder, "mask_pixels");
      json_builder_add_int_value (builder, item->mask_pixels);
      json_builder_set_member_name (builder, "derived_iou");
      json_builder_add_double_value (builder, item->derived_iou);
      pm_cli_json_add_string (builder, "mask", mask_paths != NULL ? mask_paths[i] : NULL);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}
