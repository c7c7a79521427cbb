/* test-event-list.c: the Events view's model, row texts and filter as
 * plain functions, and the view itself in a window under Xvfb
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "test-event-list"

#include "config.h"

#include <adwaita.h>

#include "tsc-event-list.h"
#include "tsc-events-view.h"
#include "tsc-session-store.h"
#include "tsc-test-util.h"
#include "tsc-wire.h"

/* 2026-11-29T10:00:00Z */
#define BASE_TIME (G_GINT64_CONSTANT (1795946400) * G_USEC_PER_SEC)

/* Two devices, two users, every type; #6 is a track without an event
 * name (an invalid call: flagged). */
static const char *small_session[] = {
  "{\"type\":\"page\",\"anonymousId\":\"anon-laptop-0001\",\"name\":\"Home\",\"messageId\":\"m-1\"}",
  "{\"type\":\"track\",\"anonymousId\":\"anon-laptop-0001\",\"event\":\"Signed Up\",\"messageId\":\"m-2\","
  "\"properties\":{\"plan\":\"Gold-Tier\"}}",
  "{\"type\":\"identify\",\"anonymousId\":\"anon-laptop-0001\",\"userId\":\"user-42\",\"messageId\":\"m-3\"}",
  "{\"type\":\"screen\",\"anonymousId\":\"anon-phone-0002\",\"name\":\"Settings\",\"messageId\":\"m-4\"}",
  "{\"type\":\"group\",\"anonymousId\":\"anon-phone-0002\",\"userId\":\"user-7\",\"groupId\":\"acme\","
  "\"messageId\":\"m-5\",\"traits\":{\"name\":\"Acme Retail\"}}",
  "{\"type\":\"track\",\"anonymousId\":\"anon-phone-0002\",\"userId\":\"user-7\",\"messageId\":\"m-6\"}",
  "{\"type\":\"alias\",\"previousId\":\"anon-phone-0002\",\"userId\":\"user-7\",\"messageId\":\"m-7\"}",
  "{\"type\":\"track\",\"anonymousId\":\"anon-laptop-0001\",\"userId\":\"user-42\",\"event\":\"Order Completed\","
  "\"messageId\":\"m-8\"}",
};

static TscSession *
new_session (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TscRuleConfig) config = tsc_rule_config_new ("segment", &error);

  g_assert_no_error (error);
  return tsc_session_new (config);
}

/* Decodes @lines as the collector would have received them from
 * @user_agent, numbered from *@next_seq, one second apart. */
static GPtrArray *
decode_lines (const char * const *lines,
              guint               n_lines,
              const char         *user_agent,
              gint64             *next_seq)
{
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify) tsc_message_unref);
  g_autoptr(TscTransport) transport = tsc_transport_new ();

  transport->route = g_strdup ("/v1/batch");
  transport->remote_addr = g_strdup ("127.0.0.1");
  transport->user_agent = g_strdup (user_agent);

  for (guint i = 0; i < n_lines; i++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new_static (lines[i], strlen (lines[i]));
      g_autoptr(GPtrArray) decoded = NULL;
      g_autoptr(GError) error = NULL;
      gint64 seq = (*next_seq)++;

      decoded = tsc_wire_decode_document (bytes, transport, BASE_TIME + seq * G_USEC_PER_SEC, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (decoded->len, ==, 1);
      ((TscMessage *) g_ptr_array_index (decoded, 0))->seq = seq;
      g_ptr_array_add (messages, tsc_message_ref (g_ptr_array_index (decoded, 0)));
    }

  return messages;
}

/* The small session: the laptop's calls from one browser, the phone's
 * from an app. */
static void
feed_small_session (TscSession *session)
{
  gint64 next_seq = 1;

  for (guint i = 0; i < G_N_ELEMENTS (small_session); i++)
    {
      const char *agent = strstr (small_session[i], "phone") ? "ShopApp/3.1 (Android 14)" : "Firefox/128.0";
      g_autoptr(GPtrArray) messages = decode_lines (&small_session[i], 1, agent, &next_seq);

      tsc_session_add_messages (session, messages);
    }
  tsc_session_flush (session);
}

static gint64
seq_at (GListModel *model,
        guint       position)
{
  g_autoptr(TscEventItem) item = g_list_model_get_item (model, position);

  g_assert_nonnull (item);
  return tsc_event_item_get_seq (item);
}

/* "1 2 3": the seqs @model shows, in order. */
static char *
seqs_of (GListModel *model)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT, i ? " " : "", seq_at (model, i));

  return g_string_free (text, FALSE);
}

/* ---------------------------------------------------------------------- */
/* The model                                                               */

typedef struct
{
  guint n_emissions;
  guint position;
  guint removed;
  guint added;
} Changes;

static void
on_items_changed_cb (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     Changes    *changes)
{
  changes->n_emissions++;
  changes->position = position;
  changes->removed = removed;
  changes->added = added;
}

