/* bench-rules.c: the cost of the identity model and rules per message,
 * against json-glib parsing the same messages, in the same run
 *
 * The design budgets json-glib's parse of realistic calls as the unit
 * of work (a reused JsonParser). This benchmark decodes N realistic
 * analytics.js-style calls from NDJSON lines the way `check` does
 * (tsc_wire_decode_document) and feeds them to one TscIdentityModel,
 * and compares the time with parsing the same lines with a reused
 * JsonParser. It also reports how much memory the model keeps per
 * message (resident set size before and after).
 *
 *   bench-rules [--messages N]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "bench-rules"

#include "config.h"

#include <stdio.h>

#include <json-glib/json-glib.h>

#include "tsc-identity-model.h"
#include "tsc-wire.h"

static int n_messages = 200000;

static gsize
resident_bytes (void)
{
  g_autofree char *statm = NULL;
  unsigned long size = 0, resident = 0;

  if (!g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL) ||
      sscanf (statm, "%lu %lu", &size, &resident) != 2)
    return 0;
  return resident * 4096;
}

/* A mix like a real capture: many users, a few streams each, pages,
 * tracks, identifies, some logouts with and without reset. */
static GPtrArray *
make_lines (void)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  static const char *events[] = { "Product Viewed", "Product Added", "Checkout Started",
                                  "Order Completed", "Signed Out" };

  for (int i = 0; i < n_messages; i++)
    {
      int user = i / 20;
      int step = i % 20;
      g_autofree char *anon = g_strdup_printf ("%08x-4b5a-4c6d-8e9f-%012x", user * 7919, user);
      g_autofree char *user_id = step >= 3 ? g_strdup_printf ("\"user-%d\"", user) : g_strdup ("null");
      char *line;

      if (step == 3)
        line = g_strdup_printf ("{\"type\":\"identify\",\"anonymousId\":\"%s\",\"userId\":%s,"
                                "\"traits\":{\"plan\":\"pro\",\"createdAt\":\"2026-11-01T10:00:00Z\"},"
                                "\"messageId\":\"ajs-next-%d\",\"timestamp\":\"2026-11-29T10:00:%02d.000Z\","
                                "\"sentAt\":\"2026-11-29T10:00:%02d.020Z\",\"receivedAt\":\"2026-11-29T10:00:%02d.050Z\","
                                "\"context\":{\"library\":{\"name\":\"analytics.js\",\"version\":\"npm:next-1.84.3\"},"
                                "\"page\":{\"path\":\"/account\",\"url\":\"https://shop.example/account\"},"
                                "\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0\"}}",
                                anon, user_id, i, step, step, step);
      else if (step % 4 == 0)
        line = g_strdup_printf ("{\"type\":\"page\",\"anonymousId\":\"%s\",\"userId\":%s,"
                                "\"properties\":{\"path\":\"/products/%d\",\"title\":\"Product\","
                                "\"url\":\"https://shop.example/products/%d\"},"
                                "\"messageId\":\"ajs-next-%d\",\"timestamp\":\"2026-11-29T10:00:%02d.000Z\","
                                "\"sentAt\":\"2026-11-29T10:00:%02d.020Z\",\"receivedAt\":\"2026-11-29T10:00:%02d.050Z\","
                                "\"context\":{\"library\":{\"name\":\"analytics.js\",\"version\":\"npm:next-1.84.3\"},"
                                "\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0\"}}",
                                anon, user_id, i, i, i, step, step, step);
      else
        line = g_strdup_printf ("{\"type\":\"track\",\"event\":\"%s\",\"anonymousId\":\"%s\",\"userId\":%s,"
                                "\"properties\":{\"sku\":\"SKU-%d\",\"price\":19.99,\"currency\":\"EUR\"},"
                                "\"messageId\":\"ajs-next-%d\",\"timestamp\":\"2026-11-29T10:00:%02d.000Z\","
                                "\"sentAt\":\"2026-11-29T10:00:%02d.020Z\",\"receivedAt\":\"2026-11-29T10:00:%02d.050Z\","
                                "\"context\":{\"library\":{\"name\":\"analytics.js\",\"version\":\"npm:next-1.84.3\"},"
                                "\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0\"}}",
                                events[step == 18 ? 4 : step % 4], anon, user_id, i, i, step, step, step);

      g_ptr_array_add (lines, g_bytes_new_take (line, strlen (line)));
    }

  return lines;
}

int
main (int    argc,
      char **argv)
{
  const GOptionEntry entries[] = {
    { "messages", 0, 0, G_OPTION_ARG_INT, &n_messages, "How many messages", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(TscRuleConfig) config = NULL;
  g_autoptr(TscIdentityModel) model = NULL;
  g_autoptr(TscTransport) transport = tsc_transport_new ();
  gint64 start, base_us, model_us;
  gsize bytes = 0, rss_before, rss_after;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    g_error ("%s", error->message);

  lines = make_lines ();
  for (guint i = 0; i < lines->len; i++)
    bytes += g_bytes_get_size (g_ptr_array_index (lines, i));

  /* Baseline: json-glib parses every line with one reused parser. */
  start = g_get_monotonic_time ();
  for (guint i = 0; i < lines->len; i++)
    {
      GBytes *line = g_ptr_array_index (lines, i);

      if (!json_parser_load_from_data (parser, g_bytes_get_data (line, NULL),
                                       g_bytes_get_size (line), NULL))
        g_error ("bad line %u", i);
    }
  base_us = g_get_monotonic_time () - start;

  /* Trackscope: decode each line as `check` does and run the rules. */
  config = tsc_rule_config_new (NULL, &error);
  g_assert_no_error (error);
  model = tsc_identity_model_new (config);
  transport->route = g_strdup ("ndjson");
  rss_before = resident_bytes ();

  start = g_get_monotonic_time ();
  for (guint i = 0; i < lines->len; i++)
    {
      g_autoptr(GPtrArray) messages = tsc_wire_decode_document (g_ptr_array_index (lines, i),
                                                                transport, 0, &error);
      g_assert_no_error (error);

      for (guint j = 0; j < messages->len; j++)
        {
          TscMessage *m = g_ptr_array_index (messages, j);
          g_autoptr(GPtrArray) flags = NULL;

          m->seq = i + 1;
          flags = tsc_identity_model_add (model, m);
        }
    }
  model_us = g_get_monotonic_time () - start;
  rss_after = resident_bytes ();

  g_print ("rules: %d messages, %.1f MB of NDJSON\n", n_messages, bytes / 1e6);
  g_print ("  baseline (json-glib parse, reused parser): %8.0f messages/s\n",
           n_messages / (base_us / 1e6));
  g_print ("  trackscope (decode + identity model + rules): %8.0f messages/s\n",
           n_messages / (model_us / 1e6));
  g_print ("  ratio trackscope/baseline time: %.2f\n", model_us / (double) base_us);
  g_print ("  model memory: %.0f bytes per message (resident set growth)\n",
           (double) (rss_after > rss_before ? rss_after - rss_before : 0) / n_messages);
  g_print ("  flags: %u\n", tsc_identity_model_get_flags (model)->len);

  return 0;
}
