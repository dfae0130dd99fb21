/* pm-clipseg.h: the CLIPSeg model (CLIPSegForImageSegmentation) in C: load, preprocess,
 * vision encoder, text encoder, decoder.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The forward pass is split so that an engine can cache the expensive part:
 *
 *   pixels ──pm_clipseg_encode_image──► PmClipsegVision (activations at extract_layers)
 *   ids    ──pm_clipseg_encode_text───► conditional embedding [projection_dim]
 *   (vision, embedding) ──pm_clipseg_decode──► logits [S, S]   (S = input size)
 *
 * A PmClipseg is not thread-safe: it owns one scratch arena; run one call at a time.
 * PmClipsegVision results are independent of the model's scratch and may be kept (and
 * decoded against many text embeddings) as long as the model lives.
 */
#pragma once

#include <gio/gio.h>
#include "pm-clipseg-config.h"
#include "pm-engine.h"
#include "pm-gemm.h"
#include "pm-image.h"
#include "pm-tensor.h"

G_BEGIN_DECLS

#define PM_CLIPSEG_ERROR (pm_clipseg_error_quark ())
GQuark pm_clipseg_error_quark (void);

typedef enum {
  PM_CLIPSEG_ERROR_WEIGHTS,   /* a tensor missing or with the wrong shape */
  PM_CLIPSEG_ERROR_INPUT,     /* bad ids, empty prompt, wrong image */
} PmClipsegError;

typedef struct _PmClipseg PmClipseg;
typedef struct _PmClipsegVision PmClipsegVision;

/* Optional hook called with intermediate tensors (names as in the fixture's case03-dump:
 * "vision.embeddings", "vision.layer3", "text.pooled", "decoder.reduce0", …). For tests. */
typedef void (*PmClipsegDumpFunc) (const char     *name,
                                   const PmTensor *tensor,
                                   gpointer        user_data);

/* Loads DIR/config.json, DIR/preprocessor_config.json and DIR/model.safetensors, in exact
 * f32 (the reference mode). */
PmClipseg  *pm_clipseg_load              (const char        *model_dir,
                                          GError           **error);
/* Same, with the kernels in @precision (BF16 or AUTO: bf16 operands where the CPU has
 * AVX512_BF16, f32 otherwise). */
PmClipseg  *pm_clipseg_load_with_precision (const char      *model_dir,
                                          PmPrecision        precision,
                                          GError           **error);
/* Same, with explicit paths. */
PmClipseg  *pm_clipseg_load_files        (const char        *config_path,
                                          const char        *preprocessor_path,
                                          const char        *weights_path,
                                          GError           **error);
PmClipseg  *pm_clipseg_load_files_with_precision (const char *config_path,
                                          const char        *preprocessor_path,
                                          const char        *weights_path,
                                          PmPrecision        precision,
                                          GError           **error);
void        pm_clipseg_free              (PmClipseg         *model);

const PmClipsegConfig *pm_clipseg_get_config (PmClipseg     *model);
/* Input side S (the model runs on S×S pixels and returns S×S logits). */
int         pm_clipseg_get_input_size    (PmClipseg         *model);
/* projection_dim: length of a text embedding. */
int         pm_clipseg_get_embedding_dim (PmClipseg         *model);
/* Bytes of weights as float32 (for memory reports). */
gsize       pm_clipseg_get_weights_bytes (PmClipseg         *model);
/* The precision the layers run in: F32 or BF16. */
PmPrecision pm_clipseg_get_precision     (PmClipseg         *model);
/* The weights are packed for the kernels by a thread the load starts (the forward waits
 * for each layer it needs): how long that took, waiting for it to finish. */
double      pm_clipseg_get_pack_ms       (PmClipseg         *model);
gboolean    pm_clipseg_check_weights     (PmClipseg         *model,
                                          GError           **error);
/* Sets the compute thread count (n ≤ 0: keep the current). Process-wide. */
void        pm_clipseg_set_threads       (int                n_threads);
void        pm_clipseg_set_dump_func     (PmClipseg         *model,
                                          PmClipsegDumpFunc  func,
                                          gpointer           user_data);

/* RGB of @image (alpha dropped) resized to S×S with Pillow's BILINEAR filter (8-bit
 * intermediate), then rescaled and normalised with preprocessor_config.json.
 * @out receives [3, S, S] floats (channel-major). */
gboolean    pm_clipseg_preprocess        (PmClipseg         *model,
                                          const PmImage     *image,
                                          float             *out,
                                          GError           **error);

/* Vision encoder on @pixel_values [3, S, S]. Runs vision layers only up to the deepest
 * extracted one. Progress is reported per layer ("vision layer 7/10") with the fraction
 * of this call; @timings (may be NULL) receives "vision embeddings" and "vision encoder". */
PmClipsegVision *pm_clipseg_encode_image (PmClipseg         *model,
                                          const float       *pixel_values,
                                          PmProgressFunc     progress,
                                          gpointer           progress_data,
                                          GCancellable      *cancellable,
                                          PmTimings         *timings,
                                          GError           **error);
void        pm_clipseg_vision_free       (PmClipsegVision   *vision);
/* Bytes held by a cached vision result. */
gsize       pm_clipseg_vision_get_bytes  (const PmClipsegVision *vision);

/* Text encoder + text_projection on @n_ids token ids (BOS … EOS, as the tokenizer gives
 * them, 1 ≤ n ≤ max_position_embeddings). @attention_mask (n entries, 1 = real token,
 * 0 = padding) may be NULL. Writes pm_clipseg_get_embedding_dim () floats to
 * @embedding. @timings gets "text encoder". */
gboolean    pm_clipseg_encode_text       (PmClipseg         *model,
                                          const gint32      *ids,
                                          int                n_ids,
                                          const guint8      *attention_mask,
                                          float             *embedding,
                                          GCancellable      *cancellable,
                                          PmTimings         *timings,
                                          GError           **error);

/* Decoder: FiLM-conditioned transformer over the cached activations and the transposed
 * convolution head. Writes S×S logits (row-major, before sigmoid) to @logits.
 * @timings gets "decoder". */
gboolean    pm_clipseg_decode            (PmClipseg         *model,
                                          const PmClipsegVision *vision,
                                          const float       *embedding,
                                          float             *logits,
                                          GCancellable      *cancellable,
                                          PmTimings         *timings,
                                          GError           **error);

/* Convenience: all three steps on preprocessed pixels. */
gboolean    pm_clipseg_forward           (PmClipseg         *model,
                                          const float       *pixel_values,
                                          const gint32      *ids,
                                          int                n_ids,
                                          float             *logits,
                                          GCancellable      *cancellable,
                                          PmTimings         *timings,
                                          GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmClipseg, pm_clipseg_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmClipsegVision, pm_clipseg_vision_free)

G_END_DECLS
