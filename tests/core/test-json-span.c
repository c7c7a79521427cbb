#define G_LOG_DOMAIN "test-json-span"

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "tsc-json-span.h"

#define MAX_ITEMS 4

typedef struct
{
  const char *test_path;
  const char *document;
  const char *member;
  gboolean    found;
  guint       n_items;
  const char *items[MAX_ITEMS];
} ArrayCase;

static const ArrayCase array_cases[] = {
  { "compact", "{\"batch\":[{\"a\":1},{\"b\":2}]}", "batch",
    TRUE, 2, { "{\"a\":1}", "{\"b\":2}" } },
  { "whitespace-around-items-is-not-part-of-them",
    "\n{ \"batch\" :\t[ \r\n  { \"a\" : 1 }  ,\n\t{\"b\":\n2 }\n ] \n}\n", "batch",
    TRUE, 2, { "{ \"a\" : 1 }", "{\"b\":\n2 }" } },
  { "strings-with-escaped-quotes-and-brackets",
    "{\"batch\":[{\"event\":\"say \\\"}]\\\" [{\",\"p\":{\"x\":\"\\\\\"}},{\"q\":\"]\"}]}", "batch",
    TRUE, 2, { "{\"event\":\"say \\\"}]\\\" [{\",\"p\":{\"x\":\"\\\\\"}}", "{\"q\":\"]\"}" } },
  { "nested-arrays-and-objects",
    "{\"batch\":[{\"a\":[[1,2],{\"b\":[]}],\"c\":{}},[3,[4]],{}]}", "batch",
    TRUE, 3, { "{\"a\":[[1,2],{\"b\":[]}],\"c\":{}}", "[3,[4]]", "{}" } },
  { "unicode-bytes-are-kept",
    "{\"batch\":[{\"name\":\"Caf\xc3\xa9 \xf0\x9f\x8e\x89\",\"e\":\"\\u00e9\"}]}", "batch",
    TRUE, 1, { "{\"name\":\"Caf\xc3\xa9 \xf0\x9f\x8e\x89\",\"e\":\"\\u00e9\"}" } },
  { "scalars", "{\"batch\":[1, -2.5e3 ,true,null,\"s\"]}", "batch",
    TRUE, 5, { "1", "-2.5e3", "true", "null" } /* 5th checked below */ },
  { "empty-batch", "{\"batch\":[]}", "batch", TRUE, 0, { NULL } },
  { "empty-batch-with-whitespace", "{ \"batch\" : [ \n ] }", "batch", TRUE, 0, { NULL } },
  { "batch-not-first-member",
    "{\"writeKey\":\"WK\",\"context\":{\"batch\":[{\"wrong\":1}],\"s\":\"\\\"batch\\\":[\"},"
    "\"n\":12,\"t\":true,\"z\":null,\"batch\":[{\"right\":1}]}", "batch",
    TRUE, 1, { "{\"right\":1}" } },
  { "members-after-batch",
    "{\"batch\":[{\"a\":1}],\"sentAt\":\"2026-11-29T04:55:21.460Z\","
    "\"context\":{\"x\":[1]}}", "batch",
    TRUE, 1, { "{\"a\":1}" } },
  { "byte-order-mark-is-skipped", "\xEF\xBB\xBF {\"batch\":[{\"a\":1}]}", "batch",
    TRUE, 1, { "{\"a\":1}" } },
  { "other-member-name", "{\"items\":[{\"a\":1}],\"batch\":[]}", "items",
    TRUE, 1, { "{\"a\":1}" } },
  { "prefix-of-name-does-not-match", "{\"batches\":[{\"a\":1}],\"batc\":[2]}", "batch",
    FALSE, 0, { NULL } },
  { "missing-member", "{\"a\":[1]}", "batch", FALSE, 0, { NULL } },
  { "member-not-an-array", "{\"batch\":{\"a\":1}}", "batch", FALSE, 0, { NULL } },
  { "document-not-an-object", "[{\"batch\":[1]}]", "batch", FALSE, 0, { NULL } },
  { "empty-document", "", "batch", FALSE, 0, { NULL } },
  { "truncated-document", "{\"batch\":[{\"a\":1},{\"b\"", "batch", FALSE, 0, { NULL } },
  { "escaped-member-name-is-not-matched", "{\"ba\\u0074ch\":[{\"a\":1}]}", "batch",
    FALSE, 0, { NULL } },
};

