/* pm-fuzz.h: what the fuzz harnesses share: the libFuzzer entry point, a scratch folder,
 * and splitting one input into several files or replies.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every harness defines LLVMFuzzerTestOneInput(). Built with clang and -Dfuzzing=true it is
 * linked with libFuzzer (-fsanitize=fuzzer); otherwise with pm-fuzz-driver.c, a main() that
 * feeds it each file of a corpus, which is how the test suite runs every harness over its
 * seeds in the normal and the sanitizer builds.
 */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

int         LLVMFuzzerTestOneInput (const uint8_t *data,
                                    size_t         size);

/* Makes GLib criticals and warnings fatal (a g_return_if_fail() reached from hostile input
 * is a bug) and creates the scratch folder, once. */
void        pm_fuzz_init           (void);
/* The process's scratch folder (removed at exit). */
const char *pm_fuzz_dir            (void);
/* Writes @size bytes to @name in the scratch folder; returns the path (free it). */
char       *pm_fuzz_write          (const char    *name,
                                    const guint8  *data,
                                    gsize          size);
/* Splits @data at each @sep into at most @max parts (the last takes the rest); returns the
 * number of parts. Parts point into @data. */
gsize       pm_fuzz_split          (const guint8  *data,
                                    gsize          size,
                                    const char    *sep,
                                    const guint8 **parts,
                                    gsize         *sizes,
                                    gsize          max);

/* The separator the multi-file harnesses use (a line of its own). */
#define PM_FUZZ_SEP "\n====\n"



typedef struct _PmStore PmStore;
/* A history database in the scratch folder, made anew every 256 calls so that it stays
 * small (borrowed; inputs that depend on earlier ones' rows are rare). */
PmStore    *pm_fuzz_store          (void);
G_END_DECLS
