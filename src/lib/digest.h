/* File digests for model lineage. SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LS_DIGEST_H
#define LS_DIGEST_H

#include "leadscore/error.h"

/* SHA-256 of a file's bytes as 64 lower-case hex digits plus NUL. */
ls_status ls_file_sha256(const char *path, char hex[65], ls_error *err);

#endif
