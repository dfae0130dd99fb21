/* pm-mask-tools.c: the mask correction tools: the canvas reports what the pointer did, this
 * turns it into corrections of the document's mask (src/core does the pixels).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A brush or eraser stroke is one correction from press to release: each motion paints the
 * capsule from the previous point (pm_mask_paint_segment), so a fast mouse leaves no gaps,
 * and marks its rectangle dirty; the document repaints the edit there and the canvas redraws
 * it. A closed lasso fills its polygon (nonzero rule: a loop drawn twice still fills). The
 * box and the clicks refine the mask with GrabCut (pm-mask-refine.c), and the mask menu's
 * operations run pm_mask_op_apply(), in a worker: the result is applied as one correction
 * unless the mask changed meanwhile.
 *
 * The clicks of the click tool form a session: each click refines the mask the session
 * started from with all its clicks, so the next click corrects the last result rather than
 * piling up; Esc, undo or another correction ends it, and its dots go.
 *
 * With a SAM model installed the box and the clicks go to SAM (pm-sam-refine.c) instead:
 * the photo is encoded once, in the background, as soon as the box or click tool is picked,
 * and each prompt then costs the decoder alone (pm-mask-tools-sam.c). GrabCut remains the
 * fallback (no model, or SAM failed). Either way the answer replaces the mask inside the
 * box, or near the clicks.
 */
#define G_LOG_DOMAIN "pm-mask-tools"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "pm-mask-paint.h"
#include "pm-mask-refine.h"
#include "pm-mask-tools-private.h"
#include "pm-metrics.h"
#include "pm-sam-engine.h"

G_DEFINE_FINAL_TYPE (PmMaskTools, pm_mask_tools, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_WORKING,
  PROP_COMPARE,
  PROP_POINTER_STATUS,
  PROP_COMPARE_STATUS,
  N_PROPS
};

