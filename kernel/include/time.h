/* Time keeping: the TSC is the clock; its frequency is calibrated at boot. */
#ifndef EDGEOS_TIME_H
#define EDGEOS_TIME_H
#include "types.h"
extern uint64_t tsc_hz;
extern uint64_t tsc_boot;
void tsc_calibrate(void);
uint64_t time_ns(void);                 /* nanoseconds since boot */
uint64_t tsc_to_ns(uint64_t cycles);
uint64_t ns_to_tsc(uint64_t ns);
uint64_t realtime_base_ns(void);        /* wall clock at boot, ns since 1970 */
void rtc_read_boot_time(void);
void udelay(uint64_t us);
#endif
