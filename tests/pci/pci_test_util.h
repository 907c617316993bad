/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the PCI function tests: a recording InterruptSink, a fake
 * IOMMU-backed DmaPort, and short ways to build functions.
 */
#pragma once

#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include <softvfio/device_description.h>

#include "pci/pci_function.h"
#include "pci/regs.h"

namespace softvfio::pci::test {

/* Records every interrupt; optionally calls a hook inside raise(). */
class RecordingSink : public InterruptSink
{
public:
	void raise(IrqKind kind, unsigned vector) override
	{
		{
			std::lock_guard<std::mutex> lock(mu_);
			events_.emplace_back(kind, vector);
		}
		if (hook)
			hook();
	}
	std::vector<std::pair<IrqKind, unsigned>> events()
	{
		std::lock_guard<std::mutex> lock(mu_);
		return events_;
	}
	size_t count(IrqKind kind)
	{
		size_t n = 0;
		for (const auto &e : events())
			n += e.first == kind;
		return n;
	}
	void clear()
	{
		std::lock_guard<std::mutex> lock(mu_);
		events_.clear();
	}
	std::function<void()> hook;

private:
	std::mutex mu_;
	std::vector<std::pair<IrqKind, unsigned>> events_;
};

/* Memory behind an IOMMU: only mapped IOVA windows can be reached. */
class FakeDma : public DmaPort
{
public:
	void map(uint64_t iova, size_t len) { windows_[iova] = std::vector<uint8_t>(len, 0); }
	/* The bytes at a mapped IOVA (a scratch page, and a failure, if
	 * it is not mapped). */
	uint8_t *at(uint64_t iova)
	{
		for (auto &[base, bytes] : windows_)
			if (iova >= base && iova < base + bytes.size())
				return bytes.data() + (iova - base);
		ADD_FAILURE() << "IOVA " << iova << " is not mapped";
		return scratch_.data();
	}
	Result<void> dma_read(uint64_t iova, void *dst, size_t len) override
	{
		++calls;
		uint8_t *p = find(iova, len);
		if (!p)
			return err(EFAULT);
		std::memcpy(dst, p, len);
		return {};
	}
	Result<void> dma_write(uint64_t iova, const void *src, size_t len) override
	{
		++calls;
		uint8_t *p = find(iova, len);
		if (!p)
			return err(EFAULT);
		std::memcpy(p, src, len);
		return {};
	}
	unsigned calls = 0;

private:
	uint8_t *find(uint64_t iova, size_t len)
	{
		for (auto &[base, bytes] : windows_)
			if (iova >= base && iova + len <= base + bytes.size())
				return bytes.data() + (iova - base);
		return nullptr;
	}
	std::map<uint64_t, std::vector<uint8_t>> windows_;
	std::vector<uint8_t> scratch_ = std::vector<uint8_t>(8192);
};

constexpr uint64_t kTestBusBase = 0xe0000000;

inline DeviceDescription must_preset(const char *name)
{
	auto desc = preset(name);
	EXPECT_TRUE(desc.has_value()) << name;
	return desc.value_or(DeviceDescription{});
}

inline DeviceDescription must_parse(const std::string &toml)
{
	auto parsed = parse_device_description(toml, "test.toml");
	if (auto *e = std::get_if<DescriptionError>(&parsed)) {
		ADD_FAILURE() << e->message();
		return {};
	}
	return std::get<DeviceDescription>(parsed);
}

/* The message of the error a TOML text gives, or "" when it parses. */
inline std::string parse_error(const std::string &toml, const char *origin = "test.toml")
{
	auto parsed = parse_device_description(toml, origin);
	if (auto *e = std::get_if<DescriptionError>(&parsed))
		return e->message();
	return "";
}

inline std::unique_ptr<PciFunction> make_function(const DeviceDescription &desc)
{
	auto fn = PciFunction::create(desc, kTestBusBase);
	EXPECT_TRUE(fn.ok()) << "create failed: " << fn.error();
	return fn.ok() ? std::move(*fn) : nullptr;
}

inline std::unique_ptr<PciFunction> make_preset(const char *name)
{
	return make_function(must_preset(name));
}

inline std::unique_ptr<PciFunction> make_from_toml(const std::string &toml)
{
	return make_function(must_parse(toml));
}

/* A function of the device a file describes (a TOML description or a
 * plugin), or null with the description's error reported. */
inline std::unique_ptr<PciFunction> make_from_file(const std::string &file)
{
	auto resolved = resolve_device(file);
	if (auto *e = std::get_if<DescriptionError>(&resolved)) {
		ADD_FAILURE() << e->message();
		return nullptr;
	}
	return make_function(std::get<DeviceDescription>(resolved));
}

inline uint32_t bar_read32(PciFunction &fn, unsigned bar, uint64_t offset)
{
	uint32_t v = 0;
	EXPECT_TRUE(fn.bar_read(bar, offset, &v, 4).ok());
	return v;
}

inline void bar_write32(PciFunction &fn, unsigned bar, uint64_t offset, uint32_t v)
{
	EXPECT_TRUE(fn.bar_write(bar, offset, &v, 4).ok());
}

inline uint64_t bar_read64(PciFunction &fn, unsigned bar, uint64_t offset)
{
	uint64_t v = 0;
	EXPECT_TRUE(fn.bar_read(bar, offset, &v, 8).ok());
	return v;
}

inline void bar_write64(PciFunction &fn, unsigned bar, uint64_t offset, uint64_t v)
{
	EXPECT_TRUE(fn.bar_write(bar, offset, &v, 8).ok());
}

/* Bus mastering and memory decode on, as a driver would. */
inline void enable_master(PciFunction &fn)
{
	fn.config_write(regs::kCommand, 2,
			fn.config_read(regs::kCommand, 2) | regs::kCommandMaster |
				regs::kCommandMemory);
}

/* A conventional device with one 4 KiB RAM BAR 0: `top` adds top-level
 * keys, `bar` keys of BAR 0, `tail` tables after it. */
inline std::string small_device(const std::string &top = "", const std::string &bar = "",
				const std::string &tail = "")
{
	return "vendor_id = 0x1234\ndevice_id = 0x0001\n" + top +
	       "\n[[bar]]\nindex = 0\nkind = \"mem32\"\nsize = \"4KiB\"\n" + bar + "\n" + tail;
}

} /* namespace softvfio::pci::test */
