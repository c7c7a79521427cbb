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
#include <libsoup/soup.h>

#include "tsc-session-store.h"

G_BEGIN_DECLS

/* How an SQL NULL reads in a row returned by tsc_test_db_row(). */
#define TSC_TEST_DB_NULL "<NULL>"

/* Temporary folders */

char         *tsc_test_make_tmp_dir        (const char          *tmpl,
                                            const char          *file_name,
                                            char               **file_path);
gboolean      tsc_test_remove_tree         (const char          *path);
char         *tsc_test_write_file          (const char          *dir,
                                            const char          *name,
                                            const char          *contents,
                                            gssize               len);

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

/* Bodies */

GBytes       *tsc_test_compress            (const void          *data,
                                            gsize                len,
                                            GZlibCompressorFormat format);

/* Session files: written through the store the way the collector writes
 * them, read through a separate read-only connection */

void          tsc_test_store_append        (TscSessionStore     *store,
                                            TscRequestRecord    *record,
                                            GPtrArray           *messages);
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

/* The first column of the first row of @sql reads as @expected (see
 * tsc_test_db_text()). A macro, so that a failure names the caller. */
#define tsc_test_assert_db_text(path, sql, param, expected) \
  G_STMT_START { \
    g_autofree char *tsc_test_text_ = tsc_test_db_text ((path), (sql), (param)); \
    g_assert_cmpstr (tsc_test_text_, ==, (expected)); \
  } G_STMT_END

G_END_DECLS
