/* bench-export.c: how fast sessions are exported and imported, and
 * whether an export's memory stays the same whatever the session's size
 *
 * Two session files are made through the real store, the way the
 * collector stores what analytics.js sends: POSTs to /v1/batch of 50
 * identify, track and page calls each, with context, traits carrying
 * emails, names and phones, and properties. One has N messages, the
 * other N/10.
 *
 * Export: each format (ndjson, json, har), without and with redaction
 * (a TscRedactor with the default patterns), writes both sessions to a
 * file with tsc_export_session(). The baseline is the least an export
 * can do: read every message's raw bytes with plain SQLite (SELECT raw
 * FROM messages ORDER BY seq) and write them to a file, one a line.
 *
 * Import: tsc_import_to_session() reads the NDJSON and the HAR export
 * back into new session files. The baseline is the least an import must
 * do: append the same requests and messages (loaded beforehand) with
 * tsc_session_store_append() in transactions of 5,000 messages.
 *
 * How memory is measured: every run (baselines too) happens in a child
 * process of its own, started fresh from this program, so that neither
 * the memory left over from making the sessions nor an earlier run can
 * hide or add growth. The child first does the same work on a tiny
 * session (loading code pages, GType and SQLite state, malloc arenas),
 * then resets the kernel's peak resident set size (writing 5 to
 * /proc/self/clear_refs), reads VmRSS, runs once and reads VmHWM. The
 * kernel keeps the peak itself, so short spikes that a sampling thread
 * would miss are counted. Growth = VmHWM − VmRSS before the run. An
 * export that streams has the same growth for the big and the small
 * session: the ratio big/small is about 1. Timings are taken in the
 * child around the call alone (opening and closing the output
 * included), with the session file in the page cache.
 *
 * Each measurement on the big session is run --runs times (3) and the
 * fastest time is kept, the one the rest of the machine disturbed least;
 * memory is the largest growth of those runs. The small session is run
 * once, for its memory.
 *
 *   bench-export [--messages N] [--runs N] [--dir DIR]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "bench-export"

#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "tsc-export.h"
#include "tsc-import.h"
#include "tsc-redact.h"
#include "tsc-route.h"
#include "tsc-session-store.h"
#include "tsc-wire.h"

#define BATCH_SIZE         50
#define APPEND_TRANSACTION 5000
#define TINY_MESSAGES      (4 * BATCH_SIZE)
#define COLLECTOR_URI      "http://127.0.0.1:8765"

static int n_messages = 200000;
static int n_runs = 3;
static char *work_dir = NULL;

/* Options of a child run. */
static char *child_mode = NULL;
static char *child_format = NULL;
static gboolean child_redact = FALSE;
static char *child_input = NULL;
static char *child_output = NULL;
static char *child_warm_input = NULL;

/* ---- memory ------------------------------------------------------------- */

/* A "Name:   123 kB" line of /proc/self/status, in bytes. */
static gsize
status_bytes (const char *name)
{
  g_autofree char *status = NULL;
  gsize name_len = strlen (name);

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;

  for (const char *line = status; line != NULL && *line != '\0';)
    {
      const char *next = strchr (line, '\n');

      if (strncmp (line, name, name_len) == 0 && line[name_len] == ':')
        return g_ascii_strtoull (line + name_len + 1, NULL, 10) * 1024;
      line = next != NULL ? next + 1 : NULL;
    }

  return 0;
}

