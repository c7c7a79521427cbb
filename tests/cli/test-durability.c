/* test-durability.c: an acknowledged call survives `kill -9`
 *
 * Starts `trackscope-cli capture --quiet`, posts single calls and
 * batches with unique messageIds from several threads, kills the process
 * with SIGKILL half-way, and then checks that the session file is sound
 * and holds every messageId whose request was answered 200.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-durability"

#include "config.h"

#include <signal.h>
#include <string.h>

#include <libsoup/soup.h>
#include <sqlite3.h>

#include "tsc-test-util.h"

#define N_WORKERS        6
#define BATCH_SIZE       20
/* How long calls are posted before the kill. */
#define RUN_BEFORE_KILL_MS 900
#define LINE_TIMEOUT_MS  10000

typedef struct
{
  guint         index;
  const char   *uri;
  gint         *stop;         /* atomic */
  gint         *killed;       /* atomic */
  gint         *n_acked;      /* atomic, all workers */
  GPtrArray    *acked;        /* message ids answered 200 */
  guint         n_requests;
  guint         n_errors_before_kill;
  guint         n_other_status;
} Worker;

static gpointer
worker_thread (gpointer data)
{
  Worker *w = data;
  g_autoptr(SoupSession) session = NULL;

  /* Its own session, used only from this thread; every request bounded. */
  session = soup_session_new_with_options ("timeout", 5, "proxy-resolver", NULL, NULL);

  for (guint r = 0; !g_atomic_int_get (w->stop); r++)
    {
      gboolean batch = r % 3 == 2;
      g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GString) body = g_string_new (NULL);
      g_autoptr(SoupMessage) msg = NULL;
      g_autoptr(GBytes) reply = NULL;
      g_autoptr(GError) error = NULL;
      gboolean killed_before = g_atomic_int_get (w->killed);

      if (batch)
        {
          g_string_append (body, "{\"batch\":[");
          for (guint i = 0; i < BATCH_SIZE; i++)
            {
              char *id = g_strdup_printf ("w%u-r%u-m%u", w->index, r, i);

              g_string_append_printf (body, "%s{\"type\":\"track\",\"event\":\"Durable\","
                                      "\"userId\":\"user-%u\",\"messageId\":\"%s\","
                                      "\"properties\":{\"i\":%u}}",
                                      i ? "," : "", w->index, id, i);
              g_ptr_array_add (ids, id);
            }
          g_string_append (body, "],\"sentAt\":\"2026-01-01T00:00:00.000Z\"}");
        }
      else
        {
          char *id = g_strdup_printf ("w%u-r%u", w->index, r);

          g_string_append_printf (body, "{\"type\":\"track\",\"event\":\"Durable\","
                                  "\"anonymousId\":\"anon-%u\",\"messageId\":\"%s\"}",
                                  w->index, id);
          g_ptr_array_add (ids, id);
        }

      msg = tsc_test_new_request ("POST", w->uri, batch ? "/v1/batch" : "/v1/t", "text/plain",
                                  body->str, body->len);

      w->n_requests++;
      reply = soup_session_send_and_read (session, msg, NULL, &error);
      if (reply == NULL)
        {
          if (!killed_before && !g_atomic_int_get (w->killed))
            {
              w->n_errors_before_kill++;
              g_printerr ("# worker %u: %s\n", w->index, error->message);
            }
          if (g_atomic_int_get (w->killed))
            break;
          continue;
        }

      if (soup_message_get_status (msg) != SOUP_STATUS_OK)
        {
          w->n_other_status++;
          continue;
        }

      /* Acknowledged: from now on it must be in the file. */
      for (guint i = 0; i < ids->len; i++)
        g_ptr_array_add (w->acked, g_strdup (g_ptr_array_index (ids, i)));
      g_atomic_int_add (w->n_acked, ids->len);
    }

  return NULL;
}

