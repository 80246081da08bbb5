/* Platform discovery: the one place that knows which machine we run on. */
#ifndef EDGEOS_PLATFORM_H
#define EDGEOS_PLATFORM_H
#include "types.h"
int platform_cpu_count(void);   /* -1 if unknown */
#endif
