/* placeholder until the subcommand lands (replaced in this session). */
#include "cli.h"
#include <stdio.h>
int cmd_export(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_errorf("'export' is not implemented yet");
    return LS_EXIT_FAIL;
}
