/* test-har-producers.c: HAR files as real tools write them
 *
 * Every fixture of tests/data/har/ holds the same small analytics flow as
 * one tool saved it (see tests/data/har/README.md): analytics-next in a
 * browser sends page, identify, track "Signed Up", track "Signed Out",
 * page (no reset() in between) and identify of another user on /v1/p,
 * /v1/i and /v1/t, then a RudderStack-style batch of two calls goes to
 * /v1/batch after a CORS preflight. Around them are the page, a script,
 * an image, the SDK's settings GET and the preflights, which are not
 * calls.
 *
 * For each tool the importer must find exactly these calls in the order
 * they were sent, with their bytes, and the facts of the request they
 * came in; and the identity model must raise the same flags whichever
 * tool saved the flow.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-har-producers"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "tsc-flag.h"
#include "tsc-identity-model.h"
#include "tsc-import.h"
#include "tsc-rules.h"
#include "tsc-test-util.h"
#include "tsc-wire.h"

#define N_CALLS 8

#define CHROMIUM_UA "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) " \
                    "HeadlessChrome/156.0.0.0 Safari/537.36"
#define FIREFOX_UA  "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
#define FIREFOX_ESR_UA "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0"
#define PAGE_ORIGIN "http://127.0.0.1:43515"
#define AJS_KEY     "WK_har_producers"
#define RUDDER_KEY  "RS_WRITE_KEY"
#define RUDDER_ANON "c0ffee00-1111-4222-8333-444455556666"

/* The flow of every fixture but mitmproxy-gzip.har, in the order sent. */
static const char * const flow_ids[N_CALLS + 1] = {
  "ajs-next-1795940444715-5cedd826-5367-473f-b38a-d417d8a53247",
  "ajs-next-1795940444785-26536707-3fb3-4ad4-97d8-a532478c4e3c",
  "ajs-next-1795940444879-67073fb3-8ad4-47d8-a532-478c4e3cb7d3",
  "ajs-next-1795940444947-3fb38ad4-17d8-4532-878c-4e3cb7d38349",
  "ajs-next-1795940444977-8ad417d8-a532-478c-8e3c-b7d383495f79",
  "ajs-next-1795940445015-17d8a532-478c-4e3c-b7d3-83495f790df4",
  "rs-5b1f0a52-9d7e-4c1b-a0f3-1e2d3c4b5a69",
  "rs-8c2e4f61-0a1b-4d2c-b3e4-f5a6b7c8d9e0",
  NULL
};

/* The same flow run again with the batch gzip-compressed on the wire. */
static const char * const gzip_ids[N_CALLS + 1] = {
  "ajs-next-1795940446906-fa81abff-3704-48ff-9923-6b8b6ababac8",
  "ajs-next-1795940446983-ff3704b8-ff59-436b-8b6a-babac834e002",
  "ajs-next-1795940447036-04b8ff59-236b-4b6a-baba-c834e002e982",
  "ajs-next-1795940447100-ff59236b-8b6a-4aba-8834-e002e9826ed1",
  "ajs-next-1795940447171-236b8b6a-baba-4834-a002-e9826ed16644",
  "ajs-next-1795940447210-8b6ababa-c834-4002-a982-6ed166446df8",
  "rs-5b1f0a52-9d7e-4c1b-a0f3-1e2d3c4b5a69",
  "rs-8c2e4f61-0a1b-4d2c-b3e4-f5a6b7c8d9e0",
  NULL
};

/* The flow as Firefox ESR sent it, in a run of its own. */
static const char * const firefox_esr_ids[N_CALLS + 1] = {
  "ajs-next-1795945615081-cc3b0255-13dd-4fed-abce-d704d14d079f",
  "ajs-next-1795945615197-5513dd5f-edab-4ed7-84d1-4d079f281bf9",
  "ajs-next-1795945615270-dd5fedab-ced7-44d1-8d07-9f281bf9c95d",
  "ajs-next-1795945615415-edabced7-04d1-4d07-9f28-1bf9c95daf9e",
  "ajs-next-1795945615519-ced704d1-4d07-4f28-9bf9-c95daf9ef7e8",
  "ajs-next-1795945615593-04d14d07-9f28-4bf9-895d-af9ef7e81029",
  "rs-5b1f0a52-9d7e-4c1b-a0f3-1e2d3c4b5a69",
  "rs-8c2e4f61-0a1b-4d2c-b3e4-f5a6b7c8d9e0",
  NULL
};

