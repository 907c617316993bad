/* SPDX-License-Identifier: MIT */
#include "session_probe.h"

#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <string>

namespace softvfio::bench {

pid_t session_kernel_pid()
{
	const char *dir = std::getenv("SOFTVFIO_SESSION");
	if (!dir || !*dir)
		return 0;
	int pid = 0;
	if (FILE *f = std::fopen((std::string(dir) + "/kernel").c_str(), "re")) {
		if (std::fscanf(f, "%d", &pid) != 1)
			pid = 0;
		std::fclose(f);
	}
	return pid;
}

double process_cpu_ns(pid_t pid)
{
	const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
	DIR *d = opendir(tasks.c_str());
	if (!d)
		return 0;
	double total = 0;
	while (dirent *e = readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		/* The first field is the time spent on a CPU, in ns. */
		unsigned long long ns = 0;
		if (FILE *f = std::fopen((tasks + "/" + e->d_name + "/schedstat").c_str(), "re")) {
			if (std::fscanf(f, "%llu", &ns) != 1)
				ns = 0;
			std::fclose(f);
		}
		total += static_cast<double>(ns);
	}
	closedir(d);
	return total;
}

} /* namespace softvfio::bench */
