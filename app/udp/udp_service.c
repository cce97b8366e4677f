/*
 * udp-service: the NLB demo's UDP service. The datagram protocol is in README.md beside this
 * file; in short, "PING" answers "PONG <task-id>" and any other payload of 1..1400 bytes is
 * echoed back unchanged. Empty and oversized datagrams are dropped without an answer.
 *
 * Why C: the service must sustain >= 97k round trips/s with 32 datagrams in flight on two
 * cores. CPython pays one interpreter round per datagram (about 21k/s with asyncio); here one
 * recvmmsg/sendmmsg pair moves up to BATCH datagrams per pair of system calls.
 *
 * Memory is bounded by construction: fixed static buffers, no allocation after start-up and
 * no per-client state, so a flood can only make the kernel drop datagrams, never grow us.
 *
 * Usage:  udp-service                serve (configured from the environment, below)
 *         udp-service --healthcheck  send one PING to 127.0.0.1:UDP_PORT, exit 0 on a PONG
 *                                    within HEALTHCHECK_TIMEOUT_MS, else 1 (for the
 *                                    Dockerfile HEALTHCHECK and the ECS task definition,
 *                                    as the scratch image has no shell or Python)
 * Environment: UDP_PORT (1234; 0 picks a free port, announced in the "listening" line),
 *   BIND_HOST (0.0.0.0, an IPv4 literal), ECS_CONTAINER_METADATA_URI_V4 (task identity),
 *   METADATA_TIMEOUT_MS (1000), HEALTHCHECK_TIMEOUT_MS (1000).
 * Logs are JSON lines on stdout. SIGTERM/SIGINT stop it within RECV_TIMEOUT_MS, exit code 0.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAYLOAD 1400   /* fits one Ethernet frame after IP/UDP headers, with headroom */
#define BATCH 64           /* datagrams per recvmmsg/sendmmsg: as in the echo.c ceiling */
#define TASK_ID_MAX 128
#define RECV_TIMEOUT_MS 200 /* bounds how long a SIGTERM can go unnoticed */

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

/* Parses a decimal integer in [lo, hi] from the environment, or returns def if unset/empty. */
static long env_long(const char *name, long def, long lo, long hi) {
    const char *raw = getenv(name);
    if (raw == NULL || *raw == '\0') return def;
    char *end;
    errno = 0;
    long v = strtol(raw, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi) {
        printf("{\"event\":\"config_error\",\"error\":\"%s must be an integer in %ld..%ld\"}\n",
               name, lo, hi);
        exit(2);
    }
    return v;
}

static double monotonic_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Waits for fd to become ready for `events` until deadline (monotonic ms); 1 ready, 0 not. */
static int wait_fd(int fd, short events, double deadline) {
    for (;;) {
        double left = deadline - monotonic_ms();
        if (left <= 0) return 0;
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, (int)left + 1);
        if (r > 0) return 1;
        if (r == 0) return 0;
        if (errno != EINTR) return 0;
    }
}

/*
 * Fetches ${ECS_CONTAINER_METADATA_URI_V4}/task and copies the last path segment of its
 * "TaskARN" into out. The endpoint is always http:// with an IPv4 literal (169.254.170.2), so
 * a minimal HTTP/1.0 client suffices and the static binary needs no resolver. Returns 0 on
 * success; on any failure returns -1 with a short reason in *why, bounded by timeout_ms.
 */