static void
test_array_case (gconstpointer data)
{
  const ArrayCase *c = data;
  gsize len = strlen (c->document);
  g_autoptr(GArray) spans = NULL;

  spans = tsc_json_span_array_members (c->document, len, c->member);

  if (!c->found)
    {
      g_assert_null (spans);
      return;
    }

  g_assert_nonnull (spans);
  if (spans == NULL)
    return;
  g_assert_cmpuint (spans->len, ==, c->n_items);

  for (guint i = 0; i < spans->len; i++)
    {
      TscJsonSpan *span = &g_array_index (spans, TscJsonSpan, i);
      const char *expected = i < MAX_ITEMS ? c->items[i] : NULL;

      g_assert_cmpuint (span->offset + span->length, <=, len);
      if (expected == NULL)
        continue;

      g_assert_cmpmem (c->document + span->offset, span->length, expected, strlen (expected));
    }
}

static void
test_array_fifth_scalar (void)
{
  const char *doc = "{\"batch\":[1, -2.5e3 ,true,null,\"s\"]}";
  g_autoptr(GArray) spans = tsc_json_span_array_members (doc, strlen (doc), "batch");
  TscJsonSpan *span;

  g_assert_nonnull (spans);
  if (spans == NULL || spans->len < 5)
    return;
  g_assert_cmpuint (spans->len, ==, 5);
  span = &g_array_index (spans, TscJsonSpan, 4);
  g_assert_cmpmem (doc + span->offset, span->length, "\"s\"", 3);
}

/* The length given is the end: bytes after it do not exist. */
static void
test_array_respects_length (void)
{
  const char *doc = "{\"batch\":[{\"a\":1}]}GARBAGE";
  g_autoptr(GArray) spans = NULL;

  spans = tsc_json_span_array_members (doc, strlen (doc) - strlen ("GARBAGE"), "batch");
  g_assert_nonnull (spans);
  g_assert_cmpuint (spans->len, ==, 1);

  g_clear_pointer (&spans, g_array_unref);
  /* cut inside the item */
  spans = tsc_json_span_array_members (doc, 14, "batch");
  g_assert_null (spans);
}

typedef struct
{
  const char *test_path;
  const char *document;
  gboolean    ok;
  gsize       offset;
  const char *value;
} TrimCase;

static const TrimCase trim_cases[] = {
  { "object", "{\"a\":1}", TRUE, 0, "{\"a\":1}" },
  { "whitespace", " \t\r\n{\"a\": [1, \"}\"]}\r\n \t", TRUE, 4, "{\"a\": [1, \"}\"]}" },
  { "byte-order-mark", "\xEF\xBB\xBF{\"a\":1}", TRUE, 3, "{\"a\":1}" },
  { "byte-order-mark-and-whitespace", "\xEF\xBB\xBF\n  {\"a\":1}\n", TRUE, 6, "{\"a\":1}" },
  { "array", "  [1,{\"b\":\"\\\"\"}] ", TRUE, 2, "[1,{\"b\":\"\\\"\"}]" },
  { "string", " \"x\\\"y\" ", TRUE, 1, "\"x\\\"y\"" },
  { "number", "\n42\n", TRUE, 1, "42" },
  { "empty", "", FALSE, 0, NULL },
  { "only-whitespace", " \n\t ", FALSE, 0, NULL },
  { "only-byte-order-mark", "\xEF\xBB\xBF", FALSE, 0, NULL },
  { "unclosed-object", "{\"a\":1", FALSE, 0, NULL },
  { "unclosed-string", "\"abc", FALSE, 0, NULL },
  { "stray-close", "}", FALSE, 0, NULL },
};

