/* The limit proxy of the bench area: a minimal single-threaded epoll echo server, compiled on the fly.
 *
 * It echoes whatever it reads on every connection it accepts, with edge-free (level-triggered) epoll,
 * non-blocking sockets and no allocation per request: about as little work per message as a server
 * can do on this machine. Driven by the same load generator as the runtimes, it shows what the machine
 * (and the load generator) can do, so a runtime's figure can be read as a share of that.
 *
 * Usage: epoll_echo  -> binds 127.0.0.1 on an ephemeral port, prints the port, serves until killed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define BUFFER 262144

static char buffer[BUFFER];

static void close_conn(int epfd, int fd) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
}

int main(void) {
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) || listen(listener, 4096) ||
        getsockname(listener, (struct sockaddr *)&addr, &len)) {
        perror("epoll_echo: listen");
        return 1;
    }
    printf("%d\n", ntohs(addr.sin_port));
    fflush(stdout);
    int epfd = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = listener};
    epoll_ctl(epfd, EPOLL_CTL_ADD, listener, &ev);
    struct epoll_event events[MAX_EVENTS];
    for (;;) {
        int n = epoll_wait(epfd, events, MAX_EVENTS, -1);
        if (n < 0 && errno == EINTR) continue;
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == listener) {
                int conn;
                while ((conn = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct epoll_event cev = {.events = EPOLLIN, .data.fd = conn};
                    epoll_ctl(epfd, EPOLL_CTL_ADD, conn, &cev);
                }
                continue;
            }
            ssize_t got = read(fd, buffer, BUFFER);
            if (got <= 0) {
                if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
                close_conn(epfd, fd);
                continue;
            }
            /* Echo it all; a full send buffer is waited out with a blocking poll of this socket only:
             * the load generator never has more than one message in flight per connection. */
            ssize_t off = 0;
            while (off < got) {
                ssize_t sent = write(fd, buffer + off, (size_t)(got - off));
                if (sent > 0) { off += sent; continue; }
                if (sent < 0 && (errno == EAGAIN || errno == EINTR)) {
                    struct epoll_event wev = {.events = EPOLLOUT, .data.fd = fd};
                    int wfd = epoll_create1(0);
                    epoll_ctl(wfd, EPOLL_CTL_ADD, fd, &wev);
                    epoll_wait(wfd, &wev, 1, 1000);
                    close(wfd);
                    continue;
                }
                close_conn(epfd, fd);
                break;
            }
        }
    }
}