static void
test_list_follows_session_batches (void)
{
  g_autoptr(TscSession) session = new_session ();
  g_autoptr(TscEventList) list = tsc_event_list_new (session);
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  g_autoptr(TscEventItem) item = NULL;
  Changes changes = { 0 };
  gint64 next_seq = 1;

  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (list)) == TSC_TYPE_EVENT_ITEM);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed_cb), &changes);

  /* Five calls queued in three batches: one flush, one items_changed. */
  first = decode_lines (small_session, 5, "Firefox/128.0", &next_seq);
  tsc_session_add_messages (session, first);
  g_assert_cmpuint (changes.n_emissions, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  tsc_session_flush (session);

  g_assert_cmpuint (changes.n_emissions, ==, 1);
  g_assert_cmpuint (changes.position, ==, 0);
  g_assert_cmpuint (changes.removed, ==, 0);
  g_assert_cmpuint (changes.added, ==, 5);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 5);

  second = decode_lines (small_session + 5, 3, "Firefox/128.0", &next_seq);
  tsc_session_add_messages (session, second);
  tsc_session_flush (session);
  tsc_session_flush (session);   /* nothing new: no signal */

  g_assert_cmpuint (changes.n_emissions, ==, 2);
  g_assert_cmpuint (changes.position, ==, 5);
  g_assert_cmpuint (changes.removed, ==, 0);
  g_assert_cmpuint (changes.added, ==, 3);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 8);

  /* Items are built on demand, from the rows. */
  item = g_list_model_get_item (G_LIST_MODEL (list), 1);
  g_assert_cmpint (tsc_event_item_get_seq (item), ==, 2);
  g_assert_cmpstr (tsc_event_item_get_row (item)->label, ==, "Signed Up");
  g_assert_cmpstr (tsc_event_item_get_row (item)->anonymous_id, ==, "anon-laptop-0001");
  g_clear_object (&item);

  item = g_list_model_get_item (G_LIST_MODEL (list), 7);
  g_assert_cmpint (tsc_event_item_get_seq (item), ==, 8);
  g_assert_cmpstr (tsc_event_item_get_row (item)->user_id, ==, "user-42");
  g_clear_object (&item);

  g_assert_null (g_list_model_get_item (G_LIST_MODEL (list), 8));

  /* Not a GObject per row: two asks, two short-lived items. */
  {
    g_autoptr(GObject) a = g_list_model_get_item (G_LIST_MODEL (list), 3);
    g_autoptr(GObject) b = g_list_model_get_item (G_LIST_MODEL (list), 3);

    g_assert_true (a != b);
    g_assert_cmpuint (a->ref_count, ==, 1);
  }
}

static void
test_list_announces_changed_rows_in_runs (void)
{
  g_autoptr(TscSession) session = new_session ();
  g_autoptr(TscEventList) list = tsc_event_list_new (session);
  Changes changes = { 0 };
  gint64 seqs[] = { 2, 3, 5, 99 };

  feed_small_session (session);
  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed_cb), &changes);

  /* #2 and #3 are one run; #5 another; #99 is not in the list. */
  tsc_event_list_rows_changed (list, seqs, G_N_ELEMENTS (seqs));
  g_assert_cmpuint (changes.n_emissions, ==, 2);
  g_assert_cmpuint (changes.position, ==, 4);
  g_assert_cmpuint (changes.removed, ==, 1);
  g_assert_cmpuint (changes.added, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 8);
}

/* "+1@7: 5 9 1": what an emission added, where, and the whole list as
 * a handler sees it then. */
static void
on_items_changed_record_cb (GListModel *model,
                            guint       position,
                            guint       removed,
                            guint       added,
                            GPtrArray  *states)
{
  g_autofree char *seqs = seqs_of (model);

  g_assert_cmpuint (removed, ==, 0);
  g_ptr_array_add (states, g_strdup_printf ("+%u@%u: %s", added, position, seqs));
}

static void
test_list_refreshes_rows_flagged_by_later_calls (void)
{
  g_autoptr(TscSession) session = new_session ();
  g_autoptr(TscEventList) list = tsc_event_list_new (session);
  const char *first[] = {
    "{\"type\":\"identify\",\"anonymousId\":\"a1\",\"userId\":\"u1\",\"messageId\":\"x1\"}",
    "{\"type\":\"track\",\"anonymousId\":\"a1\",\"userId\":\"u1\",\"event\":\"Signed Out\",\"messageId\":\"x2\"}",
  };
  const char *page = "{\"type\":\"page\",\"anonymousId\":\"a1\",\"name\":\"Home\",\"messageId\":\"x3\"}";
  const char *identify = "{\"type\":\"identify\",\"anonymousId\":\"a1\",\"userId\":\"u2\",\"messageId\":\"x4\"}";
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(TscEventItem) logout = NULL;
  Changes changes = { 0 };
  gint64 next_seq = 1;

  batch = decode_lines (first, G_N_ELEMENTS (first), "Firefox/128.0", &next_seq);
  tsc_session_add_messages (session, batch);
  tsc_session_flush (session);
  g_clear_pointer (&batch, g_ptr_array_unref);
  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed_cb), &changes);

  /* The page after the logout flags the logout too (missing reset): the
   * batch's one items_changed starts at the logout's row. */
  batch = decode_lines (&page, 1, "Firefox/128.0", &next_seq);
  tsc_session_add_messages (session, batch);
  tsc_session_flush (session);
  g_clear_pointer (&batch, g_ptr_array_unref);
  g_assert_cmpuint (changes.n_emissions, ==, 1);
  g_assert_cmpuint (changes.position, ==, 1);
  g_assert_cmpuint (changes.removed, ==, 1);
  g_assert_cmpuint (changes.added, ==, 2);
  logout = g_list_model_get_item (G_LIST_MODEL (list), 1);
  g_assert_cmpuint (tsc_event_item_get_row (logout)->n_flags, ==, 1);
  g_assert_cmpuint (tsc_event_item_get_row (logout)->severity, ==, TSC_SEVERITY_ERROR);
  g_clear_object (&logout);

  /* Another user on the same anonymousId (identity bleed): again. */
  batch = decode_lines (&identify, 1, "Firefox/128.0", &next_seq);
  tsc_session_add_messages (session, batch);
  tsc_session_flush (session);
  g_assert_cmpuint (changes.n_emissions, ==, 2);
  g_assert_cmpuint (changes.position, ==, 1);
  g_assert_cmpuint (changes.removed, ==, 2);
  g_assert_cmpuint (changes.added, ==, 3);
  logout = g_list_model_get_item (G_LIST_MODEL (list), 1);
  g_assert_cmpuint (tsc_event_item_get_row (logout)->n_flags, ==, 2);
}

static gboolean
list_not_sorting (gpointer data)
{
  return !tsc_event_list_get_sorting (data);
}