static void
test_trim_case (gconstpointer data)
{
  const TrimCase *c = data;
  TscJsonSpan span = { 12345, 12345 };
  gboolean ok;

  ok = tsc_json_span_trim (c->document, strlen (c->document), &span);
  g_assert_cmpint (ok, ==, c->ok);
  if (!c->ok)
    return;

  g_assert_cmpuint (span.offset, ==, c->offset);
  g_assert_cmpmem (c->document + span.offset, span.length, c->value, strlen (c->value));
}

static void
collect_member (const char *key,
                gsize       key_len,
                const char *value,
                gsize       value_len,
                gpointer    user_data)
{
  GString *out = user_data;

  g_string_append_printf (out, "[%.*s]=[%.*s]", (int) key_len, key, (int) value_len, value);
}

static void
test_members_are_exact (void)
{
  static const char document[] =
    "\xEF\xBB\xBF { \"type\" : \"track\",\"properties\":{\"a\":[1,{\"b\":\"}\"}]},"
    "\"n\":-1.5e3 , \"s\":\"q\\\"x\",\"t\":true,\"z\":null}\n";
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_true (tsc_json_span_foreach_member (document, strlen (document), collect_member, out));
  g_assert_cmpstr (out->str, ==,
                   "[type]=[\"track\"][properties]=[{\"a\":[1,{\"b\":\"}\"}]}]"
                   "[n]=[-1.5e3][s]=[\"q\\\"x\"][t]=[true][z]=[null]");
}

static void
test_members_of_non_objects (void)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_true (tsc_json_span_foreach_member ("{}", 2, collect_member, out));
  g_assert_cmpstr (out->str, ==, "");
  g_assert_false (tsc_json_span_foreach_member ("[1,2]", 5, collect_member, out));
  g_assert_false (tsc_json_span_foreach_member ("{\"a\":1", 6, collect_member, out));
  g_assert_false (tsc_json_span_foreach_member ("\"x\"", 3, collect_member, out));
}

typedef struct
{
  const char *test_path;
  const char *document;
  gboolean    valid;
  gssize      error_offset;   /* where the grammar breaks; -1: not checked */
} ValidateCase;

static const ValidateCase validate_cases[] = {
  { "object", "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}", TRUE, -1 },
  { "array-of-scalars", "[0,-0,1.5,-2.5e3,1E+2,3e-1,\"s\",true,false,null]", TRUE, -1 },
  { "scalar-alone", "12", TRUE, -1 },
  { "string-alone", "\"x\"", TRUE, -1 },
  { "whitespace-and-byte-order-mark", "\xEF\xBB\xBF \r\n\t{ \"a\" : [ ] , \"b\" : { } }\n", TRUE, -1 },
  { "escapes", "[\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83c\\udf89\"]", TRUE, -1 },
  { "brackets-inside-strings", "{\"a\":\"}]{[\",\"b\":\",:\"}", TRUE, -1 },
  { "utf8-bytes-in-strings", "{\"name\":\"Caf\xc3\xa9\"}", TRUE, -1 },
  { "empty", "", FALSE, 0 },
  { "only-whitespace", "  \n", FALSE, 3 },
  { "two-values", "{} {}", FALSE, 3 },
  { "trailing-comma-in-array", "[1,2,]", FALSE, 5 },
  { "trailing-comma-in-object", "{\"a\":1,}", FALSE, 7 },
  { "missing-colon", "{\"a\" 1}", FALSE, 5 },
  { "missing-comma", "[1 2]", FALSE, 3 },
  { "unquoted-name", "{a:1}", FALSE, 1 },
  { "single-quotes", "['a']", FALSE, 1 },
  { "unclosed-object", "{\"a\":{\"b\":1}", FALSE, 12 },
  { "unclosed-string", "[\"abc", FALSE, -1 },
  { "closing-the-wrong-bracket", "{\"a\":[1}}", FALSE, 7 },
  { "control-character-in-string", "[\"a\nb\"]", FALSE, -1 },
  { "unknown-escape", "[\"\\x41\"]", FALSE, -1 },
  { "short-unicode-escape", "[\"\\u12\"]", FALSE, -1 },
  { "lone-high-surrogate", "[\"\\ud83c\"]", FALSE, -1 },
  { "lone-low-surrogate", "[\"\\udf89\"]", FALSE, -1 },
  { "leading-zero", "[01]", FALSE, -1 },
  { "plus-sign", "[+1]", FALSE, 1 },
  { "fraction-without-digits", "[1.]", FALSE, -1 },
  { "exponent-without-digits", "[1e]", FALSE, -1 },
  { "integer-too-long", "[1234567890123456789]", FALSE, -1 },
  { "misspelled-literal", "[tru]", FALSE, 1 },
  { "nan", "[NaN]", FALSE, 1 },
  { "comment", "{} // no", FALSE, 3 },
};

