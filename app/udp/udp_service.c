/*
 * udp-service: the NLB demo's UDP service. The datagram protocol is in README.md beside this
 * file; in short, "PING <token>" answers "PONG <token>" (plus the task id, for trusted sources
 * whose request has room for it), and any other payload of 1..1400 bytes is echoed back
 * unchanged. Empty and oversized datagrams are dropped without an answer.
 *
 * No reflector: an answer is never longer than its request, whoever sent it (source addresses
 * are forgeable, lengths are not), the task id goes only to TRUSTED_CIDRS (loopback by default), and
 * datagrams from our own port (two instances, or this one, bouncing an echo between them), from
 * privileged ports (< 1024: DNS, NTP, chargen... the classic reflection targets) and from
 * BLOCKED_SOURCE_PORTS are dropped and counted, never answered.
 *
 * Why C: the service must sustain >= 97k round trips/s with 32 datagrams in flight on two
 * cores. CPython pays one interpreter round per datagram (about 21k/s with asyncio); here one
 * recvmmsg/sendmmsg pair moves up to BATCH datagrams per pair of system calls, and answers are
 * built in place in the receive buffers.
 *
 * Memory is bounded by construction: fixed static buffers, no allocation after start-up and
 * no per-client state, so a flood can only make the kernel drop datagrams, never grow us.
 *
 * Usage:  udp-service                serve (configured from the environment, below)
 *         udp-service --healthcheck  send one "PING <nonce>" to 127.0.0.1:UDP_PORT, exit 0 on
 *                                    its "PONG <nonce>" within HEALTHCHECK_TIMEOUT_MS, else 1
 *                                    (for the Dockerfile HEALTHCHECK and the ECS task
 *                                    definition, as the scratch image has no shell or Python)
 * Environment: UDP_PORT (1234; 0 picks a free port, announced in the "listening" line),
 *   BIND_HOST (0.0.0.0, an IPv4 literal), ECS_CONTAINER_METADATA_URI_V4 (task identity),
 *   METADATA_TIMEOUT_MS (1000), HEALTHCHECK_TIMEOUT_MS (1000), TRUSTED_CIDRS (127.0.0.0/8;
 *   comma-separated IPv4 CIDRs that may learn the task id, or "none"), BLOCKED_SOURCE_PORTS
 *   (none; comma-separated ports never answered, e.g. sibling services'), STATS_INTERVAL_S
 *   (60; a "stats" line with the counters every so often, 0 for none).
 * Logs are JSON lines on stdout. SIGTERM, SIGINT and SIGHUP stop it within RECV_TIMEOUT_MS,
 * after answering the datagrams already queued (at most DRAIN_BATCHES batches), with a
 * "stopped" line carrying every counter; exit code 0.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
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
#define DRAIN_BATCHES 16    /* on stop: answer at most this many batches already queued */
#define TOKEN_MAX 64        /* "PING <token>": the token is 1..TOKEN_MAX visible ASCII bytes */
#define MAX_CIDRS 32
#define MAX_BLOCKED_PORTS 64
#define PRIVILEGED_PORTS 1024

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

struct cidr {
    uint32_t net, mask; /* host byte order */
};
static struct cidr trusted[MAX_CIDRS];
static int trusted_count;
static unsigned char blocked_ports[65536 / 8]; /* BLOCKED_SOURCE_PORTS, one bit per port */

static int is_trusted(const struct sockaddr_in *peer) {
    uint32_t a = ntohl(peer->sin_addr.s_addr);
    for (int i = 0; i < trusted_count; i++)
        if ((a & trusted[i].mask) == trusted[i].net) return 1;
    return 0;
}

static void config_error(const char *name, const char *what) {
    printf("{\"event\":\"config_error\",\"error\":\"%s %s\"}\n", name, what);
    exit(2);
}

/*
 * Parses TRUSTED_CIDRS: "a.b.c.d/len" or "a.b.c.d" entries, comma-separated, spaces allowed;
 * unset or empty means loopback only (127.0.0.0/8), "none" means nobody.
 */
static void parse_trusted(const char *raw) {
    char item[64];
    if (raw == NULL || *raw == '\0') raw = "127.0.0.0/8";
    if (strcmp(raw, "none") == 0) return;
    while (raw != NULL && *raw != '\0') {
        size_t n = strcspn(raw, ",");
        const char *next = raw[n] == ',' ? raw + n + 1 : NULL;
        while (n > 0 && *raw == ' ') { raw++; n--; }
        while (n > 0 && raw[n - 1] == ' ') n--;
        if (n == 0) { raw = next; continue; }
        if (n >= sizeof item) config_error("TRUSTED_CIDRS", "has an entry longer than 63 characters");
        if (trusted_count == MAX_CIDRS) config_error("TRUSTED_CIDRS", "has more than 32 entries");
        memcpy(item, raw, n);
        item[n] = '\0';
        long len = 32;
        char *slash = strchr(item, '/');
        if (slash != NULL) {
            *slash = '\0';
            char *end;
            errno = 0;
            len = strtol(slash + 1, &end, 10);
            if (errno != 0 || end == slash + 1 || *end != '\0' || len < 0 || len > 32)
                config_error("TRUSTED_CIDRS", "has a prefix length outside 0..32");
        }
        struct in_addr addr;
        if (inet_pton(AF_INET, item, &addr) != 1)
            config_error("TRUSTED_CIDRS", "must be IPv4 CIDRs such as 10.0.0.0/16, comma-separated");
        uint32_t mask = len == 0 ? 0 : 0xffffffffu << (32 - len);
        trusted[trusted_count++] = (struct cidr){ntohl(addr.s_addr) & mask, mask};
        raw = next;
    }
}