static void
test_list_sorts_by_column (void)
{
  g_autoptr(TscSession) session = new_session ();
  g_autoptr(TscEventList) list = tsc_event_list_new (session);
  g_autoptr(GPtrArray) more = NULL;
  g_autofree char *order = NULL;
  g_autoptr(GPtrArray) states = NULL;
  Changes changes = { 0 };
  guint position = 0;
  gint64 next_seq = 9;
  gulong handler;
  const char *late[] = {
    "{\"type\":\"track\",\"anonymousId\":\"anon-x\",\"event\":\"Cart Viewed\",\"messageId\":\"m-9\"}",
    "{\"type\":\"track\",\"anonymousId\":\"anon-x\",\"event\":\"Zoom\",\"messageId\":\"m-10\"}",
  };

  feed_small_session (session);
  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed_cb), &changes);

  /* Seq order is the index's: descending is immediate. */
  tsc_event_list_set_sort (list, TSC_EVENT_COLUMN_SEQ, TRUE);
  g_assert_false (tsc_event_list_get_sorting (list));
  order = seqs_of (G_LIST_MODEL (list));
  g_assert_cmpstr (order, ==, "8 7 6 5 4 3 2 1");
  g_clear_pointer (&order, g_free);
  g_assert_true (tsc_event_list_find_seq (list, 7, &position));
  g_assert_cmpuint (position, ==, 1);

  /* By name (a group's is its groupId, an alias's its userId) in a
   * worker: acme, Home, Order Completed, Settings, Signed Up, user-7,
   * then the calls without one in seq order. */
  changes.n_emissions = 0;
  tsc_event_list_set_sort (list, TSC_EVENT_COLUMN_NAME, FALSE);
  g_assert_true (tsc_event_list_get_sorting (list));
  g_assert_true (tsc_test_wait_until (list_not_sorting, list, 10000));
  /* Everything removed, then everything added: see replace_all(). */
  g_assert_cmpuint (changes.n_emissions, ==, 2);
  g_assert_cmpuint (changes.position, ==, 0);
  g_assert_cmpuint (changes.removed, ==, 0);
  g_assert_cmpuint (changes.added, ==, 8);
  order = seqs_of (G_LIST_MODEL (list));
  g_assert_cmpstr (order, ==, "5 1 8 4 2 7 3 6");
  g_clear_pointer (&order, g_free);
  g_assert_true (tsc_event_list_find_seq (list, 2, &position));
  g_assert_cmpuint (position, ==, 4);

  /* New calls while sorted are merged in place and announced where they
   * land, the list showing each step as it is announced. */
  changes.n_emissions = 0;
  states = g_ptr_array_new_with_free_func (g_free);
  handler = g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed_record_cb), states);
  more = decode_lines (late, G_N_ELEMENTS (late), "Firefox/128.0", &next_seq);
  tsc_session_add_messages (session, more);
  tsc_session_flush (session);
  g_signal_handler_disconnect (list, handler);
  g_assert_cmpuint (changes.n_emissions, ==, 2);
  g_assert_cmpuint (states->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (states, 0), ==, "+1@1: 5 9 1 8 4 2 7 3 6");
  g_assert_cmpstr (g_ptr_array_index (states, 1), ==, "+1@7: 5 9 1 8 4 2 7 10 3 6");
  order = seqs_of (G_LIST_MODEL (list));
  g_assert_cmpstr (order, ==, "5 9 1 8 4 2 7 10 3 6");
  g_assert_true (tsc_event_list_find_seq (list, 10, &position));
  g_assert_cmpuint (position, ==, 7);
  g_clear_pointer (&order, g_free);

  /* The same column the other way round is immediate. */
  tsc_event_list_set_sort (list, TSC_EVENT_COLUMN_NAME, TRUE);
  g_assert_false (tsc_event_list_get_sorting (list));
  order = seqs_of (G_LIST_MODEL (list));
  g_assert_cmpstr (order, ==, "6 3 10 7 2 4 8 1 9 5");
  g_clear_pointer (&order, g_free);

  /* By type: alias, group, identify, page, screen, track. */
  tsc_event_list_set_sort (list, TSC_EVENT_COLUMN_TYPE, FALSE);
  g_assert_true (tsc_test_wait_until (list_not_sorting, list, 10000));
  order = seqs_of (G_LIST_MODEL (list));
  g_assert_cmpstr (order, ==, "7 5 3 1 4 2 6 8 9 10");
  g_clear_pointer (&order, g_free);

  /* A sort replaced before it finishes never lands. */
  tsc_event_list_set_sort (list, TSC_EVENT_COLUMN_USER_ID, FALSE);
  tsc_event_list_set_sort (list, TSC_EVENT_COLUMN_SEQ, FALSE);
  g_assert_false (tsc_event_list_get_sorting (list));
  order = seqs_of (G_LIST_MODEL (list));
  g_assert_cmpstr (order, ==, "1 2 3 4 5 6 7 8 9 10");
  g_clear_pointer (&order, g_free);
  g_usleep (50 * 1000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (tsc_event_list_get_sort_column (list), ==, TSC_EVENT_COLUMN_SEQ);
  order = seqs_of (G_LIST_MODEL (list));
  g_assert_cmpstr (order, ==, "1 2 3 4 5 6 7 8 9 10");
}

/* ---------------------------------------------------------------------- */
/* Row texts                                                               */