enum {
  SIGNAL_MESSAGE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---------------------------------------------------------------- strokes */

static void
paint (PmMaskTools *self,
       double       x0,
       double       y0,
       double       x1,
       double       y1)
{
  PmMask *mask = pm_document_get_working_mask (self->document);
  PmRect dirty;

  if (mask != NULL && pm_mask_paint_segment (mask, &self->brush, x0, y0, x1, y1, &dirty))
    pm_document_mark_dirty (self->document, &dirty);
  self->last_x = x1;
  self->last_y = y1;
}

static void
stroke_begin_cb (PmMaskTools *self,
                 double       x,
                 double       y)
{
  gboolean erase = pm_canvas_get_tool (self->canvas) == PM_CANVAS_TOOL_ERASER;

  if (!pm_document_begin_correction (self->document, erase ? _("Eraser") : _("Brush")))
    return;
  pm_brush_init (&self->brush, pm_canvas_get_brush_radius (self->canvas));
  self->brush.hardness = pm_canvas_get_brush_hardness (self->canvas);
  self->brush.erase = erase;
  self->stroking = TRUE;
  paint (self, x, y, x, y);
}

static void
stroke_to_cb (PmMaskTools *self,
              double       x,
              double       y)
{
  if (self->stroking && pm_document_get_correcting (self->document))
    paint (self, self->last_x, self->last_y, x, y);
}

static void
stroke_end_cb (PmMaskTools *self)
{
  if (!self->stroking)
    return;
  self->stroking = FALSE;
  pm_document_commit_correction (self->document);
}

static void
lasso_done_cb (PmMaskTools   *self,
               const PmPoint *points,
               guint          n_points,
               gboolean       remove)
{
  PmMask *mask;
  PmRect dirty;

  if (!pm_document_begin_correction (self->document,
                                     remove ? _("Lasso Remove") : _("Lasso")))
    return;
  mask = pm_document_get_working_mask (self->document);
  if (pm_mask_fill_polygon (mask, points, n_points, PM_FILL_NONZERO, remove ? 0.0f : 1.0f,
                            &dirty))
    pm_document_mark_dirty (self->document, &dirty);
  pm_document_commit_correction (self->document);
}

/* ---------------------------------------------------------------- jobs in a worker */

typedef enum {
  JOB_OP,
  JOB_BOX,
  JOB_CLICKS,
} JobKind;

typedef struct {
  PmMaskTools *self;        /* strong */
  JobKind      kind;
  PmMaskOp     op;          /* JOB_OP; its box for JOB_BOX */
  PmPhoto     *photo;       /* strong: its pixels never change, so the worker reads them */
  const PmImage *image;     /* the photo's pixels */
  PmMask      *mask;        /* in: the mask to correct; JOB_OP works on it in place */
  PmMask      *result;
  GArray      *clicks;      /* JOB_CLICKS, of PmClick */
  PmEngine    *sam;         /* nullable: answer with SAM */
  guint        generation;  /* the tools' generation when the job was made */
  char        *label;
  char        *sam_failure; /* why SAM did not answer, when GrabCut did instead */
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_object_unref (job->self);
  g_clear_pointer (&job->photo, pm_photo_unref);
  g_clear_pointer (&job->mask, pm_mask_free);
  g_clear_pointer (&job->result, pm_mask_free);
  g_clear_pointer (&job->clicks, g_array_unref);
  g_clear_pointer (&job->sam, pm_engine_unref);
  g_free (job->label);
  g_free (job->sam_failure);
  g_free (job);
}

/* SAM's answer to the job's box or clicks, put into the job's mask (pm-sam-refine.c); NULL
 * with @error if SAM failed. */
static PmMask *
refine_with_sam (Job           *job,
                 GCancellable  *cancellable,
                 GError       **error)
{
  /* the photo's fingerprint is made once: a click does not hash 12 MP again */
  const char *key = pm_photo_get_fingerprint (job->photo);

  if (job->kind == JOB_BOX)
    return pm_sam_refine_box (job->sam, job->image, key, job->mask, &job->op.box,
                              cancellable, error);
  return pm_sam_refine_clicks (job->sam, job->image, key, job->mask,
                               (const PmClick *) job->clicks->data, job->clicks->len,
                               cancellable, error);
}

/* The refinement itself: SAM when installed (GrabCut if it fails), else GrabCut; or a mask
 * operation. */
static PmMask *
refine_in_thread (Job           *job,
                  GCancellable  *cancellable,
                  GError       **error)
{
  if (job->sam != NULL && job->kind != JOB_OP)
    {
      g_autoptr(GError) sam_error = NULL;
      PmMask *out = refine_with_sam (job, cancellable, &sam_error);

      if (out != NULL)
        return out;
      if (g_error_matches (sam_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&sam_error));
          return NULL;
        }
      g_debug ("SAM could not refine the mask, GrabCut does: %s", sam_error->message);
      job->sam_failure = g_strdup (sam_error->message);
    }
  switch (job->kind)
    {
    case JOB_BOX:
      return pm_mask_refine_box (job->image, job->mask, &job->op.box, NULL, NULL, cancellable,
                                 error);
    case JOB_CLICKS:
      return pm_mask_refine_clicks (job->image, job->mask, (const PmClick *) job->clicks->data,
                                    job->clicks->len, NULL, NULL, cancellable, error);
    case JOB_OP:
    default:
      if (!pm_mask_op_apply (job->mask, &job->op, job->image, NULL, cancellable, error))
        return NULL;
      return g_steal_pointer (&job->mask);
    }
}

static void
job_thread (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;

  job->result = refine_in_thread (job, cancellable, &error);
  if (job->result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
set_working (PmMaskTools *self,
             GCancellable *job)
{
  gboolean was = self->job != NULL;

  if (self->job != NULL)
    g_cancellable_cancel (self->job);
  g_set_object (&self->job, job);
  if (was != (job != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKING]);
}

static void
job_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Job *job = g_task_get_task_data (G_TASK (result));
  PmMaskTools *self = job->self;
  GCancellable *cancellable = g_task_get_cancellable (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, error->message);
    }
  else if (self->document != NULL && job->generation == self->generation &&
           !g_cancellable_is_cancelled (cancellable) &&
           pm_document_begin_correction (self->document, job->label))
    {
      self->committing_clicks = job->kind == JOB_CLICKS;
      pm_document_replace_working_mask (self->document, g_steal_pointer (&job->result), NULL);
      pm_document_commit_correction (self->document);
      self->committing_clicks = FALSE;
      if (job->kind == JOB_CLICKS)
        self->click_generation = self->generation;
      /* GrabCut answered for a SAM that failed (a damaged model, say): said once for each
       * reason, not at every click */
      if (job->sam_failure != NULL && g_strcmp0 (job->sam_failure, self->sam_failure) != 0)
        {
          g_autofree char *text = g_strdup_printf (_("SAM failed, so GrabCut answered: %s"),
                                                   job->sam_failure);

          g_free (self->sam_failure);
          self->sam_failure = g_steal_pointer (&job->sam_failure);
          g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, text);
        }
    }
  if (self->job == cancellable)
    set_working (self, NULL);
}

