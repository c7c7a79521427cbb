/* test-forward-cli.c: `trackscope-cli capture --forward`, the real binary
 *
 * The capture must answer and store every call at once whatever the
 * upstream does: nothing listening, an upstream that holds each request
 * for seconds, or a second real capture. The slow upstream is a
 * SoupServer of the test's own, in a thread of its own so that it keeps
 * its own time while the test talks to the capture. After the stop, the
 * session's `upstream` table must hold an outcome per forwarded request.
 * Every wait is bounded.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-forward-cli"

#include "config.h"

#include <signal.h>
#include <string.h>

#include <libsoup/soup.h>

#include "tsc-test-util.h"

/* Calls sent in the tests against a failing or slow upstream. */
#define N_CALLS 50

/* How long the slow upstream holds each request. */
#define HOLD_MS 4000

/* ---------------------------------------------------------------------- */
/* Sending and reading back                                                */

static gboolean
upstream_has_replied (gpointer data)
{
  return tsc_test_upstream_get_n_replied (data) > 0;
}

/* Sends N_CALLS single calls; every one must be answered 200 at once. */
static void
post_many (SoupSession *http,
           const char  *base_uri)
{
  for (guint i = 0; i < N_CALLS; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"type\":\"track\",\"event\":\"Step %u\","
                                               "\"anonymousId\":\"a1\",\"messageId\":\"f-%u\"}",
                                               i, i);

      g_assert_cmpuint (tsc_test_post_json (http, base_uri, "/v1/track", NULL, body), ==, 200);
    }
}

static gint64
count_rows (const char *session,
            const char *sql)
{
  return tsc_test_db_int (session, sql, NULL);
}

typedef struct
{
  char           *dir;
  char           *session;
  SoupSession    *http;
  TscTestCapture  capture;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = tsc_test_make_tmp_dir ("trackscope-forward-XXXXXX", "s.trackscope", &f->session);
  f->http = soup_session_new_with_options ("timeout", 15, "proxy-resolver", NULL, NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  tsc_test_capture_clear (&f->capture);
  g_clear_object (&f->http);
  g_assert_true (tsc_test_remove_tree (f->dir));
  g_clear_pointer (&f->session, g_free);
  g_clear_pointer (&f->dir, g_free);
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                   */

static void
test_forward_to_closed_port (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *upstream = tsc_test_unused_uri ();
  g_autofree char *summary = NULL;
  const char *err;

  tsc_test_capture_start_session (&f->capture, f->session, upstream);
  post_many (f->http, f->capture.uri);
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM requests"), ==, N_CALLS);
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM messages"), ==, N_CALLS);

  /* The first requests give up after their 4 tries (0.5 + 1 + 2 s). */
  tsc_test_capture_wait_for_stderr (&f->capture,
                                    "upstream unreachable after 4 attempts: /v1/track request ",
                                    20000);
  err = tsc_test_capture_stop (&f->capture, SIGTERM);

  summary = g_strdup_printf ("Forwarded %u requests: 0 accepted, %u failed", N_CALLS, N_CALLS);
  tsc_test_assert_contains (err, summary);

  /* An outcome per request: failed with the tries made, or given up on. */
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM upstream"), ==, N_CALLS);
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM upstream u JOIN requests r "
                                           "ON r.id = u.request_id"), ==, N_CALLS);
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM upstream WHERE status <> 0"),
                   ==, 0);
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM upstream WHERE attempts = 4 "
                                           "AND error LIKE '%Connection refused%'"), >=, 1);
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM upstream WHERE NOT "
                                           "((attempts = 4 AND error LIKE '%Connection refused%') "
                                           "OR error = 'not forwarded: capture stopped')"),
                   ==, 0);
}

