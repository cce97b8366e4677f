/*
 * The UDP yardstick of bench/apps_bench.py: a batched (recvmmsg/sendmmsg) echo server on
 * loopback, the physical ceiling the UDP service is compared against in the same run. It does
 * the least a datagram server can do: no checks, no state, answers built in place.
 *
 * Usage: udp_echo PORT MAX_SECONDS [MODE]
 *   PORT         loopback port to bind (0: pick one; the port is printed as "port=N")
 *   MAX_SECONDS  exit after this long whatever happens, so a crashed benchmark leaves nothing
 *   MODE         "echo" (default): every datagram back unchanged, the yardstick;
 *                "pong": a stand-in UDP service for the sidecar's detection runs, answering
 *                "PING <token>..." with "PONG <token>" (what app/udp answers an untrusted
 *                source) and echoing the rest; SIGUSR1 switches it to answering garbage (the
 *                same length of 'X'), SIGUSR2 back to "pong".
 * Build: cc -O2 -o udp_echo udp_echo.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define BUF 2048

static volatile sig_atomic_t garbage;

static void on_usr(int sig) { garbage = sig == SIGUSR1; }

int main(int argc, char **argv) {
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s PORT MAX_SECONDS [echo|pong]\n", argv[0]);
        return 2;
    }
    int pong = argc == 4 && strcmp(argv[3], "pong") == 0;
    if (argc == 4 && !pong && strcmp(argv[3], "echo") != 0) {
        fprintf(stderr, "mode must be echo or pong\n");
        return 2;
    }
    alarm((unsigned)atoi(argv[2])); /* the bound: SIGALRM ends the process */
    signal(SIGUSR1, on_usr);
    signal(SIGUSR2, on_usr);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1])),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("bind");
        return 1;
    }
    socklen_t al = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &al);
    printf("port=%d\n", ntohs(a.sin_port));
    fflush(stdout);
    static char buf[BATCH][BUF];
    struct mmsghdr m[BATCH];
    struct iovec io[BATCH];
    struct sockaddr_in peer[BATCH];
    for (;;) {
        for (int i = 0; i < BATCH; i++) {
            io[i] = (struct iovec){buf[i], BUF};
            m[i].msg_hdr = (struct msghdr){.msg_name = &peer[i], .msg_namelen = sizeof peer[i],
                                           .msg_iov = &io[i], .msg_iovlen = 1};
        }
        int n = recvmmsg(fd, m, BATCH, MSG_WAITFORONE, NULL);
        if (n <= 0) continue;
        for (int i = 0; i < n; i++) {
            unsigned len = m[i].msg_len;
            io[i].iov_len = len;
            if (!pong) continue;
            char *b = buf[i];
            if (garbage) {
                memset(b, 'X', len);
            } else if (len > 5 && memcmp(b, "PING ", 5) == 0) {
                unsigned t = 5;
                while (t < len && b[t] > ' ' && b[t] < 0x7f) t++;
                memcpy(b, "PONG", 4);
                io[i].iov_len = t;
            }
        }
        sendmmsg(fd, m, (unsigned)n, 0);
    }
}
