/* The bench's load generator, native: the same client as conformance/_loadgen.py, in C, so that on a
 * small machine the client is not what limits the figures (a Python client spends more CPU per request
 * than the servers under test). Compiled on the fly where a C compiler exists (Linux: epoll);
 * conformance._loadgen drives it and falls back to its Python client elsewhere.
 *
 * Usage: loadgen MODE HOST PORT SIZE CLIENTS START WARM_UP DURATION [RATE]
 *   MODE echo:   CLIENTS connections, each sends SIZE bytes and reads SIZE bytes back, again and again.
 *   MODE accept: CLIENTS concurrent loops of connect, send SIZE bytes, read them back, close.
 *   MODE rate:   CLIENTS connections send SIZE-byte messages at RATE messages/s in all, each on its own
 *                schedule whether or not the earlier replies came back (an open loop); a message's
 *                latency runs from the instant it was due, not from when it could be sent, so a server
 *                that stalls is charged for every message that waited (no coordinated omission).
 *   START is an instant on CLOCK_MONOTONIC (Python's time.monotonic()); the warm-up window starts
 *   then, the measured window WARM_UP seconds later and lasts DURATION seconds.
 * Prints one JSON object, the same as the Python client's: echo {"requests", "bytes", "seconds",
 * "latencies_us"}, accept {"connections", "seconds"}. Any misbehaviour of the server: a message on
 * stderr and exit status 1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define RECV_BYTES 262144
#define MAX_EVENTS 256
#define DRAIN_S 2.0

struct conn {
    int fd;
    size_t sent, got;
    double started;
};

static char *message, *buffer;
static size_t size;
static struct sockaddr_in address;
static int ep;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what) {
    fprintf(stderr, "%s\n", what);
    exit(1);
}

static void sleep_until(double instant) {
    double delay = instant - now();
    if (delay > 0) {
        struct timespec t = {(time_t)delay, (long)((delay - (double)(time_t)delay) * 1e9)};
        nanosleep(&t, NULL);
    }
}

static int open_socket(int blocking_connect) {
    int fd = socket(AF_INET, SOCK_STREAM | (blocking_connect ? 0 : SOCK_NONBLOCK), 0);
    int one = 1;
    if (fd < 0) die("socket() failed");
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0 && errno != EINPROGRESS) {
        char text[200];
        snprintf(text, sizeof text, "connect failed: %s", strerror(errno));
        die(text);
    }
    return fd;
}

static void watch(int op, struct conn *c, unsigned events) {
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(ep, op, c->fd, &ev) != 0) die("epoll_ctl failed");
}

/* Send what is left of the message; 1 when all of it is out. */
static int pump(struct conn *c) {
    while (c->sent < size) {
        ssize_t n = send(c->fd, message + c->sent, size - c->sent, MSG_NOSIGNAL);
        if (n > 0) { c->sent += (size_t)n; continue; }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
        die("the server dropped a connection mid-request");
    }
    return 1;
}

