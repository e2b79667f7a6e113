/* gnuplot as a child process.
 *
 * The script goes to gnuplot's standard input through a socket pair rather
 * than a pipe: send() with MSG_NOSIGNAL reports a gnuplot that died early as
 * EPIPE instead of killing the caller with SIGPIPE, and the library must not
 * install signal handlers (they are process-wide). Standard output (the
 * image) and standard error (gnuplot's messages) come back through pipes; one
 * poll() loop writes and reads at once, so neither side can block the other
 * however large the script or the image.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error_internal.h"

extern char **environ;

#define STDERR_KEEP 8192 /* bytes of gnuplot's messages kept for the error */

typedef struct {
    unsigned char *data;
    size_t len, cap, limit; /* limit 0: unbounded */
} buffer;

static int buffer_add(buffer *b, const unsigned char *p, size_t n)
{
    if (b->limit && b->len + n > b->limit)
        n = b->len < b->limit ? b->limit - b->len : 0;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->len + n + 1)
            cap *= 2;
        unsigned char *grown = realloc(b->data, cap);
        if (!grown)
            return 0;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 1;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int set_flags(int fd, int nonblock)
{
    int fl = fcntl(fd, F_GETFD);
    if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
        return 0;
    if (nonblock) {
        fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
            return 0;
    }
    return 1;
}

/* gnuplot's last non-blank stderr line, trimmed ("line 12: undefined
 * variable: x"): the line above it is the echoed command and a caret. */