static void
test_acknowledged_survive_kill (void)
{
  g_autofree char *session = NULL;
  g_autofree char *dir = tsc_test_make_tmp_dir ("trackscope-durability-XXXXXX", "s.trackscope", &session);
  const char * const args[] = { "capture", "--quiet", "--listen", "127.0.0.1:0", "--session", session,
                                NULL };
  g_auto(TscTestCapture) capture = { 0 };
  g_autoptr(GHashTable) stored = NULL;
  Worker workers[N_WORKERS] = { 0 };
  GThread *threads[N_WORKERS];
  gint stop = 0;
  gint killed = 0;
  gint n_acked = 0;
  guint n_missing = 0;
  guint n_acked_total = 0;
  guint n_requests = 0;
  gint64 start = g_get_monotonic_time ();
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  tsc_test_capture_start (&capture, NULL, args);

  for (guint i = 0; i < N_WORKERS; i++)
    {
      workers[i].index = i;
      workers[i].uri = capture.uri;
      workers[i].stop = &stop;
      workers[i].killed = &killed;
      workers[i].n_acked = &n_acked;
      workers[i].acked = g_ptr_array_new_with_free_func (g_free);
      threads[i] = g_thread_new ("durability-worker", worker_thread, &workers[i]);
    }

  /* Mid-way through a steady stream of calls: SIGKILL, no clean stop. */
  g_usleep (RUN_BEFORE_KILL_MS * 1000);
  g_atomic_int_set (&killed, 1);
  g_subprocess_force_exit (capture.process);
  tsc_test_wait_for_exit (capture.process, LINE_TIMEOUT_MS);
  g_assert_true (g_subprocess_get_if_signaled (capture.process));
  g_assert_cmpint (g_subprocess_get_term_sig (capture.process), ==, SIGKILL);

  g_atomic_int_set (&stop, 1);
  for (guint i = 0; i < N_WORKERS; i++)
    g_thread_join (threads[i]);

  for (guint i = 0; i < N_WORKERS; i++)
    {
      g_assert_cmpuint (workers[i].n_errors_before_kill, ==, 0);
      g_assert_cmpuint (workers[i].n_other_status, ==, 0);
      n_acked_total += workers[i].acked->len;
      n_requests += workers[i].n_requests;
    }
  g_test_message ("%u requests, %u messages acknowledged before the kill", n_requests, n_acked_total);
  g_assert_cmpint (n_acked, ==, (gint) n_acked_total);
  /* Enough that the test means something. */
  g_assert_cmpuint (n_acked_total, >, 50);

  /* The file as the next reader (the app, `check`) finds it. */
  stored = tsc_test_stored_message_ids (session);
  g_test_message ("%u messages in the file", g_hash_table_size (stored));

  for (guint i = 0; i < N_WORKERS; i++)
    {
      for (guint j = 0; j < workers[i].acked->len; j++)
        {
          const char *id = g_ptr_array_index (workers[i].acked, j);

          if (!g_hash_table_contains (stored, id))
            {
              if (n_missing < 10)
                g_test_message ("acknowledged but missing: %s", id);
              n_missing++;
            }
        }
    }
  g_assert_cmpuint (n_missing, ==, 0);
  g_assert_cmpuint (g_hash_table_size (stored), >=, n_acked_total);

  /* Plain SQLite agrees: the file is sound and every message has its request. */
  g_assert_cmpint (sqlite3_open_v2 (session, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  g_assert_cmpint (tsc_test_db_int (session, "SELECT count(*) FROM messages m LEFT JOIN requests r"
                                    " ON r.id = m.request_id WHERE r.id IS NULL", NULL), ==, 0);

  g_test_message ("took %.1f s", (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);

  for (guint i = 0; i < N_WORKERS; i++)
    g_ptr_array_unref (workers[i].acked);
  tsc_test_remove_tree (dir);
}

int
main (int    argc,
      char **argv)
{
  if (!tsc_test_init_for_cli (&argc, &argv))
    return 1;

  g_test_add_func ("/cli/durability/acknowledged-calls-survive-kill-9", test_acknowledged_survive_kill);

  return g_test_run ();
}