static void
test_forward_to_slow_upstream (Fixture       *f,
                               gconstpointer  data)
{
  const TscTestUpstreamScript script = { { 200 }, NULL, HOLD_MS };
  g_autoptr(TscTestUpstream) u = tsc_test_upstream_start (&script);
  g_autofree char *summary = NULL;
  const char *err;
  gint64 accepted;
  gint64 unanswered;
  guint replied_when_answered;

  tsc_test_capture_start_session (&f->capture, f->session, tsc_test_upstream_get_uri (u));
  post_many (f->http, f->capture.uri);

  /* Every call was answered and stored while the upstream answered none. */
  replied_when_answered = tsc_test_upstream_get_n_replied (u);
  g_assert_cmpuint (replied_when_answered, ==, 0);
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM messages"), ==, N_CALLS);

  /* Let the upstream answer the first ones, then stop. */
  g_assert_true (tsc_test_wait_until (upstream_has_replied, u, 30000));
  err = tsc_test_capture_stop (&f->capture, SIGTERM);
  g_assert_cmpuint (tsc_test_upstream_get_n_requests (u), >=, 1);

  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM upstream"), ==, N_CALLS);
  accepted = count_rows (f->session, "SELECT count(*) FROM upstream WHERE status = 200 "
                                     "AND attempts = 1 AND error IS NULL");
  g_assert_cmpint (accepted, >=, 1);
  g_assert_cmpint (accepted, <=, tsc_test_upstream_get_n_replied (u));
  /* At the stop, the request on its way (one at a time, in order) may have
   * reached the upstream: it is told apart from those never sent. */
  unanswered = count_rows (f->session, "SELECT count(*) FROM upstream WHERE status = 0 AND "
                                       "attempts = 1 AND "
                                       "error = 'sent, no reply before the capture stopped'");
  g_assert_cmpint (unanswered, >=, 1);
  g_assert_cmpint (unanswered, ==, 1);
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM upstream WHERE attempts = 0 AND "
                                           "error = 'not forwarded: capture stopped'"),
                   ==, N_CALLS - accepted - unanswered);

  summary = g_strdup_printf ("Forwarded %u requests: %" G_GINT64_FORMAT " accepted, %"
                             G_GINT64_FORMAT " failed (%" G_GINT64_FORMAT " not sent before the "
                             "stop) (%" G_GINT64_FORMAT " sent but unanswered at the stop: they "
                             "may have arrived)\n", N_CALLS, accepted,
                             N_CALLS - accepted, N_CALLS - accepted - unanswered, unanswered);
  tsc_test_assert_contains (err, summary);
  /* Accepted requests and those the stop gave up on get no line each. */
  g_assert_null (strstr (err, "upstream "));
}

static const char envelope_batch[] =
  "{\"batch\":[{\"type\":\"track\",\"event\":\"Viewed\",\"anonymousId\":\"a1\",\"messageId\":\"m-2\"},"
  "{\"type\":\"identify\",\"userId\":\"u1\",\"anonymousId\":\"a1\",\"traits\":{\"plan\":\"pro\"}}],"
  "\"context\":{\"library\":{\"name\":\"flow-lib\",\"version\":\"2\"}},"
  "\"sentAt\":\"2024-05-01T10:00:05.000Z\",\"writeKey\":\"WK1\"}";

static const char gzip_batch[] =
  "{\"batch\":[{\"type\":\"group\",\"groupId\":\"g1\",\"userId\":\"u1\",\"messageId\":\"m-5\"},"
  "{\"type\":\"alias\",\"userId\":\"u2\",\"previousId\":\"u1\",\"messageId\":\"m-6\"}]}";

