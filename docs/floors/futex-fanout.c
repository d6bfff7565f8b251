/*
 * The floor of waking N sleeping subscriber processes on one host, without a JVM: how docs/benchmarks.md
 * ("Publish/subscribe", session 18) tells the machine's share of `bench pubsub` from ipc4j's. Not part of any build.
 *
 *   gcc -O2 -o /tmp/futex-fanout docs/floors/futex-fanout.c
 *   /tmp/futex-fanout N MODE PACE_US [1MiB]
 *
 * One publisher (this process) and N forked subscribers share an anonymous MAP_SHARED mapping. Each sample: the
 * publisher stamps it (CLOCK_MONOTONIC), advances a sequence, bumps one futex word and wakes as MODE says, then sleeps
 * PACE_US. A subscriber that finds a new sequence records now - stamp; otherwise it sleeps on the word (FUTEX_WAIT).
 * With "1MiB" the publisher first writes a 1 MiB block (eight in turn) and subscribers read its first and last byte,
 * as bench pubsub's 1 MiB rows do.
 *
 * MODE  0: chain: the publisher wakes one sleeper, each one woken wakes the next (ipc4j's Subscriber)
 *       1: all: the publisher wakes every sleeper at once
 *       2: first-wakes-all: the publisher wakes one, which wakes every other
 *       3: chain, and each sleeper also wakes on its own timer, 1 us doubling to 1 ms (as Aeron's backoff parks)
 *       4: two chains: the publisher wakes two, each one woken wakes the next
 *
 * Prints the p50 latency of the 1st, 2nd, ... subscriber to have each sample (over the last three quarters of the run;
 * the first is warm-up) and the p50 of the publisher's wake system call, which is what a publish call pays for it.
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SUBSCRIBERS 64
#define MAX_SAMPLES 20000
#define BIG (1 << 20)

struct shared {
    char big[8][BIG];
    _Atomic int word;
    _Atomic long sequence;
    _Atomic uint64_t stamp;
    uint64_t latency[MAX_SUBSCRIBERS][MAX_SAMPLES];
};

static uint64_t now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t) t.tv_sec * 1000000000u + (uint64_t) t.tv_nsec;
}

static void futex_wait(_Atomic int *word, int expected, long timeout_ns) {
    struct timespec t = {timeout_ns / 1000000000, timeout_ns % 1000000000};
    syscall(SYS_futex, (int *) word, FUTEX_WAIT, expected, timeout_ns > 0 ? &t : NULL, NULL, 0);
}

static void futex_wake(_Atomic int *word, int count) {
    syscall(SYS_futex, (int *) word, FUTEX_WAKE, count, NULL, NULL, 0);
}

static int by_value(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return x < y ? -1 : x > y;
}

static void subscribe(struct shared *s, int me, int n, int mode, int total, int big) {
    long seen = 0;
    long park = 1000;
    while (seen < total) {
        int w = atomic_load(&s->word);
        long q = atomic_load(&s->sequence);
        if (q > seen) {
            if (big) {
                volatile char first = s->big[(q - 1) & 7][0], last = s->big[(q - 1) & 7][BIG - 1];
                (void) first;
                (void) last;
            }
            uint64_t t = now();
            for (long k = seen; k < q; k++) {
                s->latency[me][k] = t - atomic_load(&s->stamp);
            }
            seen = q;
            park = 1000;
            continue;
        }
        if (mode == 3) {
            futex_wait(&s->word, w, park);
            park = park < 1000000 ? 2 * park : park;
        } else {
            futex_wait(&s->word, w, 0);
        }
        if (mode != 1 && atomic_load(&s->word) != w) {
            futex_wake(&s->word, mode == 2 ? n : 1); /* pass the wake on */
        }
    }
    _exit(0);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s N MODE PACE_US [1MiB]\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[1]), mode = atoi(argv[2]), big = argc > 4;
    long pace_us = atol(argv[3]);
    int total = big ? 4000 : MAX_SAMPLES;
    if (n < 1 || n > MAX_SUBSCRIBERS || mode < 0 || mode > 4) {
        fprintf(stderr, "N is 1 to %d, MODE 0 to 4\n", MAX_SUBSCRIBERS);
        return 2;
    }
    struct shared *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (s == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    for (int i = 0; i < n; i++) {
        if (fork() == 0) {
            subscribe(s, i, n, mode, total, big);
        }
    }
    usleep(200000); /* every subscriber asleep on the word */
    static uint64_t wake[MAX_SAMPLES];
    for (int k = 0; k < total; k++) {
        if (big) {
            memset(s->big[k & 7], k, BIG);
        }
        atomic_store(&s->stamp, now());
        atomic_store(&s->sequence, k + 1);
        atomic_fetch_add(&s->word, 1);
        uint64_t before = now();
        futex_wake(&s->word, mode == 1 ? n : mode == 4 ? 2 : 1);
        wake[k] = now() - before;
        struct timespec pause = {0, pace_us * 1000};
        nanosleep(&pause, NULL);
    }
    for (int i = 0; i < n; i++) {
        wait(NULL);
    }
    int from = total / 4, measured = total - from;
    printf("N=%d mode=%d pace=%ldus%s  p50 by arrival (us):", n, mode, pace_us, big ? " 1MiB" : "");
    uint64_t *rank = malloc(sizeof(uint64_t) * (size_t) measured * (size_t) n);
    for (int k = from; k < total; k++) {
        uint64_t one[MAX_SUBSCRIBERS];
        for (int i = 0; i < n; i++) {
            one[i] = s->latency[i][k];
        }
        qsort(one, (size_t) n, sizeof one[0], by_value);
        for (int i = 0; i < n; i++) {
            rank[(size_t) i * (size_t) measured + (size_t) (k - from)] = one[i];
        }
    }
    for (int i = 0; i < n; i++) {
        uint64_t *r = rank + (size_t) i * (size_t) measured;
        qsort(r, (size_t) measured, sizeof r[0], by_value);
        printf(" %.1f", r[measured / 2] / 1000.0);
    }
    qsort(wake + from, (size_t) measured, sizeof wake[0], by_value);
    printf("   publisher's wake p50 %.1f us\n", wake[from + measured / 2] / 1000.0);
    return 0;
}
