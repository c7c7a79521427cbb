/* tsc-empty-page.h: what a capture shows before its first call: the
 * collector's address, SDK snippets and a test call
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TSC_TEST_CALL_ERROR (tsc_test_call_error_quark ())

typedef enum
{
  TSC_TEST_CALL_ERROR_BAD_URI,   /* not an http(s) address */
  TSC_TEST_CALL_ERROR_REJECTED,  /* the collector answered, but not 2xx */
} TscTestCallError;

GQuark        tsc_test_call_error_quark            (void);

#define TSC_TYPE_EMPTY_PAGE (tsc_empty_page_get_type ())
G_DECLARE_FINAL_TYPE (TscEmptyPage, tsc_empty_page, TSC, EMPTY_PAGE, AdwBin)

GtkWidget    *tsc_empty_page_new                   (void);
void          tsc_empty_page_set_uri               (TscEmptyPage        *self,
                                                    const char          *uri);
const char   *tsc_empty_page_get_uri               (TscEmptyPage        *self);
const char * const *tsc_empty_page_get_snippet_ids (void);
char         *tsc_empty_page_dup_snippet           (TscEmptyPage        *self,
                                                    const char          *id);

void          tsc_empty_page_send_test_call        (const char          *uri,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean      tsc_empty_page_send_test_call_finish (GAsyncResult        *result,
                                                    GError             **error);

G_END_DECLS
