/*
 * number: the one strict reader of numbers typed by people (command-line
 * options, web forms, query strings, imported files).
 *
 * Only plain decimal text is a number here. strtod() and strtol() alone are
 * too lenient for input: they skip leading white space, take a leading
 * '+', read "0x10" as sixteen, "nan" and "inf"/"infinity" as numbers, and
 * report overflow only through errno. These functions refuse all of that,
 * so "5" is a number and " 5", "+5", "5 ", "0x10", "nan" and "1e999" are
 * not. Neither allocates.
 */
#ifndef TS_CORE_NUMBER_H
#define TS_CORE_NUMBER_H

/* Why a text is not a number; negative, so callers may test "< 0". */
enum number_result {
    NUMBER_OK = 0,
    NUMBER_EMPTY = -1,        /* NULL or "" */
    NUMBER_MALFORMED = -2,    /* not plain decimal text (see above) */
    NUMBER_OUT_OF_RANGE = -3, /* well formed, but too large or too small */
};

/*
 * Reads a decimal number: an optional '-', one or more digits, optionally
 * '.' and one or more digits, optionally 'e' or 'E', an optional '+' or
 * '-', and one or more digits ("12", "-0.5", "2.5e-3", "1E+05"). Nothing
 * else: no white space anywhere, no leading '+', no bare "5." or ".5", no
 * hexadecimal, no "nan"/"inf". The value is what strtod() gives for the
 * text (in the C locale's notation, '.' as the point). It is out of range
 * when strtod() reports a range error: its magnitude overflows a double
 * (1e999) or underflows below the smallest normal double (1e-999); an
 * exact zero ("0e-999") is fine.
 * Returns NUMBER_OK with *out set, or a negative enum number_result with
 * *out untouched.
 */
int parse_decimal(const char *text, double *out);

/*
 * Reads a whole number: an optional '-' then one or more decimal digits
 * (leading zeros allowed, "007" is 7), nothing else. Out of range when it
 * does not fit a long long or lies outside lo..hi (both included).
 * Returns NUMBER_OK with *out set, or a negative enum number_result with
 * *out untouched.
 */
int parse_integer(const char *text, long long lo, long long hi,
                  long long *out);

#endif
