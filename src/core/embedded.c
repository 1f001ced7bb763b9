#include "core/embedded.h"

#include <string.h>

const struct embedded_file *embedded_find(const char *path)
{
    for (int i = 0; i < embedded_file_count; i++)
        if (!strcmp(embedded_files[i].path, path))
            return &embedded_files[i];
    return NULL;
}
