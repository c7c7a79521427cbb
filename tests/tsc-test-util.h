/* tsc-test-util.h: helpers shared by the C tests
 *
 * Temporary folders, bounded waits on the default main context, the
 * trackscope-cli executable, loopback HTTP and reading session files
 * back. The helpers fail the test themselves when something they need
 * goes wrong, so callers only check what their test is about.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "tsc-session-store.h"

G_BEGIN_DECLS

/* How an SQL NULL reads in a row returned by tsc_test_db_row(). */
#define TSC_TEST_DB_NULL "<NULL>"

/* Bounds on the waits of the helpers below: for a line of output, and
 * for trackscope-cli to finish (a replay with retries takes seconds). */
#define TSC_TEST_LINE_TIMEOUT_MS 15000
#define TSC_TEST_EXIT_TIMEOUT_MS 60000

/* Temporary folders */

char         *tsc_test_make_tmp_dir        (const char          *tmpl,
                                            const char          *file_name,
                                            char               **file_path);
gboolean      tsc_test_remove_tree         (const char          *path);
char         *tsc_test_write_file          (const char          *dir,
                                            const char          *name,
                                            const char          *contents,
                                            gssize               len);
char         *tsc_test_read_file           (const char          *path);
char         *tsc_test_list_dir            (const char          *dir,
                                            gboolean             skip_companions);

/* A fixture: a new temporary folder, removed with all it holds after the
 * test. Add a test that uses it with TSC_TEST_ADD_TMP_DIR(). */
typedef struct
{
  char *dir;
} TscTestTmpDir;

void          tsc_test_tmp_dir_set_up      (TscTestTmpDir       *t,
                                            gconstpointer        data);
void          tsc_test_tmp_dir_tear_down   (TscTestTmpDir       *t,
                                            gconstpointer        data);

#define TSC_TEST_ADD_TMP_DIR(path, data, func) \
  g_test_add ((path), TscTestTmpDir, (data), tsc_test_tmp_dir_set_up, (func), \
              tsc_test_tmp_dir_tear_down)

/* Test data (tests/data/) */

char         *tsc_test_data_path           (const char          *folder,
                                            const char          *name);

/* Assertions */

void          tsc_test_assert_contains     (const char          *haystack,
                                            const char          *needle);

/* JSON */

JsonNode     *tsc_test_parse_json          (const char          *text);

/* Waiting */

typedef gboolean (*TscTestDoneFunc) (gpointer data);

gboolean      tsc_test_wait_until          (TscTestDoneFunc      done,
                                            gpointer             data,
                                            guint                timeout_ms);
gboolean      tsc_test_wait_for_flag       (gboolean            *flag,
                                            guint                timeout_ms);

/* trackscope-cli (its path is in TRACKSCOPE_CLI) */

gboolean      tsc_test_init_for_cli        (int                 *argc,
                                            char              ***argv);
GSubprocess  *tsc_test_spawn_cli           (GSubprocessFlags     flags,
                                            const char          *xdg_data_home,
                                            const char * const  *args);
char         *tsc_test_read_line           (GDataInputStream    *stream,
                                            guint                timeout_ms);
char         *tsc_test_read_listening_uri  (GDataInputStream    *stdout_stream,
                                            guint                timeout_ms,
                                            guint               *port);
void          tsc_test_wait_for_exit       (GSubprocess         *process,
                                            guint                timeout_ms);
char         *tsc_test_read_rest           (GDataInputStream    *stream,
                                            guint                timeout_ms);

/* One run of trackscope-cli, to its end: its exit status and all it
 * wrote. Clear it with tsc_test_run_clear(), or declare it g_auto(). */
typedef struct
{
  int   status;
  char *out;
  char *err;
} TscTestRun;

void          tsc_test_run_cliv            (TscTestRun          *run,
                                            const char * const  *args);
void          tsc_test_run_clear           (TscTestRun          *run);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TscTestRun, tsc_test_run_clear)

/* tsc_test_run_cliv() with the arguments listed in place. */
#define tsc_test_run_cli(run, ...) \
  tsc_test_run_cliv ((run), (const char * const[]) { __VA_ARGS__, NULL })

/* A running `trackscope-cli capture` with both outputs piped. Start it
 * with tsc_test_capture_start*(), stop it with tsc_test_capture_stop();
 * tsc_test_capture_clear() (or g_auto()) kills it if it still runs. */
typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
  GDataInputStream *err;
  char             *uri;        /* from the “listening on” line */
  GString          *err_text;   /* what was read of stderr so far */
} TscTestCapture;

void          tsc_test_capture_spawn       (TscTestCapture      *capture,
                                            const char          *xdg_data_home,
                                            const char * const  *args);
void          tsc_test_capture_start       (TscTestCapture      *capture,
                                            const char          *xdg_data_home,
                                            const char * const  *args);
void          tsc_test_capture_start_session (TscTestCapture    *capture,
                                              const char        *session,
                                              const char        *forward);
