/*
 * UDP load generator of bench/apps_bench.py (and of the sidecar flood test), loopback only.
 *
 *   udp_load rtt PORT SECONDS WINDOW
 *       Closed window: keeps WINDOW 64-byte datagrams in flight against 127.0.0.1:PORT for
 *       SECONDS, each carrying its send time in its first 8 bytes (so it needs a service that
 *       echoes at least those back, as app/udp does for anything but a PING). Prints
 *       "round_trips_per_s=N p50_us=N p99_us=N timeouts=N". A datagram not answered within
 *       200 ms counts as a timeout and is replaced, so the window never drains.
 *   udp_load flood PORT SECONDS MAX_COUNT [SIZE]
 *       Open loop: sends SIZE-byte datagrams (default 64) to 127.0.0.1:PORT as fast as
 *       sendmmsg allows, never reading the answers, until SECONDS pass or MAX_COUNT are sent.
 *       Prints "sent=N per_s=N". The flood the health sidecar must ride out.
 *
 * Every loop is bounded by both time and count. Build: cc -O2 -o udp_load udp_load.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define MAX_SECONDS 3600.0
#define MAX_SAMPLES (1u << 24)
#define FLOOD_BATCH 64

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int connected_socket(int port) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("socket/connect");
        exit(1);
    }
    return fd;
}

static int rtt(int port, double secs, int window) {
    int fd = connected_socket(port);
    struct timeval tv = {0, 200000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    double *samples = malloc(MAX_SAMPLES * sizeof *samples);
    if (samples == NULL) return 1;
    size_t n = 0;
    long lost = 0;
    double payload[8] = {0};
    double start = now(), end = start + secs;
    for (int i = 0; i < window; i++) {
        payload[0] = now();
        send(fd, payload, sizeof payload, 0);
    }
    while (now() < end) {
        double r[256];
        ssize_t k = recv(fd, r, sizeof r, 0);
        if (k < (ssize_t)sizeof(double)) {
            lost++; /* timed out (or a short answer): replace the datagram, keep the window */
            payload[0] = now();
            send(fd, payload, sizeof payload, 0);
            continue;
        }
        double t = now();
        if (n < MAX_SAMPLES) samples[n++] = t - r[0];
        payload[0] = t;
        send(fd, payload, sizeof payload, 0);
    }
    double elapsed = now() - start;
    qsort(samples, n, sizeof *samples, cmp);
    printf("round_trips_per_s=%.0f p50_us=%.1f p99_us=%.1f timeouts=%ld\n", (double)n / elapsed,
           n ? samples[n / 2] * 1e6 : 0, n ? samples[(size_t)((double)n * 0.99)] * 1e6 : 0, lost);
    free(samples);
    return 0;
}

static int flood(int port, double secs, unsigned long long max_count, int size) {
    int fd = connected_socket(port);
    int small = 4096; /* answers pile up unread: let the kernel drop them early */
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    static char buf[1400];
    memset(buf, 'f', sizeof buf);
    struct mmsghdr m[FLOOD_BATCH];
    struct iovec io[FLOOD_BATCH];
    for (int i = 0; i < FLOOD_BATCH; i++) {
        io[i] = (struct iovec){buf, (size_t)size};
        m[i].msg_hdr = (struct msghdr){.msg_iov = &io[i], .msg_iovlen = 1};
    }
    unsigned long long sent = 0;
    double start = now(), end = start + secs;
    while (sent < max_count && now() < end) {
        unsigned batch = max_count - sent < FLOOD_BATCH ? (unsigned)(max_count - sent) : FLOOD_BATCH;
        int r = sendmmsg(fd, m, batch, 0);
        if (r > 0) sent += (unsigned)r;
        else if (r < 0 && errno != EINTR && errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED) break;
    }
    double elapsed = now() - start;
    printf("sent=%llu per_s=%.0f\n", sent, (double)sent / elapsed);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 5 && strcmp(argv[1], "rtt") == 0) {
        double secs = atof(argv[3]);
        int window = atoi(argv[4]);
        if (secs <= 0 || secs > MAX_SECONDS || window < 1 || window > 4096) {
            fprintf(stderr, "rtt: SECONDS in (0, %g], WINDOW in 1..4096\n", MAX_SECONDS);
            return 2;
        }
        return rtt(atoi(argv[2]), secs, window);
    }
    if (argc >= 5 && strcmp(argv[1], "flood") == 0) {
        double secs = atof(argv[3]);
        unsigned long long max_count = strtoull(argv[4], NULL, 10);
        int size = argc >= 6 ? atoi(argv[5]) : 64;
        if (secs <= 0 || secs > MAX_SECONDS || max_count < 1 || size < 1 || size > 1400) {
            fprintf(stderr, "flood: SECONDS in (0, %g], MAX_COUNT >= 1, SIZE in 1..1400\n", MAX_SECONDS);
            return 2;
        }
        return flood(atoi(argv[2]), secs, max_count, size);
    }
    fprintf(stderr, "usage: %s rtt PORT SECONDS WINDOW | flood PORT SECONDS MAX_COUNT [SIZE]\n", argv[0]);
    return 2;
}
