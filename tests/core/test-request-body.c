/* test-request-body.c: rebuilding request bodies for HAR export and
 * replay, checked by decoding them again the way the collector does
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-request-body"

#include "config.h"

#include <string.h>

#include "tsc-request-body.h"
#include "tsc-route.h"
#include "tsc-wire.h"

#define RECEIVED_AT G_GINT64_CONSTANT (1795928400000000)

static const char * const json_headers[] = { "Content-Type", "application/json", NULL };
static const char * const basic_headers[] = {
  "Content-Type", "application/json",
  "Authorization", "Basic T1JJRzo=",  /* ORIG: */
  NULL
};

/* Decodes @body as a POST to @path, as the collector would. */
static GPtrArray *
decode (const char         *path,
        const char * const *headers,
        GBytes             *body)
{
  g_autoptr(TscRequestRecord) record = NULL;
  g_autoptr(GError) error = NULL;
  TscWireRequest request = { 0 };
  TscWireLimits limits;
  TscRoute route = { 0 };
  GPtrArray *messages;

  g_assert_true (tsc_route_parse (path, &route));
  request.method = "POST";
  request.path = path;
  request.remote_addr = "127.0.0.1";
  request.headers = headers;
  request.body = body;
  request.received_at = RECEIVED_AT;
  tsc_wire_limits_init (&limits);

  record = tsc_wire_record_new (&request, &route);
  messages = tsc_wire_decode (&request, &route, &limits, record, &error);
  tsc_route_clear (&route);
  g_assert_no_error (error);
  g_assert_nonnull (messages);
  return messages;
}

static GPtrArray *
decode_text (const char         *path,
             const char * const *headers,
             const char         *text)
{
  g_autoptr(GBytes) body = g_bytes_new (text, strlen (text));

  return decode (path, headers, body);
}

static char *
bytes_text (GBytes *bytes)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  return g_strndup (data, len);
}

/* The rebuilt body decodes to the same messages: bytes, envelope
 * values and transport facts. */
static void
assert_same_messages (GPtrArray *a,
                      GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      TscMessage *x = g_ptr_array_index (a, i);
      TscMessage *y = g_ptr_array_index (b, i);

      g_assert_true (g_bytes_equal (x->raw, y->raw));
      g_assert_cmpstr (x->sent_at, ==, y->sent_at);
      g_assert_cmpstr (x->batch_context, ==, y->batch_context);
      g_assert_cmpstr (x->batch_integrations, ==, y->batch_integrations);
      g_assert_cmpint (x->corrected_at, ==, y->corrected_at);
      g_assert_cmpint (x->batch_index, ==, y->batch_index);
      g_assert_cmpstr (x->transport->write_key, ==, y->transport->write_key);
      g_assert_cmpint (x->transport->auth_method, ==, y->transport->auth_method);
    }
}

static void
test_single_is_sent_byte_for_byte (void)
{
  const char *text = "{ \"userId\" : \"u-1\",\n  \"event\":\"Signed Up\", \"messageId\":\"m-1\" }";
  g_autoptr(GPtrArray) messages = decode_text ("/v1/track", json_headers, text);
  TscMessage *m = g_ptr_array_index (messages, 0);
  g_autoptr(GBytes) body = NULL;

  g_assert_false (tsc_request_body_is_batch (m->transport));
  body = tsc_request_body_rebuild (m->transport, messages, NULL);
  g_assert_true (g_bytes_equal (body, m->raw));
}

static void
test_batch_envelope_round_trips (void)
{
  const char *text =
    "{\"batch\":["
      "{\"type\":\"identify\",\"userId\":\"u-1\",\"messageId\":\"m-1\",\"timestamp\":\"2026-11-29T04:59:58.000Z\"},"
      "{\"type\":\"track\",\"userId\":\"u-1\",\"event\":\"A\",\"messageId\":\"m-2\",\"timestamp\":\"2026-11-29T04:59:59.000Z\"}"
    "],\"context\":{\"library\":{\"name\":\"analytics-node\",\"version\":\"6.2.0\"}},"
    "\"integrations\":{\"All\":true},\"sentAt\":\"2026-11-29T05:00:00.000Z\",\"writeKey\":\"ORIG\"}";
  g_autoptr(GPtrArray) original = decode_text ("/v1/batch", json_headers, text);
  TscTransport *t = ((TscMessage *) g_ptr_array_index (original, 0))->transport;
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GBytes) body = NULL;

  g_assert_true (tsc_request_body_is_batch (t));
  g_assert_cmpint (t->auth_method, ==, TSC_AUTH_BODY);

  body = tsc_request_body_rebuild (t, original, NULL);
  again = decode ("/v1/batch", json_headers, body);
  assert_same_messages (original, again);
}