/* Makes VmHWM start again from the current resident set size. */
static gboolean
reset_peak (void)
{
  int fd = open ("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = write (fd, "5", 1) == 1;
  close (fd);
  return ok;
}

/* ---- making sessions ---------------------------------------------------- */

/* One batch body of @count analytics.js-style calls from message @first on. */
static GBytes *
make_batch (int    first,
            int    count,
            gint64 received_at)
{
  static const char *events[] = { "Product Viewed", "Product Added", "Checkout Started",
                                  "Order Completed" };
  g_autofree char *sent_at = tsc_wire_format_time (received_at - 40000);
  GString *s = g_string_sized_new (count * 1024);

  g_string_append (s, "{\"batch\":[");
  for (int i = first; i < first + count; i++)
    {
      int user = i / 20;
      int step = i % 20;
      g_autofree char *timestamp = tsc_wire_format_time (received_at - 60000 + (i - first) * 100);
      g_autofree char *user_id = step >= 3 ? g_strdup_printf ("\"user-%d\"", user)
                                           : g_strdup ("null");
      g_autofree char *context = g_strdup_printf (
        "\"context\":{\"library\":{\"name\":\"analytics.js\",\"version\":\"npm:next-1.84.3\"},"
        "\"page\":{\"path\":\"/products/%d\",\"referrer\":\"https://search.example/?q=lamp\","
        "\"search\":\"\",\"title\":\"Shop\",\"url\":\"https://shop.example/products/%d\"},"
        "\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/156.0.0.0 Safari/537.36\",\"locale\":\"fr-FR\",\"timezone\":\"Europe/Paris\","
        "\"traits\":{\"email\":\"customer%d@example.com\"}}",
        i % 500, i % 500, user);

      if (i > first)
        g_string_append_c (s, ',');

      if (step == 3)
        g_string_append_printf (s,
          "{\"type\":\"identify\",\"anonymousId\":\"%08x-4b5a-4c6d-8e9f-%012x\",\"userId\":%s,"
          "\"traits\":{\"email\":\"customer%d@example.com\",\"firstName\":\"Ann\","
          "\"lastName\":\"Martin\",\"phone\":\"+33 1 23 45 %02d %02d\",\"plan\":\"pro\","
          "\"address\":{\"city\":\"Paris\",\"postalCode\":\"75001\"},"
          "\"createdAt\":\"2026-11-01T10:00:00Z\"},"
          "\"messageId\":\"ajs-next-%d-%08x\",\"timestamp\":\"%s\",%s,"
          "\"integrations\":{}}",
          user * 7919, user, user_id, user, user % 100, i % 100, i, i * 2654435761u,
          timestamp, context);
      else if (step % 4 == 0)
        g_string_append_printf (s,
          "{\"type\":\"page\",\"anonymousId\":\"%08x-4b5a-4c6d-8e9f-%012x\",\"userId\":%s,"
          "\"properties\":{\"path\":\"/products/%d\",\"referrer\":\"https://search.example/\","
          "\"search\":\"\",\"title\":\"Product %d\",\"url\":\"https://shop.example/products/%d\"},"
          "\"messageId\":\"ajs-next-%d-%08x\",\"timestamp\":\"%s\",%s,"
          "\"integrations\":{}}",
          user * 7919, user, user_id, i % 500, i % 500, i % 500, i, i * 2654435761u,
          timestamp, context);
      else
        g_string_append_printf (s,
          "{\"type\":\"track\",\"event\":\"%s\",\"anonymousId\":\"%08x-4b5a-4c6d-8e9f-%012x\","
          "\"userId\":%s,\"properties\":{\"sku\":\"SKU-%d\",\"name\":\"Desk Lamp\","
          "\"price\":19.99,\"quantity\":%d,\"currency\":\"EUR\",\"category\":\"Lighting\"},"
          "\"messageId\":\"ajs-next-%d-%08x\",\"timestamp\":\"%s\",%s,"
          "\"integrations\":{}}",
          events[step % 4], user * 7919, user, user_id, i % 500, 1 + step % 3, i,
          i * 2654435761u, timestamp, context);
    }
  g_string_append_printf (s, "],\"sentAt\":\"%s\"}", sent_at);

  return g_string_free_to_bytes (s);
}

/* Stores one POST of @body to /v1/batch, decoded as the collector does. */
static void
store_batch (TscSessionStore *store,
             GBytes          *body,
             gint64           received_at)
{
  static const char * const headers[] = {
    "Content-Type", "text/plain",
    "User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/156.0.0.0 Safari/537.36",
    "Origin", "https://shop.example",
    "Authorization", "Basic YmVuY2gtd3JpdGUta2V5Og==",  /* bench-write-key: */
    NULL
  };
  g_autoptr(TscRequestRecord) record = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) error = NULL;
  TscWireRequest request = { 0 };
  TscWireLimits limits;
  TscRoute route;

  tsc_wire_limits_init (&limits);
  if (!tsc_route_parse ("/v1/batch", &route))
    g_error ("/v1/batch is no route");

  request.method = "POST";
  request.path = "/v1/batch";
  request.remote_addr = "192.0.2.7";
  request.headers = headers;
  request.body = body;
  request.received_at = received_at;

  record = tsc_wire_record_new (&request, &route);
  messages = tsc_wire_decode (&request, &route, &limits, record, &error);
  if (messages == NULL)
    g_error ("cannot decode a batch: %s", error->message);
  record->status = 200;
  tsc_request_record_keep_body (record, NULL, 0);

  if (!tsc_session_store_append (store, record, messages, &error))
    g_error ("cannot store a batch: %s", error->message);
  tsc_route_clear (&route);
}

