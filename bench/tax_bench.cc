/* SPDX-License-Identifier: MIT */
/*
 * The shim's tax on calls that are not VFIO's: ioctl(FIONREAD) on a pipe,
 * pread of a file, open+close of a file. The `bench` target runs this
 * binary without the shim, under `softvfio run` (a client of a session
 * from its first instruction), and under it with a VFIO fd open
 * (SOFTVFIO_BENCH_TOUCH=1 opens /dev/vfio/vfio first, so the fd cache
 * holds a stand-in and every other fd gets classified), alternating in
 * rounds (run.sh).
 */
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace {

const char *self_path()
{
	static char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	path[n > 0 ? n : 0] = '\0';
	return path;
}

void BM_Tax_Ioctl(benchmark::State &state)
{
	int p[2];
	if (pipe(p) < 0)
		return state.SkipWithError("pipe");
	int n = 0;
	for (auto _ : state)
		benchmark::DoNotOptimize(ioctl(p[0], FIONREAD, &n));
	close(p[0]);
	close(p[1]);
}
BENCHMARK(BM_Tax_Ioctl)->Name("Tax/Ioctl");

void BM_Tax_Read(benchmark::State &state)
{
	int fd = open(self_path(), O_RDONLY | O_CLOEXEC);
	char buf[64];
	for (auto _ : state)
		benchmark::DoNotOptimize(pread(fd, buf, sizeof(buf), 0));
	close(fd);
}
BENCHMARK(BM_Tax_Read)->Name("Tax/Read");

void BM_Tax_Open(benchmark::State &state)
{
	const char *path = self_path();
	for (auto _ : state)
		close(open(path, O_RDONLY | O_CLOEXEC));
}
BENCHMARK(BM_Tax_Open)->Name("Tax/Open");

} /* namespace */

int main(int argc, char **argv)
{
	const char *touch = std::getenv("SOFTVFIO_BENCH_TOUCH");
	int vfio = touch && *touch == '1' ? open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC) : -1;
	benchmark::Initialize(&argc, argv);
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	if (vfio >= 0)
		close(vfio);
	return 0;
}
