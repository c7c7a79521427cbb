/* test-replay-cli.c: `trackscope-cli replay`, the real binary
 *
 * A flow is captured with the real `trackscope-cli capture`, then
 * replayed into a second real capture, whose session must hold the same
 * messages. Upstreams that misbehave (5xx, 429 with Retry-After, 400,
 * nothing listening) are a SoupServer of the test's own, running in a
 * thread of its own so that it answers while the test waits for the
 * CLI. Every wait is bounded.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-replay-cli"

#include "config.h"

#include <signal.h>
#include <string.h>

#include <libsoup/soup.h>

#include "tsc-session-store.h"
#include "tsc-test-util.h"

/* ---------------------------------------------------------------------- */
/* The flow                                                                */

typedef struct
{
  char        *dir;
  SoupSession *http;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = tsc_test_make_tmp_dir ("trackscope-replay-XXXXXX", NULL, NULL);
  f->http = soup_session_new_with_options ("timeout", 15, "proxy-resolver", NULL, NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->http);
  g_assert_true (tsc_test_remove_tree (f->dir));
  g_clear_pointer (&f->dir, g_free);
}

static char *
fixture_path (Fixture    *f,
              const char *name)
{
  return g_build_filename (f->dir, name, NULL);
}

static const char *const basic_wk1[] = { "Authorization", "Basic V0sxOg==", /* WK1: */
                                         "User-Agent", "flow-client/1.0",
                                         "Origin", "https://shop.example", NULL };

static const char single_track[] =
  "{\"type\":\"track\",\"event\":\"Signed In\",\"userId\":\"u1\",\"anonymousId\":\"a1\","
  "\"messageId\":\"m-1\",\"timestamp\":\"2024-05-01T10:00:00.000Z\"}";

static const char envelope_batch[] =
  "{\"batch\":[{\"type\":\"track\",\"event\":\"Viewed\",\"anonymousId\":\"a1\",\"messageId\":\"m-2\"},"
  "{\"type\":\"identify\",\"userId\":\"u1\",\"anonymousId\":\"a1\",\"traits\":{\"plan\":\"pro\"}}],"
  "\"context\":{\"library\":{\"name\":\"flow-lib\",\"version\":\"2\"}},"
  "\"sentAt\":\"2024-05-01T10:00:05.000Z\",\"writeKey\":\"WK1\"}";

static const char lane_page[] =
  "{\"name\":\"Pricing\",\"anonymousId\":\"a2\",\"messageId\":\"m-4\",\"writeKey\":\"WK1\"}";

static const char gzip_batch[] =
  "{\"batch\":[{\"type\":\"group\",\"groupId\":\"g1\",\"userId\":\"u1\",\"messageId\":\"m-5\"},"
  "{\"type\":\"alias\",\"userId\":\"u2\",\"previousId\":\"u1\",\"messageId\":\"m-6\"}],"
  "\"sentAt\":\"2024-05-01T10:00:09.000Z\"}";

/* Captures the flow into @session: 4 accepted requests with 6 calls and
 * one rejected request. */
