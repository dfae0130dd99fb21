/* pm-tokenizer.h: the CLIP byte-level BPE tokenizer (vocab.json + merges.txt).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Text is cleaned the way CLIP does without ftfy (invalid UTF-8 repaired, NFC, whitespace
 * collapsed and stripped, lower-cased), split with CLIP's pre-tokenisation pattern, mapped
 * byte by byte to GPT-2's printable characters, then merged by BPE rank with `</w>` marking
 * the end of each word. Encoded sequences are BOS … EOS, unpadded, at most max_length long
 * (the EOS is always kept).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PM_TOKENIZER_ERROR (pm_tokenizer_error_quark ())
GQuark pm_tokenizer_error_quark (void);

typedef enum {
  PM_TOKENIZER_ERROR_IO,         /* a file cannot be read */
  PM_TOKENIZER_ERROR_MALFORMED,  /* vocab.json or merges.txt is not what CLIP uses */
} PmTokenizerError;

/* CLIP's context length. */
#define PM_TOKENIZER_MAX_LENGTH 77

typedef struct _PmTokenizer PmTokenizer;

PmTokenizer *pm_tokenizer_new_from_dir   (const char    *model_dir,
                                          GError       **error);
PmTokenizer *pm_tokenizer_new_from_files (const char    *vocab_path,
                                          const char    *merges_path,
                                          GError       **error);
void         pm_tokenizer_free           (PmTokenizer   *tokenizer);

/* Token ids (gint32) of @text: BOS, the text's tokens, EOS; truncated to @max_length
 * (0 = PM_TOKENIZER_MAX_LENGTH) keeping the EOS. @text may hold any bytes; @length -1 means
 * NUL-terminated. Thread-safe. */
GArray      *pm_tokenizer_encode         (PmTokenizer   *tokenizer,
                                          const char    *text,
                                          gssize         length,
                                          int            max_length);
/* The cleaned text that is split into words (exposed for tests). */
char        *pm_tokenizer_clean_text     (const char    *text,
                                          gssize         length);

int          pm_tokenizer_get_bos        (const PmTokenizer *tokenizer);
int          pm_tokenizer_get_eos        (const PmTokenizer *tokenizer);
int          pm_tokenizer_get_vocab_size (const PmTokenizer *tokenizer);
/* The vocabulary entry of @id, or NULL if out of range. */
const char  *pm_tokenizer_id_to_token    (const PmTokenizer *tokenizer,
                                          int                id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmTokenizer, pm_tokenizer_free)

G_END_DECLS