static void parse_blocked_ports(const char *raw) {
    int count = 0;
    while (raw != NULL && *raw != '\0') {
        char *end;
        errno = 0;
        long port = strtol(raw, &end, 10);
        if (end == raw || errno != 0 || port < 1 || port > 65535 || (*end != ',' && *end != '\0'))
            config_error("BLOCKED_SOURCE_PORTS", "must be ports 1..65535, comma-separated");
        if (++count > MAX_BLOCKED_PORTS) config_error("BLOCKED_SOURCE_PORTS", "has more than 64 entries");
        blocked_ports[port >> 3] |= (unsigned char)(1u << (port & 7));
        raw = *end == ',' ? end + 1 : NULL;
    }
}

/*
 * If b[0..len) is a PING, rewrites it in place into its answer and returns the answer's length
 * (never more than len); returns 0 for anything else. The forms:
 *   "PING", "PING\n", "PING\r\n"            -> "PONG"
 *   "PING <token>[padding]"                 -> "PONG <token>", plus " <task-id>" when the source
 *                                              is trusted and the request has room for it
 * where <token> is 1..TOKEN_MAX bytes of visible ASCII (0x21..0x7e), ended by the end of the
 * datagram or by any other byte; what follows it is padding and is ignored.
 */
static unsigned ping_reply(char *b, unsigned len, int trusted_source, const char *task_id, unsigned id_len) {
    if (len < 4 || memcmp(b, "PING", 4) != 0) return 0;
    if (len == 4 || (len == 5 && b[4] == '\n') || (len == 6 && b[4] == '\r' && b[5] == '\n')) {
        memcpy(b, "PONG", 4);
        return 4;
    }
    if (b[4] != ' ') return 0;
    unsigned t = 5;
    while (t < len && t - 5 <= TOKEN_MAX && b[t] >= 0x21 && b[t] <= 0x7e) t++;
    if (t == 5 || t - 5 > TOKEN_MAX) return 0;
    memcpy(b, "PONG", 4);
    if (trusted_source && len >= t + 1 + id_len) {
        b[t] = ' ';
        memcpy(b + t + 1, task_id, id_len);
        return t + 1 + id_len;
    }
    return t;
}

static int run_healthcheck(void) {
    long port = env_long("UDP_PORT", 1234, 1, 65535);
    long timeout_ms = env_long("HEALTHCHECK_TIMEOUT_MS", 1000, 1, 60000);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    /* A connected socket only receives from the service, and sees ICMP port-unreachable. */
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) return 1;
    char ping[32], expect[32];
    unsigned nonce = (unsigned)getpid() * 2654435761u ^ (unsigned)(monotonic_ms() * 1000);
    int pl = snprintf(ping, sizeof ping, "PING %08x", nonce);
    int el = snprintf(expect, sizeof expect, "PONG %08x", nonce);
    if (send(fd, ping, (size_t)pl, 0) != pl) return 1;
    double deadline = monotonic_ms() + (double)timeout_ms;
    char buf[256];
    while (wait_fd(fd, POLLIN, deadline)) {
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r >= el && memcmp(buf, expect, (size_t)el) == 0) return 0;
        if (r < 0 && errno != EINTR) return 1;
    }
    return 1;
}

struct counters {
    unsigned long long received, echoed, pongs, pongs_with_id, dropped_empty, dropped_oversized,
        dropped_own_port, dropped_privileged_port, dropped_blocked_port, send_errors, drained;
};

static void log_counters(const char *event, const struct counters *c) {
    printf("{\"event\":\"%s\",\"received\":%llu,\"echoed\":%llu,\"pongs\":%llu,\"pongs_with_id\":%llu,"
           "\"dropped_empty\":%llu,\"dropped_oversized\":%llu,\"dropped_own_port\":%llu,"
           "\"dropped_privileged_port\":%llu,\"dropped_blocked_port\":%llu,\"dropped\":%llu,"
           "\"send_errors\":%llu,\"drained\":%llu}\n",
           event, c->received, c->echoed, c->pongs, c->pongs_with_id, c->dropped_empty, c->dropped_oversized,
           c->dropped_own_port, c->dropped_privileged_port, c->dropped_blocked_port,
           c->dropped_empty + c->dropped_oversized + c->dropped_own_port + c->dropped_privileged_port +
               c->dropped_blocked_port,
           c->send_errors, c->drained);
}

