/* tsc-cli-export.c: `trackscope-cli export`
 *
 * Writes a session as NDJSON, JSON or HAR, to standard output or to a
 * file, optionally with personal data replaced by stable hashes. A file
 * is written beside its target under a temporary name and renamed once
 * complete, so a failed or interrupted export (Ctrl+C cancels it) leaves
 * nothing half-written. Exit codes: 0 written, 2 bad usage, unreadable
 * session or unwritable output.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tsc-cli-export"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gunixoutputstream.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "tsc-cli.h"
#include "tsc-export.h"
#include "tsc-redact.h"
#include "tsc-session-store.h"

typedef struct
{
  const char             *session;
  const TscExportOptions *options;
  const char             *target;       /* or NULL for standard output */
  guint64                 n_written;
} Job;

static gboolean
export_work (gpointer       data,
             GCancellable  *cancellable,
             GError       **error)
{
  Job *job = data;
  g_autoptr(GOutputStream) out = NULL;

  if (job->target != NULL)
    return tsc_export_session_to_file (job->session, job->options, job->target, cancellable,
                                       &job->n_written, error);

  out = g_unix_output_stream_new (STDOUT_FILENO, FALSE);
  return tsc_export_session (job->session, job->options, out, cancellable, &job->n_written, error);
}

/* The patterns of --redact-keys: a comma-separated list that replaces the
 * defaults, or adds to them when it starts with “+”. */
static GStrv
parse_patterns (const char *list)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) items = NULL;
  const char *text = list;

  if (*text == '+')
    {
      g_strv_builder_addv (builder, (const char **) tsc_redactor_default_patterns ());
      text++;
    }

  items = g_strsplit (text, ",", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      g_strstrip (items[i]);
      if (*items[i] != '\0')
        g_strv_builder_add (builder, items[i]);
    }

  return g_strv_builder_end (builder);
}

static void
print_summary (guint64     n_messages,
               guint64     n_requests,
               const char *destination)
{
  g_autofree char *messages_text = tsc_cli_format_count (n_messages);
  g_autofree char *requests_text = tsc_cli_format_count (n_requests);
  g_autofree char *calls = NULL;
  g_autofree char *requests = NULL;

  calls = g_strdup_printf (ngettext ("%s call", "%s calls", (unsigned long) n_messages),
                           messages_text);
  requests = g_strdup_printf (ngettext ("%s request", "%s requests", (unsigned long) n_requests),
                              requests_text);
  /* TRANSLATORS: "Exported 1,234 calls from 56 requests to flow.ndjson" */
  fprintf (stderr, _("Exported %s from %s to %s\n"), calls, requests, destination);
}

static gboolean
count_requests (const char  *session,
                guint64     *n_requests,
                GError     **error)
{
  g_autoptr(TscSessionStore) store = NULL;

  store = tsc_session_store_open (session, TSC_SESSION_STORE_OPEN_READ_ONLY, error);
  if (store == NULL)
    return FALSE;
  return tsc_export_count_requests (store, n_requests, error);
}