static void
capture_flow (Fixture    *f,
              const char *session)
{
  g_auto(TscTestCapture) c = { 0 };
  g_autoptr(GBytes) gz = tsc_test_compress (gzip_batch, strlen (gzip_batch),
                                            G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  const char *gzip_headers[] = { "Content-Encoding", "gzip",
                                 "Authorization", "Basic V0sxOg==", NULL };

  tsc_test_capture_start_session (&c, session, NULL);
  g_assert_cmpuint (tsc_test_post_json (f->http, c.uri, "/v1/track", basic_wk1, single_track), ==,
                    200);
  g_assert_cmpuint (tsc_test_post_json (f->http, c.uri, "/v1/batch", NULL, envelope_batch), ==,
                    200);
  g_assert_cmpuint (tsc_test_post_json (f->http, c.uri, "/v1/batch", basic_wk1, "{\"batch\":"),
                    ==, 400);
  g_assert_cmpuint (tsc_test_post_json (f->http, c.uri, "/lane/web/v1/p", basic_wk1, lane_page),
                    ==, 200);
  g_assert_cmpuint (tsc_test_post_json_bytes (f->http, c.uri, "/v1/batch", gzip_headers, gz), ==,
                    200);
  tsc_test_capture_stop (&c, SIGTERM);

  g_assert_cmpint (tsc_test_db_int (session, "SELECT count(*) FROM messages", NULL), ==, 6);
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                   */

static void
test_replay_into_second_capture (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *first = fixture_path (f, "first.trackscope");
  g_autofree char *second = fixture_path (f, "second.trackscope");
  g_autofree char *expected = NULL;
  g_auto(TscTestCapture) c = { 0 };
  g_auto(TscTestRun) run = { 0 };

  capture_flow (f, first);

  tsc_test_capture_start_session (&c, second, NULL);
  tsc_test_run_cli (&run, "replay", first, "--to", c.uri);
  expected = g_strdup_printf ("Replayed 4 requests (6 calls) to %s: 4 accepted, 0 retries\n",
                              c.uri);
  tsc_test_capture_stop (&c, SIGTERM);

  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, expected);
  g_assert_cmpstr (run.err, ==, "");

  tsc_test_assert_same_messages (first, second, NULL);

  /* Same client as seen by the second collector; no lane prefix; the
   * rejected request is not sent again. */
  g_assert_cmpint (tsc_test_db_int (second, "SELECT count(*) FROM requests", NULL), ==, 4);
  g_assert_cmpint (tsc_test_db_int (second, "SELECT count(*) FROM requests WHERE status = 200",
                                    NULL), ==, 4);
  tsc_test_assert_db_text (second, "SELECT path FROM requests ORDER BY id LIMIT 1 OFFSET 2",
                           NULL, "/v1/p");
  tsc_test_assert_db_text (second, "SELECT group_concat(DISTINCT write_key) FROM requests",
                           NULL, "WK1");
  tsc_test_assert_db_text (second, "SELECT user_agent FROM requests ORDER BY id LIMIT 1",
                           NULL, "flow-client/1.0");
  tsc_test_assert_db_text (second, "SELECT origin FROM requests ORDER BY id LIMIT 1",
                           NULL, "https://shop.example");
  tsc_test_assert_db_text (second, "SELECT content_type FROM requests ORDER BY id LIMIT 1",
                           NULL, "application/json");
}

static void
test_replay_write_key (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *first = fixture_path (f, "first.trackscope");
  g_autofree char *second = fixture_path (f, "second.trackscope");
  g_auto(TscTestCapture) c = { 0 };
  g_auto(TscTestRun) run = { 0 };

  capture_flow (f, first);

  tsc_test_capture_start_session (&c, second, NULL);
  tsc_test_run_cli (&run, "replay", first, "--to", c.uri, "--write-key", "NEWKEY",
                    "--rate", "50");
  tsc_test_capture_stop (&c, SIGTERM);

  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpint (tsc_test_db_int (second, "SELECT count(*) FROM requests", NULL), ==, 4);
  tsc_test_assert_db_text (second, "SELECT group_concat(DISTINCT write_key) FROM requests",
                           NULL, "NEWKEY");
  /* The messages are still those of the first session, but for the
   * writeKey of the page that carried its own: no copy of the old key is
   * left for the receiver to use. */
  tsc_test_assert_same_messages (first, second, "NEWKEY");
}

/* A session with one accepted request of two calls. */
static char *
make_small_session (Fixture *f)
{
  g_autofree char *path = fixture_path (f, "small.trackscope");
  g_autoptr(TscSessionStore) store = NULL;
  g_autoptr(GError) error = NULL;
  const char *headers[] = { "Authorization", "Basic V0sxOg==", NULL };

  store = tsc_session_store_open (path, TSC_SESSION_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  tsc_test_store_request (store, "/v1/batch", headers, envelope_batch, g_get_real_time ());
  return g_steal_pointer (&path);
}

/* Replays the small session into an upstream that answers as @script
 * says, and returns the upstream (stopped when freed). */
static TscTestUpstream *
replay_small_session (Fixture                     *f,
                      const TscTestUpstreamScript *script,
                      TscTestRun                  *run)
{
  g_autofree char *session = make_small_session (f);
  TscTestUpstream *u = tsc_test_upstream_start (script);

  tsc_test_run_cli (run, "replay", session, "--to", tsc_test_upstream_get_uri (u));
  return u;
}

/* The replay succeeded after one retry: the upstream got the request
 * twice, @first and @second. */
static void
assert_accepted_after_one_retry (TscTestRun                    *run,
                                 TscTestUpstream               *u,
                                 const TscTestUpstreamRequest **first,
                                 const TscTestUpstreamRequest **second)
{
  g_assert_cmpint (run->status, ==, 0);
  tsc_test_assert_contains (run->out, ": 1 accepted, 1 retry\n");
  g_assert_cmpuint (tsc_test_upstream_get_n_requests (u), ==, 2);
  *first = tsc_test_upstream_get_request (u, 0);
  *second = tsc_test_upstream_get_request (u, 1);
}

static void
test_replay_retries_5xx (Fixture       *f,
                         gconstpointer  data)
{
  const TscTestUpstreamScript script = { { 500, 200 }, NULL, 0 };
  g_auto(TscTestRun) run = { 0 };
  g_autoptr(TscTestUpstream) u = replay_small_session (f, &script, &run);
  const TscTestUpstreamRequest *r0;
  const TscTestUpstreamRequest *r1;

  assert_accepted_after_one_retry (&run, u, &r0, &r1);
  g_assert_cmpstr (r0->path, ==, "/v1/batch");
  g_assert_cmpstr (r0->authorization, ==, "Basic V0sxOg==");
  g_assert_true (g_bytes_equal (r0->body, r1->body));
  g_assert_null (r0->retry_count);
  g_assert_cmpstr (r1->retry_count, ==, "1");
  /* The backoff starts at half a second. */
  g_assert_cmpint (r1->at - r0->at, >=, 400 * 1000);
}

static void
test_replay_honours_retry_after (Fixture       *f,
                                 gconstpointer  data)
{
  const TscTestUpstreamScript script = { { 429, 200 }, "1", 0 };
  g_auto(TscTestRun) run = { 0 };
  g_autoptr(TscTestUpstream) u = replay_small_session (f, &script, &run);
  const TscTestUpstreamRequest *r0;
  const TscTestUpstreamRequest *r1;

  assert_accepted_after_one_retry (&run, u, &r0, &r1);
  /* Retry-After: 1 is waited for, not the half-second backoff. */
  g_assert_cmpint (r1->at - r0->at, >=, G_USEC_PER_SEC);
}

static void
test_replay_rejected (Fixture       *f,
                      gconstpointer  data)
{
  const TscTestUpstreamScript script = { { 400 }, NULL, 0 };
  g_auto(TscTestRun) run = { 0 };
  g_autoptr(TscTestUpstream) u = replay_small_session (f, &script, &run);
  g_autofree char *expected = NULL;

  expected = g_strdup_printf ("Replayed 1 request (2 calls) to %s: 0 accepted, "
                              "1 rejected (400 invalid_json), 0 retries\n",
                              tsc_test_upstream_get_uri (u));
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpstr (run.out, ==, expected);
  tsc_test_assert_contains (run.err, "/v1/batch: 400 invalid_json after 1 attempt");
  /* 400 is final: no retry. */
  g_assert_cmpuint (tsc_test_upstream_get_n_requests (u), ==, 1);
}

/* As Segment's SDKs do: 408 (and 410, 460) are worth another try; 501,
 * 505 and 511 are final like other 4xx. */
static void
test_replay_retries_408 (Fixture       *f,
                         gconstpointer  data)
{
  const TscTestUpstreamScript script = { { 408, 200 }, NULL, 0 };
  g_auto(TscTestRun) run = { 0 };
  g_autoptr(TscTestUpstream) u = replay_small_session (f, &script, &run);
  const TscTestUpstreamRequest *r0;
  const TscTestUpstreamRequest *r1;

  assert_accepted_after_one_retry (&run, u, &r0, &r1);
}

static void
test_replay_501_is_final (Fixture       *f,
                          gconstpointer  data)
{
  const TscTestUpstreamScript script = { { 501 }, NULL, 0 };
  g_auto(TscTestRun) run = { 0 };
  g_autoptr(TscTestUpstream) u = replay_small_session (f, &script, &run);

  g_assert_cmpint (run.status, ==, 1);
  tsc_test_assert_contains (run.out, ": 0 accepted, 1 rejected (501");
  tsc_test_assert_contains (run.out, "), 0 retries\n");
  g_assert_cmpuint (tsc_test_upstream_get_n_requests (u), ==, 1);
}

static void
test_replay_unreachable (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *session = make_small_session (f);
  g_autofree char *uri = tsc_test_unused_uri ();
  g_auto(TscTestRun) run = { 0 };

  tsc_test_run_cli (&run, "replay", session, "--to", uri, "--retries", "1");

  g_assert_cmpint (run.status, ==, 1);
  tsc_test_assert_contains (run.out, ": 0 accepted, 1 failed (");
  tsc_test_assert_contains (run.out, "), 1 retry\n");
  tsc_test_assert_contains (run.err, "after 2 attempts");
}

typedef struct
{
  const char *args[8];
  const char *message;
} UsageCase;

static void
test_replay_usage_errors (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *session = make_small_session (f);
  g_autofree char *missing = fixture_path (f, "missing.trackscope");
  const UsageCase cases[] = {
    { { "replay", session, NULL }, "no --to URL given" },
    { { "replay", "--to", "http://127.0.0.1:1", NULL }, "no session given" },
    { { "replay", session, "--to", "ftp://example.com", NULL }, "http:// or https://" },
    { { "replay", session, "--to", "not a url", NULL }, "is not an http:// or https:// URL" },
    { { "replay", session, "--to", "http://[::1", NULL }, "is not a URL" },
    { { "replay", session, "--to", "http://127.0.0.1:1", "--retries", "99", NULL }, "--retries" },
    { { "replay", missing, "--to", "http://127.0.0.1:1", NULL }, "missing.trackscope" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(TscTestRun) run = { 0 };

      tsc_test_run_cliv (&run, cases[i].args);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_cmpstr (run.out, ==, "");
      tsc_test_assert_contains (run.err, "replay: ");
      tsc_test_assert_contains (run.err, cases[i].message);
    }
}

int
main (int    argc,
      char **argv)
{
  if (!tsc_test_init_for_cli (&argc, &argv))
    return 1;

#define ADD(path, func) g_test_add ((path), Fixture, NULL, fixture_setup, (func), fixture_teardown)
  ADD ("/replay/into-second-capture/same-messages", test_replay_into_second_capture);
  ADD ("/replay/write-key/replaces-the-recorded-one", test_replay_write_key);
  ADD ("/replay/retries/5xx-then-accepted", test_replay_retries_5xx);
  ADD ("/replay/retries/429-waits-for-retry-after", test_replay_honours_retry_after);
  ADD ("/replay/rejected/400-is-final-and-exits-1", test_replay_rejected);
  ADD ("/replay/retries/408-is-retried", test_replay_retries_408);
  ADD ("/replay/rejected/501-is-final", test_replay_501_is_final);
  ADD ("/replay/unreachable/exits-1-after-retries", test_replay_unreachable);
  ADD ("/replay/usage/errors-exit-2", test_replay_usage_errors);
#undef ADD

  return g_test_run ();
}
