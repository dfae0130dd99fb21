/* pm-engine-text.c: what the app says about engines: the instruction placeholder, "What can
 * I type?" and human names for the stages engines report.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Engines report stages as short technical ids ("grabcut 3/4", "vision layer 7/12"); this is
 * the one place that turns them into what a person reads in the progress card.
 */
#define G_LOG_DOMAIN "pm-engine-text"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pm-engine-text.h"

/**
 * pm_engine_text_get_example:
 * @engine: an engine id ("builtin", "clipseg", "remote", …)
 *
 * Returns: an instruction @engine can carry out, translated
 */
const char *
pm_engine_text_get_example (const char *engine)
{
  /* Translators: keep these instructions in English: the instruction parser and the engines
   * read English only. */
  if (g_strcmp0 (engine, "builtin") == 0)
    /* The built-in engine knows colours and places, not object names. */
    return _("paint the red thing on the left blue");
  if (g_strcmp0 (engine, "remote") == 0)
    return _("paint the car blue");
  return _("paint the cup purple");
}

/**
 * pm_engine_text_get_placeholder:
 * @engine: an engine id
 *
 * Returns: (transfer full): the instruction entry's placeholder for @engine
 */
char *
pm_engine_text_get_placeholder (const char *engine)
{
  return g_strdup_printf (_("Try “%s”"), pm_engine_text_get_example (engine));
}

/**
 * pm_engine_text_get_help_markup:
 * @engine: an engine id
 *
 * Returns: (transfer full): Pango markup for "What can I type?": what @engine understands
 */
char *
pm_engine_text_get_help_markup (const char *engine)
{
  g_autofree char *example = g_markup_escape_text (pm_engine_text_get_example (engine), -1);
  const char *common = _("Start with <i>paint … in a colour</i> (“paint the … green”, “make "
                         "the … #ff8800”), or <i>segment …</i> to paint in the Paint Colour. "
                         "Places and order pick among several: <i>on the left</i>, <i>at the "
                         "top right</i>, <i>in the centre</i>, <i>the second from the "
                         "left</i>, <i>the biggest</i>, <i>the smallest</i>.");

  if (g_strcmp0 (engine, "builtin") == 0)
    return g_strdup_printf (_("<b>The built-in engine</b> finds things by <b>colour</b> (red, "
                              "orange, yellow, green, blue, purple, pink, brown, black, "
                              "white, grey…) and by <b>place</b>. It does not know what things "
                              "are called: without a colour or a place it picks the most "
                              "eye-catching object and says so.\n\n%s\n\nTry: <i>%s</i>\n\n"
                              "Object names need the CLIPSeg engine (Preferences → Models)."),
                            common, example);
  if (g_strcmp0 (engine, "clipseg") == 0)
    return g_strdup_printf (_("<b>CLIPSeg</b> knows the names of everyday things and short "
                              "descriptions: “the banana”, “the girl with the red mask”, "
                              "“the dog on the sofa”.\n\n%s\n\nTry: <i>%s</i>"),
                            common, example);
  if (g_strcmp0 (engine, "remote") == 0)
    return g_strdup_printf (_("<b>The remote editor</b> understands whatever its model "
                              "understands. Paintmask asks it to paint the thing you name in "
                              "the colour you name and to change nothing else, then reads the "
                              "mask from the difference.\n\n%s\n\nTry: <i>%s</i>"),
                            common, example);
  return g_strdup_printf (_("%s\n\nTry: <i>%s</i>"), common, example);
}

/* ---------------------------------------------------------------- stages */

typedef struct {
  const char *id;      /* the stage id, or its start before a counter ("grabcut 3/4") */
  const char *text;    /* N_() */
} Stage;

static const Stage stages[] = {
  { "parsing", N_("Reading the instruction…") },
  { "loading model", N_("Loading the model…") },
  { "running engine", N_("Finding the object…") },
  /* built-in engine */
  { "finding cues", N_("Finding the object…") },
  { "grabcut", N_("Refining edges…") },
  { "refining edges", N_("Refining edges…") },
  /* CLIPSeg */
  { "encoding image", N_("Looking at the photo…") },
  { "vision layer", N_("Looking at the photo…") },
  { "vision encoder done", N_("Looking at the photo…") },
  { "encoding text", N_("Reading the instruction…") },
  { "decoding", N_("Finding the object…") },
  /* remote editor */
  { "sending the photo", N_("Sending the photo…") },
  { "waiting for the editor", N_("Waiting for the editor…") },
  { "server busy", N_("The editor is busy; trying again…") },
  { "receiving the edited image", N_("Receiving the edited photo…") },
  { "edited image received", N_("Receiving the edited photo…") },
  /* the pipeline, after the engine */
  { "painting", N_("Painting…") },
  { "deriving mask", N_("Reading the mask from the edit…") },
  /* An engine's "done" comes before painting: the run is not over yet. */
  { "done", N_("Finishing…") },
};

/* Whether @stage is @id, or @id followed by a counter or details ("grabcut 3/4"). */
static gboolean
stage_matches (const char *stage,
               const char *id)
{
  gsize n = strlen (id);

  return strncmp (stage, id, n) == 0 &&
         (stage[n] == '\0' || stage[n] == ' ' || stage[n] == ',' || stage[n] == '(');
}

/**
 * pm_engine_text_describe_stage:
 * @stage: a stage id reported by an engine or the pipeline
 *
 * Returns: (transfer full): what to show for @stage ("Refining edges…" for "grabcut 3/4");
 *   an id not known here is shown as it is, capitalised, with an ellipsis
 */
char *
pm_engine_text_describe_stage (const char *stage)
{
  g_autofree char *first = NULL;

  if (stage == NULL || *stage == '\0')
    return g_strdup (_("Working…"));
  for (guint i = 0; i < G_N_ELEMENTS (stages); i++)
    if (stage_matches (stage, stages[i].id))
      return g_strdup (_(stages[i].text));
  /* A stage added to an engine without a name here still reads like a sentence. */
  first = g_utf8_strup (stage, g_utf8_next_char (stage) - stage);
  return g_strconcat (first, g_utf8_next_char (stage), g_str_has_suffix (stage, "…") ? "" : "…",
                      NULL);
}