static void
test_row_texts (void)
{
  TscClient phone = { .key = "k", .label = "ShopApp/3.1 (Android 14)" };
  TscIndexRow full = {
    .seq = 1234, .time = BASE_TIME + 5 * G_USEC_PER_SEC + 42000, .message_id = "m-1",
    .label = "Order Completed", .user_id = "user-42", .anonymous_id = "anon-1",
    .client = &phone, .type = TSC_MESSAGE_TYPE_TRACK,
    .severity = TSC_SEVERITY_ERROR, .n_flags = 3,
  };
  TscIndexRow bare = { .seq = 7, .type = TSC_MESSAGE_TYPE_UNKNOWN };
  struct
  {
    const TscIndexRow *row;
    TscEventColumn     column;
    const char        *text;
    gboolean           empty;
  } cases[] = {
    { &full, TSC_EVENT_COLUMN_SEQ,          "1234",                     FALSE },
    { &full, TSC_EVENT_COLUMN_TIME,         "10:00:05.042",             FALSE },
    { &full, TSC_EVENT_COLUMN_TYPE,         "track",                    FALSE },
    { &full, TSC_EVENT_COLUMN_NAME,         "Order Completed",          FALSE },
    { &full, TSC_EVENT_COLUMN_USER_ID,      "user-42",                  FALSE },
    { &full, TSC_EVENT_COLUMN_ANONYMOUS_ID, "anon-1",                   FALSE },
    { &full, TSC_EVENT_COLUMN_DEVICE,       "ShopApp/3.1 (Android 14)", FALSE },
    { &full, TSC_EVENT_COLUMN_FLAGS,        "3",                        FALSE },
    { &bare, TSC_EVENT_COLUMN_SEQ,          "7",                        FALSE },
    { &bare, TSC_EVENT_COLUMN_TIME,         "—",                        TRUE },
    { &bare, TSC_EVENT_COLUMN_TYPE,         "unknown",                  FALSE },
    { &bare, TSC_EVENT_COLUMN_NAME,         "—",                        TRUE },
    { &bare, TSC_EVENT_COLUMN_USER_ID,      "—",                        TRUE },
    { &bare, TSC_EVENT_COLUMN_ANONYMOUS_ID, "—",                        TRUE },
    { &bare, TSC_EVENT_COLUMN_DEVICE,       "—",                        TRUE },
    { &bare, TSC_EVENT_COLUMN_FLAGS,        "—",                        TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gboolean empty = !cases[i].empty;
      g_autofree char *text = tsc_event_row_get_column_text (cases[i].row, cases[i].column, &empty);

      g_test_message ("case %u", i);
      g_assert_cmpstr (text, ==, cases[i].text);
      g_assert_cmpint (empty, ==, cases[i].empty);
    }
}

static void
test_count_texts (void)
{
  struct
  {
    guint       shown;
    guint       total;
    const char *text;
  } cases[] = {
    { 0, 0, "0 calls" },
    { 1, 1, "1 call" },
    { 5, 5, "5 calls" },
    { 3, 5, "3 of 5 calls" },
    { 0, 5, "0 of 5 calls" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = tsc_event_format_count (cases[i].shown, cases[i].total);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

/* ---------------------------------------------------------------------- */
/* Filter matching                                                         */

static void
test_filter_matching (void)
{
  TscClient laptop = { .key = "a", .label = "Firefox/128.0" };
  TscClient phone = { .key = "b", .label = "ShopApp/3.1" };
  TscIndexRow signup = {
    .seq = 2, .message_id = "ajs-next-0002", .label = "Signed Up", .anonymous_id = "anon-ABC",
    .client = &laptop, .type = TSC_MESSAGE_TYPE_TRACK,
  };
  TscIndexRow identify = {
    .seq = 3, .message_id = "ajs-next-0003", .user_id = "user-42", .anonymous_id = "anon-ABC",
    .client = &laptop, .type = TSC_MESSAGE_TYPE_IDENTIFY, .severity = TSC_SEVERITY_WARNING, .n_flags = 1,
  };
  TscIndexRow screen = {
    .seq = 40, .message_id = "m-40", .label = "Settings", .user_id = "user-7", .client = &phone,
    .type = TSC_MESSAGE_TYPE_SCREEN,
  };
  TscIndexRow odd = { .seq = 41, .type = TSC_MESSAGE_TYPE_UNKNOWN };
  const gint64 payload_hits[] = { 3, 41 };
  guint tracks = TSC_EVENT_TYPE_BIT (TSC_MESSAGE_TYPE_TRACK);
  guint identities = TSC_EVENT_TYPE_BIT (TSC_MESSAGE_TYPE_IDENTIFY) | TSC_EVENT_TYPE_BIT (TSC_MESSAGE_TYPE_ALIAS);
  struct
  {
    const char          *what;
    TscEventFilter       filter;
    const TscIndexRow   *row;
    gboolean             matches;
  } cases[] = {
    { "no filter",                { 0 },                                        &odd,      TRUE },
    { "type chosen",              { .types = tracks },                          &signup,   TRUE },
    { "type not chosen",          { .types = tracks },                          &identify, FALSE },
    { "one of two types",         { .types = identities },                      &identify, TRUE },
    { "unknown type, types on",   { .types = tracks | identities },             &odd,      FALSE },
    { "flagged only, flagged",    { .flagged_only = TRUE },                     &identify, TRUE },
    { "flagged only, clean",      { .flagged_only = TRUE },                     &signup,   FALSE },
    { "name, other case",         { .search = "signed up" },                    &signup,   TRUE },
    { "userId part",              { .search = "USER-4" },                       &identify, TRUE },
    { "anonymousId",              { .search = "anon-abc" },                     &signup,   TRUE },
    { "messageId",                { .search = "next-0003" },                    &identify, TRUE },
    { "device",                   { .search = "shopapp" },                      &screen,   TRUE },
    { "seq number",               { .search = "40" },                           &screen,   TRUE },
    { "seq with #",               { .search = "#41" },                          &odd,      TRUE },
    { "seq prefix is not it",     { .search = "4" },                            &odd,      FALSE },
    { "no field holds it",        { .search = "checkout" },                     &signup,   FALSE },
    { "empty search",             { .search = "" },                             &odd,      TRUE },
    { "payload hit",              { .search = "gold", .payload_seqs = payload_hits,
                                    .n_payload_seqs = 2 },                      &odd,      TRUE },
    { "no payload hit",           { .search = "gold", .payload_seqs = payload_hits,
                                    .n_payload_seqs = 2 },                      &signup,   FALSE },
    { "scope: client",            { .scope = { .client = &phone } },            &screen,   TRUE },
    { "scope: other client",      { .scope = { .client = &phone } },            &signup,   FALSE },
    { "scope: user",              { .scope = { .user_id = "user-42" } },        &identify, TRUE },
    { "scope: anonymous row",     { .scope = { .user_id = "user-42" } },        &signup,   FALSE },
    { "all at once",              { .types = identities, .flagged_only = TRUE, .search = "42",
                                    .scope = { .client = &laptop } },           &identify, TRUE },
    { "all but the scope",        { .types = identities, .flagged_only = TRUE, .search = "42",
                                    .scope = { .client = &phone } },            &identify, FALSE },
  };
  TscEventFilter empty = { 0 };
  TscEventFilter searching = { .search = "x" };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s", cases[i].what);
      g_assert_cmpint (tsc_event_filter_matches (&cases[i].filter, cases[i].row), ==, cases[i].matches);
    }

  g_assert_true (tsc_event_filter_is_empty (&empty));
  g_assert_false (tsc_event_filter_is_empty (&searching));
}

/* ---------------------------------------------------------------------- */
/* Payload search                                                          */

/* The small session in a file; @reversed: last call first. */
static void
store_session (const char *path,
               gboolean    reversed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TscSessionStore) store = tsc_session_store_open (path, TSC_SESSION_STORE_OPEN_CREATE, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (small_session); i++)
    {
      const char *line = small_session[reversed ? G_N_ELEMENTS (small_session) - 1 - i : i];
      g_autofree char *body = g_strdup_printf ("{\"batch\":[%s]}", line);

      tsc_test_store_request (store, "/v1/batch", NULL, body, BASE_TIME + (i + 1) * G_USEC_PER_SEC);
    }
}

static void
store_small_session (const char *path)
{
  store_session (path, FALSE);
}

static void
on_search_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GArray *
search_payloads (const char *path,
                 const char *text,
                 gint64      after,
                 gint64      until)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GArray *seqs;

  tsc_event_search_payloads_async (path, text, after, until, NULL, on_search_done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  seqs = tsc_event_search_payloads_finish (result, &error);
  g_assert_no_error (error);
  return seqs;
}

static void
test_payload_search_reads_the_file (TscTestTmpDir *t,
                                    gconstpointer  data)
{
  g_autofree char *path = g_build_filename (t->dir, "s.trackscope", NULL);
  g_autoptr(GArray) gold = NULL;
  g_autoptr(GArray) acme = NULL;
  g_autoptr(GArray) later = NULL;
  g_autoptr(GArray) none = NULL;

  store_small_session (path);

  /* Only in a payload (the plan property), in another case. */
  gold = search_payloads (path, "GOLD-tier", 0, G_MAXINT64);
  g_assert_cmpuint (gold->len, ==, 1);
  g_assert_cmpint (g_array_index (gold, gint64, 0), ==, 2);

  acme = search_payloads (path, "anon-phone", 0, G_MAXINT64);
  g_assert_cmpuint (acme->len, ==, 4);
  g_assert_cmpint (g_array_index (acme, gint64, 0), ==, 4);
  g_assert_cmpint (g_array_index (acme, gint64, 3), ==, 7);

  /* A follow-up search reads only the rows after the last one. */
  later = search_payloads (path, "anon-phone", 5, 6);
  g_assert_cmpuint (later->len, ==, 1);
  g_assert_cmpint (g_array_index (later, gint64, 0), ==, 6);

  none = search_payloads (path, "nowhere-to-be-found", 0, G_MAXINT64);
  g_assert_cmpuint (none->len, ==, 0);
}

static void
test_payload_search_reports_a_missing_file (TscTestTmpDir *t,
                                            gconstpointer  data)
{
  g_autofree char *path = g_build_filename (t->dir, "missing.trackscope", NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) seqs = NULL;

  tsc_event_search_payloads_async (path, "x", 0, G_MAXINT64, NULL, on_search_done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  seqs = tsc_event_search_payloads_finish (result, &error);
  g_assert_null (seqs);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  tsc_test_assert_contains (error->message, path);
}

/* ---------------------------------------------------------------------- */
/* A million rows                                                          */

static void
test_list_holds_a_million_rows (void)
{
  const guint n = 1000000;
  const guint chunk = 20000;
  g_autoptr(TscSession) session = new_session ();
  g_autoptr(TscEventList) list = tsc_event_list_new (session);
  g_autoptr(GPtrArray) messages = g_ptr_array_new_full (chunk, (GDestroyNotify) tsc_message_unref);
  g_autoptr(GBytes) raw = NULL;
  static const char *events[] = { "Product Viewed", "Product Added", "Checkout Started", "Order Completed" };
  static const char json[] = "{\"type\":\"track\",\"event\":\"Product Viewed\",\"anonymousId\":\"a\"}";
  Changes changes = { 0 };
  guint positions[] = { 0, n / 2, n - 1 };

  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed_cb), &changes);

  /* One batch of messages, renumbered for each flush (the session lets
   * go of them when it has indexed them), without messageIds (nothing to
   * check for retries): building and checking a million realistic calls
   * would cost the test far more than the list does. */
  raw = g_bytes_new_static (json, strlen (json));
  for (guint i = 0; i < chunk; i++)
    {
      TscMessage *m = tsc_message_new ();

      m->type = TSC_MESSAGE_TYPE_TRACK;
      m->type_name = g_strdup ("track");
      m->event = g_strdup (events[i % G_N_ELEMENTS (events)]);
      m->anonymous_id = g_strdup ("anon-0000000");
      m->raw = g_bytes_ref (raw);
      g_ptr_array_add (messages, m);
    }

  for (guint start = 0; start < n; start += chunk)
    {
      for (guint i = 0; i < chunk; i++)
        {
          TscMessage *m = g_ptr_array_index (messages, i);

          m->seq = start + i + 1;
          m->received_at = BASE_TIME + (gint64) (start + i) * 1000;
          g_snprintf (m->anonymous_id, strlen ("anon-0000000") + 1, "anon-%07u", (start + i) / 50);
        }

      tsc_session_add_messages (session, messages);
      tsc_session_flush (session);
    }

  g_assert_cmpuint (changes.n_emissions, ==, n / chunk);
  g_assert_cmpuint (changes.position, ==, n - chunk);
  g_assert_cmpuint (changes.added, ==, chunk);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, n);

  for (guint i = 0; i < G_N_ELEMENTS (positions); i++)
    {
      g_autoptr(TscEventItem) item = g_list_model_get_item (G_LIST_MODEL (list), positions[i]);
      g_autofree char *seq = NULL;
      g_autofree char *name = NULL;
      g_autofree char *anonymous_id = NULL;
      g_autofree char *expected_anonymous_id = g_strdup_printf ("anon-%07u", positions[i] / 50);

      g_assert_nonnull (item);
      g_assert_cmpint (tsc_event_item_get_seq (item), ==, positions[i] + 1);
      seq = tsc_event_item_get_column_text (item, TSC_EVENT_COLUMN_SEQ, NULL);
      g_assert_cmpint (g_ascii_strtoll (seq, NULL, 10), ==, positions[i] + 1);
      name = tsc_event_item_get_column_text (item, TSC_EVENT_COLUMN_NAME, NULL);
      g_assert_cmpstr (name, ==, events[positions[i] % G_N_ELEMENTS (events)]);
      anonymous_id = tsc_event_item_get_column_text (item, TSC_EVENT_COLUMN_ANONYMOUS_ID, NULL);
      g_assert_cmpstr (anonymous_id, ==, expected_anonymous_id);
    }
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (list), n));

  /* Descending seq is arithmetic, even here. */
  tsc_event_list_set_sort (list, TSC_EVENT_COLUMN_SEQ, TRUE);
  g_assert_cmpint (seq_at (G_LIST_MODEL (list), 0), ==, n);
  g_assert_cmpint (seq_at (G_LIST_MODEL (list), n - 1), ==, 1);
}

