/*
 * schema: the registry's PostgreSQL schema as an ordered list of
 * migrations (schema.c), applied by registry_schema_migrate(). Never edit
 * a migration that has shipped: append one. Table registry_schema_version
 * holds one row per migration applied.
 */
#ifndef TS_REGISTRY_SCHEMA_H
#define TS_REGISTRY_SCHEMA_H

#include "core/err.h"
#include "registry/pg.h"

/* Partitions of registry_outcome (HASH of the protocol). */
#define REGISTRY_OUTCOME_PARTITIONS 16

/* The schema version this binary writes (the number of migrations). */
int registry_schema_version(void);

/*
 * Applies the migrations the database lacks, all in one transaction
 * (PostgreSQL's DDL is transactional: a failure leaves none), under a
 * transaction-level advisory lock so that two processes never migrate at
 * once. A database written by a newer binary is refused
 * (ERR_FAIL, field "pg"). *applied (may be NULL) gets how many ran.
 */
int registry_schema_migrate(struct pg *db, int *applied, struct err *e);

/* Checks that the database holds this binary's schema (already migrated):
 * ERR_FAIL "no registry schema (run 'touchstone registry init')" or a
 * version mismatch. */
int registry_schema_check(struct pg *db, struct err *e);

#endif
