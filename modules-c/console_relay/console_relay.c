/*
 * console_relay: the virtual lab's serial line.
 *
 * QEMU's 8250 has no baud timing: a console flood leaves the guest at tens of
 * thousands of lines per second, so the printk backlog that the seed's bug
 * needs never builds up. This relay is the slow end of the cable: it reads the
 * guest's ttyS0 output from a FIFO pair (QEMU "-chardev pipe") no faster than
 * the configured line rate (115200 baud 8N1 = 11,520 bytes/s). The FIFO is
 * shrunk to one page, so QEMU's UART sees a full transmitter almost at once
 * and the guest's console driver waits, as on a real line.
 *
 * What leaves the line is fanned out, like a real lab's console plumbing, to:
 *   - a pseudo-terminal (a local serial device, opened by the harness via jssc),
 *   - TCP clients of a console-server port (ipmi_sim's SOL connects here too),
 *   - an append-only raw log.
 * Bytes typed by any client go back to the guest. A slow or absent client
 * never slows the line: it loses what it could not take, as a real listener
 * does.
 *
 * usage: console_relay --fifo BASE --listen HOST:PORT --pty-link PATH
 *                      --log FILE [--rate BYTES_PER_S] [--pidfile FILE]
 * SIGTERM/SIGINT end it cleanly (pty link and pidfile removed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 16
#define CHUNK 4096

static volatile sig_atomic_t stop_requested;

struct relay {
    int line_out;   /* guest -> relay (BASE.out) */
    int line_in;    /* relay -> guest (BASE.in) */
    int listen_fd;
    int pty_master;
    int pty_slave_keep; /* keeps the pty's termios and avoids EIO without a reader */
    int log_fd;
    int clients[MAX_CLIENTS];
    double rate;    /* bytes per second; 0 = unthrottled */
    double tokens;
    double burst;
    struct timespec last;
    uint64_t bytes_line, bytes_dropped;
};

static void on_signal(int sig) { (void)sig; stop_requested = 1; }

static void die(const char *what) { fprintf(stderr, "console_relay: %s: %s\n", what, strerror(errno)); exit(2); }

static int open_fifo(const char *path)
{
    if (mkfifo(path, 0600) < 0 && errno != EEXIST)
        die(path);
    /* O_RDWR: never EOF or ENXIO while QEMU restarts on a power cycle. */
    int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        die(path);
    return fd;
}

static int open_listener(const char *spec)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (!colon || (size_t)(colon - spec) >= sizeof host) {
        fprintf(stderr, "console_relay: --listen wants HOST:PORT, got '%s'\n", spec);
        exit(2);
    }
    memcpy(host, spec, colon - spec);
    host[colon - spec] = 0;
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *ai;
    int rv = getaddrinfo(host, colon + 1, &hints, &ai);
    if (rv) {
        fprintf(stderr, "console_relay: %s: %s\n", spec, gai_strerror(rv));
        exit(2);
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        fprintf(stderr, "console_relay: cannot listen on %s: %s\n", spec, strerror(errno));
        exit(3);
    }
    if (listen(fd, 8) < 0)
        die("listen");
    freeaddrinfo(ai);
    return fd;
}

static void open_pty(struct relay *r, const char *link_path)
{
    r->pty_master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (r->pty_master < 0 || grantpt(r->pty_master) < 0 || unlockpt(r->pty_master) < 0)
        die("posix_openpt");
    const char *name = ptsname(r->pty_master);
    r->pty_slave_keep = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (r->pty_slave_keep < 0)
        die(name);
    struct termios t;
    tcgetattr(r->pty_slave_keep, &t);
    cfmakeraw(&t);
    cfsetispeed(&t, B115200);
    cfsetospeed(&t, B115200);
    tcsetattr(r->pty_slave_keep, TCSANOW, &t);
    unlink(link_path);
    if (symlink(name, link_path) < 0)
        die(link_path);
}

static double now_s(struct timespec *ts)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    return ts->tv_sec + ts->tv_nsec / 1e9;
}

static void refill(struct relay *r)
{
    struct timespec ts;
    double t = now_s(&ts);
    double prev = r->last.tv_sec + r->last.tv_nsec / 1e9;
    r->last = ts;
    r->tokens += (t - prev) * r->rate;
    if (r->tokens > r->burst)
        r->tokens = r->burst;
}

static void drop_client(struct relay *r, int i)
{
    close(r->clients[i]);
    r->clients[i] = -1;
}

/* Writes what the sink takes now; the rest is lost for that sink only. */
static void offer(int fd, const char *buf, size_t len, uint64_t *dropped)
{
    ssize_t n = write(fd, buf, len);
    if (n < 0)
        n = 0;
    if ((size_t)n < len)
        *dropped += len - n;
}

static void to_guest(struct relay *r, const char *buf, size_t len)
{
    uint64_t ignored = 0;
    offer(r->line_in, buf, len, &ignored);
}