/* ---------------------------------------------------------------------- */
/* The widget                                                              */

static char *system_data_dirs;

/* The isolated test dirs hide the MIME database too, and GTK cannot
 * load its own SVG icons without it: widget tests see the system's. */
static void
ensure_gtk (void)
{
  static gboolean done;

  g_setenv ("XDG_DATA_DIRS", system_data_dirs, TRUE);
  if (done)
    return;

  gtk_init ();
  adw_init ();
  done = TRUE;
}

typedef struct
{
  char          *dir;
  TscSession    *session;
  GtkWindow     *window;
  TscEventsView *view;
} ViewFixture;

static gboolean
load_done (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static void
on_load_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
load_session (TscSession *session,
              const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  tsc_session_load_async (session, file, NULL, on_load_done_cb, &result);
  g_assert_true (tsc_test_wait_until (load_done, &result, 10000));
  g_assert_true (tsc_session_load_finish (session, result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tsc_session_get_n_messages (session), ==, G_N_ELEMENTS (small_session));
}

/* The small session from a session file, as the window opens one. */
static void
view_fixture_set_up (ViewFixture   *f,
                     gconstpointer  data)
{
  g_autofree char *path = NULL;

  ensure_gtk ();

  f->dir = tsc_test_make_tmp_dir ("trackscope-events-XXXXXX", "s.trackscope", &path);
  store_small_session (path);

  f->session = new_session ();
  load_session (f->session, path);

  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 1000, 480);
  f->view = TSC_EVENTS_VIEW (tsc_events_view_new ());
  gtk_window_set_child (f->window, GTK_WIDGET (f->view));
  tsc_events_view_set_session (f->view, f->session);
  gtk_window_present (f->window);
}

static void
view_fixture_tear_down (ViewFixture   *f,
                        gconstpointer  data)
{
  gtk_window_destroy (f->window);
  g_clear_object (&f->session);
  tsc_test_remove_tree (f->dir);
  g_free (f->dir);
}

static void
open_reversed_session (ViewFixture *f)
{
  g_autofree char *path = g_build_filename (f->dir, "reversed.trackscope", NULL);

  store_session (path, TRUE);
  load_session (f->session, path);
}

static gboolean
view_settled (gpointer data)
{
  return !tsc_events_view_get_busy (data);
}

/* The seqs the view shows once filtering, sorting and searching are
 * done. */
static char *
shown_seqs (ViewFixture *f)
{
  g_assert_true (tsc_test_wait_until (view_settled, f->view, 10000));
  return seqs_of (tsc_events_view_get_model (f->view));
}

#define assert_shown(f, expected) \
  G_STMT_START { \
    g_autofree char *shown_ = shown_seqs (f); \
    g_assert_cmpstr (shown_, ==, (expected)); \
  } G_STMT_END

static GtkLabel *
count_label (ViewFixture *f)
{
  return GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (f->view), TSC_TYPE_EVENTS_VIEW,
                                                   "count_label"));
}

