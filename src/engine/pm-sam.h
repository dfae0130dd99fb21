/* pm-sam.h: Segment Anything (Hugging Face `SamModel` layout) in C: load, preprocess, image
 * encoder, prompt encoder + mask decoder, post-processing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The forward pass is split so that the expensive part is paid once per image:
 *
 *   image ──pm_sam_preprocess──► pixels [3, S, S]  (S = 1024: longest side resized, padded)
 *   pixels ──pm_sam_encode_image──► PmSamEmbedding (image embedding [C, g, g] + the parts of
 *                                   the decoder that depend on the image only)
 *   (embedding, points/box) ──pm_sam_decode──► low-res logits [n, L, L] (L = 4g = 256),
 *                                              predicted IoU [n]
 *   logits ──pm_sam_logits_to_mask──► binary mask at the original image size
 *
 * Prompt coordinates are pixels of the original image; pm_sam_decode scales them like the
 * image was scaled. A PmSam is not thread-safe (one scratch arena): one call at a time.
 * A PmSamEmbedding is independent of that scratch, read-only after encoding, and may be
 * decoded against any number of prompts while the model lives.
 */
#pragma once

#include <gio/gio.h>

#include "pm-engine.h"
#include "pm-image.h"
#include "pm-sam-config.h"
#include "pm-tensor.h"

G_BEGIN_DECLS

#define PM_SAM_ERROR (pm_sam_error_quark ())
GQuark pm_sam_error_quark (void);

typedef enum {
  PM_SAM_ERROR_WEIGHTS,   /* scratch memory or weights unusable */
  PM_SAM_ERROR_INPUT,     /* a prompt or image the model cannot take */
} PmSamError;

/* Most points one prompt may hold (SAM was trained with a handful). */
#define PM_SAM_MAX_POINTS 64

typedef struct {
  float x;       /* original-image pixels */
  float y;
  int   label;   /* 1 foreground, 0 background */
} PmSamPoint;

typedef struct {
  const PmSamPoint *points;      /* n_points of them, may be NULL when n_points is 0 */
  int               n_points;
  gboolean          has_box;
  float             box[4];      /* x0, y0, x1, y1 in original-image pixels */
  gboolean          multimask;   /* three candidate masks instead of one */
} PmSamPrompt;

typedef struct _PmSam PmSam;
typedef struct _PmSamEmbedding PmSamEmbedding;

/* Optional hook called with intermediate tensors ("vision.patch_embed", "vision.layer3",
 * "vision.neck", "decoder.sparse", "decoder.tokens"). For tests. */
typedef void (*PmSamDumpFunc) (const char     *name,
                               const PmTensor *tensor,
                               gpointer        user_data);

/* Exact f32 (the reference mode). */
PmSam          *pm_sam_load                (const char          *model_dir,
                                            GError             **error);
/* With the image encoder's kernels in @precision (BF16 or AUTO: bf16 operands where the
 * CPU has AVX512_BF16). */
PmSam          *pm_sam_load_with_precision (const char          *model_dir,
                                            PmPrecision          precision,
                                            GError             **error);
PmSam          *pm_sam_load_files_with_precision (const char    *config_path,
                                            const char          *preprocessor_path,
                                            const char          *weights_path,
                                            PmPrecision          precision,
                                            GError             **error);
PmSam          *pm_sam_load_files          (const char          *config_path,
                                            const char          *preprocessor_path,
                                            const char          *weights_path,
                                            GError             **error);
void            pm_sam_free                (PmSam               *model);

const PmSamConfig *pm_sam_get_config       (PmSam               *model);
/* S: the encoder's square input (1024). */
int             pm_sam_get_input_size      (PmSam               *model);
/* L: side of the low-resolution logits (4 × the embedding grid, 256). */
int             pm_sam_get_lowres_size     (PmSam               *model);
/* Masks a prompt yields: 1, or num_multimask_outputs (3) when @multimask. */
int             pm_sam_get_n_masks         (PmSam               *model,
                                            gboolean             multimask);
