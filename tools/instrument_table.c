/*
 * instrument-table: writes the instrument table of catalog/instruments.json,
 * read and checked by src/catalog/instrument.c's loader, as C for the
 * program to include: no JSON parsed at its start.
 * usage: instrument-table > instrument_table.inc
 */
#include "catalog/instrument.h"

#include <stdio.h>

int main(void)
{
    instrument_table_write(stdout);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("instrument-table");
        return 1;
    }
    return 0;
}