static char *
make_session (const char *name,
              int         count)
{
  char *path = g_build_filename (work_dir, name, NULL);
  g_autoptr(TscSessionStore) store = NULL;
  g_autoptr(GError) error = NULL;
  gint64 received_at = tsc_wire_parse_time ("2026-11-29T10:00:00.000Z");

  tsc_session_store_remove_files (path);
  store = tsc_session_store_open (path, TSC_SESSION_STORE_OPEN_CREATE, &error);
  if (store == NULL)
    g_error ("%s", error->message);

  for (int first = 0; first < count; first += BATCH_SIZE)
    {
      g_autoptr(GBytes) body = make_batch (first, MIN (BATCH_SIZE, count - first), received_at);

      /* The collector commits a few requests at a time. */
      if (first % (BATCH_SIZE * 20) == 0 && !tsc_session_store_begin (store, &error))
        g_error ("%s", error->message);
      store_batch (store, body, received_at);
      if ((first / BATCH_SIZE) % 20 == 19 || first + BATCH_SIZE >= count)
        {
          if (!tsc_session_store_commit (store, &error))
            g_error ("%s", error->message);
        }
      received_at += 250000;
    }

  if (!tsc_session_store_set_info (store, "collector", COLLECTOR_URI, &error))
    g_error ("%s", error->message);

  return path;
}

/* ---- the runs (in a child) ---------------------------------------------- */

static GOutputStream *
create_output (const char  *path,
               GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  return G_OUTPUT_STREAM (g_file_replace (file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                          NULL, error));
}

static gboolean
run_export (const char  *session,
            const char  *output,
            guint64     *n_written,
            GError     **error)
{
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(TscRedactor) redactor = NULL;
  TscExportOptions options = { 0 };

  if (!tsc_export_format_from_string (child_format, &options.format))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "no format %s", child_format);
      return FALSE;
    }
  if (child_redact)
    {
      redactor = tsc_redactor_new (NULL, NULL);
      options.redactor = redactor;
    }

  out = create_output (output, error);
  return out != NULL &&
         tsc_export_session (session, &options, out, NULL, n_written, error) &&
         g_output_stream_close (out, NULL, error);
}

