/* Kernel console output. Supports %d %i %u %x %X %p %s %c %% with the
 * l/ll/z length modifiers, '0' padding and a field width. */
#ifndef EDGEOS_KPRINTF_H
#define EDGEOS_KPRINTF_H
#include "types.h"
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
void console_write(const char *s, size_t n);
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define KASSERT(c) do { if (unlikely(!(c))) panic("assertion failed: %s (%s:%d)", #c, __FILE__, __LINE__); } while (0)
#endif