/* What every producer's copy of the flow holds, call by call. */
static const struct
{
  TscMessageType  type;
  const char     *route;
  int             batch_index;
  const char     *user_id;
  const char     *event;
  const char     *name;
} flow_calls[N_CALLS] = {
  { TSC_MESSAGE_TYPE_PAGE,     "/v1/p",     -1, NULL,      NULL,              "Pricing" },
  { TSC_MESSAGE_TYPE_IDENTIFY, "/v1/i",     -1, "user-42", NULL,              NULL },
  { TSC_MESSAGE_TYPE_TRACK,    "/v1/t",     -1, "user-42", "Signed Up",       NULL },
  { TSC_MESSAGE_TYPE_TRACK,    "/v1/t",     -1, "user-42", "Signed Out",      NULL },
  { TSC_MESSAGE_TYPE_PAGE,     "/v1/p",     -1, "user-42", NULL,              "Home" },
  { TSC_MESSAGE_TYPE_IDENTIFY, "/v1/i",     -1, "user-99", NULL,              NULL },
  { TSC_MESSAGE_TYPE_TRACK,    "/v1/batch",  0, "user-77", "Order Completed", NULL },
  { TSC_MESSAGE_TYPE_PAGE,     "/v1/batch",  1, "user-77", NULL,              "Checkout" },
};

typedef struct
{
  const char         *file;
  const char * const *ids;
  const char         *user_agent;
  const char         *origin;
  const char         *rudder_key;     /* NULL: the tool dropped the Authorization header */
  TscAuthMethod       ajs_auth;
  TscAuthMethod       rudder_auth;
  const char         *batch_encoding; /* the batch's Content-Encoding on the wire */
  /* when the first call and the batch were sent, as UTC */
  const char         *first_sent;
  const char         *batch_sent;
  /* the entries that are no calls, by reason */
  guint               not_tracking;   /* the page, its script and image (and a favicon, a beacon) */
  guint               no_calls;       /* the settings GET */
  guint               not_post;       /* the CORS preflights */
} Producer;

static const Producer chrome = {
  "chrome-devtools.har", flow_ids, CHROMIUM_UA, PAGE_ORIGIN, RUDDER_KEY,
  TSC_AUTH_BASIC, TSC_AUTH_BASIC, NULL,
  "2026-11-29T08:20:44.753Z", "2026-11-29T08:20:45.065Z",
  3, 1, 4,
};

/* HTTP/2 names, pseudo-headers, and the export without credentials. */
static const Producer chrome_h2_sanitized = {
  "chrome-devtools-h2-sanitized.har", flow_ids, CHROMIUM_UA, "https://shop.trackscope.test", NULL,
  TSC_AUTH_BODY, TSC_AUTH_NONE, NULL,
  "2026-11-29T08:20:44.753Z", "2026-11-29T08:20:45.065Z",
  3, 1, 4,
};

/* Local time with an offset. */
static const Producer firefox = {
  "firefox.har", flow_ids, FIREFOX_UA, PAGE_ORIGIN, RUDDER_KEY,
  TSC_AUTH_BASIC, TSC_AUTH_BASIC, NULL,
  "2026-11-29T08:20:44.753Z", "2026-11-29T08:20:45.065Z",
  3, 1, 4,
};

/* Written by Firefox itself (netmonitor auto-export): every POST has
 * its own preflight, written after it; the favicon, and a report beacon
 * to the page's own server, are entries too. */
static const Producer firefox_esr = {
  "firefox-esr-autoexport.har", firefox_esr_ids, FIREFOX_ESR_UA, "http://127.0.0.1:38705", RUDDER_KEY,
  TSC_AUTH_BASIC, TSC_AUTH_BASIC, NULL,
  "2026-11-29T09:46:55.134Z", "2026-11-29T09:46:55.714Z",
  5, 1, 7,
};

