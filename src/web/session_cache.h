/*
 * session_cache: the server's logins, kept between requests, so that a
 * read whose session is known costs no query for it. A session read from
 * the database is kept (by its token's hash) with the database's change
 * count (record/audit.h, audit_writer_changes) read before the lookup; it
 * is used again only by a GET or HEAD, while the count is unchanged (any
 * commit, by any connection or process: a logout, an account disabled,
 * a session removed by hand), the session has not expired (its idle
 * end counted from the kept last seen time), and that time is less than
 * 30 seconds old (then one request looks it up again, which records the
 * new time in the database, as websession_lookup does, while the others
 * go on with the kept copy: the recorded time trails the last request
 * by under a minute, so an idle session ends at worst that much sooner). A
 * commit by another process made just before a read may be counted only
 * by the audit writer's pass that makes the read's entries durable:
 * session_cache_recheck() then looks the session up in the database again
 * before the answer is sent. Writes always look their session up in the
 * database.
 */
#ifndef TS_WEB_SESSION_CACHE_H
#define TS_WEB_SESSION_CACHE_H

#include "record/websession.h"

struct audit_writer;

/* websession_lookup() of token, or its kept copy when it may be used
 * (may_keep: a read; aw not NULL); the same returns and errors. */
int session_cache_lookup(struct audit_writer *aw, struct store *s,
                         const char *token,
                         const struct websession_limits *limits,
                         int may_keep, struct websession *out,
                         struct err *e);

/* At the end of a read, before it is answered: when its session came
 * from a kept copy, and either the change count has moved since or no
 * pass of the audit writer began after the lookup (counted 0: the read
 * flushed and synced nothing, so a commit of another process may not be
 * counted yet), looks the session up in the database. 1 when it is
 * still the same login (user, role, practitioner), 0 when it is not (the
 * answer must be refused: e tells why, ERR_AUTH), -1 with e when the
 * database failed. Forgets the thread's last kept lookup either way. */
int session_cache_recheck(struct audit_writer *aw, struct store *s,
                          const struct websession_limits *limits,
                          int counted, struct err *e);

#endif
