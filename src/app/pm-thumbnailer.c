/* pm-thumbnailer.c: small previews of image files on a worker thread (see pm-thumbnailer.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-thumbnailer"

#include "config.h"

#include "pm-thumbnailer.h"

struct _PmThumbnailer
{
  GObject       parent_instance;

  int           width;
  int           height;
  guint         cache_size;
  GThreadPool  *pool;        /* one thread: the other core stays with the window */
  GHashTable   *cache;       /* file → GdkTexture, or a NULL value for a file that failed */
  GQueue        order;       /* of file (owned by cache's keys), oldest first */
  gint          serial;      /* of requests, so that the newest is decoded first */
  guint         n_made;
};

G_DEFINE_FINAL_TYPE (PmThumbnailer, pm_thumbnailer, G_TYPE_OBJECT)

typedef struct {
  PmThumbnailer   *self;     /* owned */
  char            *file;
  int              width;
  int              height;
  gint             serial;
  GCancellable    *cancellable;
  PmThumbnailFunc  callback;
  gpointer         user_data;
  GDestroyNotify   user_data_free;
  GdkTexture      *texture;  /* the worker's answer */
} Request;

static void
request_free (Request *req)
{
  if (req->user_data_free != NULL)
    req->user_data_free (req->user_data);
  g_clear_object (&req->cancellable);
  g_clear_object (&req->texture);
  g_object_unref (req->self);
  g_free (req->file);
  g_free (req);
}

static void
cache_insert (PmThumbnailer *self,
              const char    *file,
              GdkTexture    *texture)
{
  char *key;

  if (g_hash_table_contains (self->cache, file))
    return;
  key = g_strdup (file);
  g_hash_table_insert (self->cache, key, texture != NULL ? g_object_ref (texture) : NULL);
  g_queue_push_tail (&self->order, key);
  while (self->order.length > self->cache_size)
    g_hash_table_remove (self->cache, g_queue_pop_head (&self->order));
}

/* Main thread: caches the answer and hands it on unless the asker has gone. */
static gboolean
request_done_main (gpointer data)
{
  Request *req = data;

  if (g_cancellable_is_cancelled (req->cancellable))
    return G_SOURCE_REMOVE;
  cache_insert (req->self, req->file, req->texture);
  req->callback (req->texture, req->user_data);
  return G_SOURCE_REMOVE;
}

static void
worker (gpointer data,
        gpointer pool_data)
{
  Request *req = data;

  if (!g_cancellable_is_cancelled (req->cancellable))
    {
      /* JPEG decodes at a reduced scale here, so a 12 MP photo costs little; the texture is
       * made here too (textures are immutable, and made once). */
      g_autoptr(GdkPixbuf) loaded = gdk_pixbuf_new_from_file_at_scale (req->file, req->width,
                                                                       req->height, TRUE,
                                                                       NULL);
      g_autoptr(GdkPixbuf) oriented = loaded != NULL
                                      ? gdk_pixbuf_apply_embedded_orientation (loaded) : NULL;

      if (oriented != NULL)
        req->texture = gdk_texture_new_for_pixbuf (oriented);
      g_atomic_int_inc (&req->self->n_made);
    }
  g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT_IDLE, request_done_main, req,
                              (GDestroyNotify) request_free);
}

/* Newest first: a fast scroll's old requests wait (and are cancelled meanwhile). */
static gint
compare_requests (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  const Request *ra = a, *rb = b;

  return rb->serial - ra->serial;
}

static void
pm_thumbnailer_finalize (GObject *object)
{
  PmThumbnailer *self = PM_THUMBNAILER (object);

  /* Requests hold a reference: the pool is empty by now. */
  g_thread_pool_free (self->pool, TRUE, FALSE);
  g_queue_clear (&self->order);
  g_hash_table_unref (self->cache);
  G_OBJECT_CLASS (pm_thumbnailer_parent_class)->finalize (object);
}

static void
pm_thumbnailer_class_init (PmThumbnailerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pm_thumbnailer_finalize;
}

static void
unref_nullable (gpointer object)
{
  if (object != NULL)
    g_object_unref (object);
}

static void
pm_thumbnailer_init (PmThumbnailer *self)
{
  self->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, unref_nullable);
  g_queue_init (&self->order);
  self->pool = g_thread_pool_new (worker, NULL, 1, FALSE, NULL);
  g_thread_pool_set_sort_function (self->pool, compare_requests, NULL);
}

/**
 * pm_thumbnailer_new:
 * @width: the widest a preview is, in pixels
 * @height: the tallest
 * @cache_size: how many previews to keep
 *
 * Returns: (transfer full): a thumbnailer
 */
PmThumbnailer *
pm_thumbnailer_new (int   width,
                    int   height,
                    guint cache_size)
{
  PmThumbnailer *self;

  g_return_val_if_fail (width > 0 && height > 0 && cache_size > 0, NULL);
  self = g_object_new (PM_TYPE_THUMBNAILER, NULL);
  self->width = width;
  self->height = height;
  self->cache_size = cache_size;
  return self;
}

/**
 * pm_thumbnailer_lookup:
 *
 * Returns: (transfer none) (nullable): the cached preview of @file, or %NULL if none is
 *   cached (or the file could not be read)
 */
GdkTexture *
pm_thumbnailer_lookup (PmThumbnailer *self,
                       const char    *file)
{
  g_return_val_if_fail (PM_IS_THUMBNAILER (self), NULL);
  return g_hash_table_lookup (self->cache, file);
}

/**
 * pm_thumbnailer_request:
 * @file: an image file
 * @cancellable: (nullable): cancel when the preview is no longer wanted
 * @callback: called on the main thread, unless cancelled first
 *
 * Makes the preview of @file on the worker (newest request first) and caches it.
 */
void
pm_thumbnailer_request (PmThumbnailer   *self,
                        const char      *file,
                        GCancellable    *cancellable,
                        PmThumbnailFunc  callback,
                        gpointer         user_data,
                        GDestroyNotify   user_data_free)
{
  Request *req;

  g_return_if_fail (PM_IS_THUMBNAILER (self));
  g_return_if_fail (file != NULL && callback != NULL);

  req = g_new0 (Request, 1);
  req->self = g_object_ref (self);
  req->file = g_strdup (file);
  req->width = self->width;
  req->height = self->height;
  req->serial = ++self->serial;
  req->cancellable = cancellable != NULL ? g_object_ref (cancellable) : g_cancellable_new ();
  req->callback = callback;
  req->user_data = user_data;
  req->user_data_free = user_data_free;
  g_thread_pool_push (self->pool, req, NULL);
}

/* How many previews the worker made (for the benchmark). */
guint
pm_thumbnailer_get_n_made (PmThumbnailer *self)
{
  g_return_val_if_fail (PM_IS_THUMBNAILER (self), 0);
  return (guint) g_atomic_int_get (&self->n_made);
}