/* Runs @job (taken) on the mask on screen; a job already running is cancelled. */
static void
start_job (PmMaskTools *self,
           Job         *job,
           const PmMask *mask)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GTask) task = NULL;

  job->self = g_object_ref (self);
  /* a reference, not a copy of the pixels (48 MB on 12 MP): they never change */
  job->photo = pm_photo_ref (pm_document_get_photo (self->document));
  job->image = job->photo->image;
  job->mask = pm_mask_copy (mask);
  job->generation = self->generation;
  if (job->kind != JOB_OP && self->sam != NULL)
    job->sam = pm_engine_ref (self->sam);
  set_working (self, cancellable);
  task = g_task_new (NULL, cancellable, job_done_cb, NULL);
  g_task_set_task_data (task, job, job_free);
  g_task_run_in_thread (task, job_thread);
}

static gboolean
can_correct (PmMaskTools *self)
{
  return self->document != NULL && pm_document_get_image (self->document) != NULL &&
         pm_document_get_shown_mask (self->document) != NULL;
}

static const char *
op_label (PmMaskOpKind kind)
{
  switch (kind)
    {
    case PM_MASK_OP_FILL_HOLES: return _("Fill Holes");
    case PM_MASK_OP_REMOVE_ISLANDS: return _("Remove Islands");
    case PM_MASK_OP_GROW: return _("Grow");
    case PM_MASK_OP_SHRINK: return _("Shrink");
    case PM_MASK_OP_INVERT: return _("Invert");
    case PM_MASK_OP_CLEAR: return _("Clear");
    case PM_MASK_OP_GRABCUT_BOX:
    default: return _("Box Refine");
    }
}

/**
 * pm_mask_tools_apply_op:
 * @kind: the operation
 * @amount: its radius or island size, where it has one
 *
 * Applies a mask menu operation to the mask on screen as one correction.
 */
void
pm_mask_tools_apply_op (PmMaskTools  *self,
                        PmMaskOpKind  kind,
                        int           amount)
{
  Job *job;

  g_return_if_fail (PM_IS_MASK_TOOLS (self));
  if (!can_correct (self))
    return;
  pm_document_commit_correction (self->document);
  job = g_new0 (Job, 1);
  job->kind = JOB_OP;
  job->op.kind = kind;
  job->op.amount = amount;
  job->label = g_strdup (op_label (kind));
  start_job (self, job, pm_document_get_shown_mask (self->document));
}

static void
box_done_cb (PmMaskTools *self,
             int          x,
             int          y,
             int          width,
             int          height)
{
  Job *job;

  if (!can_correct (self))
    return;
  job = g_new0 (Job, 1);
  job->kind = JOB_BOX;
  job->op.kind = PM_MASK_OP_GRABCUT_BOX;
  job->op.box = (PmRect) { x, y, width, height };
  job->label = g_strdup (_("Box Refine"));
  start_job (self, job, pm_document_get_shown_mask (self->document));
}

static void
end_click_session (PmMaskTools *self)
{
  g_array_set_size (self->clicks, 0);
  g_clear_pointer (&self->click_base, pm_mask_free);
}

