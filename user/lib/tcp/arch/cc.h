/* lwIP's compiler and platform glue for EdgeOS FWPs (musl, x86_64). */
#ifndef EOS_LWIP_ARCH_CC_H
#define EOS_LWIP_ARCH_CC_H
#include <stdio.h>
#include <stdlib.h>
#define LWIP_PLATFORM_DIAG(x) do { printf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) do { printf("lwip: assertion \"%s\" failed at %s:%d\n", x, __FILE__, __LINE__); abort(); } while (0)
#define LWIP_ERR_T int
#endif
