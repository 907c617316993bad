/* SPDX-License-Identifier: MIT */
/*
 * A program that never touches VFIO: files, directories, pipes, sockets,
 * file mappings, FIONREAD, signals, fork and exec. Its output (fd numbers
 * included) must be the same with and without the shim; the test runs it
 * both ways and compares.
 *
 * usage: plain            (plain --exec-child is its own exec'd child)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static sigjmp_buf jump;
static volatile int segv_code, usr1;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	segv_code = si->si_code;
	siglongjmp(jump, 1);
}

static void on_usr1(int sig) { usr1 += sig == SIGUSR1; }

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own fd */
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--exec-child") == 0) {
		printf("exec child: argc %d, fds %d\n", argc, count_fds());
		return 5;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	char dir[] = "/tmp/softvfio-plain-XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char path[128];
	snprintf(path, sizeof(path), "%s/data", dir);

	/* Files. */
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	printf("open: fd %d\n", fd);
	printf("write: %zd\n", write(fd, "hello, world\n", 13));
	struct iovec iov[2] = {{"abc", 3}, {"defg", 4}};
	printf("writev: %zd\n", writev(fd, iov, 2));
	printf("pwrite: %zd\n", pwrite(fd, "XY", 2, 0));
	char buf[64] = "";
	printf("pread: %zd '%.*s'\n", pread(fd, buf, 20, 0), 20, buf);
	printf("lseek: %ld\n", (long)lseek(fd, 0, SEEK_END));
	struct stat st;
	int r = fstat(fd, &st);
	printf("fstat: %d size %lld regular %d\n", r, (long long)st.st_size, S_ISREG(st.st_mode));
	r = lstat(dir, &st);
	printf("lstat of the directory: %d directory %d\n", r, S_ISDIR(st.st_mode));
	r = access("/nonexistent/x", F_OK);
	printf("access: %d, missing: %d errno %d\n", access(path, R_OK | W_OK), r, errno);
	lseek(fd, 5, SEEK_SET);
	int avail = -1;
	r = ioctl(fd, FIONREAD, &avail);
	printf("ioctl FIONREAD on a file: %d (%d bytes)\n", r, avail);

	/* Mapping the file. */
	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	printf("mmap: %s '%.5s'\n", m == MAP_FAILED ? "failed" : "ok", m);
	memcpy(m, "HELLO", 5);
	r = msync(m, 4096, MS_SYNC);
	ssize_t got = pread(fd, buf, 5, 0);
	printf("msync: %d, pread sees '%.*s'\n", r, (int)got, buf);
	r = mprotect(m, 4096, PROT_READ);
	printf("mprotect: %d", r);
	r = madvise(m, 4096, MADV_DONTNEED);
	printf(", madvise: %d", r);
	printf(", munmap: %d\n", munmap(m, 4096));
	char *a = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	a[0] = 1;
	char *grown = mremap(a, 8192, 65536, MREMAP_MAYMOVE);
	printf("mremap: %s, keeps data %d\n", grown == MAP_FAILED ? "failed" : "ok", grown[0]);
	munmap(grown, 65536);

	/* dup family. */
	int d1 = dup(fd);
	int d2 = dup2(fd, 20);
	int d3 = fcntl(fd, F_DUPFD_CLOEXEC, 30);
	int d4 = dup3(fd, 40, O_CLOEXEC);
	printf("dup %d, dup2 %d, F_DUPFD_CLOEXEC %d, dup3 %d cloexec %d\n", d1, d2, d3, d4, fcntl(d4, F_GETFD));
	r = close_range(20, 40, 0);
	printf("close_range: %d, then fcntl: %d\n", r, fcntl(30, F_GETFD));
	close(d1);

	/* Directories. */
	DIR *dd = opendir(dir);
	int entries = 0;
	struct dirent *e;
	while ((e = readdir(dd)))
		entries++;
	closedir(dd);
	printf("readdir: %d entries\n", entries);
	FILE *f = fopen(path, "r");
	printf("fopen: %s, first line: %s", f ? "ok" : "failed", f && fgets(buf, sizeof(buf), f) ? buf : "-\n");
	fclose(f);

	/* Pipes and sockets. */
	int p[2], s[2];
	r = pipe(p);
	printf("pipe: %d (%d, %d)\n", r, p[0], p[1]);
	got = write(p[1], "12345", 5);
	ioctl(p[0], FIONREAD, &avail);
	printf("wrote %zd, FIONREAD on the pipe: %d, read %zd\n", got, avail, read(p[0], buf, sizeof(buf)));
	r = socketpair(AF_UNIX, SOCK_STREAM, 0, s);
	printf("socketpair: %d (%d, %d)\n", r, s[0], s[1]);
	got = send(s[0], "ping", 4, 0);
	ioctl(s[1], FIONREAD, &avail);
	printf("sent %zd, FIONREAD on the socket: %d, recv %zd\n", got, avail, recv(s[1], buf, sizeof(buf), 0));

	/* Signals, a fault included. */
	struct sigaction sa = {0}, old = {0};
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGSEGV, NULL, &old);
	printf("sigaction reads back its handler: %d\n", old.sa_sigaction == on_segv);
	char *guard = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sigsetjmp(jump, 1) == 0)
		(void)*(volatile char *)guard;
	printf("SIGSEGV caught: si_code %d\n", segv_code);
	signal(SIGUSR1, on_usr1);
	raise(SIGUSR1);
	printf("SIGUSR1: %d\n", usr1);

	/* fork, then exec of ourselves. */
	pid_t pid = fork();
	if (pid == 0)
		_exit(write(p[1], "child", 5) == 5 ? 7 : 1);
	int status;
	waitpid(pid, &status, 0);
	got = read(p[0], buf, sizeof(buf));
	printf("fork: child status %d, wrote %zd bytes\n", WEXITSTATUS(status), got);
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		execl("/proc/self/exe", argv[0], "--exec-child", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	ssize_t n = read(p[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	printf("exec: status %d, said: %s", WEXITSTATUS(status), buf);

	close(p[0]);
	close(p[1]);
	close(s[0]);
	close(s[1]);
	close(fd);
	printf("fds open at the end: %d\n", count_fds());
	unlink(path);
	rmdir(dir);
	return 0;
}
