/* fuzz-remote.c: each remote profile's handling of what a server answers (status, JSON,
 * base64, image URLs and data: URLs, the embedded image, polling).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: a byte choosing the profile (openai, openai-compatible, sdcpp, comfyui, gemini,
 * fal), then the server's replies in order, separated by PM_FUZZ_SEP; a reply may begin
 * with "HTTP NNN\n" for its status (200 otherwise). Requests after the last reply are
 * answered 404. The transport's replay hook stands in for the network, so the code under
 * test is the profiles' own, end to end. An error must be one line without the key.
 */
#include "pm-fuzz.h"
#include "pm-derive.h"
#include "pm-image.h"
#include "pm-instruction.h"
#include "pm-remote-private.h"

#include <stdlib.h>
#include <string.h>

#define FUZZ_KEY "sk-fuzz-0123456789abcdefSECRET"
#define MAX_REPLIES 32

typedef struct {
  const guint8 *parts[MAX_REPLIES];
  gsize         sizes[MAX_REPLIES];
  gsize         n;
  gsize         next;
} Replies;

static GBytes *
replay (const char *method,
        const char *url,
        guint      *status,
        gpointer    data)
{
  Replies *r = data;
  const guint8 *p;
  gsize len;

  if (r->next >= r->n)
    {
      *status = 404;
      return NULL;
    }
  p = r->parts[r->next];
  len = r->sizes[r->next];
  r->next++;
  *status = 200;
  if (len >= 9 && memcmp (p, "HTTP ", 5) == 0 && g_ascii_isdigit (p[5]) &&
      g_ascii_isdigit (p[6]) && g_ascii_isdigit (p[7]) && p[8] == '\n')
    {
      *status = (p[5] - '0') * 100 + (p[6] - '0') * 10 + (p[7] - '0');
      p += 9;
      len -= 9;
    }
  return g_bytes_new (p, len);
}

static PmImage *
photo (void)
{
  PmImage *image = pm_image_new (16, 12);

  for (int y = 0; y < 12; y++)
    for (int x = 0; x < 16; x++)
      {
        guint8 *px = image->data + (y * 16 + x) * 4;
        px[0] = x * 16;
        px[1] = y * 20;
        px[2] = (x + y) * 8;
        px[3] = 255;
      }
  return image;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const PmRemoteProfileClass *klass;
  g_autoptr(PmImage) original = NULL;
  g_autoptr(PmImage) edited = NULL;
  g_autoptr(PmInstruction) instruction = NULL;
  g_autoptr(GHashTable) options = NULL;
  g_autoptr(GError) error = NULL;
  GError *local = NULL;
  PmRemoteJob job = { 0 };
  PmRemoteCall *call;
  Replies replies = { 0 };

  pm_fuzz_init ();
  if (size < 1)
    return 0;
  klass = pm_remote_profile_get_class (data[0] % (PM_REMOTE_PROFILE_FAL + 1));
  replies.n = pm_fuzz_split (data + 1, size - 1, PM_FUZZ_SEP, replies.parts, replies.sizes,
                             MAX_REPLIES);

  original = photo ();
  instruction = pm_instruction_parse ("paint the red cup on the left blue");
  options = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  pm_remote_profile_add_defaults (klass->profile, klass->default_model, options);
  job.original = original;
  job.upload = pm_image_copy (original);
  job.upload_png = pm_image_encode_png (job.upload, NULL);
  job.items = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_remote_item_free);
  g_ptr_array_add (job.items, pm_remote_item_new_from_instruction (instruction));
  job.model = klass->default_model;
  job.options = options;

  call = pm_remote_call_new (klass->default_endpoint != NULL ? klass->default_endpoint
                                                             : "http://127.0.0.1:8000/v1",
                             FUZZ_KEY, klass->auth, 600, NULL, NULL, NULL);
  pm_remote_call_set_replay (call, replay, &replies);
  edited = klass->edit (call, &job, &local);
  if (pm_remote_call_end (call, edited != NULL, local, &error))
    {
      g_assert (edited->width > 0 && edited->height > 0);
      if (!pm_derive_check_edit (original, edited, &error))
        g_assert (error != NULL);
    }
  if (g_getenv ("PM_FUZZ_VERBOSE") != NULL)
    g_printerr ("%s: %s\n", klass->name, error != NULL ? error->message : "an edit");
  if (error != NULL)
    {
      g_assert (strchr (error->message, '\n') == NULL);
      /* No run of 8 characters of the key (what the redaction removes). */
      for (gsize i = 0; i + 8 <= strlen (FUZZ_KEY); i++)
        {
          g_autofree char *piece = g_strndup (FUZZ_KEY + i, 8);
          g_assert (strstr (error->message, piece) == NULL);
        }
    }
  g_clear_pointer (&job.upload, pm_image_free);
  g_clear_pointer (&job.upload_png, g_bytes_unref);
  g_clear_pointer (&job.items, g_ptr_array_unref);
  return 0;
}
