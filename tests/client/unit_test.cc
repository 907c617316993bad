/* SPDX-License-Identifier: MIT */
/* Unit tests of the client library's backend-independent parts. */
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

#include <softvfio/client/client.h>

namespace softvfio::test {
namespace {

using namespace softvfio::client;

Result<int> half(int v)
{
	if (v % 2)
		return fail(EINVAL, "half of " + std::to_string(v));
	return v / 2;
}

TEST(ClientResult, CarriesValueOrErrnoAndWhat)
{
	auto ok = half(8);
	ASSERT_TRUE(ok);
	EXPECT_EQ(*ok, 4);
	EXPECT_EQ(ok.code(), 0);
	auto bad = half(3);
	ASSERT_FALSE(bad);
	EXPECT_EQ(bad.code(), EINVAL);
	EXPECT_EQ(bad.error().what, "half of 3");
}

TEST(ClientResult, MessageNamesTheErrno)
{
	Error e{ENODEV, "revoke"};
	std::string m = e.message();
	EXPECT_EQ(m.rfind("revoke: ", 0), 0u) << m;
	EXPECT_NE(m.find("(ENODEV)"), std::string::npos) << m;
	EXPECT_NE(Error({kENOTSUPP, "memattr"}).message().find("ENOTSUPP"), std::string::npos);
}

TEST(ClientResult, VoidResultAndCheck)
{
	Result<void> fine;
	EXPECT_TRUE(fine);
	auto r = check(-EBUSY, "open group");
	ASSERT_FALSE(r);
	EXPECT_EQ(r.code(), EBUSY);
	EXPECT_EQ(*check(5, "x"), 5);
}

TEST(ClientSafeCopy, CopiesOrdinaryMemory)
{
	char src[19] = "unaligned payload";
	char dst[19] = {};
	ASSERT_TRUE(safe_copy(dst + 1, src + 1, sizeof(src) - 1));
	EXPECT_STREQ(dst + 1, src + 1);
}

TEST(ClientSafeCopy, SegvBecomesEFAULT)
{
	void *p = ::mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(p, MAP_FAILED);
	uint32_t v = 0;
	Fault f;
	auto r = safe_copy(&v, p, sizeof(v), &f);
	::munmap(p, 4096);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.code(), EFAULT);
	EXPECT_EQ(f.signo, SIGSEGV);
	EXPECT_EQ(f.addr, reinterpret_cast<uintptr_t>(p));
}

/* A shared mapping of a memfd truncated under it: SIGBUS, as a revoked
 * BAR gives. */
struct Truncated {
	Truncated()
	{
		fd = ::memfd_create("client-test", MFD_CLOEXEC);
		(void)::ftruncate(fd, 4096);
		addr = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		(void)::ftruncate(fd, 0);
	}
	~Truncated()
	{
		::munmap(addr, 4096);
		::close(fd);
	}
	int fd = -1;
	void *addr = nullptr;
};

TEST(ClientSafeCopy, SigbusBecomesEIOWithTheAddress)
{
	Truncated t;
	ASSERT_NE(t.addr, MAP_FAILED);
	uint64_t v = 1;
	Fault f;
	auto r = safe_copy(static_cast<char *>(t.addr) + 64, &v, sizeof(v), &f);
	ASSERT_FALSE(r);
	EXPECT_EQ(r.code(), EIO);
	EXPECT_EQ(f.signo, SIGBUS);
	EXPECT_EQ(f.code, BUS_ADRERR);
	EXPECT_EQ(f.addr, reinterpret_cast<uintptr_t>(t.addr) + 64);
}

TEST(ClientSafeCopy, ThreadsFaultIndependently)
{
	Truncated t;
	ASSERT_NE(t.addr, MAP_FAILED);
	std::atomic<int> faults{0}, copies{0};
	std::vector<std::thread> threads;
	for (int i = 0; i < 4; i++)
		threads.emplace_back([&, i] {
			for (int n = 0; n < 200; n++) {
				uint32_t v = 0, ok = 7;
				if (i % 2) {
					if (safe_copy(&v, t.addr, sizeof(v)).code() == EIO)
						faults++;
				} else if (safe_copy(&v, &ok, sizeof(v)) && v == 7) {
					copies++;
				}
			}
		});
	for (auto &th : threads)
		th.join();
	EXPECT_EQ(faults.load(), 400);
	EXPECT_EQ(copies.load(), 400);
}

TEST(ClientMapping, DefaultIsInvalidAndInaccessible)
{
	Mapping m;
	EXPECT_FALSE(m.valid());
	EXPECT_FALSE(m.accessible());
	EXPECT_TRUE(m.unmap());
	EXPECT_EQ(m.read<uint32_t>(0).code(), EINVAL);
}

TEST(ClientKernelBackend, AnswersLikeSyscalls)
{
	auto b = kernel_backend();
	EXPECT_STREQ(b->name(), "kernel");
	EXPECT_EQ(b->open("/nonexistent/softvfio", O_RDONLY), -ENOENT);
	EXPECT_EQ(b->close(-1), -EBADF);
	EXPECT_TRUE(b->exists("/"));
	auto link = b->readlink("/nonexistent/softvfio");
	ASSERT_FALSE(link);
	EXPECT_EQ(link.code(), ENOENT);
}

} /* namespace */
} /* namespace softvfio::test */
