/* Wall-clock time at boot from the CMOS real-time clock. */
#include "time.h"
#include "cpu.h"

static uint64_t boot_epoch_ns;

static uint8_t cmos(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static uint64_t days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (uint64_t)(era * 146097 + (int)doe - 719468);
}

void rtc_read_boot_time(void)
{
    for (int i = 0; i < 100000 && (cmos(0x0a) & 0x80); i++)
        cpu_relax();                       /* update in progress */
    uint8_t s = cmos(0x00), mi = cmos(0x02), h = cmos(0x04);
    uint8_t d = cmos(0x07), mo = cmos(0x08), y = cmos(0x09), b = cmos(0x0b);
    if (s == 0xff && mo == 0xff)
        return;                            /* no RTC: wall clock starts at 0 */
    if (!(b & 0x04)) {                     /* BCD */
#define BCD(x) (((x) & 0x0f) + ((x) >> 4) * 10)
        s = BCD(s); mi = BCD(mi); d = BCD(d); mo = BCD(mo); y = BCD(y);
        h = (uint8_t)(BCD(h & 0x7f) | (h & 0x80));
    }
    if (!(b & 0x02) && (h & 0x80))
        h = (uint8_t)(((h & 0x7f) + 12) % 24);
    uint64_t days = days_from_civil(2000 + y, mo, d);
    boot_epoch_ns = ((days * 86400) + h * 3600ULL + mi * 60ULL + s) * 1000000000ULL;
}

uint64_t realtime_base_ns(void) { return boot_epoch_ns; }