static void last_line(const buffer *b, char *out, size_t size)
{
    out[0] = '\0';
    if (!b->data)
        return;
    const char *s = (const char *)b->data;
    const char *end = s + b->len;
    while (end > s && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    const char *start = end;
    while (start > s && start[-1] != '\n')
        start--;
    while (start < end && (*start == ' ' || *start == '\t'))
        start++;
    size_t n = (size_t)(end - start);
    if (n >= size)
        n = size - 1;
    memcpy(out, start, n);
    out[n] = '\0';
}

static ls_status spawn(const char *program, int in_fd, int out_fd, int err_fd, pid_t *pid,
                       ls_error *err)
{
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return ls_fail(err, LS_ERR_NOMEM, "out of memory");
    int rc = posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    if (rc == 0) {
        char *argv[] = {(char *)(uintptr_t)program, NULL};
        rc = posix_spawnp(pid, program, &fa, NULL, argv, environ);
    }
    posix_spawn_file_actions_destroy(&fa);
    if (rc == ENOENT)
        return ls_fail(err, LS_ERR_NOTFOUND, "%s ('%s' was not found on PATH)",
                       LS_GNUPLOT_INSTALL_HINT, program);
    if (rc != 0)
        return ls_fail(err, LS_ERR_IO, "cannot run '%s': %s; %s", program, strerror(rc),
                       LS_GNUPLOT_INSTALL_HINT);
    return LS_OK;
}

ls_status ls_gnuplot_run(const char *program, const char *script, size_t len, unsigned char **out,
                         size_t *out_len, ls_error *err)
{
    *out = NULL;
    *out_len = 0;
    if (!program || !program[0])
        program = "gnuplot";
    int sock[2] = {-1, -1}, outp[2] = {-1, -1}, errp[2] = {-1, -1};
    buffer image = {NULL, 0, 0, 0}, messages = {NULL, 0, 0, STDERR_KEEP};
    pid_t pid = -1;
    ls_status st = LS_OK;

    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sock) != 0 || pipe(outp) != 0 || pipe(errp) != 0) {
        st = ls_fail(err, LS_ERR_IO, "cannot create pipes for gnuplot: %s", strerror(errno));
        goto done;
    }
    /* Every descriptor is close-on-exec: the child gets only its dup2 copies. */
    if (!set_flags(sock[0], 1) || !set_flags(sock[1], 0) || !set_flags(outp[0], 1) ||
        !set_flags(outp[1], 0) || !set_flags(errp[0], 1) || !set_flags(errp[1], 0)) {
        st = ls_fail(err, LS_ERR_IO, "cannot set up pipes for gnuplot: %s", strerror(errno));
        goto done;
    }
    if ((st = spawn(program, sock[1], outp[1], errp[1], &pid, err)) != LS_OK)
        goto done;
    close_fd(&sock[1]);
    close_fd(&outp[1]);
    close_fd(&errp[1]);

    size_t sent = 0;
    int writing = 1, reading_out = 1, reading_err = 1, nomem = 0;
    if (len == 0) {
        shutdown(sock[0], SHUT_WR);
        writing = 0;
    }
    while (reading_out || reading_err) {
        struct pollfd pf[3];
        nfds_t n = 0;
        int iw = -1, io = -1, ie = -1;
        if (writing) {
            pf[n] = (struct pollfd){sock[0], POLLOUT, 0};
            iw = (int)n++;
        }
        if (reading_out) {
            pf[n] = (struct pollfd){outp[0], POLLIN, 0};
            io = (int)n++;
        }
        if (reading_err) {
            pf[n] = (struct pollfd){errp[0], POLLIN, 0};
            ie = (int)n++;
        }
        if (poll(pf, n, -1) < 0) {
            if (errno == EINTR)
                continue;
            st = ls_fail(err, LS_ERR_IO, "waiting for gnuplot: %s", strerror(errno));
            break;
        }
        if (iw >= 0 && pf[iw].revents) {
            ssize_t w = send(sock[0], script + sent, len - sent, MSG_NOSIGNAL);
            if (w > 0)
                sent += (size_t)w;
            /* EPIPE: gnuplot stopped reading (it failed); its exit status says why. */
            if ((w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ||
                sent == len) {
                shutdown(sock[0], SHUT_WR);
                writing = 0;
            }
        }
        unsigned char chunk[65536];
        if (io >= 0 && pf[io].revents) {
            ssize_t r = read(outp[0], chunk, sizeof chunk);
            if (r > 0)
                nomem |= !buffer_add(&image, chunk, (size_t)r);
            else if (r == 0 || (errno != EAGAIN && errno != EINTR))
                reading_out = 0;
        }
        if (ie >= 0 && pf[ie].revents) {
            ssize_t r = read(errp[0], chunk, sizeof chunk);
            if (r > 0)
                nomem |= !buffer_add(&messages, chunk, (size_t)r);
            else if (r == 0 || (errno != EAGAIN && errno != EINTR))
                reading_err = 0;
        }
    }
    close_fd(&sock[0]);
    close_fd(&outp[0]); /* a gnuplot still writing after a failure gets EPIPE, not a hang */
    close_fd(&errp[0]);

    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            if (st == LS_OK)
                st = ls_fail(err, LS_ERR_IO, "waiting for gnuplot: %s", strerror(errno));
            goto done;
        }
    }
    if (st != LS_OK)
        goto done;
    if (nomem) {
        st = ls_fail(err, LS_ERR_NOMEM, "out of memory reading gnuplot's output");
        goto done;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char line[300];
        last_line(&messages, line, sizeof line);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
            st = ls_fail(err, LS_ERR_NOTFOUND, "%s", LS_GNUPLOT_INSTALL_HINT);
        else if (WIFEXITED(status))
            st = ls_fail(err, LS_ERR_IO, "gnuplot failed (exit status %d)%s%s", WEXITSTATUS(status),
                         line[0] ? ": " : "", line);
        else
            st = ls_fail(err, LS_ERR_IO, "gnuplot was killed by signal %d%s%s",
                         WIFSIGNALED(status) ? WTERMSIG(status) : 0, line[0] ? ": " : "", line);
        goto done;
    }
    if (image.len == 0) {
        char line[300];
        last_line(&messages, line, sizeof line);
        st = ls_fail(err, LS_ERR_IO, "gnuplot drew nothing%s%s", line[0] ? ": " : "", line);
        goto done;
    }
    *out = image.data;
    *out_len = image.len;
    image.data = NULL;
done:
    close_fd(&sock[0]);
    close_fd(&sock[1]);
    close_fd(&outp[0]);
    close_fd(&outp[1]);
    close_fd(&errp[0]);
    close_fd(&errp[1]);
    free(image.data);
    free(messages.data);
    return st;
}
