/*
 * What one blocking round trip between two processes costs on this host, without a JVM, by wake-up primitive and
 * placement: how docs/benchmarks.md ("gRPC", session 19) tells the machine's share of a small call from ipc4j's.
 * Not part of any build.
 *
 *   gcc -O2 -o /tmp/pingpong docs/floors/pingpong.c
 *   /tmp/pingpong eventfd|pipe|futex               # where the scheduler puts the two processes
 *   taskset -c 0 /tmp/pingpong eventfd|pipe|futex  # both on one CPU
 *
 * The parent wakes the forked child, which wakes it back; each side sleeps at once after its wake (poll(2) on an
 * eventfd or a pipe, or FUTEX_WAIT on a shared word): 2,000 round trips of warm-up, then 20,000 measured with
 * CLOCK_MONOTONIC. Prints p50, p90, p99 in microseconds.
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WARMUP 2000
#define N 20000

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    long x = *(const long *) a, y = *(const long *) b;
    return x < y ? -1 : x > y;
}

static void await_fd(int fd, int is_pipe) {
    struct pollfd p = {fd, POLLIN, 0};
    uint64_t v;
    poll(&p, 1, -1);
    if (read(fd, &v, is_pipe ? 1 : 8) < 0) {
        perror("read");
        exit(1);
    }
}

static void signal_fd(int fd, int is_pipe) {
    uint64_t one = 1;
    if (write(fd, &one, is_pipe ? 1 : 8) < 0) {
        perror("write");
        exit(1);
    }
}

/* The futex word counts steps: odd after the parent's, even after the child's. */
static void futex_step(int *word, int to) {
    __atomic_store_n(word, to, __ATOMIC_RELEASE);
    syscall(SYS_futex, word, FUTEX_WAKE, 1, 0, 0, 0);
}

static void futex_await(int *word, int value) {
    int seen;
    while ((seen = __atomic_load_n(word, __ATOMIC_ACQUIRE)) != value) {
        syscall(SYS_futex, word, FUTEX_WAIT, seen, 0, 0, 0);
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s eventfd|pipe|futex\n", argv[0]);
        return 2;
    }
    int is_pipe = !strcmp(argv[1], "pipe"), is_futex = !strcmp(argv[1], "futex");
    int ping[2], pong[2];
    if (is_pipe) {
        if (pipe(ping) || pipe(pong)) {
            perror("pipe");
            return 1;
        }
    } else {
        ping[0] = ping[1] = eventfd(0, 0);
        pong[0] = pong[1] = eventfd(0, 0);
    }
    int *word = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    long *lat = malloc(sizeof(long) * N);
    if (fork() == 0) {
        for (int i = 0; i < WARMUP + N; i++) {
            if (is_futex) {
                futex_await(word, 2 * i + 1);
                futex_step(word, 2 * i + 2);
            } else {
                await_fd(ping[0], is_pipe);
                signal_fd(pong[1], is_pipe);
            }
        }
        _exit(0);
    }
    for (int i = 0; i < WARMUP + N; i++) {
        long t = now_ns();
        if (is_futex) {
            futex_step(word, 2 * i + 1);
            futex_await(word, 2 * i + 2);
        } else {
            signal_fd(ping[1], is_pipe);
            await_fd(pong[0], is_pipe);
        }
        if (i >= WARMUP) {
            lat[i - WARMUP] = now_ns() - t;
        }
    }
    wait(0);
    qsort(lat, N, sizeof(long), by_value);
    printf("%-8s p50 %.1f us  p90 %.1f  p99 %.1f\n", argv[1], lat[N / 2] / 1e3, lat[N * 9 / 10] / 1e3,
           lat[N * 99 / 100] / 1e3);
    return 0;
}
