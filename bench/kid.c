/*
 * The benchmark's child programs in one small binary, so that what is timed
 * is the wrapper and not a shell: a shell's fork costs ~4 ms on the 2-core
 * VMs this project runs on, which would bury a 10,000-orphan run in 40 s of
 * set-up, and its start-up and trap handling add milliseconds of jitter.
 *
 * Every time is CLOCK_MONOTONIC in nanoseconds, the clock the harness reads
 * too (PID namespaces do not change it), printed as one line on stdout.
 *
 *   kid stamp                  prints "start NS" and exits 0
 *   kid exec-stamp PROG ARG... prints "exec NS", then execs PROG (keeps the pid)
 *   kid run-timed PROG ARG...  spawns PROG, waits, prints "run NS KB": its life
 *                              and its peak resident set (ru_maxrss)
 *   kid trap                   prints "ready", then "term NS" on SIGTERM, exits 0
 *   kid pause                  prints "ready", then sleeps until killed
 *   kid echo                   prints "ready", then "sig NS" on each SIGUSR2,
 *                              exits 0 on SIGTERM
 *   kid orphans N              makes N orphans in a process group of their own
 *                              that sleep until killed; prints "ready PGID MS"
 *   kid exitwatch PID          prints "ready", then "exit NS" when PID ends
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

extern char **environ;

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* One write(2) per line: async-signal-safe, and never held in a buffer. */
static void say(const char *word, long long value) {
  char line[64];
  int n = value < 0 ? snprintf(line, sizeof line, "%s\n", word)
                    : snprintf(line, sizeof line, "%s %lld\n", word, value);
  if (write(1, line, (size_t)n) < 0) _exit(2);
}

static void on_term(int sig) {
  (void)sig;
  say("term", now_ns());
  _exit(0);
}

static void on_usr2(int sig) {
  (void)sig;
  say("sig", now_ns());
}

static void on_term_quietly(int sig) {
  (void)sig;
  _exit(0);
}

static int orphan(void *unused) {
  (void)unused;
  for (;;) pause();
  return 0;
}

/*
 * clone(CLONE_VM) copies no page tables, so an orphan costs ~0.2 ms here
 * instead of a fork's ~1 ms; each one is still a process of its own that
 * becomes a zombie of PID 1 when it dies.
 */
static int make_orphans(long n) {
  long long start = now_ns();
  pid_t middle = fork();
  if (middle < 0) return 1;
  if (middle == 0) {
    setpgid(0, 0);
    const size_t stack = 16384;
    char *stacks = mmap(NULL, stack * (size_t)n, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (stacks == MAP_FAILED) _exit(1);
    for (long i = 0; i < n; i++) {
      if (clone(orphan, stacks + stack * (size_t)(i + 1), CLONE_VM | SIGCHLD,
                NULL) < 0) {
        perror("kid: clone");
        _exit(1);
      }
    }
    _exit(0);
  }
  int status;
  if (waitpid(middle, &status, 0) != middle || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    return 1;
  }
  char line[96];
  int len = snprintf(line, sizeof line, "ready %d %lld\n", (int)middle,
                     (now_ns() - start) / 1000000);
  if (write(1, line, (size_t)len) < 0) return 2;
  for (;;) pause();
}

static int watch_exit(pid_t pid) {
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0) {
    perror("kid: pidfd_open");
    return 1;
  }
  say("ready", -1);
  struct pollfd p = {.fd = fd, .events = POLLIN};
  while (poll(&p, 1, -1) < 0 && errno == EINTR) {
  }
  say("exit", now_ns());
  return 0;
}

static int run_timed(char **argv) {
  pid_t pid;
  long long start = now_ns();
  int error = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
  if (error != 0) {
    fprintf(stderr, "kid: cannot run %s: %s\n", argv[0], strerror(error));
    return 127;
  }
  int status;
  struct rusage usage;
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  long long life = now_ns() - start;
  char line[96];
  int n = snprintf(line, sizeof line, "run %lld %ld\n", life, usage.ru_maxrss);
  if (write(1, line, (size_t)n) < 0) return 2;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "stamp") == 0) {
    say("start", now_ns());
    return 0;
  }
  if (strcmp(mode, "exec-stamp") == 0 && argc > 2) {
    say("exec", now_ns());
    execvp(argv[2], argv + 2);
    perror("kid: exec");
    return 127;
  }
  if (strcmp(mode, "run-timed") == 0 && argc > 2) return run_timed(argv + 2);
  if (strcmp(mode, "trap") == 0) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_term;
    sigaction(SIGTERM, &action, NULL);
    say("ready", -1);
    for (;;) pause();
  }
  if (strcmp(mode, "echo") == 0) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_usr2;
    sigaction(SIGUSR2, &action, NULL);
    action.sa_handler = on_term_quietly;
    sigaction(SIGTERM, &action, NULL);
    say("ready", -1);
    for (;;) pause();
  }
  if (strcmp(mode, "pause") == 0) {
    say("ready", -1);
    for (;;) pause();
  }
  if (strcmp(mode, "orphans") == 0 && argc > 2) {
    return make_orphans(atol(argv[2]));
  }
  if (strcmp(mode, "exitwatch") == 0 && argc > 2) {
    return watch_exit((pid_t)atoi(argv[2]));
  }
  fprintf(stderr, "kid: unknown mode \"%s\"\n", mode);
  return 64;
}