/* Every message's raw bytes, one a line, with nothing but SQLite. */
static gboolean
run_baseline_export (const char  *session,
                     const char  *output,
                     guint64     *n_written,
                     GError     **error)
{
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GString) buffer = g_string_sized_new (128 * 1024);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;
  int rc;

  *n_written = 0;
  out = create_output (output, error);
  if (out == NULL)
    return FALSE;

  if (sqlite3_open_v2 (session, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db, "SELECT raw FROM messages ORDER BY seq", -1, &stmt,
                          NULL) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", session, sqlite3_errmsg (db));
      goto out;
    }

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_string_append_len (buffer, sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
      g_string_append_c (buffer, '\n');
      (*n_written)++;
      if (buffer->len >= 64 * 1024)
        {
          if (!g_output_stream_write_all (out, buffer->str, buffer->len, NULL, NULL, error))
            goto out;
          g_string_truncate (buffer, 0);
        }
    }
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", session, sqlite3_errmsg (db));
      goto out;
    }

  ok = g_output_stream_write_all (out, buffer->str, buffer->len, NULL, NULL, error) &&
       g_output_stream_close (out, NULL, error);

out:
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return ok;
}

static gboolean
run_import (const char  *input,
            const char  *output,
            guint64     *n_written,
            GError     **error)
{
  const char *inputs[] = { input, NULL };
  g_autoptr(TscImportReport) report = NULL;

  tsc_session_store_remove_files (output);
  if (!tsc_import_to_session (inputs, output, TSC_IMPORT_FLAGS_NONE, &report, NULL, error))
    return FALSE;

  *n_written = report->n_calls;
  return TRUE;
}

/* A request with its messages, loaded for the append baseline. */
typedef struct
{
  TscRequestRecord *record;
  GPtrArray        *messages;
} Request;

static void
request_clear (gpointer data)
{
  Request *request = data;

  g_clear_pointer (&request->record, tsc_request_record_unref);
  g_clear_pointer (&request->messages, g_ptr_array_unref);
}

/* Every request of @session with its messages, in receive order. */
static GArray *
load_requests (const char  *session,
               GError     **error)
{
  g_autoptr(TscSessionStore) store = NULL;
  g_autoptr(GArray) requests = g_array_new (FALSE, TRUE, sizeof (Request));
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  gint64 after = 0;

  g_array_set_clear_func (requests, request_clear);

  store = tsc_session_store_open (session, TSC_SESSION_STORE_OPEN_READ_ONLY, error);
  if (store == NULL)
    return NULL;

  for (;;)
    {
      g_autoptr(GPtrArray) chunk = tsc_session_store_load_requests (store, after, 1000, error);

      if (chunk == NULL)
        return NULL;
      if (chunk->len == 0)
        break;

      for (guint i = 0; i < chunk->len; i++)
        {
          Request request;

          request.record = tsc_request_record_ref (g_ptr_array_index (chunk, i));
          request.messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref);
          g_array_append_val (requests, request);
        }
      after = ((TscRequestRecord *) g_ptr_array_index (chunk, chunk->len - 1))->id;
    }

  /* The array is complete: its elements stay where they are. */
  for (guint i = 0; i < requests->len; i++)
    {
      Request *request = &g_array_index (requests, Request, i);

      g_hash_table_insert (by_id, &request->record->id, request);
    }

  after = 0;
  for (;;)
    {
      g_autoptr(GPtrArray) chunk = tsc_session_store_load_messages (store, after, 5000, error);

      if (chunk == NULL)
        return NULL;
      if (chunk->len == 0)
        break;

      for (guint i = 0; i < chunk->len; i++)
        {
          TscMessage *m = g_ptr_array_index (chunk, i);
          Request *request = g_hash_table_lookup (by_id, &m->transport->request_id);

          if (request == NULL)
            g_error ("message %" G_GINT64_FORMAT " has no request", m->seq);
          g_ptr_array_add (request->messages, tsc_message_ref (m));
        }
      after = ((TscMessage *) g_ptr_array_index (chunk, chunk->len - 1))->seq;
    }

  return g_steal_pointer (&requests);
}

/* What an import must do at least: append @requests to a new session
 * file in transactions of APPEND_TRANSACTION messages, and close it. */
