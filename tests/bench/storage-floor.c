/* The storage floor: what a durable spool's work per message costs this machine in plain C, so the
 * gateway's CPU per message can be read against it. Ten threads each, per message: create a file,
 * write 1 KiB, fsync, close, rename it into place, and unlink it; a folder sync for every ten
 * messages (the gateway shares one between the messages of a batch). Prints messages per second and
 * CPU milliseconds per message (getrusage: user + system, all threads).
 *
 *   storage-floor FOLDER [MESSAGES]      (tests/bench/run.sh builds it with cc) */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#define THREADS 10

static const char *folder;
static int messages;
static char body[1024];

static void fail(const char *what, const char *path)
{
    perror(path);
    fprintf(stderr, "storage-floor: %s failed\n", what);
    exit(1);
}

static void *writer(void *arg)
{
    long first = (long)arg;
    char temporary[4096], final[4096];
    for (int i = (int)first; i < messages; i += THREADS) {
        snprintf(temporary, sizeof temporary, "%s/%d.tmp", folder, i);
        snprintf(final, sizeof final, "%s/%d.msg", folder, i);
        int fd = open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
        if (fd < 0) fail("open", temporary);
        if (write(fd, body, sizeof body) != (ssize_t)sizeof body) fail("write", temporary);
        if (fsync(fd) != 0) fail("fsync", temporary);
        close(fd);
        if (rename(temporary, final) != 0) fail("rename", final);
        if ((i / THREADS) % 10 == 0) {
            int dir = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dir < 0 || fsync(dir) != 0) fail("folder sync", folder);
            close(dir);
        }
        if (unlink(final) != 0) fail("unlink", final);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: storage-floor FOLDER [MESSAGES]\n");
        return 2;
    }
    folder = argv[1];
    messages = argc > 2 ? atoi(argv[2]) : 4000;
    memset(body, 'x', sizeof body);
    struct timeval start, end;
    gettimeofday(&start, NULL);
    pthread_t threads[THREADS];
    for (long t = 0; t < THREADS; t++) pthread_create(&threads[t], NULL, writer, (void *)t);
    for (int t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);
    gettimeofday(&end, NULL);
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double cpu = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
    double seconds = (end.tv_sec - start.tv_sec) + (end.tv_usec - start.tv_usec) / 1e6;
    printf("%d messages, %.0f/s, cpu %.3f ms per message\n", messages, messages / seconds, cpu / messages);
    return 0;
}
