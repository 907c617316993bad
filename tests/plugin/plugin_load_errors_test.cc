/* SPDX-License-Identifier: MIT */
/*
 * Broken plugin files are description errors of the same quality as TOML
 * errors: the file, the field (of the C ABI, or of the TOML description
 * that names the plugin) and the problem, found when the description is
 * loaded, before any device exists. A plugin that crashes while it loads
 * takes only its device host down.
 */
#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>
#include <variant>

#include <gtest/gtest.h>

#include <softvfio/device_description.h>

namespace softvfio {
namespace {

const std::string kDir = BAD_PLUGIN_DIR;

std::string error_of(const std::string &device)
{
	auto resolved = resolve_device(device);
	if (auto *e = std::get_if<DescriptionError>(&resolved))
		return e->message();
	return "(no error)";
}

/* A file in a fresh directory of its own. */
class TempDir
{
public:
	TempDir()
	{
		char tmpl[] = "/tmp/softvfio-plugin-test-XXXXXX";
		path = ::mkdtemp(tmpl);
	}
	~TempDir()
	{
		for (const std::string &f : files)
			::unlink(f.c_str());
		::rmdir(path.c_str());
	}
	std::string write(const std::string &name, const std::string &text)
	{
		const std::string file = path + "/" + name;
		std::ofstream(file) << text;
		files.push_back(file);
		return file;
	}
	std::string path;
	std::vector<std::string> files;
};

const char kNamingToml[] = "vendor_id = 0x1234\n[[bar]]\nindex = 0\nkind = \"mem32\"\nsize = \"4KiB\"\n"
			   "contents = \"registers\"\nmodel = \"plugin\"\n";

TEST(PluginFile, MissingFile)
{
	EXPECT_EQ(error_of(kDir + "/missing.so"), kDir + "/missing.so: No such file or directory");
}

TEST(PluginFile, NotASharedObject)
{
	TempDir dir;
	const std::string file = dir.write("text.so", std::string(4096, '#') + "\n");
	EXPECT_EQ(error_of(file), file + ": invalid ELF header");
}

TEST(PluginFile, NoEntryPoint)
{
	EXPECT_EQ(error_of(kDir + "/no_entry.so"),
		  kDir + "/no_entry.so: softvfio_device_plugin: no such symbol: the file is not a softvfio device "
			 "plugin (it must export 'const struct softvfio_plugin *softvfio_device_plugin(void)')");
}

TEST(PluginFile, EntryPointReturnsNull)
{
	EXPECT_EQ(error_of(kDir + "/null_table.so"),
		  kDir + "/null_table.so: softvfio_device_plugin: returned NULL instead of the plugin's table");
}

TEST(PluginFile, AbiMismatch)
{
	EXPECT_EQ(error_of(kDir + "/abi.so"),
		  kDir + "/abi.so: abi_version: the plugin was built for ABI version 99, this softvfio has "
			 "version 1 (rebuild it against this <softvfio/device_plugin.h>)");
}

TEST(PluginFile, TableTooShort)
{
	EXPECT_EQ(error_of(kDir + "/short.so"),
		  kDir + "/short.so: size: 16 bytes is smaller than the 72 every table of ABI version 1 has");
}

TEST(PluginFile, NullCallback)
{
	EXPECT_EQ(error_of(kDir + "/null_read.so"),
		  kDir + "/null_read.so: read: is NULL (every plugin needs create, destroy, read, write and reset, "
			     "or read_bar and write_bar instead of read and write)");
}

TEST(PluginFile, CrashWhileLoadingTakesOnlyItsHost)
{
	/* Died of SIGSEGV; under a sanitizer its handler may end the host
	 * with SIGABRT or an exit status instead. */
	const std::string message = error_of(kDir + "/crash_load.so");
	EXPECT_EQ(message.rfind(kDir + "/crash_load.so: loading it: the device host ", 0), 0u) << message;
	/* And this process goes on: another plugin loads. */
	EXPECT_EQ(error_of(kDir + "/garbage.so"), "(no error)");
}

TEST(PluginFile, NoDescriptionOfItsOwn)
{
	const std::string message = error_of(kDir + "/no_description.so");
	EXPECT_EQ(message.rfind(kDir + "/no_description.so: description: NULL: the plugin describes no device", 0),
		  0u)
		<< message;
}

TEST(PluginFile, BarSmallerThanThePluginNeeds)
{
	EXPECT_EQ(error_of(kDir + "/big_bar.so"),
		  kDir + "/big_bar.so: bar[0].size: 0x1000 is smaller than the plugin's min_bar_size 0x100000");
}

/* ABI 1.1's mirrored reads, each entry checked as untrusted input. */
TEST(PluginFile, BadMirroredReads)
{
	EXPECT_EQ(error_of(kDir + "/mirror_unaligned.so"),
		  kDir + "/mirror_unaligned.so: mirrored_reads[1]: offset 0xa is not a multiple of its width 4");
	EXPECT_EQ(error_of(kDir + "/mirror_width.so"),
		  kDir + "/mirror_width.so: mirrored_reads[0]: width 3 is not 1, 2, 4 or 8");
	EXPECT_EQ(error_of(kDir + "/mirror_outside.so"),
		  kDir + "/mirror_outside.so: mirrored_reads[0]: offset 0x1000 width 8 is outside bar 0 (0x1000 bytes)");
	EXPECT_EQ(error_of(kDir + "/mirror_bar.so"),
		  kDir + "/mirror_bar.so: mirrored_reads[0]: bar 2 is not a register BAR this plugin serves");
	EXPECT_EQ(error_of(kDir + "/mirror_many.so"),
		  kDir + "/mirror_many.so: mirrored_read_count: 33 is more than the 32 a plugin may declare");
	EXPECT_EQ(error_of(kDir + "/mirror_null.so"),
		  kDir + "/mirror_null.so: mirrored_reads: is NULL with mirrored_read_count 1");
}

/* A plugin built against ABI 1.0 (a table without mirrored reads) loads:
 * the fields past its size are never looked at. */
TEST(PluginFile, AnAbi10TableLoads)
{
	const std::string file = kDir + "/old_table.so";
	auto resolved = resolve_device(file);
	EXPECT_TRUE(std::holds_alternative<DeviceDescription>(resolved)) << error_of(file);
}

/* ABI 1.2: read_bar and write_bar come as a pair. */
TEST(PluginFile, ReadBarWithoutWriteBar)
{
	EXPECT_EQ(error_of(kDir + "/half_bar.so"),
		  kDir + "/half_bar.so: write_bar: is NULL while read_bar is set (a plugin that serves its BARs by "
			 "index sets both)");
}

TEST(PluginFile, ItsOwnDescriptionServedByIt)
{
	const std::string file = kDir + "/garbage.so";
	auto resolved = resolve_device(file);
	ASSERT_TRUE(std::holds_alternative<DeviceDescription>(resolved)) << error_of(file);
	const DeviceDescription &desc = std::get<DeviceDescription>(resolved);
	EXPECT_EQ(desc.name, "garbage") << "no name in its description: the file's stem";
	EXPECT_EQ(desc.source, file);
	EXPECT_EQ(desc.device_id, 0xbad0);
	EXPECT_EQ(desc.bars[0].model, "plugin");
	EXPECT_EQ(desc.bars[0].plugin, file);
}

TEST(TomlNamingAPlugin, RelativeToTheTomlFile)
{
	TempDir dir;
	const std::string link = dir.path + "/mydev.so";
	ASSERT_EQ(::symlink((kDir + "/garbage.so").c_str(), link.c_str()), 0);
	dir.files.push_back(link);
	const std::string toml = dir.write("dev.toml", std::string(kNamingToml) + "plugin = \"mydev.so\"\n");
	auto resolved = resolve_device(toml);
	ASSERT_TRUE(std::holds_alternative<DeviceDescription>(resolved)) << error_of(toml);
	EXPECT_EQ(std::get<DeviceDescription>(resolved).bars[0].plugin, link);
}

TEST(TomlNamingAPlugin, ItsErrorsNameTheBarsPluginField)
{
	TempDir dir;
	const std::string abi = dir.write("abi.toml", std::string(kNamingToml) + "plugin = \"" + kDir + "/abi.so\"\n");
	EXPECT_EQ(error_of(abi), abi + ": bar[0].plugin: " + kDir +
					 "/abi.so: abi_version: the plugin was built for ABI version 99, this "
					 "softvfio has version 1 (rebuild it against this <softvfio/device_plugin.h>)");
	const std::string missing = dir.write("missing.toml", std::string(kNamingToml) + "plugin = \"nope.so\"\n");
	EXPECT_EQ(error_of(missing), missing + ": bar[0].plugin: " + dir.path + "/nope.so: No such file or directory");
	const std::string small = dir.write("small.toml", "vendor_id = 0x1234\n[[bar]]\nindex = 0\nkind = \"mem32\"\n"
							  "size = 16\ncontents = \"registers\"\nmodel = \"plugin\"\n"
							  "plugin = \"" BAD_PLUGIN_DIR "/garbage.so\"\n");
	EXPECT_EQ(error_of(small), small + ": bar[0].size: 0x10 is smaller than the plugin's min_bar_size 0x100");
}

TEST(TomlNamingAPlugin, FieldRules)
{
	auto problem = [](const std::string &toml) {
		auto parsed = parse_device_description(toml, "t.toml");
		auto *e = std::get_if<DescriptionError>(&parsed);
		return e ? e->message() : std::string("(no error)");
	};
	EXPECT_EQ(problem(kNamingToml),
		  "t.toml: bar[0].plugin: model = \"plugin\" needs the plugin's file (plugin = \"mydev.so\")");
	EXPECT_EQ(problem("vendor_id = 0x1234\n[[bar]]\nindex = 0\nkind = \"mem32\"\nsize = \"4KiB\"\n"
			  "contents = \"registers\"\nmodel = \"edu\"\nplugin = \"x.so\"\n"),
		  "t.toml: bar[0].plugin: a plugin is only for model = \"plugin\"");
	EXPECT_EQ(problem("vendor_id = 0x1234\n[[bar]]\nindex = 0\nkind = \"mem32\"\nsize = \"4KiB\"\n"
			  "plugin = \"x.so\"\n"),
		  "t.toml: bar[0].plugin: a plugin is only for model = \"plugin\"");
	/* Text alone is never checked against the file (no process is
	 * started for it): the path is only made absolute. */
	EXPECT_EQ(problem(std::string(kNamingToml) + "plugin = \"/nonexistent/x.so\"\n"), "(no error)");
}

} /* namespace */
} /* namespace softvfio */