/* Microseconds and "+00:00"; a favicon the browser asked for. */
static const Producer mitmproxy = {
  "mitmproxy.har", flow_ids, CHROMIUM_UA, PAGE_ORIGIN, RUDDER_KEY,
  TSC_AUTH_BASIC, TSC_AUTH_BASIC, NULL,
  "2026-11-29T08:20:44.753620Z", "2026-11-29T08:20:45.065113Z",
  4, 1, 4,
};

/* Entries in the order their responses came. */
static const Producer mitmproxy_response_order = {
  "mitmproxy-response-order.har", flow_ids, CHROMIUM_UA, PAGE_ORIGIN, RUDDER_KEY,
  TSC_AUTH_BASIC, TSC_AUTH_BASIC, NULL,
  "2026-11-29T08:20:44.753620Z", "2026-11-29T08:20:45.065113Z",
  4, 1, 4,
};

/* A gzip request body, which the tool wrote decoded, keeping the
 * Content-Encoding header. */
static const Producer mitmproxy_gzip = {
  "mitmproxy-gzip.har", gzip_ids, CHROMIUM_UA, "http://127.0.0.1:40321", RUDDER_KEY,
  TSC_AUTH_BASIC, TSC_AUTH_BASIC, "gzip",
  NULL, NULL,
  4, 1, 4,
};

/* ------------------------------------------------------------------ */
/* helpers                                                              */

typedef struct
{
  GPtrArray *messages;   /* TscMessage * */
  GArray    *entries;    /* guint: the 1-based HAR entry of each message */
} Imported;

static void
collect_cb (TscMessage              *message,
            const TscImportLocation *location,
            gpointer                 user_data)
{
  Imported *im = user_data;

  g_assert_cmpint (location->format, ==, TSC_IMPORT_FORMAT_HAR);
  g_ptr_array_add (im->messages, tsc_message_ref (message));
  g_array_append_val (im->entries, location->entry);
}

static void
imported_clear (Imported *im)
{
  g_clear_pointer (&im->messages, g_ptr_array_unref);
  g_clear_pointer (&im->entries, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Imported, imported_clear)

/* Reads @path with a strict importer; FALSE with @error set when the
 * importer refuses it. */
static gboolean
import_har (const char   *path,
            Imported     *im,
            TscImporter **importer_out,
            GError      **error)
{
  g_autoptr(TscImporter) importer = tsc_importer_new (TSC_IMPORT_FLAGS_STRICT);

  im->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref);
  im->entries = g_array_new (FALSE, FALSE, sizeof (guint));

  if (!tsc_importer_read_file (importer, path, collect_cb, im, error))
    return FALSE;

  g_assert_cmpint (tsc_importer_get_format (importer), ==, TSC_IMPORT_FORMAT_HAR);
  if (importer_out != NULL)
    *importer_out = g_steal_pointer (&importer);
  return TRUE;
}

/* The HAR document itself, read here without the importer. */
static JsonArray *
load_entries (const char *path,
              JsonParser *parser)
{
  g_autoptr(GError) error = NULL;
  JsonObject *log;

  g_assert_true (json_parser_load_from_mapped_file (parser, path, &error));
  g_assert_no_error (error);
  log = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)), "log");
  return json_object_get_array_member (log, "entries");
}

static JsonNode *
parse_bytes (const char *data,
             gsize       len)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, data, len, &error));
  g_assert_no_error (error);
  return json_node_ref (json_parser_get_root (parser));
}

/* @message is, byte for byte, what the tool kept of the request body of
 * @entry: the whole body on a single route, the item at the message's
 * batch index in a batch. */