static GtkWidget *
find_descendant (GtkWidget *widget,
                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static void
test_view_filters_rows (ViewFixture   *f,
                        gconstpointer  data)
{
  GtkWidget *flagged_switch;
  guint tracks = TSC_EVENT_TYPE_BIT (TSC_MESSAGE_TYPE_TRACK);

  assert_shown (f, "1 2 3 4 5 6 7 8");
  g_assert_cmpstr (gtk_label_get_label (count_label (f)), ==, "8 calls");

  /* The Track toggle in the filter bar. */
  gtk_widget_activate_action (GTK_WIDGET (f->view), "events.type-track", NULL);
  assert_shown (f, "2 6 8");
  g_assert_cmpuint (tsc_events_view_get_types (f->view), ==, tracks);
  g_assert_cmpstr (gtk_label_get_label (count_label (f)), ==, "3 of 8 calls");

  tsc_events_view_set_types (f->view, tracks | TSC_EVENT_TYPE_BIT (TSC_MESSAGE_TYPE_IDENTIFY));
  assert_shown (f, "2 3 6 8");

  /* Flagged only, through its switch: the signup tracked before the
   * identify (track-before-identify) and the track without a name
   * (invalid-message). */
  flagged_switch = find_descendant (GTK_WIDGET (f->view), GTK_TYPE_SWITCH);
  g_assert_nonnull (flagged_switch);
  gtk_switch_set_active (GTK_SWITCH (flagged_switch), TRUE);
  g_assert_true (tsc_events_view_get_flagged_only (f->view));
  assert_shown (f, "2 6");
  /* ...and, of every type, the group opening user-7's session
   * (no-identify-on-load). */
  tsc_events_view_set_types (f->view, 0);
  assert_shown (f, "2 5 6");

  tsc_events_view_set_flagged_only (f->view, FALSE);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (flagged_switch)));
  assert_shown (f, "1 2 3 4 5 6 7 8");

  /* In-memory search: ids and names, any case. */
  tsc_events_view_set_search (f->view, "USER-42");
  assert_shown (f, "3 8");
  tsc_events_view_set_search (f->view, "settings");
  assert_shown (f, "4");

  /* Only in a payload: found by the worker reading the file. */
  tsc_events_view_set_search (f->view, "gold-tier");
  assert_shown (f, "2");
  g_assert_cmpstr (gtk_label_get_label (count_label (f)), ==, "1 of 8 calls");

  /* The group's traits: payload only too, combined with the type
   * filter. */
  tsc_events_view_set_search (f->view, "retail");
  assert_shown (f, "5");
  tsc_events_view_set_types (f->view, tracks);
  assert_shown (f, "");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (gtk_widget_get_template_child (
                     GTK_WIDGET (f->view), TSC_TYPE_EVENTS_VIEW, "stack"))), ==, "no-results");

  tsc_events_view_set_types (f->view, 0);

  /* The session opens another file, the same calls the other way
   * round: the search reads that file's payloads. */
  tsc_events_view_set_search (f->view, "gold-tier");
  assert_shown (f, "2");
  open_reversed_session (f);
  assert_shown (f, "7");

  tsc_events_view_set_search (f->view, NULL);
  assert_shown (f, "1 2 3 4 5 6 7 8");
}

