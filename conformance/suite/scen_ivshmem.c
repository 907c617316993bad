/* SPDX-License-Identifier: MIT */
/* ivshmem-plain's BAR0 registers through pread/pwrite of the region. */
#define _GNU_SOURCE
#include "suite.h"

#include <errno.h>
#include <unistd.h>

void scenario_ivshmem_registers(struct conf_dev *d)
{
	rec_scenario("ivshmem_registers", 0);
	static const unsigned regs[] = {0x0, 0x4, 0x8, 0xc, 0x10, 0xfc};
	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		rec_x(k(d, "reg%02x", regs[i]), bar_rd(d, 0, regs[i], 4));
	bar_wr(d, 0, 0x0, 4, 0xffffffff);
	rec_x(k(d, "intrmask.written"), bar_rd(d, 0, 0x0, 4));
	bar_wr(d, 0, 0x4, 4, 0x5);
	rec_x(k(d, "intrstatus.first_read"), bar_rd(d, 0, 0x4, 4));
	rec_x(k(d, "intrstatus.second_read"), bar_rd(d, 0, 0x4, 4));
	bar_wr(d, 0, 0x8, 4, 0x1234);
	rec_x(k(d, "ivposition.after_write"), bar_rd(d, 0, 0x8, 4));
	bar_wr(d, 0, 0xc, 4, 0x10001);
	rec_x(k(d, "doorbell.after_write"), bar_rd(d, 0, 0xc, 4));
	bar_wr(d, 0, 0x0, 4, 0);
	uint8_t b = 0x5a;
	ssize_t n = pread(d->fd, &b, 1, 1);
	rec(k(d, "read8.at1"), "%zd 0x%x", n, b);
	rec_x(k(d, "read64.at0"), bar_rd(d, 0, 0x0, 8));
	n = pread(d->fd, &b, 1, 0x100);
	RET(k(d, "read.past_bar0"), n);
}