static gboolean
run_append (GArray      *requests,
            const char  *output,
            guint64     *n_written,
            GError     **error)
{
  g_autoptr(TscSessionStore) store = NULL;
  guint in_transaction = 0;

  *n_written = 0;
  tsc_session_store_remove_files (output);
  store = tsc_session_store_open (output, TSC_SESSION_STORE_OPEN_CREATE, error);
  if (store == NULL)
    return FALSE;

  for (guint i = 0; i < requests->len; i++)
    {
      Request *request = &g_array_index (requests, Request, i);

      if (in_transaction == 0 && !tsc_session_store_begin (store, error))
        return FALSE;
      if (!tsc_session_store_append (store, request->record, request->messages, error))
        return FALSE;
      in_transaction += MAX (request->messages->len, 1);
      *n_written += request->messages->len;
      if (in_transaction >= APPEND_TRANSACTION)
        {
          in_transaction = 0;
          if (!tsc_session_store_commit (store, error))
            return FALSE;
        }
    }
  if (in_transaction > 0 && !tsc_session_store_commit (store, error))
    return FALSE;

  /* Closing folds the write-ahead log into the file, as an import does. */
  g_clear_object (&store);
  return TRUE;
}

static gboolean
run_once (const char  *input,
          const char  *output,
          guint64     *n_written,
          GError     **error)
{
  if (g_strcmp0 (child_mode, "export") == 0)
    return run_export (input, output, n_written, error);
  if (g_strcmp0 (child_mode, "baseline-export") == 0)
    return run_baseline_export (input, output, n_written, error);
  if (g_strcmp0 (child_mode, "import") == 0)
    return run_import (input, output, n_written, error);

  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "no mode %s", child_mode);
  return FALSE;
}

/* Warms up on the tiny input, then runs once on the real one and prints
 * "µs messages peak-growth-bytes". */
static int
run_child (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) requests = NULL;
  g_autoptr(GArray) warm_requests = NULL;
  g_autofree char *warm_output = NULL;
  gboolean append = g_strcmp0 (child_mode, "baseline-import") == 0;
  guint64 n = 0;
  gsize rss_before, peak;
  gint64 start, usec;
  gboolean ok;

  if (child_input == NULL || child_output == NULL || child_warm_input == NULL)
    g_error ("a child run needs --input, --output and --warm-input");
  warm_output = g_strconcat (child_output, ".warm", NULL);

  /* The append baseline's input is loaded beforehand: it is not timed. */
  if (append)
    {
      warm_requests = load_requests (child_warm_input, &error);
      requests = warm_requests != NULL ? load_requests (child_input, &error) : NULL;
      if (requests == NULL)
        g_error ("%s", error->message);
      ok = run_append (warm_requests, warm_output, &n, &error);
    }
  else
    {
      ok = run_once (child_warm_input, warm_output, &n, &error);
    }
  if (!ok)
    g_error ("warm-up: %s", error->message);
  tsc_session_store_remove_files (warm_output);

  if (!reset_peak ())
    g_printerr ("bench-export: cannot reset the peak resident set size; "
                "memory growth includes the warm-up\n");
  rss_before = status_bytes ("VmRSS");

  start = g_get_monotonic_time ();
  if (append)
    ok = run_append (requests, child_output, &n, &error);
  else
    ok = run_once (child_input, child_output, &n, &error);
  usec = g_get_monotonic_time () - start;
  if (!ok)
    g_error ("%s", error->message);

  peak = status_bytes ("VmHWM");
  g_print ("%" G_GINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GSIZE_FORMAT "\n", usec, n,
           peak > rss_before ? peak - rss_before : 0);
  return 0;
}

/* ---- the parent: runs the children and prints the table ----------------- */

static char *self_path = NULL;

typedef struct
{
  double  seconds;
  guint64 messages;
  double  growth_mb;
  double  output_mb;
} Run;

