/* pm-store-private.h: what the pm-store*.c files and the store tests share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <sqlite3.h>
#include "pm-store.h"

G_BEGIN_DECLS

/* The newest schema this build knows; PRAGMA user_version of a current database. */
#define PM_STORE_SCHEMA_VERSION 8

/* PRAGMA application_id of a Paintmask database: "PMSK". */
#define PM_STORE_APPLICATION_ID 0x504D534B

/* Databases up to this size get a full PRAGMA quick_check at open; bigger ones skip the
 * artifacts table there. A variable so that tests can lower it. */
#define PM_STORE_FULL_CHECK_MAX_BYTES ((gint64) 256 * 1024 * 1024)
extern gint64 pm_store_full_check_max_bytes;

/* Runs an integrity or quick check statement; CORRUPT with its first finding if not "ok". */
gboolean pm_store_run_check      (sqlite3     *db,
                                  const char  *path,
                                  const char  *sql,
                                  GError     **error);

/* Checks that the freshly opened @db (journal mode untouched) is a readable Paintmask
 * database of a version this build knows, without writing anything. Sets *@version. */
gboolean pm_store_schema_check   (sqlite3     *db,
                                  const char  *path,
                                  int         *version,
                                  GError     **error);
/* Brings @db from its user_version up to PM_STORE_SCHEMA_VERSION in one transaction. */
gboolean pm_store_schema_migrate (sqlite3     *db,
                                  const char  *path,
                                  GError     **error);

#define PM_STORE_BUSY_TIMEOUT_MS 5000

struct _PmStore {
  sqlite3         *db;
  char            *path;         /* as given to pm_store_open(), for messages */
  void           (*test_hook) (gpointer user_data);
  gpointer         test_hook_data;
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

extern const char * const pm_store_artifact_kind_names[5];

/* Opens @path, naming it @display_name in messages (the import opens a temporary copy). */
PmStore      *pm_store_open_as          (const char     *path,
                                         const char     *display_name,
                                         GError        **error);

/* SQLite's message for @db as one line of valid UTF-8, at most 200 characters. */
char         *pm_store_sqlite_errmsg (sqlite3  *db);
/* SQLite's message for @rc on @db, naming a full disk (ENOSPC, EFBIG, EDQUOT) as such and
 * adding the system error to an I/O error. */
char         *pm_store_describe_sqlite_error (sqlite3  *db,
                                         int             rc);
/* SQL helpers: each sets a one-line GError naming the database on failure. */
void          pm_store_set_sqlite_error (PmStore        *store,
                                         GError        **error,
                                         int             rc,
                                         const char     *what);
sqlite3_stmt *pm_store_prepare          (PmStore        *store,
                                         const char     *sql,
                                         GError        **error);
/* Steps @stmt to completion; it must return no rows. */
gboolean      pm_store_step_done        (PmStore        *store,
                                         sqlite3_stmt   *stmt,
                                         const char     *what,
                                         GError        **error);
gboolean      pm_store_exec             (PmStore        *store,
                                         const char     *sql,
                                         const char     *what,
                                         GError        **error);
/* Runs @sql with ?1 bound to @arg; no rows expected. */
gboolean      pm_store_exec_with_id     (PmStore        *store,
                                         const char     *sql,
                                         gint64          arg,
                                         const char     *what,
                                         GError        **error);
/* First column of the first row (?1 bound to @arg if used); NOT_FOUND if no row. */
gboolean      pm_store_query_int64      (PmStore        *store,
                                         const char     *sql,
                                         gint64          arg,
                                         gint64         *value,
                                         GError        **error);
/* Prepares @sql, binds @id to ?1 and steps to the first row: the statement on that row, or
 * NULL with NOT_FOUND (@missing_format's message) if there is none, or SQLite's error. */
sqlite3_stmt *pm_store_query_row        (PmStore        *store,
                                         const char     *sql,
                                         gint64          id,
                                         const char     *what,
                                         GError        **error,
                                         const char     *missing_format,
                                         ...) G_GNUC_PRINTF (6, 7);
gboolean      pm_store_begin            (PmStore        *store,
                                         GError        **error);
gboolean      pm_store_commit           (PmStore        *store,
                                         GError        **error);
void          pm_store_rollback         (PmStore        *store);
char         *pm_store_dup_column       (sqlite3_stmt   *stmt,
                                         int             col);
/* "%text%" with LIKE wildcards escaped by '\'; NULL for NULL or "". */
char         *pm_store_like_pattern     (const char     *text);
/* FALSE with NOT_FOUND ("no run 7 in FILE") unless @table ("runs", "sessions", "projects",
 * "project_images", "project_labels") has @id. */
gboolean      pm_store_check_exists     (PmStore        *store,
                                         const char     *table,
                                         gint64          id,
                                         GError        **error);

/* @image scaled down to fit PM_STORE_THUMBNAIL_SIZE (a copy if it already does). */
PmImage      *pm_store_make_thumbnail   (const PmImage  *image);

/* Decodes the preview PNG in column @col of @stmt's row; CORRUPT if it cannot be decoded
 * (pm-store-pictures.c). */
PmImage      *pm_store_decode_thumbnail (PmStore        *store,
                                         sqlite3_stmt   *stmt,
                                         int             col,
                                         GError        **error);

/* The rows of a run and of an encoded artifact, inside the caller's transaction; each
 * returns the new id or 0 with @error set. pm_store_insert_run() ignores
 * @record->session_id and its pictures. */
gint64        pm_store_insert_run       (PmStore            *store,
                                         const PmRunRecord  *record,
                                         gint64              session_id,
                                         GError            **error);
gint64        pm_store_insert_artifact_png (PmStore         *store,
                                         gint64              run_id,
                                         PmArtifactKind      kind,
                                         int                 width,
                                         int                 height,
                                         GBytes             *png,
                                         GError            **error);
/* Whether @session_id works on a project image: 1 with *@file set to its file, 0 if it has
 * a stored image, -1 with @error set (pm-store-draft.c). */
int           pm_store_session_project_file (PmStore        *store,
                                         gint64              session_id,
                                         char              **file,
                                         GError            **error);
/* The unix time in seconds. */
gint64        pm_store_now_seconds      (void);

/* Maps an SQLite result code to a PmStoreError code. */
int      pm_store_error_code     (int          rc);

/* For the crash-safety tests: called inside pm_store_add_run()'s transaction after every
 * row is written and before COMMIT. */
typedef void (*PmStoreTestHook) (gpointer user_data);
void     pm_store_set_test_hook  (PmStore        *store,
                                  PmStoreTestHook hook,
                                  gpointer        user_data);
/* The connection, for tests that inspect the database with SQL. */
sqlite3 *pm_store_get_db         (PmStore        *store);

G_END_DECLS