/* Read what is there; 1 when the whole reply is in. */
static int drain(struct conn *c, const char *when) {
    for (;;) {
        ssize_t n = recv(c->fd, buffer, RECV_BYTES, 0);
        if (n > 0) {
            c->got += (size_t)n;
            if (c->got > size) {
                char text[200];
                snprintf(text, sizeof text, "the server sent %zu bytes for a %zu-byte message", c->got, size);
                die(text);
            }
            if (c->got == size) return 1;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
        if (n == 0) {
            char text[200];
            snprintf(text, sizeof text, "the server closed a connection %s", when);
            die(text);
        }
        die("the server dropped a connection mid-request");
    }
}

/* The result of a window of echo or rate: one JSON object on stdout. */
static void print_latencies(long requests, double duration, const double *latencies, size_t count) {
    printf("{\"requests\": %ld, \"bytes\": %ld, \"seconds\": %.6f, \"latencies_us\": [", requests,
           requests * (long)size, duration);
    for (size_t i = 0; i < count; i++) printf(i ? ",%.0f" : "%.0f", latencies[i]);
    printf("]}\n");
}

static void begin(struct conn *c) {
    c->sent = c->got = 0;
    c->started = now();
    if (!pump(c)) watch(EPOLL_CTL_MOD, c, EPOLLIN | EPOLLOUT);
}

static int echo(int clients, double start, double warm_up, double duration) {
    struct conn *conns = calloc((size_t)clients, sizeof *conns);
    size_t capacity = 65536, count = 0;
    double *latencies = malloc(capacity * sizeof *latencies);
    double from = start + warm_up, to = from + duration;
    long requests = 0;
    int outstanding = clients, stopping = 0;
    struct epoll_event events[MAX_EVENTS];
    for (int i = 0; i < clients; i++) {
        conns[i].fd = open_socket(1);
        int flags = fcntl(conns[i].fd, F_GETFL);
        if (flags < 0 || fcntl(conns[i].fd, F_SETFL, flags | O_NONBLOCK) != 0)
            die("cannot make a socket non-blocking");
        watch(EPOLL_CTL_ADD, &conns[i], EPOLLIN);
    }
    sleep_until(start);
    for (int i = 0; i < clients; i++) begin(&conns[i]);
    while (outstanding > 0) {
        if (now() > to + DRAIN_S) die("replies did not come back within 2 s of the window's end");
        int n = epoll_wait(ep, events, MAX_EVENTS, 100);
        for (int e = 0; e < n; e++) {
            struct conn *c = events[e].data.ptr;
            if ((events[e].events & EPOLLOUT) && pump(c)) watch(EPOLL_CTL_MOD, c, EPOLLIN);
            if (!(events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) || !drain(c, "mid-request")) continue;
            double done = now();
            if (c->started >= from && done <= to) {
                if (count == capacity) latencies = realloc(latencies, (capacity *= 2) * sizeof *latencies);
                latencies[count++] = (done - c->started) * 1e6;
                requests++;
            }
            if (done >= to) stopping = 1;
            if (stopping) {
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                outstanding--;
            } else {
                begin(c);
            }
        }
    }
    print_latencies(requests, duration, latencies, count);
    for (int i = 0; i < clients; i++) close(conns[i].fd);
    return 0;
}

static int accept_rate(int clients, double start, double warm_up, double duration) {
    struct conn *conns = calloc((size_t)clients, sizeof *conns);
    double from = start + warm_up, to = from + duration;
    long completed = 0;
    int open = clients;
    struct epoll_event events[MAX_EVENTS];
    sleep_until(start);
    for (int i = 0; i < clients; i++) {
        conns[i].fd = open_socket(0);
        conns[i].sent = conns[i].got = 0;
        conns[i].started = now();
        watch(EPOLL_CTL_ADD, &conns[i], EPOLLOUT);
    }
    while (open > 0) {
        if (now() > to + DRAIN_S) die("connections did not finish within 2 s of the window's end");
        int n = epoll_wait(ep, events, MAX_EVENTS, 100);
        for (int e = 0; e < n; e++) {
            struct conn *c = events[e].data.ptr;
            if (c->sent < size) {
                int error = 0;
                socklen_t length = sizeof error;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &length);
                if (error) {
                    char text[200];
                    snprintf(text, sizeof text, "connect failed: %s", strerror(error));
                    die(text);
                }
                if (pump(c)) watch(EPOLL_CTL_MOD, c, EPOLLIN);
                continue;
            }
            if (!drain(c, "before echoing")) continue;
            epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
            close(c->fd);
            double done = now();
            if (c->started >= from && done <= to) completed++;
            if (done < to) {
                c->fd = open_socket(0);
                c->sent = c->got = 0;
                c->started = done;
                watch(EPOLL_CTL_ADD, c, EPOLLOUT);
            } else {
                open--;
            }
        }
    }
    printf("{\"connections\": %ld, \"seconds\": %.6f}\n", completed, duration);
    return 0;
}

/* -- rate: an open loop at a fixed rate ------------------------------------------------------- */

#define RING 65536 /* messages due and not yet answered, per connection */

struct paced {
    int fd, watching_out;
    size_t unsent; /* bytes of the messages due that are not sent yet */
    size_t sent_of_current, got;
    double next_due;
    double *due; /* a ring of the due instants of the messages not answered yet */
    size_t head, count;
};

static void paced_pump(struct paced *c) {
    while (c->unsent > 0) {
        size_t chunk = size - c->sent_of_current;
        if (chunk > c->unsent) chunk = c->unsent;
        ssize_t n = send(c->fd, message + c->sent_of_current, chunk, MSG_NOSIGNAL);
        if (n > 0) {
            c->unsent -= (size_t)n;
            c->sent_of_current = (c->sent_of_current + (size_t)n) % size;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
        die("the server dropped a connection mid-request");
    }
    int want_out = c->unsent > 0;
    if (want_out != c->watching_out) {
        struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.ptr = c};
        if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) != 0) die("epoll_ctl failed");
        c->watching_out = want_out;
    }
}