/* One child run: its time, how many messages it wrote, its peak growth. */
static Run
spawn_once (GPtrArray  *argv,
            const char *mode,
            const char *output)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  gint64 usec = 0;
  guint64 n = 0;
  gsize growth = 0;
  GStatBuf st;
  int status;
  Run run = { 0 };

  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL,
                     &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    g_error ("%s run failed: %s", mode, error->message);
  if (sscanf (out, "%" G_GINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GSIZE_FORMAT,
              &usec, &n, &growth) != 3)
    g_error ("%s run printed “%s”", mode, out);

  run.seconds = usec / 1e6;
  run.messages = n;
  run.growth_mb = growth / 1048576.0;
  if (g_stat (output, &st) == 0)
    run.output_mb = st.st_size / 1e6;
  return run;
}

/* @repeat child runs of @mode: the fastest time (the one least disturbed
 * by the rest of the machine) and the largest memory growth. */
static Run
spawn_run (const char *mode,
           const char *format,
           gboolean    redact,
           const char *input,
           const char *warm_input,
           const char *output,
           int         repeat)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  Run best = { 0 };

  g_ptr_array_add (argv, self_path);
  g_ptr_array_add (argv, (gpointer) "--child");
  g_ptr_array_add (argv, (gpointer) mode);
  if (format != NULL)
    {
      g_ptr_array_add (argv, (gpointer) "--format");
      g_ptr_array_add (argv, (gpointer) format);
    }
  if (redact)
    g_ptr_array_add (argv, (gpointer) "--redact");
  g_ptr_array_add (argv, (gpointer) "--input");
  g_ptr_array_add (argv, (gpointer) input);
  g_ptr_array_add (argv, (gpointer) "--warm-input");
  g_ptr_array_add (argv, (gpointer) warm_input);
  g_ptr_array_add (argv, (gpointer) "--output");
  g_ptr_array_add (argv, (gpointer) output);
  g_ptr_array_add (argv, NULL);

  for (int i = 0; i < MAX (repeat, 1); i++)
    {
      Run run = spawn_once (argv, mode, output);

      if (i == 0 || run.seconds < best.seconds)
        {
          double growth = MAX (run.growth_mb, best.growth_mb);

          best = run;
          best.growth_mb = growth;
        }
      else
        {
          best.growth_mb = MAX (run.growth_mb, best.growth_mb);
        }
    }

  return best;
}

static void
check_count (const char *what,
             const Run  *run,
             int         expected)
{
  if (run->messages != (guint64) expected)
    g_print ("  ! %s: %" G_GUINT64_FORMAT " messages, expected %d\n", what, run->messages,
             expected);
}

static char *
work_path (const char *name)
{
  return g_build_filename (work_dir, name, NULL);
}

/* Exports the tiny session in this process, for the import children's
 * warm-up. */