static void pump_line(struct relay *r)
{
    char buf[CHUNK];
    size_t want = sizeof buf;
    if (r->rate > 0) {
        refill(r);
        if (r->tokens < 1)
            return;
        if (want > (size_t)r->tokens)
            want = (size_t)r->tokens;
    }
    ssize_t n = read(r->line_out, buf, want);
    if (n <= 0)
        return;
    if (r->rate > 0)
        r->tokens -= n;
    r->bytes_line += n;
    if (write(r->log_fd, buf, n) < 0) { /* the log is best effort; the line goes on */ }
    offer(r->pty_master, buf, n, &r->bytes_dropped);
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (r->clients[i] >= 0) {
            ssize_t w = write(r->clients[i], buf, n);
            if (w < 0 && errno != EAGAIN)
                drop_client(r, i);
            else if (w < n)
                r->bytes_dropped += n - (w < 0 ? 0 : w);
        }
}

int main(int argc, char **argv)
{
    const char *fifo = NULL, *listen_spec = NULL, *pty_link = NULL, *log_path = NULL, *pidfile = NULL;
    struct relay r = { .rate = 11520 };
    static const struct option opts[] = {
        { "fifo", required_argument, 0, 'f' }, { "listen", required_argument, 0, 'l' },
        { "pty-link", required_argument, 0, 'p' }, { "log", required_argument, 0, 'o' },
        { "rate", required_argument, 0, 'r' }, { "pidfile", required_argument, 0, 'P' },
        { 0, 0, 0, 0 }
    };
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'f': fifo = optarg; break;
        case 'l': listen_spec = optarg; break;
        case 'p': pty_link = optarg; break;
        case 'o': log_path = optarg; break;
        case 'r': r.rate = atof(optarg); break;
        case 'P': pidfile = optarg; break;
        default: return 2;
        }
    }
    if (!fifo || !listen_spec || !pty_link || !log_path) {
        fprintf(stderr, "usage: console_relay --fifo BASE --listen HOST:PORT --pty-link PATH --log FILE"
                        " [--rate BYTES_PER_S] [--pidfile FILE]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGHUP, on_signal);

    char path[4096];
    snprintf(path, sizeof path, "%s.out", fifo);
    r.line_out = open_fifo(path);
    /* One page of buffer between the UART and the "wire": back-pressure at once. */
    if (fcntl(r.line_out, F_SETPIPE_SZ, 4096) < 0)
        die("F_SETPIPE_SZ");
    snprintf(path, sizeof path, "%s.in", fifo);
    r.line_in = open_fifo(path);
    r.listen_fd = open_listener(listen_spec);
    open_pty(&r, pty_link);
    r.log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (r.log_fd < 0)
        die(log_path);
    for (int i = 0; i < MAX_CLIENTS; i++)
        r.clients[i] = -1;
    r.burst = r.rate > 0 ? (r.rate / 100 > 16 ? r.rate / 100 : 16) : 0; /* 10 ms of line time */
    now_s(&r.last);
    if (pidfile) {
        FILE *f = fopen(pidfile, "w");
        if (!f)
            die(pidfile);
        fprintf(f, "%d\n", (int)getpid());
        fclose(f);
    }
    fprintf(stderr, "console_relay: up: line %s.{in,out} at %.0f B/s, pty %s -> %s, listen %s\n",
            fifo, r.rate, pty_link, ptsname(r.pty_master), listen_spec);

    while (!stop_requested) {
        struct pollfd p[3 + MAX_CLIENTS];
        int np = 0;
        int throttled = 0;
        if (r.rate > 0) {
            refill(&r);
            throttled = r.tokens < 1;
        }
        p[np++] = (struct pollfd){ .fd = throttled ? -1 : r.line_out, .events = POLLIN };
        p[np++] = (struct pollfd){ .fd = r.listen_fd, .events = POLLIN };
        p[np++] = (struct pollfd){ .fd = r.pty_master, .events = POLLIN };
        for (int i = 0; i < MAX_CLIENTS; i++)
            p[np++] = (struct pollfd){ .fd = r.clients[i], .events = POLLIN };
        int timeout_ms = throttled ? 2 : 1000;
        if (poll(p, np, timeout_ms) < 0) {
            if (errno == EINTR)
                continue;
            die("poll");
        }
        if (p[0].revents & POLLIN)
            pump_line(&r);
        if (p[1].revents & POLLIN) {
            int fd = accept4(r.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd >= 0) {
                int one = 1, slot = -1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                for (int i = 0; i < MAX_CLIENTS && slot < 0; i++)
                    if (r.clients[i] < 0)
                        slot = i;
                if (slot < 0)
                    close(fd);
                else
                    r.clients[slot] = fd;
            }
        }
        char buf[512];
        if (p[2].revents & POLLIN) {
            ssize_t n = read(r.pty_master, buf, sizeof buf);
            if (n > 0)
                to_guest(&r, buf, n);
        }
        for (int i = 0; i < MAX_CLIENTS; i++) {
            if (r.clients[i] < 0 || !(p[3 + i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(r.clients[i], buf, sizeof buf);
            if (n > 0)
                to_guest(&r, buf, n);
            else if (n == 0 || errno != EAGAIN)
                drop_client(&r, i);
        }
    }
    unlink(pty_link);
    if (pidfile)
        unlink(pidfile);
    fprintf(stderr, "console_relay: stopped after %llu bytes on the line, %llu dropped by slow sinks\n",
            (unsigned long long)r.bytes_line, (unsigned long long)r.bytes_dropped);
    return 0;
}