static void
assert_raw_from_entry (TscMessage *message,
                       JsonObject *entry)
{
  JsonObject *request = json_object_get_object_member (entry, "request");
  JsonObject *post_data = json_object_get_object_member (request, "postData");
  const char *text = json_object_get_string_member (post_data, "text");
  gsize raw_len;
  const char *raw = g_bytes_get_data (message->raw, &raw_len);

  if (message->batch_index < 0)
    {
      g_assert_cmpmem (raw, raw_len, text, strlen (text));
    }
  else
    {
      g_autoptr(JsonNode) body = parse_bytes (text, strlen (text));
      g_autoptr(JsonNode) got = parse_bytes (raw, raw_len);
      g_autofree char *raw_text = g_strndup (raw, raw_len);
      JsonArray *batch = json_object_get_array_member (json_node_get_object (body), "batch");
      JsonNode *item = json_array_get_element (batch, message->batch_index);

      g_assert_true (json_node_equal (item, got));
      /* The item's own bytes, not a re-serialisation. */
      g_assert_nonnull (strstr (text, raw_text));
    }
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* Flags as "rule: messageId messageId…", sorted, for comparing runs. */
static GPtrArray *
flag_keys (GPtrArray *messages)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TscRuleConfig) config = tsc_rule_config_new ("segment", &error);
  g_autoptr(TscIdentityModel) model = NULL;
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *flags;

  g_assert_no_error (error);
  model = tsc_identity_model_new (config);
  for (guint i = 0; i < messages->len; i++)
    g_ptr_array_unref (tsc_identity_model_add (model, g_ptr_array_index (messages, i)));

  flags = tsc_identity_model_get_flags (model);
  for (guint i = 0; i < flags->len; i++)
    {
      TscFlag *flag = g_ptr_array_index (flags, i);
      g_autoptr(GString) key = g_string_new (tsc_rule_get_info (flag->rule)->id);

      g_string_append_c (key, ':');
      for (guint j = 0; j < flag->message_ids->len; j++)
        g_string_append_printf (key, " %s", (const char *) g_ptr_array_index (flag->message_ids, j));
      g_ptr_array_add (keys, g_string_free (g_steal_pointer (&key), FALSE));
    }

  g_ptr_array_sort (keys, compare_strings);
  return keys;
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */

static void
test_producer (gconstpointer data)
{
  const Producer *p = data;
  g_autofree char *path = tsc_test_data_path ("har", p->file);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(Imported) im = { 0 };
  g_autoptr(TscImporter) importer = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *entries = load_entries (path, parser);
  guint n_entries = json_array_get_length (entries);
  guint n_call_entries = 0;
  guint last_entry = 0;

  g_assert_true (import_har (path, &im, &importer, &error));
  g_assert_no_error (error);

  /* Exactly the calls, in the order they were sent. */
  g_assert_cmpuint (im.messages->len, ==, N_CALLS);
  for (guint i = 0; i < N_CALLS; i++)
    {
      TscMessage *m = g_ptr_array_index (im.messages, i);
      guint entry_index = g_array_index (im.entries, guint, i);
      JsonObject *entry;
      TscTransport *t = m->transport;
      gboolean rudder = flow_calls[i].batch_index >= 0;

      g_assert_cmpint (m->seq, ==, (gint64) i + 1);
      g_assert_cmpstr (m->message_id, ==, p->ids[i]);
      g_assert_false (m->message_id_added);
      g_assert_cmpint (m->type, ==, flow_calls[i].type);
      g_assert_cmpint (m->batch_index, ==, flow_calls[i].batch_index);
      g_assert_cmpstr (m->user_id, ==, flow_calls[i].user_id);
      g_assert_cmpstr (m->event, ==, flow_calls[i].event);
      g_assert_cmpstr (m->name, ==, flow_calls[i].name);
      if (rudder)
        g_assert_cmpstr (m->anonymous_id, ==, RUDDER_ANON);
      else
        g_assert_nonnull (m->anonymous_id);

      g_assert_cmpuint (entry_index, >=, 1);
      g_assert_cmpuint (entry_index, <=, n_entries);
      entry = json_array_get_object_element (entries, entry_index - 1);
      assert_raw_from_entry (m, entry);
      if (entry_index != last_entry)
        n_call_entries++;
      last_entry = entry_index;

      /* What the request told. */
      g_assert_cmpstr (t->method, ==, "POST");
      g_assert_cmpstr (t->route, ==, flow_calls[i].route);
      g_assert_cmpstr (t->path, ==, flow_calls[i].route);
      g_assert_null (t->lane);
      g_assert_cmpstr (t->user_agent, ==, p->user_agent);
      g_assert_cmpstr (t->origin, ==, p->origin);
      g_assert_cmpstr (t->write_key, ==, rudder ? p->rudder_key : AJS_KEY);
      g_assert_cmpint (t->auth_method, ==, rudder ? p->rudder_auth : p->ajs_auth);
      /* The tools kept the decoded body, which is what the calls are
       * read from; a Content-Encoding header they kept still says how
       * the request came over the wire. */
      g_assert_cmpstr (t->content_encoding, ==, rudder ? p->batch_encoding : NULL);

      /* Received when the browser sent it, whatever the time zone of
       * the file. */
      if (i == 0 && p->first_sent != NULL)
        g_assert_cmpint (m->received_at, ==, tsc_wire_parse_time (p->first_sent));
      if (rudder && p->batch_sent != NULL)
        g_assert_cmpint (m->received_at, ==, tsc_wire_parse_time (p->batch_sent));
      if (i > 0)
        g_assert_cmpint (m->received_at, >=,
                         ((TscMessage *) g_ptr_array_index (im.messages, i - 1))->received_at);
    }

  /* The two calls of the batch came in one request. */
  g_assert_true (((TscMessage *) g_ptr_array_index (im.messages, 6))->transport ==
                 ((TscMessage *) g_ptr_array_index (im.messages, 7))->transport);
  g_assert_cmpuint (n_call_entries, ==, 7);
  g_assert_cmpuint (tsc_importer_get_n_requests (importer), ==, 7);

  /* Everything else was skipped, for what it is, and nothing was a
   * problem. */
  g_assert_cmpuint (tsc_importer_get_problems (importer)->len, ==, 0);
  g_assert_cmpuint (tsc_importer_get_skipped (importer, TSC_IMPORT_SKIP_NOT_TRACKING), ==, p->not_tracking);
  g_assert_cmpuint (tsc_importer_get_skipped (importer, TSC_IMPORT_SKIP_NO_CALLS), ==, p->no_calls);
  g_assert_cmpuint (tsc_importer_get_skipped (importer, TSC_IMPORT_SKIP_NOT_POST), ==, p->not_post);
  g_assert_cmpuint (tsc_importer_get_skipped (importer, TSC_IMPORT_SKIP_REFUSED), ==, 0);
  g_assert_cmpuint (tsc_importer_get_skipped (importer, TSC_IMPORT_SKIP_BAD_ENTRY), ==, 0);
  g_assert_cmpuint (p->not_tracking + p->no_calls + p->not_post + 7, ==, n_entries);
}