static void
test_validate_case (gconstpointer data)
{
  const ValidateCase *c = data;
  gsize offset = G_MAXSIZE;
  gboolean valid = tsc_json_span_validate (c->document, strlen (c->document), &offset);

  g_assert_cmpint (valid, ==, c->valid);
  if (!c->valid && c->error_offset >= 0)
    g_assert_cmpuint (offset, ==, (gsize) c->error_offset);

  /* What is taken is taken by json-glib too, with the same value kinds. */
  if (valid)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      TscJsonSpan span;

      g_assert_true (json_parser_load_from_data (parser, c->document, strlen (c->document),
                                                 &error));
      g_assert_no_error (error);
      g_assert_true (tsc_json_span_trim (c->document, strlen (c->document), &span));
    }
}

static void
test_validate_respects_length (void)
{
  const char *document = "{\"a\":[1,2]}garbage";

  g_assert_true (tsc_json_span_validate (document, strlen ("{\"a\":[1,2]}"), NULL));
  g_assert_false (tsc_json_span_validate (document, strlen ("{\"a\":[1,2"), NULL));
}

static void
test_validate_depth (void)
{
  g_autoptr(GString) shallow = g_string_new (NULL);
  g_autoptr(GString) deep = g_string_new (NULL);

  for (int i = 0; i < 512; i++)
    g_string_append_c (shallow, '[');
  for (int i = 0; i < 512; i++)
    g_string_append_c (shallow, ']');
  g_assert_true (tsc_json_span_validate (shallow->str, shallow->len, NULL));

  /* Too deep is left to a real parser, never a crash. */
  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, ']');
  g_assert_false (tsc_json_span_validate (deep->str, deep->len, NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* One wrong case must not hide the verdict on the others. */
  g_test_set_nonfatal_assertions ();

  for (guint i = 0; i < G_N_ELEMENTS (array_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/wire/json-span/array-members/",
                                           array_cases[i].test_path, NULL);
      g_test_add_data_func (path, &array_cases[i], test_array_case);
    }
  g_test_add_func ("/wire/json-span/array-members/scalars-string-item", test_array_fifth_scalar);
  g_test_add_func ("/wire/json-span/array-members/stops-at-given-length",
                   test_array_respects_length);

  for (guint i = 0; i < G_N_ELEMENTS (trim_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/wire/json-span/trim/", trim_cases[i].test_path, NULL);
      g_test_add_data_func (path, &trim_cases[i], test_trim_case);
    }

  g_test_add_func ("/wire/json-span/members/are-exact", test_members_are_exact);
  g_test_add_func ("/wire/json-span/members/only-of-objects", test_members_of_non_objects);

  for (guint i = 0; i < G_N_ELEMENTS (validate_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/wire/json-span/validate/",
                                           validate_cases[i].test_path, NULL);
      g_test_add_data_func (path, &validate_cases[i], test_validate_case);
    }
  g_test_add_func ("/wire/json-span/validate/stops-at-given-length", test_validate_respects_length);
  g_test_add_func ("/wire/json-span/validate/too-deep-is-refused", test_validate_depth);

  return g_test_run ();
}
