/* pm-endpoint-row.h: one saved remote server in Preferences: its fields, its key, a Test
 * Connection button and what the test saw.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include "pm-endpoints.h"

G_BEGIN_DECLS

#define PM_TYPE_ENDPOINT_ROW (pm_endpoint_row_get_type ())
G_DECLARE_FINAL_TYPE (PmEndpointRow, pm_endpoint_row, PM, ENDPOINT_ROW, AdwExpanderRow)

/* "changed" (no arguments) after the user edits a field; "remove" when Remove is pressed. */
GtkWidget        *pm_endpoint_row_new             (const PmEndpoint *endpoint);
const PmEndpoint *pm_endpoint_row_get_endpoint    (PmEndpointRow    *self);
/* Seconds the test edit may take (the remote timeout setting). */
void              pm_endpoint_row_set_timeout     (PmEndpointRow    *self,
                                                   double            timeout_s);
/* Sends the 64×64 test edit (as the Test Connection button does). */
void              pm_endpoint_row_test            (PmEndpointRow    *self);
/* What the last test reported, or NULL while none finished; whether one is running. */
const char       *pm_endpoint_row_get_test_report (PmEndpointRow    *self);
gboolean          pm_endpoint_row_is_testing      (PmEndpointRow    *self);
/* The editing rows, for tests: "name", "url", "model", "options", "key". */
GtkWidget        *pm_endpoint_row_get_field       (PmEndpointRow    *self,
                                                   const char       *field);

/* The image the test sends and the instruction it gives: a red disc on grey. */
PmImage          *pm_endpoint_test_image          (void);
#define PM_ENDPOINT_TEST_INSTRUCTION "paint the red circle blue"

G_END_DECLS
