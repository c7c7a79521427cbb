/* main.c: trackscope-cli
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "trackscope-cli"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "tsc-cli.h"

typedef struct
{
  const char *name;
  int       (*run) (int argc, char **argv);
  const char *summary;
} Command;

static const Command commands[] = {
  { "capture", tsc_cli_capture, N_("Record calls sent to a local Segment-compatible collector") },
  { "check",   tsc_cli_check,   N_("Check recorded or exported calls for identity mistakes") },
  { "export",  tsc_cli_export,  N_("Write a session as NDJSON, JSON or HAR, optionally without PII") },
  { "import",  tsc_cli_import,  N_("Turn HAR, NDJSON or JSON files into a session file") },
  { "replay",  tsc_cli_replay,  N_("Send a session's calls again, to Segment, RudderStack or another collector") },
};

void
tsc_cli_print_error (const char *format,
                     ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  fprintf (stderr, "trackscope-cli: %s\n", text);
}

/* @n with a comma between groups of three digits, whatever the
 * locale, so summaries read the same in logs and scripts: “1,204”. */
char *
tsc_cli_format_count (guint64 n)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GUINT64_FORMAT, n);
  GString *out = g_string_new (NULL);
  gsize len = strlen (digits);

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, digits[i]);
    }

  return g_string_free (out, FALSE);
}

typedef struct
{
  TscCliWorkFunc  func;
  gpointer        data;
  GMainLoop      *loop;
  gboolean        finished;
  gboolean        ok;
  GError         *error;
} Work;

static void
work_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Work *work = task_data;
  GError *error = NULL;

  if (work->func (work->data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_work_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Work *work = user_data;

  work->ok = g_task_propagate_boolean (G_TASK (result), &work->error);
  work->finished = TRUE;
  g_main_loop_quit (work->loop);
}

static gboolean
on_signal_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_CONTINUE;
}

/**
 * tsc_cli_run_cancellable:
 * @func: the work, run in a worker thread
 *
 * Runs @func while the main thread waits for SIGINT or SIGTERM, which
 * cancel @cancellable: long exports and imports stop cleanly, leaving
 * nothing half-written. The result is @func's own, even when a signal
 * came too late to stop it (a written file is then reported as such).
 */
gboolean
tsc_cli_run_cancellable (TscCliWorkFunc   func,
                         gpointer         data,
                         GCancellable    *cancellable,
                         GError         **error)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GTask) task = NULL;
  Work work = { func, data, loop, FALSE, FALSE, NULL };
  guint sigint_id;
  guint sigterm_id;

  task = g_task_new (NULL, cancellable, on_work_done_cb, &work);
  g_task_set_task_data (task, &work, NULL);
  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, work_thread);

  sigint_id = g_unix_signal_add (SIGINT, on_signal_cb, cancellable);
  sigterm_id = g_unix_signal_add (SIGTERM, on_signal_cb, cancellable);
  while (!work.finished)
    g_main_loop_run (loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  if (!work.ok)
    {
      g_propagate_error (error, work.error);
      return FALSE;
    }
  return TRUE;
}

/* Says why `trackscope-cli COMMAND` cannot go on, as “COMMAND: message”;
 * returns TSC_EXIT_USAGE, the exit code for bad usage and unreadable input. */
int
tsc_cli_usage_error (const char   *command,
                     const GError *error)
{
  tsc_cli_print_error ("%s: %s", command, error->message);
  return TSC_EXIT_USAGE;
}

/* Parses the options of `trackscope-cli COMMAND` (see g_option_context_new()
 * for @parameter_string; @description may be %NULL) out of @argc and @argv.
 * On bad usage, says why as “COMMAND: reason” and returns %FALSE: the
 * command then exits with TSC_EXIT_USAGE. */
gboolean
tsc_cli_parse_options (const char          *command,
                       const char          *parameter_string,
                       const char          *summary,
                       const char          *description,
                       const GOptionEntry  *entries,
                       int                 *argc,
                       char              ***argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (parameter_string);
  g_autoptr(GError) error = NULL;

  g_option_context_set_summary (context, summary);
  if (description != NULL)
    g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      tsc_cli_usage_error (command, error);
      return FALSE;
    }

  return TRUE;
}

/* The rules of @profile (%NULL for segment), with the settings of the key
 * file at @config_path, when given, on top. */
TscRuleConfig *
tsc_cli_load_rules (const char  *profile,
                    const char  *config_path,
                    GError     **error)
{
  g_autoptr(TscRuleConfig) config = tsc_rule_config_new (profile, error);

  if (config == NULL)
    return NULL;

  if (config_path != NULL && !tsc_rule_config_load_file (config, config_path, error))
    return NULL;

  return g_steal_pointer (&config);
}

static void
print_usage (FILE *out)
{
  fprintf (out, "%s\n\n", _("Usage: trackscope-cli COMMAND [OPTION…]"));
  fprintf (out, "%s\n\n", _("Inspect product-analytics calls and the identity mistakes in them."));
  fprintf (out, "%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (out, "\n%s\n", _("Run “trackscope-cli COMMAND --help” for the options of a command."));
}

int
main (int    argc,
      char **argv)
{
  const char *localedir;

  setlocale (LC_ALL, "");
  /* TRACKSCOPE_LOCALEDIR overrides LOCALEDIR, so that an uninstalled build
   * finds its catalogs (e.g. TRACKSCOPE_LOCALEDIR=build/po, where meson
   * writes <lang>/LC_MESSAGES/trackscope.mo). */
  localedir = g_getenv ("TRACKSCOPE_LOCALEDIR");
  if (localedir == NULL || *localedir == '\0')
    localedir = LOCALEDIR;
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Lines must reach a pipe as they happen: tests and scripts read them. */
  setvbuf (stdout, NULL, _IOLBF, 0);

  g_set_prgname ("trackscope-cli");

  if (argc < 2)
    {
      print_usage (stderr);
      return TSC_EXIT_USAGE;
    }

  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
      strcmp (argv[1], "help") == 0)
    {
      print_usage (stdout);
      return TSC_EXIT_OK;
    }

  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("trackscope-cli %s\n", PACKAGE_VERSION);
      return TSC_EXIT_OK;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (strcmp (argv[1], commands[i].name) == 0)
        {
          g_autofree char *prgname = g_strdup_printf ("trackscope-cli %s", commands[i].name);

          g_set_prgname (prgname);
          return commands[i].run (argc - 1, argv + 1);
        }
    }

  tsc_cli_print_error ("unknown command “%s”", argv[1]);
  print_usage (stderr);
  return TSC_EXIT_USAGE;
}
