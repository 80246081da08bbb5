/* System-call layer. */
#ifndef EDGEOS_SYSCALL_H
#define EDGEOS_SYSCALL_H
#include "types.h"
#define EDGEOS_SYSCALL_BASE 0x1000
struct trapframe;
int64_t linux_syscall(uint64_t nr, struct trapframe *tf);
int64_t edgeos_syscall(uint64_t nr, struct trapframe *tf);
#endif