static int task_id_from_metadata(const char *uri, long timeout_ms, char *out, size_t cap,
                                 const char **why) {
    char host[64], path[512];
    unsigned port = 80;
    const char *p = uri;
    if (strncmp(p, "http://", 7) != 0) { *why = "metadata URI is not http://"; return -1; }
    p += 7;
    size_t hl = strcspn(p, ":/");
    if (hl == 0 || hl >= sizeof host) { *why = "bad metadata host"; return -1; }
    memcpy(host, p, hl);
    host[hl] = '\0';
    p += hl;
    if (*p == ':') {
        char *end;
        unsigned long v = strtoul(p + 1, &end, 10);
        if (end == p + 1 || v == 0 || v > 65535) { *why = "bad metadata port"; return -1; }
        port = (unsigned)v;
        p = end;
    }
    size_t pl = strlen(p);
    while (pl > 0 && p[pl - 1] == '/') pl--;
    if (pl + sizeof "/task" > sizeof path || (pl > 0 && *p != '/')) { *why = "bad metadata path"; return -1; }
    memcpy(path, p, pl);
    memcpy(path + pl, "/task", sizeof "/task");

    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) { *why = "metadata host is not an IPv4 literal"; return -1; }

    double deadline = monotonic_ms() + (double)timeout_ms;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) { *why = "socket failed"; return -1; }
    int rc = -1;
    static char resp[65536];
    size_t got = 0;
    *why = "metadata endpoint unreachable";
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0 && errno != EINPROGRESS) goto done;
    if (!wait_fd(fd, POLLOUT, deadline)) { *why = "metadata connect timed out"; goto done; }
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) goto done;
    char req[700];
    int rl = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n", path, host);
    if (send(fd, req, (size_t)rl, MSG_NOSIGNAL) != rl) goto done; /* fits any socket buffer */
    for (;;) {
        if (got + 1 >= sizeof resp) break;
        if (!wait_fd(fd, POLLIN, deadline)) { *why = "metadata read timed out"; goto done; }
        ssize_t r = recv(fd, resp + got, sizeof resp - 1 - got, 0);
        if (r == 0) break;
        if (r < 0) { if (errno == EINTR || errno == EAGAIN) continue; goto done; }
        got += (size_t)r;
    }
    resp[got] = '\0';
    *why = "metadata answer has no TaskARN";
    if (strncmp(resp, "HTTP/1.", 7) != 0 || strncmp(resp + 8, " 200", 4) != 0) { *why = "metadata status is not 200"; goto done; }
    char *body = strstr(resp, "\r\n\r\n");
    char *key = body ? strstr(body, "\"TaskARN\"") : NULL;
    if (key == NULL) goto done;
    char *v = key + 9;
    while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n') v++;
    if (*v++ != ':') goto done;
    while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n') v++;
    if (*v++ != '"') goto done;
    char *end = strchr(v, '"');
    if (end == NULL || end == v) goto done;
    char *id = v;
    for (char *c = v; c < end; c++) if (*c == '/') id = c + 1;
    size_t len = (size_t)(end - id);
    if (len == 0 || len >= cap) goto done;
    for (size_t i = 0; i < len; i++) {
        char c = id[i];
        /* Keep the id printable and JSON-safe: ECS task IDs are hex, cluster names [-_A-Za-z0-9]. */
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_'))
            goto done;
    }
    memcpy(out, id, len);
    out[len] = '\0';
    rc = 0;
done:
    close(fd);
    return rc;
}

static int is_ping(const char *b, unsigned len) {
    /* "PING", tolerating the newline that `echo PING | nc -u` adds, for humans debugging. */
    if (len < 4 || memcmp(b, "PING", 4) != 0) return 0;
    return len == 4 || (len == 5 && b[4] == '\n') || (len == 6 && b[4] == '\r' && b[5] == '\n');
}