static int paced_rate(int clients, double start, double warm_up, double duration, double rate) {
    struct paced *conns = calloc((size_t)clients, sizeof *conns);
    size_t capacity = 65536, count = 0;
    double *latencies = malloc(capacity * sizeof *latencies);
    double from = start + warm_up, to = from + duration, interval = clients / rate;
    long requests = 0;
    struct epoll_event events[MAX_EVENTS];
    int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    if (timer < 0) die("timerfd_create failed");
    struct epoll_event tev = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, timer, &tev) != 0) die("epoll_ctl failed");
    for (int i = 0; i < clients; i++) {
        struct paced *c = &conns[i];
        c->fd = open_socket(1);
        int flags = fcntl(c->fd, F_GETFL);
        if (flags < 0 || fcntl(c->fd, F_SETFL, flags | O_NONBLOCK) != 0)
            die("cannot make a socket non-blocking");
        c->due = malloc(RING * sizeof *c->due);
        c->next_due = start + interval * i / clients; /* the connections' schedules interleave */
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) die("epoll_ctl failed");
    }
    sleep_until(start);
    for (;;) {
        double t = now(), earliest = 0;
        int pending = 0;
        if (t > to + DRAIN_S) die("replies did not come back within 2 s of the window's end");
        for (int i = 0; i < clients; i++) {
            struct paced *c = &conns[i];
            while (c->next_due <= t && c->next_due < to) {
                if (c->count == RING) die("the server fell 65536 messages behind on one connection");
                c->due[(c->head + c->count++) % RING] = c->next_due;
                c->unsent += size;
                c->next_due += interval;
            }
            if (c->unsent) paced_pump(c);
            if (c->next_due < to && (earliest == 0 || c->next_due < earliest)) earliest = c->next_due;
            pending += c->count > 0 || c->next_due < to;
        }
        if (!pending) break;
        struct itimerspec when = {{0, 0}, {0, 0}};
        if (earliest > 0) {
            when.it_value.tv_sec = (time_t)earliest;
            when.it_value.tv_nsec = (long)((earliest - (double)(time_t)earliest) * 1e9);
        }
        timerfd_settime(timer, TFD_TIMER_ABSTIME, &when, NULL);
        int n = epoll_wait(ep, events, MAX_EVENTS, 100);
        for (int e = 0; e < n; e++) {
            struct paced *c = events[e].data.ptr;
            if (c == NULL) {
                uint64_t expirations;
                if (read(timer, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
                    die("reading the timer failed");
                continue;
            }
            if (events[e].events & EPOLLOUT) paced_pump(c);
            if (!(events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
            for (;;) {
                ssize_t got = recv(c->fd, buffer, RECV_BYTES, 0);
                if (got < 0 && (errno == EAGAIN || errno == EINTR)) break;
                if (got == 0) die("the server closed a connection mid-request");
                if (got < 0) die("the server dropped a connection mid-request");
                c->got += (size_t)got;
                while (c->got >= size) {
                    if (c->count == 0) die("the server sent more bytes than it was sent");
                    double due = c->due[c->head];
                    c->head = (c->head + 1) % RING;
                    c->count--;
                    c->got -= size;
                    if (due >= from && due < to) {
                        if (count == capacity)
                            latencies = realloc(latencies, (capacity *= 2) * sizeof *latencies);
                        latencies[count++] = (now() - due) * 1e6;
                        requests++;
                    }
                }
            }
        }
    }
    print_latencies(requests, duration, latencies, count);
    for (int i = 0; i < clients; i++) close(conns[i].fd);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 9 && !(argc == 10 && strcmp(argv[1], "rate") == 0))
        die("usage: loadgen echo|accept HOST PORT SIZE CLIENTS START WARM_UP DURATION, "
            "or loadgen rate HOST PORT SIZE CLIENTS START WARM_UP DURATION RATE");
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_port = htons((unsigned short)atoi(argv[3]));
    if (inet_pton(AF_INET, argv[2], &address.sin_addr) != 1) die("HOST must be an IPv4 address");
    size = (size_t)atol(argv[4]);
    int clients = atoi(argv[5]);
    if (size == 0 || clients <= 0) die("SIZE and CLIENTS must be positive");
    message = malloc(size);
    buffer = malloc(RECV_BYTES);
    for (size_t i = 0; i < size; i++) message[i] = (char)(i * 2654435761u >> 13);
    ep = epoll_create1(0);
    double start = atof(argv[6]), warm_up = atof(argv[7]), duration = atof(argv[8]);
    if (strcmp(argv[1], "echo") == 0) return echo(clients, start, warm_up, duration);
    if (strcmp(argv[1], "accept") == 0) return accept_rate(clients, start, warm_up, duration);
    if (strcmp(argv[1], "rate") == 0) {
        double rate = atof(argv[9]);
        if (rate <= 0) die("RATE must be positive");
        return paced_rate(clients, start, warm_up, duration, rate);
    }
    die("MODE must be echo, accept or rate");
    return 1;
}