/* The first item's own sentAt must not hide the envelope's from the
 * items without one. */
static void
test_batch_keeps_envelope_sent_at (void)
{
  const char *text =
    "{\"batch\":["
      "{\"type\":\"track\",\"userId\":\"c\",\"event\":\"z1\",\"messageId\":\"m-1\","
        "\"timestamp\":\"2026-11-29T04:59:00.000Z\",\"sentAt\":\"2026-11-29T04:59:07.000Z\"},"
      "{\"type\":\"track\",\"userId\":\"c\",\"event\":\"z2\",\"messageId\":\"m-2\","
        "\"timestamp\":\"2026-11-29T04:59:01.000Z\"}"
    "],\"sentAt\":\"2026-11-29T04:59:08.000Z\"}";
  g_autoptr(GPtrArray) original = decode_text ("/v1/batch", json_headers, text);
  TscTransport *t = ((TscMessage *) g_ptr_array_index (original, 0))->transport;
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GBytes) body = NULL;

  g_assert_cmpstr (((TscMessage *) g_ptr_array_index (original, 1))->sent_at, ==,
                   "2026-11-29T04:59:08.000Z");

  body = tsc_request_body_rebuild (t, original, NULL);
  again = decode ("/v1/batch", json_headers, body);
  assert_same_messages (original, again);
}

/* A replay with another write key leaves no copy of the original one
 * anywhere in the body: not in the envelope, not in an item. */
static void
test_write_key_replaced_everywhere (void)
{
  const char *batch =
    "{\"batch\":["
      "{\"type\":\"page\",\"anonymousId\":\"a\",\"messageId\":\"m-1\",\"writeKey\":\"ORIG\"},"
      "{\"type\":\"track\",\"anonymousId\":\"a\",\"event\":\"E\",\"messageId\":\"m-2\",\"writeKey\":\"ORIG\"}"
    "],\"writeKey\":\"ORIG\"}";
  const char *single = "{\"anonymousId\":\"a\",\"event\":\"E\",\"writeKey\":\"ORIG\",\"messageId\":\"m-3\"}";
  g_autoptr(GPtrArray) original = decode_text ("/v1/batch", json_headers, batch);
  g_autoptr(GPtrArray) one = decode_text ("/v1/track", basic_headers, single);
  TscTransport *t = ((TscMessage *) g_ptr_array_index (original, 0))->transport;
  TscTransport *t1 = ((TscMessage *) g_ptr_array_index (one, 0))->transport;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) body1 = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autofree char *text = NULL;
  g_autofree char *text1 = NULL;

  body = tsc_request_body_rebuild (t, original, "NEW");
  text = bytes_text (body);
  g_assert_null (strstr (text, "ORIG"));
  again = decode ("/v1/batch", json_headers, body);
  g_assert_cmpuint (again->len, ==, 2);
  g_assert_cmpstr (((TscMessage *) g_ptr_array_index (again, 0))->transport->write_key, ==, "NEW");

  /* Basic auth in the header, and a key in the body too. */
  g_assert_cmpint (t1->auth_method, ==, TSC_AUTH_BASIC);
  body1 = tsc_request_body_rebuild (t1, one, "NEW");
  text1 = bytes_text (body1);
  g_assert_null (strstr (text1, "ORIG"));
  g_assert_nonnull (strstr (text1, "\"writeKey\":\"NEW\""));

  /* Without a new key, nothing changes. */
  g_clear_pointer (&body1, g_bytes_unref);
  body1 = tsc_request_body_rebuild (t1, one, NULL);
  g_assert_true (g_bytes_equal (body1, ((TscMessage *) g_ptr_array_index (one, 0))->raw));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/request-body/single-is-sent-byte-for-byte", test_single_is_sent_byte_for_byte);
  g_test_add_func ("/request-body/batch-envelope-round-trips", test_batch_envelope_round_trips);
  g_test_add_func ("/request-body/batch-keeps-envelope-sent-at", test_batch_keeps_envelope_sent_at);
  g_test_add_func ("/request-body/write-key-replaced-everywhere", test_write_key_replaced_everywhere);

  return g_test_run ();
}
