/* See quarter_fixture.h. SPDX-License-Identifier: GPL-3.0-or-later */
#include "quarter_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_support.h"

int quarter_paths_setup(void **state)
{
    quarter_paths *p = malloc(sizeof *p);
    if (!p)
        return -1;
    snprintf(p->a, sizeof p->a, "/tmp/ls_quarter_a_XXXXXX");
    snprintf(p->b, sizeof p->b, "/tmp/ls_quarter_b_XXXXXX");
    int fa = mkstemp(p->a), fb = mkstemp(p->b);
    if (fa >= 0)
        close(fa);
    if (fb >= 0)
        close(fb);
    *state = p;
    return fa < 0 || fb < 0 ? -1 : 0;
}

int quarter_paths_teardown(void **state)
{
    quarter_paths *p = *state;
    unlink(p->a);
    unlink(p->b);
    free(p);
    return 0;
}

ls_table *quarter_table(const ls_quarter_options *o, const char *path)
{
    ls_error err;
    ls_table *t = NULL;
    assert_int_equal(ls_quarter_write_path(o, path, &err), LS_OK);
    assert_int_equal(ls_table_load(path, NULL, &t, &err), LS_OK);
    return t;
}

ls_model *quarter_train(const ls_table *t)
{
    ls_train_options o;
    ls_train_options_init(&o);
    o.target = "converted";
    ls_model *m = NULL;
    ls_error err;
    ls_status st = ls_train(t, NULL, &o, NULL, &m, NULL, &err);
    if (st != LS_OK)
        print_error("ls_train: %s\n", err.message);
    assert_int_equal(st, LS_OK);
    return m;
}
