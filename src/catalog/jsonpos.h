/*
 * jsonpos: where a value stands in JSON text. jansson reports positions of
 * syntax errors only; the catalog loader needs the line and column of a
 * value it refuses for a semantic reason. The text must be valid JSON (it
 * has been parsed already).
 *
 * A path names a value from the root: "protocols[3].phases[0].min_share";
 * "" is the root. Object keys are compared byte for byte with the key's
 * text between its quotes (keys with escapes never match).
 */
#ifndef TS_CATALOG_JSONPOS_H
#define TS_CATALOG_JSONPOS_H

#include <stddef.h>

/*
 * Finds the first character of the value at path and sets *line and
 * *column (both from 1; the column counts characters, not bytes, as jansson
 * does). When the path does not exist, the nearest ancestor that does is
 * used. Returns the number of path segments matched (0: the root).
 * Allocates nothing.
 */
int jsonpos_locate(const char *text, size_t len, const char *path, int *line,
                   int *column);

#endif
