/* pm-store-sql.c: small SQLite helpers shared by the store's files: statements, transactions
 * and one-line errors naming the database.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "pm-store"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "pm-store-private.h"

/* SQLite's message for @db as one line of valid UTF-8: a damaged file's schema text can reach
 * the message ("malformed database schema (…) - unrecognized token: …") with raw bytes and
 * newlines from the file, so control characters become spaces, invalid UTF-8 becomes U+FFFD
 * and the text is cut at 200 characters. */
char *
pm_store_sqlite_errmsg (sqlite3 *db)
{
  g_autofree char *valid = g_utf8_make_valid (sqlite3_errmsg (db), -1);
  GString *line = g_string_sized_new (strlen (valid));
  const char *p = valid;

  for (glong n = 0; *p != '\0' && n < 200; p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || c == 0x2028 || c == 0x2029)
        g_string_append_c (line, ' ');
      else
        g_string_append_unichar (line, c);
    }
  if (*p != '\0')
    g_string_append (line, "…");
  return g_string_free (line, FALSE);
}

/* What went wrong, for a message: SQLite's own text, except for a write the file system
 * refused, where "disk I/O error" alone would not tell the user what to do. SQLite keeps
 * the system error only for some failures (not for a failed write to the WAL). */
char *
pm_store_describe_sqlite_error (sqlite3 *db,
                                int      rc)
{
  int errsv = sqlite3_system_errno (db);

  if ((rc & 0xff) == SQLITE_FULL || errsv == ENOSPC || errsv == EFBIG || errsv == EDQUOT)
    return g_strdup_printf ("the disk is full (%s)",
                            errsv != 0 ? g_strerror (errsv) : sqlite3_errstr (rc));
  if ((rc & 0xff) == SQLITE_IOERR && errsv != 0)
    {
      g_autofree char *msg = pm_store_sqlite_errmsg (db);

      return g_strdup_printf ("%s (%s)", msg, g_strerror (errsv));
    }
  if (rc == SQLITE_IOERR_WRITE || rc == SQLITE_IOERR_FSYNC || rc == SQLITE_IOERR_TRUNCATE ||
      rc == SQLITE_IOERR_SHMSIZE)
    return g_strdup ("the disk refused a write (is it full?)");
  return pm_store_sqlite_errmsg (db);
}

void
pm_store_set_sqlite_error (PmStore     *store,
                           GError     **error,
                           int          rc,
                           const char  *what)
{
  int code = pm_store_error_code (rc);

  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
    g_set_error (error, PM_STORE_ERROR, code,
                 "%s: %s failed: the database stayed locked by another process for %d s",
                 store->path, what, PM_STORE_BUSY_TIMEOUT_MS / 1000);
  else
    {
      g_autofree char *why = pm_store_describe_sqlite_error (store->db, rc);

      g_set_error (error, PM_STORE_ERROR, code, "%s: %s failed: %s", store->path, what, why);
    }
}

sqlite3_stmt *
pm_store_prepare (PmStore     *store,
                  const char  *sql,
                  GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (store->db, sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    {
      pm_store_set_sqlite_error (store, error, rc, "preparing a query");
      sqlite3_finalize (stmt);
      return NULL;
    }
  return stmt;
}

/* Steps @stmt to completion (it must return no rows). */
gboolean
pm_store_step_done (PmStore       *store,
                    sqlite3_stmt  *stmt,
                    const char    *what,
                    GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    {
      pm_store_set_sqlite_error (store, error, rc, what);
      return FALSE;
    }
  return TRUE;
}

gboolean
pm_store_exec (PmStore     *store,
               const char  *sql,
               const char  *what,
               GError     **error)
{
  int rc = sqlite3_exec (store->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      pm_store_set_sqlite_error (store, error, rc, what);
      return FALSE;
    }
  return TRUE;
}

/* Runs @sql with ?1 bound to @arg and no rows expected. */
gboolean
pm_store_exec_with_id (PmStore     *store,
                       const char  *sql,
                       gint64       arg,
                       const char  *what,
                       GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = pm_store_prepare (store, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, arg);
  return pm_store_step_done (store, stmt, what, error);
}

/* Sets *@value to the first column of the first row; FALSE with NOT_FOUND if no row. */
gboolean
pm_store_query_int64 (PmStore     *store,
                      const char  *sql,
                      gint64       arg,
                      gint64      *value,
                      GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = pm_store_prepare (store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_bind_parameter_count (stmt) > 0)
    sqlite3_bind_int64 (stmt, 1, arg);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *value = sqlite3_column_int64 (stmt, 0);
      return TRUE;
    }
  if (rc == SQLITE_DONE)
    g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND, "%s: no row", store->path);
  else
    pm_store_set_sqlite_error (store, error, rc, "a query");
  return FALSE;
}

/* Prepares @sql, binds @id to ?1 and steps to the first row. Returns the statement standing
 * on that row, or NULL: with NOT_FOUND and the message @missing_format makes when there is
 * no row, or with SQLite's error for @what. */
sqlite3_stmt *
pm_store_query_row (PmStore     *store,
                    const char  *sql,
                    gint64       id,
                    const char  *what,
                    GError     **error,
                    const char  *missing_format,
                    ...)
{
  g_autoptr(sqlite3_stmt) stmt = pm_store_prepare (store, sql, error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return g_steal_pointer (&stmt);
  if (rc == SQLITE_DONE)
    {
      g_autofree char *missing = NULL;
      va_list args;

      va_start (args, missing_format);
      missing = g_strdup_vprintf (missing_format, args);
      va_end (args);
      g_set_error_literal (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND, missing);
    }
  else
    pm_store_set_sqlite_error (store, error, rc, what);
  return NULL;
}

gboolean
pm_store_begin (PmStore     *store,
                GError     **error)
{
  return pm_store_exec (store, "BEGIN IMMEDIATE", "starting a transaction", error);
}

gboolean
pm_store_commit (PmStore     *store,
                 GError     **error)
{
  return pm_store_exec (store, "COMMIT", "committing", error);
}

void
pm_store_rollback (PmStore *store)
{
  /* SQLite rolls back by itself after some errors (e.g. SQLITE_FULL); ROLLBACK would then
   * fail with "no transaction is active". */
  if (!sqlite3_get_autocommit (store->db))
    sqlite3_exec (store->db, "ROLLBACK", NULL, NULL, NULL);
}

char *
pm_store_dup_column (sqlite3_stmt *stmt,
                     int           col)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, col));
}

/* "%text%" with LIKE's wildcards in @text escaped by '\'; NULL for NULL or "". */
char *
pm_store_like_pattern (const char *text)
{
  GString *s;

  if (text == NULL || *text == '\0')
    return NULL;
  s = g_string_new ("%");
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (s, '\\');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '%');
  return g_string_free (s, FALSE);
}

gboolean
pm_store_check_exists (PmStore     *store,
                       const char  *table,
                       gint64       id,
                       GError     **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s WHERE id = ?1", table);
  gint64 n = 0;

  if (!pm_store_query_int64 (store, sql, id, &n, error))
    return FALSE;
  if (n == 0)
    {
      static const char * const names[][2] = {
        { "runs", "run" }, { "sessions", "session" }, { "projects", "project" },
        { "project_images", "project image" }, { "project_labels", "label" },
      };
      const char *name = table;

      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        if (g_str_equal (table, names[i][0]))
          name = names[i][1];
      g_set_error (error, PM_STORE_ERROR, PM_STORE_ERROR_NOT_FOUND,
                   "no %s %" G_GINT64_FORMAT " in %s", name, id, store->path);
      return FALSE;
    }
  return TRUE;
}