static int run_healthcheck(void) {
    long port = env_long("UDP_PORT", 1234, 1, 65535);
    long timeout_ms = env_long("HEALTHCHECK_TIMEOUT_MS", 1000, 1, 60000);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    /* A connected socket only receives from the service, and sees ICMP port-unreachable. */
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) return 1;
    if (send(fd, "PING", 4, 0) != 4) return 1;
    double deadline = monotonic_ms() + (double)timeout_ms;
    char buf[256];
    while (wait_fd(fd, POLLIN, deadline)) {
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r >= 5 && memcmp(buf, "PONG ", 5) == 0) return 0;
        if (r < 0 && errno != EINTR) return 1;
    }
    return 1;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--healthcheck") == 0) return run_healthcheck();
    if (argc != 1) {
        fprintf(stderr, "usage: %s [--healthcheck]\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* one log line per write even when stdout is a pipe */

    long port = env_long("UDP_PORT", 1234, 0, 65535);
    long meta_timeout = env_long("METADATA_TIMEOUT_MS", 1000, 1, 30000);
    const char *bind_host = getenv("BIND_HOST");
    if (bind_host == NULL || *bind_host == '\0') bind_host = "0.0.0.0";

    char task_id[TASK_ID_MAX];
    const char *source = "hostname";
    const char *meta_uri = getenv("ECS_CONTAINER_METADATA_URI_V4");
    const char *why = NULL;
    if (meta_uri != NULL && *meta_uri != '\0' &&
        task_id_from_metadata(meta_uri, meta_timeout, task_id, sizeof task_id, &why) == 0) {
        source = "ecs-metadata";
    } else {
        if (gethostname(task_id, sizeof task_id) != 0) strcpy(task_id, "unknown");
        task_id[sizeof task_id - 1] = '\0';
        for (char *c = task_id; *c; c++) if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20) *c = '_';
        if (why != NULL) printf("{\"event\":\"metadata_unavailable\",\"error\":\"%s\"}\n", why);
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: a blocked recvmmsg returns EINTR at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (fd < 0 || inet_pton(AF_INET, bind_host, &addr.sin_addr) != 1) {
        printf("{\"event\":\"config_error\",\"error\":\"BIND_HOST must be an IPv4 address\"}\n");
        return 2;
    }
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        printf("{\"event\":\"bind_failed\",\"port\":%ld,\"error\":\"%s\"}\n", port, strerror(errno));
        return 1;
    }
    /* The receive timeout covers a signal landing between the stop check and recvmmsg. */
    struct timeval tv = {0, RECV_TIMEOUT_MS * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    socklen_t al = sizeof addr;
    getsockname(fd, (struct sockaddr *)&addr, &al);

    static char pong[5 + TASK_ID_MAX];
    int pong_len = snprintf(pong, sizeof pong, "PONG %s", task_id);
    printf("{\"event\":\"listening\",\"port\":%u,\"task_id\":\"%s\",\"source\":\"%s\",\"max_payload\":%d}\n",
           ntohs(addr.sin_port), task_id, source, MAX_PAYLOAD);

    /* Receive buffers are exactly MAX_PAYLOAD: a longer datagram comes back with MSG_TRUNC. */
    static char bufs[BATCH][MAX_PAYLOAD];
    static struct mmsghdr in[BATCH], out[BATCH];
    static struct iovec in_iov[BATCH], out_iov[BATCH];
    static struct sockaddr_in peers[BATCH];
    for (int i = 0; i < BATCH; i++) {
        in_iov[i] = (struct iovec){bufs[i], MAX_PAYLOAD};
        in[i].msg_hdr = (struct msghdr){.msg_iov = &in_iov[i], .msg_iovlen = 1};
    }
    unsigned long long received = 0, echoed = 0, pongs = 0, dropped_empty = 0, dropped_oversized = 0,
                       send_errors = 0;

    while (!stop_requested) {
        for (int i = 0; i < BATCH; i++) {
            /* recvmmsg overwrites these: reset the address length and flags each round. */
            in[i].msg_hdr.msg_name = &peers[i];
            in[i].msg_hdr.msg_namelen = sizeof peers[i];
            in[i].msg_hdr.msg_flags = 0;
        }
        int n = recvmmsg(fd, in, BATCH, MSG_WAITFORONE, NULL);
        if (n <= 0) continue; /* EINTR, timeout, or a transient error: re-check stop, retry */
        received += (unsigned)n;
        int k = 0;
        for (int i = 0; i < n; i++) {
            unsigned len = in[i].msg_len;
            if (in[i].msg_hdr.msg_flags & MSG_TRUNC) { dropped_oversized++; continue; }
            if (len == 0) { dropped_empty++; continue; }
            if (is_ping(bufs[i], len)) {
                out_iov[k] = (struct iovec){pong, (size_t)pong_len};
                pongs++;
            } else {
                out_iov[k] = (struct iovec){bufs[i], len};
                echoed++;
            }
            out[k].msg_hdr = (struct msghdr){.msg_name = &peers[i], .msg_namelen = in[i].msg_hdr.msg_namelen,
                                             .msg_iov = &out_iov[k], .msg_iovlen = 1};
            k++;
        }
        for (int sent = 0; sent < k;) {
            int r = sendmmsg(fd, out + sent, (unsigned)(k - sent), 0);
            if (r > 0) {
                sent += r;
            } else if (r < 0 && errno == EINTR) {
                continue;
            } else {
                sent++; /* this destination failed (e.g. unreachable): skip it, keep serving */
                send_errors++;
            }
        }
    }
    printf("{\"event\":\"stopped\",\"received\":%llu,\"echoed\":%llu,\"pongs\":%llu,"
           "\"dropped_empty\":%llu,\"dropped_oversized\":%llu,\"send_errors\":%llu}\n",
           received, echoed, pongs, dropped_empty, dropped_oversized, send_errors);
    close(fd);
    return 0;
}