static void
test_view_narrows_to_scope (ViewFixture   *f,
                            gconstpointer  data)
{
  GPtrArray *clients = tsc_identity_model_get_clients (tsc_session_get_model (f->session));
  TscScope scope = { .user_id = "user-7" };
  g_autofree char *user_id = g_strdup ("user-42");

  assert_shown (f, "1 2 3 4 5 6 7 8");

  tsc_events_view_set_scope (f->view, &scope);
  assert_shown (f, "5 6 7");

  /* The scope is copied: the caller's string can go. */
  scope.user_id = user_id;
  tsc_events_view_set_scope (f->view, &scope);
  g_clear_pointer (&user_id, g_free);
  assert_shown (f, "3 8");

  /* One client: every call of the session came from 127.0.0.1 without
   * a user agent, so all are one device. */
  g_assert_cmpuint (clients->len, >=, 1);
  scope.user_id = NULL;
  scope.client = g_ptr_array_index (clients, 0);
  tsc_events_view_set_scope (f->view, &scope);
  assert_shown (f, "1 2 3 4 5 6 7 8");

  tsc_events_view_set_scope (f->view, NULL);
  assert_shown (f, "1 2 3 4 5 6 7 8");
}

static void
on_notify_cb (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static GtkColumnView *
column_view (ViewFixture *f)
{
  return GTK_COLUMN_VIEW (gtk_widget_get_template_child (GTK_WIDGET (f->view), TSC_TYPE_EVENTS_VIEW,
                                                         "column_view"));
}

static void
test_view_selects_and_sorts (ViewFixture   *f,
                             gconstpointer  data)
{
  GtkSelectionModel *selection = gtk_column_view_get_model (column_view (f));
  GListModel *columns = gtk_column_view_get_columns (column_view (f));
  g_autoptr(GtkColumnViewColumn) name_column = NULL;
  g_autoptr(GtkColumnViewColumn) seq_column = NULL;
  guint notified = 0;

  assert_shown (f, "1 2 3 4 5 6 7 8");
  g_signal_connect (f->view, "notify::selected-seq", G_CALLBACK (on_notify_cb), &notified);

  /* The user selects a row. */
  gtk_selection_model_select_item (selection, 2, TRUE);
  g_assert_cmpint (tsc_events_view_get_selected_seq (f->view), ==, 3);
  g_assert_cmpuint (notified, ==, 1);

  /* Another view selects a message. */
  tsc_events_view_set_selected_seq (f->view, 7);
  g_assert_cmpuint (notified, ==, 2);
  g_assert_cmpuint (gtk_single_selection_get_selected (GTK_SINGLE_SELECTION (selection)), ==, 6);

  /* Sorting by name (a header click) keeps #7 selected, wherever it
   * went. */
  name_column = g_list_model_get_item (columns, TSC_EVENT_COLUMN_NAME);
  gtk_column_view_sort_by_column (column_view (f), name_column, GTK_SORT_ASCENDING);
  assert_shown (f, "5 1 8 4 2 7 3 6");
  g_assert_cmpuint (gtk_single_selection_get_selected (GTK_SINGLE_SELECTION (selection)), ==, 5);
  g_assert_cmpint (tsc_events_view_get_selected_seq (f->view), ==, 7);

  gtk_column_view_sort_by_column (column_view (f), name_column, GTK_SORT_DESCENDING);
  assert_shown (f, "6 3 7 2 4 8 1 5");
  g_assert_cmpuint (gtk_single_selection_get_selected (GTK_SINGLE_SELECTION (selection)), ==, 2);

  /* Filtered out and back: the selection comes back with the row. */
  tsc_events_view_set_search (f->view, "settings");
  assert_shown (f, "4");
  g_assert_cmpint (tsc_events_view_get_selected_seq (f->view), ==, 7);
  tsc_events_view_set_search (f->view, NULL);
  assert_shown (f, "6 3 7 2 4 8 1 5");
  g_assert_cmpuint (gtk_single_selection_get_selected (GTK_SINGLE_SELECTION (selection)), ==, 2);

  seq_column = g_list_model_get_item (columns, TSC_EVENT_COLUMN_SEQ);
  gtk_column_view_sort_by_column (column_view (f), seq_column, GTK_SORT_DESCENDING);
  assert_shown (f, "8 7 6 5 4 3 2 1");
  gtk_column_view_sort_by_column (column_view (f), seq_column, GTK_SORT_ASCENDING);
  assert_shown (f, "1 2 3 4 5 6 7 8");
  g_assert_cmpuint (gtk_single_selection_get_selected (GTK_SINGLE_SELECTION (selection)), ==, 6);

  /* Activating a row (Enter, double click) selects its message too. */
  g_signal_emit_by_name (column_view (f), "activate", 1);
  g_assert_cmpint (tsc_events_view_get_selected_seq (f->view), ==, 2);

  tsc_events_view_set_selected_seq (f->view, 0);
  g_assert_cmpuint (gtk_single_selection_get_selected (GTK_SINGLE_SELECTION (selection)), ==,
                    GTK_INVALID_LIST_POSITION);
}

static void
feed_rounds (TscSession *session,
             guint       n_rounds,
             gint64     *next_seq)
{
  for (guint round = 0; round < n_rounds; round++)
    {
      g_autoptr(GPtrArray) messages = decode_lines (small_session, G_N_ELEMENTS (small_session),
                                                    "Firefox/128.0", next_seq);

      tsc_session_add_messages (session, messages);
    }
  tsc_session_flush (session);
}

static GtkAdjustment *
vadjustment (ViewFixture *f)
{
  GtkScrolledWindow *scroller = GTK_SCROLLED_WINDOW (gtk_widget_get_template_child (
                                  GTK_WIDGET (f->view), TSC_TYPE_EVENTS_VIEW, "scroller"));

  return gtk_scrolled_window_get_vadjustment (scroller);
}

static gboolean
scrolled_to_end (gpointer data)
{
  GtkAdjustment *adjustment = vadjustment (data);
  double end = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);

  return gtk_adjustment_get_value (adjustment) >= end - 1.0;
}

