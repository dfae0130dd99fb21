/* pm-tokenizer-private.h: the tokenizer's struct, shared by pm-tokenizer*.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "pm-tokenizer.h"

G_BEGIN_DECLS

#define BOS_TOKEN "<|startoftext|>"
#define EOS_TOKEN "<|endoftext|>"

struct _PmTokenizer {
  GHashTable *vocab;        /* token (owned) → id (GINT_TO_POINTER (id + 1)) */
  char      **id_to_token;  /* n_ids entries, NULL where unused; borrowed from vocab keys */
  int         n_ids;
  GHashTable *ranks;        /* "left right" (owned) → rank + 1 */
  int         bos, eos;
  int         max_token_chars;
  char       *byte_char[256];  /* GPT-2 byte → printable character, as UTF-8 */

  GMutex      cache_lock;
  GHashTable *cache;        /* word (owned) → GArray of gint32 ids */
};

/* Readers of the two files (pm-tokenizer-files.c); each sets a one-line MALFORMED or IO
 * error naming the file. The vocabulary needs byte_char filled in first. */
gboolean pm_tokenizer_load_vocab  (PmTokenizer  *self,
                                   const char   *path,
                                   GError      **error);
gboolean pm_tokenizer_load_merges (PmTokenizer  *self,
                                   const char   *path,
                                   GError      **error);

G_END_DECLS