/* Receive buffers are exactly MAX_PAYLOAD: a longer datagram comes back with MSG_TRUNC. */
static char bufs[BATCH][MAX_PAYLOAD];
static struct mmsghdr in[BATCH], out[BATCH];
static struct iovec in_iov[BATCH], out_iov[BATCH];
static struct sockaddr_in peers[BATCH];

/*
 * Receives one batch (waiting for the first datagram unless MSG_DONTWAIT is in flags), answers
 * it, and returns how many datagrams it received (<= 0: none).
 */
static int serve_batch(int fd, int flags, uint16_t own_port, const char *task_id, unsigned id_len,
                       struct counters *c) {
    for (int i = 0; i < BATCH; i++) {
        /* recvmmsg overwrites these: reset the address length and flags each round. */
        in[i].msg_hdr.msg_name = &peers[i];
        in[i].msg_hdr.msg_namelen = sizeof peers[i];
        in[i].msg_hdr.msg_flags = 0;
    }
    int n = recvmmsg(fd, in, BATCH, flags, NULL);
    if (n <= 0) return n; /* EINTR, timeout, or a transient error: the caller re-checks stop */
    c->received += (unsigned)n;
    int k = 0;
    for (int i = 0; i < n; i++) {
        unsigned len = in[i].msg_len;
        uint16_t sport = ntohs(peers[i].sin_port);
        /* Who sent it first: an answer to our own port or a privileged one is how loops and
         * reflection attacks start, whatever the payload. */
        if (sport == own_port) { c->dropped_own_port++; continue; }
        if (sport < PRIVILEGED_PORTS) { c->dropped_privileged_port++; continue; }
        if (blocked_ports[sport >> 3] & (1u << (sport & 7))) { c->dropped_blocked_port++; continue; }
        if (in[i].msg_hdr.msg_flags & MSG_TRUNC) { c->dropped_oversized++; continue; }
        if (len == 0) { c->dropped_empty++; continue; }
        unsigned reply = ping_reply(bufs[i], len, is_trusted(&peers[i]), task_id, id_len);
        if (reply > 0) {
            c->pongs++;
            if (reply > 5 && memchr(bufs[i] + 5, ' ', reply - 5) != NULL) c->pongs_with_id++;
        } else {
            reply = len;
            c->echoed++;
        }
        out_iov[k] = (struct iovec){bufs[i], reply};
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
            c->send_errors++;
        }
    }
    return n;
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
    parse_trusted(getenv("TRUSTED_CIDRS"));
    parse_blocked_ports(getenv("BLOCKED_SOURCE_PORTS"));
    long stats_interval_s = env_long("STATS_INTERVAL_S", 60, 0, 86400);

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
        for (char *c = task_id; *c; c++) if (*c == '"' || *c == '\\' || (unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f) *c = '_';
        if (why != NULL) printf("{\"event\":\"metadata_unavailable\",\"error\":\"%s\"}\n", why);
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: a blocked recvmmsg returns EINTR at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL); /* a closed terminal or a reload request: stop cleanly too */

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
    uint16_t own_port = ntohs(addr.sin_port);
    unsigned id_len = (unsigned)strlen(task_id);

    printf("{\"event\":\"listening\",\"port\":%u,\"task_id\":\"%s\",\"source\":\"%s\",\"max_payload\":%d,"
           "\"trusted_cidrs\":[",
           own_port, task_id, source, MAX_PAYLOAD);
    for (int i = 0; i < trusted_count; i++) {
        uint32_t net = trusted[i].net, mask = trusted[i].mask;
        int bits = 0;
        while (bits < 32 && (mask & (0x80000000u >> bits))) bits++;
        printf("%s\"%u.%u.%u.%u/%d\"", i ? "," : "", net >> 24, (net >> 16) & 255, (net >> 8) & 255, net & 255, bits);
    }
    printf("],\"stats_interval_s\":%ld}\n", stats_interval_s);

    for (int i = 0; i < BATCH; i++) {
        in_iov[i] = (struct iovec){bufs[i], MAX_PAYLOAD};
        in[i].msg_hdr = (struct msghdr){.msg_iov = &in_iov[i], .msg_iovlen = 1};
    }
    struct counters c;
    memset(&c, 0, sizeof c);
    double next_stats = monotonic_ms() + (double)stats_interval_s * 1000;

    while (!stop_requested) {
        serve_batch(fd, MSG_WAITFORONE, own_port, task_id, id_len, &c);
        if (stats_interval_s > 0 && monotonic_ms() >= next_stats) {
            log_counters("stats", &c);
            next_stats += (double)stats_interval_s * 1000;
        }
    }
    /* Drain: answer what is already queued (bounded, so a flood cannot hold the stop). */
    unsigned long long before = c.received;
    for (int b = 0; b < DRAIN_BATCHES; b++)
        if (serve_batch(fd, MSG_DONTWAIT, own_port, task_id, id_len, &c) <= 0) break;
    c.drained = c.received - before;
    log_counters("stopped", &c);
    close(fd);
    return 0;
}
