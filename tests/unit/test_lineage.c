/* Lineage: a parent recorded by its file's SHA-256, kept through save and
 * load, and the history of model files ordered by creation and linked to
 * their parents. SPDX-License-Identifier: GPL-3.0-or-later */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "leadscore/monitor.h"
#include "leadscore/train.h"
#include "model_internal.h"
#include "quarter_synth.h"

typedef struct {
    char dir[64];
    char data[2][96], model[2][96];
} files;

static int setup_files(void **state)
{
    files *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/ls_lineage_XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    for (int i = 0; i < 2; i++) {
        snprintf(f->data[i], sizeof f->data[i], "%s/q%d.csv", f->dir, i + 1);
        snprintf(f->model[i], sizeof f->model[i], "%s/q%d.json", f->dir, i + 1);
    }
    *state = f;
    return 0;
}

static int teardown_files(void **state)
{
    files *f = *state;
    for (int i = 0; i < 2; i++) {
        unlink(f->data[i]);
        unlink(f->model[i]);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static ls_model *train_quarter(const char *path, uint64_t seed)
{
    ls_quarter_options o;
    ls_quarter_options_init(&o);
    o.rows = 1000;
    o.seed = seed;
    ls_error err;
    ls_table *t = NULL;
    assert_int_equal(ls_quarter_write_path(&o, path, &err), LS_OK);
    assert_int_equal(ls_table_load(path, NULL, &t, &err), LS_OK);
    ls_train_options to;
    ls_train_options_init(&to);
    to.target = "converted";
    ls_model *m = NULL;
    assert_int_equal(ls_train(t, NULL, &to, path, &m, NULL, &err), LS_OK);
    ls_table_free(t);
    return m;
}

static void set_created(ls_model *m, const char *stamp)
{
    free(m->created);
    m->created = strdup(stamp);
}

static void test_parent_and_history(void **state)
{
    files *f = *state;
    ls_error err;
    ls_model *q1 = train_quarter(f->data[0], 1), *q2 = train_quarter(f->data[1], 2);
    set_created(q1, "2024-01-05T09:00:00Z");
    set_created(q2, "2024-04-05T09:00:00Z");
    assert_int_equal(ls_model_save(q1, f->model[0], &err), LS_OK);

    /* the parent is the SHA-256 of the parent model file */
    assert_int_equal(ls_model_set_parent(q2, f->model[0], &err), LS_OK);
    char hex[65];
    assert_int_equal(ls_file_sha256(f->model[0], hex, &err), LS_OK);
    assert_string_equal(q2->parent, hex);
    assert_int_equal(ls_model_save(q2, f->model[1], &err), LS_OK);
    ls_model *back = NULL;
    assert_int_equal(ls_model_load(f->model[1], &back, &err), LS_OK);
    assert_string_equal(back->parent, hex);
    ls_model_free(back);

    /* history given newest first comes back oldest first, linked */
    const char *paths[] = {f->model[1], f->model[0]};
    ls_history h;
    assert_int_equal(ls_history_load(paths, 2, &h, &err), LS_OK);
    assert_int_equal(h.n, 2);
    assert_string_equal(h.entries[0].file, f->model[0]);
    assert_string_equal(h.entries[0].sha256, hex);
    assert_int_equal(h.entries[0].parent_index, -1);
    assert_int_equal(h.entries[1].parent_index, 0);
    assert_string_equal(h.entries[1].data_file, f->data[1]);
    assert_int_equal(ls_file_sha256(f->data[1], hex, &err), LS_OK);
    assert_string_equal(h.entries[1].data_sha256, hex);
    assert_close(h.entries[1].rows, 1000, 0, 0);
    assert_close(h.entries[1].auc, q2->auc, 1e-15, 0);
    assert_string_equal(h.entries[1].created, "2024-04-05T09:00:00Z");

    char *buf = NULL;
    size_t size = 0;
    for (int fmt = 0; fmt < 3; fmt++) {
        FILE *out = open_memstream(&buf, &size);
        assert_int_equal(ls_history_write(&h, (ls_monitor_format)fmt, out, &err), LS_OK);
        fclose(out);
        char *second = strchr(buf, '\n');
        assert_non_null(second);
        if (fmt == LS_MONITOR_TEXT) {
            /* the child's row names the parent's file and short hashes */
            char *child = strstr(second + 1, "\n");
            assert_non_null(child);
            assert_non_null(strstr(child, f->model[0]));
            assert_non_null(strstr(buf, "2024-01-05T09:00:00Z"));
            assert_true(strncmp(buf, "file ", 5) == 0);
        } else if (fmt == LS_MONITOR_CSV) {
            assert_true(strncmp(buf,
                                "file,sha256,created,data_file,data_sha256,rows,auc,parent,"
                                "parent_file\n",
                                63) == 0);
            assert_non_null(strstr(buf, f->model[0]));
        } else {
            assert_non_null(strstr(buf, "\"parent_file\":\t\""));
        }
        free(buf);
        buf = NULL;
    }
    ls_history_release(&h);

    /* trained within the same second: the parent still comes first */
    set_created(q1, "2024-04-05T09:00:00Z");
    assert_int_equal(ls_model_save(q1, f->model[0], &err), LS_OK);
    assert_int_equal(ls_model_set_parent(q2, f->model[0], &err), LS_OK);
    assert_int_equal(ls_model_save(q2, f->model[1], &err), LS_OK);
    assert_int_equal(ls_history_load(paths, 2, &h, &err), LS_OK);
    assert_string_equal(h.entries[0].file, f->model[0]);
    assert_int_equal(h.entries[1].parent_index, 0);
    ls_history_release(&h);

    /* a hash is recorded as given, in lower case; other text is refused */
    const char *upper = "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789";
    assert_int_equal(ls_model_set_parent(q2, upper, &err), LS_OK);
    assert_string_equal(q2->parent,
                        "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
    assert_int_not_equal(ls_model_set_parent(q2, f->dir, &err), LS_OK);
    assert_int_equal(ls_model_set_parent(q2, "/nonexistent/q0.json", &err), LS_ERR_NOTFOUND);
    assert_int_equal(ls_model_set_parent(q2, "", &err), LS_ERR_USAGE);
    const char *missing[] = {f->model[0], "/nonexistent/q0.json"};
    assert_int_equal(ls_history_load(missing, 2, &h, &err), LS_ERR_NOTFOUND);
    assert_string_equal(err.file, "/nonexistent/q0.json");
    ls_model_free(q1);
    ls_model_free(q2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parent_and_history, setup_files, teardown_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