static void
click_added_cb (PmMaskTools *self,
                double       x,
                double       y,
                gboolean     foreground)
{
  PmClick click = { x, y, foreground };
  Job *job;

  if (!can_correct (self))
    return;
  /* Anything else that changed the mask since the session's last result starts a new one. */
  if (self->click_base != NULL && self->click_generation != self->generation)
    end_click_session (self);
  if (self->click_base == NULL)
    {
      self->click_base = pm_mask_copy (pm_document_get_shown_mask (self->document));
      self->click_generation = self->generation;
    }
  g_array_append_val (self->clicks, click);
  job = g_new0 (Job, 1);
  job->kind = JOB_CLICKS;
  job->clicks = g_array_copy (self->clicks);
  job->label = g_strdup (_("Click Refine"));
  start_job (self, job, self->click_base);
}

static void
clicks_cleared_cb (PmMaskTools *self)
{
  end_click_session (self);
}

/* ---------------------------------------------------------------- the canvas's tool */

static void
tool_changed_cb (PmMaskTools *self)
{
  PmCanvasTool tool = pm_canvas_get_tool (self->canvas);

  if (tool != PM_CANVAS_TOOL_BOX && tool != PM_CANVAS_TOOL_CLICK)
    return;
  pm_mask_tools_look_up_sam (self);
  pm_mask_tools_encode_photo (self);
}

/* ---------------------------------------------------------------- status */

static void
set_string (PmMaskTools *self,
            char       **field,
            char        *value,
            int          prop)
{
  if (g_strcmp0 (*field, value) == 0)
    {
      g_free (value);
      return;
    }
  g_free (*field);
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

/* The status line for the pixel under the pointer: position, photo colour, mask value. */
static void
update_pointer_status (PmMaskTools *self)
{
  const PmImage *image = self->document ? pm_document_get_image (self->document) : NULL;
  const PmMask *mask = self->document ? pm_document_get_shown_mask (self->document) : NULL;
  double x = self->pointer_x, y = self->pointer_y;
  char *text;

  if (!self->pointer_inside || image == NULL)
    text = g_strdup ("");
  else
    {
      int ix = CLAMP ((int) floor (x), 0, image->width - 1);
      int iy = CLAMP ((int) floor (y), 0, image->height - 1);
      const guint8 *p = image->data + ((gsize) iy * image->width + ix) * 4;

      if (mask != NULL)
        /* Translators: a pixel's position, colour and mask value under the pointer. */
        text = g_strdup_printf (_("x %d  y %d  ·  RGB %d %d %d  ·  mask %.2f"), ix, iy, p[0],
                                p[1], p[2], mask->data[(gsize) iy * mask->width + ix]);
      else
        text = g_strdup_printf (_("x %d  y %d  ·  RGB %d %d %d"), ix, iy, p[0], p[1], p[2]);
    }
  set_string (self, &self->pointer_status, text, PROP_POINTER_STATUS);
}

static void
pointer_moved_cb (PmMaskTools *self,
                  double       x,
                  double       y,
                  gboolean     inside)
{
  self->pointer_x = x;
  self->pointer_y = y;
  self->pointer_inside = inside;
  update_pointer_status (self);
}

static gboolean
update_compare (gpointer user_data)
{
  PmMaskTools *self = user_data;
  PmRunEntry *entry = self->document ? pm_document_get_current (self->document) : NULL;
  const PmMask *mask = self->document ? pm_document_get_shown_mask (self->document) : NULL;
  char *text = g_strdup ("");

  self->compare_idle = 0;
  if (self->compare && entry != NULL && entry->base != NULL && mask != NULL &&
      mask->width == entry->base->width && mask->height == entry->base->height)
    {
      g_free (text);
      /* Translators: how much the corrected mask and the engine's agree. */
      text = g_strdup_printf (_("IoU %.3f with the engine’s mask"),
                              pm_mask_iou (mask, entry->base, NULL, NULL));
    }
  set_string (self, &self->compare_status, text, PROP_COMPARE_STATUS);
  return G_SOURCE_REMOVE;
}

/* The IoU is a pass over the photo: once per burst of changes, not per brush dab. */
static void
queue_compare (PmMaskTools *self)
{
  if (self->compare_idle == 0)
    self->compare_idle = g_timeout_add (120, update_compare, self);
}

static void
show_compare_mask (PmMaskTools *self)
{
  PmRunEntry *entry = pm_document_get_current (self->document);

  if (self->compare && entry != NULL && entry->base != NULL && pm_canvas_has_image (self->canvas))
    pm_canvas_set_compare_mask (self->canvas, entry->base);
  else if (pm_canvas_has_compare_mask (self->canvas))
    pm_canvas_set_compare_mask (self->canvas, NULL);
  queue_compare (self);
}

/**
 * pm_mask_tools_set_compare:
 * @compare: whether to show the run's own mask as a second contour, with the IoU
 */
void
pm_mask_tools_set_compare (PmMaskTools *self,
                           gboolean     compare)
{
  g_return_if_fail (PM_IS_MASK_TOOLS (self));
  compare = !!compare;
  if (self->compare == compare)
    return;
  self->compare = compare;
  if (self->document != NULL)
    show_compare_mask (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPARE]);
}