static gboolean
count_frame_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       data)
{
  ((guint *) data)[0]++;
  return G_SOURCE_CONTINUE;
}

static gboolean
frames_done (gpointer data)
{
  return ((guint *) data)[0] >= ((guint *) data)[1];
}

/* Lets @n frames go by (a tick callback keeps the frame clock going),
 * so that layout and scrolling have happened. */
static void
wait_frames (ViewFixture *f,
             guint        n)
{
  guint frames[2] = { 0, n };
  guint id = gtk_widget_add_tick_callback (GTK_WIDGET (f->view), count_frame_cb, frames, NULL);

  g_assert_true (tsc_test_wait_until (frames_done, frames, 10000));
  gtk_widget_remove_tick_callback (GTK_WIDGET (f->view), id);
}

static void
test_view_follows_live_calls (ViewFixture   *f,
                              gconstpointer  data)
{
  g_autoptr(TscSession) live = new_session ();
  GListModel *model;
  gint64 next_seq = 1;

  tsc_events_view_set_session (f->view, live);
  model = tsc_events_view_get_model (f->view);
  assert_shown (f, "");
  g_assert_cmpstr (gtk_label_get_label (count_label (f)), ==, "0 calls");

  feed_rounds (live, 4, &next_seq);

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 4 * G_N_ELEMENTS (small_session));

  /* The newest row stays in view while the list was at its end... */
  wait_frames (f, 3);
  g_assert_cmpfloat (gtk_adjustment_get_upper (vadjustment (f)), >, gtk_adjustment_get_page_size (vadjustment (f)));
  g_assert_true (scrolled_to_end (f));
  g_assert_cmpfloat (gtk_adjustment_get_value (vadjustment (f)), >, 0);
  feed_rounds (live, 10, &next_seq);
  wait_frames (f, 3);
  g_assert_true (scrolled_to_end (f));

  /* ...and not once the user scrolled up. */
  gtk_adjustment_set_value (vadjustment (f), 0);
  wait_frames (f, 3);
  feed_rounds (live, 10, &next_seq);
  wait_frames (f, 3);
  g_assert_cmpfloat (gtk_adjustment_get_value (vadjustment (f)), ==, 0);
  g_assert_false (scrolled_to_end (f));

  /* A type filter on a live list: new calls are filtered as they come. */
  tsc_events_view_set_types (f->view, TSC_EVENT_TYPE_BIT (TSC_MESSAGE_TYPE_SCREEN));
  assert_shown (f, "4 12 20 28 36 44 52 60 68 76 84 92 100 108 116 124 132 140 148 156 164 172 180 188");
  feed_rounds (live, 1, &next_seq);
  assert_shown (f, "4 12 20 28 36 44 52 60 68 76 84 92 100 108 116 124 132 140 148 156 164 172 180 188 196");
  g_assert_cmpstr (gtk_label_get_label (count_label (f)), ==, "25 of 200 calls");
}

/* ---------------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  system_data_dirs = g_strdup (g_getenv ("XDG_DATA_DIRS"));
  if (system_data_dirs == NULL || *system_data_dirs == '\0')
    {
      g_free (system_data_dirs);
      system_data_dirs = g_strdup ("/usr/local/share:/usr/share");
    }

  g_setenv ("TZ", "UTC", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/event-list/model/follows-session-batches", test_list_follows_session_batches);
  g_test_add_func ("/event-list/model/refreshes-rows-flagged-by-later-calls",
                   test_list_refreshes_rows_flagged_by_later_calls);
  g_test_add_func ("/event-list/model/announces-changed-rows-in-runs", test_list_announces_changed_rows_in_runs);
  g_test_add_func ("/event-list/model/sorts-by-column", test_list_sorts_by_column);
  g_test_add_func ("/event-list/model/holds-a-million-rows", test_list_holds_a_million_rows);
  g_test_add_func ("/event-list/row/column-texts", test_row_texts);
  g_test_add_func ("/event-list/row/count-texts", test_count_texts);
  g_test_add_func ("/event-list/filter/matches-types-flags-search-and-scope", test_filter_matching);
  TSC_TEST_ADD_TMP_DIR ("/event-list/payload-search/reads-the-session-file", NULL,
                        test_payload_search_reads_the_file);
  TSC_TEST_ADD_TMP_DIR ("/event-list/payload-search/reports-a-missing-file", NULL,
                        test_payload_search_reports_a_missing_file);

  g_test_add ("/events-view/filters-by-type-flag-and-search", ViewFixture, NULL,
              view_fixture_set_up, test_view_filters_rows, view_fixture_tear_down);
  g_test_add ("/events-view/narrows-to-the-sidebar-scope", ViewFixture, NULL,
              view_fixture_set_up, test_view_narrows_to_scope, view_fixture_tear_down);
  g_test_add ("/events-view/selects-and-sorts", ViewFixture, NULL,
              view_fixture_set_up, test_view_selects_and_sorts, view_fixture_tear_down);
  g_test_add ("/events-view/follows-live-calls", ViewFixture, NULL,
              view_fixture_set_up, test_view_follows_live_calls, view_fixture_tear_down);

  return g_test_run ();
}