static void
test_forward_to_second_capture (Fixture       *f,
                                gconstpointer  data)
{
  g_autofree char *second = g_build_filename (f->dir, "second.trackscope", NULL);
  g_autoptr(GBytes) gz = tsc_test_compress (gzip_batch, strlen (gzip_batch),
                                            G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  const char *gzip_headers[] = { "Content-Encoding", "gzip",
                                 "Authorization", "Basic V0sxOg==",   /* WK1: */
                                 "User-Agent", "flow-client/1.0", NULL };
  const char *uri;
  g_autofree char *gzip_sent = NULL;
  g_auto(TscTestCapture) target = { 0 };

  tsc_test_capture_start_session (&target, second, NULL);
  tsc_test_capture_start_session (&f->capture, f->session, target.uri);
  uri = f->capture.uri;

  g_assert_cmpuint (tsc_test_post_json (f->http, uri, "/lane/web/v1/track?writeKey=QK", NULL,
                                        "{\"event\":\"Signed In\",\"userId\":\"u1\","
                                        "\"messageId\":\"m-1\"}"), ==, 200);
  g_assert_cmpuint (tsc_test_post_json (f->http, uri, "/v1/batch", NULL, envelope_batch), ==, 200);
  g_assert_cmpuint (tsc_test_post_json (f->http, uri, "/v1/batch", NULL, "{\"batch\":"), ==, 400);
  g_assert_cmpuint (tsc_test_post_json_bytes (f->http, uri, "/v1/batch", gzip_headers, gz), ==,
                    200);

  tsc_test_assert_contains (tsc_test_capture_stop (&f->capture, SIGTERM),
                            "Forwarded 3 requests: 3 accepted, 0 failed\n");
  tsc_test_capture_stop (&target, SIGTERM);

  /* The same messages, in the same order, as the client sent them. */
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM messages"), ==, 5);
  tsc_test_assert_same_messages (f->session, second, NULL);

  /* No lane prefix, the query string kept, the body sent as it came. */
  g_assert_cmpint (count_rows (second, "SELECT count(*) FROM requests"), ==, 3);
  tsc_test_assert_db_text (second, "SELECT path || ' ' || write_key FROM requests ORDER BY id "
                           "LIMIT 1", NULL, "/v1/track QK");
  gzip_sent = g_strdup_printf ("gzip %" G_GSIZE_FORMAT, g_bytes_get_size (gz));
  tsc_test_assert_db_text (second, "SELECT content_encoding || ' ' || body_size FROM requests "
                           "ORDER BY id LIMIT 1 OFFSET 2", NULL, gzip_sent);
  tsc_test_assert_db_text (second, "SELECT user_agent || ' ' || write_key FROM requests "
                           "ORDER BY id LIMIT 1 OFFSET 2", NULL, "flow-client/1.0 WK1");

  /* Every forwarded request has its outcome; the rejected one none. */
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM upstream"), ==, 3);
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM upstream WHERE status = 200 "
                                           "AND attempts = 1 AND error IS NULL"), ==, 3);
  g_assert_cmpint (count_rows (f->session, "SELECT count(*) FROM upstream u JOIN requests r "
                                           "ON r.id = u.request_id WHERE r.status <> 200"), ==, 0);

  /* Where and with which rules the first capture ran. */
  tsc_test_assert_db_text (f->session, "SELECT value FROM session_info WHERE key = 'collector'",
                           NULL, uri);
  tsc_test_assert_db_text (f->session, "SELECT value FROM session_info WHERE key = 'profile'",
                           NULL, "segment");
}

static void
test_forward_bad_url (Fixture       *f,
                      gconstpointer  data)
{
  const char *urls[] = { "ftp://example.com", "example.com:8080", "http://", "https://[::1" };

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_auto(TscTestRun) run = { 0 };

      tsc_test_run_cli (&run, "capture", "--listen", "127.0.0.1:0", "--session", f->session,
                        "--forward", urls[i]);
      g_assert_cmpint (run.status, ==, 2);
      tsc_test_assert_contains (run.err, "trackscope-cli: capture: ");
      tsc_test_assert_contains (run.err, urls[i]);
      g_assert_false (g_file_test (f->session, G_FILE_TEST_EXISTS));
    }
}

int
main (int    argc,
      char **argv)
{
  if (!tsc_test_init_for_cli (&argc, &argv))
    return 1;

#define ADD(path, func) g_test_add ((path), Fixture, NULL, fixture_setup, (func), fixture_teardown)
  ADD ("/forward/closed-port/answers-at-once-and-records-failures", test_forward_to_closed_port);
  ADD ("/forward/slow-upstream/answers-before-the-upstream-does", test_forward_to_slow_upstream);
  ADD ("/forward/second-capture/receives-the-same-messages", test_forward_to_second_capture);
  ADD ("/forward/bad-url/exits-2", test_forward_bad_url);
#undef ADD

  return g_test_run ();
}