static char *
export_tiny (const char      *tiny,
             TscExportFormat  format)
{
  g_autofree char *name = g_strconcat ("tiny", tsc_export_format_extension (format), NULL);
  char *path = work_path (name);
  g_autoptr(GOutputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  TscExportOptions options = { 0 };

  options.format = format;
  out = create_output (path, &error);
  if (out == NULL ||
      !tsc_export_session (tiny, &options, out, NULL, NULL, &error) ||
      !g_output_stream_close (out, NULL, &error))
    g_error ("%s", error->message);
  return path;
}

static const char *
growth_ratio (double big,
              double small,
              char   *buf,
              gsize   size)
{
  /* Below a page or two, the ratio says nothing. */
  if (small < 0.05)
    g_snprintf (buf, size, "%s", big < 0.05 ? "~1" : "n/a");
  else
    g_snprintf (buf, size, "%.2f", big / small);
  return buf;
}

static int
run_parent (void)
{
  static const char * const formats[] = { "ndjson", "json", "har" };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir_owned = NULL;
  g_autofree char *big = NULL;
  g_autofree char *small = NULL;
  g_autofree char *tiny = NULL;
  g_autofree char *tiny_ndjson = NULL;
  g_autofree char *tiny_har = NULL;
  g_autofree char *base_out = NULL;
  int n_small = MAX (n_messages / 10, BATCH_SIZE);
  Run base_big, base_small, append_big;
  gint64 start;
  GStatBuf st;
  char ratio[32];

  self_path = g_file_read_link ("/proc/self/exe", &error);
  if (self_path == NULL)
    g_error ("%s", error->message);

  if (work_dir == NULL)
    {
      dir_owned = g_dir_make_tmp ("bench-export-XXXXXX", &error);
      if (dir_owned == NULL)
        g_error ("%s", error->message);
      work_dir = g_strdup (dir_owned);
    }

  base_out = work_path ("baseline.ndjson");
  start = g_get_monotonic_time ();
  big = make_session ("big.trackscope", n_messages);
  small = make_session ("small.trackscope", n_small);
  tiny = make_session ("tiny.trackscope", TINY_MESSAGES);
  tiny_ndjson = export_tiny (tiny, TSC_EXPORT_NDJSON);
  tiny_har = export_tiny (tiny, TSC_EXPORT_HAR);

  g_print ("export/import: %d and %d messages in batches of %d, session files of %.1f MB "
           "(made in %.1f s)\n", n_messages, n_small, BATCH_SIZE,
           g_stat (big, &st) == 0 ? st.st_size / 1e6 : 0.0,
           (g_get_monotonic_time () - start) / 1e6);
  g_print ("  each run in a fresh child process; memory = peak resident set growth (VmHWM)\n\n");

  /* Export ---------------------------------------------------------------- */

  base_big = spawn_run ("baseline-export", NULL, FALSE, big, tiny, base_out, n_runs);
  base_small = spawn_run ("baseline-export", NULL, FALSE, small, tiny, base_out, 1);
  check_count ("baseline", &base_big, n_messages);
  g_remove (base_out);

  g_print ("  %-34s %10s %6s %8s %9s %9s %7s\n", "export", "messages/s", "ratio", "MB out",
           "mem big", "mem small", "big/sm");
  g_print ("  %-34s %10.0f %6.2f %8.1f %7.1fMB %7.1fMB %7s\n",
           "baseline (SQLite raw + newline)", base_big.messages / base_big.seconds, 1.0,
           base_big.output_mb, base_big.growth_mb, base_small.growth_mb,
           growth_ratio (base_big.growth_mb, base_small.growth_mb, ratio, sizeof ratio));

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    {
      for (int redact = 0; redact <= 1; redact++)
        {
          g_autofree char *name = g_strdup_printf ("%s%s.%s", formats[f],
                                                   redact ? "-redacted" : "", formats[f]);
          g_autofree char *out_big = work_path (name);
          g_autofree char *small_name = g_strconcat ("small-", name, NULL);
          g_autofree char *out_small = work_path (small_name);
          g_autofree char *label = g_strdup_printf ("tsc_export_session %s%s", formats[f],
                                                    redact ? " --redact" : "");
          Run r_big, r_small;

          r_big = spawn_run ("export", formats[f], redact, big, tiny, out_big, n_runs);
          r_small = spawn_run ("export", formats[f], redact, small, tiny, out_small, 1);
          check_count (label, &r_big, n_messages);
          check_count (label, &r_small, n_small);

          g_print ("  %-34s %10.0f %6.2f %8.1f %7.1fMB %7.1fMB %7s\n", label,
                   r_big.messages / r_big.seconds, r_big.seconds / base_big.seconds,
                   r_big.output_mb, r_big.growth_mb, r_small.growth_mb,
                   growth_ratio (r_big.growth_mb, r_small.growth_mb, ratio, sizeof ratio));

          /* The plain NDJSON and HAR exports are imported below. */
          if (redact || f == 1)
            {
              g_remove (out_big);
              g_remove (out_small);
            }
        }
    }

  /* Import ---------------------------------------------------------------- */

  {
    g_autofree char *append_out = work_path ("append.trackscope");

    append_big = spawn_run ("baseline-import", NULL, FALSE, big, tiny, append_out, n_runs);
    check_count ("append baseline", &append_big, n_messages);
    tsc_session_store_remove_files (append_out);

    g_print ("\n  %-34s %10s %6s %8s %9s %9s %7s\n", "import", "messages/s", "ratio", "MB in",
             "mem big", "mem small", "big/sm");
    /* Its input is loaded before the run, so its growth says little. */
    g_print ("  %-34s %10.0f %6.2f %8s %9s %9s %7s\n",
             "baseline (store_append, 5,000/tx)", append_big.messages / append_big.seconds, 1.0,
             "-", "-", "-", "-");
  }

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    {
      g_autofree char *name = NULL;
      g_autofree char *small_name = NULL;
      g_autofree char *in_big = NULL;
      g_autofree char *in_small = NULL;
      g_autofree char *out = work_path ("imported.trackscope");
      g_autofree char *label = g_strdup_printf ("tsc_import_to_session %s", formats[f]);
      const char *warm = f == 0 ? tiny_ndjson : tiny_har;
      Run r_big, r_small;

      if (f == 1)
        continue;

      name = g_strdup_printf ("%s.%s", formats[f], formats[f]);
      small_name = g_strconcat ("small-", name, NULL);
      in_big = work_path (name);
      in_small = work_path (small_name);

      r_big = spawn_run ("import", NULL, FALSE, in_big, warm, out, n_runs);
      r_small = spawn_run ("import", NULL, FALSE, in_small, warm, out, 1);
      check_count (label, &r_big, n_messages);
      check_count (label, &r_small, n_small);
      tsc_session_store_remove_files (out);

      g_print ("  %-34s %10.0f %6.2f %8.1f %7.1fMB %7.1fMB %7s\n", label,
               r_big.messages / r_big.seconds, r_big.seconds / append_big.seconds,
               g_stat (in_big, &st) == 0 ? st.st_size / 1e6 : 0.0, r_big.growth_mb,
               r_small.growth_mb,
               growth_ratio (r_big.growth_mb, r_small.growth_mb, ratio, sizeof ratio));
      g_remove (in_big);
      g_remove (in_small);
    }

  g_print ("\n  ratio: time / baseline time (lower is better); big/sm: memory growth "
           "with %d messages / with %d (about 1 when memory is constant)\n",
           n_messages, n_small);
  /* Exports read and write in chunks of 2,048 messages and SQLite keeps
   * its page cache: a smaller session never reaches that working set. */
  if (n_small < 10000)
    g_print ("  (the small session is smaller than an export's working set: use "
             "--messages 100000 or more for a meaningful big/sm)\n");

  g_remove (tiny_ndjson);
  g_remove (tiny_har);
  tsc_session_store_remove_files (big);
  tsc_session_store_remove_files (small);
  tsc_session_store_remove_files (tiny);
  if (dir_owned != NULL)
    g_rmdir (dir_owned);
  return 0;
}

int
main (int    argc,
      char **argv)
{
  const GOptionEntry entries[] = {
    { "messages", 0, 0, G_OPTION_ARG_INT, &n_messages, "Messages in the big session", "N" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &n_runs,
      "Runs of each measurement on the big session; the fastest counts", "N" },
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &work_dir,
      "Folder for the session and export files (default: a new temporary folder)", "DIR" },
    { "child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &child_mode, NULL, NULL },
    { "format", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &child_format, NULL, NULL },
    { "redact", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &child_redact, NULL, NULL },
    { "input", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &child_input, NULL, NULL },
    { "warm-input", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &child_warm_input, NULL,
      NULL },
    { "output", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &child_output, NULL, NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  int rc;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    g_error ("%s", error->message);
  if (n_messages < BATCH_SIZE)
    g_error ("--messages must be at least %d", BATCH_SIZE);

  rc = child_mode != NULL ? run_child () : run_parent ();

  g_free (child_mode);
  g_free (child_format);
  g_free (child_input);
  g_free (child_warm_input);
  g_free (child_output);
  g_free (work_dir);
  g_free (self_path);
  return rc;
}