gboolean
pm_mask_tools_get_compare (PmMaskTools *self)
{
  g_return_val_if_fail (PM_IS_MASK_TOOLS (self), FALSE);
  return self->compare;
}

const char *
pm_mask_tools_get_pointer_status (PmMaskTools *self)
{
  g_return_val_if_fail (PM_IS_MASK_TOOLS (self), "");
  return self->pointer_status;
}

const char *
pm_mask_tools_get_compare_status (PmMaskTools *self)
{
  g_return_val_if_fail (PM_IS_MASK_TOOLS (self), "");
  return self->compare_status;
}

gboolean
pm_mask_tools_get_working (PmMaskTools *self)
{
  g_return_val_if_fail (PM_IS_MASK_TOOLS (self), FALSE);
  return self->job != NULL;
}

/* ---------------------------------------------------------------- the document */

static void
mask_changed_cb (PmMaskTools *self)
{
  self->generation++;
  /* Any other change of the mask (undo, redo, a stroke, an operation) ends the click
   * session, and its dots go with it: the dots on screen are always the clicks that made
   * the mask on screen, and the next click starts from this mask. */
  if (!self->committing_clicks && self->clicks->len > 0 && self->canvas != NULL)
    pm_canvas_clear_clicks (self->canvas);
  queue_compare (self);
  /* The mask value under a pointer that did not move. */
  update_pointer_status (self);
}

static void
current_changed_cb (PmMaskTools *self)
{
  self->generation++;
  self->stroking = FALSE;
  end_click_session (self);
  pm_canvas_cancel_tool (self->canvas);
  set_working (self, NULL);
  show_compare_mask (self);
  update_pointer_status (self);
  /* A photo just opened is encoded for SAM at once, in the background, so that its first
   * box or click costs only the decoder (nothing is done when it is already encoded). */
  pm_mask_tools_look_up_sam (self);
  pm_mask_tools_encode_photo (self);
}

/* ---------------------------------------------------------------- GObject */

/**
 * pm_mask_tools_new:
 * @canvas: the canvas whose tools to listen to
 * @document: the document whose mask to correct
 *
 * Returns: (transfer full): the tools
 */
PmMaskTools *
pm_mask_tools_new (PmCanvas   *canvas,
                   PmDocument *document)
{
  PmMaskTools *self;

  g_return_val_if_fail (PM_IS_CANVAS (canvas) && PM_IS_DOCUMENT (document), NULL);
  self = g_object_new (PM_TYPE_MASK_TOOLS, NULL);
  self->canvas = canvas;
  self->document = document;
  g_signal_group_set_target (self->canvas_signals, canvas);
  g_signal_group_set_target (self->document_signals, document);
  return self;
}

/**
 * pm_mask_tools_detach:
 *
 * Lets go of the canvas and the document; a job in flight is dropped.
 */
void
pm_mask_tools_detach (PmMaskTools *self)
{
  g_return_if_fail (PM_IS_MASK_TOOLS (self));
  set_working (self, NULL);
  if (self->encoding != NULL)
    g_cancellable_cancel (self->encoding);
  g_clear_object (&self->encoding);
  g_signal_group_set_target (self->canvas_signals, NULL);
  g_signal_group_set_target (self->document_signals, NULL);
  g_clear_handle_id (&self->compare_idle, g_source_remove);
  self->canvas = NULL;
  self->document = NULL;
}

