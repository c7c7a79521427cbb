/* tsc-cli.h: the commands of trackscope-cli
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "tsc-rules.h"

G_BEGIN_DECLS

/* Exit codes of the headless contract. */
#define TSC_EXIT_OK     0
#define TSC_EXIT_FLAGS  1
#define TSC_EXIT_USAGE  2

int            tsc_cli_capture       (int                  argc,
                                      char               **argv);
int            tsc_cli_check         (int                  argc,
                                      char               **argv);
int            tsc_cli_export        (int                  argc,
                                      char               **argv);
int            tsc_cli_import        (int                  argc,
                                      char               **argv);
int            tsc_cli_replay        (int                  argc,
                                      char               **argv);

typedef gboolean (*TscCliWorkFunc) (gpointer       data,
                                    GCancellable  *cancellable,
                                    GError       **error);

char          *tsc_cli_format_count  (guint64               n);
gboolean       tsc_cli_run_cancellable (TscCliWorkFunc      func,
                                      gpointer             data,
                                      GCancellable        *cancellable,
                                      GError             **error);
void           tsc_cli_print_error   (const char          *format,
                                      ...) G_GNUC_PRINTF (1, 2);
int            tsc_cli_usage_error   (const char          *command,
                                      const GError        *error);
gboolean       tsc_cli_parse_options (const char          *command,
                                      const char          *parameter_string,
                                      const char          *summary,
                                      const char          *description,
                                      const GOptionEntry  *entries,
                                      int                 *argc,
                                      char              ***argv);
TscRuleConfig *tsc_cli_load_rules    (const char          *profile,
                                      const char          *config_path,
                                      GError             **error);

G_END_DECLS
