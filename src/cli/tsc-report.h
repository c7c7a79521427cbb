/* tsc-report.h: what `trackscope-cli check` prints (text, JSON, JUnit, SARIF)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "tsc-flag.h"
#include "tsc-import.h"
#include "tsc-message.h"
#include "tsc-rules.h"

G_BEGIN_DECLS

typedef enum
{
  TSC_REPORT_FORMAT_TEXT,
  TSC_REPORT_FORMAT_JSON,
  TSC_REPORT_FORMAT_JUNIT,
  TSC_REPORT_FORMAT_SARIF,
} TscReportFormat;

/* The JSON report's "version". */
#define TSC_REPORT_JSON_VERSION 1

#define TSC_TYPE_REPORT (tsc_report_get_type ())
G_DECLARE_FINAL_TYPE (TscReport, tsc_report, TSC, REPORT, GObject)

gboolean     tsc_report_format_from_string (const char              *text,
                                            TscReportFormat         *format);

TscReport   *tsc_report_new                (TscRuleConfig           *config);
void         tsc_report_add_input          (TscReport               *self,
                                            const char              *path);
void         tsc_report_set_input_format   (TscReport               *self,
                                            guint                    input,
                                            TscImportFormat          format);
void         tsc_report_add_message        (TscReport               *self,
                                            const TscMessage        *message,
                                            const TscImportLocation *location);
void         tsc_report_add_flag           (TscReport               *self,
                                            TscFlag                 *flag);
void         tsc_report_add_problem        (TscReport               *self,
                                            const char              *text);
guint        tsc_report_get_n_messages     (TscReport               *self);
guint        tsc_report_count              (TscReport               *self,
                                            TscSeverity              severity);

/* Flags at or above @fail_on fail the check; %TSC_SEVERITY_OFF means
 * nothing fails (`--fail-on never`). */
void         tsc_report_set_fail_on        (TscReport               *self,
                                            TscSeverity              fail_on);
gboolean     tsc_report_has_failures       (TscReport               *self);
void         tsc_report_set_color          (TscReport               *self,
                                            gboolean                 color);

char        *tsc_report_to_string          (TscReport               *self,
                                            TscReportFormat          format);

G_END_DECLS