int
tsc_cli_export (int    argc,
                char **argv)
{
  g_autofree char *format_name = NULL;
  g_autofree char *output = NULL;
  g_autofree char *redact_key = NULL;
  g_autofree char *redact_keys = NULL;
  g_autofree char *profile = NULL;
  g_autofree char *config_path = NULL;
  gboolean redact = FALSE;
  const GOptionEntry entries[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format_name,
      N_("ndjson (one call per line), json (one document with the session details and the "
         "flags) or har (the HTTP requests); default: from the -o file name, else ndjson"),
      N_("FORMAT") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Write to FILE (replaced only once the export is complete) instead of standard output"),
      N_("FILE") },
    { "redact", 'r', 0, G_OPTION_ARG_NONE, &redact,
      N_("Replace personal data, credentials and client addresses with stable hashes"), NULL },
    { "redact-key", 0, 0, G_OPTION_ARG_STRING, &redact_key,
      N_("Hash with this key, so that hashes match across exports (implies --redact; "
         "default: a random key per export)"), N_("KEY") },
    { "redact-keys", 0, 0, G_OPTION_ARG_STRING, &redact_keys,
      N_("Comma-separated member-name patterns to redact instead of the defaults; start the "
         "list with + to add to them (implies --redact)"), N_("LIST") },
    { "profile", 'p', 0, G_OPTION_ARG_STRING, &profile,
      N_("Rule profile for the flags of the JSON export: segment (default), mixpanel-original, "
         "mixpanel-simplified or kissmetrics"), N_("NAME") },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
      N_("Rule settings for the flags of the JSON export, from a key file"), N_("FILE") },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TscRuleConfig) rules = NULL;
  g_autoptr(TscRedactor) redactor = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *defaults = NULL;
  g_autofree char *description = NULL;
  TscExportOptions options = { 0 };
  TscExportFormat format = TSC_EXPORT_NDJSON;
  const char *session;
  guint64 n_requests = 0;
  Job job = { 0 };

  defaults = g_strjoinv (", ", (char **) tsc_redactor_default_patterns ());
  description = g_strdup_printf (_("Default redaction patterns (case, “_”, “-” and spaces do not "
                                   "matter; * is a wildcard), matched inside traits, "
                                   "context.traits and properties: %s. context.ip, the write key, "
                                   "the client’s address, credential headers and the query of "
                                   "page addresses are always redacted.\n\nExit status: 0 when written, 2 for bad usage, an "
                                   "unreadable session or an unwritable output."),
                                 defaults);

  if (!tsc_cli_parse_options ("export", _("SESSION"),
                              _("Write a session as NDJSON, JSON or HAR, optionally without "
                                "personal data."),
                              description, entries, &argc, &argv))
    return TSC_EXIT_USAGE;

  if (argc < 2)
    {
      tsc_cli_print_error (_("export: no session given; usage: trackscope-cli export SESSION "
                             "--format ndjson|json|har [--redact] [-o FILE]"));
      return TSC_EXIT_USAGE;
    }
  if (argc > 2)
    {
      tsc_cli_print_error (_("export: unexpected argument “%s”; export reads one session"),
                           argv[2]);
      return TSC_EXIT_USAGE;
    }
  session = argv[1];

  if (format_name != NULL)
    {
      if (!tsc_export_format_from_string (format_name, &format))
        {
          tsc_cli_print_error (_("export: unknown format “%s”; use ndjson, json or har"),
                               format_name);
          return TSC_EXIT_USAGE;
        }
    }
  else if (output != NULL)
    {
      for (TscExportFormat f = TSC_EXPORT_NDJSON; f <= TSC_EXPORT_HAR; f++)
        {
          if (g_str_has_suffix (output, tsc_export_format_extension (f)))
            format = f;
        }
    }

  rules = tsc_cli_load_rules (profile, config_path, &error);
  if (rules == NULL)
    return tsc_cli_usage_error ("export", error);

  if (!g_file_test (session, G_FILE_TEST_EXISTS))
    {
      tsc_cli_print_error (_("export: session file “%s” does not exist"), session);
      return TSC_EXIT_USAGE;
    }
  if (!count_requests (session, &n_requests, &error))
    return tsc_cli_usage_error ("export", error);

  if (redact || redact_key != NULL || redact_keys != NULL)
    {
      g_auto(GStrv) patterns = redact_keys != NULL ? parse_patterns (redact_keys) : NULL;
      g_autoptr(GBytes) key = NULL;

      if (redact_key != NULL && *redact_key == '\0')
        {
          tsc_cli_print_error (_("export: --redact-key must not be empty"));
          return TSC_EXIT_USAGE;
        }
      if (redact_key != NULL)
        key = g_bytes_new (redact_key, strlen (redact_key));
      redactor = tsc_redactor_new ((const char * const *) patterns, key);
    }

  options.format = format;
  options.redactor = redactor;
  options.rules = rules;

  job.session = session;
  job.options = &options;
  job.target = output;

  if (!tsc_cli_run_cancellable (export_work, &job, cancellable, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        tsc_cli_print_error (_("export: cancelled; nothing was written"));
      else if (output == NULL && error->domain == G_IO_ERROR)
        tsc_cli_print_error (_("export: cannot write to standard output: %s"), error->message);
      else
        tsc_cli_usage_error ("export", error);
      return TSC_EXIT_USAGE;
    }

  print_summary (job.n_written, n_requests, output != NULL ? output : _("standard output"));
  return TSC_EXIT_OK;
}