void          tsc_test_capture_wait_for_stderr (TscTestCapture  *capture,
                                                const char      *needle,
                                                guint            timeout_ms);
const char   *tsc_test_capture_stop        (TscTestCapture      *capture,
                                            int                  signum);
void          tsc_test_capture_clear       (TscTestCapture      *capture);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TscTestCapture, tsc_test_capture_clear)

/* Flags, as `trackscope-cli check --format json` reports them */

char         *tsc_test_describe_flags      (JsonNode            *flags);
char         *tsc_test_check_flags         (const char          *input,
                                            gint64              *n_messages);

/* Loopback HTTP */

GSocket      *tsc_test_listen_on_free_port (guint               *port);
SoupMessage  *tsc_test_new_request         (const char          *method,
                                            const char          *base_uri,
                                            const char          *path,
                                            const char          *content_type,
                                            const char          *body,
                                            gssize               body_len);
GBytes       *tsc_test_send                (SoupSession         *session,
                                            SoupMessage         *msg);
guint         tsc_test_post                (SoupSession         *session,
                                            const char          *base_uri,
                                            const char          *path,
                                            const char          *body);
guint         tsc_test_post_json_bytes     (SoupSession         *session,
                                            const char          *base_uri,
                                            const char          *path,
                                            const char * const  *headers,
                                            GBytes              *body);
guint         tsc_test_post_json           (SoupSession         *session,
                                            const char          *base_uri,
                                            const char          *path,
                                            const char * const  *headers,
                                            const char          *body);
char         *tsc_test_unused_uri          (void);

/* A test upstream: a SoupServer on loopback in a thread of its own, so
 * that it keeps its own time while the test waits for trackscope-cli,
 * answering as its script says. It records every request it gets. */
typedef struct
{
  guint       statuses[4];   /* reply n: statuses[MIN (n, last set)]; none set: 200 */
  const char *retry_after;   /* sent with 429 and 503, or NULL */
  guint       hold_ms;       /* how long each reply is held back, or 0 */
} TscTestUpstreamScript;

typedef struct
{
  gint64  at;               /* monotonic µs */
  char   *path;             /* with the query string */
  char   *authorization;
  char   *user_agent;
  char   *origin;
  char   *retry_count;      /* X-Retry-Count */
  GBytes *body;
} TscTestUpstreamRequest;

typedef struct _TscTestUpstream TscTestUpstream;

TscTestUpstream *tsc_test_upstream_start   (const TscTestUpstreamScript *script);
const char   *tsc_test_upstream_get_uri    (TscTestUpstream     *upstream);
guint         tsc_test_upstream_get_n_requests (TscTestUpstream *upstream);
const TscTestUpstreamRequest *
              tsc_test_upstream_get_request (TscTestUpstream    *upstream,
                                             guint               index);
guint         tsc_test_upstream_get_n_replied (TscTestUpstream  *upstream);
void          tsc_test_upstream_stop       (TscTestUpstream     *upstream);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TscTestUpstream, tsc_test_upstream_stop)

/* Bodies */

GBytes       *tsc_test_compress            (const void          *data,
                                            gsize                len,
                                            GZlibCompressorFormat format);

/* Session files: written through the store the way the collector writes
 * them, read through a separate read-only connection */

void          tsc_test_store_append        (TscSessionStore     *store,
                                            TscRequestRecord    *record,
                                            GPtrArray           *messages);
guint         tsc_test_store_post          (TscSessionStore     *store,
                                            const char          *route_path,
                                            const char * const  *headers,
                                            const char          *remote_addr,
                                            GBytes              *body,
                                            gint64               received_at,
                                            gsize                keep);
void          tsc_test_store_request       (TscSessionStore     *store,
                                            const char          *route_path,
                                            const char * const  *headers,
                                            const char          *body,
                                            gint64               received_at);

char        **tsc_test_db_row              (const char          *path,
                                            const char          *sql,
                                            const char          *param);
gint64        tsc_test_db_int              (const char          *path,
                                            const char          *sql,
                                            const char          *param);
char         *tsc_test_db_text             (const char          *path,
                                            const char          *sql,
                                            const char          *param);
GBytes       *tsc_test_db_blob             (const char          *path,
                                            const char          *sql,
                                            const char          *param);
GHashTable   *tsc_test_stored_message_ids  (const char          *path);
GPtrArray    *tsc_test_load_messages       (const char          *path);
void          tsc_test_assert_same_messages (const char         *original,
                                             const char         *copy,
                                             const char         *new_write_key);

/* The first column of the first row of @sql reads as @expected (see
 * tsc_test_db_text()). A macro, so that a failure names the caller. */
#define tsc_test_assert_db_text(path, sql, param, expected) \
  G_STMT_START { \
    g_autofree char *tsc_test_text_ = tsc_test_db_text ((path), (sql), (param)); \
    g_assert_cmpstr (tsc_test_text_, ==, (expected)); \
  } G_STMT_END

G_END_DECLS