/* mitmproxy writes entries as responses arrive: the slow "Signed Up"
 * came back after the page and identify that followed it. */
static void
test_entries_sorted_by_start (void)
{
  g_autofree char *path = tsc_test_data_path ("har", "mitmproxy-response-order.har");
  g_auto(Imported) im = { 0 };
  g_autoptr(GError) error = NULL;
  TscMessage *home;

  g_assert_true (import_har (path, &im, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (im.messages->len, ==, N_CALLS);

  /* "Signed Up" is written after "Home" but was sent before it. */
  g_assert_cmpuint (g_array_index (im.entries, guint, 2), >, g_array_index (im.entries, guint, 4));
  g_assert_cmpstr (((TscMessage *) g_ptr_array_index (im.messages, 2))->event, ==, "Signed Up");

  /* Python's isoformat() leaves out the fraction of a whole second. */
  home = g_ptr_array_index (im.messages, 4);
  g_assert_cmpstr (home->name, ==, "Home");
  g_assert_cmpint (home->received_at, ==, tsc_wire_parse_time ("2026-11-29T08:20:45.000Z"));
}

/* Whichever tool saved the flow, the model sees the same mistakes: the
 * page after "Signed Out" still carries the user (no reset()), and the
 * RudderStack visitor was never identified on load. */
static void
test_same_flags_from_every_producer (void)
{
  const Producer *producers[] = {
    &chrome, &chrome_h2_sanitized, &firefox, &firefox_esr, &mitmproxy, &mitmproxy_response_order,
    &mitmproxy_gzip,
  };

  for (guint i = 0; i < G_N_ELEMENTS (producers); i++)
    {
      const char * const *ids = producers[i]->ids;
      g_autofree char *path = tsc_test_data_path ("har", producers[i]->file);
      g_autofree char *reset = g_strdup_printf ("missing-reset-on-logout: %s %s", ids[3], ids[4]);
      g_autofree char *no_identify = g_strdup_printf ("no-identify-on-load: %s", ids[6]);
      const char *expected[] = { reset, no_identify };
      g_auto(Imported) im = { 0 };
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) keys = NULL;

      g_test_message ("%s", producers[i]->file);
      g_assert_true (import_har (path, &im, NULL, &error));
      g_assert_no_error (error);
      keys = flag_keys (im.messages);

      g_assert_cmpuint (keys->len, ==, G_N_ELEMENTS (expected));
      for (guint k = 0; k < keys->len; k++)
        g_assert_cmpstr (g_ptr_array_index (keys, k), ==, expected[k]);
    }
}

/* har_dump.py compresses the file with zlib (not gzip) when its name
 * ends in ".zhar": read through, it is the same flow as mitmproxy.har,
 * call for call and byte for byte. */
static void
test_mitmproxy_zhar (void)
{
  g_autofree char *path = tsc_test_data_path ("har", "mitmproxy.zhar");
  g_autofree char *plain_path = tsc_test_data_path ("har", "mitmproxy.har");
  g_auto(Imported) im = { 0 };
  g_auto(Imported) plain = { 0 };
  g_autoptr(TscImporter) importer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *head = NULL;
  gsize head_len;

  /* The fixture really is zlib: deflate, header checksum, no gzip magic. */
  g_assert_true (g_file_get_contents (path, &head, &head_len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (head_len, >, 2);
  g_assert_cmphex ((guchar) head[0], ==, 0x78);
  g_assert_cmpuint (((guint) (guchar) head[0] * 256 + (guchar) head[1]) % 31, ==, 0);

  g_assert_true (import_har (path, &im, &importer, &error));
  g_assert_no_error (error);
  g_assert_true (import_har (plain_path, &plain, NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (im.messages->len, ==, N_CALLS);
  g_assert_cmpuint (plain.messages->len, ==, N_CALLS);
  for (guint i = 0; i < N_CALLS; i++)
    {
      TscMessage *m = g_ptr_array_index (im.messages, i);
      TscMessage *expected = g_ptr_array_index (plain.messages, i);

      g_assert_cmpstr (m->message_id, ==, flow_ids[i]);
      g_assert_cmpint (m->received_at, ==, expected->received_at);
      g_assert_true (g_bytes_equal (m->raw, expected->raw));
      g_assert_cmpuint (g_array_index (im.entries, guint, i), ==,
                        g_array_index (plain.entries, guint, i));
    }

  g_assert_cmpuint (tsc_importer_get_problems (importer)->len, ==, 0);
  g_assert_cmpuint (tsc_importer_get_skipped (importer, TSC_IMPORT_SKIP_NOT_TRACKING), ==,
                    mitmproxy.not_tracking);
  g_assert_cmpuint (tsc_importer_get_skipped (importer, TSC_IMPORT_SKIP_NOT_POST), ==,
                    mitmproxy.not_post);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/har-producers/chrome-devtools", &chrome, test_producer);
  g_test_add_data_func ("/har-producers/chrome-devtools-h2-sanitized", &chrome_h2_sanitized, test_producer);
  g_test_add_data_func ("/har-producers/firefox", &firefox, test_producer);
  g_test_add_data_func ("/har-producers/firefox-esr-autoexport", &firefox_esr, test_producer);
  g_test_add_data_func ("/har-producers/mitmproxy", &mitmproxy, test_producer);
  g_test_add_data_func ("/har-producers/mitmproxy-response-order", &mitmproxy_response_order, test_producer);
  g_test_add_data_func ("/har-producers/mitmproxy-gzip", &mitmproxy_gzip, test_producer);
  g_test_add_func ("/har-producers/entries-sorted-by-start", test_entries_sorted_by_start);
  g_test_add_func ("/har-producers/same-flags-from-every-producer", test_same_flags_from_every_producer);
  g_test_add_func ("/har-producers/mitmproxy-zhar", test_mitmproxy_zhar);

  return g_test_run ();
}
