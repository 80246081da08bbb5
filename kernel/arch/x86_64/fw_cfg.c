/* QEMU firmware configuration interface (I/O ports 0x510/0x511): used for
 * the number of CPUs the machine was given. */
#include "cpu.h"
#include "platform.h"

#define FW_CFG_SEL  0x510
#define FW_CFG_DATA 0x511

static void fw_cfg_read(uint16_t key, void *buf, size_t n)
{
    outw(FW_CFG_SEL, key);
    for (size_t i = 0; i < n; i++)
        ((uint8_t *)buf)[i] = inb(FW_CFG_DATA);
}

int platform_cpu_count(void)
{
    char sig[4];
    fw_cfg_read(0x0000, sig, 4);
    if (sig[0] != 'Q' || sig[1] != 'E' || sig[2] != 'M' || sig[3] != 'U')
        return -1;
    uint16_t n;
    fw_cfg_read(0x0005, &n, 2);
    return n;
}
