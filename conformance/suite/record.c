/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "record.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int framed_;
static const char *scenario_ = "none";
static int only_;
static int count_;
static int failed_;
static const char *prefix_;
static char scenario_buf_[128];

void rec_init(int framed)
{
	framed_ = framed;
	setvbuf(stdout, NULL, _IOLBF, 0);
}

void rec_force_only(const char *prefix) { prefix_ = prefix; }

void rec_scenario(const char *name, int softvfio_only)
{
	scenario_ = name;
	only_ = softvfio_only || prefix_;
	if (prefix_) {
		snprintf(scenario_buf_, sizeof(scenario_buf_), "%s:%s", prefix_, name);
		scenario_ = scenario_buf_;
	}
}

static void put_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

void rec(const char *key, const char *fmt, ...)
{
	char value[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (framed_)
		fputs("CONF|", stdout);
	fputs("{\"scenario\":", stdout);
	put_json_string(scenario_);
	fputs(",\"key\":", stdout);
	put_json_string(key);
	fputs(",\"value\":", stdout);
	put_json_string(value);
	if (only_)
		fputs(",\"only\":\"softvfio\"", stdout);
	fputs("}\n", stdout);
	fflush(stdout);
	count_++;
}

void rec_u(const char *key, unsigned long long v) { rec(key, "%llu", v); }

void rec_x(const char *key, unsigned long long v) { rec(key, "0x%llx", v); }

void rec_ret(const char *key, long ret, int err)
{
	if (ret >= 0)
		rec(key, "ok");
	else
		rec(key, "%s", strerrorname_np(err) ? strerrorname_np(err) : "E?");
}

void rec_check(const char *key, int ok)
{
	char k[256];
	snprintf(k, sizeof(k), "check:%s", key);
	rec(k, "%s", ok ? "pass" : "FAIL");
	if (!ok)
		failed_++;
}

int rec_finish(void)
{
	if (framed_)
		printf("CONF-END|%d\n", count_);
	fflush(stdout);
	return failed_;
}