gsize           pm_sam_get_weights_bytes   (PmSam               *model);
/* The precision the image encoder runs in: F32 or BF16. */
PmPrecision     pm_sam_get_precision       (PmSam               *model);
/* Waits for the packing thread, which scans the packed weights for NaN and infinity. */
gboolean        pm_sam_check_weights       (PmSam               *model,
                                            GError             **error);
double          pm_sam_get_pack_ms         (PmSam               *model);
void            pm_sam_set_dump_func       (PmSam               *model,
                                            PmSamDumpFunc        func,
                                            gpointer             user_data);

/* The size the longest-side resize gives a @width × @height image (before padding). */
void            pm_sam_get_resized_size    (PmSam               *model,
                                            int                  width,
                                            int                  height,
                                            int                 *resized_width,
                                            int                 *resized_height);
/* RGB of @image resized with Pillow's BILINEAR filter (8-bit result) so its longest side
 * is longest_edge, rescaled and normalised, zero-padded right and bottom to S×S.
 * @pixels receives [3, S, S] floats (channel-major). */
gboolean        pm_sam_preprocess          (PmSam               *model,
                                            const PmImage       *image,
                                            float               *pixels,
                                            GError             **error);

/* Vision encoder and neck on @pixels, for an image of @width × @height (what prompts and
 * masks refer to). Progress per layer ("image encoder layer 3/12") as the fraction of this
 * call; @timings (nullable) receives "patch embedding", "encoder layers", "neck",
 * "decoder cache". */
PmSamEmbedding *pm_sam_encode_image        (PmSam               *model,
                                            const float         *pixels,
                                            int                  width,
                                            int                  height,
                                            PmProgressFunc       progress,
                                            gpointer             progress_data,
                                            GCancellable        *cancellable,
                                            PmTimings           *timings,
                                            GError             **error);
void            pm_sam_embedding_free      (PmSamEmbedding      *embedding);
/* The image embedding [C, g, g] (read-only). */
const PmTensor *pm_sam_embedding_get_tensor (const PmSamEmbedding *embedding);
int             pm_sam_embedding_get_width (const PmSamEmbedding *embedding);
int             pm_sam_embedding_get_height (const PmSamEmbedding *embedding);
gsize           pm_sam_embedding_get_bytes (const PmSamEmbedding *embedding);

/* Checks @prompt against an image of @width × @height: at least one point or a box, labels
 * 0/1, points inside the image, a box with x0 < x1 and y0 < y1 inside it. One-line
 * PM_SAM_ERROR_INPUT errors naming the point or box. */
gboolean        pm_sam_prompt_check        (const PmSamPrompt   *prompt,
                                            int                  width,
                                            int                  height,
                                            GError             **error);

/* Prompt encoder and mask decoder: @lowres receives n × L × L logits and @iou n predicted
 * IoUs (n = pm_sam_get_n_masks (model, prompt->multimask)), in the model's order.
 * @timings gets "prompt encoder", "two-way transformer", "mask head". */
gboolean        pm_sam_decode              (PmSam               *model,
                                            const PmSamEmbedding *embedding,
                                            const PmSamPrompt   *prompt,
                                            float               *lowres,
                                            float               *iou,
                                            GCancellable        *cancellable,
                                            PmTimings           *timings,
                                            GError             **error);

/* Post-processing of one L × L logit map as Meta's predictor does it: bilinear upsampling
 * to S×S, crop to the resized image, bilinear resize to @width × @height (half-pixel
 * centres throughout). @logits_out (nullable, width × height floats) receives the logits at
 * the original size; the returned mask holds 1 where they are > 0, else 0. */
PmMask         *pm_sam_logits_to_mask      (PmSam               *model,
                                            const float         *lowres,
                                            int                  width,
                                            int                  height,
                                            float               *logits_out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmSam, pm_sam_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmSamEmbedding, pm_sam_embedding_free)

G_END_DECLS