static void
pm_mask_tools_dispose (GObject *object)
{
  PmMaskTools *self = PM_MASK_TOOLS (object);

  pm_mask_tools_detach (self);
  g_clear_object (&self->canvas_signals);
  g_clear_object (&self->document_signals);
  G_OBJECT_CLASS (pm_mask_tools_parent_class)->dispose (object);
}

static void
pm_mask_tools_finalize (GObject *object)
{
  PmMaskTools *self = PM_MASK_TOOLS (object);

  end_click_session (self);
  g_array_unref (self->clicks);
  g_clear_pointer (&self->sam, pm_engine_unref);
  g_free (self->encoding_key);
  g_free (self->sam_failure);
  g_free (self->pointer_status);
  g_free (self->compare_status);
  G_OBJECT_CLASS (pm_mask_tools_parent_class)->finalize (object);
}

static void
pm_mask_tools_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  PmMaskTools *self = PM_MASK_TOOLS (object);

  switch (prop_id)
    {
    case PROP_WORKING: g_value_set_boolean (value, self->job != NULL); break;
    case PROP_COMPARE: g_value_set_boolean (value, self->compare); break;
    case PROP_POINTER_STATUS: g_value_set_string (value, self->pointer_status); break;
    case PROP_COMPARE_STATUS: g_value_set_string (value, self->compare_status); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_mask_tools_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  PmMaskTools *self = PM_MASK_TOOLS (object);

  switch (prop_id)
    {
    case PROP_COMPARE: pm_mask_tools_set_compare (self, g_value_get_boolean (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_mask_tools_class_init (PmMaskToolsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = pm_mask_tools_dispose;
  object_class->finalize = pm_mask_tools_finalize;
  object_class->get_property = pm_mask_tools_get_property;
  object_class->set_property = pm_mask_tools_set_property;

  properties[PROP_WORKING] = g_param_spec_boolean ("working", NULL, NULL, FALSE, ro);
  properties[PROP_COMPARE] =
    g_param_spec_boolean ("compare", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_POINTER_STATUS] = g_param_spec_string ("pointer-status", NULL, NULL, "", ro);
  properties[PROP_COMPARE_STATUS] = g_param_spec_string ("compare-status", NULL, NULL, "", ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* ::message (text): a refinement failed; one line for the user. */
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
pm_mask_tools_init (PmMaskTools *self)
{
  GSignalGroup *c, *d;

  self->clicks = g_array_new (FALSE, FALSE, sizeof (PmClick));
  self->pointer_status = g_strdup ("");
  self->compare_status = g_strdup ("");

  c = self->canvas_signals = g_signal_group_new (PM_TYPE_CANVAS);
  g_signal_group_connect_swapped (c, "stroke-begin", G_CALLBACK (stroke_begin_cb), self);
  g_signal_group_connect_swapped (c, "stroke-to", G_CALLBACK (stroke_to_cb), self);
  g_signal_group_connect_swapped (c, "stroke-end", G_CALLBACK (stroke_end_cb), self);
  g_signal_group_connect_swapped (c, "lasso-done", G_CALLBACK (lasso_done_cb), self);
  g_signal_group_connect_swapped (c, "box-done", G_CALLBACK (box_done_cb), self);
  g_signal_group_connect_swapped (c, "click-added", G_CALLBACK (click_added_cb), self);
  g_signal_group_connect_swapped (c, "clicks-cleared", G_CALLBACK (clicks_cleared_cb), self);
  g_signal_group_connect_swapped (c, "pointer-moved", G_CALLBACK (pointer_moved_cb), self);
  g_signal_group_connect_swapped (c, "notify::tool", G_CALLBACK (tool_changed_cb), self);

  d = self->document_signals = g_signal_group_new (PM_TYPE_DOCUMENT);
  g_signal_group_connect_swapped (d, "mask-changed", G_CALLBACK (mask_changed_cb), self);
  g_signal_group_connect_swapped (d, "current-changed", G_CALLBACK (current_changed_cb), self);
}
