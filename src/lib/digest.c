/* SHA-256 of files, with nettle. SPDX-License-Identifier: GPL-3.0-or-later */
#include "digest.h"

#include <errno.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_internal.h"

ls_status ls_file_sha256(const char *path, char hex[65], ls_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return ls_fail_at(err, LS_ERR_IO, path, 0, 0, NULL, "cannot open: %s", strerror(errno));
    enum { CHUNK = 1 << 16 };
    unsigned char *buf = malloc(CHUNK);
    if (!buf) {
        fclose(fp);
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    size_t n;
    while ((n = fread(buf, 1, CHUNK, fp)) > 0)
        sha256_update(&ctx, n, buf);
    int bad = ferror(fp);
    fclose(fp);
    free(buf);
    if (bad)
        return ls_fail_at(err, LS_ERR_IO, path, 0, 0, NULL, "read error");
    unsigned char digest[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    return LS_OK;
}
