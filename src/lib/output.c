/* Atomic output files. SPDX-License-Identifier: GPL-3.0-or-later */
#include "leadscore/output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error_internal.h"

struct ls_output {
    FILE *fp;
    int device; /* not a regular file: written in place, closed on commit */
    char *path; /* NULL for stdout */
    char *temp;
};

ls_status ls_output_open(const char *path, ls_output **out, ls_error *err)
{
    *out = NULL;
    ls_output *o = calloc(1, sizeof *o);
    if (!o)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    if (strcmp(path, "-") == 0) {
        o->fp = stdout;
        *out = o;
        return LS_OK;
    }
    /* Devices and pipes (/dev/null, a FIFO) are written in place: renaming a
     * temporary file over them would replace the device with a file. */
    struct stat info;
    if (stat(path, &info) == 0 && !S_ISREG(info.st_mode)) {
        o->fp = fopen(path, "w");
        if (!o->fp) {
            ls_status code = ls_fail_at(err, LS_ERR_IO, path, 0, 0, NULL, "cannot open output: %s",
                                        strerror(errno));
            free(o);
            return code;
        }
        o->device = 1;
        *out = o;
        return LS_OK;
    }
    size_t len = strlen(path);
    o->path = strdup(path);
    o->temp = malloc(len + 16);
    if (!o->path || !o->temp) {
        ls_output_abort(o);
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    }
    /* The temporary file lives beside the target so rename() stays on one file system. */
    snprintf(o->temp, len + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(o->temp);
    if (fd < 0) {
        ls_status st = ls_fail_at(err, LS_ERR_IO, path, 0, 0, NULL, "cannot create output file: %s",
                                  strerror(errno));
        free(o->temp);
        o->temp = NULL;
        ls_output_abort(o);
        return st;
    }
    fchmod(fd, 0644);
    o->fp = fdopen(fd, "w");
    if (!o->fp) {
        close(fd);
        ls_output_abort(o);
        return ls_fail_at(err, LS_ERR_IO, path, 0, 0, NULL, "cannot open output file");
    }
    *out = o;
    return LS_OK;
}

FILE *ls_output_stream(ls_output *out)
{
    return out->fp;
}

ls_status ls_output_commit(ls_output *out, ls_error *err)
{
    ls_status st = LS_OK;
    if (out->device) {
        int failed = fflush(out->fp) != 0 || ferror(out->fp);
        failed |= fclose(out->fp) != 0;
        if (failed)
            st = ls_fail(err, LS_ERR_IO, "cannot write output: %s", strerror(errno));
        free(out);
        return st;
    }
    if (!out->path) {
        if (fflush(stdout) != 0 || ferror(stdout))
            st = ls_fail(err, LS_ERR_IO, "cannot write to standard output: %s", strerror(errno));
        free(out);
        return st;
    }
    int failed = fflush(out->fp) != 0 || ferror(out->fp);
    failed |= fclose(out->fp) != 0;
    out->fp = NULL;
    if (failed)
        st = ls_fail_at(err, LS_ERR_IO, out->path, 0, 0, NULL, "cannot write output file: %s",
                        strerror(errno));
    else if (rename(out->temp, out->path) != 0)
        st = ls_fail_at(err, LS_ERR_IO, out->path, 0, 0, NULL,
                        "cannot rename output into place: %s", strerror(errno));
    if (st != LS_OK)
        unlink(out->temp);
    free(out->temp);
    free(out->path);
    free(out);
    return st;
}

void ls_output_abort(ls_output *out)
{
    if (!out)
        return;
    if (out->device) {
        fclose(out->fp);
        free(out);
        return;
    }
    if (out->path) {
        if (out->fp)
            fclose(out->fp);
        if (out->temp)
            unlink(out->temp);
    }
    free(out->temp);
    free(out->path);
    free(out);
}

int ls_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (!a || !b || strcmp(a, "-") == 0 || strcmp(b, "-") == 0)
        return 0;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
        return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
